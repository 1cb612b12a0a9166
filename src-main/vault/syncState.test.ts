import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Vault } from './vault';
import { demoOrganization } from '../core/generate/demo';
import type { OrgState } from '../core/model/org';

const KDF = { N: 1024, r: 8, p: 1 };
const PASS = 'correct horse battery';
const opts = { actor: 'alice' };
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'roleatlas-vault-sync-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function demoVault(): Promise<Vault> {
  const v = await Vault.create(dir, PASS, { ...opts, kdf: KDF });
  v.replaceState(demoOrganization(), 'demo.json');
  return v;
}
const reopen = () => Vault.open(dir, { passphrase: PASS }, opts);
const salesperson = (s: OrgState) => [...s.roles.values()].find((r) => r.name === 'Salesperson')!;

describe('the vault\'s sync section and audit notes', () => {
  it('keeps a Dataverse sign-in sealed across reopening and compaction, and refuses a record that is not whole', async () => {
    const v = await demoVault();
    const record = { env: 'https://contoso.crm.dynamics.com', clientid: '51f81489-12ee-4a9e-aaae-a2591f45987d', authority: 'https://login.microsoftonline.com/organizations', username: 'avery@contoso.com', name: 'Avery', homeaccountid: 'uid.utid', cache: '{"RefreshToken":{"k":{"secret":"a-refresh-token-secret"}}}' };
    expect(v.setSyncState({ dataversesignin: record }).ok).toBe(true);
    const bad = v.setSyncState({ dataversesignin: { ...record, cache: '' } });
    expect(bad).toMatchObject({ ok: false, error: { message: expect.stringContaining('sync.dataversesignin.cache') } });
    expect(v.getSyncState().dataversesignin).toEqual(record);
    v.lock();
    expect(readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')).join('')).not.toContain('a-refresh-token-secret');
    const w = await reopen();
    w.compact();
    w.lock();
    const x = await reopen();
    expect(x.getSyncState().dataversesignin).toEqual(record);
    expect(x.setSyncState({ dataversesignin: undefined }).ok).toBe(true);
    expect(x.getSyncState().dataversesignin).toBeUndefined();
    x.lock();
  });

  it('keeps the sync bookkeeping encrypted across reopening and compaction, and refuses what is not valid', async () => {
    const v = await demoVault();
    expect(v.getSyncState()).toEqual({ clientid: null, server: null, deltatoken: null, lastsyncat: null, status: { state: 'idle' }, conflicts: [] });
    expect(v.setSyncState({ clientid: 'roleatlas-1', server: 'https://sync.example', deltatoken: 42 }).ok).toBe(true);
    const bad = v.setSyncState({ deltatoken: -1 });
    expect(bad.ok).toBe(false);
    expect(v.getSyncState().deltatoken).toBe(42);
    v.lock();
    expect(readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')).join('')).not.toContain('sync.example');
    const w = await reopen();
    expect(w.getSyncState()).toMatchObject({ clientid: 'roleatlas-1', server: 'https://sync.example', deltatoken: 42 });
    w.compact();
    w.lock();
    expect((await reopen()).getSyncState().deltatoken).toBe(42);
  });

  it('applies server changes all or nothing with origin sync, with a note and the bookkeeping in the same write', async () => {
    const v = await demoVault();
    const role = salesperson(v.state);
    const entries = v.audit().length;
    const refused = v.applyRemoteAll(
      [
        { type: 'setRolePrivilege', roleid: role.roleid, privilege: 'prvReadAccount', depth: 'Global' },
        { type: 'deleteRole', roleid: 'no-such-role' },
      ],
      { note: { summary: 'never written' }, sync: { deltatoken: 7 } },
    );
    expect(refused.ok).toBe(false);
    expect(v.audit()).toHaveLength(entries);
    expect(v.getSyncState().deltatoken).toBeNull();

    const r = v.applyRemoteAll([{ type: 'setRolePrivilege', roleid: role.roleid, privilege: 'prvReadAccount', depth: 'Global' }], {
      note: { summary: 'Took theirs', detail: { choices: { 'privileges/prvReadAccount': 'theirs' } } },
      sync: { deltatoken: 7 },
    });
    expect(r.ok).toBe(true);
    v.lock();
    const w = await reopen();
    const log = w.audit().slice(entries);
    expect(log.map((e) => [e.kind, e.origin, e.command?.type ?? null])).toEqual([
      ['change', 'sync', 'setRolePrivilege'],
      ['note', 'sync', null],
    ]);
    expect(log[1]).toMatchObject({ summary: 'Took theirs', detail: { choices: { 'privileges/prvReadAccount': 'theirs' } }, changes: [] });
    expect(w.getSyncState().deltatoken).toBe(7);
    expect(w.pendingChanges()).toEqual([]);
    expect(w.canUndo()).toBe(false);
    w.note({ summary: 'Sync pulled: nothing' });
    expect(w.verify()).toMatchObject({ ok: true, entries: entries + 3 });
  });
});
