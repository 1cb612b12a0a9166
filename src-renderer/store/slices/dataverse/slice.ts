import type { StateCreator } from 'zustand';
import { api, type BridgeError } from '../../../api';
import type { DataversePlanDto, DataversePullJobDto, DataversePushDto, DataverseStatusDto } from '../../../../src-main/bridge/channels/dataverseLink';
import type { AppStore } from '../../index';

export interface DataverseActions {
  /** Where the link to Dataverse stands; resumes polling a pull started before this window. */
  loadDataverse: () => Promise<void>;
  /** Keeps the environment URL and client id in the vault; a refusal names the field. */
  saveDataverseSettings: (settings: { env: string; clientid: string | null; authority: string | null }) => Promise<BridgeError | null>;
  /**
   * Pulls the environment into the vault and polls the job until it ends, then reloads what it
   * replaced. `discard`: the changes applied since the pull and not pushed are discarded (a full pull).
   */
  pullDataverse: (o?: { discard?: boolean }) => Promise<BridgeError | null>;
  /** Signs in to the settings' environment with their client id, through the system browser (main opens it); resolves when the admin is done there. */
  signInDataverse: () => Promise<BridgeError | null>;
  /** Gives up the sign-in waiting in the browser; signInDataverse then ends without an error. */
  cancelSignInDataverse: () => Promise<void>;
  /** Forgets the sign-in kept in the vault. */
  signOutDataverse: () => Promise<BridgeError | null>;
  /** Reads the push's requests and access diff; nothing is sent. */
  reviewPush: () => Promise<BridgeError | null>;
  /** Sends the reviewed plan; the answer per change set is kept to show. */
  sendPush: () => Promise<BridgeError | null>;
  /** Back from the review without sending. */
  closePushReview: () => void;
  /** Forgets the push conflict kept in the vault (a pull forgets it too). */
  dismissDataverseConflict: () => Promise<BridgeError | null>;
}

export interface DataverseSliceState {
  readonly dataverseStatus: DataverseStatusDto | null;
  /** The pull being polled, or the last one (kept to show how it ended). */
  readonly dataversePull: DataversePullJobDto | null;
  readonly dataversePlan: DataversePlanDto | null;
  readonly dataversePush: DataversePushDto | null;
  readonly dataverseError: BridgeError | null;
  /** Which part of the screen the error belongs to. */
  readonly dataverseErrorAt: 'settings' | 'pull' | 'push' | null;
  /** What is under way: the screen disables what would collide with it. */
  readonly dataverseBusy: 'saving' | 'signing-in' | 'planning' | 'pushing' | null;
}

export type DataverseSlice = DataverseSliceState & DataverseActions;

export const initialDataverseState: DataverseSliceState = { dataverseStatus: null, dataversePull: null, dataversePlan: null, dataversePush: null, dataverseError: null, dataverseErrorAt: null, dataverseBusy: null };

/** How often a running pull is asked for its progress. */
export const DATAVERSE_POLL_MS = 200;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const createDataverseSlice: StateCreator<AppStore, [], [], DataverseSlice> = (set, get) => {
  let polling: string | null = null;

  const poll = async (jobid: string): Promise<BridgeError | null> => {
    if (polling === jobid) {
      while (polling === jobid) await wait(DATAVERSE_POLL_MS);
      return get().dataverseError;
    }
    polling = jobid;
    try {
      for (;;) {
        const r = await api()['dataverse:pullProgress']({ jobid });
        if (!r.ok) {
          set({ dataverseError: r.error, dataverseErrorAt: 'pull' });
          return r.error;
        }
        set({ dataversePull: r.value });
        if (r.value.state === 'done') set({ notice: { kind: 'done', text: `Pulled ${r.value.env} into the vault` } });
        if (r.value.state === 'failed') set({ notice: { kind: 'refused', text: r.value.error ?? `The pull of ${r.value.env} failed` } });
        if (r.value.state !== 'running') break;
        await wait(DATAVERSE_POLL_MS);
      }
    } finally {
      polling = null;
    }
    const s = get();
    // The pull replaced the organization: every screen refetches when the revision moves.
    await Promise.all([s.loadDataverse(), s.loadSummary(), s.loadStaged()]);
    return null;
  };

  return {
    ...initialDataverseState,

    async loadDataverse() {
      const r = await api()['dataverse:status']({});
      if (!r.ok) {
        set({ dataverseError: r.error, dataverseErrorAt: 'pull' });
        return;
      }
      set({ dataverseStatus: r.value });
      if (r.value.job && polling !== r.value.job.jobid) {
        set({ dataversePull: r.value.job });
        void poll(r.value.job.jobid);
      }
    },

    async saveDataverseSettings(settings) {
      set({ dataverseBusy: 'saving' });
      try {
        const r = await api()['dataverse:setSettings'](settings);
        if (!r.ok) {
          set({ dataverseError: r.error, dataverseErrorAt: 'settings' });
          return r.error;
        }
        set((s) => ({ dataverseError: null, dataverseErrorAt: null, dataverseStatus: s.dataverseStatus && { ...s.dataverseStatus, settings: r.value } }));
        await get().loadDataverse();
        return null;
      } finally {
        set({ dataverseBusy: null });
      }
    },

    async pullDataverse(o = {}) {
      const r = await api()['dataverse:pull']({ discard: o.discard === true });
      if (!r.ok) {
        set({ dataverseError: r.error, dataverseErrorAt: r.error.path === 'env' ? 'settings' : 'pull' });
        return r.error;
      }
      set({ dataverseError: null, dataverseErrorAt: null, dataversePull: r.value, dataversePlan: null, dataversePush: null });
      return poll(r.value.jobid);
    },

    async signInDataverse() {
      const settings = get().dataverseStatus?.settings;
      if (!settings?.env) return null;
      set({ dataverseBusy: 'signing-in' });
      try {
        const r = await api()['dataverse:signIn']({ env: settings.env, ...(settings.clientid ? { clientId: settings.clientid } : {}), ...(settings.authority ? { authority: settings.authority } : {}) });
        // A sign-in the admin cancelled here is what they asked for, not an error to show.
        if (!r.ok && r.error.code !== 'cancelled') {
          set({ dataverseError: r.error, dataverseErrorAt: 'settings' });
          return r.error;
        }
        set({ dataverseError: null, dataverseErrorAt: null });
        await get().loadDataverse();
        return null;
      } finally {
        set({ dataverseBusy: null });
      }
    },

    async cancelSignInDataverse() {
      await api()['dataverse:cancelSignIn']({});
    },

    async signOutDataverse() {
      const r = await api()['dataverse:signOut']({});
      if (!r.ok) {
        set({ dataverseError: r.error, dataverseErrorAt: 'settings' });
        return r.error;
      }
      set({ dataverseError: null, dataverseErrorAt: null });
      await get().loadDataverse();
      return null;
    },

    async reviewPush() {
      set({ dataverseBusy: 'planning', dataversePush: null });
      try {
        const r = await api()['dataverse:pushPlan']({});
        if (!r.ok) {
          set({ dataverseError: r.error, dataverseErrorAt: r.error.path === 'env' ? 'settings' : 'push', dataversePlan: null });
          return r.error;
        }
        set({ dataversePlan: r.value, dataverseError: null, dataverseErrorAt: null });
        return null;
      } finally {
        set({ dataverseBusy: null });
      }
    },

    async sendPush() {
      const planid = get().dataversePlan?.planid;
      if (!planid) return null;
      set({ dataverseBusy: 'pushing' });
      try {
        const r = await api()['dataverse:push']({ planid });
        if (!r.ok) {
          set({ dataverseError: r.error, dataverseErrorAt: r.error.path === 'env' ? 'settings' : 'push' });
          return r.error;
        }
        // The status bar's last word was what was staged; now it is what the push did.
        set({ dataversePush: r.value, dataversePlan: null, dataverseError: null, dataverseErrorAt: null, notice: r.value.outcome === 'pushed' ? { kind: 'done', text: r.value.message } : { kind: 'refused', text: r.value.message } });
        const s = get();
        await Promise.all([s.loadDataverse(), s.loadSummary(), s.loadStaged()]);
        return null;
      } finally {
        set({ dataverseBusy: null });
      }
    },

    closePushReview() {
      set({ dataversePlan: null });
    },

    async dismissDataverseConflict() {
      const r = await api()['dataverse:dismissConflict']({});
      if (!r.ok) {
        set({ dataverseError: r.error, dataverseErrorAt: 'push' });
        return r.error;
      }
      set({ dataverseStatus: r.value, dataverseError: null, dataverseErrorAt: null });
      return null;
    },
  };
};
