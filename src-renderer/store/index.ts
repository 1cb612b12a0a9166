import { create } from 'zustand';
import { createOrgSlice, type OrgSlice } from './slices/org/slice';
import { createShellSlice, type ShellSlice } from './slices/shell/slice';
import { createUsersSlice, type UsersSlice } from './slices/users/slice';
import { createTeamsSlice, type TeamsSlice } from './slices/teams/slice';
import { createRolesSlice, type RolesSlice } from './slices/roles/slice';
import { createFieldSecuritySlice, type FieldSecuritySlice } from './slices/fieldSecurity/slice';
import { createSearchSlice, type SearchSlice } from './slices/search/slice';
import { createHierarchySlice, type HierarchySlice } from './slices/hierarchy/slice';
import { createStagingSlice, type StagingSlice } from './slices/staging/slice';
import { createCheckAccessSlice, type CheckAccessSlice } from './slices/checkAccess/slice';
import { createVaultSlice, type VaultSlice } from './slices/vault/slice';
import { createTransferSlice, type TransferSlice } from './slices/transfer/slice';
import { createSyncSlice, type SyncSlice } from './slices/sync/slice';
import { createFindingsSlice, type FindingsSlice } from './slices/findings/slice';
import { createReportsSlice, type ReportsSlice } from './slices/reports/slice';
import { createAuditSlice, type AuditSlice } from './slices/audit/slice';
import { createDataverseSlice, type DataverseSlice } from './slices/dataverse/slice';

/** The one store of the renderer: every slice spread into it. */
export type AppStore = OrgSlice & ShellSlice & UsersSlice & TeamsSlice & RolesSlice & FieldSecuritySlice & SearchSlice & VaultSlice & HierarchySlice & StagingSlice & CheckAccessSlice & SyncSlice & TransferSlice & FindingsSlice & ReportsSlice & AuditSlice & DataverseSlice;

export const useAppStore = create<AppStore>()((...a) => ({
  ...createOrgSlice(...a),
  ...createShellSlice(...a),
  ...createUsersSlice(...a),
  ...createTeamsSlice(...a),
  ...createRolesSlice(...a),
  ...createFieldSecuritySlice(...a),
  ...createSearchSlice(...a),
  ...createHierarchySlice(...a),
  ...createStagingSlice(...a),
  ...createCheckAccessSlice(...a),
  ...createVaultSlice(...a),
  ...createTransferSlice(...a),
  ...createSyncSlice(...a),
  ...createFindingsSlice(...a),
  ...createReportsSlice(...a),
  ...createAuditSlice(...a),
  ...createDataverseSlice(...a),
}));

export { orgSelectors, unitForest, unitNames, visibleUnits, moveTargets, type UnitNode } from './slices/org/selectors';
export { usersSelectors, userAt, activeFilterCount } from './slices/users/selectors';
export { teamsSelectors } from './slices/teams/selectors';
export { rolesSelectors, nextDepth, fitDepth, visibleGroups, grantedIn } from './slices/roles/selectors';
export { fieldSecuritySelectors } from './slices/fieldSecurity/selectors';
export { vaultSelectors } from './slices/vault/selectors';
export { hierarchySelectors, graphUnits, coloursOf, colourAt, ancestorsOf, subtreeOf, isWithin, indexUnits, decodeUnits, type UnitIndex, openDepthFor, cellColours, changeOf, type GraphUnit, type UnitColour, type CellColour } from './slices/hierarchy/selectors';
export type { CellSize, OverviewColour } from './slices/hierarchy/slice';
export { stagingSelectors, rowsOf, type DiffSort } from './slices/staging/selectors';
export { checkAccessSelectors } from './slices/checkAccess/selectors';
export { transferSelectors, importReadiness, formatBytes } from './slices/transfer/selectors';
export type { TransferTab } from './slices/transfer/slice';
export { SCREENS, SCREEN_TITLES, type Screen, type Gate } from './slices/shell/slice';
export { findingsSelectors, filterFindings, groupBySeverity, rulesOf, ruleLabel } from './slices/findings/selectors';
export { reportsSelectors, progressText, REPORT_KIND_INFO, REPORT_FORMAT_INFO } from './slices/reports/selectors';
export { auditSelectors, periodBounds, localTime } from './slices/audit/selectors';
export { dataverseSelectors, pullProgressText, pushHeadline, heldText, toPushText } from './slices/dataverse/selectors';
