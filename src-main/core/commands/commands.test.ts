import { catalogFor } from '../catalog/catalog';
import { describe, expect, it } from 'vitest';
import { apply, applyAll, withIds } from './apply';
import type { Command } from './schema';
import { AccessEngine } from '../access/engine';
import { pairKey, type OrgState } from '../model/org';
import { ACCOUNT, BU, DEFAULT_TEAM, ROLE, TEAM, USER, assignTeam, assignUser, build, contoso, contosoRoot } from '../../../test/fixtures/orgCharts';

/** Applies a command that must be refused; checks the state is untouched and returns the message. */
function refusal(s: OrgState, cmd: unknown): string {
  const r = apply(s, cmd);
  expect(r.ok, `expected ${JSON.stringify(cmd)} to be refused`).toBe(false);
  if (r.ok) return '';
  expect(r.error.message.length).toBeGreaterThan(0);
  return r.error.message;
}

function accepted(s: OrgState, cmd: Command) {
  const r = apply(s, cmd);
  if (!r.ok) throw new Error(`refused: ${r.error.message}`);
  return r.value;
}

describe('business units', () => {
  it('refuses to move a unit under itself', () => {
    expect(refusal(contoso(), { type: 'moveBusinessUnit', businessunitid: BU.sales, parentbusinessunitid: BU.sales })).toMatch(/a unit cannot be its own parent/);
  });

  it('refuses to move a unit under one of its descendants', () => {
    expect(refusal(contoso(), { type: 'moveBusinessUnit', businessunitid: BU.sales, parentbusinessunitid: BU.west })).toMatch(/Sales West is below Sales/);
  });

  it('refuses to disable, move or delete the root unit', () => {
    const s = contoso();
    expect(refusal(s, { type: 'setBusinessUnitDisabled', businessunitid: BU.contoso, isdisabled: true })).toMatch(/root business unit cannot be disabled/);
    expect(refusal(s, { type: 'moveBusinessUnit', businessunitid: BU.contoso, parentbusinessunitid: BU.sales })).toMatch(/root business unit cannot be moved/);
    expect(refusal(s, { type: 'deleteBusinessUnit', businessunitid: BU.contoso })).toMatch(/it is the root business unit/);
  });

  it('refuses to delete an enabled unit', () => {
    expect(refusal(contoso(), { type: 'deleteBusinessUnit', businessunitid: BU.service })).toMatch(/only a disabled business unit can be deleted; disable it first/);
  });

  it('refuses to delete a disabled unit that still has users, naming them', () => {
    const s = contoso([{ type: 'setBusinessUnitDisabled', businessunitid: BU.service, isdisabled: true }]);
    expect(refusal(s, { type: 'deleteBusinessUnit', businessunitid: BU.service })).toMatch(/1 user\(s\) \(Sven Service\)/);
  });

  it('refuses to delete a disabled unit that still has child units, naming them', () => {
    const s = contoso([
      { type: 'moveUser', systemuserid: USER.sam, businessunitid: BU.contoso },
      { type: 'moveUser', systemuserid: USER.sue, businessunitid: BU.contoso },
      { type: 'setBusinessUnitDisabled', businessunitid: BU.sales, isdisabled: true },
    ]);
    expect(refusal(s, { type: 'deleteBusinessUnit', businessunitid: BU.sales })).toMatch(/child business units \(Sales West\)/);
  });

  it('refuses to delete a disabled unit that still has teams other than its default team', () => {
    const s = contoso([
      { type: 'createBusinessUnit', businessunitid: 'bu-empty', name: 'Empty', parentbusinessunitid: BU.contoso, defaultteamid: 'team-empty' },
      { type: 'createTeam', teamid: 'team-in-empty', name: 'Leftover', teamtype: 0, businessunitid: 'bu-empty' },
      { type: 'setBusinessUnitDisabled', businessunitid: 'bu-empty', isdisabled: true },
    ]);
    expect(refusal(s, { type: 'deleteBusinessUnit', businessunitid: 'bu-empty' })).toMatch(/1 team\(s\) \(Leftover\)/);
  });

  it('refuses to delete a unit whose default team still owns records', () => {
    const s = contoso([
      { type: 'createBusinessUnit', businessunitid: 'bu-empty', name: 'Empty', parentbusinessunitid: BU.contoso, defaultteamid: 'team-empty' },
      { type: 'createRecord', recordid: 'acc-empty', entity: 'account', ownerid: 'team-empty' },
      { type: 'setBusinessUnitDisabled', businessunitid: 'bu-empty', isdisabled: true },
    ]);
    expect(refusal(s, { type: 'deleteBusinessUnit', businessunitid: 'bu-empty' })).toMatch(/default team owns 1 record/);
  });

  it('deletes a disabled, empty unit with its default team, the default team\'s roles and its own roles', () => {
    const s = contoso([
      { type: 'createBusinessUnit', businessunitid: 'bu-empty', name: 'Empty', parentbusinessunitid: BU.contoso, defaultteamid: 'team-empty' },
      { type: 'createRole', roleid: 'role-empty', name: 'Empty Role', businessunitid: 'bu-empty' },
      assignTeam('team-empty', ROLE.salesperson),
      { type: 'setBusinessUnitDisabled', businessunitid: 'bu-empty', isdisabled: true },
    ]);
    const r = accepted(s, { type: 'deleteBusinessUnit', businessunitid: 'bu-empty' });
    expect(r.summary).toBe('Deleted business unit Empty and its roles Empty Role');
    expect(r.state.businessunits.has('bu-empty')).toBe(false);
    expect(r.state.teams.has('team-empty')).toBe(false);
    expect(r.state.roles.has('role-empty')).toBe(false);
    expect([...r.state.teamroles.values()].some((a) => a.teamid === 'team-empty')).toBe(false);
    // The role it held is free again.
    accepted(r.state, { type: 'deleteRole', roleid: ROLE.salesperson });
  });

  it('creates a unit with its default team, whose members are the unit\'s users', () => {
    const r = accepted(contoso(), { type: 'createBusinessUnit', businessunitid: 'bu-east', name: 'Sales East', parentbusinessunitid: BU.sales, defaultteamid: 'team-east' });
    expect(r.summary).toBe('Created business unit Sales East under Sales');
    expect(r.state.teams.get('team-east')).toEqual({ teamid: 'team-east', name: 'Sales East', teamtype: 0, businessunitid: 'bu-east', administratorid: null, isdefault: true });
    const s = build(r.state, [
      { type: 'createUser', systemuserid: 'user-east', fullname: 'Eve East', domainname: 'eve@contoso.com', businessunitid: 'bu-east' },
      { type: 'createRecord', recordid: 'acc-east-team', entity: 'account', ownerid: 'team-east' },
      assignUser('user-east', ROLE.accountReaderBasic),
      assignUser(USER.sue, ROLE.accountReaderBasic),
    ]);
    // Membership shows in access: a Basic reader reaches the records of the teams they belong to.
    const e = AccessEngine.of(s);
    expect(e.check('user-east', 'account', 'Read', 'acc-east-team')).toBe(true);
    expect(e.check(USER.sue, 'account', 'Read', 'acc-east-team')).toBe(false);
  });

  it('refuses a unit under a disabled parent, and a duplicate unit name', () => {
    const s = contoso([{ type: 'setBusinessUnitDisabled', businessunitid: BU.service, isdisabled: true }]);
    expect(refusal(s, { type: 'createBusinessUnit', businessunitid: 'bu-x', name: 'X', parentbusinessunitid: BU.service, defaultteamid: 'team-x' })).toMatch(/parent business unit Service is disabled/);
    expect(refusal(s, { type: 'createBusinessUnit', businessunitid: 'bu-x', name: 'sales', parentbusinessunitid: BU.contoso, defaultteamid: 'team-x' })).toMatch(/a business unit named "sales" already exists/);
  });

  it('renames the default team with its unit', () => {
    const r = accepted(contoso(), { type: 'updateBusinessUnit', businessunitid: BU.sales, name: 'Sales & Marketing' });
    expect(r.state.businessunits.get(BU.sales)!.name).toBe('Sales & Marketing');
    expect(r.state.teams.get(DEFAULT_TEAM.sales)!.name).toBe('Sales & Marketing');
    expect(r.state.teams.get(TEAM.keyAccounts)!.name).toBe('Key Accounts');
  });

  it("gives a unit's default team the environment's id with its roles and records, and everyone in the unit keeps their access", () => {
    const s = build(contoso(), [{ type: 'createRecord', recordid: 'acc-sales-team', entity: 'account', ownerid: DEFAULT_TEAM.sales }, assignTeam(DEFAULT_TEAM.sales, ROLE.accountReaderBasic)]);
    // Sue is in Sales: the default team's Basic reader role reaches the team's own record.
    expect(AccessEngine.of(s).check(USER.sue, 'account', 'Read', 'acc-sales-team')).toBe(true);
    const r = accepted(s, { type: 'setDefaultTeamId', businessunitid: BU.sales, teamid: 'team-sales-env' });
    expect(r.summary).toBe(`The default team of Sales takes the environment's id team-sales-env (was ${DEFAULT_TEAM.sales})`);
    expect(r.state.teams.has(DEFAULT_TEAM.sales)).toBe(false);
    expect(r.state.teams.get('team-sales-env')).toMatchObject({ name: 'Sales', businessunitid: BU.sales, isdefault: true });
    expect([...r.state.teamroles.values()].filter((a) => a.teamid === 'team-sales-env').map((a) => a.roleid)).toEqual([ROLE.accountReaderBasic]);
    expect(r.state.records.get('acc-sales-team')!.ownerid).toBe('team-sales-env');
    expect(AccessEngine.of(r.state).check(USER.sue, 'account', 'Read', 'acc-sales-team')).toBe(true);
  });

  it("refuses a default team id already in use, and a unit that does not exist, changing nothing", () => {
    expect(refusal(contoso(), { type: 'setDefaultTeamId', businessunitid: BU.sales, teamid: TEAM.keyAccounts })).toBe(`id ${TEAM.keyAccounts} is already used in teams`);
    expect(refusal(contoso(), { type: 'setDefaultTeamId', businessunitid: 'bu-nowhere', teamid: 'team-x' })).toBe('business unit bu-nowhere does not exist');
  });

  it('drops, and names, the role assignments a move makes unavailable', () => {
    const s = contoso([assignUser(USER.wes, ROLE.salesOnly)]);
    const r = accepted(s, { type: 'moveBusinessUnit', businessunitid: BU.west, parentbusinessunitid: BU.service });
    expect(r.summary).toBe('Moved Sales West under Service; removed roles no longer available there: Sales Desk from Wes West');
    expect([...r.state.systemuserroles.values()].filter((a) => a.systemuserid === USER.wes)).toEqual([]);
  });
});

describe('users', () => {
  it('refuses a domain name already in use, whatever its case, naming who uses it', () => {
    const s = contoso();
    expect(refusal(s, { type: 'createUser', systemuserid: 'user-x', fullname: 'X', domainname: 'SUE@contoso.com', businessunitid: BU.sales })).toMatch(/domain name SUE@contoso.com is already used by Sue Sales/);
    expect(refusal(s, { type: 'updateUser', systemuserid: USER.sam, domainname: 'sue@contoso.com' })).toMatch(/already used by Sue Sales/);
    // Keeping one's own domain name is fine.
    accepted(s, { type: 'updateUser', systemuserid: USER.sue, domainname: 'Sue@Contoso.com' });
  });

  it('refuses a manager chain that loops', () => {
    const s = contoso();
    expect(refusal(s, { type: 'updateUser', systemuserid: USER.ada, parentsystemuserid: USER.winona })).toMatch(/Winona West reports \(directly or not\) to this user/);
    expect(refusal(s, { type: 'updateUser', systemuserid: USER.ada, parentsystemuserid: USER.ada })).toMatch(/cannot be their own manager/);
  });

  it('refuses a user in, or a move to, a disabled unit', () => {
    const s = contoso([
      { type: 'setUserDisabled', systemuserid: USER.sven, isdisabled: true },
      { type: 'setBusinessUnitDisabled', businessunitid: BU.service, isdisabled: true },
    ]);
    expect(refusal(s, { type: 'createUser', systemuserid: 'user-x', fullname: 'X', domainname: 'x@contoso.com', businessunitid: BU.service })).toMatch(/business unit Service is disabled/);
    expect(refusal(s, { type: 'moveUser', systemuserid: USER.sue, businessunitid: BU.service })).toMatch(/business unit Service is disabled/);
    expect(refusal(s, { type: 'setUserDisabled', systemuserid: USER.sven, isdisabled: false })).toBe('cannot enable Sven Service: business unit Service is disabled');
  });

  it('removes every role of a moved user and names them, keeping the team roles', () => {
    const s = contoso([assignUser(USER.sue, ROLE.salesperson), assignUser(USER.sue, ROLE.accountReaderDeep, BU.west), assignTeam(TEAM.keyAccounts, ROLE.accountReaderLocal)]);
    const r = accepted(s, { type: 'moveUser', systemuserid: USER.sue, businessunitid: BU.service });
    expect(r.summary).toMatch(/^Moved Sue Sales to Service; removed roles: /);
    expect(r.summary).toContain('Salesperson');
    expect(r.summary).toContain('Account Reader (Deep)');
    expect([...r.state.systemuserroles.values()].filter((a) => a.systemuserid === USER.sue)).toEqual([]);
    expect(r.state.teamroles.size).toBe(s.teamroles.size);
    expect(r.state.systemusers.get(USER.sue)!.businessunitid).toBe(BU.service);
  });
});

describe('teams', () => {
  it('refuses roles for an access team', () => {
    expect(refusal(contoso(), assignTeam(TEAM.deal, ROLE.salesperson))).toMatch(/Deal Team is an access team; access teams hold no security roles/);
  });

  it('refuses records owned by an access team', () => {
    const s = contoso();
    expect(refusal(s, { type: 'createRecord', recordid: 'acc-x', entity: 'account', ownerid: TEAM.deal })).toMatch(/access teams cannot own records/);
    expect(refusal(s, { type: 'assignRecord', recordid: ACCOUNT.sue, ownerid: TEAM.deal })).toMatch(/access teams cannot own records/);
  });

  it('refuses to change a team\'s type', () => {
    expect(refusal(contoso(), { type: 'updateTeam', teamid: TEAM.keyAccounts, teamtype: 1 })).toMatch(/teamtype/);
  });

  it('refuses to edit the membership of a default team', () => {
    const s = contoso();
    expect(refusal(s, { type: 'addTeamMember', teamid: DEFAULT_TEAM.sales, systemuserid: USER.wes })).toMatch(/are always exactly the users of its business unit/);
    expect(refusal(s, { type: 'removeTeamMember', teamid: DEFAULT_TEAM.sales, systemuserid: USER.sue })).toMatch(/a default team/);
  });

  it('refuses to rename or delete a default team', () => {
    const s = contoso();
    expect(refusal(s, { type: 'updateTeam', teamid: DEFAULT_TEAM.sales, name: 'Other' })).toMatch(/rename the unit instead/);
    expect(refusal(s, { type: 'deleteTeam', teamid: DEFAULT_TEAM.sales })).toMatch(/goes only with the unit/);
  });

  it('refuses to delete a team that owns records', () => {
    expect(refusal(contoso(), { type: 'deleteTeam', teamid: TEAM.keyAccounts })).toMatch(/owns 1 record\(s\); assign them to another owner first/);
  });

  it('deletes a team with its memberships, roles and shares', () => {
    const s = contoso([assignTeam(TEAM.supportGroup, ROLE.salesperson), { type: 'shareRecord', recordid: ACCOUNT.sven, principalid: TEAM.supportGroup, accessrightsmask: 1 }]);
    expect(s.teammembership.has(pairKey(TEAM.supportGroup, USER.winona))).toBe(true);
    const r = accepted(s, { type: 'deleteTeam', teamid: TEAM.supportGroup });
    expect(r.summary).toBe('Deleted team Support Group');
    expect([...r.state.teammembership.values()].some((m) => m.teamid === TEAM.supportGroup)).toBe(false);
    expect([...r.state.teamroles.values()].some((a) => a.teamid === TEAM.supportGroup)).toBe(false);
    expect([...r.state.shares.values()].some((x) => x.principalid === TEAM.supportGroup)).toBe(false);
    expect(r.state.teammembership.size).toBe(s.teammembership.size - 1);
  });

  it('refuses to remove someone who is not a member', () => {
    expect(refusal(contoso(), { type: 'removeTeamMember', teamid: TEAM.keyAccounts, systemuserid: USER.sven })).toMatch(/Sven Service is not a member of Key Accounts/);
  });
});

describe('roles', () => {
  it('refuses to delete a role while it is held, naming the holders', () => {
    const s = contoso([assignUser(USER.sue, ROLE.salesperson), assignTeam(TEAM.keyAccounts, ROLE.salesperson)]);
    const msg = refusal(s, { type: 'deleteRole', roleid: ROLE.salesperson });
    expect(msg).toMatch(/role Salesperson is held by 2 principal\(s\)/);
    expect(msg).toContain('Sue Sales');
    expect(msg).toContain('team Key Accounts');
    expect(msg).toMatch(/remove it from them first/);
  });

  it('deletes a role nobody holds', () => {
    const r = accepted(contoso(), { type: 'deleteRole', roleid: ROLE.salesperson });
    expect(r.state.roles.has(ROLE.salesperson)).toBe(false);
  });

  it('refuses a depth the privilege does not allow', () => {
    const s = contoso();
    expect(refusal(s, { type: 'setRolePrivilege', roleid: ROLE.salesperson, privilege: 'prvReadProduct', depth: 'Basic' })).toBe('prvReadProduct does not allow Basic (allowed: Global)');
    expect(refusal(s, { type: 'setRolePrivilege', roleid: ROLE.salesperson, privilege: 'prvFlyAccount', depth: 'Basic' })).toMatch(/unknown privilege "prvFlyAccount"/);
    const r = accepted(s, { type: 'setRolePrivilege', roleid: ROLE.salesperson, privilege: 'prvreadproduct', depth: 'Global' });
    expect(r.summary).toBe('Salesperson: prvReadProduct None → Global');
  });

  it('keeps a whole role as written: unknown privileges and depths the catalog disputes are kept and marked unverified', () => {
    const s = contoso();
    const r = accepted(s, { type: 'createRole', roleid: 'role-x', name: 'X', privileges: { prvWriteProduct: 'Deep', prvReadcr5db_Project: 'Basic', prvControlDecrementTerm: 'Local', prvreadaccount: 'Local' } });
    expect(r.state.roles.get('role-x')!.privileges).toEqual({ prvWriteProduct: 'Deep', prvReadcr5db_Project: 'Basic', prvControlDecrementTerm: 'Local', prvReadAccount: 'Local' });
    const catalog = catalogFor(r.state);
    expect(catalog.privilege('prvWriteProduct')).toMatchObject({ status: 'unverified', depths: ['Basic', 'Local', 'Deep', 'Global'] });
    expect(catalog.privilege('prvReadcr5db_Project')).toMatchObject({ status: 'unverified', accessright: 'Read', entities: ['cr5db_project'] });
    expect(catalog.privilege('prvControlDecrementTerm')).toMatchObject({ status: 'unverified', accessright: null });
    // One cell of an unverified privilege can then be set to any depth, on any role.
    accepted(r.state, { type: 'setRolePrivilege', roleid: ROLE.salesperson, privilege: 'prvReadcr5db_Project', depth: 'Deep' });
    expect(refusal(s, { type: 'createRole', roleid: 'role-y', name: 'Y', privileges: { 'read account': 'Global' } })).toMatch(/"read account" is not a privilege name/);
    expect(refusal(s, { type: 'createRole', roleid: 'role-y', name: 'Y', privileges: { prvReadAccount: 'Global', prvreadaccount: 'Basic' } })).toMatch(/given twice/);
  });

  it('refuses a role of one unit held outside that unit and the units below it', () => {
    const s = contoso();
    expect(refusal(s, assignUser(USER.sven, ROLE.salesOnly))).toMatch(/role Sales Desk belongs to Sales and is not available in Service/);
    expect(refusal(s, assignUser(USER.sue, ROLE.salesOnly, BU.contoso))).toMatch(/not available in Contoso/);
    expect(refusal(s, assignTeam(DEFAULT_TEAM.service, ROLE.salesOnly))).toMatch(/not available in Service/);
    accepted(s, assignUser(USER.wes, ROLE.salesOnly));
    accepted(s, assignUser(USER.sue, ROLE.salesOnly, BU.west));
    accepted(s, assignUser(USER.ada, ROLE.salesOnly, BU.sales));
  });

  it('assigns a role once per scope, and removes it', () => {
    const s = contoso([assignUser(USER.sue, ROLE.salesperson)]);
    expect(accepted(s, assignUser(USER.sue, ROLE.salesperson)).summary).toBe('Sue Sales already holds Salesperson');
    const r = accepted(s, { type: 'removeRole', systemuserid: USER.sue, roleid: ROLE.salesperson });
    expect(r.summary).toBe('Removed Salesperson from Sue Sales');
    expect(refusal(r.state, { type: 'removeRole', systemuserid: USER.sue, roleid: ROLE.salesperson })).toMatch(/does not hold role Salesperson/);
  });
});

describe('records and shares', () => {
  it('refuses records of an organization-owned table', () => {
    expect(refusal(contoso(), { type: 'createRecord', recordid: 'prod-1', entity: 'product', ownerid: USER.sue })).toMatch(/product is organization-owned/);
  });

  it('refuses to share CreateAccess', () => {
    expect(refusal(contoso(), { type: 'shareRecord', recordid: ACCOUNT.sue, principalid: USER.sam, accessrightsmask: 32 })).toMatch(/CreateAccess \(32\) cannot be shared/);
  });

  it('removes a record\'s shares with it', () => {
    const r = accepted(contoso(), { type: 'deleteRecord', recordid: ACCOUNT.shared });
    expect([...r.state.shares.values()].some((x) => x.recordid === ACCOUNT.shared)).toBe(false);
  });
});

describe('apply', () => {
  it('leaves the state untouched when a command is refused', () => {
    const s = contoso();
    const snapshot = structuredClone(s);
    const r = apply(s, { type: 'deleteBusinessUnit', businessunitid: BU.contoso });
    expect(r.ok).toBe(false);
    expect(s).toEqual(snapshot);
  });

  it('returns the very same state for a command that changes nothing', () => {
    const s = contoso();
    const r = accepted(s, { type: 'updateBusinessUnit', businessunitid: BU.sales, name: 'Sales' });
    expect(r.state).toBe(s);
    expect(r.changes).toEqual([]);
  });

  it('shares every untouched table with the previous state', () => {
    const s = contoso();
    const r = accepted(s, { type: 'setRolePrivilege', roleid: ROLE.salesperson, privilege: 'prvShareAccount', depth: 'Basic' });
    expect(r.state.records).toBe(s.records);
    expect(r.state.systemusers).toBe(s.systemusers);
    expect(r.state.roles).not.toBe(s.roles);
  });

  it('applies all or nothing, reporting the position of the refused command', () => {
    const s = contoso();
    const r = applyAll(s, [assignUser(USER.sue, ROLE.salesperson), assignUser(USER.sven, ROLE.salesOnly)]);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.index).toBe(1);
      expect(r.error.message).toMatch(/not available in Service/);
    }
    expect(s.systemuserroles.size).toBe(0);
  });

  it('refuses a malformed command with the path of the problem', () => {
    const r = apply(contoso(), { type: 'createUser', systemuserid: 'user-x', fullname: '  ', domainname: 'x@contoso.com', businessunitid: BU.sales });
    expect(!r.ok && r.error.message).toMatch(/^fullname: must not be empty/);
    expect(refusal(contoso(), { type: 'noSuchCommand' })).toBeTruthy();
    expect(refusal(contoso(), { type: 'assignRole', roleid: ROLE.salesperson })).toMatch(/give exactly one of systemuserid or teamid/);
  });

  it('fills missing ids of a create command, once', () => {
    let n = 0;
    const next = () => `id-${++n}`;
    const filled = withIds({ type: 'createBusinessUnit', name: 'X', parentbusinessunitid: BU.contoso }, next);
    expect(filled).toEqual({ type: 'createBusinessUnit', name: 'X', parentbusinessunitid: BU.contoso, businessunitid: 'id-1', defaultteamid: 'id-2' });
    expect(withIds({ type: 'createUser', systemuserid: 'mine' }, next)).toEqual({ type: 'createUser', systemuserid: 'mine' });
    expect(withIds({ type: 'deleteRole', roleid: 'r' }, next)).toEqual({ type: 'deleteRole', roleid: 'r' });
  });

  it('refuses an id already used in any table', () => {
    expect(refusal(contosoRoot(), { type: 'createUser', systemuserid: BU.contoso, fullname: 'X', domainname: 'x@x.com', businessunitid: BU.contoso })).toMatch(/id bu-contoso is already used in businessunits/);
  });
});
