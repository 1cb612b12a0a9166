import { afterEach, describe, expect, it } from 'vitest';
import { applyAll } from '../core/commands/apply';
import type { Command } from '../core/commands/schema';
import { demoOrganization } from '../core/generate/demo';
import { startDataverseDouble, type RunningDouble } from '../../test/dataverse/double/app';
import { Connection } from './connection';
import { pullEnvironment } from './pull';
import { planPush, pushContext, PushConflict, type PlannedRequest } from './push';
import { inEffect } from './pushReadBack';
import { sendPush } from './pushSend';
import type { OrgState } from '../core/model/org';
import { namedIn } from '../../test/fixtures/named';

let double: RunningDouble | null = null;
afterEach(async () => {
  await double?.close();
  double = null;
});

async function pulled() {
  double = await startDataverseDouble(demoOrganization());
  const c = new Connection({ url: double.url, token: async () => 'token' });
  const p = await pullEnvironment(c);
  return { c, p, ctx: pushContext(c, p.state, { privileges: p.privilegeIds, etags: p.etags }) };
}

/** A row as the environment answers it through the Web API, or null when it does not exist. */
async function read(set: string, id: string, select: string[]): Promise<Record<string, unknown> | null> {
  const c = new Connection({ url: double!.url, token: async () => 'token' });
  return c.send('reading back', (api) => api.retrieve<Record<string, unknown>>({ collection: set, key: id, select })).catch((e: { status?: number | null }) => {
    if (e.status === 404) return null;
    throw e;
  });
}

const pullAgain = () => pullEnvironment(new Connection({ url: double!.url, token: async () => 'token' }));
const writes = () => double!.env.log.filter((l) => l.method !== 'GET').length;
const ids = { unit: '6f1d7c9e-0000-4000-8000-000000000001', team: '6f1d7c9e-0000-4000-8000-000000000002', role: '6f1d7c9e-0000-4000-8000-000000000003', user: '6f1d7c9e-0000-4000-8000-000000000004', profile: '6f1d7c9e-0000-4000-8000-000000000005', defaultTeam: '6f1d7c9e-0000-4000-8000-000000000006' };
const unitNamed = (s: OrgState, name: string) => namedIn(s).unit(name);
const lines = (plan: PlannedRequest[]) => plan.map((r) => `${r.method} ${r.path}`);

const roleNamed = (s: OrgState, name: string) => namedIn(s).role(name);
const userNamed = (s: OrgState, name: string) => namedIn(s).user(name);
const teamNamed = (s: OrgState, name: string) => namedIn(s).team(name);

describe('pushing a staged change set to the environment', () => {
  it('lists every request of a dry run in order: privilege actions with privilege ids and depths, $ref for roles and members', async () => {
    const { p, ctx } = await pulled();
    const s = p.state;
    const sales = roleNamed(s, 'Salesperson');
    const kendall = userNamed(s, 'Kendall Events');
    const commands: Command[] = [
      { type: 'setRolePrivilege', roleid: sales.roleid, privilege: 'prvDeleteAccount', depth: 'Local' },
      { type: 'assignRole', systemuserid: kendall.systemuserid, roleid: roleNamed(s, 'Basic User').roleid },
      { type: 'addTeamMember', teamid: teamNamed(s, 'Escalations').teamid, systemuserid: kendall.systemuserid },
    ];
    const plan = await planPush(commands, ctx);
    expect(plan.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST roles(${sales.roleid})/Microsoft.Dynamics.CRM.AddPrivilegesRole`,
      expect.stringMatching(new RegExp(`^POST systemusers\\(${kendall.systemuserid}\\)/systemuserroles_association/\\$ref$`)),
      `POST teams(${teamNamed(s, 'Escalations').teamid})/teammembership_association/$ref`,
    ]);
    expect(plan[0].body).toEqual({ Privileges: [{ Depth: 'Local', PrivilegeId: p.privilegeIds.prvDeleteAccount, BusinessUnitId: sales.businessunitid }] });
  });

  it('applies the staged changes so that the next pull shows them', async () => {
    const { c, p, ctx } = await pulled();
    const s = p.state;
    const sales = roleNamed(s, 'Salesperson');
    const kendall = userNamed(s, 'Kendall Events');
    const commands: Command[] = [
      { type: 'setRolePrivilege', roleid: sales.roleid, privilege: 'prvDeleteAccount', depth: 'Local' },
      { type: 'setRolePrivilege', roleid: sales.roleid, privilege: 'prvReadAccount', depth: null },
      { type: 'assignRole', systemuserid: kendall.systemuserid, roleid: roleNamed(s, 'Basic User').roleid },
      { type: 'addTeamMember', teamid: teamNamed(s, 'Escalations').teamid, systemuserid: kendall.systemuserid },
    ];
    const expected = applyAll(s, commands);
    if (!expected.ok) throw new Error(expected.error.message);
    const report = await sendPush(c, await planPush(commands, ctx));
    expect(report).toMatchObject({ sent: 4, batches: 1 });
    const again = await pullEnvironment(new Connection({ url: double!.url, token: async () => 'token' }));
    expect(again.state.roles.get(sales.roleid)!.privileges).toEqual(expected.state.roles.get(sales.roleid)!.privileges);
    expect([...again.state.systemuserroles.values()].filter((a) => a.systemuserid === kendall.systemuserid)).toHaveLength(1);
    expect(again.state.teammembership.has(`${teamNamed(s, 'Escalations').teamid}|${kendall.systemuserid}`)).toBe(true);
  });

  it("shows Dataverse's own message for a refused change and applies nothing of its change set", async () => {
    const { c, p, ctx } = await pulled();
    const s = p.state;
    const kendall = userNamed(s, 'Kendall Events');
    const escalations = teamNamed(s, 'Escalations');
    const rowan = userNamed(s, 'Rowan Help'); // already a member: Dataverse refuses the duplicate
    const commands: Command[] = [
      { type: 'addTeamMember', teamid: escalations.teamid, systemuserid: kendall.systemuserid },
      { type: 'addTeamMember', teamid: escalations.teamid, systemuserid: rowan.systemuserid },
    ];
    const err = await sendPush(c, await planPush(commands, ctx)).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/Cannot insert duplicate key.*change set 1 of 1 \(commands 1–2\) applied nothing/);
    const again = await pullEnvironment(new Connection({ url: double!.url, token: async () => 'token' }));
    expect(again.state.teammembership.has(`${escalations.teamid}|${kendall.systemuserid}`)).toBe(false);
    expect(again.state.teammembership.has(`${escalations.teamid}|${rowan.systemuserid}`)).toBe(true);
  });

  it('sends every table privilege of the environment (1,990 changes) as two batches of at most 1,000', async () => {
    const { c, p, ctx } = await pulled();
    const s = p.state;
    const names = Object.keys(p.privilegeIds).filter((n) => /^prv(Read|Write|Create|Delete|Append)/.test(n));
    const sales = roleNamed(s, 'Salesperson');
    const commands: Command[] = names.map((privilege) => ({ type: 'setRolePrivilege', roleid: sales.roleid, privilege, depth: 'Global' }));
    const plan = await planPush(commands, ctx);
    expect(plan).toHaveLength(1990);
    expect(await sendPush(c, plan)).toMatchObject({ sent: 1990, batches: 2 });
    const again = await pullEnvironment(new Connection({ url: double!.url, token: async () => 'token' }));
    expect(names.every((n) => again.state.roles.get(sales.roleid)!.privileges[n] === 'Global')).toBe(true);
  });

  it('refuses a staged set holding records and shares by listing each blocking change, and sends nothing', async () => {
    const { p, ctx } = await pulled();
    const kendall = userNamed(p.state, 'Kendall Events');
    const commands: Command[] = [
      { type: 'updateUser', systemuserid: kendall.systemuserid, domainname: 'kendall@contoso.example' },
      { type: 'createRecord', recordid: 'r-1', entity: 'account', name: 'Fourth Coffee', ownerid: kendall.systemuserid },
      { type: 'shareRecord', recordid: 'r-1', principalid: userNamed(p.state, 'Rowan Help').systemuserid, accessrightsmask: 1 },
      { type: 'setHierarchySecurity', enabled: true, depth: 3 },
    ];
    const before = writes();
    await expect(planPush(commands, ctx)).rejects.toThrow(/^3 of 4 staged change\(s\) have no Dataverse equivalent, so nothing was sent: change 2 \(createRecord\), change 3 \(shareRecord\): records and shares are kept in the vault only.*; change 4 \(setHierarchySecurity\): hierarchy security is a setting/);
    expect(writes()).toBe(before);
  });

  it("renames a team with If-Match, so the environment's next pull holds the new name", async () => {
    const { c, p, ctx } = await pulled();
    const escalations = teamNamed(p.state, 'Escalations');
    const plan = await planPush([{ type: 'updateTeam', teamid: escalations.teamid, name: 'Escalations (EMEA)' }], ctx);
    expect(plan.map((r) => ({ method: r.method, path: r.path, body: r.body, ifMatch: r.ifMatch?.etag }))).toEqual([{ method: 'PATCH', path: `teams(${escalations.teamid})`, body: { name: 'Escalations (EMEA)' }, ifMatch: expect.stringMatching(/^W\/"\d+"$/) }]);
    await sendPush(c, plan);
    const again = await pullEnvironment(new Connection({ url: double!.url, token: async () => 'token' }));
    expect(again.state.teams.get(escalations.teamid)!.name).toBe('Escalations (EMEA)');
  });

  it('shows a conflict naming the field when someone renamed the team in the environment since the pull', async () => {
    const { c, p, ctx } = await pulled();
    const escalations = teamNamed(p.state, 'Escalations');
    // After the pull, another admin renames the team in the environment.
    double!.env.handle({ method: 'PATCH', path: `teams(${escalations.teamid})`, headers: {}, body: JSON.stringify({ name: 'Escalations (Americas)' }) });
    const plan = await planPush([{ type: 'updateTeam', teamid: escalations.teamid, name: 'Escalations (EMEA)' }], ctx);
    const err = (await sendPush(c, plan).catch((e: Error) => e)) as PushConflict;
    expect(err).toBeInstanceOf(PushConflict);
    expect(err.message).toMatch(/^conflict: the name of team Escalations is "Escalations \(Americas\)" in the environment but "Escalations" in the vault \(command 1 would set name\); Dataverse: .*The version of the existing record doesn't match the RowVersion property provided; change set 1 of 1 \(commands 1–1\) applied nothing, and no change set before it; pull again/);
    expect(double!.env.data.teams.get(escalations.teamid)!.name).toBe('Escalations (Americas)');
  });

  it("shows a conflict per field when the user's manager was changed in the environment since the pull, and applies nothing of its change set", async () => {
    const { c, p, ctx } = await pulled();
    const s = p.state;
    const jordan = userNamed(s, 'Jordan West');
    const sam = userNamed(s, 'Sam Seattle');
    const quinn = userNamed(s, 'Quinn East');
    const riley = userNamed(s, 'Riley Sales');
    const escalations = teamNamed(s, 'Escalations');
    // Since the pull, Sam's manager became Quinn in the environment.
    double!.env.handle({ method: 'PATCH', path: `systemusers(${sam.systemuserid})`, headers: {}, body: JSON.stringify({ 'parentsystemuserid@odata.bind': `/systemusers(${quinn.systemuserid})` }) });
    const commands: Command[] = [
      { type: 'addTeamMember', teamid: escalations.teamid, systemuserid: sam.systemuserid },
      { type: 'updateUser', systemuserid: sam.systemuserid, parentsystemuserid: riley.systemuserid },
    ];
    const plan = await planPush(commands, ctx);
    expect(plan[1]).toMatchObject({ method: 'PATCH', body: { 'parentsystemuserid@odata.bind': `/systemusers(${riley.systemuserid})` }, ifMatch: { etag: p.etags.systemusers![sam.systemuserid] } });
    const err = (await sendPush(c, plan).catch((e: Error) => e)) as PushConflict;
    expect(err.fields).toEqual([{ command: 1, what: 'user Sam Seattle', field: '_parentsystemuserid_value', environment: quinn.systemuserid, vault: jordan.systemuserid }]);
    expect(err.message).toContain(`the _parentsystemuserid_value of user Sam Seattle is "${quinn.systemuserid}" in the environment but "${jordan.systemuserid}" in the vault`);
    expect(err.message).toContain('Dataverse: ');
    expect((await read('systemusers', sam.systemuserid, ['_parentsystemuserid_value']))!._parentsystemuserid_value).toBe(quinn.systemuserid);
    expect(double!.env.data.teammembership.byPair.has(`${escalations.teamid}|${sam.systemuserid}`)).toBe(false);
  });

  it('renames a user through firstname and lastname, which Dataverse composes into the fullname a read gives back', async () => {
    const { c, p, ctx } = await pulled();
    const kendall = userNamed(p.state, 'Kendall Events');
    const plan = await planPush([{ type: 'updateUser', systemuserid: kendall.systemuserid, fullname: 'Kendall Marie Eventide' }], ctx);
    expect(plan.map((r) => r.body)).toEqual([{ firstname: 'Kendall Marie', lastname: 'Eventide' }]);
    await sendPush(c, plan);
    expect((await read('systemusers', kendall.systemuserid, ['fullname']))!.fullname).toBe('Kendall Marie Eventide');
  });

  it('says the first change set was applied when the second is refused, and pushing again sends only the refused one', async () => {
    const { c, p, ctx } = await pulled();
    const s = p.state;
    const sales = roleNamed(s, 'Salesperson');
    const kendall = userNamed(s, 'Kendall Events');
    const escalations = teamNamed(s, 'Escalations');
    const names = Object.keys(p.privilegeIds).filter((n) => /^prv(Read|Write|Create|Delete|Append)/.test(n)).slice(0, 1000);
    const commands: Command[] = [...names.map((privilege): Command => ({ type: 'setRolePrivilege', roleid: sales.roleid, privilege, depth: 'Global' })), { type: 'addTeamMember', teamid: escalations.teamid, systemuserid: kendall.systemuserid }];
    const plan = await planPush(commands, ctx);
    const kendallRow = double!.env.data.systemusers.get(kendall.systemuserid)!;
    double!.env.data.systemusers.delete(kendall.systemuserid); // gone from the environment for a while
    const err = (await sendPush(c, plan).catch((e: Error) => e)) as Error;
    expect(err.message).toMatch(/systemuser With Id = .* Does Not Exist; change set 2 of 2 \(commands 1001–1001\) applied nothing, the 1 before it were applied$/);

    double!.env.data.systemusers.set(kendall.systemuserid, kendallRow);
    const held = await inEffect(c, plan);
    expect(held.filter((h) => !h)).toHaveLength(1);
    const writesBefore = double!.env.log.filter((l) => l.method !== 'GET').length;
    expect(await sendPush(c, plan.filter((_, i) => !held[i]))).toMatchObject({ sent: 1, batches: 1 });
    expect(double!.env.log.filter((l) => l.method !== 'GET').length - writesBefore).toBe(1);
    expect(double!.env.data.teammembership.byPair.has(`${escalations.teamid}|${kendall.systemuserid}`)).toBe(true);
  });

  it('tells which role assignments the environment already holds the same way whether it asks per user or reads the whole table', async () => {
    const { c, p, ctx } = await pulled();
    const s = p.state;
    const basic = roleNamed(s, 'Basic User');
    const users = [...s.systemusers.values()];
    const holds = (id: string) => [...s.systemuserroles.values()].some((a) => a.systemuserid === id && a.roleid === basic.roleid);
    const commands: Command[] = users.map((u) => ({ type: holds(u.systemuserid) ? 'removeRole' : 'assignRole', systemuserid: u.systemuserid, roleid: basic.roleid }));
    const plan = await planPush(commands, ctx);
    const perUser = await inEffect(c, plan);
    expect(perUser.every((h) => !h)).toBe(true);
    await sendPush(c, plan.slice(0, 10));
    const before = c.requests;
    const whole = await inEffect(c, plan, 5);
    expect(c.requests - before).toBe(1); // one page of systemuserrolescollection
    expect(whole).toEqual(plan.map((_, i) => i < 10));
    expect(await inEffect(c, plan)).toEqual(whole);
  });
});

describe('pushing rows, lookups, moves and field security', () => {
  it('creates a business unit, a team, a role with its privileges and a user under the ids the vault holds, and the environment then answers them', async () => {
    const { c, p, ctx } = await pulled();
    const s = p.state;
    const sales = unitNamed(s, 'Sales');
    const riley = userNamed(s, 'Riley Sales');
    const commands: Command[] = [
      { type: 'createBusinessUnit', businessunitid: ids.unit, defaultteamid: ids.defaultTeam, name: 'Sales North', parentbusinessunitid: sales.businessunitid },
      { type: 'createUser', systemuserid: ids.user, fullname: 'Noor North', domainname: 'noor@contoso.example', internalemailaddress: 'noor@contoso.example', businessunitid: ids.unit, parentsystemuserid: riley.systemuserid },
      { type: 'createTeam', teamid: ids.team, name: 'North Deals', teamtype: 0, businessunitid: ids.unit, administratorid: ids.user },
      { type: 'createRole', roleid: ids.role, name: 'North Seller', businessunitid: sales.businessunitid, privileges: { prvReadAccount: 'Local', prvWriteAccount: 'Basic' } },
      { type: 'assignRole', systemuserid: riley.systemuserid, roleid: ids.role },
      { type: 'addTeamMember', teamid: ids.team, systemuserid: ids.user },
    ];
    const plan = await planPush(commands, ctx);
    expect(lines(plan)).toEqual([
      'POST businessunits',
      'POST systemusers',
      'POST teams',
      'POST roles',
      `POST roles(${ids.role})/Microsoft.Dynamics.CRM.ReplacePrivilegesRole`,
      `POST systemusers(${riley.systemuserid})/systemuserroles_association/$ref`,
      `POST teams(${ids.team})/teammembership_association/$ref`,
    ]);
    expect(plan[1].body).toEqual({ systemuserid: ids.user, firstname: 'Noor', lastname: 'North', domainname: 'noor@contoso.example', internalemailaddress: 'noor@contoso.example', 'businessunitid@odata.bind': `/businessunits(${ids.unit})`, 'parentsystemuserid@odata.bind': `/systemusers(${riley.systemuserid})` });
    expect(await sendPush(c, plan)).toMatchObject({ sent: 7, batches: 1 });

    expect(await read('businessunits', ids.unit, ['name', '_parentbusinessunitid_value'])).toMatchObject({ name: 'Sales North', _parentbusinessunitid_value: sales.businessunitid });
    expect(await read('systemusers', ids.user, ['fullname', '_businessunitid_value', '_parentsystemuserid_value'])).toMatchObject({ fullname: 'Noor North', _businessunitid_value: ids.unit, _parentsystemuserid_value: riley.systemuserid });
    expect(await read('teams', ids.team, ['name', '_businessunitid_value', '_administratorid_value'])).toMatchObject({ name: 'North Deals', _businessunitid_value: ids.unit, _administratorid_value: ids.user });
    const again = await pullAgain();
    expect(again.state.roles.get(ids.role)).toMatchObject({ name: 'North Seller', businessunitid: sales.businessunitid, privileges: { prvReadAccount: 'Local', prvWriteAccount: 'Basic' } });
    expect([...again.state.systemuserroles.values()].some((a) => a.systemuserid === riley.systemuserid && a.roleid === ids.role)).toBe(true);
    expect(again.state.teammembership.has(`${ids.team}|${ids.user}`)).toBe(true);
    // Dataverse makes the unit's default team itself; the user is in it.
    const defaultTeam = [...again.state.teams.values()].find((t) => t.isdefault && t.businessunitid === ids.unit)!;
    expect(defaultTeam.name).toBe('Sales North');
  });

  it('deletes a team and a role, and the environment then answers 404 for them', async () => {
    const { c, p, ctx } = await pulled();
    const s = p.state;
    const escalations = teamNamed(s, 'Escalations');
    const scheduler = roleNamed(s, 'Scheduler');
    const holders: Command[] = [...s.systemuserroles.values()].filter((a) => a.roleid === scheduler.roleid).map((a) => ({ type: 'removeRole', systemuserid: a.systemuserid, roleid: a.roleid }));
    holders.push(...[...s.teamroles.values()].filter((a) => a.roleid === scheduler.roleid).map((a): Command => ({ type: 'removeRole', teamid: a.teamid, roleid: a.roleid })));
    const plan = await planPush([...holders, { type: 'deleteTeam', teamid: escalations.teamid }, { type: 'deleteRole', roleid: scheduler.roleid }], ctx);
    expect(lines(plan).slice(-2)).toEqual([`DELETE teams(${escalations.teamid})`, `DELETE roles(${scheduler.roleid})`]);
    await sendPush(c, plan);
    expect(await read('teams', escalations.teamid, ['name'])).toBeNull();
    expect(await read('roles', scheduler.roleid, ['name'])).toBeNull();
  });

  it('moves a user to another business unit through SetBusinessSystemUser, and Dataverse drops the roles the vault drops', async () => {
    const { c, p, ctx } = await pulled();
    const s = p.state;
    const sam = userNamed(s, 'Sam Seattle');
    const boston = unitNamed(s, 'Boston');
    const command: Command = { type: 'moveUser', systemuserid: sam.systemuserid, businessunitid: boston.businessunitid };
    const plan = await planPush([command], ctx);
    expect(plan.map((r) => ({ line: `${r.method} ${r.path}`, body: r.body }))).toEqual([
      { line: `POST systemusers(${sam.systemuserid})/Microsoft.Dynamics.CRM.SetBusinessSystemUser`, body: { BusinessUnit: { '@odata.type': 'Microsoft.Dynamics.CRM.businessunit', businessunitid: boston.businessunitid }, ReassignPrincipal: { '@odata.type': 'Microsoft.Dynamics.CRM.systemuser', systemuserid: sam.systemuserid } } },
    ]);
    await sendPush(c, plan);
    expect((await read('systemusers', sam.systemuserid, ['_businessunitid_value']))!._businessunitid_value).toBe(boston.businessunitid);
    const expected = applyAll(s, [command]);
    if (!expected.ok) throw new Error(expected.error.message);
    const again = await pullAgain();
    expect([...again.state.systemuserroles.values()].filter((a) => a.systemuserid === sam.systemuserid)).toEqual([...expected.state.systemuserroles.values()].filter((a) => a.systemuserid === sam.systemuserid));
    const bostonTeam = [...again.state.teams.values()].find((t) => t.isdefault && t.businessunitid === boston.businessunitid)!;
    expect(bostonTeam).toBeDefined();
  });

  it("sets a team's administrator, moves a business unit under another and disables a unit and a user, each read back as sent", async () => {
    const { c, p, ctx } = await pulled();
    const s = p.state;
    const portland = unitNamed(s, 'Portland');
    const east = unitNamed(s, 'Sales East');
    const jamie = userNamed(s, 'Jamie Rose');
    const escalations = teamNamed(s, 'Escalations');
    const chat = unitNamed(s, 'Chat Desk');
    const commands: Command[] = [
      { type: 'updateTeam', teamid: escalations.teamid, administratorid: jamie.systemuserid },
      { type: 'moveBusinessUnit', businessunitid: portland.businessunitid, parentbusinessunitid: east.businessunitid },
      { type: 'setUserDisabled', systemuserid: jamie.systemuserid, isdisabled: true },
      { type: 'setBusinessUnitDisabled', businessunitid: chat.businessunitid, isdisabled: true },
      { type: 'updateBusinessUnit', businessunitid: chat.businessunitid, name: 'Chat Desk (closed)' },
    ];
    const plan = await planPush(commands, ctx);
    expect(plan.map((r) => r.body)).toEqual([
      { 'administratorid@odata.bind': `/systemusers(${jamie.systemuserid})` },
      { 'parentbusinessunitid@odata.bind': `/businessunits(${east.businessunitid})` },
      { isdisabled: true },
      { isdisabled: true },
      { name: 'Chat Desk (closed)' },
    ]);
    // The unit's first change carries the pulled version; its second follows it without one.
    expect(plan.map((r) => r.ifMatch !== undefined)).toEqual([true, true, true, true, false]);
    await sendPush(c, plan);
    expect((await read('teams', escalations.teamid, ['_administratorid_value']))!._administratorid_value).toBe(jamie.systemuserid);
    expect((await read('businessunits', portland.businessunitid, ['_parentbusinessunitid_value']))!._parentbusinessunitid_value).toBe(east.businessunitid);
    expect((await read('systemusers', jamie.systemuserid, ['isdisabled']))!.isdisabled).toBe(true);
    expect(await read('businessunits', chat.businessunitid, ['isdisabled', 'name'])).toMatchObject({ isdisabled: true, name: 'Chat Desk (closed)' });
    const expected = applyAll(s, commands);
    if (!expected.ok) throw new Error(expected.error.message);
    const again = await pullAgain();
    // Roles inherited from Sales West no longer reach Portland: Dataverse and the vault drop the same assignments.
    const inPortland = (st: typeof s) => [...st.systemuserroles.values()].filter((a) => st.systemusers.get(a.systemuserid)?.businessunitid === portland.businessunitid).length;
    expect(inPortland(again.state)).toBe(inPortland(expected.state));
  });

  it("replaces a role's whole privilege set with ReplacePrivilegesRole", async () => {
    const { c, p, ctx } = await pulled();
    const sales = roleNamed(p.state, 'Salesperson');
    const plan = await planPush([{ type: 'replaceRolePrivileges', roleid: sales.roleid, privileges: { prvReadAccount: 'Global', prvReadContact: 'Deep' } }], ctx);
    expect(lines(plan)).toEqual([`POST roles(${sales.roleid})/Microsoft.Dynamics.CRM.ReplacePrivilegesRole`]);
    await sendPush(c, plan);
    expect((await pullAgain()).state.roles.get(sales.roleid)!.privileges).toEqual({ prvReadAccount: 'Global', prvReadContact: 'Deep' });
  });

  it("creates a field security profile, writes, changes and removes its field permissions, and adds and removes a user and a team", async () => {
    const { c, p, ctx } = await pulled();
    const s = p.state;
    const twilio = [...s.fieldsecurityprofiles.values()].find((f) => f.name === 'WhatsApp4Dynamics Twilio credentials')!;
    const kendall = userNamed(s, 'Kendall Events');
    const escalations = teamNamed(s, 'Escalations');
    const commands: Command[] = [
      { type: 'createFieldSecurityProfile', fieldsecurityprofileid: ids.profile, name: 'Payroll', description: 'Salary columns' },
      { type: 'setFieldPermission', fieldsecurityprofileid: ids.profile, entityname: 'contact', attributelogicalname: 'new_salary', canread: 4, cancreate: 0, canupdate: 0 },
      { type: 'setFieldPermission', fieldsecurityprofileid: twilio.fieldsecurityprofileid, entityname: 'ikl_whatsappconfiguration', attributelogicalname: 'ikl_twilioauthtoken', canread: 4, cancreate: 4, canupdate: 0 },
      { type: 'assignFieldSecurityProfile', fieldsecurityprofileid: ids.profile, systemuserid: kendall.systemuserid },
      { type: 'assignFieldSecurityProfile', fieldsecurityprofileid: ids.profile, teamid: escalations.teamid },
      { type: 'removeFieldPermission', fieldsecurityprofileid: ids.profile, entityname: 'contact', attributelogicalname: 'new_salary' },
      { type: 'setFieldPermission', fieldsecurityprofileid: ids.profile, entityname: 'contact', attributelogicalname: 'new_bonus', canread: 4, cancreate: 4, canupdate: 4 },
      { type: 'removeFieldSecurityProfile', fieldsecurityprofileid: ids.profile, teamid: escalations.teamid },
    ];
    const plan = await planPush(commands, ctx);
    expect(lines(plan).map((l) => l.replace(/\([0-9a-f-]{36}\)/g, '(ID)'))).toEqual([
      'POST fieldsecurityprofiles',
      'POST fieldpermissions',
      'PATCH fieldpermissions(ID)',
      'POST fieldsecurityprofiles(ID)/systemuserprofiles_association/$ref',
      'POST fieldsecurityprofiles(ID)/teamprofiles_association/$ref',
      'DELETE fieldpermissions(ID)',
      'POST fieldpermissions',
      'DELETE fieldsecurityprofiles(ID)/teamprofiles_association(ID)/$ref',
    ]);
    await sendPush(c, plan);
    const expected = applyAll(s, commands);
    if (!expected.ok) throw new Error(expected.error.message);
    const again = await pullAgain();
    const sorted = (st: typeof s, id: string) => [...st.fieldsecurityprofiles.get(id)!.fieldpermissions].sort((a, b) => a.attributelogicalname.localeCompare(b.attributelogicalname));
    expect(sorted(again.state, ids.profile)).toEqual(sorted(expected.state, ids.profile));
    expect(sorted(again.state, twilio.fieldsecurityprofileid)).toEqual(sorted(expected.state, twilio.fieldsecurityprofileid));
    expect([...again.state.systemuserprofiles.values()].filter((a) => a.fieldsecurityprofileid === ids.profile).map((a) => a.systemuserid)).toEqual([kendall.systemuserid]);
    expect([...again.state.teamprofiles.values()].filter((a) => a.fieldsecurityprofileid === ids.profile)).toEqual([]);
  });

  it("changes a field permission under the id and version the pull kept, without reading the profile's permissions first", async () => {
    const { c, p, ctx } = await pulled();
    const twilio = [...p.state.fieldsecurityprofiles.values()].find((f) => f.name === 'WhatsApp4Dynamics Twilio credentials')!;
    const row = [...double!.env.data.fieldpermissions.values()].find((f) => f.attributelogicalname === 'ikl_twilioauthtoken')!;
    const before = double!.env.log.length;
    const plan = await planPush([{ type: 'setFieldPermission', fieldsecurityprofileid: twilio.fieldsecurityprofileid, entityname: 'ikl_whatsappconfiguration', attributelogicalname: 'ikl_twilioauthtoken', canread: 4, cancreate: 0, canupdate: 0 }], ctx);
    expect(double!.env.log.slice(before)).toEqual([]);
    expect(plan.map((r) => ({ method: r.method, path: r.path, ifMatch: r.ifMatch?.etag }))).toEqual([{ method: 'PATCH', path: `fieldpermissions(${String(row.fieldpermissionid)})`, ifMatch: `W/"${String(row.versionnumber)}"` }]);
    await sendPush(c, plan);
    const again = await pullAgain();
    expect(again.state.fieldsecurityprofiles.get(twilio.fieldsecurityprofileid)!.fieldpermissions).toEqual([{ entityname: 'ikl_whatsappconfiguration', attributelogicalname: 'ikl_twilioauthtoken', canread: 4, cancreate: 0, canupdate: 0 }]);
  });

  it('shows a conflict per field when someone changed the field permission in the environment since the pull, and changes nothing', async () => {
    const { c, p, ctx } = await pulled();
    const twilio = [...p.state.fieldsecurityprofiles.values()].find((f) => f.name === 'WhatsApp4Dynamics Twilio credentials')!;
    const row = [...double!.env.data.fieldpermissions.values()].find((f) => f.attributelogicalname === 'ikl_twilioauthtoken')!;
    // After the pull, another admin takes create and update away in the environment.
    double!.env.handle({ method: 'PATCH', path: `fieldpermissions(${String(row.fieldpermissionid)})`, headers: {}, body: JSON.stringify({ cancreate: 0, canupdate: 0 }) });
    const plan = await planPush([{ type: 'setFieldPermission', fieldsecurityprofileid: twilio.fieldsecurityprofileid, entityname: 'ikl_whatsappconfiguration', attributelogicalname: 'ikl_twilioauthtoken', canread: 0, cancreate: 4, canupdate: 4 }], ctx);
    const err = (await sendPush(c, plan).catch((e: Error) => e)) as PushConflict;
    expect(err).toBeInstanceOf(PushConflict);
    const what = 'field permission ikl_whatsappconfiguration.ikl_twilioauthtoken of profile WhatsApp4Dynamics Twilio credentials';
    expect(err.fields).toEqual([
      { command: 0, what, field: 'cancreate', environment: 0, vault: 4 },
      { command: 0, what, field: 'canupdate', environment: 0, vault: 4 },
    ]);
    expect(err.message).toContain(`the cancreate of ${what} is 0 in the environment but 4 in the vault`);
    expect(double!.env.data.fieldpermissions.get(String(row.fieldpermissionid))).toMatchObject({ canread: 4, cancreate: 0, canupdate: 0 });
  });

  it('holds a field permission to the vault\'s values when the pull kept no version of it, and refuses before sending when it moved', async () => {
    const { c, p } = await pulled();
    const twilio = [...p.state.fieldsecurityprofiles.values()].find((f) => f.name === 'WhatsApp4Dynamics Twilio credentials')!;
    const row = [...double!.env.data.fieldpermissions.values()].find((f) => f.attributelogicalname === 'ikl_twilioauthtoken')!;
    // A vault pulled before field permission versions were kept.
    const { fieldpermissions: _none, ...older } = p.etags;
    const ctx = pushContext(c, p.state, { privileges: p.privilegeIds, etags: older });
    const command: Command = { type: 'setFieldPermission', fieldsecurityprofileid: twilio.fieldsecurityprofileid, entityname: 'ikl_whatsappconfiguration', attributelogicalname: 'ikl_twilioauthtoken', canread: 4, cancreate: 4, canupdate: 0 };
    const plan = await planPush([command], ctx);
    expect(plan[0]).toMatchObject({ method: 'PATCH', path: `fieldpermissions(${String(row.fieldpermissionid)})`, ifMatch: { etag: `W/"${String(row.versionnumber)}"` } });
    double!.env.handle({ method: 'PATCH', path: `fieldpermissions(${String(row.fieldpermissionid)})`, headers: {}, body: JSON.stringify({ canread: 0 }) });
    const writesBefore = writes();
    const err = (await planPush([command], pushContext(c, p.state, { privileges: p.privilegeIds, etags: older })).catch((e: Error) => e)) as PushConflict;
    expect(err).toBeInstanceOf(PushConflict);
    expect(err.fields).toEqual([{ command: 0, what: 'field permission ikl_whatsappconfiguration.ikl_twilioauthtoken of profile WhatsApp4Dynamics Twilio credentials', field: 'canread', environment: 0, vault: 4 }]);
    expect(err.message).toMatch(/nothing was sent$/);
    expect(writes()).toBe(writesBefore);
  });

  it('sends again only what the environment does not hold after an answer was lost, for creates, moves and privilege sets alike', async () => {
    const { c, p, ctx } = await pulled();
    const s = p.state;
    const sam = userNamed(s, 'Sam Seattle');
    const sales = roleNamed(s, 'Salesperson');
    const commands: Command[] = [
      { type: 'createTeam', teamid: ids.team, name: 'North Deals', teamtype: 1, businessunitid: unitNamed(s, 'Sales').businessunitid },
      { type: 'moveUser', systemuserid: sam.systemuserid, businessunitid: unitNamed(s, 'Boston').businessunitid },
      { type: 'replaceRolePrivileges', roleid: sales.roleid, privileges: { prvReadAccount: 'Global' } },
      { type: 'createFieldSecurityProfile', fieldsecurityprofileid: ids.profile, name: 'Payroll' },
      { type: 'setFieldPermission', fieldsecurityprofileid: ids.profile, entityname: 'contact', attributelogicalname: 'new_salary', canread: 4, cancreate: 0, canupdate: 0 },
      { type: 'assignFieldSecurityProfile', fieldsecurityprofileid: ids.profile, systemuserid: sam.systemuserid },
      { type: 'updateTeam', teamid: teamNamed(s, 'Escalations').teamid, name: 'Escalations (EMEA)' },
    ];
    const plan = await planPush(commands, ctx);
    double!.faults.loseBatchReplies = 1;
    const before = writes();
    const report = await sendPush(c, plan);
    expect(report).toMatchObject({ retried: 1, alreadyInEffect: plan.length, sent: 0 });
    // Each request of the batch was carried out once: nothing was sent a second time.
    expect(writes() - before).toBe(plan.length);
    expect(await inEffect(c, plan)).toEqual(plan.map(() => true));
  });

  it("shows Dataverse's message for a refused delete and creates nothing else of its change set", async () => {
    const { c, p, ctx } = await pulled();
    const s = p.state;
    const escalations = teamNamed(s, 'Escalations');
    const plan = await planPush([{ type: 'createTeam', teamid: ids.team, name: 'North Deals', teamtype: 0, businessunitid: unitNamed(s, 'Sales').businessunitid }, { type: 'deleteTeam', teamid: escalations.teamid }], ctx);
    double!.env.handle({ method: 'DELETE', path: `teams(${escalations.teamid})`, headers: {}, body: '' }); // someone deleted it meanwhile
    const err = (await sendPush(c, plan).catch((e: Error) => e)) as Error;
    expect(err.message).toMatch(/team With Id = .* Does Not Exist; change set 1 of 1 \(commands 1–2\) applied nothing/);
    expect(await read('teams', ids.team, ['name'])).toBeNull();
  });

  it('tells which created rows and changed columns the environment holds the same way whether it reads them one by one or the whole table', async () => {
    const { c, p, ctx } = await pulled();
    const s = p.state;
    const users = [...s.systemusers.values()].slice(0, 12);
    const commands: Command[] = [
      ...users.map((u, i): Command => ({ type: 'updateUser', systemuserid: u.systemuserid, internalemailaddress: `changed.${i}@contoso.example` })),
      ...Array.from({ length: 6 }, (_, i): Command => ({ type: 'createTeam', teamid: `6f1d7c9e-0000-4000-8000-1000000000${String(i).padStart(2, '0')}`, name: `New team ${i}`, teamtype: 1, businessunitid: unitNamed(s, 'Sales').businessunitid })),
    ];
    const plan = await planPush(commands, ctx);
    await sendPush(c, plan.filter((_, i) => i % 2 === 0));
    const expected = plan.map((_, i) => i % 2 === 0);
    expect(await inEffect(c, plan)).toEqual(expected);
    const before = c.requests;
    expect(await inEffect(c, plan, 3)).toEqual(expected);
    expect(c.requests - before).toBe(2); // one page of systemusers, one of teams
  });

  it('refuses a change of a user or a role the vault does not hold, naming the command, before sending anything', async () => {
    const { ctx } = await pulled();
    const before = writes();
    await expect(planPush([{ type: 'setUserDisabled', systemuserid: '6f1d7c9e-0000-4000-8000-00000000dead', isdisabled: true }], ctx)).rejects.toThrow('command 1 (setUserDisabled): user 6f1d7c9e-0000-4000-8000-00000000dead is not in the organization; nothing was sent');
    await expect(planPush([{ type: 'replaceRolePrivileges', roleid: 'no-such-role', privileges: {} }], ctx)).rejects.toThrow('command 1 (replaceRolePrivileges): role no-such-role is not in the organization; nothing was sent');
    expect(writes()).toBe(before);
  });
});

describe('pushing rows Dataverse names itself: role copies and default teams', () => {
  it('a role created and assigned to a user in a child unit in one push is held by the environment', async () => {
    const { c, p, ctx } = await pulled();
    const s = p.state;
    const sales = unitNamed(s, 'Sales');
    const jordan = userNamed(s, 'Jordan West');
    const commands: Command[] = [
      { type: 'createRole', roleid: ids.role, name: 'North Seller', businessunitid: sales.businessunitid, privileges: { prvReadAccount: 'Local' } },
      { type: 'assignRole', systemuserid: jordan.systemuserid, roleid: ids.role },
    ];
    const plan = await planPush(commands, ctx);
    // The dry run lists the assignment with the copy in words: Dataverse names it when it creates the role.
    expect(plan.map((r) => ({ line: `${r.method} ${r.path}`, body: r.body, phase: r.phase }))).toEqual([
      { line: 'POST roles', body: expect.objectContaining({ roleid: ids.role }), phase: 0 },
      { line: `POST roles(${ids.role})/Microsoft.Dynamics.CRM.ReplacePrivilegesRole`, body: expect.anything(), phase: 0 },
      { line: `POST systemusers(${jordan.systemuserid})/systemuserroles_association/$ref`, body: { '@odata.id': `roles({the copy of role ${ids.role} in business unit ${jordan.businessunitid}})` }, phase: 1 },
    ]);
    expect(writes()).toBe(0);

    expect(await sendPush(c, plan)).toMatchObject({ sent: 3, batches: 2 });
    const copy = double!.env.roleCopyId(ids.role, jordan.businessunitid)!;
    expect(copy).not.toBe(ids.role);
    // The copy was read after the change set creating the role, before the one assigning it.
    const log = double!.env.log.map((l) => `${l.method} ${l.path}`);
    const read = log.findIndex((l) => l.startsWith('GET roles?') && decodeURIComponent(l).includes(`_parentrootroleid_value eq ${ids.role}`));
    expect(read).toBeGreaterThan(log.indexOf('POST roles'));
    expect(log.indexOf(`POST systemusers(${jordan.systemuserid})/systemuserroles_association/$ref`)).toBeGreaterThan(read);
    const held = await c.all<{ roleid: string }>('systemuserrolescollection', ['systemuserid', 'roleid'], { filter: `systemuserid eq ${jordan.systemuserid}` });
    expect(held.map((r) => r.roleid)).toContain(copy);
    const again = await pullAgain();
    expect([...again.state.systemuserroles.values()].some((a) => a.systemuserid === jordan.systemuserid && a.roleid === ids.role)).toBe(true);
  });

  it('a unit created and given a user with a role in one push', async () => {
    const { c, p, ctx } = await pulled();
    const s = p.state;
    const sales = unitNamed(s, 'Sales');
    const salesperson = roleNamed(s, 'Salesperson');
    const commands: Command[] = [
      { type: 'createBusinessUnit', businessunitid: ids.unit, defaultteamid: ids.defaultTeam, name: 'Sales North', parentbusinessunitid: sales.businessunitid },
      { type: 'createUser', systemuserid: ids.user, fullname: 'Noor North', domainname: 'noor@contoso.example', businessunitid: ids.unit },
      { type: 'assignRole', systemuserid: ids.user, roleid: salesperson.roleid },
      { type: 'assignRole', teamid: ids.defaultTeam, roleid: roleNamed(s, 'Basic User').roleid },
      { type: 'updateTeam', teamid: ids.defaultTeam, administratorid: ids.user },
    ];
    const plan = await planPush(commands, ctx);
    expect(lines(plan)).toEqual([
      'POST businessunits',
      'POST systemusers',
      `POST systemusers(${ids.user})/systemuserroles_association/$ref`,
      `POST teams({the default team of business unit ${ids.unit}})/teamroles_association/$ref`,
      `PATCH teams({the default team of business unit ${ids.unit}})`,
    ]);
    expect(plan.map((r) => r.phase)).toEqual([0, 0, 1, 1, 1]);
    expect(await sendPush(c, plan)).toMatchObject({ sent: 5, batches: 2 });

    const again = await pullAgain();
    const unitTeam = [...again.state.teams.values()].find((t) => t.isdefault && t.businessunitid === ids.unit)!;
    expect(unitTeam.teamid).not.toBe(ids.defaultTeam);
    expect([...again.state.systemuserroles.values()].filter((a) => a.systemuserid === ids.user).map((a) => again.state.roles.get(a.roleid)!.name)).toEqual(['Salesperson']);
    expect([...again.state.teamroles.values()].filter((a) => a.teamid === unitTeam.teamid).map((a) => again.state.roles.get(a.roleid)!.name)).toEqual(['Basic User']);
    expect(unitTeam.administratorid).toBe(ids.user);
  });

  it('a push cut after the creating change set and run again sends only what remains', async () => {
    const { p, ctx } = await pulled();
    const s = p.state;
    const commands: Command[] = [
      { type: 'createBusinessUnit', businessunitid: ids.unit, defaultteamid: ids.defaultTeam, name: 'Sales North', parentbusinessunitid: unitNamed(s, 'Sales').businessunitid },
      { type: 'createUser', systemuserid: ids.user, fullname: 'Noor North', domainname: 'noor@contoso.example', businessunitid: ids.unit },
      { type: 'assignRole', systemuserid: ids.user, roleid: roleNamed(s, 'Salesperson').roleid },
      { type: 'assignRole', teamid: ids.defaultTeam, roleid: roleNamed(s, 'Basic User').roleid },
    ];
    const plan = await planPush(commands, ctx);
    const c = new Connection({ url: double!.url, token: async () => 'token' });
    // The network goes away once the first change set is taken: the copies are never read.
    double!.faults.cutAfter = 1;
    const err = (await sendPush(c, plan).catch((e: Error) => e)) as Error;
    expect(err.message).toMatch(/^reading the rows Dataverse named for change set 2 of 2 \(commands 3–4\) failed: .*; change set 2 of 2 \(commands 3–4\) applied nothing, the 1 before it were applied; pushing again sends only what the environment does not hold yet$/);
    expect(double!.env.log.filter((l) => l.method !== 'GET').map((l) => `${l.method} ${l.path}`)).toEqual(['POST businessunits', 'POST systemusers']);
    double!.faults.cutAfter = null;

    const again = new Connection({ url: double!.url, token: async () => 'token' });
    const held = await inEffect(again, plan);
    expect(held).toEqual([true, true, false, false]);
    const before = writes();
    expect(await sendPush(again, plan.filter((_, i) => !held[i]))).toMatchObject({ sent: 2, batches: 1 });
    // Two associations, each sent once; the unit and the user were not sent again.
    expect(double!.env.log.filter((l) => l.method !== 'GET').slice(before).map((l) => `${l.method} ${l.path.replace(/\(.*?\)/g, '()')} ${l.status}`)).toEqual(['POST systemusers()/systemuserroles_association/$ref 204', 'POST teams()/teamroles_association/$ref 204']);
    expect(await inEffect(again, plan)).toEqual([true, true, true, true]);
  });

  it('sends an assignment of an existing role in an existing unit in the first change set, the copy read when planning', async () => {
    const { p, ctx } = await pulled();
    const s = p.state;
    const jordan = userNamed(s, 'Jordan West');
    const plan = await planPush([{ type: 'createRole', roleid: ids.role, name: 'North Seller', businessunitid: unitNamed(s, 'Sales').businessunitid }, { type: 'assignRole', systemuserid: jordan.systemuserid, roleid: roleNamed(s, 'Salesperson').roleid }], ctx);
    expect(plan.map((r) => r.phase)).toEqual([0, 0]);
    expect(plan[1].body).toEqual({ '@odata.id': `roles(${double!.env.roleCopyId(roleNamed(s, 'Salesperson').roleid, jordan.businessunitid)})` });
  });
});
