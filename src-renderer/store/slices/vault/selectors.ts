import type { AppStore } from '../../index';

export const vaultSelectors = {
  status: (s: AppStore) => s.vault,
  busy: (s: AppStore) => s.vaultBusy,
  /** The status bar's words for the vault. */
  label: (s: AppStore): string => {
    const v = s.vault;
    if (!v) return 'Vault: …';
    if (v.phase === 'firstRun') return 'Vault: not created';
    if (v.phase === 'locked') return 'Vault: locked';
    if (v.path === '(in memory)') return 'Vault: in memory';
    return `Vault: open${v.pendingChanges ? `, ${v.pendingChanges} change(s) not synced` : ''}`;
  },
};
