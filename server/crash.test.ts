/**
 * The server process killed (SIGKILL) inside the transaction of a push, then started again on the
 * same data: the push is not applied, the client's retry applies it exactly once.
 */
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { BU } from '../test/fixtures/orgCharts';
import { MemorySyncStore } from '../src-main/sync/store';
import { SyncClient, SyncError } from '../src-main/sync/client';
import { newStorage, seedOrg, startTestServer, BACKENDS, spawnServerProcess } from './testing';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

const spawnServer = (env: Record<string, string>, dataDir: string | undefined) => spawnServerProcess({ dataDir, env }, children);

describe.each(BACKENDS)('a server killed during a push (%s)', (backend) => {
  it('applies nothing of the interrupted change set and exactly once on the retry', async () => {
    const storage = newStorage(backend);
    const dbEnv = storage.databaseUrl ? { DATABASE_URL: `${storage.databaseUrl}${storage.databaseUrl.includes('?') ? '&' : '?'}options=-c%20search_path%3D${storage.schema}` } : { DATABASE_URL: '' };
    // Seed and create the account in-process, then hand the data to a child process.
    const setup = await startTestServer(storage, { seed: seedOrg() });
    await setup.accounts.add({ name: 'ada', password: 'ada-secret-pw', role: 'System Administrator' });
    await setup.close();

    const first = await spawnServer({ ...dbEnv, ROLEATLAS_FAULT: 'kill-before-commit' }, storage.dataDir);
    const token = await tokenOf(first.url);
    const store = new MemorySyncStore('vault-a');
    const sync = (url: string) => new SyncClient({ server: url, token, store, attempts: 1, sleep: async () => {} });
    await sync(first.url).pull();
    store.record({ type: 'createBusinessUnit', businessunitid: 'bu-crash', defaultteamid: 'team-crash', name: 'Crash Test', parentbusinessunitid: BU.contoso });
    store.record({ type: 'updateBusinessUnit', businessunitid: 'bu-crash', name: 'Crash Tested' });
    const died = new Promise((r) => first.child.on('exit', r));
    await expect(sync(first.url).push()).rejects.toBeInstanceOf(SyncError);
    await died;
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(store.journal).toHaveLength(2);

    const second = await spawnServer(dbEnv, storage.dataDir);
    const report = await sync(second.url).sync();
    expect(report.push).toMatchObject({ pushed: 2, duplicates: 0 });
    expect(store.state.businessunits.get('bu-crash')?.name).toBe('Crash Tested');
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.on('exit', r));

    const check = await startTestServer(storage);
    expect(check.model.state.businessunits.get('bu-crash')?.name).toBe('Crash Tested');
    const [{ n }] = await check.model.db.query<{ n: string }>("select count(*) as n from changeset where source = 'sync'");
    expect(Number(n)).toBe(1);
    await check.close();
  });
});

async function tokenOf(url: string): Promise<string> {
  const res = await fetch(`${url}/auth/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'ada', password: 'ada-secret-pw' }) });
  return ((await res.json()) as { access_token: string }).access_token;
}
