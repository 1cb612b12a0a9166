import { create } from 'zustand';
import { createOrgSlice, type OrgSlice } from './slices/org/slice';
import { createShellSlice, type ShellSlice } from './slices/shell/slice';
import { createUsersSlice, type UsersSlice } from './slices/users/slice';
import { createTeamsSlice, type TeamsSlice } from './slices/teams/slice';
import { createRolesSlice, type RolesSlice } from './slices/roles/slice';
import { createFieldSecuritySlice, type FieldSecuritySlice } from './slices/fieldSecurity/slice';
import { createSearchSlice, type SearchSlice } from './slices/search/slice';
import { createVaultSlice, type VaultSlice } from './slices/vault/slice';

/** The one store of the renderer: every slice spread into it. */
export type AppStore = OrgSlice & ShellSlice & UsersSlice & TeamsSlice & RolesSlice & FieldSecuritySlice & SearchSlice & VaultSlice;

export const useAppStore = create<AppStore>()((...a) => ({
  ...createOrgSlice(...a),
  ...createShellSlice(...a),
  ...createUsersSlice(...a),
  ...createTeamsSlice(...a),
  ...createRolesSlice(...a),
  ...createFieldSecuritySlice(...a),
  ...createSearchSlice(...a),
  ...createVaultSlice(...a),
}));

export { orgSelectors, unitForest, unitNames, visibleUnits, moveTargets, type UnitNode } from './slices/org/selectors';
export { usersSelectors, userAt, activeFilterCount } from './slices/users/selectors';
export { teamsSelectors } from './slices/teams/selectors';
export { rolesSelectors, nextDepth, fitDepth, visibleGroups, grantedIn } from './slices/roles/selectors';
export { fieldSecuritySelectors } from './slices/fieldSecurity/selectors';
export { vaultSelectors } from './slices/vault/selectors';
export { SCREENS, SCREEN_TITLES, type Screen, type Gate } from './slices/shell/slice';
