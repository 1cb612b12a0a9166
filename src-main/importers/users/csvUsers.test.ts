import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { applyAll } from '../../core/commands/apply';
import { BU, contoso, ROLE, TEAM, USER } from '../../../test/fixtures/orgCharts';
import { planUserImport } from './csvUsers';

const fixture = (name: string) => readFileSync(new URL(`../../../test/fixtures/solutions/${name}`, import.meta.url), 'utf8');
const ids = () => {
  let n = 0;
  return () => `new-user-${++n}`;
};

describe('importing users from CSV', () => {
  it('adds every user with unit, manager, roles and teams, managers from the same file created first', () => {
    const state = contoso();
    const plan = planUserImport(state, fixture('users.csv'), ids());
    expect(plan.errors).toEqual([]);
    const r = applyAll(state, plan.commands);
    if (!r.ok) throw new Error(r.error.message);
    const byDomain = (d: string) => [...r.state.systemusers.values()].find((u) => u.domainname === d)!;
    const quinn = byDomain('quinn@contoso.com');
    const morgan = byDomain('morgan@contoso.com');
    const taylor = byDomain('taylor@contoso.com');
    expect(morgan).toMatchObject({ fullname: 'Lee, Morgan', businessunitid: BU.sales, parentsystemuserid: USER.sam, internalemailaddress: 'morgan@contoso.com' });
    expect(quinn).toMatchObject({ businessunitid: BU.west, parentsystemuserid: morgan.systemuserid, internalemailaddress: null });
    expect(taylor).toMatchObject({ businessunitid: BU.service, parentsystemuserid: USER.ada });
    const rolesOf = (id: string) => [...r.state.systemuserroles.values()].filter((a) => a.systemuserid === id).map((a) => a.roleid).sort();
    expect(rolesOf(morgan.systemuserid)).toEqual([ROLE.accountReaderLocal, ROLE.salesperson].sort());
    expect(rolesOf(quinn.systemuserid)).toEqual([ROLE.salesperson]);
    expect(rolesOf(taylor.systemuserid)).toEqual([ROLE.accountReaderDeep]);
    const teamsOf = (id: string) => [...r.state.teammembership.values()].filter((m) => m.systemuserid === id).map((m) => m.teamid).sort();
    expect(teamsOf(morgan.systemuserid)).toEqual([TEAM.keyAccounts]);
    expect(teamsOf(taylor.systemuserid)).toEqual([TEAM.deal, TEAM.supportGroup].sort());
    expect(plan.commands.findIndex((c) => c.type === 'createUser' && c.domainname === 'morgan@contoso.com')).toBeLessThan(
      plan.commands.findIndex((c) => c.type === 'createUser' && c.domainname === 'quinn@contoso.com'),
    );
  });

  it('reports every bad row by row, column and reason, and builds no command', () => {
    const plan = planUserImport(contoso(), fixture('users-bad.csv'), ids());
    expect(plan.commands).toEqual([]);
    expect(plan.errors.map((e) => [e.row, e.column, e.reason])).toEqual([
      [2, 'fullname', 'is empty'],
      [2, 'email', '"not-an-email" is not an email address'],
      [3, 'domainname', 'SAM@contoso.com is already a user of the organization'],
      [3, 'businessunit', 'no business unit has the name or id "Atlantis"'],
      [4, 'roles', 'no role has the name or id "No Such Role"'],
      [4, 'teams', 'Sales is the default team of its business unit; its members are always the unit\'s users'],
      [4, 'manager', 'no user of the organization or of this file has the domain name or id "ghost@contoso.com"'],
      [5, 'manager', 'managers form a cycle: rows 5 → 6 → 5'],
      [8, 'domainname', 'DEE@contoso.com is also on row 7'],
      [8, 'teams', 'no team has the name or id "Nowhere Team"'],
    ]);
  });

  it('refuses a header with an unknown or missing column', () => {
    const plan = planUserImport(contoso(), 'fullname,login,businessunit\nA,a@x.com,Sales\n', ids());
    expect(plan.errors.map((e) => [e.row, e.column])).toEqual([
      [1, 'login'],
      [1, 'domainname'],
    ]);
  });

  it('reports a row with a different number of cells and unreadable CSV', () => {
    expect(planUserImport(contoso(), 'fullname,domainname,businessunit\nA,a@x.com\n', ids()).errors[0]).toMatchObject({ row: 2, column: '(row)', reason: 'has 2 cells; the header has 3' });
    expect(planUserImport(contoso(), 'fullname,domainname,businessunit\n"A,a@x.com,Sales\n', ids()).errors[0].reason).toMatch(/not readable as CSV/);
  });

  it('refuses a role that is not available in the user\'s business unit', () => {
    const state = contoso([{ type: 'createRole', roleid: 'role-service-only', name: 'Service Only', businessunitid: BU.service, privileges: {} }]);
    const plan = planUserImport(state, 'fullname,domainname,businessunit,roles\nA B,ab@x.com,Sales,Service Only\n', ids());
    expect(plan.errors).toEqual([{ row: 2, column: 'roles', reason: 'role Service Only is not available in Sales' }]);
  });
});
