import { findings as review, type FindingOptions } from '../core/findings/index';
import type { AccessRight } from '../core/model/accessRights';
import type { Depth } from '../core/model/depth';
import type { Id, OrgState } from '../core/model/org';
import {
  auditReport,
  businessUnitReport,
  fieldSecurityReport,
  findingsReport,
  roleCompareReport,
  roleMatrixReport,
  userAccessReport,
  whoHasAccessReport,
  type AuditEntryLike,
  type Report,
  type ReportContext,
} from '../core/reports/index';
import { refused, type Result } from '../core/result';

/**
 * What a report is asked for with, the same from the command line and the window. Ids name
 * objects of the organization the report is made from.
 */
export type ReportRequest =
  /** Every role when `roles` is empty. */
  | { readonly kind: 'role-matrix'; readonly roles?: readonly Id[] }
  /** Every user (one streamed table) when `users` is empty. */
  | { readonly kind: 'user-access'; readonly users?: readonly Id[] }
  | { readonly kind: 'who-has-access'; readonly entity: string; readonly right: AccessRight; readonly minDepth?: Depth }
  /**
   * Two roles of the organization; with `leftFrom`, the left role is read from another
   * organization (an earlier file) and labelled so.
   */
  | { readonly kind: 'role-compare'; readonly left: Id; readonly right: Id; readonly leftFrom?: { readonly state: OrgState; readonly label: string } }
  | { readonly kind: 'bu-structure' }
  | { readonly kind: 'field-security' }
  | { readonly kind: 'findings'; readonly review?: FindingOptions }
  /** ISO bounds: `from` inclusive, `to` exclusive. */
  | { readonly kind: 'audit'; readonly from?: string; readonly to?: string };

export interface ReportInputs {
  readonly state: OrgState;
  readonly context: ReportContext;
  /** The vault's audit log; needed by 'audit' only (an organization file has none). */
  readonly audit?: readonly AuditEntryLike[];
}

/**
 * Builds the report of a kind: the one place the command line and the app turn a request into a
 * Report, so both print the same report for the same question. Rows are produced when written.
 * Unknown ids and tables are refused as values ('not-found'); an audit report without an audit
 * log is 'no-audit-log'.
 */
export function buildReport(inputs: ReportInputs, request: ReportRequest): Result<Report> {
  const { state, context } = inputs;
  const missing = (table: 'role' | 'user', ids: readonly Id[] | undefined, where = 'the organization'): Result<never> | null => {
    const set = table === 'role' ? state.roles : state.systemusers;
    const absent = (ids ?? []).find((id) => !set.has(id));
    return absent === undefined ? null : refused('not-found', `${table} ${absent} does not exist in ${where}`);
  };
  try {
    switch (request.kind) {
      case 'role-matrix':
        return missing('role', request.roles) ?? { ok: true, value: roleMatrixReport(state, context, request.roles) };
      case 'user-access':
        return missing('user', request.users) ?? { ok: true, value: userAccessReport(state, context, request.users) };
      case 'who-has-access':
        return { ok: true, value: whoHasAccessReport(state, context, { entity: request.entity, right: request.right, minDepth: request.minDepth }) };
      case 'role-compare': {
        const from = request.leftFrom;
        const left = (from?.state ?? state).roles.get(request.left);
        if (!left) return refused('not-found', `role ${request.left} does not exist in ${from ? from.label : 'the organization'}`);
        const right = state.roles.get(request.right);
        if (!right) return refused('not-found', `role ${request.right} does not exist in the organization`);
        return { ok: true, value: roleCompareReport(state, context, { role: left, label: from?.label ?? 'now' }, { role: right, label: 'now' }) };
      }
      case 'bu-structure':
        return { ok: true, value: businessUnitReport(state, context) };
      case 'field-security':
        return { ok: true, value: fieldSecurityReport(state, context) };
      case 'findings':
        return { ok: true, value: findingsReport(state, context, review(state, request.review)) };
      case 'audit':
        if (!inputs.audit) return refused('no-audit-log', 'the audit log lives in the vault, and this organization is not in one');
        return { ok: true, value: auditReport(state.organization.name, context, inputs.audit, { from: request.from, to: request.to }) };
    }
  } catch (e) {
    // The core's builders throw RangeError for what the request names wrongly (an unknown table, a right it lacks).
    if (e instanceof RangeError) return refused('not-found', e.message);
    throw e;
  }
}

/** The file name offered in the save dialog: "role-matrix-Contoso-2024-05-01.xlsx". */
export function defaultReportName(report: Pick<Report, 'kind' | 'organization' | 'generatedAt'>, extension: string): string {
  const org = report.organization.replace(/[^\p{L}\p{N}_-]+/gu, '-').replace(/^-+|-+$/g, '') || 'organization';
  return `${report.kind}-${org}-${report.generatedAt.slice(0, 10)}.${extension}`;
}
