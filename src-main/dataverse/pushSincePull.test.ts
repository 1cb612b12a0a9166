/**
 * The push of what the environment lacks, on a real vault against the Dataverse double (vaultLink.ts): the changes
 * applied since the pull (staging off, an undo after a push) in order, then the staged set; and the
 * pull that waits until they are pushed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoOrganization } from '../core/generate/demo';
import { startDataverseDouble, type RunningDouble } from '../../test/dataverse/double/app';
import { Vault } from '../vault/vault';
import { Connection } from './connection';
import { sincePullStatus } from './sincePull';
import { planVaultPush, pullIntoVault, pushVault } from './vaultLink';
import { namedIn } from '../../test/fixtures/named';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const org = demoOrganization();
const { role: roleNamed, user: userNamed, team: teamNamed } = namedIn(org);
const sales = roleNamed('Salesperson');
const kendall = userNamed('Kendall Events');
const escalations = teamNamed('Escalations');

/** A vault pulled from a double of the demo organization. */
async function pulledVault(): Promise<{ vault: Vault; double: RunningDouble; connection: Connection }> {
  const double = await startDataverseDouble(org);
  cleanups.push(() => double.close());
  const dir = mkdtempSync(join(tmpdir(), 'roleatlas-vaultlink-'));
  const vault = await Vault.create(dir, 'a long vault passphrase', { actor: 'ada', kdf: { N: 1024, r: 8, p: 1 } });
  cleanups.push(() => {
    if (!vault.isLocked) vault.lock();
    rmSync(dir, { recursive: true, force: true });
  });
  const connection = new Connection({ url: double.url, token: async () => 'token' });
  await pullIntoVault(vault, connection, { counts: [] });
  return { vault, double, connection };
}
const must = <T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T => {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};
const writes = (double: RunningDouble) => double.env.log.filter((l) => l.method !== 'GET').map((l) => `${l.method} ${l.path.replace(/\(.*?\)/g, '()')}`);

describe('pushing the changes applied since the pull', () => {
  it('sends the changes applied since the pull before the staged set, in the order they were applied', async () => {
    const { vault, double, connection } = await pulledVault();
    const teamid = '6f1d7c9e-0000-4000-8000-0000000000b1';
    must(vault.applyAll([{ type: 'createTeam', teamid, name: 'Night shift', teamtype: 0, businessunitid: kendall.businessunitid }]));
    must(vault.apply({ type: 'setRolePrivilege', roleid: sales.roleid, privilege: 'prvDeleteAccount', depth: 'Local' }));
    // Staged on top of a team created with staging off: it exists in the environment only once the applied part is sent.
    must(vault.setStaged([{ type: 'addTeamMember', teamid, systemuserid: kendall.systemuserid }]));

    const plan = await planVaultPush(vault, connection);
    expect(plan.applied.map((a) => a.summary)).toEqual([expect.stringMatching(/Night shift/), expect.stringMatching(/Salesperson/)]);
    expect(plan.requests.map((r) => `${r.command} ${r.method} ${r.path.replace(/\(.*?\)/g, '()')}`)).toEqual(['0 POST teams', '1 POST roles()/Microsoft.Dynamics.CRM.AddPrivilegesRole', '2 POST teams()/teammembership_association/$ref']);
    await pushVault(vault, connection, plan);

    expect(double.env.data.teams.get(teamid)?.name).toBe('Night shift');
    expect(vault.state.teammembership.has(`${teamid}|${kendall.systemuserid}`)).toBe(true);
    expect(vault.getStaged()).toEqual([]);
    expect(sincePullStatus(vault, vault.getSyncState().dataverse)).toEqual({ applied: 0, kept: 0, problem: null });
    expect(vault.audit().at(-1)!.summary).toMatch(/^Pushed 2 change\(s\) applied since the pull and 1 staged change\(s\) to the Dataverse environment .*: 3 request\(s\) in 1 change set\(s\)$/);
    // Pushed once: a second push has nothing to send.
    expect((await planVaultPush(vault, connection)).requests).toEqual([]);
  });

  it("gives a unit created with staging off the environment's default team once pushed, as a change from the environment", async () => {
    const { vault, double, connection } = await pulledVault();
    const unit = '6f1d7c9e-0000-4000-8000-0000000000d1';
    const team = '6f1d7c9e-0000-4000-8000-0000000000d2';
    const sales = [...vault.state.businessunits.values()].find((u) => u.name === 'Sales')!;
    must(vault.apply({ type: 'createBusinessUnit', businessunitid: unit, defaultteamid: team, name: 'Sales North', parentbusinessunitid: sales.businessunitid }));
    await pushVault(vault, connection, await planVaultPush(vault, connection));
    const environmentTeam = [...double.env.data.teams.values()].find((t) => t.isdefault && t._businessunitid_value === unit)!.teamid as string;
    expect(vault.state.teams.has(team)).toBe(false);
    expect(vault.state.teams.get(environmentTeam)).toMatchObject({ isdefault: true, businessunitid: unit });
    expect(sincePullStatus(vault, vault.getSyncState().dataverse)).toEqual({ applied: 0, kept: 0, problem: null });
    // Taken from the environment, not an edit of the admin's: undo still takes back the unit itself.
    expect(vault.nextUndo()).toMatch(/Sales North/);
    expect(await pullIntoVault(vault, connection, { counts: [] })).toMatchObject({ delta: true, applied: 0 });
  });

  it('reads back a push that was not seen through and sends only what the environment lacks, applying nothing twice', async () => {
    const { vault, double, connection } = await pulledVault();
    must(vault.apply({ type: 'setRolePrivilege', roleid: sales.roleid, privilege: 'prvDeleteAccount', depth: 'Local' }));
    must(vault.apply({ type: 'addTeamMember', teamid: escalations.teamid, systemuserid: kendall.systemuserid }));
    // The last push stopped after the environment took the membership (the program killed): the vault was marked first.
    const link = vault.getSyncState().dataverse!;
    must(vault.setSyncState({ dataverse: { ...link, pushing: { since: new Date().toISOString(), requests: 2 } } }));
    double.env.handle({ method: 'POST', path: `teams(${escalations.teamid})/teammembership_association/$ref`, headers: {}, body: JSON.stringify({ '@odata.id': `${double.url}/api/data/v9.2/systemusers(${kendall.systemuserid})` }) });
    const before = writes(double).length;

    const plan = await planVaultPush(vault, connection);
    expect(plan.held).toEqual([false, true]);
    const report = await pushVault(vault, connection, plan);
    expect(report).toMatchObject({ sent: 1, heldBefore: 1, label: null });
    expect(writes(double).slice(before)).toEqual(['POST roles()/Microsoft.Dynamics.CRM.AddPrivilegesRole']);
    expect(vault.getSyncState().dataverse!.pushing).toBeUndefined();
    expect(sincePullStatus(vault, vault.getSyncState().dataverse).applied).toBe(0);
  });

  it('sends a change applied while a push was sending with the next push, which reads back the rest, and keeps what was staged meanwhile', async () => {
    const { vault, double, connection } = await pulledVault();
    must(vault.apply({ type: 'updateTeam', teamid: escalations.teamid, name: 'Escalations (EMEA)' }));
    must(vault.setStaged([{ type: 'setRolePrivilege', roleid: sales.roleid, privilege: 'prvDeleteAccount', depth: 'Local' }]));
    const plan = await planVaultPush(vault, connection);
    const late = { type: 'addTeamMember', teamid: escalations.teamid, systemuserid: kendall.systemuserid } as const;
    // The admin goes on working while the change set is on its way.
    await pushVault(vault, connection, plan, {
      onBatch: () => {
        must(vault.apply({ type: 'setUserDisabled', systemuserid: kendall.systemuserid, isdisabled: true }));
        must(vault.setStaged([...vault.getStaged(), late]));
      },
    });
    expect(vault.getStaged()).toEqual([late]);
    expect(double.env.data.systemusers.get(kendall.systemuserid)!.isdisabled).toBe(false);

    const next = await planVaultPush(vault, connection);
    // In the journal's order: the staged set was applied to the vault after the change made meanwhile.
    expect(next.applied.map((a) => a.command.type)).toEqual(['updateTeam', 'setUserDisabled', 'setRolePrivilege']);
    expect(next.held).toEqual([true, false, true, false]);
    const before = writes(double).length;
    await pushVault(vault, connection, next);
    expect(writes(double).slice(before)).toEqual(['PATCH systemusers()', 'POST teams()/teammembership_association/$ref']);
    expect(double.env.data.systemusers.get(kendall.systemuserid)!.isdisabled).toBe(true);
    expect(sincePullStatus(vault, vault.getSyncState().dataverse).applied).toBe(0);
    expect(vault.getSyncState().dataverse!.pushing).toBeUndefined();
  });

  it('keeps the changes since the pull when the environment changed the same row, until they are discarded by a full pull', async () => {
    const { vault, double, connection } = await pulledVault();
    must(vault.apply({ type: 'updateTeam', teamid: escalations.teamid, name: 'Escalations (EMEA)' }));
    double.env.handle({ method: 'PATCH', path: `teams(${escalations.teamid})`, headers: {}, body: JSON.stringify({ name: 'Escalations (Americas)' }) });
    const plan = await planVaultPush(vault, connection);
    await expect(pushVault(vault, connection, plan)).rejects.toThrow(/team Escalations/);
    expect(sincePullStatus(vault, vault.getSyncState().dataverse).applied).toBe(1);
    expect(vault.state.teams.get(escalations.teamid)!.name).toBe('Escalations (EMEA)');
    await expect(pullIntoVault(vault, connection, { counts: [] })).rejects.toThrow(/^1 change\(s\) applied to the vault since the pull of .* are not in the environment \("Updated team Escalations \(EMEA\)"\)/);
    await pullIntoVault(vault, connection, { counts: [], full: true });
    expect(vault.state.teams.get(escalations.teamid)!.name).toBe('Escalations (Americas)');
    expect(sincePullStatus(vault, vault.getSyncState().dataverse).applied).toBe(0);
  });

  it('asks a vault pulled before the journal position was kept to pull again, and pushes after that pull', async () => {
    const { vault, connection } = await pulledVault();
    const { journalseq: _, ...old } = vault.getSyncState().dataverse!;
    must(vault.setSyncState({ dataverse: old }));
    must(vault.setStaged([{ type: 'setRolePrivilege', roleid: sales.roleid, privilege: 'prvDeleteAccount', depth: 'Local' }]));
    expect(sincePullStatus(vault, vault.getSyncState().dataverse).problem).toMatch(/pull http:\/\/127\.0\.0\.1:\d+ again first/);
    await expect(planVaultPush(vault, connection)).rejects.toThrow(/kept before RoleAtlas recorded where the pull ended in the journal, .*pull http:\/\/127\.0\.0\.1:\d+ again first \(changes staged are kept across a pull\)/);
    await pullIntoVault(vault, connection, { counts: [] });
    expect(vault.getStaged()).toHaveLength(1);
    expect((await planVaultPush(vault, connection)).requests).toHaveLength(1);
  });

  it('refuses to push over an organization imported since the pull, asking for a full pull', async () => {
    const { vault, connection } = await pulledVault();
    vault.replaceState(demoOrganization(), 'contoso.json');
    await expect(planVaultPush(vault, connection)).rejects.toThrow(/the organization was replaced after the pull of .* \(audit entry \d+: Imported contoso\.json.*\).*full pull/);
    // A delta pull would revert the import as changes; only a full pull goes ahead.
    await expect(pullIntoVault(vault, connection, { counts: [] })).rejects.toThrow(/full pull/);
    await pullIntoVault(vault, connection, { counts: [], full: true });
    expect((await planVaultPush(vault, connection)).requests).toEqual([]);
  });
});
