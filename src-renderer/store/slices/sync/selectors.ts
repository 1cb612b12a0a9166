import type { SyncStatusDto } from '../../../../src-main/bridge/channels/sync';
import type { AppStore } from '../../index';

export type PillTone = 'neutral' | 'ok' | 'busy' | 'warn';

/** "just now", "3 min ago", "2 h ago", else the date. */
export function ago(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
}

/**
 * The status bar's words for sync, most urgent first: running, failed or offline, conflicts,
 * never synced, changes waiting, then how long ago the last sync was.
 */
export function syncPill(status: SyncStatusDto | null, now: number): { text: string; title: string; tone: PillTone } {
  const pill = pillOf(status, now);
  if (!status?.insecure) return pill;
  // Allowed at sign-in, never hidden: the token travels in cleartext on every sync.
  return { text: `${pill.text} (unencrypted http)`, title: `Unencrypted http:// to ${status.connection?.server ?? 'the server'}: the sign-in token crosses the network in cleartext. ${pill.title}`, tone: pill.tone === 'busy' ? 'busy' : 'warn' };
}

function pillOf(status: SyncStatusDto | null, now: number): { text: string; title: string; tone: PillTone } {
  if (!status) return { text: 'Sync: …', title: 'Asking where sync stands', tone: 'neutral' };
  if (!status.available) return { text: 'Sync: no vault', title: status.message ?? '', tone: 'neutral' };
  const where = status.connection ? `${status.connection.server} as ${status.connection.account}` : 'no sync server signed in';
  if (status.state === 'running') return { text: 'Sync: syncing…', title: `Syncing with ${where}`, tone: 'busy' };
  if (status.state === 'error') {
    const reason = status.message ?? 'unknown reason';
    if (status.offline) return { text: 'Sync: offline', title: `The last sync failed: ${reason}`, tone: 'warn' };
    return { text: `Sync: failed: ${reason.length > 48 ? `${reason.slice(0, 47)}…` : reason}`, title: `The last sync failed: ${reason}`, tone: 'warn' };
  }
  if (status.conflicts) return { text: `Sync: conflicts (${status.conflicts})`, title: `${status.conflicts} object(s) changed here and on the server: choose a side on the Sync screen`, tone: 'warn' };
  if (!status.lastsyncat) return { text: 'Sync: never', title: status.connection ? `Signed in to ${where}; not synced yet` : 'Not connected to a sync server', tone: 'neutral' };
  const waiting = status.pending || status.resolved;
  if (waiting) return { text: `Sync: ${waiting} pending`, title: `${waiting} change(s) made here wait for the next sync with ${where}`, tone: 'neutral' };
  return { text: `Sync: ${ago(status.lastsyncat, now)}`, title: `Last synced ${new Date(status.lastsyncat).toLocaleString()} with ${where}`, tone: 'ok' };
}

export const syncSelectors = {
  status: (s: AppStore) => s.syncStatus,
  job: (s: AppStore) => s.syncJob,
  conflicts: (s: AppStore) => s.syncConflicts,
  pending: (s: AppStore) => s.syncPending,
  error: (s: AppStore) => s.syncError,
  message: (s: AppStore) => s.syncMessage,
  running: (s: AppStore) => s.syncStatus?.state === 'running' || (s.syncJob !== null && (s.syncJob.progress.phase === 'pulling' || s.syncJob.progress.phase === 'pushing')),
  /** Conflicts still waiting for a choice. */
  undecided: (s: AppStore) => s.syncConflicts.filter((c) => !c.resolved).length,
};
