import type { StateCreator } from 'zustand';
import { api, type FieldProfileDetailDto, type FieldProfileRowDto } from '../../../api';
import type { AppStore } from '../../index';

export interface FieldSecurityActions {
  loadFieldProfiles: () => Promise<void>;
  selectFieldProfile: (id: string | null) => Promise<void>;
}

export interface FieldSecuritySliceState {
  readonly fieldProfiles: readonly FieldProfileRowDto[];
  readonly selectedFieldProfileId: string | null;
  readonly fieldProfile: FieldProfileDetailDto | null;
}

export type FieldSecuritySlice = FieldSecuritySliceState & FieldSecurityActions;

export const initialFieldSecurityState: FieldSecuritySliceState = { fieldProfiles: [], selectedFieldProfileId: null, fieldProfile: null };

export const createFieldSecuritySlice: StateCreator<AppStore, [], [], FieldSecuritySlice> = (set, get) => ({
  ...initialFieldSecurityState,

  async loadFieldProfiles() {
    const r = await api()['fieldSecurity:list']({});
    if (r.ok) set({ fieldProfiles: r.value.rows });
    const id = get().selectedFieldProfileId;
    if (id) await get().selectFieldProfile(id);
  },

  async selectFieldProfile(id) {
    if (!id) return set({ selectedFieldProfileId: null, fieldProfile: null });
    set({ selectedFieldProfileId: id });
    const r = await api()['fieldSecurity:detail']({ fieldsecurityprofileid: id });
    if (get().selectedFieldProfileId !== id) return;
    set(r.ok ? { fieldProfile: r.value } : { fieldProfile: null, selectedFieldProfileId: null });
  },
});
