/**
 * The Dataverse screen's channels over the real dispatch, vault workspace and Dataverse double on
 * loopback: settings, a pull with progress, the push's review (requests and access diff), the push
 * itself, and what the admin is told when the environment refuses or changed since the pull.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApi, type RoleAtlasApi } from '../bridge/contract';
import { demoOrganization } from '../core/generate/demo';
import { createDispatch } from '../ipc/dispatch';
import { handlersFor, vaultServices } from '../ipc/register';
import { startDataverseDouble, type RunningDouble } from '../../test/dataverse/double/app';
import { standInSignIn } from '../../test/dataverse/double/standInSignIn';
import { ScriptedDesktop } from './desktop';
import { OrgSession } from './orgSession';
import { Workspace } from './workspace';
import { namedIn } from '../../test/fixtures/named';

const TOKEN = 'a token the double accepts';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** The app over a new vault; `restart` the app again over the same vault and environment, as after a restart. */
async function open(o: { signedIn?: boolean; restart?: { dir: string; double: RunningDouble } } = {}): Promise<{ api: RoleAtlasApi; double: RunningDouble; session: OrgSession; workspace: Workspace; dir: string }> {
  const double = o.restart?.double ?? (await startDataverseDouble(demoOrganization(), { verifyToken: (t) => t === TOKEN }));
  if (!o.restart) cleanups.push(() => double.close());
  const dir = o.restart?.dir ?? mkdtempSync(join(tmpdir(), 'roleatlas-dataverse-session-'));
  const session = new OrgSession(demoOrganization());
  const workspace = new Workspace({ dir: join(dir, 'vault'), actor: 'ada', session, kdf: { N: 1024, r: 8, p: 1 } });
  cleanups.push(() => {
    workspace.lock();
    if (!o.restart) rmSync(dir, { recursive: true, force: true });
  });
  if (o.restart) expect((await workspace.unlock({ passphrase: 'a long vault passphrase' })).ok).toBe(true);
  else expect((await workspace.create('a long vault passphrase', { kind: 'empty', name: 'Nothing yet' })).ok).toBe(true);
  // Signed in: a stand-in giving a token the double accepts; not signed in: the app's own sign-in, with nobody signed in.
  const services = vaultServices(session, workspace, new ScriptedDesktop());
  const dispatch = createDispatch(handlersFor(o.signedIn === false ? services : { ...services, dataverse: standInSignIn(double.url, TOKEN) }), (channel, error) => {
    throw new Error(`${channel} threw`, { cause: error });
  });
  const api = buildApi(async (channel, request) => structuredClone(await dispatch(channel, structuredClone(request))));
  return { api, double, session, workspace, dir };
}

const value = async <T>(p: Promise<{ ok: true; value: T } | { ok: false; error: { message: string } }>): Promise<T> => {
  const r = await p;
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

async function pulled(api: RoleAtlasApi, env: string) {
  await value(api['dataverse:setSettings']({ env }));
  let job = await value(api['dataverse:pull']({}));
  const seen: string[] = [];
  while (job.state === 'running') {
    if (job.table) seen.push(job.table);
    await new Promise((r) => setTimeout(r, 5));
    job = await value(api['dataverse:pullProgress']({ jobid: job.jobid }));
  }
  return { job, seen };
}

const roleNamed = (session: OrgSession, name: string) => namedIn(session.current).role(name);
const userNamed = (session: OrgSession, name: string) => namedIn(session.current).user(name);
const teamNamed = (session: OrgSession, name: string) => namedIn(session.current).team(name);
const writes = (double: RunningDouble) => double.env.log.filter((l) => l.method !== 'GET');

describe('the Dataverse screen in main', () => {
  it('keeps the environment URL and client id in the vault, as the environment root', async () => {
    const { api } = await open();
    expect(await value(api['dataverse:settings']({}))).toEqual({ env: null, clientid: null, authority: null });
    expect(await value(api['dataverse:setSettings']({ env: 'https://contoso.crm4.dynamics.com/', clientid: '51F81489-12EE-4A9E-AAAE-A2591F45987D' }))).toEqual({ env: 'https://contoso.crm4.dynamics.com', clientid: '51f81489-12ee-4a9e-aaae-a2591f45987d', authority: null });
    // The sign-in kept is for another environment: nobody is signed in to this one.
    expect(await value(api['dataverse:status']({}))).toMatchObject({ available: true, settings: { env: 'https://contoso.crm4.dynamics.com' }, link: null, account: null });
  });

  it('refuses an environment URL that is not one, or a client id that is not a GUID, naming the field and keeping the settings', async () => {
    const { api } = await open();
    await value(api['dataverse:setSettings']({ env: 'https://contoso.crm.dynamics.com' }));
    const http = await api['dataverse:setSettings']({ env: 'http://contoso.crm.dynamics.com' });
    expect(http).toMatchObject({ ok: false, error: { code: 'invalid-request', path: 'env', message: expect.stringMatching(/must start with https:\/\//) } });
    const path = await api['dataverse:setSettings']({ env: 'https://contoso.crm.dynamics.com/main.aspx' });
    expect(path).toMatchObject({ ok: false, error: { path: 'env', message: expect.stringMatching(/without a path .*try https:\/\/contoso\.crm\.dynamics\.com/) } });
    const client = await api['dataverse:setSettings']({ env: 'https://contoso.crm.dynamics.com', clientid: 'my app' });
    expect(client).toMatchObject({ ok: false, error: { path: 'clientid', message: expect.stringMatching(/application \(client\) id, a GUID/) } });
    const authority = await api['dataverse:setSettings']({ env: 'https://contoso.crm.dynamics.com', authority: 'http://login.example.com/tenant' });
    expect(authority).toMatchObject({ ok: false, error: { path: 'authority', message: expect.stringMatching(/sign-in authority’s https:\/\/ URL/) } });
    const extra = await api['dataverse:setSettings']({ env: 'https://contoso.crm.dynamics.com', token: 'x' } as never);
    expect(extra).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect(await value(api['dataverse:settings']({}))).toEqual({ env: 'https://contoso.crm.dynamics.com', clientid: null, authority: null });
    expect(await api['dataverse:pullProgress']({ jobid: '' })).toMatchObject({ ok: false, error: { path: 'jobid', message: expect.stringMatching(/must not be empty/) } });
    expect(await api['dataverse:pullProgress']({ jobid: 'no-such-job' })).toMatchObject({ ok: false, error: { code: 'unknown-job', path: 'jobid' } });
    expect(await api['dataverse:push']({} as never)).toMatchObject({ ok: false, error: { path: 'planid' } });
    expect(await api['dataverse:pull']({ discard: 'yes' } as never)).toMatchObject({ ok: false, error: { code: 'invalid-request', path: 'discard' } });
  });

  it('pulls the environment into the vault, telling the tables as it reads them, and the status says what it held', async () => {
    const { api, double, session } = await open();
    const before = session.history().revision;
    const { job, seen } = await pulled(api, double.url);
    expect(job).toMatchObject({ state: 'done', error: null, done: job.of, result: { businessunits: 13, systemusers: 40, summary: expect.stringMatching(/^Imported Dataverse environment http:\/\/127\.0\.0\.1:\d+: 13 business unit\(s\), 40 user\(s\)/) } });
    expect(job.of).toBeGreaterThan(10);
    expect(seen.length).toBeGreaterThan(0);
    // The screens reload: the session now shows the environment's organization.
    expect(session.history().revision).toBeGreaterThan(before);
    expect(session.current.systemusers.size).toBe(40);
    const status = await value(api['dataverse:status']({}));
    expect(status.link).toMatchObject({ env: double.url, counts: { systemusers: 40, businessunits: 13 } });
    expect(status.link!.privileges).toBeGreaterThan(1000);
    expect(status.account).toBe('ada@contoso.onmicrosoft.com');
    expect(status.job).toBeNull();
  });

  it('refuses to pull before the environment is set, and says why a pull failed without changing the vault', async () => {
    const { api, double, session } = await open({ signedIn: false });
    expect(await api['dataverse:pull']({})).toMatchObject({ ok: false, error: { code: 'no-environment', path: 'env' } });
    await value(api['dataverse:setSettings']({ env: double.url }));
    let job = await value(api['dataverse:pull']({}));
    while (job.state === 'running') job = await value(api['dataverse:pullProgress']({ jobid: job.jobid }));
    expect(job).toMatchObject({ state: 'failed', error: expect.stringMatching(/nobody is signed in to Dataverse; sign in to http:\/\/127\.0\.0\.1:\d+ first\. The vault is unchanged\./) });
    expect(session.current.systemusers.size).toBe(0);
  });

  it('lists every Web API request of the staged set in order with the access diff, and sends nothing', async () => {
    const { api, double, session } = await open();
    await pulled(api, double.url);
    const sales = roleNamed(session, 'Salesperson');
    const kendall = userNamed(session, 'Kendall Events');
    await value(api['staging:stage']({ commands: [
      { type: 'setRolePrivilege', roleid: sales.roleid, privilege: 'prvDeleteAccount', depth: 'Local' },
      { type: 'addTeamMember', teamid: teamNamed(session, 'Escalations').teamid, systemuserid: kendall.systemuserid },
    ] }));
    const plan = await value(api['dataverse:pushPlan']({}));
    expect(plan.requests.map((r) => `${r.change} ${r.method} ${r.path.replace(/\(.*?\)/g, '()')}`)).toEqual(['1 POST roles()/Microsoft.Dynamics.CRM.AddPrivilegesRole', '2 POST teams()/teammembership_association/$ref']);
    expect(plan.requests[0].body).toMatch(/^\{"Privileges":\[\{"Depth":"Local","PrivilegeId":"[0-9a-f-]+"/);
    expect(plan.requests[0].summary).toMatch(/Salesperson/);
    expect(plan).toMatchObject({ staged: 2, changeSets: 1, conflicts: [], planid: expect.any(String) });
    expect(plan.diff.groups.find((g) => g.entity === 'account' && g.right === 'Delete')?.gain).toBeGreaterThan(0);
    expect(writes(double)).toEqual([]);
  });

  it('sends the reviewed staged set, applies it to the vault and clears it, and the environment holds it', async () => {
    const { api, double, session } = await open();
    await pulled(api, double.url);
    const sales = roleNamed(session, 'Salesperson');
    await value(api['staging:stage']({ commands: [{ type: 'setRolePrivilege', roleid: sales.roleid, privilege: 'prvDeleteAccount', depth: 'Local' }] }));
    const plan = await value(api['dataverse:pushPlan']({}));
    const pushed = await value(api['dataverse:push']({ planid: plan.planid! }));
    expect(pushed).toMatchObject({ outcome: 'pushed', sent: 1, staged: 0, conflicts: [], changeSets: [{ index: 1, firstChange: 1, lastChange: 1, requests: 1, state: 'applied', message: null }] });
    expect(session.current.roles.get(sales.roleid)!.privileges.prvDeleteAccount).toBe('Local');
    expect(session.history().undoLabel).toMatch(/\(pushed to http:\/\/127\.0\.0\.1:\d+\)$/);
    const privilegeid = [...double.env.data.privileges.values()].find((p) => p.name === 'prvDeleteAccount')!.privilegeid;
    // PrivilegeDepth 1 is Local.
    expect(double.env.data.roles.get(sales.roleid)!.privileges.get(privilegeid)).toBe(1);
  });

  it("shows Dataverse's own message on the refused change set, and the vault keeps its staged set", async () => {
    const { api, double, session } = await open();
    await pulled(api, double.url);
    const kendall = userNamed(session, 'Kendall Events');
    await value(api['staging:stage']({ commands: [{ type: 'addTeamMember', teamid: teamNamed(session, 'Escalations').teamid, systemuserid: kendall.systemuserid }] }));
    const plan = await value(api['dataverse:pushPlan']({}));
    double.env.data.systemusers.delete(kendall.systemuserid); // deleted in the environment since the review
    const pushed = await value(api['dataverse:push']({ planid: plan.planid! }));
    expect(pushed).toMatchObject({ outcome: 'refused', sent: 0, staged: 1, changeSets: [{ index: 1, state: 'refused', message: expect.stringMatching(/systemuser With Id = [0-9a-f-]+ Does Not Exist; change set 1 of 1/) }] });
    expect(pushed.message).toMatch(/The vault is unchanged and keeps 1 staged change\(s\) to push/);
    expect(session.staged()).toHaveLength(1);
  });

  it('marks the change set waiting for a row Dataverse should have named as not sent when the environment holds none', async () => {
    const { api, double, session } = await open();
    await pulled(api, double.url);
    const kendall = userNamed(session, 'Kendall Events');
    const roleid = '6f1d3f2a-5b7c-4e8d-9a0b-1c2d3e4f5a6c';
    await value(api['staging:stage']({ commands: [{ type: 'createRole', roleid, name: 'Pilot reviewer' }, { type: 'assignRole', systemuserid: kendall.systemuserid, roleid }] }));
    const plan = await value(api['dataverse:pushPlan']({}));
    expect(plan.changeSets).toBe(2);
    // Kendall's unit gone from the environment since the review: the new role gets no copy there.
    double.env.data.businessunits.delete(kendall.businessunitid);
    const pushed = await value(api['dataverse:push']({ planid: plan.planid! }));
    expect(pushed).toMatchObject({ outcome: 'refused', staged: 2, changeSets: [{ index: 1, state: 'applied' }, { index: 2, state: 'not-sent', message: expect.stringMatching(/holds no \{the copy of role .* applied nothing/) }] });
    expect(session.staged()).toHaveLength(2);
  });

  it('shows each field the environment changed since the pull as a conflict when sending, and both sides keep their values', async () => {
    const { api, double, session } = await open();
    await pulled(api, double.url);
    const escalations = teamNamed(session, 'Escalations');
    await value(api['staging:stage']({ commands: [{ type: 'updateTeam', teamid: escalations.teamid, name: 'Escalations (EMEA)' }] }));
    double.env.handle({ method: 'PATCH', path: `teams(${escalations.teamid})`, headers: {}, body: JSON.stringify({ name: 'Escalations (Americas)' }) });
    // The review sends the PATCH with the version the pull read (If-Match): Dataverse is the one to say it moved.
    const plan = await value(api['dataverse:pushPlan']({}));
    expect(plan.requests).toMatchObject([{ method: 'PATCH', path: `teams(${escalations.teamid})`, ifMatch: expect.stringMatching(/^W\/"\d+"$/) }]);
    const pushed = await value(api['dataverse:push']({ planid: plan.planid! }));
    expect(pushed).toMatchObject({ outcome: 'conflict', staged: 1, sent: 0, changeSets: [{ index: 1, state: 'refused' }], conflicts: [{ what: 'team Escalations', field: 'name', environment: '"Escalations (Americas)"', vault: '"Escalations"' }] });
    expect(double.env.data.teams.get(escalations.teamid)!.name).toBe('Escalations (Americas)');
    expect(session.current.teams.get(escalations.teamid)!.name).toBe('Escalations');
    expect(session.staged()).toHaveLength(1);
  });

  it('shows the push conflict again after a restart, until a pull brings the vault in line', async () => {
    const { api, double, session, workspace, dir } = await open();
    await pulled(api, double.url);
    const escalations = teamNamed(session, 'Escalations');
    await value(api['staging:stage']({ commands: [{ type: 'updateTeam', teamid: escalations.teamid, name: 'Escalations (EMEA)' }] }));
    double.env.handle({ method: 'PATCH', path: `teams(${escalations.teamid})`, headers: {}, body: JSON.stringify({ name: 'Escalations (Americas)' }) });
    const plan = await value(api['dataverse:pushPlan']({}));
    expect(await value(api['dataverse:push']({ planid: plan.planid! }))).toMatchObject({ outcome: 'conflict' });
    workspace.lock();

    const again = await open({ restart: { dir, double } });
    const status = await value(again.api['dataverse:status']({}));
    expect(status.conflict).toMatchObject({ message: expect.stringMatching(/^conflict: the name of team Escalations is "Escalations \(Americas\)" in the environment but "Escalations" in the vault/), fields: [{ what: 'team Escalations', field: 'name', environment: '"Escalations (Americas)"', vault: '"Escalations"' }] });
    expect(Date.parse(status.conflict!.detectedat)).not.toBeNaN();
    await pulled(again.api, double.url);
    expect((await value(again.api['dataverse:status']({}))).conflict).toBeNull();
    expect(again.session.current.teams.get(escalations.teamid)!.name).toBe('Escalations (Americas)');
  });

  it('keeps the conflict found while reviewing a push too, and forgets it when the admin dismisses it', async () => {
    const { api, double, session, workspace } = await open();
    await pulled(api, double.url);
    // A vault pulled before versions were kept: the review reads the row, and finds it moved.
    const link = workspace.vaults.use().getSyncState().dataverse!;
    const { etags: _none, ...older } = link;
    expect(workspace.vaults.use().setSyncState({ dataverse: older }).ok).toBe(true);
    const escalations = teamNamed(session, 'Escalations');
    await value(api['staging:stage']({ commands: [{ type: 'updateTeam', teamid: escalations.teamid, name: 'Escalations (EMEA)' }] }));
    double.env.handle({ method: 'PATCH', path: `teams(${escalations.teamid})`, headers: {}, body: JSON.stringify({ name: 'Escalations (Americas)' }) });
    expect(await value(api['dataverse:pushPlan']({}))).toMatchObject({ planid: null, conflicts: [{ field: 'name' }] });
    expect((await value(api['dataverse:status']({}))).conflict).toMatchObject({ fields: [{ what: 'team Escalations', field: 'name' }] });
    expect((await value(api['dataverse:dismissConflict']({}))).conflict).toBeNull();
    expect((await value(api['dataverse:status']({}))).conflict).toBeNull();
    expect(await api['dataverse:dismissConflict']({})).toMatchObject({ ok: false, error: { code: 'no-conflict' } });
    expect(session.staged()).toHaveLength(1);
  });

  it('refuses to send a staged set that changed since it was reviewed', async () => {
    const { api, double, session } = await open();
    await pulled(api, double.url);
    const sales = roleNamed(session, 'Salesperson');
    await value(api['staging:stage']({ commands: [{ type: 'setRolePrivilege', roleid: sales.roleid, privilege: 'prvDeleteAccount', depth: 'Local' }] }));
    const plan = await value(api['dataverse:pushPlan']({}));
    await value(api['staging:stage']({ commands: [{ type: 'setRolePrivilege', roleid: sales.roleid, privilege: 'prvDeleteContact', depth: 'Global' }] }));
    expect(await api['dataverse:push']({ planid: plan.planid! })).toMatchObject({ ok: false, error: { code: 'plan-changed', path: 'planid', message: expect.stringMatching(/review the push again/) } });
    expect(writes(double)).toEqual([]);
  });
});

describe('changes applied to the vault since the pull', () => {
  const depthIn = (double: RunningDouble, roleid: string, privilege: string) => {
    const privilegeid = [...double.env.data.privileges.values()].find((p) => p.name === privilege)!.privilegeid;
    return double.env.data.roles.get(roleid)!.privileges.get(privilegeid);
  };
  async function pullFails(api: RoleAtlasApi, o: { discard?: boolean } = {}) {
    let job = await value(api['dataverse:pull'](o));
    while (job.state === 'running') {
      await new Promise((r) => setTimeout(r, 5));
      job = await value(api['dataverse:pullProgress']({ jobid: job.jobid }));
    }
    return job;
  }

  it('a role change applied with staging off is pushed and the environment then holds it', async () => {
    const { api, double, session } = await open();
    await pulled(api, double.url);
    const sales = roleNamed(session, 'Salesperson');
    await value(api['org:apply']({ command: { type: 'setRolePrivilege', roleid: sales.roleid, privilege: 'prvDeleteAccount', depth: 'Global' } }));
    expect(await value(api['dataverse:status']({}))).toMatchObject({ staged: 0, applied: 1, kept: 0, sincePull: null });

    const plan = await value(api['dataverse:pushPlan']({}));
    expect(plan).toMatchObject({ staged: 0, applied: [{ step: expect.stringMatching(/Salesperson/), summary: expect.stringMatching(/Salesperson/) }], kept: [], planid: expect.any(String) });
    expect(plan.requests.map((r) => `${r.part} ${r.change} ${r.method} ${r.path.replace(/\(.*?\)/g, '()')}`)).toEqual(['applied 1 POST roles()/Microsoft.Dynamics.CRM.AddPrivilegesRole']);
    expect(plan.diff.groups.find((g) => g.entity === 'account' && g.right === 'Delete')?.gain).toBeGreaterThan(0);
    expect(writes(double)).toEqual([]);

    const pushed = await value(api['dataverse:push']({ planid: plan.planid! }));
    expect(pushed).toMatchObject({ outcome: 'pushed', sent: 1, staged: 0, message: expect.stringMatching(/^Pushed 1 change\(s\) applied since the pull to /) });
    // PrivilegeDepth 3 is Global.
    expect(depthIn(double, sales.roleid, 'prvDeleteAccount')).toBe(3);
    expect(await value(api['dataverse:status']({}))).toMatchObject({ applied: 0 });
    // Nothing is left to push, and a pull now takes the environment's changes again.
    expect((await value(api['dataverse:pushPlan']({}))).requests).toEqual([]);
    expect((await pullFails(api)).state).toBe('done');
    expect(session.current.roles.get(sales.roleid)!.privileges.prvDeleteAccount).toBe('Global');
  });

  it('undoing a pushed change and pushing again restores the environment', async () => {
    const { api, double, session } = await open();
    await pulled(api, double.url);
    const sales = roleNamed(session, 'Salesperson');
    const before = depthIn(double, sales.roleid, 'prvDeleteAccount');
    await value(api['staging:stage']({ commands: [{ type: 'setRolePrivilege', roleid: sales.roleid, privilege: 'prvDeleteAccount', depth: 'Global' }] }));
    await value(api['dataverse:push']({ planid: (await value(api['dataverse:pushPlan']({}))).planid! }));
    expect(depthIn(double, sales.roleid, 'prvDeleteAccount')).toBe(3);

    await value(api['history:undo']({}));
    expect(await value(api['dataverse:status']({}))).toMatchObject({ staged: 0, applied: 1 });
    const plan = await value(api['dataverse:pushPlan']({}));
    expect(plan.applied).toEqual([{ step: expect.stringMatching(/^Undo: .*Salesperson/), summary: expect.stringMatching(/Salesperson/) }]);
    expect((await value(api['dataverse:push']({ planid: plan.planid! }))).outcome).toBe('pushed');
    expect(depthIn(double, sales.roleid, 'prvDeleteAccount')).toBe(before);
    expect(session.current.roles.get(sales.roleid)!.privileges.prvDeleteAccount).toBe(sales.privileges.prvDeleteAccount);
  });

  it('a change applied and undone since the pull cancels out: nothing is sent for it', async () => {
    const { api, double, session } = await open();
    await pulled(api, double.url);
    const escalations = teamNamed(session, 'Escalations');
    await value(api['org:apply']({ command: { type: 'updateTeam', teamid: escalations.teamid, name: 'Escalations (EMEA)' } }));
    await value(api['history:undo']({}));
    expect(await value(api['dataverse:status']({}))).toMatchObject({ applied: 0 });
    const plan = await value(api['dataverse:pushPlan']({}));
    expect(plan).toMatchObject({ applied: [], requests: [], planid: null });
    expect((await pullFails(api)).state).toBe('done');
  });

  it('a pull with unpushed changes is refused and nothing is lost', async () => {
    const { api, double, session } = await open();
    await pulled(api, double.url);
    const sales = roleNamed(session, 'Salesperson');
    const escalations = teamNamed(session, 'Escalations');
    await value(api['org:apply']({ command: { type: 'setRolePrivilege', roleid: sales.roleid, privilege: 'prvDeleteAccount', depth: 'Global' } }));
    await value(api['org:apply']({ command: { type: 'updateTeam', teamid: escalations.teamid, name: 'Escalations (EMEA)' } }));
    const reads = double.env.log.length;
    const job = await pullFails(api);
    expect(job).toMatchObject({ state: 'failed', error: expect.stringMatching(/^pulling http:\/\/127\.0\.0\.1:\d+: 2 change\(s\) applied to the vault since the pull of .* are not in the environment \(".*Salesperson.*", ".*Escalations \(EMEA\).*"\); push them first, or discard them with a full pull .*Discard and pull.*\. The vault is unchanged\.$/) });
    // Refused before reading the environment.
    expect(double.env.log.length).toBe(reads);
    expect(session.current.roles.get(sales.roleid)!.privileges.prvDeleteAccount).toBe('Global');
    expect(session.current.teams.get(escalations.teamid)!.name).toBe('Escalations (EMEA)');
    expect(await value(api['dataverse:status']({}))).toMatchObject({ applied: 2 });
  });

  it('discard and pull replaces the organization, and the audit log says what was discarded', async () => {
    const { api, double, session } = await open();
    await pulled(api, double.url);
    const escalations = teamNamed(session, 'Escalations');
    await value(api['org:apply']({ command: { type: 'updateTeam', teamid: escalations.teamid, name: 'Escalations (EMEA)' } }));
    const job = await pullFails(api, { discard: true });
    expect(job.state).toBe('done');
    expect(session.current.teams.get(escalations.teamid)!.name).toBe('Escalations');
    expect(await value(api['dataverse:status']({}))).toMatchObject({ applied: 0 });
    const audit = await value(api['audit:list']({}));
    expect(audit.rows.map((r) => r.summary)).toContainEqual(expect.stringMatching(/^Discarded 1 change\(s\) applied since the pull of .* and never pushed \(".*Escalations \(EMEA\).*"\): the organization was replaced with the environment's$/));
    expect(double.env.data.teams.get(escalations.teamid)!.name).toBe('Escalations');
  });

  it('a record share applied since the pull stays in the vault and does not block the push', async () => {
    const { api, double, session } = await open();
    await pulled(api, double.url);
    const sales = roleNamed(session, 'Salesperson');
    const kendall = userNamed(session, 'Kendall Events');
    const rowan = userNamed(session, 'Rowan Help');
    const recordid = '6f1d7c9e-0000-4000-8000-0000000000aa';
    await value(api['org:applyAll']({ commands: [
      { type: 'createRecord', recordid, entity: 'account', name: 'Fourth Coffee', ownerid: kendall.systemuserid },
      { type: 'shareRecord', recordid, principalid: rowan.systemuserid, accessrightsmask: 1 },
    ] }));
    await value(api['org:apply']({ command: { type: 'setRolePrivilege', roleid: sales.roleid, privilege: 'prvDeleteAccount', depth: 'Global' } }));
    expect(await value(api['dataverse:status']({}))).toMatchObject({ applied: 1, kept: 2 });

    const plan = await value(api['dataverse:pushPlan']({}));
    expect(plan.kept).toEqual([
      { step: expect.any(String), summary: expect.stringMatching(/Fourth Coffee|record/i), why: expect.stringMatching(/kept in the vault only/) },
      { step: expect.any(String), summary: expect.stringMatching(/share/i), why: expect.stringMatching(/kept in the vault only/) },
    ]);
    expect(plan.requests.map((r) => `${r.part} ${r.change} ${r.method}`)).toEqual(['applied 1 POST']);
    expect((await value(api['dataverse:push']({ planid: plan.planid! }))).outcome).toBe('pushed');
    expect(depthIn(double, sales.roleid, 'prvDeleteAccount')).toBe(3);
    expect(session.current.shares.size).toBeGreaterThan(0);
    expect(session.current.records.has(recordid)).toBe(true);
    expect(await value(api['dataverse:status']({}))).toMatchObject({ applied: 0, kept: 0 });
  });
});
