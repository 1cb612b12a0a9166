import { closeSync, existsSync, fdatasyncSync, fstatSync, fsyncSync, ftruncateSync, openSync, readdirSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { FileProblem } from './audit';
import { seal, unseal } from './crypto';
import { VaultError } from './errors';
import { writeFileSecure } from './fileModes';

/**
 * The journal: append-only segment files of sealed frames, `journal-<first frame number>.rav`.
 * A frame is a u32 length then iv | ciphertext | tag; its AAD binds the vault and the segment.
 * A write is durable when appendFrames returns (fdatasync). A frame cut short at the very end of
 * the last segment is a write the crash interrupted: it was never acknowledged, so it is dropped.
 * Anything else that fails authentication is tampering or corruption and stops the open.
 */
const PREFIX = 'journal-';
const SUFFIX = '.rav';
const MAX_FRAME = 1 << 30;

export interface Segment {
  readonly start: number;
  readonly path: string;
  /** Set for an audit archive: the last journal frame number the archived range covered. */
  readonly end?: number;
}

export function listSegments(dir: string): Segment[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.startsWith(PREFIX) && f.endsWith(SUFFIX) && /^\d+$/.test(f.slice(PREFIX.length, -SUFFIX.length)))
    .map((f) => ({ start: Number(f.slice(PREFIX.length, -SUFFIX.length)), path: join(dir, f) }))
    .sort((a, b) => a.start - b.start);
}

export const segmentPath = (dir: string, start: number) => join(dir, `${PREFIX}${String(start).padStart(12, '0')}${SUFFIX}`);
const aadOf = (vaultid: string, start: number, end?: number) =>
  Buffer.from(end === undefined ? `roleatlas/vault@1|journal|${vaultid}|${start}` : `roleatlas/vault@1|audit|${vaultid}|${start}|${end}`);

/**
 * Audit archives, `audit-<first>-<last frame number>.rav`: what compaction keeps of journal
 * segments no snapshot needs any more, the audit entries (change, import, note frames) byte for
 * byte, so the hash chain still verifies; frames that only served replay are dropped.
 */
const ARCHIVE = /^audit-(\d{12})-(\d{12})\.rav$/;
export const archivePath = (dir: string, start: number, end: number) => join(dir, `audit-${String(start).padStart(12, '0')}-${String(end).padStart(12, '0')}.rav`);

export function listArchives(dir: string): Segment[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => ({ f, m: ARCHIVE.exec(f) }))
    .filter((x): x is { f: string; m: RegExpExecArray } => x.m !== null)
    .map(({ f, m }) => ({ start: Number(m[1]), end: Number(m[2]), path: join(dir, f) }))
    .sort((a, b) => a.start - b.start);
}

/** Writes an archive whole (0600, synced) under a temporary name, then renames it into place. */
export function writeArchive(dir: string, key: Buffer, vaultid: string, start: number, end: number, plaintexts: readonly Buffer[]): Segment {
  const path = archivePath(dir, start, end);
  const tmp = `${path}.tmp`;
  writeFileSecure(tmp, Buffer.concat(plaintexts.map((p) => lengthPrefixed(seal(key, p, aadOf(vaultid, start, end))))));
  renameSync(tmp, path);
  syncDir(dir);
  return { start, end, path };
}

function lengthPrefixed(sealed: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32LE(sealed.length);
  return Buffer.concat([len, sealed]);
}

export interface SegmentRead {
  readonly frames: Buffer[];
  /** Bytes up to the end of the last whole frame. */
  readonly goodLength: number;
  /** True when bytes after goodLength are a frame cut short. */
  readonly torn: boolean;
}

export function readSegment(seg: Segment, key: Buffer, vaultid: string, isLast: boolean): SegmentRead {
  const scan = scanSegment(seg, key, vaultid, isLast);
  if (scan.damage) throw scan.damage;
  return scan;
}

export interface SegmentScan extends SegmentRead {
  /** The first frame that failed (the frames before it are whole and authentic). */
  readonly damage?: VaultError;
  /** 1-based frame numbers within the file that failed authentication; the scan goes past them where their length allows. */
  readonly badFrames: readonly number[];
  /** Every frame in order, null where it failed: what verify reports positions from. */
  readonly all: readonly (Buffer | null)[];
}

/**
 * Reads what can be read: frames up to the first damage (in `frames`), and, for verify, which
 * later frames fail too. A missing file is damage, not an exception.
 */
export function scanSegment(seg: Segment, key: Buffer, vaultid: string, isLast: boolean): SegmentScan {
  if (!existsSync(seg.path)) return { frames: [], goodLength: 0, torn: false, badFrames: [], all: [], damage: new VaultError('tampered', `journal ${seg.path} is missing`, seg.path) };
  const bytes = readFileSync(seg.path);
  const frames: Buffer[] = [];
  const badFrames: number[] = [];
  const all: (Buffer | null)[] = [];
  let damage: VaultError | undefined;
  let goodLength = 0;
  let at = 0;
  let index = 0;
  while (at < bytes.length) {
    index++;
    const whole = at + 4 <= bytes.length && bytes.readUInt32LE(at) <= MAX_FRAME && at + 4 + bytes.readUInt32LE(at) <= bytes.length;
    if (!whole) {
      if (isLast && !damage) return { frames, goodLength, torn: true, badFrames, all };
      const cut = new VaultError('tampered', `journal ${seg.path} is truncated at frame ${index}`, seg.path);
      return { frames, goodLength, torn: false, badFrames: [...badFrames, index], all: [...all, null], damage: damage ?? cut };
    }
    const n = bytes.readUInt32LE(at);
    try {
      const plain = unseal(key, bytes.subarray(at + 4, at + 4 + n), aadOf(vaultid, seg.start, seg.end), `${seg.end === undefined ? 'journal' : 'audit archive'} frame ${index} of ${seg.path}`, seg.path);
      all.push(plain);
      if (!damage) {
        frames.push(plain);
        goodLength = at + 4 + n;
      }
    } catch (e) {
      badFrames.push(index);
      all.push(null);
      damage ??= e as VaultError;
    }
    at += 4 + n;
  }
  return { frames, goodLength, torn: false, badFrames, all, ...(damage ? { damage } : {}) };
}

export function sealFrame(key: Buffer, vaultid: string, start: number, plaintext: Buffer): Buffer {
  return lengthPrefixed(seal(key, plaintext, aadOf(vaultid, start)));
}

/** The open tail segment. Frames of one call are written with one write, so a batch lands whole or is cut at the end. */
export class SegmentWriter {
  private fd: number;
  constructor(readonly segment: Segment, truncateTo?: number) {
    const fresh = !existsSync(segment.path);
    this.fd = openSync(segment.path, fresh ? 'wx' : 'r+', 0o600);
    if (truncateTo !== undefined) ftruncateSync(this.fd, truncateTo);
    if (fresh) syncDir(join(segment.path, '..'));
  }

  append(key: Buffer, vaultid: string, plaintexts: readonly Buffer[]): void {
    const buf = Buffer.concat(plaintexts.map((p) => sealFrame(key, vaultid, this.segment.start, p)));
    const size = this.size();
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off, size + off);
    fdatasyncSync(this.fd);
  }

  private size(): number {
    return fstatSync(this.fd).size;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** A rename or a new file is durable only once its folder is synced (where the platform allows it). */
export function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* Windows cannot open a folder; its renames are durable through NTFS's own journal. */
  }
}


/**
 * Frames `from`..seg.start-1 are in no file: most likely the file holding exactly them was deleted
 * (or the one before cut short). Up to the backup snapshot that file is an audit archive.
 */
export function missingFrames(dir: string, from: number, seg: Segment, archivedUpTo?: number): FileProblem {
  const file = archivedUpTo !== undefined && seg.start - 1 <= archivedUpTo ? archivePath(dir, from, seg.start - 1) : segmentPath(dir, from);
  return { file, message: `journal frames ${from}–${seg.start - 1} are missing before ${seg.path}: ${file} was deleted, or the file before it was cut short` };
}
