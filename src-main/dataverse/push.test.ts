import { afterEach, describe, expect, it } from 'vitest';
import { applyAll } from '../core/commands/apply';
import type { Command } from '../core/commands/schema';
import { demoOrganization } from '../core/generate/demo';
import { startDataverseDouble, type RunningDouble } from '../../test/dataverse/double/app';
import { Connection } from './connection';
import { pullEnvironment } from './pull';
import { inEffect, planPush, roleCopyReader, rowReader, sendPush } from './push';

let double: RunningDouble | null = null;
afterEach(async () => {
  await double?.close();
  double = null;
});

async function pulled() {
  double = await startDataverseDouble(demoOrganization());
  const c = new Connection({ url: double.url, token: async () => 'token' });
  const p = await pullEnvironment(c);
  return { c, p, ctx: { state: p.state, privileges: p.privilegeIds, roleCopy: roleCopyReader(c), row: rowReader(c) } };
}

const roleNamed = (s: ReturnType<typeof demoOrganization>, name: string) => [...s.roles.values()].find((r) => r.name === name)!;
const userNamed = (s: ReturnType<typeof demoOrganization>, name: string) => [...s.systemusers.values()].find((u) => u.fullname === name)!;
const teamNamed = (s: ReturnType<typeof demoOrganization>, name: string) => [...s.teams.values()].find((t) => t.name === name)!;

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

  it('refuses a command it cannot push yet by name, before sending anything', async () => {
    const { ctx } = await pulled();
    await expect(planPush([{ type: 'createBusinessUnit', name: 'New', parentbusinessunitid: [...ctx.state.businessunits.keys()][0] }], ctx)).rejects.toThrow('command 1 (createBusinessUnit) cannot be pushed to Dataverse yet; nothing was sent');
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

  it('shows a conflict naming the field when someone renamed the team in the environment while the push ran', async () => {
    const { c, p, ctx } = await pulled();
    const escalations = teamNamed(p.state, 'Escalations');
    const plan = await planPush([{ type: 'updateTeam', teamid: escalations.teamid, name: 'Escalations (EMEA)' }], ctx);
    // Between the push reading the team and sending its change, another admin renames it.
    double!.env.handle({ method: 'PATCH', path: `teams(${escalations.teamid})`, headers: {}, body: JSON.stringify({ name: 'Escalations (Americas)' }) });
    const err = (await sendPush(c, plan).catch((e: Error) => e)) as Error;
    expect(err.message).toBe(`conflict: team Escalations was changed in the environment while the push ran (name now "Escalations (Americas)"); command 1 would set name; change set 1 of 1 (commands 1–1) applied nothing, and no change set before it`);
    expect(double!.env.data.teams.get(escalations.teamid)!.name).toBe('Escalations (Americas)');
  });

  it('refuses a change of a field it cannot push yet by name', async () => {
    const { p, ctx } = await pulled();
    const kendall = userNamed(p.state, 'Kendall Events');
    await expect(planPush([{ type: 'updateUser', systemuserid: kendall.systemuserid, fullname: 'Kendall Eventide' }], ctx)).rejects.toThrow('command 1 (updateUser): fullname cannot be pushed to Dataverse yet (only domainname, internalemailaddress); nothing was sent');
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
