import type { StateCreator } from 'zustand';
import { api, type BridgeError } from '../../../api';
import type { ExportedOrgDto, ExportedSolutionDto, RolesPreviewDto, UsersPreviewDto } from '../../../../src-main/bridge/channels/transfer';
import type { AppStore } from '../../index';

export type TransferTab = 'roles' | 'users' | 'export';

export interface TransferActions {
  setTransferTab: (tab: TransferTab) => void;
  /** Main opens the dialog (files, or one unpacked solution folder), reads and previews; new and changed items start ticked. */
  previewRoleImport: (pick: 'files' | 'folder') => Promise<void>;
  toggleImportRole: (sourceroleid: string) => void;
  toggleImportProfile: (sourceprofileid: string) => void;
  /** Ticks every new and changed role and profile, or none. */
  chooseAllImports: (on: boolean) => void;
  /** Applies the ticked roles and profiles as one undo step; the preview is closed when it worked. */
  applyRoleImport: () => Promise<BridgeError | null>;
  closeRoleImport: () => void;
  previewUserImport: () => Promise<void>;
  applyUserImport: () => Promise<BridgeError | null>;
  closeUserImport: () => void;
  exportOrganization: () => Promise<void>;
  exportSolution: () => Promise<void>;
  revealExport: (path: string) => Promise<void>;
}

export interface TransferSliceState {
  readonly transferTab: TransferTab;
  /** A call under way: the buttons wait for it. */
  readonly transferBusy: 'roles' | 'users' | 'export' | null;
  readonly rolesPreview: RolesPreviewDto | null;
  readonly chosenRoles: readonly string[];
  readonly chosenProfiles: readonly string[];
  readonly usersPreview: UsersPreviewDto | null;
  readonly exportedOrg: ExportedOrgDto | null;
  readonly exportedSolution: ExportedSolutionDto | null;
  /** The last refusal of this screen, or null. */
  readonly transferError: BridgeError | null;
  /** What the last import or export did, in words. */
  readonly transferDone: string | null;
}

export type TransferSlice = TransferSliceState & TransferActions;

export const initialTransferState: TransferSliceState = {
  transferTab: 'roles',
  transferBusy: null,
  rolesPreview: null,
  chosenRoles: [],
  chosenProfiles: [],
  usersPreview: null,
  exportedOrg: null,
  exportedSolution: null,
  transferError: null,
  transferDone: null,
};

const toggled = (list: readonly string[], id: string) => (list.includes(id) ? list.filter((x) => x !== id) : [...list, id]);
const importable = (p: RolesPreviewDto) => ({
  roles: [...p.roles.new, ...p.roles.changed].map((r) => r.sourceroleid),
  profiles: [...p.profiles.new, ...p.profiles.changed].map((x) => x.sourceprofileid),
});

export const createTransferSlice: StateCreator<AppStore, [], [], TransferSlice> = (set, get) => {
  const forget = (importid: string | undefined) => {
    if (importid) void api()['transfer:discard']({ importid });
  };
  const refused = (error: BridgeError) => {
    set({ transferError: error, transferBusy: null, notice: { kind: 'refused', text: error.message } });
    return error;
  };
  return {
    ...initialTransferState,

    setTransferTab: (transferTab) => set({ transferTab }),

    async previewRoleImport(pick) {
      set({ transferBusy: 'roles', transferError: null, transferDone: null });
      const r = await api()['transfer:previewRoles']({ pick });
      if (!r.ok) return void refused(r.error);
      if (!r.value) return set({ transferBusy: null });
      forget(get().rolesPreview?.importid);
      const all = importable(r.value);
      set({ transferBusy: null, rolesPreview: r.value, chosenRoles: all.roles, chosenProfiles: all.profiles });
    },

    toggleImportRole: (id) => set((s) => ({ chosenRoles: toggled(s.chosenRoles, id) })),
    toggleImportProfile: (id) => set((s) => ({ chosenProfiles: toggled(s.chosenProfiles, id) })),
    chooseAllImports(on) {
      const p = get().rolesPreview;
      if (!p) return;
      const all = importable(p);
      set({ chosenRoles: on ? all.roles : [], chosenProfiles: on ? all.profiles : [] });
    },

    async applyRoleImport() {
      const { rolesPreview: p, chosenRoles, chosenProfiles } = get();
      if (!p) return null;
      set({ transferBusy: 'roles', transferError: null });
      const r = await api()['transfer:applyRoles']({ importid: p.importid, roles: [...chosenRoles], profiles: [...chosenProfiles] });
      if (!r.ok) return refused(r.error);
      const done = `${r.value.message}: ${chosenRoles.length} role(s), ${chosenProfiles.length} field security profile(s). Undo takes them back${p.customentities.length ? '; the custom tables stay in the catalog' : ''}.`;
      set({ transferBusy: null, rolesPreview: null, chosenRoles: [], chosenProfiles: [], transferDone: done, notice: { kind: 'done', text: r.value.message } });
      await get().loadSummary();
      return null;
    },

    closeRoleImport() {
      forget(get().rolesPreview?.importid);
      set({ rolesPreview: null, chosenRoles: [], chosenProfiles: [], transferError: null });
    },

    async previewUserImport() {
      set({ transferBusy: 'users', transferError: null, transferDone: null });
      const r = await api()['transfer:previewUsers']({});
      if (!r.ok) return void refused(r.error);
      if (!r.value) return set({ transferBusy: null });
      forget(get().usersPreview?.importid);
      set({ transferBusy: null, usersPreview: r.value });
    },

    async applyUserImport() {
      const p = get().usersPreview;
      if (!p) return null;
      set({ transferBusy: 'users', transferError: null });
      const r = await api()['transfer:applyUsers']({ importid: p.importid });
      if (!r.ok) return refused(r.error);
      set({ transferBusy: null, usersPreview: null, transferDone: `${r.value.message}. Users cannot be deleted, only deactivated (as in Dataverse).`, notice: { kind: 'done', text: r.value.message } });
      await get().loadSummary();
      return null;
    },

    closeUserImport() {
      forget(get().usersPreview?.importid);
      set({ usersPreview: null, transferError: null });
    },

    async exportOrganization() {
      set({ transferBusy: 'export', transferError: null, transferDone: null });
      const r = await api()['transfer:exportOrganization']({});
      if (!r.ok) return void refused(r.error);
      set({ transferBusy: null, ...(r.value ? { exportedOrg: r.value, notice: { kind: 'done', text: `Exported the organization to ${r.value.path}` } } : {}) });
    },

    async exportSolution() {
      set({ transferBusy: 'export', transferError: null, transferDone: null });
      const r = await api()['transfer:exportSolution']({});
      if (!r.ok) return void refused(r.error);
      set({ transferBusy: null, ...(r.value ? { exportedSolution: r.value, notice: { kind: 'done', text: `Exported ${r.value.roles} role(s) to ${r.value.folder}` } } : {}) });
    },

    async revealExport(path) {
      const r = await api()['transfer:reveal']({ path });
      if (!r.ok) refused(r.error);
    },
  };
};
