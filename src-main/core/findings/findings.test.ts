import { describe, expect, it } from 'vitest';
import { APP_PACKS, expandPrivileges } from '../catalog/seedRoles';
import type { Command } from '../commands/schema';
import { demoOrganization } from '../generate/demo';
import { syntheticOrganization } from '../generate/synthetic';
import { assignTeam, assignUser, BU, build, contoso, ROLE, TEAM, USER } from '../../../test/fixtures/orgCharts';
import { findings, sodRuleSchema, type Finding } from './index';

const rulesOf = (list: readonly Finding[], rule: string) => list.filter((f) => f.rule === rule);
const about = (list: readonly Finding[], rule: string, id: string) => rulesOf(list, rule).filter((f) => f.objects.some((o) => o.id === id));

const packRole = (name: string) => APP_PACKS.flatMap((p) => p.roles).find((r) => r.name === name)!;
const createPackRole = (name: string): Command => {
  const seed = packRole(name);
  return { type: 'createRole', roleid: seed.roleid, name: seed.name, isinherited: seed.isinherited, privileges: expandPrivileges(seed) };
};
const BASIC_USER = 'role-basic-user';

describe('findings about users, teams and units', () => {
  const state = contoso([
    assignUser(USER.ada, ROLE.accountReaderGlobal),
    assignUser(USER.sam, ROLE.salesperson),
    assignUser(USER.sven, ROLE.salesperson),
    assignTeam(TEAM.keyAccounts, ROLE.salesperson),
    { type: 'setUserDisabled', systemuserid: USER.sven, isdisabled: true },
    { type: 'createTeam', teamid: 'team-empty', name: 'Ghost Team', teamtype: 0, businessunitid: BU.sales },
    assignTeam('team-empty', ROLE.accountReaderDeep),
  ]);
  const list = findings(state);

  it('reports an enabled user with no role, directly or through a team', () => {
    expect(about(list, 'user-without-role', USER.winona)).toHaveLength(1);
    expect(about(list, 'user-without-role', USER.sam)).toHaveLength(0);
    expect(about(list, 'user-without-role', USER.sue)).toHaveLength(0);
  });

  it('reports users whose only roles come from teams', () => {
    const f = about(list, 'user-access-only-through-teams', USER.sue);
    expect(f).toHaveLength(1);
    expect(f[0].objects.map((o) => o.id)).toEqual(expect.arrayContaining([TEAM.keyAccounts, ROLE.salesperson]));
    expect(about(list, 'user-access-only-through-teams', USER.wes)).toHaveLength(1);
  });

  it('reports a disabled user still holding roles, and not as a user without role', () => {
    expect(about(list, 'disabled-user-with-roles', USER.sven)).toHaveLength(1);
    expect(about(list, 'user-without-role', USER.sven)).toHaveLength(0);
  });

  it('reports a team holding roles with no members', () => {
    const f = about(list, 'empty-team-with-roles', 'team-empty');
    expect(f).toHaveLength(1);
    expect(f[0].severity).toBe('low');
    expect(about(list, 'empty-team-with-roles', TEAM.keyAccounts)).toHaveLength(0);
  });

  it('reports a disabled unit with enabled users in it or below it', () => {
    const off = build(state, [{ type: 'setBusinessUnitDisabled', businessunitid: BU.sales, isdisabled: true }]);
    const f = about(findings(off), 'disabled-unit-with-active-users', BU.sales);
    expect(f).toHaveLength(1);
    expect(f[0].objects.filter((o) => o.table === 'systemuser').map((o) => o.id).sort()).toEqual([USER.sam, USER.sue, USER.wes, USER.winona].sort());
  });

  it('gives every finding a severity, explanation, objects and fix, with unique stable ids', () => {
    for (const f of list) {
      expect(['high', 'medium', 'low', 'info']).toContain(f.severity);
      expect(f.explanation.length).toBeGreaterThan(20);
      expect(f.fix.length).toBeGreaterThan(10);
      expect(f.objects.length).toBeGreaterThan(0);
    }
    expect(new Set(list.map((f) => f.id)).size).toBe(list.length);
    expect(findings(state).map((f) => f.id)).toEqual(list.map((f) => f.id));
  });
});

describe('findings about roles', () => {
  it('reports Global Delete on customer data outside administrator roles, high when someone holds it', () => {
    const state = contoso([
      { type: 'createRole', roleid: 'role-wrecker', name: 'Wrecker', privileges: { prvDeleteAccount: 'Global', prvShareContact: 'Global' } },
      { type: 'createRole', roleid: 'role-safe', name: 'Careful', privileges: { prvDeleteAccount: 'Deep' } },
      { type: 'createRole', roleid: 'role-admin', name: 'Data administrator', privileges: { prvDeleteAccount: 'Global' } },
      assignUser(USER.sam, 'role-wrecker'),
    ]);
    const list = findings(state);
    const f = about(list, 'global-destructive-rights', 'role-wrecker');
    expect(f).toHaveLength(1);
    expect(f[0].severity).toBe('high');
    expect(f[0].objects.map((o) => o.id)).toEqual(expect.arrayContaining(['prvDeleteAccount', 'prvShareContact']));
    expect(about(list, 'global-destructive-rights', 'role-safe')).toHaveLength(0);
    expect(about(list, 'global-destructive-rights', 'role-admin')).toHaveLength(0);
    expect(about(findings(state, { adminRoles: ['Wrecker'] }), 'global-destructive-rights', 'role-wrecker')).toHaveLength(0);
  });

  it('reports roles differing in at most N privileges, and not those differing in more', () => {
    const state = contoso([
      { type: 'createRole', roleid: 'role-a', name: 'Copy A', privileges: { prvReadContact: 'Deep', prvWriteContact: 'Deep', prvCreateContact: 'Deep', prvReadLead: 'Local' } },
      { type: 'createRole', roleid: 'role-b', name: 'Copy B', privileges: { prvReadContact: 'Deep', prvWriteContact: 'Local', prvCreateContact: 'Deep', prvReadLead: 'Local', prvReadOpportunity: 'Basic' } },
    ]);
    const pair = (list: readonly Finding[]) => rulesOf(list, 'near-duplicate-roles').filter((f) => f.objects.some((o) => o.id === 'role-a') && f.objects.some((o) => o.id === 'role-b'));
    const f = pair(findings(state));
    expect(f).toHaveLength(1);
    expect(f[0].title).toContain('differ in only 2 privilege');
    expect(f[0].explanation).toContain('Write Contact (Deep in Copy A, Local in Copy B)');
    expect(pair(findings(state, { nearDuplicateMax: 1 }))).toHaveLength(0);
    // The four Account Reader roles differ from each other in one depth each.
    expect(rulesOf(findings(state), 'near-duplicate-roles').filter((x) => x.objects.every((o) => o.name.startsWith('Account Reader')))).toHaveLength(6);
  });

  it('reports roles no one holds, but not roles held by a team with members', () => {
    const state = contoso([assignTeam(TEAM.keyAccounts, ROLE.salesperson), assignUser(USER.sam, ROLE.accountReaderBasic)]);
    const list = findings(state);
    expect(about(list, 'unused-role', ROLE.teamOnlyLocal)).toHaveLength(1);
    expect(about(list, 'unused-role', ROLE.salesperson)).toHaveLength(0);
    expect(about(list, 'unused-role', ROLE.accountReaderBasic)).toHaveLength(0);
  });
});

describe('app-pack rules', () => {
  const demo = demoOrganization();
  const list = findings(demo);
  const user = (name: string) => [...demo.systemusers.values()].find((u) => u.fullname === name)!.systemuserid;

  it('flags an Omnichannel user without Basic User', () => {
    expect(about(list, 'app-missing-required-role', user('Lane Voice')).some((f) => f.title.includes('without Basic User'))).toBe(true);
    expect(about(list, 'app-missing-required-role', user('Remy Chat'))).toHaveLength(0);
  });

  it('flags the Omnichannel API access role held by an agent', () => {
    const f = about(list, 'app-forbidden-role-combination', user('Lane Voice'));
    expect(f).toHaveLength(1);
    expect(f[0].severity).toBe('high');
  });

  it('flags an Omnichannel administrator without System Administrator', () => {
    expect(about(list, 'app-missing-required-role', user('Oakley Omni')).some((f) => f.title.includes('without System Administrator'))).toBe(true);
  });

  it('flags a persona-mapping role held only through a team', () => {
    const f = about(list, 'app-role-only-through-team', user('Ellis Queue'));
    expect(f).toHaveLength(1);
    expect(f[0].objects.some((o) => o.table === 'team' && o.name === 'Omnichannel Agents (Entra)')).toBe(true);
    // Lane Voice holds the agent role directly as well as through the same team.
    expect(about(list, 'app-role-only-through-team', user('Lane Voice'))).toHaveLength(0);
  });

  it('flags a user of an app (owns its records) holding none of its roles, and not one holding a role', () => {
    const state = contoso([
      createPackRole('LiveChat4Dynamics User'),
      { type: 'createRole', roleid: BASIC_USER, name: 'Basic User', privileges: { prvReadAccount: 'Basic' } },
      assignUser(USER.sam, BASIC_USER),
      assignUser(USER.sue, packRole('LiveChat4Dynamics User').roleid),
      { type: 'createRecord', recordid: 'chat-1', entity: 'ikl_livechat', name: 'Chat 1', ownerid: USER.sam },
      { type: 'createRecord', recordid: 'chat-2', entity: 'ikl_livechat', name: 'Chat 2', ownerid: USER.sue },
    ]);
    const l = findings(state);
    const f = about(l, 'app-user-without-app-role', USER.sam);
    expect(f).toHaveLength(1);
    expect(f[0].explanation).toContain('owns 1 ikl_livechat record');
    expect(about(l, 'app-user-without-app-role', USER.sue)).toHaveLength(0);
  });

  it('ignores the rules of a pack none of whose roles exist', () => {
    const state = contoso([assignUser(USER.sam, ROLE.salesperson), { type: 'createRecord', recordid: 'chat-1', entity: 'ikl_livechat', name: 'Chat 1', ownerid: USER.sam }]);
    expect(rulesOf(findings(state), 'app-user-without-app-role')).toHaveLength(0);
  });
});

describe('separation-of-duty rules', () => {
  const state = contoso([
    { type: 'createRole', roleid: 'role-approver', name: 'Invoice Approver', privileges: { prvWriteInvoice: 'Local' } },
    { type: 'createRole', roleid: 'role-clerk', name: 'Invoice Clerk', privileges: { prvCreateInvoice: 'Basic' } },
    assignUser(USER.sam, 'role-approver'),
    assignUser(USER.sam, 'role-clerk'),
    assignUser(USER.sue, 'role-approver'),
    assignTeam(TEAM.keyAccounts, 'role-clerk'),
    assignUser(USER.wes, 'role-clerk'),
  ]);
  const rule = sodRuleSchema.parse({ id: 'sod-1', name: 'Approve vs enter invoices', a: { kind: 'role', roleid: 'role-approver' }, b: { kind: 'role', name: 'invoice clerk' } });

  it('validates rules with the exported schema and fills defaults', () => {
    expect(rule.severity).toBe('high');
    expect(sodRuleSchema.safeParse({ id: 'x', name: 'x', a: { kind: 'role' }, b: { kind: 'privilege', privilege: 'prvReadAccount' } }).success).toBe(false);
    expect(sodRuleSchema.parse({ id: 'x', name: 'x', a: { kind: 'privilege', privilege: 'prvReadAccount' }, b: { kind: 'privilege', privilege: 'prvWriteAccount', minDepth: 'Deep' } }).a).toEqual({ kind: 'privilege', privilege: 'prvReadAccount', minDepth: 'Basic' });
  });

  it('flags users holding both sides directly or through a team', () => {
    const list = rulesOf(findings(state, { sodRules: [rule] }), 'separation-of-duty');
    const users = list.map((f) => f.objects[0].id).sort();
    expect(users).toEqual([USER.sam, USER.sue].sort()); // Sue: approver directly, clerk through Key Accounts
    expect(list[0].id).toMatch(/^separation-of-duty:sod-1:/);
  });

  it('checks privilege sides against the effective depth', () => {
    const byPrivilege = sodRuleSchema.parse({ id: 'sod-2', name: 'Write invoices deep and create them', a: { kind: 'privilege', privilege: 'prvWriteInvoice', minDepth: 'Local' }, b: { kind: 'privilege', privilege: 'prvCreateInvoice' } });
    expect(rulesOf(findings(state, { sodRules: [byPrivilege] }), 'separation-of-duty')).toHaveLength(2);
    const deeper = sodRuleSchema.parse({ ...byPrivilege, a: { kind: 'privilege', privilege: 'prvWriteInvoice', minDepth: 'Deep' } });
    expect(rulesOf(findings(state, { sodRules: [deeper] }), 'separation-of-duty')).toHaveLength(0);
  });
});

describe('findings at scale', () => {
  it('reviews the 50,000-user synthetic organization in under 2 s once the engine is built', () => {
    const state = syntheticOrganization();
    findings(state);
    const t = performance.now();
    const list = findings(state);
    expect(performance.now() - t).toBeLessThan(2000);
    expect(list.length).toBeGreaterThan(0);
  }, 60_000);
});
