import type { StateCreator } from 'zustand';
import { api, type BridgeError } from '../../../api';
import type { PendingChangeDto, SyncConflictDto, SyncProgressDto, SyncStatusDto } from '../../../../src-main/bridge/channels/sync';
import type { AppStore } from '../../index';

export interface SyncActions {
  /** Where sync stands (the status bar's pill); resumes polling a job started before this window. */
  loadSyncStatus: () => Promise<void>;
  /** Signs in; main keeps the token, the password is dropped. A refusal names the field. */
  /** allowInsecureHttp: the admin's explicit choice to send the token over http:// to another computer. */
  connectSync: (server: string, account: string, password: string, options?: { allowInsecureHttp?: boolean }) => Promise<BridgeError | null>;
  disconnectSync: () => Promise<void>;
  /**
   * Starts pull + push and polls the job until it ends, then reloads what it changed. publish: the
   * admin confirmed that the empty server takes this vault's organization.
   */
  startSync: (options?: { publish?: boolean }) => Promise<BridgeError | null>;
  loadConflicts: () => Promise<void>;
  /** Keeps mine or takes theirs for a conflicted object, or only for the fields named. */
  resolveConflict: (conflictid: string, take: 'mine' | 'theirs', fields?: readonly string[]) => Promise<BridgeError | null>;
  loadPending: () => Promise<void>;
}

export interface SyncJob {
  readonly jobid: string;
  readonly progress: SyncProgressDto;
}

export interface SyncSliceState {
  readonly syncStatus: SyncStatusDto | null;
  /** The job being polled, or the last one (kept to show how it ended). */
  readonly syncJob: SyncJob | null;
  readonly syncConflicts: readonly SyncConflictDto[];
  readonly syncPending: { readonly total: number; readonly entries: readonly PendingChangeDto[] } | null;
  readonly syncError: BridgeError | null;
  /** What the last resolution did. */
  readonly syncMessage: string | null;
}

export type SyncSlice = SyncSliceState & SyncActions;

export const initialSyncState: SyncSliceState = { syncStatus: null, syncJob: null, syncConflicts: [], syncPending: null, syncError: null, syncMessage: null };

/** How often a running job is asked for its progress. */
export const SYNC_POLL_MS = 250;

const finished = (p: SyncProgressDto) => p.phase !== 'pulling' && p.phase !== 'pushing';
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const createSyncSlice: StateCreator<AppStore, [], [], SyncSlice> = (set, get) => {
  let polling: string | null = null;

  /** Polls until the job ends; a second caller for the same job waits for the first. */
  const poll = async (jobid: string): Promise<BridgeError | null> => {
    if (polling === jobid) {
      while (polling === jobid) await wait(SYNC_POLL_MS);
      return get().syncError;
    }
    polling = jobid;
    try {
      for (;;) {
        const r = await api()['sync:progress']({ jobid });
        if (!r.ok) {
          set({ syncError: r.error });
          return r.error;
        }
        set({ syncJob: { jobid, progress: r.value } });
        if (finished(r.value)) break;
        await wait(SYNC_POLL_MS);
      }
    } finally {
      polling = null;
    }
    const s = get();
    // A pull may have changed the organization: the screens refetch when the revision moves.
    await Promise.all([s.loadSyncStatus(), s.loadConflicts(), s.loadPending(), s.loadSummary()]);
    return null;
  };

  return {
    ...initialSyncState,

    async loadSyncStatus() {
      const r = await api()['sync:status']({});
      if (!r.ok) return;
      set({ syncStatus: r.value });
      if (r.value.jobid && polling !== r.value.jobid) void poll(r.value.jobid);
    },

    async connectSync(server, account, password, options = {}) {
      const r = await api()['sync:connect']({ server, account, password, ...(options.allowInsecureHttp ? { allowInsecureHttp: true } : {}) });
      if (!r.ok) {
        set({ syncError: r.error });
        return r.error;
      }
      set({ syncStatus: r.value, syncError: null });
      return null;
    },

    async disconnectSync() {
      const r = await api()['sync:disconnect']({});
      if (r.ok) set({ syncStatus: r.value, syncError: null });
    },

    async startSync(options = {}) {
      const r = await api()['sync:start'](options.publish ? { publish: true } : {});
      if (!r.ok) {
        set({ syncError: r.error });
        return r.error;
      }
      set((s) => ({
        syncError: null,
        syncMessage: null,
        syncJob: { jobid: r.value.jobid, progress: { phase: 'pulling', pulled: 0, pushed: 0, total: s.syncStatus?.pending ?? 0 } },
        syncStatus: s.syncStatus ? { ...s.syncStatus, state: 'running', jobid: r.value.jobid } : s.syncStatus,
      }));
      return poll(r.value.jobid);
    },

    async loadConflicts() {
      const r = await api()['sync:conflicts']({});
      if (r.ok) set({ syncConflicts: r.value.conflicts });
    },

    async resolveConflict(conflictid, take, fields) {
      const r = await api()['sync:resolve']({ conflictid, take, ...(fields ? { fields: [...fields] } : {}) });
      if (!r.ok) {
        set({ syncError: r.error });
        return r.error;
      }
      set({ syncConflicts: r.value.conflicts, syncMessage: r.value.message, syncError: null });
      const s = get();
      await Promise.all([s.loadSyncStatus(), s.loadPending(), s.loadSummary()]);
      return null;
    },

    async loadPending() {
      const r = await api()['sync:pending']({ limit: 200 });
      if (r.ok) set({ syncPending: r.value });
    },
  };
};
