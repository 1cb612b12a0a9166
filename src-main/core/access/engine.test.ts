import { describe, expect, it } from 'vitest';
import { AccessEngine } from './engine';
import { apply } from '../commands/apply';
import type { Command } from '../commands/schema';
import type { OrgState } from '../model/org';
import { ACCOUNT, BU, CONTACT, DEFAULT_TEAM, EMAIL, ROLE, TASK, TEAM, USER, assignTeam, assignUser, build, contoso, reachable } from '../../../test/fixtures/orgCharts';

const ALL_ACCOUNTS = Object.values(ACCOUNT).sort();
const sorted = (...ids: string[]) => [...ids].sort();
const readsAccounts = (s: OrgState, user: string) => reachable(s, user, 'account', 'Read');

function applied(s: OrgState, cmd: Command) {
  const r = apply(s, cmd);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('depths of a role held directly', () => {
  it('reads every account of the unit and the units below at Deep, plus what is shared with the user', () => {
    const s = contoso([assignUser(USER.sue, ROLE.accountReaderDeep)]);
    expect(readsAccounts(s, USER.sue)).toEqual(
      sorted(ACCOUNT.sam, ACCOUNT.sue, ACCOUNT.keyAccount, ACCOUNT.wes, ACCOUNT.winona, ACCOUNT.shared, ACCOUNT.deal),
    );
  });

  it('reads the accounts of its own unit only at Local, not those of the unit below', () => {
    const s = contoso([assignUser(USER.sue, ROLE.accountReaderLocal)]);
    expect(readsAccounts(s, USER.sue)).toEqual(sorted(ACCOUNT.sam, ACCOUNT.sue, ACCOUNT.keyAccount, ACCOUNT.shared, ACCOUNT.deal));
    expect(AccessEngine.of(s).check(USER.sue, 'account', 'Read', ACCOUNT.wes)).toBe(false);
  });

  it('reads at Basic only own accounts, accounts of the user\'s teams and accounts shared with the user or an access team of the user', () => {
    const s = contoso([assignUser(USER.sue, ROLE.accountReaderBasic)]);
    expect(readsAccounts(s, USER.sue)).toEqual(sorted(ACCOUNT.sue, ACCOUNT.keyAccount, ACCOUNT.shared, ACCOUNT.deal));
  });

  it('uses a share only for the rights it carries', () => {
    const s = contoso([assignUser(USER.sue, ROLE.salesperson)]);
    // acc-shared is shared Read|Write, acc-deal Read only (to the access team): neither grants Delete.
    expect(reachable(s, USER.sue, 'account', 'Read')).toEqual(sorted(ACCOUNT.sue, ACCOUNT.keyAccount, ACCOUNT.shared, ACCOUNT.deal));
    expect(reachable(s, USER.sue, 'account', 'Write')).toEqual(sorted(ACCOUNT.sue, ACCOUNT.keyAccount, ACCOUNT.shared));
    expect(reachable(s, USER.sue, 'account', 'Delete')).toEqual(sorted(ACCOUNT.sue, ACCOUNT.keyAccount));
  });

  it('does not use a share without the privilege: a share alone grants nothing', () => {
    const s = contoso([assignUser(USER.sue, ROLE.accountReaderBasic)]);
    // Sue has no prvWriteAccount at all, so the Read|Write share does not let her write.
    expect(reachable(s, USER.sue, 'account', 'Write')).toEqual([]);
  });

  it('reads every account of the organization at Global', () => {
    const s = contoso([assignUser(USER.sue, ROLE.accountReaderGlobal)]);
    expect(readsAccounts(s, USER.sue)).toEqual(ALL_ACCOUNTS);
  });

  it('gives no access to a user without roles, even to the user\'s own records', () => {
    const s = contoso();
    expect(readsAccounts(s, USER.sue)).toEqual([]);
  });

  it('lets the deepest depth win when the user holds a privilege several times', () => {
    const s = contoso([assignUser(USER.sue, ROLE.accountReaderBasic), assignTeam(TEAM.keyAccounts, ROLE.accountReaderDeep)]);
    expect(AccessEngine.of(s).explain(USER.sue, 'account', 'Read').depth).toBe('Deep');
    expect(readsAccounts(s, USER.sue)).toContain(ACCOUNT.winona);
  });

  it('covers every activity table with the shared prvReadActivity privilege', () => {
    const s = contoso([assignUser(USER.wes, ROLE.salesperson), assignUser(USER.sue, ROLE.salesperson)]);
    const e = AccessEngine.of(s);
    expect(e.check(USER.wes, 'email', 'Read', EMAIL.wes)).toBe(true);
    expect(e.check(USER.sue, 'task', 'Read', TASK.sue)).toBe(true);
    expect(e.check(USER.sue, 'email', 'Read', EMAIL.wes)).toBe(false);
    expect(e.explain(USER.wes, 'email', 'Read').privilege).toBe('prvReadActivity');
  });

  it('reads contacts only with a contact privilege', () => {
    const s = contoso([assignUser(USER.sam, ROLE.accountReaderGlobal)]);
    expect(reachable(s, USER.sam, 'contact', 'Read')).toEqual([]);
    const s2 = contoso([assignUser(USER.sam, ROLE.salesperson)]);
    expect(reachable(s2, USER.sam, 'contact', 'Read')).toEqual([CONTACT.sam]);
  });
});

describe('roles held through teams', () => {
  it('scopes a team role to the team\'s unit, not the member\'s', () => {
    // Wes is in Sales West; Key Accounts is in Sales. Team privileges only: no reach into Wes's own unit.
    const s = contoso([assignTeam(TEAM.keyAccounts, ROLE.teamOnlyLocal)]);
    expect(readsAccounts(s, USER.wes)).toEqual(sorted(ACCOUNT.sam, ACCOUNT.sue, ACCOUNT.keyAccount));
  });

  it('with isinherited = 1 also acts as the member\'s own role: Local reaches the member\'s unit too', () => {
    const s = contoso([assignTeam(TEAM.keyAccounts, ROLE.inheritedLocal)]);
    expect(readsAccounts(s, USER.wes)).toEqual(sorted(ACCOUNT.sam, ACCOUNT.sue, ACCOUNT.keyAccount, ACCOUNT.wes, ACCOUNT.winona));
  });

  it('with isinherited = 0 does not reach records shared with the member or the member\'s other teams', () => {
    const s = contoso([assignTeam(TEAM.keyAccounts, ROLE.teamOnlyLocal)]);
    const e = AccessEngine.of(s);
    expect(e.check(USER.sue, 'account', 'Read', ACCOUNT.shared)).toBe(false); // shared with Sue herself
    expect(e.check(USER.sue, 'account', 'Read', ACCOUNT.deal)).toBe(false); // shared with her access team
  });

  it('with isinherited = 1 reaches records shared with the member and the member\'s access teams', () => {
    const s = contoso([assignTeam(TEAM.keyAccounts, ROLE.inheritedLocal)]);
    const e = AccessEngine.of(s);
    expect(e.check(USER.sue, 'account', 'Read', ACCOUNT.shared)).toBe(true);
    expect(e.check(USER.sue, 'account', 'Read', ACCOUNT.deal)).toBe(true);
    expect(e.check(USER.sue, 'account', 'Write', ACCOUNT.deal)).toBe(false); // the share is Read only
  });

  it('at Basic with isinherited = 0 reaches only the team\'s own records', () => {
    const s = contoso([
      { type: 'createRole', roleid: 'role-team-basic', name: 'Team Basic', isinherited: 0, privileges: { prvReadAccount: 'Basic' } },
      assignTeam(TEAM.keyAccounts, 'role-team-basic'),
    ]);
    expect(readsAccounts(s, USER.wes)).toEqual([ACCOUNT.keyAccount]);
  });

  it('at Basic with isinherited = 1 reaches the team\'s records and the member\'s own', () => {
    const s = contoso([
      { type: 'createRole', roleid: 'role-team-basic', name: 'Team Basic', isinherited: 1, privileges: { prvReadAccount: 'Basic' } },
      assignTeam(TEAM.keyAccounts, 'role-team-basic'),
    ]);
    expect(readsAccounts(s, USER.wes)).toEqual(sorted(ACCOUNT.keyAccount, ACCOUNT.wes));
  });

  it('gives a default team\'s role to every user of its unit, including users added later, and to nobody else', () => {
    let s = contoso([assignTeam(DEFAULT_TEAM.sales, ROLE.accountReaderLocal)]);
    s = build(s, [{ type: 'createUser', systemuserid: 'user-new', fullname: 'New Hire', domainname: 'new@contoso.com', businessunitid: BU.sales }]);
    const e = AccessEngine.of(s);
    expect(e.check(USER.sam, 'account', 'Read', ACCOUNT.sue)).toBe(true);
    expect(e.check('user-new', 'account', 'Read', ACCOUNT.sue)).toBe(true);
    expect(e.check(USER.wes, 'account', 'Read', ACCOUNT.wes)).toBe(false);
  });

  it('reaches records owned by a default team of which the user is a member', () => {
    const s = contoso([
      { type: 'createRecord', recordid: 'acc-default-team', entity: 'account', name: 'Owned by Sales', ownerid: DEFAULT_TEAM.sales },
      assignUser(USER.sam, ROLE.accountReaderBasic),
      assignUser(USER.wes, ROLE.accountReaderBasic),
    ]);
    const e = AccessEngine.of(s);
    expect(e.check(USER.sam, 'account', 'Read', 'acc-default-team')).toBe(true);
    expect(e.check(USER.wes, 'account', 'Read', 'acc-default-team')).toBe(false);
  });

  it('stops giving a team\'s access once the member is removed from the team', () => {
    const s = contoso([assignTeam(TEAM.keyAccounts, ROLE.accountReaderDeep), { type: 'removeTeamMember', teamid: TEAM.keyAccounts, systemuserid: USER.wes }]);
    expect(readsAccounts(s, USER.wes)).toEqual([]);
  });
});

describe('assignment scoped to another unit', () => {
  it('scopes a Local role assigned in another unit to that unit, keeping Basic reach over the user\'s own records', () => {
    const s = contoso([assignUser(USER.sue, ROLE.accountReaderLocal, BU.service)]);
    expect(readsAccounts(s, USER.sue)).toEqual(sorted(ACCOUNT.sven, ACCOUNT.shared, ACCOUNT.deal, ACCOUNT.sue, ACCOUNT.keyAccount));
    expect(AccessEngine.of(s).check(USER.sue, 'account', 'Read', ACCOUNT.sam)).toBe(false);
  });

  it('scopes a Deep role assigned in a unit below to that subtree', () => {
    const s = contoso([assignUser(USER.ada, ROLE.accountReaderDeep, BU.west)]);
    expect(readsAccounts(s, USER.ada)).toEqual(sorted(ACCOUNT.ada, ACCOUNT.wes, ACCOUNT.winona));
  });

  it('scopes a team role assigned in another unit to that unit', () => {
    const s = contoso([assignTeam(TEAM.keyAccounts, ROLE.teamOnlyLocal, BU.service)]);
    expect(readsAccounts(s, USER.sue)).toEqual(sorted(ACCOUNT.sven, ACCOUNT.shared, ACCOUNT.deal, ACCOUNT.keyAccount));
  });
});

describe('moves, reassignments and disabled principals', () => {
  it('removes the user\'s roles on a move, names them in the summary, and moves the user\'s records with the user', () => {
    const s = contoso([
      assignUser(USER.sue, ROLE.accountReaderLocal),
      assignUser(USER.sam, ROLE.accountReaderLocal),
      assignUser(USER.sven, ROLE.accountReaderLocal),
    ]);
    const moved = applied(s, { type: 'moveUser', systemuserid: USER.sue, businessunitid: BU.service });
    expect(moved.summary).toContain('Account Reader (Local)');
    expect([...moved.state.systemuserroles.values()].filter((a) => a.systemuserid === USER.sue)).toEqual([]);
    const e = AccessEngine.of(moved.state);
    expect(readsAccounts(moved.state, USER.sue)).toEqual([]);
    expect(e.check(USER.sven, 'account', 'Read', ACCOUNT.sue)).toBe(true);
    expect(e.check(USER.sam, 'account', 'Read', ACCOUNT.sue)).toBe(false);
  });

  it('keeps the user\'s team memberships and team roles on a move', () => {
    const s = contoso([assignTeam(TEAM.keyAccounts, ROLE.accountReaderBasic)]);
    const moved = applied(s, { type: 'moveUser', systemuserid: USER.sue, businessunitid: BU.service }).state;
    expect(AccessEngine.of(moved).check(USER.sue, 'account', 'Read', ACCOUNT.keyAccount)).toBe(true);
  });

  it('moves a record to its new owner\'s unit when it is reassigned', () => {
    const s = contoso([assignUser(USER.sven, ROLE.accountReaderLocal), { type: 'assignRecord', recordid: ACCOUNT.wes, ownerid: USER.sven }]);
    expect(AccessEngine.of(s).check(USER.sven, 'account', 'Read', ACCOUNT.wes)).toBe(true);
  });

  it('gives a disabled user no access at all, and says why', () => {
    const s = contoso([assignUser(USER.sue, ROLE.accountReaderGlobal), { type: 'setUserDisabled', systemuserid: USER.sue, isdisabled: true }]);
    expect(readsAccounts(s, USER.sue)).toEqual([]);
    const x = AccessEngine.of(s).explain(USER.sue, 'account', 'Read', ACCOUNT.sue);
    expect(x.allowed).toBe(false);
    expect(x.reasons.join(' ')).toMatch(/disabled/);
  });

  it('gives the users of a disabled unit no access at all, and says why', () => {
    const s = contoso([assignUser(USER.wes, ROLE.accountReaderGlobal), { type: 'setBusinessUnitDisabled', businessunitid: BU.west, isdisabled: true }]);
    expect(readsAccounts(s, USER.wes)).toEqual([]);
    expect(AccessEngine.of(s).explain(USER.wes, 'account', 'Read').reasons.join(' ')).toMatch(/business unit is disabled/);
  });

  it('gives the users of a unit below a disabled unit no access either', () => {
    const s = contoso([assignUser(USER.wes, ROLE.accountReaderGlobal), { type: 'setBusinessUnitDisabled', businessunitid: BU.sales, isdisabled: true }]);
    expect(readsAccounts(s, USER.wes)).toEqual([]);
  });

  it('still lets others reach the records of a disabled user', () => {
    const s = contoso([assignUser(USER.sam, ROLE.accountReaderLocal), { type: 'setUserDisabled', systemuserid: USER.sue, isdisabled: true }]);
    expect(AccessEngine.of(s).check(USER.sam, 'account', 'Read', ACCOUNT.sue)).toBe(true);
  });
});

describe('hierarchy security', () => {
  // Ada ← Sam ← Sue ← Wes ← Winona; Ada ← Sven.
  const hierarchy = (depth: number, ...extra: Command[]) =>
    contoso([assignUser(USER.ada, ROLE.salesperson), { type: 'setHierarchySecurity', enabled: true, depth }, ...extra]);

  it('lets a manager read, write, append and append to the records of a direct report', () => {
    const e = AccessEngine.of(
      hierarchy(
        2,
        { type: 'setRolePrivilege', roleid: ROLE.salesperson, privilege: 'prvAppendAccount', depth: 'Basic' },
        { type: 'setRolePrivilege', roleid: ROLE.salesperson, privilege: 'prvAppendToAccount', depth: 'Basic' },
      ),
    );
    for (const right of ['Read', 'Write', 'Append', 'AppendTo'] as const) expect(e.check(USER.ada, 'account', right, ACCOUNT.sam), right).toBe(true);
  });

  it('does not let a manager delete, share or assign a direct report\'s records', () => {
    const s = hierarchy(2, { type: 'setRolePrivilege', roleid: ROLE.salesperson, privilege: 'prvShareAccount', depth: 'Basic' });
    const e = AccessEngine.of(s);
    for (const right of ['Delete', 'Share', 'Assign'] as const) expect(e.check(USER.ada, 'account', right, ACCOUNT.sam), right).toBe(false);
  });

  it('lets a manager only read the records of reports further down', () => {
    const e = AccessEngine.of(hierarchy(2));
    expect(e.check(USER.ada, 'account', 'Read', ACCOUNT.sue)).toBe(true);
    expect(e.check(USER.ada, 'account', 'Write', ACCOUNT.sue)).toBe(false);
  });

  it('stops at the configured number of levels', () => {
    const s = hierarchy(2);
    expect(readsAccounts(s, USER.ada)).toEqual(sorted(ACCOUNT.ada, ACCOUNT.sam, ACCOUNT.sue, ACCOUNT.sven, ACCOUNT.shared, ACCOUNT.deal));
    expect(AccessEngine.of(s).check(USER.ada, 'account', 'Read', ACCOUNT.wes)).toBe(false);
    expect(readsAccounts(hierarchy(4), USER.ada)).toEqual(ALL_ACCOUNTS.filter((a) => a !== ACCOUNT.keyAccount));
  });

  it('never reaches team-owned records through the hierarchy', () => {
    expect(AccessEngine.of(hierarchy(4)).check(USER.ada, 'account', 'Read', ACCOUNT.keyAccount)).toBe(false);
  });

  it('needs the privilege itself: a manager without it reaches nothing', () => {
    const s = contoso([{ type: 'setHierarchySecurity', enabled: true, depth: 3 }]);
    expect(readsAccounts(s, USER.ada)).toEqual([]);
    // Read at Basic does not grant Write on reports' records.
    const s2 = contoso([assignUser(USER.ada, ROLE.accountReaderBasic), { type: 'setHierarchySecurity', enabled: true, depth: 3 }]);
    expect(AccessEngine.of(s2).check(USER.ada, 'account', 'Write', ACCOUNT.sam)).toBe(false);
  });

  it('gives nothing while hierarchy security is off', () => {
    const s = contoso([assignUser(USER.ada, ROLE.salesperson)]);
    expect(readsAccounts(s, USER.ada)).toEqual([ACCOUNT.ada]);
  });

  it('explains a hierarchy path with the report and the level', () => {
    const x = AccessEngine.of(hierarchy(3)).explain(USER.ada, 'account', 'Read', ACCOUNT.sue);
    expect(x.allowed).toBe(true);
    expect(x.paths).toEqual([expect.objectContaining({ roleid: ROLE.salesperson, reach: 'hierarchy', reportid: USER.sue, managerlevel: 2 })]);
  });
});

describe('explain', () => {
  it('lists every path that grants access to a record', () => {
    const s = contoso([assignUser(USER.sue, ROLE.accountReaderBasic), assignTeam(TEAM.keyAccounts, ROLE.accountReaderLocal)]);
    const x = AccessEngine.of(s).explain(USER.sue, 'account', 'Read', ACCOUNT.keyAccount);
    expect(x.allowed).toBe(true);
    expect(x.privilege).toBe('prvReadAccount');
    expect(x.depth).toBe('Local');
    expect(x.reasons).toEqual([]);
    expect(x.paths).toHaveLength(3);
    expect(x.paths).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ roleid: ROLE.accountReaderBasic, via: 'direct', depth: 'Basic', reach: 'team-owner', scopebusinessunitid: BU.sales }),
        expect.objectContaining({ roleid: ROLE.accountReaderLocal, via: 'team', teamid: TEAM.keyAccounts, depth: 'Local', reach: 'businessunit', scopebusinessunitid: BU.sales }),
        expect.objectContaining({ roleid: ROLE.accountReaderLocal, via: 'team', teamid: TEAM.keyAccounts, inheritedfromteam: true, reach: 'businessunit' }),
      ]),
    );
    expect(x.paths.filter((p) => p.via === 'team' && !p.inheritedfromteam)).toHaveLength(1);
  });

  it('names the share that grants access', () => {
    const s = contoso([assignUser(USER.sue, ROLE.accountReaderBasic)]);
    const e = AccessEngine.of(s);
    expect(e.explain(USER.sue, 'account', 'Read', ACCOUNT.shared).paths).toEqual([
      expect.objectContaining({ reach: 'share', sharedwith: USER.sue, accessrightsmask: 3 }),
    ]);
    expect(e.explain(USER.sue, 'account', 'Read', ACCOUNT.deal).paths).toEqual([expect.objectContaining({ reach: 'share', sharedwith: TEAM.deal })]);
    expect(e.explain(USER.sue, 'account', 'Read', ACCOUNT.sue).paths).toEqual([expect.objectContaining({ reach: 'owner' })]);
  });

  it('explains a Deep and a Global path', () => {
    const s = contoso([assignUser(USER.sue, ROLE.accountReaderDeep), assignUser(USER.sue, ROLE.accountReaderGlobal)]);
    const x = AccessEngine.of(s).explain(USER.sue, 'account', 'Read', ACCOUNT.winona);
    expect(x.paths.map((p) => p.reach).sort()).toEqual(['businessunit-and-below', 'organization']);
  });

  it('gives the reasons when denied: the role, its depth, its scope and where the record is', () => {
    const s = contoso([assignUser(USER.sue, ROLE.accountReaderBasic)]);
    const x = AccessEngine.of(s).explain(USER.sue, 'account', 'Read', ACCOUNT.wes);
    expect(x.allowed).toBe(false);
    expect(x.paths).toEqual([]);
    expect(x.reasons).toHaveLength(1);
    expect(x.reasons[0]).toContain('Account Reader (Basic)');
    expect(x.reasons[0]).toContain('Basic');
    expect(x.reasons[0]).toContain('Sales West');
    expect(x.reasons[0]).toContain('Wes West');
  });

  it('says no role grants the privilege when none does', () => {
    const x = AccessEngine.of(contoso()).explain(USER.sue, 'account', 'Read', ACCOUNT.sue);
    expect(x.allowed).toBe(false);
    expect(x.depth).toBeNull();
    expect(x.reasons[0]).toMatch(/no role of the user grants prvReadAccount/);
  });

  it('refuses to explain unknown users, unknown tables, missing records and records of another table', () => {
    const e = AccessEngine.of(contoso([assignUser(USER.sue, ROLE.accountReaderGlobal)]));
    expect(e.explain('user-ghost', 'account', 'Read').reasons[0]).toMatch(/does not exist/);
    expect(e.explain(USER.sue, 'nosuchtable', 'Read').reasons[0]).toMatch(/unknown table/);
    expect(e.explain(USER.sue, 'account', 'Read', 'acc-ghost').reasons[0]).toMatch(/does not exist/);
    expect(e.explain(USER.sue, 'account', 'Read', CONTACT.sam).reasons[0]).toMatch(/is a contact/);
    expect(e.check(USER.sue, 'account', 'Read', CONTACT.sam)).toBe(false);
  });

  it('without a record, lists one path per role holding the privilege with its unit-level reach', () => {
    const s = contoso([assignUser(USER.sue, ROLE.accountReaderBasic), assignUser(USER.sue, ROLE.accountReaderDeep)]);
    const x = AccessEngine.of(s).explain(USER.sue, 'account', 'Read');
    expect(x.allowed).toBe(true);
    expect(x.paths.map((p) => [p.rolename, p.reach]).sort()).toEqual([
      ['Account Reader (Basic)', 'owner'],
      ['Account Reader (Deep)', 'businessunit-and-below'],
    ]);
  });
});

describe('effective levels', () => {
  it('is the union of the user\'s and the user\'s teams\' roles, deepest first', () => {
    const s = contoso([assignUser(USER.sue, ROLE.accountReaderBasic), assignTeam(TEAM.keyAccounts, ROLE.teamOnlyLocal)]);
    const e = AccessEngine.of(s);
    const u = e.userIndex(USER.sue)!;
    const level = (name: string) => e.levelOf(u, e.catalog.privilege(name)!.index);
    expect(level('prvReadAccount')).toBe(2);
    expect(level('prvWriteAccount')).toBe(2);
    expect(level('prvDeleteAccount')).toBe(0);
    expect(e.explain(USER.sue, 'account', 'Write').depth).toBe('Local');
  });
});
