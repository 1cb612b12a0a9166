/**
 * The server as a process: SIGTERM and SIGINT stop it gracefully (no new connections, the request
 * under way finishes, the database is closed cleanly, exit 0), so nothing is lost and the change
 * set ids go on without the jump a crash leaves.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { server as serverCommand } from '../src-main/cli/commands/server';
import { SyncClient } from '../src-main/sync/client';
import { MemorySyncStore } from '../src-main/sync/store';
import { BU } from '../test/fixtures/orgCharts';
import { newStorage, seedOrg, startTestServer, type TestServer, spawnServerProcess, type ServerProcess } from './testing';
import { runCommand } from '../src-main/cli/testing/runCommand';

const children: ChildProcess[] = [];
const servers: TestServer[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  while (servers.length) await servers.pop()!.close().catch(() => {});
});


const spawnServer = (dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> => spawnServerProcess({ dataDir, env: { DATABASE_URL: '', ...env }, args: ['--log-level', 'silent'] }, children);

async function preparedData(): Promise<string> {
  const storage = newStorage('embedded');
  const setup = await startTestServer(storage, { seed: seedOrg() });
  await setup.accounts.add({ name: 'ada', password: 'ada-secret-pw', role: 'System Administrator' });
  await setup.close();
  return storage.dataDir!;
}

const tokenOf = async (url: string) =>
  ((await (await fetch(`${url}/auth/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'ada', password: 'ada-secret-pw' }) })).json()) as { access_token: string }).access_token;

describe('stopping the server', () => {
  it('on SIGTERM finishes the push under way, refuses new connections, closes the database cleanly and exits 0', async () => {
    const dataDir = await preparedData();
    const server = await spawnServer(dataDir, { ROLEATLAS_FAULT: 'slow-commit' });
    const store = new MemorySyncStore('vault-a');
    const client = new SyncClient({ server: server.url, token: await tokenOf(server.url), store, attempts: 1, sleep: async () => {} });
    await client.pull();
    store.record({ type: 'createBusinessUnit', businessunitid: 'bu-stop', defaultteamid: 'team-stop', name: 'Pushed While Stopping', parentbusinessunitid: BU.contoso });
    const push = client.push();
    // The push is inside its 1.5 s commit when the signal comes.
    await new Promise((r) => setTimeout(r, 500));
    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
    expect(await push).toMatchObject({ pushed: 1, conflicts: 0 });
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.output()).toMatch(/roleatlas server stopped \(SIGTERM\); the database was closed cleanly/);

    // On the same data: the change is there, and the next change set's id follows the last one.
    const storage = { backend: 'embedded' as const, dataDir };
    const again = await startTestServer(storage);
    servers.push(again);
    expect(again.model.state.businessunits.get('bu-stop')!.name).toBe('Pushed While Stopping');
    const last = Number((await again.model.db.query<{ id: string | number }>('select max(id) as id from changeset'))[0].id);
    const r = await again.model.commit({ account: 'ada', source: 'server', changes: [{ id: null, command: { type: 'updateBusinessUnit', businessunitid: 'bu-stop', name: 'Renamed After Restart' } }] });
    expect(r.ok).toBe(true);
    expect(Number((await again.model.db.query<{ id: string | number }>('select max(id) as id from changeset'))[0].id)).toBe(last + 1);
  }, 60_000);

  it('on SIGINT (Ctrl+C) stops the same way', async () => {
    const server = await spawnServer(await preparedData());
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
    server.child.kill('SIGINT');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.output()).toMatch(/stopped \(SIGINT\)/);
  }, 60_000);
});

const roleatlasServer = (...args: string[]) => runCommand(serverCommand, args);

describe('adding an account while the server runs on an embedded database', () => {
  // --data means the embedded database only when DATABASE_URL is not set.
  const databaseUrl = process.env.DATABASE_URL;
  beforeAll(() => void delete process.env.DATABASE_URL);
  afterAll(() => void (databaseUrl === undefined ? delete process.env.DATABASE_URL : (process.env.DATABASE_URL = databaseUrl)));

  it('goes through the running server with --server, and --data refuses, naming the server that has the database open', async () => {
    const dataDir = await preparedData();
    const running = await spawnServer(dataDir);
    process.env.LC_TOKEN = await tokenOf(running.url);
    process.env.LC_PASSWORD = 'carol-secret-pw';
    try {
      const direct = await roleatlasServer('account', 'add', '--data', dataDir, '--name', 'carol', '--role', 'System Administrator', '--password-env', 'LC_PASSWORD');
      expect(direct.code).toBe(1);
      expect(direct.stderr).toMatch(new RegExp(`the server \\(pid ${running.child.pid} .*\\) has ${dataDir} open.*roleatlas server account add --server ${running.url} --token-env NAME`));

      const added = await roleatlasServer('account', 'add', '--server', running.url, '--token-env', 'LC_TOKEN', '--name', 'carol', '--role', 'System Administrator', '--password-env', 'LC_PASSWORD');
      expect(added).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Added account carol \(user [0-9a-f-]+\) holding System Administrator, through http/) });
      const signIn = await fetch(`${running.url}/auth/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'carol', password: 'carol-secret-pw' }) });
      expect(signIn.status).toBe(200);

      const again = await roleatlasServer('account', 'add', '--server', running.url, '--token-env', 'LC_TOKEN', '--name', 'carol', '--role', 'System Administrator', '--password-env', 'LC_PASSWORD');
      expect(again).toMatchObject({ code: 1, stderr: expect.stringMatching(/refused to add account carol \(409\): account carol already exists/) });
    } finally {
      delete process.env.LC_TOKEN;
      delete process.env.LC_PASSWORD;
    }
    running.child.kill('SIGTERM');
    await running.exited;
    // Stopped, the database may be opened directly again.
    const after = await roleatlasServer('account', 'disable', '--data', dataDir, '--name', 'carol');
    expect(after).toMatchObject({ code: 0 });
  }, 60_000);
});
