import type { StateCreator } from 'zustand';
import { api, type BridgeError } from '../../../api';
import type { FindingDto, NewSodRuleDto, SodRuleDto } from '../../../../src-main/bridge/channels/findings';
import type { ResponseOf } from '../../../../src-main/bridge/contract';
import type { AppStore } from '../../index';

export type Severity = FindingDto['severity'];
export type FindingObjectDto = FindingDto['objects'][number];
export type ReviewDto = ResponseOf<'findings:review'>;

export interface FindingsFilter {
  readonly severity: Severity | 'all';
  /** A rule name (global-destructive-rights, separation-of-duty…), or all. */
  readonly rule: string;
}

export interface FindingsActions {
  /** Runs the security review in main over the open organization and the stored rules. */
  loadFindings: () => Promise<void>;
  setFindingsFilter: (filter: Partial<FindingsFilter>) => void;
  /** Adds a separation-of-duty rule; false (and sodError set) when main refused it. */
  addSodRule: (rule: NewSodRuleDto) => Promise<boolean>;
  removeSodRule: (id: string) => Promise<void>;
  /** Goes to the screen of a finding's object and selects it there. */
  openFindingObject: (object: FindingObjectDto) => void;
}

export interface FindingsSliceState {
  readonly review: ReviewDto | null;
  readonly findingsStatus: 'idle' | 'loading' | 'ready' | 'failed';
  readonly findingsError: BridgeError | null;
  readonly findingsFilter: FindingsFilter;
  readonly sodRules: readonly SodRuleDto[];
  readonly sodError: BridgeError | null;
}

export type FindingsSlice = FindingsSliceState & FindingsActions;

export const initialFindingsState: FindingsSliceState = {
  review: null,
  findingsStatus: 'idle',
  findingsError: null,
  findingsFilter: { severity: 'all', rule: 'all' },
  sodRules: [],
  sodError: null,
};

export const createFindingsSlice: StateCreator<AppStore, [], [], FindingsSlice> = (set, get) => ({
  ...initialFindingsState,

  async loadFindings() {
    set({ findingsStatus: 'loading', findingsError: null });
    const r = await api()['findings:review']({});
    set(r.ok ? { review: r.value, sodRules: r.value.rules, findingsStatus: 'ready' } : { findingsStatus: 'failed', findingsError: r.error });
  },

  setFindingsFilter(filter) {
    set({ findingsFilter: { ...get().findingsFilter, ...filter } });
  },

  async addSodRule(rule) {
    const r = await api()['findings:addRule']({ rule });
    if (!r.ok) {
      set({ sodError: r.error });
      return false;
    }
    set({ sodRules: r.value.rules, sodError: null });
    await get().loadFindings();
    return true;
  },

  async removeSodRule(id) {
    const r = await api()['findings:removeRule']({ id });
    if (!r.ok) return set({ sodError: r.error });
    set({ sodRules: r.value.rules, sodError: null });
    await get().loadFindings();
  },

  openFindingObject(o) {
    const s = get();
    switch (o.table) {
      case 'systemuser':
        s.navigate('users');
        void s.selectUser(o.id);
        break;
      case 'team':
        s.navigate('teams');
        void s.selectTeam(o.id);
        break;
      case 'role':
        s.navigate('roles');
        void s.selectRole(o.id);
        break;
      case 'businessunit':
        s.navigate('units');
        s.selectUnit(o.id);
        break;
      case 'fieldsecurityprofile':
        s.navigate('fieldSecurity');
        void s.selectFieldProfile(o.id);
        break;
      case 'privilege':
        break;
    }
  },
});
