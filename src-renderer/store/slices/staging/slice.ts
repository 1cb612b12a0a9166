import type { StateCreator } from 'zustand';
import { api, type BridgeError, type Command } from '../../../api';
import type { DiffDto, StagedDto } from '../../../../src-main/bridge/channels/staging';
import type { AppStore } from '../../index';

export interface StagingActions {
  /** Staging on: edits from every screen go to the change set instead of being applied. */
  setStagingEnabled: (on: boolean) => void;
  loadStaged: () => Promise<void>;
  /** Adds commands to the change set; a refusal (the set must still apply) is returned and shown. */
  stage: (commands: readonly Command[]) => Promise<BridgeError | null>;
  unstage: (indexes: readonly number[]) => Promise<BridgeError | null>;
  discardStaged: () => Promise<BridgeError | null>;
  /** Applies the chosen staged commands (all without indexes) as one undo step. */
  applyStaged: (indexes?: readonly number[]) => Promise<BridgeError | null>;
  loadDiff: () => Promise<void>;
}

export interface StagingSliceState {
  readonly stagingEnabled: boolean;
  readonly staged: StagedDto;
  readonly stagedDiff: DiffDto | null;
  readonly diffError: BridgeError | null;
  /** Moves with every change of the staged set: the overlay and the Preview panel reload on it. */
  readonly stagedRevision: number;
}

export type StagingSlice = StagingSliceState & StagingActions;

const STORAGE_KEY = 'roleatlas.staging';

/** On unless the admin turned it off on this machine. */
function storedToggle(): boolean {
  try {
    return globalThis.localStorage?.getItem(STORAGE_KEY) !== 'off';
  } catch {
    return true;
  }
}

export const initialStagingState = (): StagingSliceState => ({ stagingEnabled: storedToggle(), staged: { commands: [], problem: null }, stagedDiff: null, diffError: null, stagedRevision: 0 });

/**
 * The one path every edit takes: staged when the toggle is on, else applied at once through
 * `direct` (org:apply / org:applyAll).
 */
export async function submitChange(get: () => AppStore, commands: readonly Command[], direct: () => Promise<BridgeError | null>): Promise<BridgeError | null> {
  return get().stagingEnabled ? get().stage(commands) : direct();
}

export const createStagingSlice: StateCreator<AppStore, [], [], StagingSlice> = (set, get) => {
  const took = (staged: StagedDto) => set((s) => ({ staged, stagedRevision: s.stagedRevision + 1 }));
  const refused = (error: BridgeError) => {
    set({ notice: { kind: 'refused', text: error.message } });
    return error;
  };
  return {
    ...initialStagingState(),

    setStagingEnabled(on) {
      try {
        globalThis.localStorage?.setItem(STORAGE_KEY, on ? 'on' : 'off');
      } catch {
        // a storage that refuses keeps the toggle for this window only
      }
      set({ stagingEnabled: on });
    },

    async loadStaged() {
      const r = await api()['staging:list']({});
      if (r.ok) took(r.value);
    },

    async stage(commands) {
      const r = await api()['staging:stage']({ commands: [...commands] });
      if (!r.ok) return refused(r.error);
      took(r.value);
      const last = r.value.commands.at(-1)?.summary;
      set({ notice: { kind: 'done', text: `Staged${commands.length > 1 ? ` ${commands.length} changes` : ''}: ${last ?? commands[0]?.type}` } });
      return null;
    },

    async unstage(indexes) {
      const r = await api()['staging:unstage']({ indexes: [...indexes] });
      if (!r.ok) return refused(r.error);
      took(r.value);
      return null;
    },

    async discardStaged() {
      const r = await api()['staging:discard']({});
      if (!r.ok) return refused(r.error);
      took(r.value);
      set({ notice: { kind: 'done', text: 'Discarded the staged changes' } });
      return null;
    },

    async applyStaged(indexes) {
      const r = await api()['staging:apply']({ indexes: indexes ? [...indexes] : undefined });
      if (!r.ok) return refused(r.error);
      took(r.value.staged);
      await get().loadSummary();
      set({ notice: { kind: 'done', text: r.value.message } });
      return null;
    },

    async loadDiff() {
      if (!get().staged.commands.length) {
        set({ stagedDiff: { rows: [], totalRows: 0, groups: [] }, diffError: null });
        return;
      }
      const r = await api()['staging:diff']({});
      if (r.ok) set({ stagedDiff: r.value, diffError: null });
      else set({ stagedDiff: null, diffError: r.error });
    },
  };
};
