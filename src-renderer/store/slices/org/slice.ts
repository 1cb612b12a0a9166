import type { StateCreator } from 'zustand';
import type { Command } from '../../../../src-main/core/commands/schema';
import { api, type BridgeError, type OrgSummaryDto } from '../../../api';
import type { AppStore } from '../../index';

export interface OrgActions {
  /** Fetches the open organization's summary. */
  loadSummary(): Promise<void>;
  /** Applies one command; on success the summary is replaced, on refusal it is kept and the refusal returned. */
  applyCommand(command: Command): Promise<BridgeError | null>;
}

export interface OrgSliceState {
  readonly summary: OrgSummaryDto | null;
  /** idle: never asked; loading: a call is under way; ready: summary is current; failed: see orgError. */
  readonly orgStatus: 'idle' | 'loading' | 'ready' | 'failed';
  readonly orgError: BridgeError | null;
}

export type OrgSlice = OrgSliceState & OrgActions;

export const initialOrgState: OrgSliceState = { summary: null, orgStatus: 'idle', orgError: null };

export const createOrgSlice: StateCreator<AppStore, [], [], OrgSlice> = (set) => ({
  ...initialOrgState,

  async loadSummary() {
    set({ orgStatus: 'loading', orgError: null });
    const r = await api()['org:summary']({});
    if (r.ok) set({ summary: r.value, orgStatus: 'ready' });
    else set({ orgStatus: 'failed', orgError: r.error });
  },

  async applyCommand(command) {
    const r = await api()['org:apply']({ command });
    if (!r.ok) return r.error;
    set({ summary: r.value.summary, orgStatus: 'ready', orgError: null });
    return null;
  },
});
