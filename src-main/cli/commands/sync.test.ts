/**
 * roleatlas sync, sync status and sync resolve on real vaults against the real server on loopback.
 * The command runs in-process (sync.run) with stdout captured and CliError read the way main() does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROLE, USER } from '../../../test/fixtures/orgCharts';
import { newStorage, seedOrg, startTestServer, syncedView, type TestServer } from '../../../server/testing';
import { Vault } from '../../vault/vault';
import { sync } from './sync';
import { VaultSyncStore } from '../../sync/vaultSyncStore';
import { runCommand } from '../testing/runCommand';

const PASS = 'a long vault passphrase';
let dir: string;
let server: TestServer;
const ENV = ['SYNC_PASS', 'ADA_TOKEN', 'BOB_TOKEN', 'READER_TOKEN', 'BAD_TOKEN', 'UNSET_TOKEN'] as const;

const roleatlas = (...args: string[]) => runCommand(sync, args);

async function newVault(name: string): Promise<string> {
  const path = join(dir, name);
  (await Vault.create(path, PASS, { actor: name, kdf: { N: 1024, r: 8, p: 1 } })).lock();
  return path;
}
async function withVault<T>(path: string, f: (v: Vault) => T): Promise<T> {
  const v = await Vault.open(path, { passphrase: PASS }, { actor: 'test' });
  try {
    return f(v);
  } finally {
    v.lock();
  }
}
const vaultArgs = (path: string) => ['--vault', path, '--passphrase-env', 'SYNC_PASS'];
const syncArgs = (path: string, tokenEnv = 'ADA_TOKEN') => [...vaultArgs(path), '--server', server.url, '--token-env', tokenEnv];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roleatlas-sync-cli-'));
  server = await startTestServer(newStorage('embedded'), { seed: seedOrg() });
  for (const [name, role] of [['ada', 'System Administrator'], ['bob', 'System Administrator'], ['reader', 'Security Reader']] as const) {
    await server.accounts.add({ name, password: `${name}-secret-pw`, role });
    process.env[`${name.toUpperCase()}_TOKEN`] = await server.token(name, `${name}-secret-pw`);
  }
  process.env.SYNC_PASS = PASS;
  process.env.BAD_TOKEN = 'not-a-token';
  delete process.env.UNSET_TOKEN;
}, 60_000);
afterAll(async () => {
  await server?.close();
  for (const k of ENV) delete process.env[k];
  rmSync(dir, { recursive: true, force: true });
});

describe('roleatlas sync', () => {
  it('lists a conflict per object and field with both sides, resolves it from the command line, and audits the choice', async () => {
    const a = await newVault('a');
    const b = await newVault('b');
    for (const v of [a, b]) expect((await roleatlas(...syncArgs(v, v === a ? 'ADA_TOKEN' : 'BOB_TOKEN'))).code).toBe(0);

    await withVault(a, (v) => v.applyAll([{ type: 'setRolePrivilege', roleid: ROLE.salesperson, privilege: 'prvReadAccount', depth: 'Global' }, { type: 'updateUser', systemuserid: USER.sam, fullname: 'Samuel A' }]));
    await withVault(b, (v) =>
      v.applyAll([
        { type: 'setRolePrivilege', roleid: ROLE.salesperson, privilege: 'prvReadAccount', depth: 'Local' },
        { type: 'updateUser', systemuserid: USER.sam, fullname: 'Samuel B' },
      ]),
    );
    const ra = await roleatlas(...syncArgs(a), '--json');
    expect(ra.code, ra.stderr).toBe(0);
    expect(JSON.parse(ra.stdout)).toMatchObject({ pushed: 2, conflicts: [] });

    const rb = await roleatlas(...syncArgs(b, 'BOB_TOKEN'));
    expect(rb.code).toBe(1);
    expect(rb.stderr).toMatch(/2 conflict\(s\) need resolving/);
    expect(rb.stdout).toMatch(new RegExp(`roles\\(${ROLE.salesperson}\\) "Salesperson", changed by ada`));
    expect(rb.stdout).toMatch(/privileges\/prvReadAccount: mine Local, theirs Global/);
    expect(rb.stdout).toMatch(/fullname: mine Samuel B, theirs Samuel A/);
    expect(server.model.state.systemusers.get(USER.sam)!.fullname).toBe('Samuel A');

    const status = await roleatlas('status', ...vaultArgs(b), '--json');
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ state: 'conflict', pending: 2, conflicts: [{ object: ROLE.salesperson }, { object: USER.sam }] });

    const bad = await roleatlas('resolve', ...vaultArgs(b), '--object', ROLE.salesperson, '--take', 'theirs', '--field', 'privileges/prvNope');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/has no field privileges\/prvNope; its fields are privileges\/prvReadAccount/);

    const take = await roleatlas('resolve', ...vaultArgs(b), '--object', ROLE.salesperson, '--take', 'theirs');
    expect(take.code, take.stderr).toBe(0);
    expect(take.stdout).toMatch(/Applied 1 change\(s\) to the vault to take the server's side.*1 conflict\(s\) still to resolve/);
    const keep = await roleatlas('resolve', ...vaultArgs(b), '--object', `systemusers(${USER.sam})`, '--take', 'mine');
    expect(keep.code, keep.stderr).toBe(0);

    await withVault(b, (v) => {
      expect(v.state.roles.get(ROLE.salesperson)!.privileges.prvReadAccount).toBe('Global');
      const log = v.audit();
      const notes = log.filter((e) => e.kind === 'note' && /^Resolved the conflict/.test(e.summary));
      expect(notes.map((e) => e.summary)).toEqual([
        expect.stringMatching(new RegExp(`roles\\(${ROLE.salesperson}\\) changed by ada: privileges/prvReadAccount=theirs`)),
        expect.stringMatching(new RegExp(`systemusers\\(${USER.sam}\\) changed by ada: fullname=mine`)),
      ]);
      expect(notes[0].detail).toMatchObject({ choices: { 'privileges/prvReadAccount': 'theirs' }, fields: [{ field: 'privileges/prvReadAccount', mine: 'Local', theirs: 'Global' }] });
      // The command the choice became sits right before its note, from the server's side.
      const taken = log[log.indexOf(notes[0]) - 1];
      expect(taken).toMatchObject({ kind: 'change', origin: 'sync', command: { type: 'setRolePrivilege', depth: 'Global' } });
      expect(v.verify().ok).toBe(true);
    });

    const rb2 = await roleatlas(...syncArgs(b, 'BOB_TOKEN'));
    expect(rb2.code, rb2.stderr).toBe(0);
    const s = server.model.state;
    expect(s.roles.get(ROLE.salesperson)!.privileges.prvReadAccount).toBe('Global');
    expect(s.systemusers.get(USER.sam)!.fullname).toBe('Samuel B');
    expect((await roleatlas(...syncArgs(a))).code).toBe(0);
    const views = await Promise.all([a, b].map((p) => withVault(p, (v) => ({ view: syncedView(v.state), pending: v.pendingChanges().length, conflicts: v.getSyncState().conflicts.length }))));
    for (const v of views) expect(v).toEqual({ view: syncedView(server.model.state), pending: 0, conflicts: 0 });
    const after = await roleatlas('status', ...vaultArgs(b));
    expect(after.stdout).toMatch(/syncs with http:\/\/127\.0\.0\.1:\d+ as roleatlas-.* ended idle; server version \d+\n0 change\(s\) to push/);
  }, 120_000);

  it('refuses a bad server URL, a token given as an argument and a missing option as usage errors', async () => {
    const v = await newVault('usage');
    const cases: [string[], RegExp][] = [
      [[...vaultArgs(v), '--server', 'not a url', '--token-env', 'ADA_TOKEN'], /--server must be a URL/],
      [[...vaultArgs(v), '--server', 'ftp://example.com', '--token-env', 'ADA_TOKEN'], /http:\/\/ or https:\/\//],
      [[...vaultArgs(v), '--server', server.url, '--token', 'abc'], /token is never an argument/],
      [[...vaultArgs(v), '--server', server.url], /--token-env is required/],
      [['resolve', ...vaultArgs(v), '--object', 'x', '--take', 'both'], /--take must be mine or theirs/],
    ];
    for (const [args, message] of cases) {
      const r = await roleatlas(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });

  it('refuses to send the token over http:// to another computer without --allow-insecure-http, and sync status says when it was allowed', async () => {
    const v = await newVault('cleartext');
    const r = await roleatlas(...vaultArgs(v), '--server', 'http://sync.example.com', '--token-env', 'ADA_TOKEN');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refusing to send the sign-in or token to http:\/\/sync.example.com over unencrypted http:\/\/ .* or pass --allow-insecure-http to allow cleartext/);
    // Loopback http:// needs no flag (the test server), and says nothing about cleartext.
    expect((await roleatlas(...syncArgs(v))).code).toBe(0);
    expect(JSON.parse((await roleatlas('status', ...vaultArgs(v), '--json')).stdout)).toMatchObject({ insecure: false });
    await withVault(v, (x) => new VaultSyncStore(x, { server: 'http://sync.example.com' }).setDeltaToken(1));
    const status = await roleatlas('status', ...vaultArgs(v));
    expect(status.stdout).toMatch(/syncs with http:\/\/sync.example.com over UNENCRYPTED http:\/\/ \(allowed by --allow-insecure-http\)/);
    expect(JSON.parse((await roleatlas('status', ...vaultArgs(v), '--json')).stdout)).toMatchObject({ server: 'http://sync.example.com', insecure: true });
  });

  it('says in one line when the token is missing, refused or lacks rights, or the server cannot be reached', async () => {
    const v = await newVault('errors');
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const unset = await roleatlas(...syncArgs(v, 'UNSET_TOKEN'));
    expect(unset).toMatchObject({ code: 1, stderr: 'environment variable UNSET_TOKEN (from --token-env) is not set' });
    const refused = await roleatlas(...syncArgs(v, 'BAD_TOKEN'));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^the sync server at http:\/\/127\.0\.0\.1:\d+ refused the token from BAD_TOKEN \(401\): the bearer token is unknown or expired/);
    const down = await roleatlas(...vaultArgs(v), '--server', `http://127.0.0.1:${port}`, '--token-env', 'ADA_TOKEN');
    expect(down.code).toBe(1);
    expect(down.stderr).toBe(`cannot reach the sync server at http://127.0.0.1:${port}: connection refused`);
    for (const r of [unset, refused, down]) expect(r.stderr).not.toMatch(/\n/);

    // A read-only account pulls, but its push is refused and the change stays pending.
    expect((await roleatlas(...syncArgs(v, 'READER_TOKEN'))).code).toBe(0);
    await withVault(v, (x) => x.apply({ type: 'setRolePrivilege', roleid: ROLE.salesperson, privilege: 'prvWriteAccount', depth: 'Global' }));
    const forbidden = await roleatlas(...syncArgs(v, 'READER_TOKEN'));
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toMatch(/refused the change \(403\): account reader lacks prvWriteRole at Global.*Nothing was pushed/);
    await withVault(v, (x) => {
      expect(x.pendingChanges()).toHaveLength(1);
      expect(x.getSyncState().status).toMatchObject({ state: 'error' });
    });
    const status = await roleatlas('status', ...vaultArgs(v));
    expect(status.stdout).toMatch(/ended error \(.*lacks prvWriteRole/);
    expect(status.stdout).toMatch(/1 change\(s\) to push/);
  }, 60_000);

  it('says there is nothing to resolve in a vault without conflicts', async () => {
    const v = await newVault('calm');
    const r = await roleatlas('resolve', ...vaultArgs(v), '--object', ROLE.salesperson, '--take', 'mine');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/has no open conflicts/);
  });
});

describe('roleatlas sync against an empty server', () => {
  it('publishes the vault’s organization only with --publish, then a new vault’s first sync reports a full pull', async () => {
    const empty = await startTestServer(newStorage('embedded'));
    try {
      await empty.accounts.add({ name: 'ada', password: 'ada-secret-pw', role: 'System Administrator' });
      process.env.EMPTY_TOKEN = await empty.token('ada', 'ada-secret-pw');
      const offline = await newVault('offline');
      await withVault(offline, (v) => {
        v.replaceState(seedOrg(), 'the Contoso file');
        v.applyAll([{ type: 'updateUser', systemuserid: USER.sam, fullname: 'Samuel Offline' }]);
      });
      const args = [...vaultArgs(offline), '--server', empty.url, '--token-env', 'EMPTY_TOKEN'];

      const asked = await roleatlas(...args);
      expect(asked.code).toBe(1);
      expect(asked.stderr).toMatch(/holds no organization yet\. Publishing puts this vault's organization "Contoso" .*: run roleatlas sync again with --publish\. Nothing was sent$/);
      expect(empty.model.hasOrganization).toBe(false);

      const published = await roleatlas(...args, '--publish', '--json');
      expect(published.code, published.stderr).toBe(0);
      expect(JSON.parse(published.stdout)).toMatchObject({ published: { organization: 'Contoso', duplicate: false, changes: 1, unplaced: [] }, pending: 0, conflicts: [] });
      expect(empty.model.state.systemusers.get(USER.sam)!.fullname).toBe('Samuel Offline');

      const fresh = await newVault('fresh');
      const first = await roleatlas(...vaultArgs(fresh), '--server', empty.url, '--token-env', 'EMPTY_TOKEN', '--json');
      expect(first.code, first.stderr).toBe(0);
      expect(JSON.parse(first.stdout).pulled).toMatchObject({ full: true, rows: expect.any(Number) });
      expect(JSON.parse(first.stdout).pulled.rows).toBeGreaterThan(10);
      await withVault(fresh, (v) => expect(syncedView(v.state)).toBe(syncedView(empty.model.state)));
    } finally {
      delete process.env.EMPTY_TOKEN;
      await empty.close();
    }
  }, 60_000);
});
