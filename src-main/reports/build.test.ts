import { describe, expect, it } from 'vitest';
import { applyAll } from '../core/commands/apply';
import { REPORT_KINDS } from '../core/reports/index';
import { FABRIKAM, fabrikam } from '../session/fabrikam.fixture';
import { buildReport, defaultReportName, type ReportRequest } from './build';

const context = { generatedAt: '2026-05-01T10:00:00.000Z', source: 'test' };
const F = FABRIKAM;

describe('building a report of each kind', () => {
  it('builds every kind the command line offers from one request shape', () => {
    const requests: Record<string, ReportRequest> = {
      'role-matrix': { kind: 'role-matrix', roles: [F.salesperson] },
      'user-access': { kind: 'user-access', users: [F.sam] },
      'who-has-access': { kind: 'who-has-access', entity: 'account', right: 'Read', minDepth: 'Local' },
      'role-compare': { kind: 'role-compare', left: F.sysadmin, right: F.salesperson },
      'bu-structure': { kind: 'bu-structure' },
      'field-security': { kind: 'field-security' },
      findings: { kind: 'findings' },
      audit: { kind: 'audit', from: '2026-01-01T00:00:00.000Z' },
    };
    for (const kind of REPORT_KINDS) {
      const r = buildReport({ state: fabrikam(), context, audit: [] }, requests[kind]);
      expect(r.ok, kind).toBe(true);
      if (r.ok) expect(r.value.kind).toBe(kind);
    }
  });

  it('refuses a role or user the organization lacks, naming it', () => {
    const r = buildReport({ state: fabrikam(), context }, { kind: 'role-matrix', roles: ['role-nobody'] });
    expect(r).toEqual({ ok: false, error: { code: 'not-found', message: 'role role-nobody does not exist in the organization' } });
    const u = buildReport({ state: fabrikam(), context }, { kind: 'user-access', users: ['user-nobody'] });
    expect(u.ok).toBe(false);
  });

  it('refuses an unknown table for who-has-access as a value, not an exception', () => {
    const r = buildReport({ state: fabrikam(), context }, { kind: 'who-has-access', entity: 'nosuchtable', right: 'Read' });
    expect(r.ok ? null : r.error.code).toBe('not-found');
  });

  it('compares a role with its earlier self from another organization', () => {
    const earlier = fabrikam();
    const now = applyAll(earlier, [{ type: 'setRolePrivilege', roleid: F.salesperson, privilege: 'prvReadAccount', depth: 'Deep' }]);
    if (!now.ok) throw new Error(now.error.message);
    const r = buildReport({ state: now.state, context }, { kind: 'role-compare', left: F.salesperson, right: F.salesperson, leftFrom: { state: earlier, label: 'file old.json' } });
    expect(r.ok && r.value.title).toContain('Salesperson');
  });

  it('says an audit report needs the vault when there is no audit log', () => {
    const r = buildReport({ state: fabrikam(), context }, { kind: 'audit' });
    expect(r.ok ? null : r.error.code).toBe('no-audit-log');
  });

  it('finds separation-of-duty breaks with the rules passed in', () => {
    const rules = [{ id: 'r1', name: 'Admin and sales', severity: 'high' as const, a: { kind: 'role' as const, roleid: F.sysadmin }, b: { kind: 'role' as const, roleid: F.salesperson } }];
    const state = applyAll(fabrikam(), [{ type: 'assignRole', systemuserid: F.ada, roleid: F.salesperson }]);
    if (!state.ok) throw new Error(state.error.message);
    const r = buildReport({ state: state.state, context }, { kind: 'findings', review: { sodRules: rules } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const rows = r.value.sections.flatMap((s) => s.tables.flatMap((t) => [...t.rows()]));
    expect(rows.some((row) => row.some((c) => typeof c === 'string' && c.includes('Admin and sales')))).toBe(true);
  });

  it('offers a file name with the kind, organization and day', () => {
    expect(defaultReportName({ kind: 'role-matrix', organization: 'Fabrikam Inc.', generatedAt: context.generatedAt }, 'xlsx')).toBe('role-matrix-Fabrikam-Inc-2026-05-01.xlsx');
  });
});
