import type { StateCreator } from 'zustand';
import { api, type BridgeError, type CompareDto, type Depth, type MatrixDto, type UsageDto } from '../../../api';
import type { AppStore } from '../../index';

export type RoleView = 'privileges' | 'compare' | 'usage';

export interface RolesActions {
  selectRole: (roleid: string | null) => Promise<void>;
  setRoleView: (view: RoleView) => void;
  setMatrixTab: (group: string) => void;
  setMatrixQuery: (query: string) => void;
  /** Reloads what the current view shows, after a change or an undo. */
  reloadRole: () => Promise<void>;
  /** Sets one privilege (null: None); the matrix is reloaded from main. */
  setPrivilege: (privilege: string, depth: Depth | null) => Promise<BridgeError | null>;
  /** Sets several privileges as one undo step: a whole row or column. */
  setPrivileges: (cells: readonly { privilege: string; depth: Depth | null }[], label: string) => Promise<BridgeError | null>;
  compareWith: (roleid: string | null) => Promise<void>;
}

export interface RolesSliceState {
  readonly selectedRoleId: string | null;
  readonly roleView: RoleView;
  readonly matrix: MatrixDto | null;
  /** The tab of the role editor; the first group when null. */
  readonly matrixTab: string | null;
  readonly matrixQuery: string;
  readonly compareRoleId: string | null;
  readonly comparison: CompareDto | null;
  readonly usage: UsageDto | null;
}

export type RolesSlice = RolesSliceState & RolesActions;

export const initialRolesState: RolesSliceState = {
  selectedRoleId: null,
  roleView: 'privileges',
  matrix: null,
  matrixTab: null,
  matrixQuery: '',
  compareRoleId: null,
  comparison: null,
  usage: null,
};

export const createRolesSlice: StateCreator<AppStore, [], [], RolesSlice> = (set, get) => ({
  ...initialRolesState,

  async selectRole(roleid) {
    set({ selectedRoleId: roleid, matrix: null, usage: null, comparison: null });
    await get().reloadRole();
  },

  setRoleView(view) {
    set({ roleView: view });
    void get().reloadRole();
  },

  setMatrixTab: (group) => set({ matrixTab: group }),
  setMatrixQuery: (query) => set({ matrixQuery: query }),

  async reloadRole() {
    const roleid = get().selectedRoleId;
    if (!roleid) return;
    const view = get().roleView;
    if (view === 'privileges') {
      const r = await api()['roles:matrix']({ roleid });
      if (get().selectedRoleId === roleid) set(r.ok ? { matrix: r.value } : { matrix: null, selectedRoleId: null });
    } else if (view === 'usage') {
      const r = await api()['roles:usage']({ roleid });
      if (get().selectedRoleId === roleid) set({ usage: r.ok ? r.value : null });
    } else {
      const other = get().compareRoleId;
      if (!other) return set({ comparison: null });
      const r = await api()['roles:compare']({ left: roleid, right: other });
      if (get().selectedRoleId === roleid) set({ comparison: r.ok ? r.value : null });
    }
  },

  async setPrivilege(privilege, depth) {
    const roleid = get().selectedRoleId;
    if (!roleid) return null;
    // The screen reloads the matrix when the organization's revision moves: once per edit.
    return get().applyCommand({ type: 'setRolePrivilege', roleid, privilege, depth });
  },

  async setPrivileges(cells, label) {
    const roleid = get().selectedRoleId;
    if (!roleid || cells.length === 0) return null;
    const refusal = await get().applyAll(
      cells.map((c) => ({ type: 'setRolePrivilege' as const, roleid, privilege: c.privilege, depth: c.depth })),
      label,
    );
    return refusal;
  },

  async compareWith(roleid) {
    set({ compareRoleId: roleid, comparison: null });
    await get().reloadRole();
  },
});
