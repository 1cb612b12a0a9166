import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toInterchange } from '../core/interchange/fromState';
import { demoOrganization } from '../core/generate/demo';
import { OrgSession } from './orgSession';
import { SessionUnavailable } from './modelStore';
import { Workspace } from './workspace';
import { Vault } from '../vault/vault';
import type { Timers } from '../vault/session';

const KDF = { N: 1024, r: 8, p: 1 };
const PASS = 'correct horse battery staple';
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'roleatlas-workspace-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function open(timers?: Timers) {
  const session = new OrgSession(demoOrganization());
  const workspace = new Workspace({ dir: join(dir, 'vault'), actor: 'tester', session, kdf: KDF, timers });
  return { session, workspace };
}

const rootOf = (s: OrgSession) => [...s.current.businessunits.values()].find((b) => b.parentbusinessunitid === null)!.businessunitid;

describe('the vault as the app uses it', () => {
  it('starts at first run with nothing readable', () => {
    const { session, workspace } = open();
    expect(workspace.status().phase).toBe('firstRun');
    expect(() => session.summary()).toThrow(SessionUnavailable);
  });

  it('creates a vault from the demo organization, and what is stored is encrypted', async () => {
    const { session, workspace } = open();
    const r = await workspace.create(PASS, { kind: 'demo' });
    expect(r.ok).toBe(true);
    expect(workspace.status()).toMatchObject({ phase: 'open', organization: 'Contoso' });
    expect(session.summary().counts.users).toBe(40);
    for (const f of readdirSync(join(dir, 'vault'))) expect(readFileSync(join(dir, 'vault', f), 'latin1')).not.toContain('Avery Admin');
  });

  it('keeps an edit across lock and unlock, and undo still works after unlocking', async () => {
    const { session, workspace } = open();
    await workspace.create(PASS, { kind: 'empty', name: 'Northwind' });
    const added = session.apply({ type: 'createBusinessUnit', name: 'Sales', parentbusinessunitid: rootOf(session) });
    expect(added.ok).toBe(true);
    workspace.lock();
    expect(workspace.status().phase).toBe('locked');
    expect(() => session.summary()).toThrow(/locked/);
    expect((await workspace.unlock({ passphrase: PASS })).ok).toBe(true);
    expect(session.summary().businessunits.map((b) => b.name)).toContain('Sales');
    expect(session.history().canUndo).toBe(true);
    expect(session.undo().ok).toBe(true);
    expect(session.summary().businessunits.map((b) => b.name)).not.toContain('Sales');
  });

  it('raises the passphrase protection of a vault wrapped below the minimum cost when the admin unlocks it', async () => {
    const weak = await Vault.create(join(dir, 'vault'), PASS, { actor: 'tester', kdf: { N: 256, r: 8, p: 1 } });
    weak.lock();
    const { workspace } = open();
    expect((await workspace.unlock({ passphrase: PASS })).ok).toBe(true);
    workspace.lock();
    const header = JSON.parse(readFileSync(join(dir, 'vault', 'vault.json'), 'utf8')) as { kdf: { N: number } };
    expect(header.kdf.N).toBe(KDF.N);
    // The data is still there under the same passphrase.
    expect((await workspace.unlock({ passphrase: PASS })).ok).toBe(true);
  });

  it('refuses a wrong passphrase and stays locked', async () => {
    const { session, workspace } = open();
    await workspace.create(PASS, { kind: 'demo' });
    workspace.lock();
    const r = await workspace.unlock({ passphrase: 'not the passphrase' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('wrong-passphrase');
    expect(workspace.status().phase).toBe('locked');
    expect(() => session.summary()).toThrow(SessionUnavailable);
  });

  it('starts from an interchange file, and refuses a bad one naming the bad value', async () => {
    const file = JSON.stringify(toInterchange(demoOrganization()));
    const bad = JSON.parse(file);
    bad.systemusers[0].businessunitid = 'nowhere';
    const first = open();
    const r = await first.workspace.create(PASS, { kind: 'file', filename: 'contoso.json', contents: JSON.stringify(bad) });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain('contoso.json: systemusers[0].businessunitid');
    expect(first.workspace.status().phase).toBe('firstRun');
    const ok = await first.workspace.create(PASS, { kind: 'file', filename: 'contoso.json', contents: file });
    expect(ok.ok).toBe(true);
    expect(first.session.summary().counts.records).toBe(320);
  });

  it('locks itself after the idle time and the screens then see it locked', async () => {
    const pending: (() => void)[] = [];
    const timers: Timers = { setTimeout: (fn) => pending.push(fn), clearTimeout: () => {} };
    const { session, workspace } = open(timers);
    await workspace.create(PASS, { kind: 'demo' });
    expect((await workspace.setAutoLock(5)).ok).toBe(true);
    pending.at(-1)!();
    expect(workspace.status().phase).toBe('locked');
    expect(() => session.summary()).toThrow(/locked/);
  });

  it('does not offer unlock on this computer without a secret store', async () => {
    const { workspace } = open();
    await workspace.create(PASS, { kind: 'demo' });
    expect(workspace.status().deviceUnlock.available).toBe(false);
    const r = await workspace.setDeviceUnlock(true);
    expect(r.ok).toBe(false);
  });
});
