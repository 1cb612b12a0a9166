import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Vault } from './vault';
import { VaultError } from './errors';
import { demoOrganization } from '../core/generate/demo';

/**
 * Every file of the vault, damaged four ways: a flipped byte, cut in half, deleted, or swapped with
 * an older copy of itself. Each case: does open refuse (naming the file) without changing a byte,
 * does verify name the file, and does restore-backup reach the newest state the files prove and
 * say which acknowledged edits are gone?
 *
 * The history: create, import the demo organization (frames 1–2, audit entry 1, snapshot), teams
 * A and B (frames 3–4, entries 2–3), a snapshot, team C (frame 5, entry 4), team D (frame 6,
 * entry 5). Files then: vault.json and its copy, snapshot.rav (frame 4), snapshot.rav.bak (frame
 * 2), the audit archive of frames 1–2 (no snapshot needs them any more), journal-3 (frames 3–4),
 * journal-5 (frames 5–6, the newest) and journal.head.
 */
const KDF = { N: 1024, r: 8, p: 1 };
const PASS = 'damage table passphrase';
const opts = { actor: 'tester' };
const TEAMS = ['team-a', 'team-b', 'team-c', 'team-d'];
let pristine: string;
/** Older copies of files, taken before the snapshot (P1) and before team D (P2). */
let older: Record<string, Buffer>;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'roleatlas-damage-'));
  pristine = join(root, 'pristine');
  const v = await Vault.create(pristine, PASS, { ...opts, kdf: KDF });
  v.replaceState(demoOrganization(), 'demo');
  const unit = [...v.state.businessunits.values()].find((b) => b.parentbusinessunitid === null)!.businessunitid;
  const team = (id: string) => expect(v.apply({ type: 'createTeam', teamid: id, name: id, teamtype: 0, businessunitid: unit }).ok).toBe(true);
  team('team-a');
  team('team-b');
  const p1 = snapshotFiles(pristine);
  v.compact();
  team('team-c');
  const p2 = snapshotFiles(pristine);
  team('team-d');
  v.lock();
  const now = snapshotFiles(pristine);
  older = {};
  for (const name of Object.keys(now)) {
    const before = [p2[name], p1[name]].find((b) => b && !b.equals(now[name]));
    if (before) older[name] = before;
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function snapshotFiles(dir: string): Record<string, Buffer> {
  return Object.fromEntries(readdirSync(dir).filter((f) => f !== 'writer.lock').map((f) => [f, readFileSync(join(dir, f))]));
}

/** Each file's SHA-256: what "nothing was overwritten" compares. */
const digests = (dir: string) => Object.fromEntries(Object.entries(snapshotFiles(dir)).map(([f, b]) => [f, createHash('sha256').update(b).digest('hex')]));

type Damage = 'flip a byte' | 'truncate' | 'delete' | 'swap with an older copy';
const DAMAGES: Record<Damage, (path: string, name: string) => boolean> = {
  'flip a byte': (path) => {
    const bytes = readFileSync(path);
    bytes[Math.floor(bytes.length / 2)] ^= 0x04;
    writeFileSync(path, bytes);
    return true;
  },
  truncate: (path) => {
    truncateSync(path, Math.floor(readFileSync(path).length / 2));
    return true;
  },
  delete: (path) => {
    rmSync(path);
    return true;
  },
  'swap with an older copy': (path, name) => {
    if (!older[name]) return false;
    writeFileSync(path, older[name]);
    return true;
  },
};

/**
 * What a user sees. open: refuses naming the file, or opens with every edit. verify: names the
 * file, or finds nothing (the damage harmed no state and no history). lost: the acknowledged edits
 * restore-backup reports gone, as journal frames and audit entries (null: none). history: whether
 * verify is clean after the restore ('names the file' when audit entries of old segments are gone
 * for good).
 */
interface Lost {
  readonly frames: readonly [number, number];
  readonly auditEntries: readonly [number, number];
}
interface Expect {
  readonly open: 'refuses' | 'opens';
  readonly verify: 'names the file' | 'clean';
  readonly lost: Lost | null;
  readonly history?: 'clean' | 'names the file';
}
const refuses = (lost: Lost | null = null): Expect => ({ open: 'refuses', verify: 'names the file', lost });
const teamD: Lost = { frames: [6, 6], auditEntries: [5, 5] };
const teamsCD: Lost = { frames: [5, 6], auditEntries: [4, 5] };
const verifyFinds = (history: 'clean' | 'names the file' = 'clean'): Expect => ({ open: 'opens', verify: 'names the file', lost: null, history });
const harmless: Expect = { open: 'opens', verify: 'clean', lost: null };

const TABLE: Record<string, Partial<Record<Damage, Expect>>> = {
  'vault.json': { 'flip a byte': refuses(), truncate: refuses(), delete: refuses() },
  'vault.json.bak': { 'flip a byte': verifyFinds(), truncate: verifyFinds(), delete: verifyFinds() },
  'snapshot.rav': { 'flip a byte': refuses(), truncate: refuses(), delete: refuses(), 'swap with an older copy': refuses() },
  'snapshot.rav.bak': { 'flip a byte': verifyFinds(), truncate: verifyFinds(), delete: verifyFinds(), 'swap with an older copy': verifyFinds() },
  'audit-000000000001-000000000002.rav': { 'flip a byte': verifyFinds('names the file'), truncate: verifyFinds('names the file'), delete: verifyFinds('names the file') },
  'journal-000000000003.rav': { 'flip a byte': verifyFinds('names the file'), truncate: verifyFinds('names the file'), delete: verifyFinds('names the file') },
  'journal-000000000005.rav': { 'flip a byte': refuses(teamD), truncate: refuses(teamD), delete: refuses(teamsCD), 'swap with an older copy': refuses(teamD) },
  'journal.head': { 'flip a byte': refuses(), truncate: refuses(), delete: refuses(), 'swap with an older copy': harmless },
};

const cases = Object.entries(TABLE).flatMap(([file, row]) => Object.entries(row).map(([damage, expected]) => ({ file, damage: damage as Damage, expected })));

describe('a damaged vault file', () => {
  it('has a case for every file the vault writes', () => {
    expect(Object.keys(snapshotFiles(pristine)).sort()).toEqual(Object.keys(TABLE).sort());
  });

  it.each(cases)('$file, $damage: open $expected.open, verify $expected.verify, restore-backup recovers', async ({ file, damage, expected }) => {
    const dir = join(root, `${file}-${damage}`.replace(/\W+/g, '-'));
    cpSync(pristine, dir, { recursive: true });
    const path = join(dir, file);
    expect(DAMAGES[damage](path, file)).toBe(true);
    const damaged = digests(dir);

    // Open: refused naming the file, and nothing overwritten; or opened with every edit.
    const opened = await Vault.open(dir, { passphrase: PASS }, opts).catch((e: unknown) => e);
    if (expected.open === 'refuses') {
      expect(opened).toBeInstanceOf(VaultError);
      expect(opened).toMatchObject({ code: 'tampered', file: path });
      expect(digests(dir)).toEqual(damaged);
    } else {
      expect(opened).toBeInstanceOf(Vault);
      const v = opened as Vault;
      for (const t of TEAMS) expect(v.state.teams.has(t), t).toBe(true);
      const report = v.verify();
      if (expected.verify === 'names the file') {
        expect(report.ok).toBe(false);
        expect(report.files.map((f) => f.file), JSON.stringify(report.files)).toContain(path);
      } else expect(report).toMatchObject({ ok: true, files: [] });
      v.lock();
    }

    // restore-backup: the newest provable state, and what could not be recovered.
    const r = await Vault.restoreBackup(dir, PASS, opts);
    expect(r.lost).toEqual(expected.lost);
    if (file === 'snapshot.rav' && damage !== 'swap with an older copy') expect(r.from).toBe('snapshot.rav.bak');
    else expect(r.damaged).toBeNull();
    for (const aside of r.movedAside) expect(existsSync(aside)).toBe(true);
    const w = await Vault.open(dir, { passphrase: PASS }, opts);
    // Team A is audit entry 2.
    const kept = expected.lost ? TEAMS.slice(0, expected.lost.auditEntries[0] - 2) : TEAMS;
    for (const t of TEAMS) expect(w.state.teams.has(t), t).toBe(kept.includes(t));
    const after = w.verify();
    if ((expected.history ?? 'clean') === 'clean') expect(after).toMatchObject({ ok: true, problems: [], files: [] });
    else expect(after.files.map((f) => f.file).concat(after.problems.length ? [path] : [])).toContain(path);
    w.lock();
  });
});

describe('a compaction cut short', () => {
  it('after copying the snapshot to its backup leaves a vault that opens with every edit and verifies clean', async () => {
    const dir = join(root, 'compaction-cut-after-backup-copy');
    cpSync(pristine, dir, { recursive: true });
    // The first step of a compaction, and nothing after it.
    copyFileSync(join(dir, 'snapshot.rav'), join(dir, 'snapshot.rav.bak'));
    const v = await Vault.open(dir, { passphrase: PASS }, opts);
    for (const t of TEAMS) expect(v.state.teams.has(t), t).toBe(true);
    expect(v.verify()).toMatchObject({ ok: true, problems: [], files: [] });
    v.compact();
    expect(v.verify()).toMatchObject({ ok: true, problems: [], files: [] });
    v.lock();
  });
});
