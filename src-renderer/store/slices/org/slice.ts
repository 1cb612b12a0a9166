import type { StateCreator } from 'zustand';
import { api, type BridgeError, type BridgeResult, type ChangedDto, type Command, type HistoryDto, type OrgSummaryDto } from '../../../api';
import type { AppStore } from '../../index';
import { submitChange } from '../staging/slice';

export interface OrgActions {
  /** Fetches the open organization's summary and where undo/redo stand. */
  loadSummary: () => Promise<void>;
  /** Applies one command; on success the summary is replaced, on refusal it is kept and the refusal returned. */
  applyCommand: (command: Command) => Promise<BridgeError | null>;
  /** Applies commands as one undo step, all or nothing. */
  applyAll: (commands: readonly Command[], label?: string) => Promise<BridgeError | null>;
  /** Would these commands be accepted? Nothing is applied. */
  checkCommands: (commands: readonly Command[]) => Promise<BridgeError | null>;
  undo: () => Promise<void>;
  redo: () => Promise<void>;
  dismissNotice: () => void;
}

/** The last outcome, shown in the status bar; a refusal carries the core's reason. */
export interface Notice {
  readonly kind: 'done' | 'refused';
  readonly text: string;
}

export interface OrgSliceState {
  readonly summary: OrgSummaryDto | null;
  /** idle: never asked; loading: a call is under way; ready: summary is current; failed: see orgError. */
  readonly orgStatus: 'idle' | 'loading' | 'ready' | 'failed';
  readonly orgError: BridgeError | null;
  readonly history: HistoryDto;
  readonly notice: Notice | null;
}

export type OrgSlice = OrgSliceState & OrgActions;

export const initialHistory: HistoryDto = { revision: 0, canUndo: false, canRedo: false, undoLabel: null, redoLabel: null };
export const initialOrgState: OrgSliceState = { summary: null, orgStatus: 'idle', orgError: null, history: initialHistory, notice: null };

export const createOrgSlice: StateCreator<AppStore, [], [], OrgSlice> = (set, get) => {
  const changed = (r: BridgeResult<ChangedDto>): BridgeError | null => {
    if (!r.ok) {
      set({ notice: { kind: 'refused', text: r.error.message } });
      return r.error;
    }
    set({ summary: r.value.summary, history: r.value.history, orgStatus: 'ready', orgError: null, notice: { kind: 'done', text: r.value.message } });
    return null;
  };
  return {
    ...initialOrgState,

    async loadSummary() {
      set({ orgStatus: 'loading', orgError: null });
      const [r, h] = await Promise.all([api()['org:summary']({}), api()['history:state']({})]);
      if (r.ok) set({ summary: r.value, orgStatus: 'ready', ...(h.ok ? { history: h.value } : {}) });
      else set({ orgStatus: 'failed', orgError: r.error });
    },

    // With staging on (the default), these stage the change instead: see submitChange.
    async applyCommand(command) {
      return submitChange(get, [command], async () => changed(await api()['org:apply']({ command })));
    },

    async applyAll(commands, label) {
      return submitChange(get, commands, async () => changed(await api()['org:applyAll']({ commands: [...commands], label })));
    },

    async checkCommands(commands) {
      const r = await api()['org:check']({ commands: [...commands] });
      return r.ok ? null : r.error;
    },

    async undo() {
      changed(await api()['history:undo']({}));
    },

    async redo() {
      changed(await api()['history:redo']({}));
    },

    dismissNotice() {
      set({ notice: null });
    },
  };
};
