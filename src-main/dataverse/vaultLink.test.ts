/**
 * A vault pulled from the Dataverse double, pushing a staged set that creates a business unit:
 * what the vault holds of the unit's default team afterwards, and what the next pull sees.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from '../core/commands/schema';
import { demoOrganization } from '../core/generate/demo';
import { Vault } from '../vault/vault';
import { startDataverseDouble, type RunningDouble } from '../../test/dataverse/double/app';
import { Connection } from './connection';
import { planVaultPush, pullIntoVault, pushVault } from './vaultLink';

const ids = { unit: '7a2e8d0f-0000-4000-8000-000000000001', defaultTeam: '7a2e8d0f-0000-4000-8000-000000000002', user: '7a2e8d0f-0000-4000-8000-000000000003', profile: '7a2e8d0f-0000-4000-8000-000000000004' };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function pulledVault(): Promise<{ vault: Vault; double: RunningDouble; c: Connection }> {
  const double = await startDataverseDouble(demoOrganization());
  cleanups.push(() => double.close());
  const dir = mkdtempSync(join(tmpdir(), 'roleatlas-vaultlink-'));
  const vault = await Vault.create(join(dir, 'vault'), 'a long vault passphrase', { actor: 'ada', kdf: { N: 1024, r: 8, p: 1 } });
  cleanups.push(() => {
    vault.lock();
    rmSync(dir, { recursive: true, force: true });
  });
  const c = new Connection({ url: double.url, token: async () => 'token' });
  await pullIntoVault(vault, c, { counts: [] });
  return { vault, double, c };
}

const named = <T extends { name: string }>(m: ReadonlyMap<string, T>, name: string) => [...m.values()].find((x) => x.name === name)!;

describe('pushing a vault that creates a business unit', () => {
  it("after a push creates a unit, its default team has the environment's id and a delta pull changes nothing", async () => {
    const { vault, double, c } = await pulledVault();
    const s = vault.state;
    const basic = named(s.roles, 'Basic User');
    const staged: Command[] = [
      { type: 'createBusinessUnit', businessunitid: ids.unit, defaultteamid: ids.defaultTeam, name: 'Sales North', parentbusinessunitid: named(s.businessunits, 'Sales').businessunitid },
      { type: 'createUser', systemuserid: ids.user, fullname: 'Noor North', domainname: 'noor@contoso.example', businessunitid: ids.unit },
      { type: 'assignRole', systemuserid: ids.user, roleid: named(s.roles, 'Salesperson').roleid },
      { type: 'assignRole', teamid: ids.defaultTeam, roleid: basic.roleid },
      { type: 'createFieldSecurityProfile', fieldsecurityprofileid: ids.profile, name: 'North payroll' },
      { type: 'assignFieldSecurityProfile', fieldsecurityprofileid: ids.profile, teamid: ids.defaultTeam },
    ];
    expect(vault.setStaged(staged).ok).toBe(true);
    const plan = await planVaultPush(vault, c);
    expect(plan.changeSets).toBe(2);
    await pushVault(vault, c, plan);

    const environmentTeam = [...double.env.data.teams.values()].find((t) => t.isdefault && t._businessunitid_value === ids.unit)!.teamid as string;
    expect(environmentTeam).not.toBe(ids.defaultTeam);
    const v = vault.state;
    expect(v.teams.has(ids.defaultTeam)).toBe(false);
    expect(v.teams.get(environmentTeam)).toMatchObject({ name: 'Sales North', businessunitid: ids.unit, isdefault: true });
    // What the vault had on the team stays on it: its role and its field security profile.
    expect([...v.teamroles.values()].filter((a) => a.teamid === environmentTeam).map((a) => v.roles.get(a.roleid)!.name)).toEqual(['Basic User']);
    expect([...v.teamprofiles.values()].filter((a) => a.teamid === environmentTeam).map((a) => a.fieldsecurityprofileid)).toEqual([ids.profile]);
    expect(vault.audit().some((a) => a.summary === `The default team of Sales North takes the environment's id ${environmentTeam} (was ${ids.defaultTeam})`)).toBe(true);
    expect(vault.getStaged()).toEqual([]);

    const again = await pullIntoVault(vault, c, { counts: [] });
    expect(again).toMatchObject({ delta: true, applied: 0 });
    expect(vault.state.teams.get(environmentTeam)).toMatchObject({ isdefault: true, businessunitid: ids.unit });

    // A later push addresses the environment's team.
    expect(vault.setStaged([{ type: 'removeRole', teamid: environmentTeam, roleid: basic.roleid }]).ok).toBe(true);
    const next = await planVaultPush(vault, c);
    expect(next.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`DELETE teams(${environmentTeam})/teamroles_association(${double.env.roleCopyId(basic.roleid, ids.unit)})/$ref`]);
    await pushVault(vault, c, next);
    expect([...double.env.data.teamroles.rows.values()].filter((a) => a.teamid === environmentTeam)).toEqual([]);
  });

  it('a push cut between its change sets keeps the staged set, and run again sends only the rest and then applies it', async () => {
    const { vault, double, c } = await pulledVault();
    const s = vault.state;
    const staged: Command[] = [
      { type: 'createBusinessUnit', businessunitid: ids.unit, defaultteamid: ids.defaultTeam, name: 'Sales North', parentbusinessunitid: named(s.businessunits, 'Sales').businessunitid },
      { type: 'createUser', systemuserid: ids.user, fullname: 'Noor North', domainname: 'noor@contoso.example', businessunitid: ids.unit },
      { type: 'assignRole', systemuserid: ids.user, roleid: named(s.roles, 'Salesperson').roleid },
      { type: 'assignRole', teamid: ids.defaultTeam, roleid: named(s.roles, 'Basic User').roleid },
    ];
    expect(vault.setStaged(staged).ok).toBe(true);
    const plan = await planVaultPush(vault, c);
    double.faults.cutAfter = 1;
    const err = (await pushVault(vault, c, plan).catch((e: Error) => e)) as Error;
    expect(err.message).toMatch(/change set 2 of 2 \(commands 3–4\) applied nothing, the 1 before it were applied; pushing again sends only what the environment does not hold yet$/);
    expect({ staged: vault.getStaged().length, unit: vault.state.businessunits.has(ids.unit), pushing: vault.getSyncState().dataverse!.pushing !== undefined }).toEqual({ staged: 4, unit: false, pushing: true });
    double.faults.cutAfter = null;

    const again = await planVaultPush(vault, c);
    expect(again.held).toEqual([true, true, false, false]);
    expect(again.changeSets).toBe(1);
    const before = double.env.log.filter((l) => l.method !== 'GET').length;
    expect(await pushVault(vault, c, again)).toMatchObject({ sent: 2, heldBefore: 2 });
    expect(double.env.log.filter((l) => l.method !== 'GET').slice(before).map((l) => `${l.method} ${l.path.replace(/\(.*?\)/g, '()')}`)).toEqual(['POST systemusers()/systemuserroles_association/$ref', 'POST teams()/teamroles_association/$ref']);
    const environmentTeam = [...double.env.data.teams.values()].find((t) => t.isdefault && t._businessunitid_value === ids.unit)!.teamid as string;
    expect({ staged: vault.getStaged().length, team: vault.state.teams.get(environmentTeam)?.isdefault, pushing: vault.getSyncState().dataverse!.pushing }).toEqual({ staged: 0, team: true, pushing: undefined });
    expect(await pullIntoVault(vault, c, { counts: [] })).toMatchObject({ delta: true, applied: 0 });
  });

  it('undoes a pushed unit creation back to the staged state, the default team with the vault’s id again', async () => {
    const { vault, c } = await pulledVault();
    const s = vault.state;
    expect(vault.setStaged([{ type: 'createBusinessUnit', businessunitid: ids.unit, defaultteamid: ids.defaultTeam, name: 'Sales North', parentbusinessunitid: named(s.businessunits, 'Sales').businessunitid }]).ok).toBe(true);
    await pushVault(vault, c, await planVaultPush(vault, c));
    expect(vault.state.teams.has(ids.defaultTeam)).toBe(false);
    expect(vault.undo().ok).toBe(true);
    expect(vault.state.businessunits.has(ids.unit)).toBe(false);
    expect([...vault.state.teams.keys()].sort()).toEqual([...s.teams.keys()].sort());
  });
});
