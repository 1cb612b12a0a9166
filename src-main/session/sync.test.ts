/**
 * The app's sync service on a real vault (temp folder, cheap scrypt) against the real server on
 * loopback: sign in, sync as a job, conflicts with both sides, resolution, offline.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoOrganization } from '../core/generate/demo';
import { newStorage, startTestServer, syncedView, type TestServer } from '../../server/testing';
import { SyncClient } from '../sync/client';
import { MemorySyncStore } from '../sync/store';
import { OrgSession } from './orgSession';
import { SyncService } from './sync';
import { VaultModelStore } from './vaultModelStore';
import { Workspace } from './workspace';

const KDF = { N: 1024, r: 8, p: 1 };
const PASS = 'a long vault passphrase';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function server(): Promise<TestServer> {
  const s = await startTestServer(newStorage('embedded'), { seed: demoOrganization() });
  cleanups.push(() => s.close().catch(() => {}));
  await s.accounts.add({ name: 'ada', password: 'ada-secret-pw', role: 'System Administrator' });
  await s.accounts.add({ name: 'bob', password: 'bob-secret-pw', role: 'System Administrator' });
  return s;
}

async function app() {
  const dir = mkdtempSync(join(tmpdir(), 'roleatlas-app-sync-'));
  const session = new OrgSession(demoOrganization());
  const workspace = new Workspace({ dir: join(dir, 'vault'), actor: 'ada at her desk', session, kdf: KDF });
  cleanups.push(() => {
    workspace.lock();
    rmSync(dir, { recursive: true, force: true });
  });
  expect((await workspace.create(PASS, { kind: 'demo' })).ok).toBe(true);
  let reloads = 0;
  const sync = new SyncService({
    vaults: workspace.vaults,
    onRemoteChange: () => {
      reloads++;
      session.useStore(new VaultModelStore(workspace.vaults));
    },
    attempts: 2,
    sleep: async () => {},
    timeoutMs: 10_000,
  });
  return { dir, session, workspace, sync, reloads: () => reloads };
}

/** Polls the job as the renderer does, until it has finished. */
async function finish(sync: SyncService, jobid: string) {
  for (;;) {
    const p = sync.progress(jobid);
    if (!p.ok) throw new Error(p.error.message);
    if (!['pulling', 'pushing'].includes(p.value.phase)) return p.value;
    await new Promise((r) => setTimeout(r, 10));
  }
}
const must = <T,>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T => {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};
const salesperson = (s: OrgSession) => [...s.current.roles.values()].find((r) => r.name === 'Salesperson')!;

describe('sync from the desktop app', () => {
  it('signs in with account name and password, keeps only the token, and refuses a wrong password', async () => {
    const s = await server();
    const { sync, workspace, dir } = await app();
    expect(sync.status()).toMatchObject({ available: true, connection: null, state: 'never' });
    expect(sync.start()).toMatchObject({ ok: false, error: { code: 'not-connected' } });

    const wrong = await sync.connect(s.url, 'ada', 'not the password');
    expect(wrong).toMatchObject({ ok: false, error: { code: 'unauthorized', path: 'password' } });
    const status = must(await sync.connect(`${s.url}/`, 'ada', 'ada-secret-pw'));
    expect(status.connection).toEqual({ server: s.url, account: 'ada' });
    expect(JSON.stringify(status)).not.toMatch(/token/i);
    const auth = workspace.vaults.use().getSyncState().auth!;
    expect(auth).toMatchObject({ server: s.url, account: 'ada' });
    expect(auth.token.length).toBeGreaterThan(20);
    expect(JSON.stringify(workspace.vaults.use().getSyncState())).not.toContain('ada-secret-pw');
    workspace.lock();
    for (const f of readdirSync(join(dir, 'vault'))) expect(readFileSync(join(dir, 'vault', f), 'latin1')).not.toContain(auth.token);
  });

  it('signing out revokes the token on the server, so a copy of it no longer works', async () => {
    const s = await server();
    const { sync, workspace } = await app();
    must(await sync.connect(s.url, 'ada', 'ada-secret-pw'));
    const token = workspace.vaults.use().getSyncState().auth!.token;
    const asAda = () => fetch(`${s.url}/api/sync/status`, { headers: { Authorization: `Bearer ${token}` } });
    expect((await asAda()).status).toBe(200);

    expect(must(await sync.disconnect()).connection).toBeNull();
    expect((await asAda()).status).toBe(401);
    expect(workspace.vaults.use().getSyncState().auth).toBeUndefined();
    expect(workspace.vaults.use().audit().at(-1)!.summary).toBe(`Signed out of the sync server ${s.url}: the server revoked the token`);
  });

  it('signing out while the server is unreachable still forgets the token, and the audit says it was not revoked', async () => {
    const s = await server();
    const { sync, workspace } = await app();
    must(await sync.connect(s.url, 'ada', 'ada-secret-pw'));
    await s.close();

    expect(must(await sync.disconnect()).connection).toBeNull();
    expect(workspace.vaults.use().getSyncState().auth).toBeUndefined();
    expect(workspace.vaults.use().audit().at(-1)!.summary).toMatch(/^Signed out of the sync server .*: the token was forgotten here but not revoked on the server \(.* could not be reached/);
  });

  it('syncs as a job the screens poll, then shows the last sync and nothing pending', async () => {
    const s = await server();
    const { sync, session, reloads } = await app();
    must(await sync.connect(s.url, 'ada', 'ada-secret-pw'));
    must(session.apply({ type: 'setRolePrivilege', roleid: salesperson(session).roleid, privilege: 'prvReadAccount', depth: 'Global' }));
    expect(sync.status().pending).toBe(1);
    expect(sync.pending(50).entries).toEqual([
      { seq: expect.any(Number), at: expect.any(String), actor: 'ada at her desk', type: 'setRolePrivilege', summary: expect.stringMatching(/prvReadAccount/) },
    ]);

    const { jobid } = must(sync.start());
    expect(must(sync.start()).jobid).toBe(jobid);
    expect(sync.status()).toMatchObject({ state: 'running', jobid });
    const done = await finish(sync, jobid);
    expect(done).toMatchObject({ phase: 'done', pushed: 1, total: 1 });
    expect(done.pulled).toBeGreaterThan(0);
    expect(sync.status()).toMatchObject({ state: 'idle', pending: 0, conflicts: 0, offline: false, jobid: null, lastsyncat: expect.any(String) });
    expect(s.model.state.roles.get(salesperson(session).roleid)!.privileges.prvReadAccount).toBe('Global');
    expect(syncedView(session.current)).toBe(syncedView(s.model.state));
    // The server's account users came down: the screens were told to reload.
    expect(reloads()).toBeGreaterThan(0);
    expect(sync.progress('no-such-job')).toMatchObject({ ok: false, error: { code: 'unknown-job' } });
  });

  it('lists a conflict with both sides, who changed theirs and when, and syncs clean after taking theirs for one field', async () => {
    const s = await server();
    const { sync, session, workspace } = await app();
    must(await sync.connect(s.url, 'ada', 'ada-secret-pw'));
    await finish(sync, must(sync.start()).jobid);
    const roleid = salesperson(session).roleid;

    // Bob, on another computer, changes the same role first.
    const bob = new MemorySyncStore('bob-laptop');
    const bobClient = new SyncClient({ server: s.url, token: await s.token('bob', 'bob-secret-pw'), store: bob, sleep: async () => {} });
    await bobClient.sync();
    bob.record({ type: 'setRolePrivilege', roleid, privilege: 'prvReadAccount', depth: 'Deep' });
    bob.record({ type: 'updateRole', roleid, name: 'Sales Rep' });
    await bobClient.sync();

    must(session.apply({ type: 'setRolePrivilege', roleid, privilege: 'prvReadAccount', depth: 'Global' }));
    must(session.apply({ type: 'updateRole', roleid, name: 'Salesperson (EMEA)' }));
    const p = await finish(sync, must(sync.start()).jobid);
    expect(p.phase).toBe('conflicts');
    expect(sync.status()).toMatchObject({ state: 'conflict', conflicts: 1, pending: 2 });

    const [c] = await sync.conflicts();
    expect(c).toMatchObject({ entityset: 'roles', key: roleid, name: 'Sales Rep', changedby: 'bob', resolved: false });
    expect(Date.parse(c.changedat!)).toBeGreaterThan(Date.now() - 60_000);
    expect(c.fields).toEqual(
      expect.arrayContaining([
        { field: 'privileges/prvReadAccount', mine: 'Global', theirs: 'Deep', choice: null },
        { field: 'name', mine: 'Salesperson (EMEA)', theirs: 'Sales Rep', choice: null },
      ]),
    );

    const r = must(await sync.resolve(c.id, 'theirs', ['privileges/prvReadAccount']));
    expect(r.message).toMatch(/took theirs for privileges\/prvReadAccount/);
    expect(r.conflicts[0]).toMatchObject({ resolved: true });
    expect(r.conflicts[0].fields.find((f) => f.field === 'name')!.choice).toBe('mine');
    expect(salesperson(session)).toBeUndefined(); // renamed: mine kept locally
    expect(session.current.roles.get(roleid)!.privileges.prvReadAccount).toBe('Deep');
    expect(workspace.vaults.use().audit().at(-1)!.summary).toMatch(/^Resolved the conflict on roles/);
    expect(sync.status()).toMatchObject({ conflicts: 0, resolved: 1 });

    const again = await finish(sync, must(sync.start()).jobid);
    expect(again.phase).toBe('done');
    expect(sync.status()).toMatchObject({ state: 'idle', conflicts: 0, resolved: 0, pending: 0 });
    const role = s.model.state.roles.get(roleid)!;
    expect([role.name, role.privileges.prvReadAccount]).toEqual(['Salesperson (EMEA)', 'Deep']);
    expect(syncedView(session.current)).toBe(syncedView(s.model.state));
  });

  it('says offline, with the reason, when the server cannot be reached', async () => {
    const s = await server();
    const { sync } = await app();
    must(await sync.connect(s.url, 'ada', 'ada-secret-pw'));
    await s.close();
    const p = await finish(sync, must(sync.start()).jobid);
    expect(p).toMatchObject({ phase: 'failed', error: expect.stringMatching(/^cannot reach http:\/\/127\.0\.0\.1:\d+: connection refused$/) });
    expect(sync.status()).toMatchObject({ state: 'error', offline: true, message: p.error });
    const refusedSignIn = await sync.connect(s.url, 'ada', 'ada-secret-pw');
    expect(refusedSignIn).toMatchObject({ ok: false, error: { code: 'unreachable', path: 'server' } });
  });

  it('has nothing to sync when the organization is held in memory', async () => {
    const sync = new SyncService({ vaults: null });
    expect(sync.status()).toMatchObject({ available: false, state: 'never' });
    expect(sync.start()).toMatchObject({ ok: false, error: { code: 'no-vault' } });
    expect(sync.pending(10)).toEqual({ total: 0, entries: [] });
  });

  it('refuses to send the password over http:// to another computer unless the admin allows it, then shows the connection as insecure', async () => {
    const s = await server();
    const { workspace } = await app();
    // sync.example.com stands for another computer; the requests reach the test server on loopback.
    const asked: string[] = [];
    const sync = new SyncService({
      vaults: workspace.vaults,
      attempts: 1,
      sleep: async () => {},
      fetch: (input, init) => {
        asked.push(String(input));
        return fetch(String(input).replace('http://sync.example.com', s.url), init);
      },
    });
    const refusedSignIn = await sync.connect('http://sync.example.com', 'ada', 'ada-secret-pw');
    expect(refusedSignIn).toMatchObject({ ok: false, error: { code: 'insecure-http', path: 'server', message: expect.stringMatching(/unencrypted http:\/\/.*tick “Allow unencrypted http:\/\/”/) } });
    expect(asked).toEqual([]);
    expect(sync.status()).toMatchObject({ connection: null, insecure: false });

    const allowed = must(await sync.connect('http://sync.example.com', 'ada', 'ada-secret-pw', { allowInsecureHttp: true }));
    expect(allowed).toMatchObject({ connection: { server: 'http://sync.example.com', account: 'ada' }, insecure: true });
    expect(await finish(sync, must(sync.start()).jobid)).toMatchObject({ phase: 'done' });
    expect(sync.status()).toMatchObject({ insecure: true, state: 'idle' });
    expect(must(await sync.connect(s.url, 'ada', 'ada-secret-pw'))).toMatchObject({ insecure: false });
  });
});
