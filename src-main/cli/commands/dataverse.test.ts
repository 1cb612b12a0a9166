/**
 * roleatlas dataverse pull and status on a real vault against the Dataverse double on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoOrganization } from '../../core/generate/demo';
import { startDataverseDouble, type RunningDouble } from '../../../test/dataverse/double/app';
import { Vault } from '../../vault/vault';
import { dataverse } from './dataverse';
import { runCommand } from '../testing/runCommand';
import { namedIn } from '../../../test/fixtures/named';

const PASS = 'a long vault passphrase';
let dir: string;
let double: RunningDouble;
const org = demoOrganization();

const roleatlas = (...args: string[]) => runCommand(dataverse, args);

async function newVault(name: string): Promise<string> {
  const path = join(dir, name);
  (await Vault.create(path, PASS, { actor: name, kdf: { N: 1024, r: 8, p: 1 } })).lock();
  return path;
}
const vaultArgs = (path: string) => ['--vault', path, '--passphrase-env', 'DV_PASS'];
const opened = async <T>(path: string, read: (v: Vault) => T): Promise<T> => {
  const v = await Vault.open(path, { passphrase: PASS }, { actor: 'test' });
  try {
    return read(v);
  } finally {
    v.lock();
  }
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roleatlas-dataverse-cli-'));
  double = await startDataverseDouble(org);
  process.env.DV_PASS = PASS;
  process.env.DV_TOKEN = 'an access token';
});
afterAll(async () => {
  await double.close();
  rmSync(dir, { recursive: true, force: true });
  delete process.env.DV_PASS;
  delete process.env.DV_TOKEN;
});

describe('roleatlas dataverse', () => {
  it('pulls the environment into the vault as an audited import, and status names the environment', async () => {
    const path = await newVault('pulled');
    const r = await roleatlas('pull', ...vaultArgs(path), '--env', double.url, '--token-env', 'DV_TOKEN', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ env: double.url, systemusers: org.systemusers.size, roles: org.roles.size, businessunits: org.businessunits.size });
    const v = await Vault.open(path, { passphrase: PASS }, { actor: 'test' });
    try {
      expect(v.state.systemusers.size).toBe(org.systemusers.size);
      expect(v.audit().some((a) => /^Imported Dataverse environment http:\/\/127\.0\.0\.1:\d+: 13 business unit\(s\), 40 user\(s\)/.test(a.summary))).toBe(true);
      expect(v.verify().ok).toBe(true);
    } finally {
      v.lock();
    }
    const s = await roleatlas('status', ...vaultArgs(path));
    expect(s.stdout).toMatch(new RegExp(`Pulled from ${double.url.replace(/[.]/g, '\\.')} at .*: ${org.systemusers.size} user\\(s\\)`));
  });

  it('counts the default tables per owner on a pull, and status shows the counts', async () => {
    const path = await newVault('counted');
    const r = await roleatlas('pull', ...vaultArgs(path), '--env', double.url, '--token-env', 'DV_TOKEN');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/records counted: 36 account, 36 contact, 36 lead, 36 opportunity, 36 incident/);
    const s = await roleatlas('status', ...vaultArgs(path), '--json');
    expect(JSON.parse(s.stdout).recordcounts).toEqual({ account: 36, contact: 36, lead: 36, opportunity: 36, incident: 36 });
    const only = await roleatlas('pull', ...vaultArgs(path), '--env', double.url, '--token-env', 'DV_TOKEN', '--counts', 'task', '--json');
    expect(JSON.parse(only.stdout).recordcounts).toEqual({ task: 35 });
  });

  it('refuses a --counts table that cannot be a table name, or that the environment does not have, and keeps the vault as it was', async () => {
    const path = await newVault('badcounts');
    const bad = await roleatlas('pull', ...vaultArgs(path), '--env', double.url, '--token-env', 'DV_TOKEN', '--counts', 'account,Contact');
    expect(bad).toMatchObject({ code: 2, stderr: 'roleatlas dataverse pull: --counts "Contact" is not a table\'s logical name (lowercase letters, digits and _, such as account or cr5db_project)' });
    const missing = await roleatlas('pull', ...vaultArgs(path), '--env', double.url, '--token-env', 'DV_TOKEN', '--counts', 'account,cr5db_project');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/counting cr5db_project: the environment has no table named cr5db_project/);
    const v = await Vault.open(path, { passphrase: PASS }, { actor: 'test' });
    expect(v.state.systemusers.size).toBe(0);
    v.lock();
  });

  it('a second pull asks only for the changes and applies them as journaled changes; a pull cut off midway leaves the vault as it was', async () => {
    const env = await startDataverseDouble(org);
    try {
      const path = await newVault('delta');
      expect((await roleatlas('pull', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN', '--counts', 'none')).code).toBe(0);
      const team = [...org.teams.values()].find((t) => !t.isdefault)!;
      const teamid = (await opened(path, (v) => [...v.state.teams.values()].find((t) => t.name === team.name)!.teamid));
      env.env.handle({ method: 'PATCH', path: `teams(${teamid})`, headers: {}, body: JSON.stringify({ name: 'Renamed in the environment' }) });

      const before = await opened(path, (v) => v.getSyncState().dataverse);

      const r = await roleatlas('pull', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN', '--counts', 'none', '--json');
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout);
      expect(report).toMatchObject({ delta: true, applied: 1, changes: { teams: { changed: 1, deleted: 0 }, systemusers: { changed: 0, deleted: 0 } } });
      await opened(path, (v) => {
        expect(v.state.teams.get(teamid)!.name).toBe('Renamed in the environment');
        expect(v.audit().at(-1)!.summary).toMatch(/^Pulled the changes of Dataverse environment .*: 1 change\(s\) applied \(change tracking: .*teams 1 changed, 0 deleted/);
        expect(v.verify().ok).toBe(true);
        expect(v.getSyncState().dataverse!.deltalinks!.teams).not.toBe(before!.deltalinks!.teams);
      });

      // The environment goes away in the middle of the third pull: nothing is applied, the delta links stay.
      env.env.handle({ method: 'PATCH', path: `teams(${teamid})`, headers: {}, body: JSON.stringify({ name: 'Renamed again' }) });
      const kept = await opened(path, (v) => ({ audit: v.audit().length, link: v.getSyncState().dataverse }));
      // Cut off after the reads of the first tables, before the role privileges.
      env.faults.cutAfter = 12;
      const f = await roleatlas('pull', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN', '--counts', 'none');
      env.faults.cutAfter = null;
      expect(f.code).toBe(1);
      expect(f.stderr).toMatch(/The vault is unchanged/);
      await opened(path, (v) => {
        expect(v.state.teams.get(teamid)!.name).toBe('Renamed in the environment');
        expect(v.audit().length).toBe(kept.audit);
        expect(v.getSyncState().dataverse).toEqual(kept.link);
      });
    } finally {
      await env.close();
    }
  });

  it('says a vault that was never pulled has no environment', async () => {
    const path = await newVault('never');
    expect((await roleatlas('status', ...vaultArgs(path))).stdout).toMatch(/has not been pulled from a Dataverse environment/);
  });

  it('refuses an environment URL that is not one, naming it, before opening the vault', async () => {
    const r = await roleatlas('pull', '--vault', join(dir, 'nowhere'), '--env', 'contoso', '--token-env', 'DV_TOKEN');
    expect(r).toMatchObject({ code: 2, stderr: 'roleatlas dataverse pull: --env "contoso" is not a URL; the environment URL looks like https://contoso.crm.dynamics.com' });
  });

  it('never takes the token as an argument', async () => {
    const r = await roleatlas('pull', '--vault', join(dir, 'x'), '--env', double.url, '--token', 'secret');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the token is never an argument/);
  });

  it('leaves the vault as it was when the environment refuses, showing why', async () => {
    const path = await newVault('refused');
    const refusing = await startDataverseDouble(org, { verifyToken: () => false });
    try {
      const r = await roleatlas('pull', ...vaultArgs(path), '--env', refusing.url, '--token-env', 'DV_TOKEN');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/a valid bearer token is required/);
    } finally {
      await refusing.close();
    }
    const v = await Vault.open(path, { passphrase: PASS }, { actor: 'test' });
    expect(v.state.systemusers.size).toBe(0);
    v.lock();
  });
});

describe('roleatlas dataverse push', () => {
  const { role: roleNamed, user: userNamed, team: teamNamed } = namedIn(org);
  const sales = roleNamed('Salesperson');
  const kendall = userNamed('Kendall Events');
  const escalations = teamNamed('Escalations');
  const staged = [
    { type: 'setRolePrivilege', roleid: sales.roleid, privilege: 'prvDeleteAccount', depth: 'Local' },
    { type: 'assignRole', systemuserid: kendall.systemuserid, roleid: roleNamed('Basic User').roleid },
    { type: 'addTeamMember', teamid: escalations.teamid, systemuserid: kendall.systemuserid },
  ];
  const own: RunningDouble[] = [];
  afterAll(async () => {
    for (const d of own) await d.close();
  });

  /** A vault pulled from its own environment, with the three changes above staged. */
  async function stagedVault(name: string, commands: unknown[] = staged, groups?: unknown[]): Promise<{ path: string; env: RunningDouble }> {
    const env = await startDataverseDouble(org);
    own.push(env);
    const path = await newVault(name);
    expect((await roleatlas('pull', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN')).code).toBe(0);
    const v = await Vault.open(path, { passphrase: PASS }, { actor: 'test' });
    try {
      const r = v.setStaged(commands, groups);
      if (!r.ok) throw new Error(r.error.message);
    } finally {
      v.lock();
    }
    return { path, env };
  }
  const writes = (env: RunningDouble) => env.env.log.filter((l) => l.method !== 'GET');

  /** Applies commands to the vault as one step, as an edit with staging off does. */
  async function applied(path: string, commands: unknown[], label?: string): Promise<void> {
    const v = await Vault.open(path, { passphrase: PASS }, { actor: 'test' });
    try {
      const r = v.applyAll(commands, label);
      if (!r.ok) throw new Error(r.error.message);
    } finally {
      v.lock();
    }
  }

  it('pushes a role change applied with staging off, listed on the dry run by its undo step, and status counts it until then', async () => {
    const { path, env } = await stagedVault('applied', []);
    await applied(path, [{ type: 'setRolePrivilege', roleid: sales.roleid, privilege: 'prvDeleteAccount', depth: 'Global' }], 'Let sales delete every account');
    const status = await roleatlas('status', ...vaultArgs(path));
    expect(status.stdout).toMatch(/; 0 staged change\(s\); 1 change\(s\) applied since the pull, not in the environment\n/);
    expect(JSON.parse((await roleatlas('status', ...vaultArgs(path), '--json')).stdout)).toMatchObject({ staged: 0, applied: 1, kept: 0, sincepull: null });

    const dry = await roleatlas('push', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^Would push 1 change\(s\) applied since the pull to .*: 1 Web API request\(s\) in 1 change set\(s\)\nApplied since the pull, not in the environment \(1\):\n {2}Let sales delete every account\n {4}1\. .*Salesperson.*\n {2}1\. POST roles\([0-9a-f-]+\)\/Microsoft\.Dynamics\.CRM\.AddPrivilegesRole .*\[applied change 1: .*Salesperson.*\]\n/);
    const json = JSON.parse((await roleatlas('push', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN', '--dry-run', '--json')).stdout) as { applied: unknown[]; requests: { part: string; change: number }[] };
    expect(json).toMatchObject({ staged: 0, applied: [{ step: 'Let sales delete every account', summary: expect.stringMatching(/Salesperson/) }], requests: [{ part: 'applied', change: 1, method: 'POST' }] });
    expect(writes(env)).toEqual([]);

    const r = await roleatlas('push', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Pushed: 1 request\(s\) in 1 change set\(s\)/);
    expect((await roleatlas('status', ...vaultArgs(path))).stdout).toMatch(/; 0 change\(s\) applied since the pull, not in the environment\n/);
    // The environment holds it: a pull now goes ahead and keeps the depth.
    expect((await roleatlas('pull', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN')).code).toBe(0);
    expect(await opened(path, (v) => v.state.roles.get(sales.roleid)!.privileges.prvDeleteAccount)).toBe('Global');
  });

  it('lists a record and its share applied since the pull as kept in the vault only, and pushes the rest', async () => {
    const { path, env } = await stagedVault('kept', []);
    const recordid = '6f1d7c9e-0000-4000-8000-0000000000ee';
    await applied(path, [
      { type: 'createRecord', recordid, entity: 'account', name: 'Fourth Coffee', ownerid: kendall.systemuserid },
      { type: 'shareRecord', recordid, principalid: userNamed('Rowan Help').systemuserid, accessrightsmask: 1 },
    ], 'Share Fourth Coffee with Rowan');
    const nothing = await roleatlas('push', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN', '--dry-run');
    expect(nothing.stdout).toMatch(/has no changes applied since the pull and no staged changes; nothing to push\nKept in the vault only \(no Dataverse equivalent\): 2 change\(s\) applied since the pull\n {2}- .*Fourth Coffee.* \[Share Fourth Coffee with Rowan\]: records and shares are kept in the vault only/);
    await applied(path, [{ type: 'setRolePrivilege', roleid: sales.roleid, privilege: 'prvDeleteAccount', depth: 'Global' }]);
    const r = await roleatlas('push', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Kept in the vault only \(no Dataverse equivalent\): 2 change\(s\)/);
    expect(writes(env).map((l) => l.path.replace(/\(.*?\)/g, '()'))).toEqual(['roles()/Microsoft.Dynamics.CRM.AddPrivilegesRole']);
    expect(await opened(path, (v) => v.state.records.has(recordid))).toBe(true);
  });

  it('refuses a pull over changes not pushed, naming them, and --full discards them and says so in the audit log', async () => {
    const { path, env } = await stagedVault('unpushed', []);
    await applied(path, [{ type: 'updateTeam', teamid: escalations.teamid, name: 'Escalations (EMEA)' }]);
    await applied(path, [{ type: 'setRolePrivilege', roleid: sales.roleid, privilege: 'prvDeleteAccount', depth: 'Global' }]);
    const before = await opened(path, (v) => v.audit().length);
    const r = await roleatlas('pull', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/pulling .*: 2 change\(s\) applied to the vault since the pull of .* are not in the environment \("Updated team Escalations \(EMEA\)", ".*Salesperson.*"\); push them first, or discard them with a full pull \(roleatlas dataverse pull --full, the app.s Discard and pull\), which replaces the organization with the environment.s\. The vault is unchanged\./);
    expect(await opened(path, (v) => ({ audit: v.audit().length, name: v.state.teams.get(escalations.teamid)!.name }))).toEqual({ audit: before, name: 'Escalations (EMEA)' });

    expect((await roleatlas('pull', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN', '--full')).code).toBe(0);
    const after = await opened(path, (v) => ({ name: v.state.teams.get(escalations.teamid)!.name, audit: v.audit().slice(-2).map((e) => e.summary) }));
    expect(after.name).toBe('Escalations');
    expect(after.audit).toEqual([expect.stringMatching(/^Imported Dataverse environment /), expect.stringMatching(/^Discarded 2 change\(s\) applied since the pull of .* and never pushed \("Updated team Escalations \(EMEA\)", .*\): the organization was replaced with the environment's$/)]);
    expect((await roleatlas('status', ...vaultArgs(path))).stdout).toMatch(/0 change\(s\) applied since the pull/);
  });

  it('lists every request and the access diff on a dry run, and sends nothing', async () => {
    const { path, env } = await stagedVault('dry');
    const r = await roleatlas('push', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN', '--dry-run', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { kind: string; requests: { change: number; method: string; path: string; inEffect: boolean }[]; diff: { total: number; gain: number; groups: { entity: string; right: string; gain: number }[] }; sent: number };
    expect(out.requests.map((q) => `${q.change} ${q.method} ${q.path.replace(/\(.*?\)/g, '()')}`)).toEqual([
      '1 POST roles()/Microsoft.Dynamics.CRM.AddPrivilegesRole',
      '2 POST systemusers()/systemuserroles_association/$ref',
      '3 POST teams()/teammembership_association/$ref',
    ]);
    expect(out.requests.every((q) => !q.inEffect)).toBe(true);
    expect(out.diff.total).toBeGreaterThan(0);
    // The pull counted the environment's accounts per owner, so the diff weighs records too.
    expect(out.diff.groups[0]).toMatchObject({ entity: 'account', right: 'Delete', gain: 11 });
    expect(out.kind).toBe('plan');

    const text = await roleatlas('push', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN', '--dry-run');
    expect(text.stdout).toMatch(/Would push 3 staged change\(s\) to .*: 3 Web API request\(s\) in 1 change set\(s\)/);
    expect(text.stdout).toMatch(/ {2}1\. POST roles\([0-9a-f-]+\)\/Microsoft\.Dynamics\.CRM\.AddPrivilegesRole \{"Privileges":\[\{"Depth":"Local"/);
    expect(text.stdout).toMatch(/Access diff: \d+ user × entity × right change\(s\): \d+ gain/);
    expect(text.stdout).toMatch(/\n {2}Delete account: 11 user\(s\) gain, 0 lose\n/);
    expect(text.stdout).toMatch(/Dry run: nothing was sent and the vault is unchanged/);
    expect(writes(env)).toEqual([]);
    expect(await opened(path, (v) => v.getStaged().length)).toBe(3);
  });

  it('names the undo step of a push after what the app staged, as the app would have named it', async () => {
    const group = { id: 0, label: 'Set three rights for the pilot', size: staged.length };
    const { path, env } = await stagedVault('named', staged, staged.map(() => group));
    expect((await roleatlas('push', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN')).code).toBe(0);
    expect(await opened(path, (v) => v.nextUndo())).toBe(`Set three rights for the pilot (pushed to ${env.url})`);
  });

  it('applies the staged changes in the environment and the vault, and the next pull shows them', async () => {
    const { path, env } = await stagedVault('pushed');
    const r = await roleatlas('push', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN', '--json');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; sent?: number })).toMatchObject([{ kind: 'plan', changeSets: 1 }, { kind: 'pushed', sent: 3, changeSets: 1, staged: 0 }]);
    expect(await opened(path, (v) => ({ staged: v.getStaged().length, depth: v.state.roles.get(sales.roleid)!.privileges.prvDeleteAccount, undo: v.nextUndo(), audited: v.audit().some((a) => /^Pushed 3 staged change\(s\) to the Dataverse environment http:\/\/127\.0\.0\.1:\d+: 3 request\(s\) in 1 change set\(s\)$/.test(a.summary)) }))).toEqual({ staged: 0, depth: 'Local', undo: expect.stringMatching(/^Salesperson: prvDeleteAccount .+ \(3 changes\) \(pushed to http:\/\/127\.0\.0\.1:\d+\)$/), audited: true });

    expect((await roleatlas('pull', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN')).code).toBe(0);
    const after = await opened(path, (v) => ({ depth: v.state.roles.get(sales.roleid)!.privileges.prvDeleteAccount, member: v.state.teammembership.has(`${escalations.teamid}|${kendall.systemuserid}`), roles: [...v.state.systemuserroles.values()].filter((a) => a.systemuserid === kendall.systemuserid).length }));
    expect(after).toEqual({ depth: 'Local', member: true, roles: 1 });
  });

  it("shows Dataverse's message when it refuses a change, says nothing was applied, and keeps the staged changes", async () => {
    const { path, env } = await stagedVault('push-refused');
    env.env.data.systemusers.delete(kendall.systemuserid); // deleted in the environment since the pull
    const before = await opened(path, (v) => v.state);
    const privilegesBefore = new Map(env.env.data.roles.get(sales.roleid)!.privileges);
    const r = await roleatlas('push', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/systemuser With Id = [0-9a-f-]+ Does Not Exist; change set 1 of 1 \(commands 1–3\) applied nothing, and no change set before it\. The vault is unchanged and keeps 3 staged change\(s\) to push; pushing again sends only what the environment does not hold yet\./);
    expect(await opened(path, (v) => ({ staged: v.getStaged().length, depth: v.state.roles.get(sales.roleid)!.privileges.prvDeleteAccount ?? null, member: v.state.teammembership.has(`${escalations.teamid}|${kendall.systemuserid}`) }))).toEqual({ staged: 3, depth: before.roles.get(sales.roleid)!.privileges.prvDeleteAccount ?? null, member: false });
    // The environment holds what it held: the privilege change in the same change set was rolled back.
    expect(env.env.data.roles.get(sales.roleid)!.privileges).toEqual(privilegesBefore);
  });

  it('refuses a push without --env or to another environment than the vault was pulled from, before sending', async () => {
    expect(await roleatlas('push', '--vault', join(dir, 'nowhere'), '--token-env', 'DV_TOKEN')).toMatchObject({ code: 2, stderr: expect.stringMatching(/--env/) });
    expect(await roleatlas('push', '--vault', join(dir, 'nowhere'), '--env', 'https://contoso.crm.dynamics.com/api', '--token-env', 'DV_TOKEN')).toMatchObject({ code: 2, stderr: expect.stringMatching(/without a path/) });
    const { path } = await stagedVault('elsewhere');
    const r = await roleatlas('push', ...vaultArgs(path), '--env', 'https://contoso.crm.dynamics.com', '--token-env', 'DV_TOKEN');
    expect(r).toMatchObject({ code: 1, stderr: expect.stringMatching(/was pulled from http:\/\/127\.0\.0\.1:\d+, not https:\/\/contoso\.crm\.dynamics\.com/) });
  });

  it('never applies a change twice when the answer to a change set is lost and the push sends it again', async () => {
    const { path, env } = await stagedVault('lost');
    env.faults.loseBatchReplies = 1;
    const r = await roleatlas('push', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1 sent again after a lost answer \(3 already in effect, not sent twice\)/);
    expect(writes(env).map((l) => `${l.method} ${l.path.replace(/\(.*?\)/g, '()')} ${l.status}`)).toEqual([
      'POST roles()/Microsoft.Dynamics.CRM.AddPrivilegesRole 204',
      'POST systemusers()/systemuserroles_association/$ref 204',
      'POST teams()/teammembership_association/$ref 204',
    ]);
    expect(await opened(path, (v) => v.getStaged().length)).toBe(0);
  });

  it('sends only what the environment does not hold yet when a push that stopped midway is run again', async () => {
    const { path, env } = await stagedVault('again');
    // A push that stopped after the environment took one request (the program killed, the network gone):
    // it had marked the vault before sending, and the environment holds Kendall in Escalations.
    const v = await Vault.open(path, { passphrase: PASS }, { actor: 'test' });
    try {
      const link = v.getSyncState().dataverse!;
      expect(v.setSyncState({ dataverse: { ...link, pushing: { since: new Date().toISOString(), requests: 3 } } }).ok).toBe(true);
    } finally {
      v.lock();
    }
    env.env.handle({ method: 'POST', path: `teams(${escalations.teamid})/teammembership_association/$ref`, headers: {}, body: JSON.stringify({ '@odata.id': `${env.url}/api/data/v9.2/systemusers(${kendall.systemuserid})` }) });

    const r = await roleatlas('push', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/2 Web API request\(s\) in 1 change set\(s\); 1 already in effect in the environment, not sent/);
    expect(writes(env).filter((l) => l.path.includes('teammembership_association'))).toHaveLength(1);
    expect(await opened(path, (o) => ({ member: o.state.teammembership.has(`${escalations.teamid}|${kendall.systemuserid}`), staged: o.getStaged().length, pushing: o.getSyncState().dataverse!.pushing }))).toEqual({ member: true, staged: 0, pushing: undefined });
  });

  it('sends a clean push without reading back what the environment holds', async () => {
    const { path, env } = await stagedVault('clean');
    const before = env.env.log.length;
    const r = await roleatlas('push', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN');
    expect(r.code).toBe(0);
    const reads = env.env.log.slice(before).filter((l) => l.method === 'GET').map((l) => l.path);
    expect(reads.filter((p) => /RetrieveRolePrivilegesRole|systemuserrolescollection|teammemberships/.test(p))).toEqual([]);
  });

  it('renames a team in the environment when the vault renamed it', async () => {
    const { path, env } = await stagedVault('renamed', [{ type: 'updateTeam', teamid: escalations.teamid, name: 'Escalations (EMEA)' }]);
    const r = await roleatlas('push', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Pushed: 1 request\(s\) in 1 change set\(s\); the vault now matches .* and has no staged changes/);
    expect(r.stdout).toMatch(/1\. PATCH teams\([0-9a-f-]+\) \{"name":"Escalations \(EMEA\)"\}/);
    expect(env.env.data.teams.get(escalations.teamid)!.name).toBe('Escalations (EMEA)');
    expect(await opened(path, (v) => v.state.teams.get(escalations.teamid)!.name)).toBe('Escalations (EMEA)');
  });

  it('shows a conflict per field when the team was renamed in the environment since the pull, applies nothing and keeps the staged change', async () => {
    const { path, env } = await stagedVault('conflict', [{ type: 'updateTeam', teamid: escalations.teamid, name: 'Escalations (EMEA)' }]);
    env.env.handle({ method: 'PATCH', path: `teams(${escalations.teamid})`, headers: {}, body: JSON.stringify({ name: 'Escalations (Americas)' }) });
    const r = await roleatlas('push', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/conflict: the name of team Escalations is "Escalations \(Americas\)" in the environment but "Escalations" in the vault \(command 1 would set name\); Dataverse: .*doesn't match the RowVersion.*; change set 1 of 1 \(commands 1–1\) applied nothing/);
    expect(writes(env).at(-1)).toMatchObject({ method: 'PATCH', status: 412 });
    expect(env.env.data.teams.get(escalations.teamid)!.name).toBe('Escalations (Americas)');
    expect(await opened(path, (v) => ({ staged: v.getStaged().length, name: v.state.teams.get(escalations.teamid)!.name }))).toEqual({ staged: 1, name: 'Escalations' });

    const json = await roleatlas('push', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN', '--json');
    expect(json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string }).at(-1)).toEqual({ kind: 'conflict', env: env.url, fields: [{ change: 1, what: 'team Escalations', field: 'name', environment: 'Escalations (Americas)', vault: 'Escalations' }] });
  });

  it('shows a conflict found by a dry run with --token-env and writes nothing, the vault being open for reading only', async () => {
    const { path, env } = await stagedVault('dry-conflict', [{ type: 'updateTeam', teamid: escalations.teamid, name: 'Escalations (EMEA)' }]);
    // A vault pulled before versions were kept: the plan reads the team, and finds it renamed.
    await opened(path, (v) => {
      const { etags: _none, ...older } = v.getSyncState().dataverse!;
      return v.setSyncState({ dataverse: older });
    });
    env.env.handle({ method: 'PATCH', path: `teams(${escalations.teamid})`, headers: {}, body: JSON.stringify({ name: 'Escalations (Americas)' }) });
    const r = await roleatlas('push', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN', '--dry-run');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/conflict: the name of team Escalations is "Escalations \(Americas\)" in the environment but "Escalations" in the vault .*nothing was sent/);
    expect(JSON.parse((await roleatlas('status', ...vaultArgs(path), '--json')).stdout)).toMatchObject({ pushconflict: null, staged: 1 });
  });

  it('changes a field permission twice without a pull between: the second push reads its new version instead of sending the pulled one', async () => {
    const twilio = [...org.fieldsecurityprofiles.values()].find((f) => f.name === 'WhatsApp4Dynamics Twilio credentials')!;
    const permission = (canupdate: 0 | 4) => ({ type: 'setFieldPermission', fieldsecurityprofileid: twilio.fieldsecurityprofileid, entityname: 'ikl_whatsappconfiguration', attributelogicalname: 'ikl_twilioauthtoken', canread: 4, cancreate: 4, canupdate });
    const { path, env } = await stagedVault('field-permission-twice', [permission(0)]);
    const first = await roleatlas('push', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN', '--json');
    expect(first.code).toBe(0);
    expect((JSON.parse(first.stdout.split('\n')[0]) as { requests: { method: string; ifMatch?: string }[] }).requests).toMatchObject([{ method: 'PATCH', ifMatch: expect.stringMatching(/^W\/"\d+"$/) }]);
    await opened(path, (v) => v.setStaged([permission(4)]));
    const second = await roleatlas('push', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN');
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect([...env.env.data.fieldpermissions.values()].find((f) => f.attributelogicalname === 'ikl_twilioauthtoken')).toMatchObject({ canread: 4, cancreate: 4, canupdate: 4 });
  });

  it('lists the kept push conflict in status until a pull brings the vault in line, and dismiss-conflict forgets it', async () => {
    const { path, env } = await stagedVault('kept-conflict', [{ type: 'updateTeam', teamid: escalations.teamid, name: 'Escalations (EMEA)' }]);
    env.env.handle({ method: 'PATCH', path: `teams(${escalations.teamid})`, headers: {}, body: JSON.stringify({ name: 'Escalations (Americas)' }) });
    expect((await roleatlas('push', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN')).code).toBe(1);
    const text = await roleatlas('status', ...vaultArgs(path));
    expect(text.stdout).toMatch(/The push at \S+ was refused: the environment changed since the pull .*\n {2}change 1, team Escalations, name: "Escalations \(Americas\)" in the environment, "Escalations" in the vault/);
    const json = JSON.parse((await roleatlas('status', ...vaultArgs(path), '--json')).stdout) as { pushconflict: unknown };
    expect(json.pushconflict).toMatchObject({ message: expect.stringMatching(/^conflict: the name of team Escalations/), fields: [{ change: 1, what: 'team Escalations', field: 'name', environment: 'Escalations (Americas)', vault: 'Escalations' }] });

    expect((await roleatlas('pull', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN')).code).toBe(0);
    expect((await roleatlas('status', ...vaultArgs(path))).stdout).not.toMatch(/was refused/);

    expect((await roleatlas('push', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN')).code).toBe(0);
    env.env.handle({ method: 'PATCH', path: `teams(${escalations.teamid})`, headers: {}, body: JSON.stringify({ name: 'Escalations (APAC)' }) });
    await opened(path, (v) => v.setStaged([{ type: 'updateTeam', teamid: escalations.teamid, name: 'Escalations (Global)' }]));
    expect((await roleatlas('push', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN')).code).toBe(1);
    const dismissed = await roleatlas('dismiss-conflict', ...vaultArgs(path));
    expect(dismissed.stdout).toMatch(/^Dismissed the push conflict kept in /);
    expect(JSON.parse((await roleatlas('status', ...vaultArgs(path), '--json')).stdout)).toMatchObject({ pushconflict: null, staged: 1 });
    expect((await roleatlas('dismiss-conflict', ...vaultArgs(path))).stdout).toMatch(/keeps no push conflict; nothing to dismiss/);
  });

  it('moves a user to another business unit through SetBusinessSystemUser, listed on the dry run, then applied in the environment and the vault', async () => {
    const sam = userNamed('Sam Seattle');
    const boston = [...org.businessunits.values()].find((b) => b.name === 'Boston')!;
    const { path, env } = await stagedVault('moved', [{ type: 'moveUser', systemuserid: sam.systemuserid, businessunitid: boston.businessunitid }]);
    const dry = await roleatlas('push', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN', '--dry-run');
    expect(dry.stdout).toContain(`1. POST systemusers(${sam.systemuserid})/Microsoft.Dynamics.CRM.SetBusinessSystemUser {"BusinessUnit":{"@odata.type":"Microsoft.Dynamics.CRM.businessunit","businessunitid":"${boston.businessunitid}"}`);
    expect(writes(env)).toEqual([]);
    const r = await roleatlas('push', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN');
    expect(r.code).toBe(0);
    expect(env.env.data.systemusers.get(sam.systemuserid)!._businessunitid_value).toBe(boston.businessunitid);
    expect(await opened(path, (v) => ({ unit: v.state.systemusers.get(sam.systemuserid)!.businessunitid, pulledVersion: v.getSyncState().dataverse!.etags!.systemusers![sam.systemuserid] }))).toEqual({ unit: boston.businessunitid, pulledVersion: undefined });
  });

  it('refuses a staged set holding a record, naming the change that blocks it, and sends nothing', async () => {
    const { path, env } = await stagedVault('records', [...staged, { type: 'createRecord', recordid: 'r-1', entity: 'account', name: 'Fourth Coffee', ownerid: kendall.systemuserid }]);
    const r = await roleatlas('push', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN', '--dry-run');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/1 of 4 staged change\(s\) have no Dataverse equivalent, so nothing was sent: change 4 \(createRecord\): records and shares are kept in the vault only/);
    expect(writes(env)).toEqual([]);
  });


  it("creates a business unit and a user in the environment under the vault's ids, so the next pull finds them where the vault has them", async () => {
    const sales = [...org.businessunits.values()].find((b) => b.name === 'Sales')!;
    const unit = '5b0c9d1e-0000-4000-8000-00000000a001';
    const user = '5b0c9d1e-0000-4000-8000-00000000a002';
    const { path, env } = await stagedVault('created', [
      { type: 'createBusinessUnit', businessunitid: unit, defaultteamid: '5b0c9d1e-0000-4000-8000-00000000a003', name: 'Sales North', parentbusinessunitid: sales.businessunitid },
      { type: 'createUser', systemuserid: user, fullname: 'Noor North', domainname: 'noor@contoso.example', businessunitid: unit },
      { type: 'assignRole', systemuserid: user, roleid: [...org.roles.values()].find((x) => x.name === 'Salesperson')!.roleid },
    ]);
    const r = await roleatlas('push', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1\. POST businessunits \{"businessunitid":"5b0c9d1e-0000-4000-8000-00000000a001","name":"Sales North"/);
    // The role's copy in the new unit is Dataverse's to name: listed in words, sent in a second change set.
    expect(r.stdout).toMatch(/3 Web API request\(s\) in 2 change set\(s\)/);
    expect(r.stdout).toMatch(/3\. POST systemusers\(5b0c9d1e-0000-4000-8000-00000000a002\)\/systemuserroles_association\/\$ref \{"@odata\.id":"roles\(\{the copy of role [0-9a-f-]+ in business unit 5b0c9d1e-0000-4000-8000-00000000a001\}\)"\}/);
    const pulled = await roleatlas('pull', ...vaultArgs(path), '--env', env.url, '--token-env', 'DV_TOKEN');
    expect(pulled.stderr).toBe('');
    expect(pulled.code).toBe(0);
    expect(await opened(path, (v) => ({ unit: v.state.businessunits.get(unit)?.name, user: v.state.systemusers.get(user)?.businessunitid }))).toEqual({ unit: 'Sales North', user: unit });
  });
});
