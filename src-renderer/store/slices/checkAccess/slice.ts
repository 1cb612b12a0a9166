import type { StateCreator } from 'zustand';
import { api, type BridgeError } from '../../../api';
import type { CheckAccessDto } from '../../../../src-main/bridge/channels/hierarchy';
import type { AppStore } from '../../index';

/** A real record, or a record yet to exist: its table and its owner or owning unit. */
export type CheckAccessQuery = { systemuserid: string; recordid: string } | { systemuserid: string; entity: string; owningbusinessunitid?: string; ownerid?: string };

export interface RecordHit {
  readonly recordid: string;
  readonly name: string | null;
  readonly ownername: string;
}

export interface CheckAccessActions {
  openCheckAccess: () => void;
  closeCheckAccess: () => void;
  runCheckAccess: (query: CheckAccessQuery) => Promise<void>;
  findRecords: (entity: string, query: string) => Promise<readonly RecordHit[]>;
}

export interface CheckAccessSliceState {
  readonly checkAccessOpen: boolean;
  readonly checkAccessResult: CheckAccessDto | null;
  readonly checkAccessError: BridgeError | null;
  readonly checkAccessBusy: boolean;
}

export type CheckAccessSlice = CheckAccessSliceState & CheckAccessActions;

export const initialCheckAccessState: CheckAccessSliceState = { checkAccessOpen: false, checkAccessResult: null, checkAccessError: null, checkAccessBusy: false };

export const createCheckAccessSlice: StateCreator<AppStore, [], [], CheckAccessSlice> = (set) => ({
  ...initialCheckAccessState,

  openCheckAccess() {
    set({ checkAccessOpen: true, checkAccessResult: null, checkAccessError: null });
  },

  closeCheckAccess() {
    set({ checkAccessOpen: false });
  },

  async runCheckAccess(query) {
    set({ checkAccessBusy: true, checkAccessError: null });
    const r = await api()['checkAccess:check'](query);
    if (r.ok) set({ checkAccessResult: r.value, checkAccessBusy: false });
    else set({ checkAccessResult: null, checkAccessError: r.error, checkAccessBusy: false });
  },

  async findRecords(entity, query) {
    const r = await api()['checkAccess:records']({ entity, query, limit: 20 });
    return r.ok ? r.value.rows : [];
  },
});
