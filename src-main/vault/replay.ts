import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { batchLabel } from '../core/commands/apply';
import type { Change } from '../core/commands/draft';
import type { OrgState } from '../core/model/org';
import { hashOf } from './audit';
import { VaultError } from './errors';
import { snapshotStore } from './files';
import { journalEntryOf, parseFrame, type BaselineStateFrame, type ChangeFrame, type Frame, type SnapshotMeta, type UndoStep } from './frames';
import type { VaultHeader } from './header';
import { listSegments, missingFrames, scanSegment, segmentPath, type Segment } from './journalFile';
import { headDamage, headPath, readHead, type JournalHead } from './journalHead';
import { decodeSnapshot } from './snapshotCodec';
import type { StoreFactory } from './store';

const UNDO_LIMIT = 100;

/** What load() read: the state, where the journal ends, and (salvaging) where and why it stopped. */
export interface Loaded {
  readonly meta: SnapshotMeta;
  readonly state: OrgState;
  readonly tail: { segment: Segment; goodLength: number; torn: boolean };
  readonly framesSinceSnapshot: number;
  /** The frame the snapshot read covers. */
  readonly snapshotN: number;
  readonly backupN: number | undefined;
  /** The last frame replayed or covered, and its plaintext hash when it was read. */
  readonly last: { n: number; hash: string; segment: number };
  readonly head: JournalHead | null;
  /** Salvaging only: the damage the replay stopped at, and the files after it. */
  readonly stoppedAt?: VaultError;
  readonly headProblem?: VaultError;
  readonly beyond: readonly Segment[];
}

/**
 * Reads a snapshot and replays the journal after it. Strict (open): any damage throws
 * VaultError('tampered') naming the file. Salvaging (restore): the replay stops at the last whole
 * batch before the first damage and says where; only an unreadable snapshot throws.
 */
export function readVault(dir: string, header: VaultHeader, key: Buffer, store: StoreFactory, how: { extension: 'rav' | 'rav.bak'; salvage?: boolean }): Loaded {
  const snapFile = join(dir, `snapshot.${how.extension}`);
  const snap = snapshotStore(dir, header, key, store, how.extension).read();
  if (!snap) throw new VaultError('tampered', `${snapFile} is missing; run restore-backup to use the last good copy`, snapFile);
  const decoded = decodeSnapshot(snap.body);
  const meta = decoded.meta as unknown as SnapshotMeta;
  const replay = new Replay(meta, decoded.state);
  const problems: VaultError[] = [];
  const fail = (e: VaultError) => {
    if (!how.salvage) throw e;
    problems.push(e);
  };

  const headRead = readHead(dir, key, header.vaultid);
  let head: JournalHead | null = null;
  let headProblem: VaultError | undefined;
  if (headRead.kind === 'ok') {
    head = headRead.head;
    // A slot write is one 512-byte pwrite: a killed process never tears it, so a bad slot is damage (after a power cut, too, restore-backup clears it).
    if (headRead.damagedSlot) headProblem = headDamage(dir, `${headPath(dir)}: one of its two copies failed authentication: it was altered or corrupted`);
  } else if (headRead.kind === 'damaged') headProblem = headDamage(dir, headRead.message);
  else if (meta.journalHead) headProblem = headDamage(dir, `${headPath(dir)} is missing: without it a cut-off journal cannot be told from a whole one`);
  if (headProblem && !how.salvage) throw headProblem;
  if (head && head.snapshot > meta.n) {
    const e = new VaultError('tampered', `${snapFile} covers the journal up to frame ${meta.n}, but a snapshot up to frame ${head.snapshot} was written since: an older copy was put back`, snapFile);
    if (!how.salvage) throw e;
  }

  const segments = listSegments(dir);
  // Only segments that can hold frames after the snapshot are read.
  let from = -1;
  segments.forEach((s, i) => {
    if (s.start <= meta.n + 1) from = i;
  });
  let last = { n: meta.n, hash: '', segment: from >= 0 ? segments[from].start : meta.n + 1 };
  let tail = { segment: from >= 0 ? segments[from] : { start: meta.n + 1, path: segmentPath(dir, meta.n + 1) }, goodLength: 0, torn: false };
  let beyond: Segment[] = [];
  let headHashSeen: string | undefined;
  if (from < 0) fail(new VaultError('tampered', `the journal after frame ${meta.n} is missing (${segmentPath(dir, meta.n + 1)} or an earlier segment)`, segmentPath(dir, meta.n + 1)));
  let expected = from >= 0 ? segments[from].start : meta.n + 1;
  for (let i = Math.max(from, 0); i < segments.length && !problems.length; i++) {
    const seg = segments[i];
    const isLast = i === segments.length - 1;
    if (seg.start !== expected) {
      const gap = missingFrames(dir, expected, seg);
      fail(new VaultError('tampered', gap.message, gap.file));
      beyond = segments.slice(i);
      break;
    }
    const scan = scanSegment(seg, key, header.vaultid, isLast);
    if (scan.damage) fail(scan.damage);
    const frames = scan.frames.map(parseFrame);
    const hashes = scan.frames.map((b) => hashOf(b));
    // Frames kept: up to the last whole batch. A batch cut short at the end was never acknowledged.
    let kept = 0;
    for (let k = 0; k < frames.length; k++) {
      const f = frames[k];
      if (f.n !== seg.start + k) {
        fail(new VaultError('tampered', `journal ${seg.path}: frame ${k + 1} is numbered ${f.n}, expected ${seg.start + k}`, seg.path));
        break;
      }
      if (head && f.n === head.n) headHashSeen = hashes[k];
      if (f.kind === 'change' && f.batch.index !== f.batch.size - 1) continue;
      kept = k + 1;
      if (f.n <= meta.n) continue;
      last = { n: f.n, hash: hashes[k], segment: seg.start };
      if (f.kind === 'change') replay.batch(frames.slice(k - f.batch.size + 1, k + 1) as ChangeFrame[], hashes[k]);
      else replay.frame(f, hashes[k]);
    }
    if (!isLast && !scan.damage && kept < frames.length) fail(new VaultError('tampered', `journal ${seg.path} ends inside a batch of changes: its last frames were cut off`, seg.path));
    const goodLength = scan.frames.slice(0, kept).reduce((len, b) => len + 4 + b.length + 28, 0);
    tail = { segment: seg, goodLength, torn: scan.torn || scan.damage !== undefined || kept < frames.length };
    expected = seg.start + frames.length;
    if (problems.length) beyond = segments.slice(i + 1);
  }

  if (head && !problems.length) {
    // The segment that held frame head.n: short, replaced or missing.
    const holder = segmentPath(dir, head.segment);
    if (last.n < head.n) {
      const where = existsSync(holder) ? `journal ${holder} ends at frame ${last.n}` : `journal ${holder} is missing and the journal ends at frame ${last.n}`;
      fail(new VaultError('tampered', `${where}, but frame ${head.n} was written and acknowledged: frames ${last.n + 1}–${head.n} were cut off or deleted`, holder));
    } else if (head.last && headHashSeen !== undefined && headHashSeen !== head.last) {
      fail(new VaultError('tampered', `journal frame ${head.n} in ${holder} is not the one written: the file was replaced by another copy`, holder));
    }
  }
  const loaded = replay.result();
  return { meta: loaded.meta, state: loaded.state, tail, framesSinceSnapshot: loaded.meta.n - meta.n, snapshotN: meta.n, backupN: meta.backup, last, head, beyond, ...(problems.length ? { stoppedAt: problems[0] } : {}), ...(headProblem ? { headProblem } : {}) };
}

/** Applies frames to a state and the bookkeeping, exactly as committing them did. */
export class Replay {
  private meta: SnapshotMeta;
  private state: OrgState;
  private owned = new Set<string>();
  /** The organization of the baseline that follows (BaselineStateFrame). */
  private carried: BaselineStateFrame | null = null;

  /** `live`: the state's tables are shared with earlier states, so the first write to a table copies it. */
  constructor(meta: SnapshotMeta, state: OrgState, private readonly live = false) {
    this.meta = { ...meta, undo: [...meta.undo], redo: [...meta.redo], pending: [...meta.pending] };
    this.state = state;
  }

  /** `hash`: SHA-256 of the last frame's bytes as stored, the new audit head. */
  batch(frames: readonly ChangeFrame[], hash: string, applied?: OrgState): void {
    const first = frames[0];
    if (applied) this.state = applied;
    else for (const f of frames) this.writeRows(f.changes);
    const last = frames[frames.length - 1];
    this.meta.n = last.n;
    this.meta.seq = last.seq;
    this.meta.auditHead = hash;
    if (first.origin === 'local') this.meta.pending.push(...frames.map(journalEntryOf));
    const step = (): UndoStep => {
      const blocked = frames.find((f) => f.inverse === null);
      const inverse = blocked ? null : frames.slice().reverse().flatMap((f) => f.inverse!);
      return { batch: first.batch.id, summary: first.batch.label ?? batchLabel(frames.map((f) => f.summary)), commands: frames.map((f) => f.command), inverse, ...(blocked ? { noinverse: blocked.noinverse } : {}) };
    };
    if (first.origin !== 'local') return;
    if (first.undoes) {
      const undone = this.meta.undo.pop();
      if (undone) this.meta.redo.push(undone);
    } else if (first.redoes) {
      this.meta.redo.pop();
      this.meta.undo.push(step());
    } else {
      this.meta.undo.push(step());
      this.meta.redo = [];
    }
    if (this.meta.undo.length > UNDO_LIMIT) this.meta.undo.splice(0, this.meta.undo.length - UNDO_LIMIT);
  }

  frame(f: Exclude<Frame, ChangeFrame>, hash: string): void {
    this.meta.n = f.n;
    switch (f.kind) {
      case 'baselineState':
        this.carried = f;
        break;
      case 'baseline': {
        const body = Buffer.from(f.state ?? this.carried?.state ?? '', 'base64');
        if (f.stateHash && (this.carried?.n !== f.n - 1 || hashOf(body) !== f.stateHash)) throw new VaultError('tampered', `the organization imported at journal frame ${f.n} does not match its audit entry`);
        this.carried = null;
        this.state = decodeSnapshot(body).state;
        this.owned = new Set(Object.keys(this.state).filter((k) => k !== 'organization'));
        this.meta.seq = f.seq;
        this.meta.undo = [];
        this.meta.redo = [];
        this.meta.auditHead = hash;
        break;
      }
      case 'synced': {
        const ids = new Set(f.ids);
        this.meta.pending = this.meta.pending.filter((p) => !ids.has(p.clientchangeid));
        break;
      }
      case 'staged':
        this.meta.staged = [...f.commands];
        this.meta.stagedgroups = f.groups ? [...f.groups] : undefined;
        break;
      case 'settings':
        this.meta.settings = f.settings;
        break;
      case 'note':
        this.meta.seq = f.seq;
        this.meta.auditHead = hash;
        break;
      case 'sync':
        this.meta.sync = f.sync;
        break;
    }
  }

  private writeRows(changes: readonly Change[]): void {
    const s = this.state as unknown as Record<string, unknown>;
    for (const c of changes) {
      if (c.table === 'organization') {
        s.organization = c.after;
        continue;
      }
      if (this.live && !this.owned.has(c.table)) {
        s[c.table] = new Map(s[c.table] as Map<string, unknown>);
        this.owned.add(c.table);
      }
      const map = s[c.table] as Map<string, unknown>;
      if (c.after === null) map.delete(c.key);
      else map.set(c.key, c.after);
    }
  }

  result(): { meta: SnapshotMeta; state: OrgState } {
    return { meta: this.meta, state: this.live ? this.state : { ...this.state } };
  }
}
