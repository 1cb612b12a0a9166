/**
 * The sync client on real vaults (temp folders, cheap scrypt) against the real server on loopback:
 * vaults agree through the server, pulled changes are journaled with origin 'sync' and never
 * pending, a retried push applies nothing twice, and a pull the vault cannot take applies nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BU, ROLE, USER } from '../../test/fixtures/orgCharts';
import { applyAll } from '../core/commands/apply';
import { newStorage, seedOrg, startTestServer, syncedView, type TestServer } from '../../server/testing';
import { Vault } from '../vault/vault';
import { SyncClient } from './client';
import { RemoteChangeRefused, VaultSyncStore, planRemote } from './vaultSyncStore';
import { SYNC_TABLES, rowOf, rowsOf, type RowChange } from '../core/sync/dataverse';
import { contoso } from '../../test/fixtures/orgCharts';

const PASS = 'a long vault passphrase';
const KDF = { N: 1024, r: 8, p: 1 };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function start(o: Parameters<typeof startTestServer>[1] = {}): Promise<TestServer> {
  const s = await startTestServer(newStorage('embedded'), { seed: seedOrg(), ...o });
  cleanups.push(() => s.close().catch(() => {}));
  return s;
}
async function token(server: TestServer, name = 'ada', role = 'System Administrator') {
  await server.accounts.add({ name, password: `${name}-secret-pw`, role });
  return server.token(name, `${name}-secret-pw`);
}
async function newVault(actor: string): Promise<Vault> {
  const dir = mkdtempSync(join(tmpdir(), 'roleatlas-sync-vault-'));
  const v = await Vault.create(join(dir, 'v'), PASS, { actor, kdf: KDF });
  cleanups.push(() => {
    if (!v.isLocked) v.lock();
    rmSync(dir, { recursive: true, force: true });
  });
  return v;
}
const reopen = async (v: Vault) => {
  v.lock();
  const again = await Vault.open(v.dir, { passphrase: PASS }, { actor: 'again' });
  cleanups.push(() => (again.isLocked ? undefined : again.lock()));
  return again;
};
function client(server: TestServer, t: string, vault: Vault) {
  const store = new VaultSyncStore(vault, { server: server.url });
  return { store, client: new SyncClient({ server: server.url, token: t, store, sleep: async () => {}, attempts: 3, timeoutMs: 10_000 }) };
}
const must = <T,>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T => {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

describe('sync with the vault', () => {
  it('takes the organization into an empty vault, and two vaults agree with the server after syncing', async () => {
    const server = await start();
    const t = await token(server);
    const a = await newVault('ada');
    const b = await newVault('bob');
    await client(server, t, a).client.sync();
    expect(a.audit().filter((e) => e.kind === 'baseline').map((e) => e.summary)).toEqual([expect.stringMatching(/^Imported sync server http:\/\/127\.0\.0\.1:\d+ at version \d+/)]);
    await client(server, t, b).client.sync();
    expect(syncedView(a.state)).toBe(syncedView(server.model.state));
    const seqBefore = b.audit().length;

    must(a.applyAll([{ type: 'setRolePrivilege', roleid: ROLE.salesperson, privilege: 'prvReadAccount', depth: 'Global' }]));
    must(a.applyAll([{ type: 'createBusinessUnit', businessunitid: 'bu-north', name: 'North', parentbusinessunitid: BU.contoso }]));
    must(a.apply({ type: 'moveUser', systemuserid: USER.sue, businessunitid: 'bu-north' }));
    must(a.apply({ type: 'createTeam', teamid: 'team-night', name: 'Night shift', teamtype: 0, businessunitid: 'bu-north' }));
    must(a.apply({ type: 'addTeamMember', teamid: 'team-night', systemuserid: USER.sue }));
    must(a.apply({ type: 'createRecord', recordid: 'rec-local', entity: 'account', name: 'Local only', ownerid: USER.sue }));
    const pushed = await client(server, t, a).client.sync();
    expect(pushed.push).toMatchObject({ pushed: 5, localOnly: 1, conflicts: 0 });
    expect(a.pendingChanges()).toEqual([]);
    // Its own changes coming back are not applied again.
    expect(a.audit().filter((e) => e.kind === 'change' && e.origin === 'sync')).toEqual([]);

    const { client: cb, store: sb } = client(server, t, b);
    await cb.sync();
    expect(syncedView(b.state)).toBe(syncedView(server.model.state));
    expect(syncedView(a.state)).toBe(syncedView(server.model.state));
    expect(a.state.records.has('rec-local')).toBe(true);
    expect(b.state.records.has('rec-local')).toBe(false);
    expect(sb.appliedFromServer).toBeGreaterThanOrEqual(5);

    // Pulled changes: journaled and audited with origin 'sync', not pending, not undoable.
    const pulled = b.audit().slice(seqBefore).filter((e) => e.kind === 'change');
    expect(pulled.length).toBeGreaterThanOrEqual(5);
    expect(pulled.every((e) => e.origin === 'sync')).toBe(true);
    expect(pulled.map((e) => e.command!.type)).toEqual(expect.arrayContaining(['setRolePrivilege', 'createBusinessUnit', 'moveUser', 'createTeam', 'addTeamMember']));
    expect(b.pendingChanges()).toEqual([]);
    expect(b.canUndo()).toBe(false);
    expect(b.audit().some((e) => e.kind === 'note' && /Sync pulled/.test(e.summary))).toBe(true);
    expect(b.verify().ok).toBe(true);
  });

  it('applies a change set once when the reply is lost, and pulls nothing twice', async () => {
    let drops = 1;
    const server = await start({ afterCommit: () => drops-- > 0 });
    const t = await token(server);
    const a = await newVault('ada');
    await client(server, t, a).client.sync();
    must(a.apply({ type: 'createTeam', teamid: 'team-new', name: 'Night shift', teamtype: 0, businessunitid: BU.sales }));
    must(a.apply({ type: 'addTeamMember', teamid: 'team-new', systemuserid: USER.sam }));
    const report = await client(server, t, a).client.sync();
    expect(report.push).toMatchObject({ pushed: 0, duplicates: 2 });
    const [{ n }] = await server.model.db.query<{ n: string | number }>("select count(*) as n from changeset where source = 'sync'");
    expect(Number(n)).toBe(1);
    expect(a.pendingChanges()).toEqual([]);
    const changes = a.audit().filter((e) => e.kind === 'change');
    expect(changes.map((e) => `${e.origin}:${e.command!.type}`).slice(-2)).toEqual(['local:createTeam', 'local:addTeamMember']);
    expect(changes.filter((e) => e.origin === 'sync')).toEqual([]);
    expect(syncedView(a.state)).toBe(syncedView(server.model.state));
    // A later sync finds nothing to do.
    const again = await client(server, t, a).client.sync();
    expect(again.push.pushed + again.push.duplicates).toBe(0);
    expect(a.audit().filter((e) => e.kind === 'change')).toHaveLength(changes.length);
  });

  it('keeps unsent local changes visible when the server changed the same object', async () => {
    const server = await start();
    const t = await token(server);
    const a = await newVault('ada');
    const b = await newVault('bob');
    await client(server, t, a).client.sync();
    await client(server, t, b).client.sync();
    must(a.apply({ type: 'updateUser', systemuserid: USER.sam, internalemailaddress: 'sam@north.example' }));
    await client(server, t, a).client.sync();
    must(b.apply({ type: 'updateUser', systemuserid: USER.sam, fullname: 'Samuel B' }));
    await client(server, t, b).client.pull();
    const sam = b.state.systemusers.get(USER.sam)!;
    expect(sam).toMatchObject({ fullname: 'Samuel B', internalemailaddress: 'sam@north.example' });
    expect(b.pendingChanges().map((p) => p.command.type)).toEqual(['updateUser']);
  });

  it('keeps the client id, server version and status in the vault across reopening', async () => {
    const server = await start();
    const t = await token(server);
    let a = await newVault('ada');
    const { store } = client(server, t, a);
    await new SyncClient({ server: server.url, token: t, store, sleep: async () => {} }).sync();
    const id = store.clientId();
    a = await reopen(a);
    const s = a.getSyncState();
    expect(s).toMatchObject({ clientid: id, server: server.url, status: { state: 'idle' }, conflicts: [] });
    expect(s.deltatoken).toBeGreaterThan(0);
    expect(s.lastsyncat).not.toBeNull();
    const r = await client(server, t, a).client.sync();
    expect(r.pull.full).toBe(false);
  });

  it('refuses a pull it cannot take as commands, naming the object, and applies nothing', async () => {
    const server = await start();
    const t = await token(server);
    const a = await newVault('ada');
    const other = seedOrg();
    const renamed = applyAll({ ...other, organization: { ...other.organization, name: 'Fabrikam' } }, [{ type: 'setRolePrivilege', roleid: ROLE.salesperson, privilege: 'prvReadAccount', depth: 'Deep' }]);
    if (!renamed.ok) throw new Error(renamed.error.message);
    a.replaceState(renamed.state, 'fabrikam.json');
    const before = { audit: a.audit().length, view: syncedView(a.state) };
    const { client: c, store } = client(server, t, a);
    const err = await c.sync().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteChangeRefused);
    expect((err as Error).message).toMatch(/organizations\(organization\) cannot be applied to this vault: name of the organization cannot be changed.*Nothing was applied/);
    expect(a.audit()).toHaveLength(before.audit);
    expect(syncedView(a.state)).toBe(before.view);
    expect(store.deltaToken()).toBeNull();
    expect(a.getSyncState().status).toMatchObject({ state: 'error' });
  });

  it("takes a unit's default team under the id another vault's Dataverse push gave it, with the team's role", () => {
    const made = applyAll(contoso(), [{ type: 'createBusinessUnit', businessunitid: 'bu-north', defaultteamid: 'team-north-vault', name: 'North', parentbusinessunitid: BU.sales }, { type: 'assignRole', teamid: 'team-north-vault', roleid: ROLE.accountReaderBasic }]);
    if (!made.ok) throw new Error(made.error.message);
    const rekeyed = applyAll(made.state, [{ type: 'setDefaultTeamId', businessunitid: 'bu-north', teamid: 'team-north-environment' }]);
    if (!rekeyed.ok) throw new Error(rekeyed.error.message);
    // The server's rows that changed: the old team and its role row gone, the new ones there.
    const changes: RowChange[] = [];
    for (const table of SYNC_TABLES) {
      const keys = new Set([...rowsOf(made.state, table)].map(([k]) => k).concat([...rowsOf(rekeyed.state, table)].map(([k]) => k)));
      for (const key of keys) if (JSON.stringify(rowOf(made.state, table, key)) !== JSON.stringify(rowOf(rekeyed.state, table, key))) changes.push({ table, key, row: rowOf(rekeyed.state, table, key) });
    }
    const planned = planRemote(made.state, { full: false, changes, version: 2 }, [], () => 'fresh-id');
    if (!planned.ok) throw new Error(planned.error.message);
    expect(planned.commands).toEqual([{ type: 'setDefaultTeamId', businessunitid: 'bu-north', teamid: 'team-north-environment' }]);
    expect([...planned.state.teamroles.values()].filter((a) => a.teamid === 'team-north-environment').map((a) => a.roleid)).toEqual([ROLE.accountReaderBasic]);
  });
});
