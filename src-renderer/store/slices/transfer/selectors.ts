import type { RolesPreviewDto } from '../../../../src-main/bridge/channels/transfer';
import type { AppStore } from '../../index';

/** How many of the preview's roles and profiles are ticked, and whether Apply can be pressed. */
export function importReadiness(p: RolesPreviewDto | null, chosenRoles: readonly string[], chosenProfiles: readonly string[]): { roles: number; profiles: number; canApply: boolean; why: string | null } {
  if (!p) return { roles: 0, profiles: 0, canApply: false, why: null };
  const importable = new Set([...p.roles.new, ...p.roles.changed].map((r) => r.sourceroleid));
  const importableProfiles = new Set([...p.profiles.new, ...p.profiles.changed].map((x) => x.sourceprofileid));
  const roles = chosenRoles.filter((id) => importable.has(id)).length;
  const profiles = chosenProfiles.filter((id) => importableProfiles.has(id)).length;
  const why = p.errors.length
    ? `${p.errors.length} ${p.errors.length === 1 ? 'error' : 'errors'} in the files: fix ${p.errors.length === 1 ? 'it' : 'them'} and choose the files again.`
    : importable.size + importableProfiles.size === 0
      ? 'Every role and profile is already as the files say.'
      : roles + profiles === 0
        ? 'Tick at least one role or profile.'
        : null;
  return { roles, profiles, canApply: why === null, why };
}

/** "1.2 MB" */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export const transferSelectors = {
  tab: (s: AppStore) => s.transferTab,
  busy: (s: AppStore) => s.transferBusy,
  rolesPreview: (s: AppStore) => s.rolesPreview,
  chosenRoles: (s: AppStore) => s.chosenRoles,
  chosenProfiles: (s: AppStore) => s.chosenProfiles,
  usersPreview: (s: AppStore) => s.usersPreview,
  exportedOrg: (s: AppStore) => s.exportedOrg,
  exportedSolution: (s: AppStore) => s.exportedSolution,
  error: (s: AppStore) => s.transferError,
  done: (s: AppStore) => s.transferDone,
};
