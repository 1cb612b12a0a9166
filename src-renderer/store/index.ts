import { create } from 'zustand';
import { createOrgSlice, type OrgSlice } from './slices/org/slice';

/** The one store of the renderer: every slice spread into it. */
export type AppStore = OrgSlice;

export const useAppStore = create<AppStore>()((...a) => ({
  ...createOrgSlice(...a),
}));

export { orgSelectors, unitForest, unitNames, type UnitNode } from './slices/org/selectors';
