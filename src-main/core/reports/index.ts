export * from './model';
export { roleMatrixReport, privilegeGrid, miscellaneousGrid } from './roleMatrix';
export { userAccessReport, effectiveAccessRows } from './userAccess';
export { whoHasAccessReport, type WhoHasAccessQuery } from './whoHasAccess';
export { roleCompareReport, type ComparedRole } from './roleCompare';
export { businessUnitReport, fieldSecurityReport, findingsReport } from './structure';
export { auditReport, type AuditEntryLike, type AuditPeriod } from './audit';
