/**
 * A new server is empty; the first client to sync publishes its organization when the admin
 * confirms (SyncClient publish: true, sync --publish, the app's question), all of it or nothing and
 * exactly once, also when the reply is lost or the server is killed mid-publish. A server that
 * holds an organization is never overwritten.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { demoOrganization } from '../src-main/core/generate/demo';
import { toInterchange } from '../src-main/core/interchange/fromState';
import { SyncClient, SyncError } from '../src-main/sync/client';
import { MemorySyncStore } from '../src-main/sync/store';
import { BU } from '../test/fixtures/orgCharts';
import { serverMain } from './main';
import { BACKENDS, newStorage, seedOrg, startTestServer, syncedView, type TestServer, type TestStorage, spawnServerProcess } from './testing';

const servers: TestServer[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close().catch(() => {});
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

async function emptyServer(storage: TestStorage, o: Parameters<typeof startTestServer>[1] = {}): Promise<TestServer> {
  const s = await startTestServer(storage, o);
  servers.push(s);
  return s;
}

/** A vault that started offline on Contoso and made one change of its own. */
function offlineVault(id = 'vault-a'): MemorySyncStore {
  const store = new MemorySyncStore(id, seedOrg());
  store.record({ type: 'createBusinessUnit', businessunitid: 'bu-offline', defaultteamid: 'team-offline', name: 'Made Offline', parentbusinessunitid: BU.contoso });
  return store;
}

const client = (url: string, token: string, store: MemorySyncStore, extra: Partial<ConstructorParameters<typeof SyncClient>[0]> = {}) =>
  new SyncClient({ server: url, token, store, sleep: async () => {}, attempts: 3, timeoutMs: 10_000, ...extra });

const publishes = async (s: { model: TestServer['model'] }) => Number((await s.model.db.query<{ n: string | number }>(`select count(*) as n from changeset where summary::text like '%Published the organization%'`))[0].n);

describe.each(BACKENDS)('publishing to an empty server (%s)', (backend) => {
  it('starts empty, lets an account be added before any organization, and publishes only after the admin confirms', async () => {
    const server = await emptyServer(newStorage(backend));
    expect(server.model.hasOrganization).toBe(false);
    const added = await server.accounts.add({ name: 'ada', password: 'ada-secret-pw', role: 'System Administrator' });
    expect(added.placed).toBe(false);
    const token = await server.token('ada', 'ada-secret-pw');
    const status = await (await fetch(`${server.url}/api/sync/status`, { headers: { Authorization: `Bearer ${token}` } })).json();
    expect(status).toEqual({ version: 0, organization: null });

    const vault = offlineVault();
    const refused = await client(server.url, token, vault).sync().catch((e: SyncError) => e);
    expect(refused).toBeInstanceOf(SyncError);
    expect((refused as SyncError).code).toBe('server-empty');
    expect((refused as SyncError).message).toMatch(/holds no organization yet\. Publishing puts this vault's organization "Contoso"/);
    expect(server.model.hasOrganization).toBe(false);
    expect(vault.journal).toHaveLength(1);

    const report = await client(server.url, token, vault, { publish: true }).sync();
    expect(report.publish).toMatchObject({ organization: 'Contoso', duplicate: false, changes: 1, unplaced: [] });
    expect(vault.journal).toHaveLength(0);
    expect(server.model.state.businessunits.get('bu-offline')!.name).toBe('Made Offline');
    // The account's user is in the published organization, holding the role it was added with.
    const ada = [...server.model.state.systemusers.values()].find((u) => u.domainname === 'ada@roleatlas.server')!;
    const held = [...server.model.state.systemuserroles.values()].filter((a) => a.systemuserid === ada.systemuserid).map((a) => server.model.state.roles.get(a.roleid)!.name);
    expect(held).toEqual(['System Administrator']);
    expect(syncedView(vault.state)).toBe(syncedView(server.model.state));

    // A second admin's empty vault takes exactly that organization.
    await server.accounts.add({ name: 'bob', password: 'bob-secret-pw', role: 'System Administrator' });
    const other = new MemorySyncStore('vault-b');
    const pulled = await client(server.url, await server.token('bob', 'bob-secret-pw'), other).sync();
    expect(pulled.pull.full).toBe(true);
    expect(pulled.pull.rows).toBeGreaterThan(0);
    expect(syncedView(other.state)).toBe(syncedView(server.model.state));
    expect(await publishes(server)).toBe(1);
  });

  it('leaves exactly one copy when the reply to the publish is lost and the client retries', async () => {
    let drop = 1;
    const server = await emptyServer(newStorage(backend), { afterCommit: () => drop-- > 0 });
    await server.accounts.add({ name: 'ada', password: 'ada-secret-pw', role: 'System Administrator' });
    const vault = offlineVault();
    const report = await client(server.url, await server.token('ada', 'ada-secret-pw'), vault, { publish: true }).sync();
    expect(drop).toBe(-1);
    expect(report.publish!.duplicate).toBe(true);
    expect(await publishes(server)).toBe(1);
    expect(server.model.state.businessunits.size).toBe(seedOrg().businessunits.size + 1);
    expect(syncedView(vault.state)).toBe(syncedView(server.model.state));
    // The change the publish included is a duplicate if it is ever pushed again.
    const again = await server.model.commit({ account: 'ada', source: 'sync', clientid: 'vault-a', changes: [{ id: 'vault-a-1', command: { type: 'updateBusinessUnit', businessunitid: 'bu-offline', name: 'Twice' } }] });
    expect(again.ok && again.duplicates).toEqual(['vault-a-1']);
  });

  it('never overwrites a server that holds another organization, and says which', async () => {
    const server = await emptyServer(newStorage(backend), { seed: seedOrg() });
    await server.accounts.add({ name: 'ada', password: 'ada-secret-pw', role: 'System Administrator' });
    const token = await server.token('ada', 'ada-secret-pw');
    const before = syncedView(server.model.state);
    const vault = new MemorySyncStore('demo-vault', demoOrganization());
    const refused = await client(server.url, token, vault, { publish: true }).sync().catch((e: SyncError) => e);
    expect((refused as SyncError).code).toBe('server-holds-other-organization');
    expect((refused as SyncError).message).toMatch(/already holds another organization, "Contoso" .* this vault holds "Contoso Demo|this vault holds "/);
    // Sent straight to the endpoint, the publish is refused too.
    const res = await fetch(`${server.url}/api/sync/publish`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ clientid: 'demo-vault', publishid: 'p1', organization: toInterchange(demoOrganization()), changeids: [] }),
    });
    expect(res.status).toBe(409);
    expect((await res.json()).error).toMatchObject({ code: 'server-not-empty', message: expect.stringMatching(/already holds the organization "Contoso".*never overwritten/) });
    expect(syncedView(server.model.state)).toBe(before);
  });

  it('refuses a publish from an account that could not change security in the organization it publishes', async () => {
    const server = await emptyServer(newStorage(backend));
    await server.accounts.add({ name: 'rita', password: 'rita-secret-pw', role: 'Security Reader' });
    const refused = await client(server.url, await server.token('rita', 'rita-secret-pw'), offlineVault(), { publish: true }).sync().catch((e: SyncError) => e);
    expect((refused as SyncError).status).toBe(403);
    expect((refused as SyncError).message).toMatch(/lacks prvWriteRole.*must be able to change security in the organization it publishes/);
    expect(server.model.hasOrganization).toBe(false);
  });

  it('refuses an organization that is not valid, naming what is wrong', async () => {
    const server = await emptyServer(newStorage(backend));
    await server.accounts.add({ name: 'ada', password: 'ada-secret-pw', role: 'System Administrator' });
    const res = await fetch(`${server.url}/api/sync/publish`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${await server.token('ada', 'ada-secret-pw')}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ clientid: 'c', publishid: 'p', organization: { format: 'roleatlas/org@1', businessunits: [] }, changeids: [] }),
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ code: 'invalid-organization', message: expect.stringMatching(/^the organization to publish is not valid: /) });
    expect(server.model.hasOrganization).toBe(false);
  });
});

const spawnServer = (env: Record<string, string>, dataDir: string) => spawnServerProcess({ dataDir, env: { DATABASE_URL: '', ...env } }, children);

const tokenOf = async (url: string) =>
  ((await (await fetch(`${url}/auth/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'ada', password: 'ada-secret-pw' }) })).json()) as { access_token: string }).access_token;

describe('a publish interrupted by killing the server', () => {
  it('applies nothing, and the retry on the restarted server publishes exactly one copy', async () => {
    const storage = newStorage('embedded');
    const setup = await startTestServer(storage);
    await setup.accounts.add({ name: 'ada', password: 'ada-secret-pw', role: 'System Administrator' });
    await setup.close();

    const first = await spawnServer({ ROLEATLAS_FAULT: 'kill-before-commit' }, storage.dataDir!);
    const vault = offlineVault();
    const died = new Promise((r) => first.child.on('exit', r));
    await expect(client(first.url, await tokenOf(first.url), vault, { publish: true, attempts: 1 }).sync()).rejects.toBeInstanceOf(SyncError);
    await died;
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(vault.journal).toHaveLength(1);

    const second = await spawnServer({}, storage.dataDir!);
    const token = await tokenOf(second.url);
    expect(await (await fetch(`${second.url}/api/sync/status`, { headers: { Authorization: `Bearer ${token}` } })).json()).toEqual({ version: 0, organization: null });
    const report = await client(second.url, token, vault, { publish: true }).sync();
    expect(report.publish).toMatchObject({ duplicate: false, changes: 1 });
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.on('exit', r));

    const check = await emptyServer(storage);
    expect(await publishes(check)).toBe(1);
    expect(syncedView(vault.state)).toBe(syncedView(check.model.state));
  }, 60_000);
});

describe('npm run server -- --org', () => {
  it('is an error on a data directory that already exists, instead of being ignored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roleatlas-org-'));
    const file = join(dir, 'org.json');
    writeFileSync(file, JSON.stringify(toInterchange(seedOrg())));
    const data = join(dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'PG_VERSION'), '17');
    const url = process.env.DATABASE_URL;
    process.env.DATABASE_URL = '';
    try {
      await expect(serverMain(['--data', data, '--org', file, '--port', '0'])).rejects.toThrow(`--org ${file}: the data directory ${data} already exists; --org only seeds a new server`);
      await expect(serverMain(['--data', join(dir, 'new'), '--org', join(dir, 'missing.json'), '--port', '0'])).rejects.toThrow(`--org ${join(dir, 'missing.json')}: no such file`);
    } finally {
      process.env.DATABASE_URL = url;
    }
  });

  it.each(BACKENDS)('is an error on a %s database that already has accounts or an organization', async (backend) => {
    const storage = newStorage(backend);
    const first = await startTestServer(storage);
    await first.accounts.add({ name: 'ada', password: 'ada-secret-pw', role: 'System Administrator' });
    await first.close();
    await expect(startTestServer(storage, { seed: seedOrg() })).rejects.toThrow(/already exists \(it holds 1 account\(s\)\); a seed organization is taken only by a new, empty server/);
    const seeded = newStorage(backend);
    await (await startTestServer(seeded, { seed: seedOrg() })).close();
    await expect(startTestServer(seeded, { seed: seedOrg() })).rejects.toThrow(/already holds the organization "Contoso"/);
  });
});
