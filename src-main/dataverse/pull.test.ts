import { afterEach, describe, expect, it } from 'vitest';
import { demoOrganization } from '../core/generate/demo';
import { syntheticOrganization } from '../core/generate/synthetic';
import type { OrgState } from '../core/model/org';
import { startDataverseDouble, type RunningDouble } from '../../test/dataverse/double/app';
import { addRecords, guidFor } from '../../test/dataverse/double/seed';
import { preview } from '../core/access/preview';
import { DEFAULT_COUNT_TABLES } from './recordCounts';
import { commandsBetween } from './stateChanges';
import { applyAll } from '../core/commands/apply';
import { Connection, DataverseError, environmentUrl } from './connection';
import { linkedColumns, pullEnvironment, type PullProgress } from './pull';
import { parseRows } from './environmentModel';

let double: RunningDouble | null = null;
afterEach(async () => {
  await double?.close();
  double = null;
});

const connect = (url: string, extra: Partial<ConstructorParameters<typeof Connection>[0]> = {}) => new Connection({ url, token: async () => 'token', ...extra });

/** The organization with every id as the environment holds it. */
function asInEnvironment(org: OrgState) {
  const g = guidFor;
  return {
    units: new Set([...org.businessunits.values()].map((u) => `${g(u.businessunitid)}|${u.name}|${u.parentbusinessunitid ? g(u.parentbusinessunitid) : null}`)),
    users: new Set([...org.systemusers.values()].map((u) => `${g(u.systemuserid)}|${u.fullname}|${g(u.businessunitid)}|${u.isdisabled}`)),
    roles: new Map([...org.roles.values()].map((r) => [g(r.roleid), r.privileges])),
    userRoles: new Set([...org.systemuserroles.values()].map((a) => `${g(a.systemuserid)}|${g(a.roleid)}|${a.businessunitid ? g(a.businessunitid) : null}`)),
    teamRoles: new Set([...org.teamroles.values()].map((a) => `${g(a.teamid)}|${g(a.roleid)}|${a.businessunitid ? g(a.businessunitid) : null}`)),
    members: new Set([...org.teammembership.values()].map((m) => `${g(m.teamid)}|${g(m.systemuserid)}`)),
    profiles: new Set([...org.systemuserprofiles.values()].map((p) => `${g(p.fieldsecurityprofileid)}|${g(p.systemuserid)}`)),
  };
}

describe('pulling an environment into the model', () => {
  it('pulls the demo organization back exactly: units, users, every role privilege at its depth, assignments, memberships, profiles', async () => {
    const org = demoOrganization();
    double = await startDataverseDouble(org);
    const pulled = await pullEnvironment(connect(double.url));
    const want = asInEnvironment(org);
    const got = asInEnvironment(pulled.state);
    expect(got.units).toEqual(want.units);
    expect(got.users).toEqual(want.users);
    expect(got.roles).toEqual(want.roles);
    expect(got.userRoles).toEqual(want.userRoles);
    expect(got.teamRoles).toEqual(want.teamRoles);
    expect(got.members).toEqual(want.members);
    expect(got.profiles).toEqual(want.profiles);
    expect(pulled.state.fieldsecurityprofiles.size).toBe(org.fieldsecurityprofiles.size);
  });

  it('collapses a role copied into every business unit into one role, and a copy held in another unit into an assignment scoped to that unit', async () => {
    const org = demoOrganization();
    double = await startDataverseDouble(org);
    const pulled = await pullEnvironment(connect(double.url));
    expect(pulled.state.roles.size).toBe(org.roles.size);
    expect(pulled.counts.roles).toBe(org.roles.size);
    // The copies below each role's unit are never read: every read of roles asks for root roles only.
    const roleReads = double.env.log.filter((r) => r.method === 'GET' && /^roles\?/.test(r.path));
    expect(roleReads.length).toBeGreaterThan(0);
    expect(roleReads.every((r) => decodeURIComponent(r.path).includes('_parentroleid_value eq null'))).toBe(true);
    // Every demo assignment is of the holder's own unit's copy: none is scoped elsewhere.
    expect([...pulled.state.systemuserroles.values()].every((a) => a.businessunitid === null)).toBe(true);
  });

  it('reads every role assignment page after page, and one of a copy in another unit comes back scoped to that unit', async () => {
    const org = demoOrganization();
    double = await startDataverseDouble(org);
    const user = [...org.systemusers.values()].find((u) => u.parentsystemuserid !== null)!;
    const role = [...org.roles.values()].find((r) => org.businessunits.get(r.businessunitid)!.parentbusinessunitid === null)!;
    const elsewhere = [...org.businessunits.values()].find((u) => u.businessunitid !== user.businessunitid)!;
    const copy = double.env.roleCopyId(guidFor(role.roleid), guidFor(elsewhere.businessunitid))!;
    const associated = double.env.handle({ method: 'POST', path: `systemusers(${guidFor(user.systemuserid)})/systemuserroles_association/$ref`, headers: {}, body: JSON.stringify({ '@odata.id': `${double.url}/api/data/v9.2/roles(${copy})` }) });
    expect(associated.status).toBe(204);
    const pulled = await pullEnvironment(connect(double.url, { pageSize: 7 }));
    const want = asInEnvironment(org).userRoles;
    want.add(`${guidFor(user.systemuserid)}|${guidFor(role.roleid)}|${guidFor(elsewhere.businessunitid)}`);
    expect(asInEnvironment(pulled.state).userRoles).toEqual(want);
    const pages = double.env.log.filter((r) => r.path.startsWith('systemuserrolescollection?fetchXml='));
    expect(pages.length).toBe(Math.ceil(want.size / 7));
    expect(pages.slice(1).every((r) => decodeURIComponent(r.path).includes('paging-cookie='))).toBe(true);
  });

  it('reads an assignment whose joined role columns come spelled alias_x002e_column, as an environment may send them', () => {
    const [user, copy, root, unit] = ['1', '2', '3', '4'].map((d) => `${d.repeat(8)}-${d.repeat(4)}-${d.repeat(4)}-${d.repeat(4)}-${d.repeat(12)}`);
    // What dynamics-web-api hands back for such a row: the encoded names, plus an alias object of its own.
    const row = { systemuserid: user, roleid: copy, role_x002e_parentrootroleid: root, role_x002e_businessunitid: unit, role: { _dwaType: 'alias', parentrootroleid: root, businessunitid: unit } };
    expect(parseRows('systemuserroles', [linkedColumns(row)])).toEqual([{ systemuserid: user, roleid: copy, 'role.parentrootroleid': root, 'role.businessunitid': unit }]);
    expect(linkedColumns({ systemuserid: user, roleid: copy, 'role.parentrootroleid': root })).toEqual({ systemuserid: user, roleid: copy, 'role.parentrootroleid': root });
  });

  it('keeps each privilege id so a push can name it', async () => {
    double = await startDataverseDouble(demoOrganization());
    const pulled = await pullEnvironment(connect(double.url));
    expect(pulled.privilegeIds.prvReadAccount).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('takes in tables the built-in catalog does not know, from the environment privilege table', async () => {
    const org = syntheticOrganization({ businessunits: 5, depth: 2, users: 20, teams: 3, teamMembers: 2, roles: 4, entities: 460, records: 0, shares: 0, popularRoleHolders: 2 });
    const custom = [...org.entities.keys()];
    double = await startDataverseDouble(org);
    const pulled = await pullEnvironment(connect(double.url));
    expect(custom.length).toBeGreaterThan(0);
    for (const t of custom) expect(pulled.state.entities.get(t)?.ownership).toBe('UserOwned');
    expect(asInEnvironment(pulled.state).roles).toEqual(asInEnvironment(org).roles);
  });

  it('waits out every 429 for the Retry-After it names and still pulls everything', async () => {
    const org = demoOrganization();
    double = await startDataverseDouble(org, { throttle: { every: 3, retryAfterSeconds: 2 } });
    const waits: number[] = [];
    const connection = connect(double.url, { sleep: async (ms) => void waits.push(ms) });
    const pulled = await pullEnvironment(connection);
    expect(pulled.state.systemusers.size).toBe(org.systemusers.size);
    expect(pulled.throttled).toBeGreaterThan(0);
    expect(waits).toEqual(new Array(pulled.throttled).fill(2000));
  });

  it('tells progress table by table until every table is done', async () => {
    double = await startDataverseDouble(demoOrganization());
    const seen: PullProgress[] = [];
    await pullEnvironment(connect(double.url, { pageSize: 10 }), (p) => seen.push(p));
    expect(seen.some((p) => p.table === 'systemusers' && p.rows === 10)).toBe(true);
    expect(seen.at(-1)).toMatchObject({ done: seen.at(-1)!.of });
  });

  it('names the environment URL that is not one', () => {
    expect(() => environmentUrl('contoso')).toThrow('"contoso" is not a URL; the environment URL looks like https://contoso.crm.dynamics.com');
    expect(() => environmentUrl('http://contoso.crm.dynamics.com')).toThrow('must start with https://');
    expect(() => environmentUrl('https://contoso.crm.dynamics.com/api/data/v9.2')).toThrow('without a path');
  });

  it("shows Dataverse's own message when the environment refuses the sign-in", async () => {
    double = await startDataverseDouble(demoOrganization(), { verifyToken: () => false });
    const err = await pullEnvironment(connect(double.url)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataverseError);
    expect((err as DataverseError).status).toBe(401);
    expect((err as Error).message).toMatch(/a valid bearer token is required/);
  });

  it("counts each picked table's records per owner without pulling one record, and a preview reads them", async () => {
    const org = demoOrganization();
    double = await startDataverseDouble(org);
    const seen: PullProgress[] = [];
    const pulled = await pullEnvironment(connect(double.url), (p) => seen.push(p), { counts: [...DEFAULT_COUNT_TABLES] });
    expect(pulled.state.records.size).toBe(0);
    for (const t of DEFAULT_COUNT_TABLES) expect(pulled.recordCounts[t]).toBe([...org.records.values()].filter((r) => r.entity === t).length);
    // Per owner, as the organization holds them.
    const ada = [...org.systemusers.values()].find((u) => [...org.records.values()].some((r) => r.ownerid === u.systemuserid && r.entity === 'account'))!;
    const owned = [...org.records.values()].filter((r) => r.ownerid === ada.systemuserid && r.entity === 'account').length;
    expect(pulled.state.recordcounts.get(`account|${guidFor(ada.systemuserid)}`)?.count).toBe(owned);
    expect(seen.some((p) => p.table === 'account' && p.kind === 'counted' && p.rows === 36)).toBe(true);
    // A Global reader of accounts reaches every counted account.
    const admin = [...pulled.state.systemusers.values()].find((u) => u.fullname === [...org.systemusers.values()][0].fullname)!;
    const p = preview(pulled.state, { kind: 'role', roleid: [...pulled.state.roles.values()].find((r) => r.privileges.prvReadAccount === 'Global')!.roleid, businessunitid: admin.businessunitid }, 'account', 'Read');
    expect(p.ok && p.value.records).toBe(36);
  });

  it('counts a table of more than 50,000 records in parts (a unit, then each child subtree, then owners) and gets every record', async () => {
    const org = demoOrganization();
    double = await startDataverseDouble(org);
    const users = [...org.systemusers.values()];
    const root = [...org.businessunits.values()].find((u) => u.parentbusinessunitid === null)!;
    const inRoot = users.filter((u) => u.businessunitid === root.businessunitid);
    const elsewhere = users.find((u) => u.businessunitid !== root.businessunitid)!;
    const owner = (u: (typeof users)[number]) => ({ ownerid: guidFor(u.systemuserid), owneridtype: 'systemuser' as const, owningbusinessunit: guidFor(u.businessunitid) });
    // The root unit alone holds more than an aggregate may count: it is counted owner by owner.
    addRecords(double.env.data.records, 'account', owner(inRoot[0]), 40_000);
    addRecords(double.env.data.records, 'account', owner(inRoot[1] ?? inRoot[0]), 20_000);
    addRecords(double.env.data.records, 'account', owner(elsewhere), 30_000);
    const pulled = await pullEnvironment(connect(double.url), () => {}, { counts: ['account'] });
    expect(pulled.recordCounts.account).toBe(36 + 90_000);
    expect(double.env.log.filter((l) => l.status === 400 && /fetchXml/.test(l.path)).length).toBeGreaterThanOrEqual(2);
  });

  it('names a table the environment does not have, and refuses an organization-owned table', async () => {
    double = await startDataverseDouble(demoOrganization());
    const missing = await pullEnvironment(connect(double.url), () => {}, { counts: ['acount'] }).catch((e: unknown) => e);
    expect((missing as Error).message).toBe('counting acount: the environment has no table named acount');
    const product = await pullEnvironment(connect(double.url), () => {}, { counts: ['product'] }).catch((e: unknown) => e);
    expect((product as Error).message).toBe('counting product: product is OrganizationOwned, not user-owned; only records with an owner are counted');
  });

  it('a delta pull asks the tracked tables only for changes and applies a renamed team, a deleted team and a user taken out of a team', async () => {
    const org = demoOrganization();
    double = await startDataverseDouble(org);
    const connection = connect(double.url);
    const first = await pullEnvironment(connection);
    expect(Object.keys(first.deltaLinks).sort()).toEqual(['businessunits', 'systemusers', 'teams']);
    const teams = [...first.state.teams.values()].filter((t) => !t.isdefault);
    const [renamed, deleted] = teams;
    const member = [...first.state.teammembership.values()].find((m) => m.teamid !== renamed.teamid && m.teamid !== deleted.teamid)!;
    await connection.api.update({ collection: 'teams', key: renamed.teamid, data: { name: 'Escalations (EMEA)' } });
    await connection.api.deleteRecord({ collection: 'teams', key: deleted.teamid });
    await connection.api.disassociate({ collection: 'teams', primaryKey: member.teamid, relationshipName: 'teammembership_association', relatedKey: member.systemuserid });
    const before = double.env.log.length;

    const second = await pullEnvironment(connection, () => {}, { since: { state: first.state, deltaLinks: first.deltaLinks } });
    const asked = double.env.log.slice(before).filter((l) => /^(systemusers|teams|businessunits)\?/.test(l.path)).map((l) => l.path);
    expect(asked.every((p) => /\$deltatoken=/.test(p))).toBe(true);
    expect(second.changes).toEqual({ businessunits: { changed: 0, deleted: 0 }, systemusers: { changed: 0, deleted: 0 }, teams: { changed: 1, deleted: 1 } });
    const commands = commandsBetween(first.state, second.state);
    expect(commands).toEqual([
      { type: 'updateTeam', teamid: renamed.teamid, name: 'Escalations (EMEA)' },
      { type: 'removeTeamMember', teamid: member.teamid, systemuserid: member.systemuserid },
      { type: 'deleteTeam', teamid: deleted.teamid },
    ]);
    const applied = applyAll(first.state, commands);
    if (!applied.ok) throw new Error(applied.error.message);
    expect(asInEnvironment(applied.state)).toEqual(asInEnvironment(second.state));
    expect(applied.state.teams.get(renamed.teamid)?.name).toBe('Escalations (EMEA)');
    expect(applied.state.teams.has(deleted.teamid)).toBe(false);
    // The next delta starts after these changes: nothing more comes.
    const third = await pullEnvironment(connection, () => {}, { since: { state: applied.state, deltaLinks: second.deltaLinks } });
    expect(commandsBetween(applied.state, third.state)).toEqual([]);
  });

  it('a table without change tracking is read in full and only its differences become commands: a privilege changed, a role assignment added', async () => {
    const org = demoOrganization();
    double = await startDataverseDouble(org);
    const connection = connect(double.url);
    const first = await pullEnvironment(connection);
    const role = [...first.state.roles.values()].find((r) => r.privileges.prvReadAccount)!;
    const user = [...first.state.systemusers.values()].find((u) => ![...first.state.systemuserroles.values()].some((a) => a.systemuserid === u.systemuserid && a.roleid === role.roleid))!;
    await connection.api.callAction({ actionName: 'Microsoft.Dynamics.CRM.AddPrivilegesRole', collection: 'roles', key: role.roleid, action: { Privileges: [{ PrivilegeId: first.privilegeIds.prvDeleteAccount, Depth: 'Global', BusinessUnitId: role.businessunitid }] } });
    const copy = double.env.roleCopyId(role.roleid, user.businessunitid)!;
    await connection.api.associate({ collection: 'systemusers', primaryKey: user.systemuserid, relationshipName: 'systemuserroles_association', relatedCollection: 'roles', relatedKey: copy });
    const second = await pullEnvironment(connection, () => {}, { since: { state: first.state, deltaLinks: first.deltaLinks } });
    expect(commandsBetween(first.state, second.state)).toEqual([
      { type: 'replaceRolePrivileges', roleid: role.roleid, privileges: { ...role.privileges, prvDeleteAccount: 'Global' } },
      { type: 'assignRole', systemuserid: user.systemuserid, roleid: role.roleid, businessunitid: null },
    ]);
  });
});
