import { useState } from 'react';
import { orgSelectors, useAppStore, vaultSelectors } from '../../store';
import { SyncPill } from '../sync/SyncPill';
import { VaultSettingsDialog } from '../vault/VaultSettingsDialog';

/** Vault and sync state, where undo stands, and the last outcome (a refusal shows its reason). */
export function StatusBar() {
  const notice = useAppStore(orgSelectors.notice);
  const history = useAppStore(orgSelectors.history);
  const dismiss = useAppStore((s) => s.dismissNotice);
  const vault = useAppStore(vaultSelectors.status);
  const vaultLabel = useAppStore(vaultSelectors.label);
  const { lockVault } = useAppStore.getState();
  const [settingsOpen, setSettingsOpen] = useState(false);
  const hasVault = vault && vault.path !== '(in memory)';
  return (
    <footer className="statusbar" aria-label="Status">
      {hasVault ? (
        <button type="button" className="pill" title={`Encrypted vault: ${vault.path}. Settings: auto-lock, unlock on this computer, passphrase`} onClick={() => setSettingsOpen(true)}>
          {vaultLabel}
          {vault.autoLockMinutes ? ` · auto-lock ${vault.autoLockMinutes} min` : ''}
        </button>
      ) : (
        <span className="pill">{vaultLabel}</span>
      )}
      {hasVault && (
        <button type="button" className="link" onClick={() => void lockVault()} title="Lock the vault now: the key is dropped from memory">
          Lock
        </button>
      )}
      {settingsOpen && <VaultSettingsDialog onClose={() => setSettingsOpen(false)} />}
      <SyncPill />
      <span className="muted">{history.undoLabel ? `Undo: ${history.undoLabel}` : 'No changes yet'}</span>
      <span className="status-notice" role={notice?.kind === 'refused' ? 'alert' : 'status'} aria-live="polite">
        {notice && (
          <>
            <span className={notice.kind === 'refused' ? 'refusal' : 'done'}>
              {notice.kind === 'refused' ? 'Refused: ' : ''}
              {notice.text}
            </span>
            <button type="button" className="link" onClick={dismiss} aria-label="Dismiss">
              ×
            </button>
          </>
        )}
      </span>
    </footer>
  );
}
