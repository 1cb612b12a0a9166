import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Vault, readHeader } from './vault';
import { VaultError } from './errors';
import { unwrapWithPassphrase } from './header';
import { MIN_SCRYPT, seal, tuneScrypt, unseal } from './crypto';
import { decodeSnapshot, encodeState } from './snapshotCodec';
import { listSegments, readSegment, sealFrame } from './journalFile';
import { fakeProtector, safeStorageProtector } from './keyProtector';
import { VaultSession, type Timers } from './session';
import { demoOrganization } from '../core/generate/demo';
import { toInterchange } from '../core/interchange/fromState';
import type { OrgState } from '../core/model/org';

const KDF = { N: 1024, r: 8, p: 1 };
const PASS = 'correct horse battery';
const opts = { actor: 'alice' };
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'roleatlas-vault-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function demoVault(): Promise<Vault> {
  const v = await Vault.create(dir, PASS, { ...opts, kdf: KDF });
  v.replaceState(demoOrganization(), 'demo.json');
  return v;
}
const reopen = () => Vault.open(dir, { passphrase: PASS }, opts);
const role = (s: OrgState) => [...s.roles.values()].find((r) => r.name === 'Salesperson')!;
const files = () => Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f)).toString('base64')]));
const same = (a: OrgState, b: OrgState) => expect(toInterchange(b)).toEqual(toInterchange(a));

describe('the encrypted vault', () => {
  it('stores the organization encrypted and reopens it as it was', async () => {
    const v = await demoVault();
    const before = v.state;
    v.lock();
    const raw = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')).join('');
    expect(raw).not.toContain('Salesperson');
    const w = await reopen();
    same(before, w.state);
  });

  it('refuses a wrong passphrase and changes nothing', async () => {
    (await demoVault()).lock();
    const was = files();
    await expect(Vault.open(dir, { passphrase: 'wrong passphrase' }, opts)).rejects.toMatchObject({ code: 'wrong-passphrase' });
    expect(files()).toEqual(was);
  });

  it('keeps every applied change across a restart, journaled with a client change id', async () => {
    const v = await demoVault();
    const r = v.apply({ type: 'setRolePrivilege', roleid: role(v.state).roleid, privilege: 'prvReadAccount', depth: 'Global' });
    expect(r.ok).toBe(true);
    v.lock();
    const w = await reopen();
    expect(role(w.state).privileges.prvReadAccount).toBe('Global');
    const pending = w.pendingChanges();
    expect(pending.at(-1)).toMatchObject({ actor: 'alice', origin: 'local', command: { type: 'setRolePrivilege' } });
    expect(pending.at(-1)!.clientchangeid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('forgets synced changes and never lists a change that came from sync as pending', async () => {
    const v = await demoVault();
    const a = v.apply({ type: 'setRolePrivilege', roleid: role(v.state).roleid, privilege: 'prvReadAccount', depth: 'Global' });
    const b = v.applyRemote({ type: 'setRolePrivilege', roleid: role(v.state).roleid, privilege: 'prvWriteAccount', depth: 'Global' });
    expect(a.ok && b.ok).toBe(true);
    expect(v.pendingChanges().map((p) => p.clientchangeid)).toEqual([a.ok && a.value.clientchangeid]);
    v.markSynced([a.ok ? a.value.clientchangeid : '']);
    v.lock();
    const w = await reopen();
    expect(w.pendingChanges()).toEqual([]);
    expect(w.audit().at(-1)).toMatchObject({ origin: 'sync' });
  });

  it('undoes and redoes, as audited changes, and an undo survives a restart', async () => {
    const v = await demoVault();
    const id = role(v.state).roleid;
    const was = role(v.state).privileges.prvReadAccount;
    v.apply({ type: 'setRolePrivilege', roleid: id, privilege: 'prvReadAccount', depth: 'Global' });
    expect(v.undo().ok).toBe(true);
    v.lock();
    let w = await reopen();
    expect(role(w.state).privileges.prvReadAccount).toBe(was);
    expect(w.canRedo()).toBe(true);
    expect(w.audit().at(-1)).toMatchObject({ undoes: expect.any(String), command: { type: 'setRolePrivilege', depth: was } });
    expect(w.redo().ok).toBe(true);
    w.compact();
    w.lock();
    w = await reopen();
    expect(role(w.state).privileges.prvReadAccount).toBe('Global');
    expect(w.canUndo()).toBe(true);
    expect(w.canRedo()).toBe(false);
  });

  it('keeps a named step’s name through undo, redo and a restart', async () => {
    const v = await demoVault();
    v.applyAll([{ type: 'setRolePrivilege', roleid: role(v.state).roleid, privilege: 'prvReadAccount', depth: 'Global' }], 'Open accounts to everyone');
    v.undo();
    expect(v.nextRedo()).toBe('Open accounts to everyone');
    v.redo();
    expect(v.nextUndo()).toBe('Open accounts to everyone');
    v.lock();
    const w = await reopen();
    expect(w.nextUndo()).toBe('Open accounts to everyone');
    w.lock();
  });

  it('refuses to undo a user creation and says why', async () => {
    const v = await demoVault();
    const unit = [...v.state.businessunits.values()][0].businessunitid;
    v.apply({ type: 'createUser', fullname: 'New Person', domainname: 'new@contoso.com', businessunitid: unit });
    const r = v.undo();
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.message).toMatch(/cannot be deleted/);
  });

  it('refuses a command and writes nothing', async () => {
    const v = await demoVault();
    const segs = listSegments(dir).map((s) => readFileSync(s.path).length);
    const r = v.applyAll([{ type: 'setRolePrivilege', roleid: role(v.state).roleid, privilege: 'prvReadAccount', depth: 'Global' }, { type: 'deleteRole', roleid: 'nope' }]);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatchObject({ message: expect.stringMatching(/^Change 2 of 2 \(deleteRole\) was refused: /), path: 'commands[1].roleid' });
    expect(listSegments(dir).map((s) => readFileSync(s.path).length)).toEqual(segs);
  });

  it('reports a tampered snapshot and keeps the last good copy, which restores every change', async () => {
    const v = await demoVault();
    v.apply({ type: 'setRolePrivilege', roleid: role(v.state).roleid, privilege: 'prvReadAccount', depth: 'Global' });
    v.compact();
    v.apply({ type: 'setRolePrivilege', roleid: role(v.state).roleid, privilege: 'prvWriteAccount', depth: 'Global' });
    v.lock();
    const snap = join(dir, 'snapshot.rav');
    const text = readFileSync(snap, 'utf8');
    const tampered = text.slice(0, 100) + (text[100] === 'A' ? 'B' : 'A') + text.slice(101);
    writeFileSync(snap, tampered);
    await expect(reopen()).rejects.toMatchObject({ code: 'tampered', file: snap });
    expect(readFileSync(snap, 'utf8')).toBe(tampered);
    const r = await Vault.restoreBackup(dir, PASS, opts);
    expect(readFileSync(r.damaged!, 'utf8')).toBe(tampered);
    const w = await reopen();
    expect(role(w.state).privileges).toMatchObject({ prvReadAccount: 'Global', prvWriteAccount: 'Global' });
  });

  it('reports a truncated snapshot as failing authentication', async () => {
    (await demoVault()).lock();
    const snap = join(dir, 'snapshot.rav');
    writeFileSync(snap, readFileSync(snap, 'utf8').slice(0, 5000));
    await expect(reopen()).rejects.toMatchObject({ code: 'tampered' });
  });

  it('reports a corrupted journal frame and loads nothing', async () => {
    const v = await demoVault();
    v.apply({ type: 'setRolePrivilege', roleid: role(v.state).roleid, privilege: 'prvReadAccount', depth: 'Global' });
    v.apply({ type: 'setRolePrivilege', roleid: role(v.state).roleid, privilege: 'prvWriteAccount', depth: 'Global' });
    v.lock();
    const seg = listSegments(dir).at(-1)!;
    const bytes = readFileSync(seg.path);
    bytes[30] ^= 1;
    writeFileSync(seg.path, bytes);
    await expect(reopen()).rejects.toMatchObject({ code: 'tampered', file: seg.path });
  });

  it('changes the passphrase by re-wrapping the key, without re-encrypting the data', async () => {
    const v = await demoVault();
    const snapshot = readFileSync(join(dir, 'snapshot.rav'), 'utf8');
    await expect(v.changePassphrase('not it at all', 'a new passphrase')).rejects.toMatchObject({ code: 'wrong-passphrase' });
    await v.changePassphrase(PASS, 'a new passphrase', KDF);
    v.lock();
    expect(readFileSync(join(dir, 'snapshot.rav'), 'utf8')).toBe(snapshot);
    await expect(reopen()).rejects.toMatchObject({ code: 'wrong-passphrase' });
    expect((await Vault.open(dir, { passphrase: 'a new passphrase' }, opts)).state.systemusers.size).toBe(40);
  });

  it('unlocks on this computer through the secret store, and not on another', async () => {
    const v = await demoVault();
    await v.enableDeviceUnlock(fakeProtector({ computer: 7 }));
    v.lock();
    expect(readFileSync(join(dir, 'vault.json'), 'utf8')).toContain('devicekey');
    expect((await Vault.open(dir, { protector: fakeProtector({ computer: 7 }) }, opts)).state.systemusers.size).toBe(40);
    await expect(Vault.open(dir, { protector: fakeProtector({ computer: 9 }) }, opts)).rejects.toBeInstanceOf(VaultError);
  });

  it('does not offer unlock on this computer when safeStorage uses basic_text, and says why', async () => {
    const basic = { isEncryptionAvailable: () => true, getSelectedStorageBackend: () => 'basic_text', encryptString: (s: string) => Buffer.from(s), decryptString: (b: Buffer) => b.toString() };
    const a = safeStorageProtector(basic, 'linux').availability();
    expect(a).toEqual({ available: false, reason: expect.stringMatching(/basic_text/) });
    const v = await demoVault();
    await expect(v.enableDeviceUnlock(safeStorageProtector(basic, 'linux'))).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('keeps the staged change set and validated settings', async () => {
    const v = await demoVault();
    expect(v.setStaged([{ type: 'setRolePrivilege', roleid: 'r', privilege: 'prvReadAccount', depth: 'Deep' }]).ok).toBe(true);
    expect(v.setStaged([{ type: 'nonsense' }]).ok).toBe(false);
    expect(v.setSettings({ autoLockMinutes: 5, separationOfDuty: [{ id: 'pay-approve', name: 'Pay and approve', a: { kind: 'role', name: 'Payer' }, b: { kind: 'role', name: 'Approver' } }] }).ok).toBe(true);
    expect(v.setSettings({ autoLockMinutes: -1 }).ok).toBe(false);
    v.lock();
    const w = await reopen();
    expect(w.getStaged()).toHaveLength(1);
    expect(w.getSettings()).toMatchObject({ autoLockMinutes: 5 });
  });

  it('drops the key on lock and refuses every call afterwards', async () => {
    const v = await demoVault();
    v.lock();
    expect(() => v.state).toThrow(/locked/);
    expect(() => v.apply({ type: 'setHierarchySecurity', enabled: true })).toThrow(/locked/);
  });
});

describe('the audit log', () => {
  /** Rewrites the last segment's frames through `edit` (as someone holding the key could). */
  async function rewrite(edit: (frames: Buffer[]) => Buffer[]) {
    const header = readHeader(dir);
    const key = await unwrapWithPassphrase(header, PASS);
    const seg = listSegments(dir).at(-1)!;
    const frames = edit(readSegment(seg, key, header.vaultid, true).frames);
    writeFileSync(seg.path, Buffer.concat(frames.map((f) => sealFrame(key, header.vaultid, seg.start, f))));
  }
  async function fiveEdits(): Promise<Vault> {
    const v = await demoVault();
    v.compact();
    for (const depth of ['Basic', 'Local', 'Deep', 'Global', 'Basic'] as const) v.apply({ type: 'setRolePrivilege', roleid: role(v.state).roleid, privilege: 'prvReadAccount', depth });
    return v;
  }
  const verifyAfter = async (edit: (frames: Buffer[]) => Buffer[]) => {
    const v = await fiveEdits();
    await rewrite(edit);
    return v.verify();
  };

  it('records who changed what, when, with before and after values, chained by SHA-256', async () => {
    const v = await fiveEdits();
    const log = v.audit();
    expect(log).toHaveLength(6);
    expect(log[2]).toMatchObject({ actor: 'alice', command: { type: 'setRolePrivilege' }, changes: [{ table: 'roles', before: expect.any(Object), after: expect.any(Object) }] });
    expect(log[2].prev).toBe(log[1].hash);
    expect(v.verify()).toEqual({ ok: true, entries: 6, problems: [], files: [] });
  });

  it('reports an edited entry by position', async () => {
    const r = await verifyAfter((f) => f.map((b, i) => (i === 1 ? Buffer.from(b.toString().replace('"Local"', '"Global"')) : b)));
    expect(r.problems).toEqual([expect.objectContaining({ kind: 'edited', position: 3 })]);
  });

  it('reports a removed entry by position', async () => {
    const r = await verifyAfter((f) => f.filter((_, i) => i !== 2));
    expect(r.problems[0]).toMatchObject({ kind: 'removed', position: 4 });
  });

  it('reports an inserted entry by position', async () => {
    const r = await verifyAfter((f) => [...f.slice(0, 3), f[2], ...f.slice(3)]);
    expect(r.problems[0]).toMatchObject({ kind: 'inserted', position: 5 });
  });

  it('reports an entry whose bytes were altered at its own position, and only there', async () => {
    const v = await fiveEdits();
    const seg = listSegments(dir).at(-1)!;
    const bytes = readFileSync(seg.path);
    // Entry 4 of the log is the third frame of this segment (entry 1 is the import, in the first segment).
    let at = 0;
    for (let k = 0; k < 2; k++) at += 4 + bytes.readUInt32LE(at);
    bytes[at + 20] ^= 1;
    writeFileSync(seg.path, bytes);
    const r = v.verify();
    expect(r.problems).toEqual([expect.objectContaining({ kind: 'unreadable', position: 4 })]);
    expect(r.problems[0].message).toContain(`journal frame 5 (frame 3 of ${seg.path})`);
    expect(r.files).toEqual([expect.objectContaining({ file: seg.path })]);
  });

  it('survives compaction whole and verifiable, while the journal keeps only what the snapshots need', async () => {
    const v = await demoVault();
    for (let i = 0; i < 4; i++) {
      v.apply({ type: 'setRolePrivilege', roleid: role(v.state).roleid, privilege: 'prvReadAccount', depth: i % 2 ? 'Global' : 'Local' });
      v.setStaged([{ type: 'setRolePrivilege', roleid: 'r', privilege: 'prvReadAccount', depth: 'Deep' }]);
      v.replaceState(demoOrganization(), `demo ${i}`);
    }
    const entries = v.audit().length;
    v.lock();
    const names = readdirSync(dir);
    // Two journal segments at most: the one the backup snapshot replays from, and the open one.
    expect(names.filter((f) => f.startsWith('journal-')).length).toBeLessThanOrEqual(2);
    const archives = names.filter((f) => f.startsWith('audit-'));
    expect(archives.length).toBeGreaterThan(0);
    // The imported organizations are gone from the history; the audit entries that record the imports stay.
    const archived = archives.reduce((n, f) => n + statSync(join(dir, f)).size, 0);
    expect(archived).toBeLessThan(statSync(join(dir, 'snapshot.rav')).size / 4);
    const w = await reopen();
    expect(w.audit()).toHaveLength(entries);
    expect(w.audit().filter((e) => e.kind === 'baseline')).toHaveLength(5);
    expect(w.verify()).toMatchObject({ ok: true, problems: [], files: [], entries });
    w.lock();
  });

  it('lists the changes since an audit entry in order, with their batch, label and undo, without opening the archives before it', async () => {
    const v = await demoVault();
    for (let i = 0; i < 3; i++) {
      v.apply({ type: 'setRolePrivilege', roleid: role(v.state).roleid, privilege: 'prvReadAccount', depth: i % 2 ? 'Global' : 'Local' });
      v.replaceState(demoOrganization(), `demo ${i}`);
    }
    const since = v.seq;
    expect(v.changesSince(since)).toEqual([]);
    const sales = role(v.state).roleid;
    v.applyAll([{ type: 'setRolePrivilege', roleid: sales, privilege: 'prvDeleteAccount', depth: 'Deep' }], 'Let sales delete accounts');
    v.applyAll([
      { type: 'setRolePrivilege', roleid: sales, privilege: 'prvCreateLead', depth: 'Global' },
      { type: 'setRolePrivilege', roleid: sales, privilege: 'prvWriteLead', depth: 'Global' },
    ]);
    v.note({ summary: 'a note changes nothing' });
    expect(v.undo().ok).toBe(true);
    v.lock();
    // The history before the pull is archived; damaging it shows the read never opens it.
    const archives = readdirSync(dir).filter((f) => f.startsWith('audit-'));
    expect(archives.length).toBeGreaterThan(0);
    for (const f of archives) writeFileSync(join(dir, f), Buffer.alloc(64, 7));
    const w = await reopen();
    const changes = w.changesSince(since);
    expect(changes.map((c) => (c.kind === 'change' ? `${c.seq - since} ${c.command.type} ${(c.command as { privilege: string }).privilege} ${c.label ?? ''}${c.undoes ? 'undo' : ''}` : c.kind))).toEqual([
      '1 setRolePrivilege prvDeleteAccount Let sales delete accounts',
      '2 setRolePrivilege prvCreateLead ',
      '3 setRolePrivilege prvWriteLead ',
      '5 setRolePrivilege prvWriteLead undo',
      '6 setRolePrivilege prvCreateLead undo',
    ]);
    const [first, second, third, undo] = changes as Extract<(typeof changes)[number], { kind: 'change' }>[];
    expect(second.batch).toBe(third.batch);
    expect(first.batch).not.toBe(second.batch);
    expect(undo.undoes).toBe(second.batch);
    expect(first.changes[0]).toMatchObject({ table: 'roles', key: sales });
    expect(() => w.changesSince(0)).toThrow(VaultError);
    w.lock();
  });

  it('writes a batch with its note, sync bookkeeping and staged set at once, the bookkeeping knowing the seq once written', async () => {
    const v = await demoVault();
    const seq = v.seq;
    const r = v.applyAll([{ type: 'setRolePrivilege', roleid: role(v.state).roleid, privilege: 'prvDeleteAccount', depth: 'Deep' }], 'Pushed', {
      note: { summary: 'pushed it' },
      sync: (after) => ({ lastsyncat: new Date(Date.UTC(2026, 0, 1, 0, 0, after)).toISOString() }),
      staged: [],
    });
    expect(r.ok).toBe(true);
    expect(v.seq).toBe(seq + 2);
    expect(v.getSyncState().lastsyncat).toBe(new Date(Date.UTC(2026, 0, 1, 0, 0, seq + 2)).toISOString());
    expect(v.audit().slice(-2).map((e) => e.summary)).toEqual([expect.stringMatching(/Salesperson/), 'pushed it']);
    // Refused bookkeeping writes nothing, not even the change.
    const bad = v.applyAll([{ type: 'setRolePrivilege', roleid: role(v.state).roleid, privilege: 'prvDeleteAccount', depth: 'Global' }], undefined, { sync: { deltatoken: -1 } });
    expect(bad).toMatchObject({ ok: false, error: { path: expect.stringMatching(/^sync/) } });
    expect(v.seq).toBe(seq + 2);
    expect(role(v.state).privileges.prvDeleteAccount).toBe('Deep');
    v.lock();
  });

  it('keeps the names of what stays staged when a batch replaces the staged set, across a reopen', async () => {
    const v = await demoVault();
    const sales = role(v.state).roleid;
    const left = { type: 'setRolePrivilege', roleid: sales, privilege: 'prvWriteLead', depth: 'Basic' } as const;
    const named = { id: 3, label: 'Let Salesperson write leads', size: 1 };
    expect(v.applyAll([{ type: 'setRolePrivilege', roleid: sales, privilege: 'prvDeleteAccount', depth: 'Deep' }], 'Pushed', { staged: [left], stagedGroups: [named] }).ok).toBe(true);
    expect(v.getStagedGroups()).toEqual([named]);
    expect(v.applyAll([{ type: 'setRolePrivilege', roleid: sales, privilege: 'prvDeleteAccount', depth: 'Global' }], undefined, { staged: [left], stagedGroups: [named, named] })).toMatchObject({ ok: false, error: { path: 'groups' } });
    v.lock();
    const again = await reopen();
    expect(again.getStaged()).toEqual([left]);
    expect(again.getStagedGroups()).toEqual([named]);
    again.lock();
  });

  it('reports reordered entries by position', async () => {
    const r = await verifyAfter((f) => [f[0], f[2], f[1], ...f.slice(3)]);
    expect(r.problems.map((p) => p.kind)).toContain('reordered');
    expect(r.problems[0].position).toBe(3);
  });
});

describe('the vault files on disk', () => {
  const mode = (path: string) => statSync(path).mode & 0o777;

  it('keeps the vault folder 0700 and every file 0600, through edits, snapshots, backups and a passphrase change', async () => {
    const v = await demoVault();
    v.apply({ type: 'setRolePrivilege', roleid: role(v.state).roleid, privilege: 'prvReadAccount', depth: 'Global' });
    v.compact();
    await v.changePassphrase(PASS, 'another passphrase', KDF);
    v.lock();
    const check = () => {
      expect(mode(dir)).toBe(0o700);
      const names = readdirSync(dir);
      expect(names).toEqual(expect.arrayContaining(['vault.json', 'vault.json.bak', 'snapshot.rav', 'snapshot.rav.bak', 'journal.head']));
      for (const f of names) expect(mode(join(dir, f)), f).toBe(0o600);
    };
    check();
    await Vault.restoreBackup(dir, 'another passphrase', opts);
    check();
  });

  it('puts the modes right on an older vault the next time it is opened for writing', async () => {
    (await demoVault()).lock();
    chmodSync(dir, 0o755);
    for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o644);
    (await reopen()).lock();
    expect(mode(dir)).toBe(0o700);
    for (const f of readdirSync(dir)) expect(mode(join(dir, f)), f).toBe(0o600);
  });

  it('removes the empty temporary files a killed snapshot write leaves behind, on the next open', async () => {
    (await demoVault()).lock();
    writeFileSync(join(dir, 'snapshot.rav.tmp-1a2b3c'), '');
    writeFileSync(join(dir, 'snapshot.rav.bak.tmp'), '');
    (await reopen()).lock();
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('leaves temporary files alone when only reading', async () => {
    (await demoVault()).lock();
    writeFileSync(join(dir, 'snapshot.rav.tmp-1a2b3c'), '');
    (await Vault.open(dir, { passphrase: PASS }, { ...opts, access: 'read' })).lock();
    expect(existsSync(join(dir, 'snapshot.rav.tmp-1a2b3c'))).toBe(true);
  });
});

describe('a vault written before journal.head', () => {
  it('opens, verifies clean, and is brought up to date (head, header copy) the first time it is opened for writing', async () => {
    const v = await demoVault();
    v.apply({ type: 'setRolePrivilege', roleid: role(v.state).roleid, privilege: 'prvReadAccount', depth: 'Global' });
    v.lock();
    // Make it look like an older vault: a snapshot without the journalHead mark, no head, the previous header as the .bak.
    const header = readHeader(dir);
    const key = await unwrapWithPassphrase(header, PASS);
    const aad = Buffer.from(`roleatlas/vault@1|snapshot|${header.vaultid}`);
    const snap = join(dir, 'snapshot.rav');
    const body = unseal(key, Buffer.from(readFileSync(snap, 'utf8').slice('RAVS1 '.length), 'base64'), aad, 'snapshot');
    const { meta, state } = decodeSnapshot(body);
    const { journalHead: _, backup: __, ...older } = meta;
    writeFileSync(snap, 'RAVS1 ' + seal(key, encodeState(state, older), aad).toString('base64'));
    rmSync(join(dir, 'journal.head'));
    writeFileSync(join(dir, 'vault.json.bak'), readFileSync(join(dir, 'vault.json'), 'utf8').replace(/"created": "[^"]+"/, '"created": "2020-01-01T00:00:00.000Z"'));
    const looking = await Vault.open(dir, { passphrase: PASS }, { ...opts, access: 'read' });
    expect(looking.verify()).toMatchObject({ ok: true, problems: [], files: [] });
    looking.lock();
    expect(existsSync(join(dir, 'journal.head'))).toBe(false);
    const w = await reopen();
    expect(role(w.state).privileges.prvReadAccount).toBe('Global');
    expect(existsSync(join(dir, 'journal.head'))).toBe(true);
    expect(readFileSync(join(dir, 'vault.json.bak'), 'utf8')).toBe(readFileSync(join(dir, 'vault.json'), 'utf8'));
    expect(w.verify()).toMatchObject({ ok: true, problems: [], files: [] });
    w.lock();
  });
});

describe('the cost of guessing the passphrase', () => {
  it('creates new vaults at OWASP\'s scrypt minimum or above (N=2^17, r=8, p=1) when no cost is given', async () => {
    const k = await tuneScrypt(1);
    expect(k).toMatchObject({ r: 8, p: 1 });
    expect(k.N).toBeGreaterThanOrEqual(MIN_SCRYPT.N);
    expect(MIN_SCRYPT).toEqual({ N: 2 ** 17, r: 8, p: 1 });
  });

  it('offers a re-wrap for a vault below the minimum, which raises the cost and keeps the passphrase and the data', async () => {
    const v = await demoVault();
    const snapshot = readFileSync(join(dir, 'snapshot.rav'));
    expect(v.needsRewrap).toBe(true);
    expect(await v.rewrap(PASS)).toEqual(MIN_SCRYPT);
    expect(v.needsRewrap).toBe(false);
    expect(await v.rewrap(PASS)).toBeNull();
    v.lock();
    expect(readHeader(dir).kdf).toMatchObject(MIN_SCRYPT);
    expect(readFileSync(join(dir, 'snapshot.rav')).equals(snapshot)).toBe(true);
    const w = await reopen();
    expect(w.state.systemusers.size).toBe(40);
    expect(w.verify().ok).toBe(true);
    w.lock();
  }, 30_000);
});

describe('the vault session', () => {
  function fakeTimers() {
    const pending = new Map<number, () => void>();
    let next = 0;
    const timers: Timers = { setTimeout: (fn) => (pending.set(++next, fn), next), clearTimeout: (h) => pending.delete(h as number) };
    return { timers, fire: () => [...pending.values()].forEach((f) => f()), count: () => pending.size };
  }

  it('locks itself after the idle time and drops the vault', async () => {
    (await demoVault()).lock();
    const t = fakeTimers();
    const s = new VaultSession(dir, { ...opts, timers: t.timers });
    const seen: boolean[] = [];
    s.onLockChange((l) => seen.push(l));
    await s.unlock({ passphrase: PASS });
    expect(s.use().state.systemusers.size).toBe(40);
    expect(t.count()).toBe(1);
    t.fire();
    expect(s.isLocked).toBe(true);
    expect(() => s.use()).toThrow(/locked/);
    expect(seen).toEqual([false, true]);
  });

  it('offers unlock on this computer only when the secret store is real', async () => {
    expect(new VaultSession(dir, { ...opts, protector: fakeProtector({ unavailable: 'no keyring' }) }).deviceUnlock()).toEqual({ available: false, reason: 'no keyring' });
    expect(existsSync(join(dir, 'vault.json'))).toBe(false);
  });
});
