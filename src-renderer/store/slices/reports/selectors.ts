import type { AppStore } from '../../index';
import type { ReportFormatDto, ReportKindDto } from '../../../../src-main/bridge/channels/reports';

export const reportsSelectors = {
  kind: (s: AppStore) => s.reportKind,
  options: (s: AppStore) => s.reportOptions,
  format: (s: AppStore) => s.reportFormat,
  catalog: (s: AppStore) => s.reportCatalog,
  job: (s: AppStore) => s.reportJob,
  notSaved: (s: AppStore) => s.reportNotSaved,
  error: (s: AppStore) => s.reportError,
  starting: (s: AppStore) => s.reportStarting,
  running: (s: AppStore) => s.reportJob?.state === 'running',
};

export const REPORT_KIND_INFO: readonly { readonly kind: ReportKindDto; readonly title: string; readonly description: string }[] = [
  { kind: 'role-matrix', title: 'Role matrix', description: 'Each role’s privileges by table and right, with the depth symbols of the role editor.' },
  { kind: 'user-access', title: 'User access', description: 'Users’ effective access: every privilege held, its depth and the roles and teams that grant it.' },
  { kind: 'who-has-access', title: 'Who has access', description: 'Every enabled user holding a right on a table at a minimum depth, and why.' },
  { kind: 'role-compare', title: 'Role comparison', description: 'Two roles side by side: the privileges where they differ.' },
  { kind: 'bu-structure', title: 'Business unit structure', description: 'The unit tree with users, teams and roles per unit.' },
  { kind: 'field-security', title: 'Field security', description: 'Field security profiles, their secured columns and who holds them.' },
  { kind: 'findings', title: 'Security findings', description: 'The security review, with the separation-of-duty rules stored in the vault.' },
  { kind: 'audit', title: 'Audit log', description: 'The vault’s hash-chained log for a period, with every changed row.' },
];

export const REPORT_FORMAT_INFO: readonly { readonly format: ReportFormatDto; readonly label: string }[] = [
  { format: 'xlsx', label: 'Excel (XLSX)' },
  { format: 'csv', label: 'CSV' },
  { format: 'pdf', label: 'PDF' },
  { format: 'html', label: 'HTML' },
];

/** "12,345 of 50,000 rows · 25 %". */
export function progressText(job: { rows: number; total: number; fraction: number }): string {
  return `${job.rows.toLocaleString()} of ${Math.max(job.total, job.rows).toLocaleString()} rows · ${Math.floor(job.fraction * 100)} %`;
}
