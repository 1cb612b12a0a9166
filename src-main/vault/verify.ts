import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashOf, verifyChain, type AuditReport, type ChainLink, type FileProblem } from './audit';
import { HEADER_COPY, HEADER_FILE, snapshotStore } from './files';
import { auditEntryOf, isAudited, parseFrame, type AuditEntry, type Frame } from './frames';
import type { VaultHeader } from './header';
import { listArchives, listSegments, missingFrames, scanSegment } from './journalFile';
import { headPath, readHead } from './journalHead';
import { readMeta } from './snapshotCodec';
import type { StoreFactory } from './store';

/** What reading the whole journal back needs to know of an open vault. */
export interface VaultOnDisk {
  readonly dir: string;
  readonly header: VaultHeader;
  readonly key: Buffer;
  readonly store: StoreFactory;
  /** Where the journal ends in memory, and the audit log's length and head. */
  readonly n: number;
  readonly seq: number;
  readonly auditHead: string;
  /** The frame snapshot.rav.bak should cover (undefined: not recorded, or no backup yet). */
  readonly backupN: number | undefined;
  /** The frame snapshot.rav covers. */
  readonly snapshotN: number;
  /** Written before journal.head and vault.json's copy, and not yet opened for writing since: they are not asked for. */
  readonly legacy: boolean;
}

type ReadFrame = { frame: Frame; bytes: Buffer } | { unreadable: string };

/** Every audit entry, oldest first (reads the whole journal, audit archives included). */
export function auditEntries(v: VaultOnDisk): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (const f of allFrames(v).frames) {
    if ('frame' in f && isAudited(f.frame)) out.push(auditEntryOf(f.frame, f.bytes));
  }
  return out;
}

/**
 * Checks the hash chain of the whole audit log (problems by the entry's own position) and every
 * file of the vault: journal segments (readable, contiguous), journal.head, snapshot.rav.bak and
 * the copy of vault.json. Damaged files are listed by name in `files`.
 */
export function verifyVault(v: VaultOnDisk): AuditReport {
  const { frames, files } = allFrames(v);
  const links: ChainLink[] = [];
  for (const f of frames) {
    if ('unreadable' in f) links.push({ seq: -1, prev: '', hash: '', unreadable: f.unreadable });
    else if (isAudited(f.frame)) links.push({ seq: f.frame.seq, prev: f.frame.prev, hash: hashOf(f.bytes) });
  }
  const problems = verifyChain(links, v.seq ? { count: v.seq, head: v.auditHead } : undefined);
  files.push(...otherFileProblems(v));
  return { ok: problems.length === 0 && files.length === 0, entries: links.length, problems, files };
}

/** Every frame of every segment in order; an unreadable one as its message. Missing frames between segments are file problems. */
function allFrames(v: VaultOnDisk): { frames: ReadFrame[]; files: FileProblem[] } {
  const frames: ReadFrame[] = [];
  const files: FileProblem[] = [];
  const journal = listSegments(v.dir);
  // An archive whose segment is still there was written by a compaction cut short before it deleted the segment.
  const archives = listArchives(v.dir).filter((a) => !journal.some((s) => s.start === a.start));
  const segments = [...archives, ...journal].sort((a, b) => a.start - b.start);
  let expected = 1;
  segments.forEach((seg, i) => {
    if (seg.start !== expected) {
      // Either a file starting at `expected` was deleted or the one before was cut at a frame boundary: both are named.
      files.push(missingFrames(v.dir, expected, seg, v.backupN));
      const before = segments[i - 1];
      if (before) files.push({ file: before.path, message: `${before.path} ends at frame ${expected - 1} but the next part of the journal starts at ${seg.start}: it was cut short, or the file after it deleted` });
    }
    const scan = scanSegment(seg, v.key, v.header.vaultid, i === segments.length - 1);
    scan.all.forEach((bytes, k) => {
      if (bytes) frames.push({ frame: parseFrame(bytes), bytes });
      else frames.push({ unreadable: `journal frame ${seg.start + k} (frame ${k + 1} of ${seg.path}) failed authentication or was cut off: it was altered, truncated or corrupted` });
    });
    if (scan.damage) files.push({ file: seg.path, message: scan.damage.message });
    expected = seg.end !== undefined ? seg.end + 1 : seg.start + scan.all.length;
  });
  return { frames, files };
}

function otherFileProblems(v: VaultOnDisk): FileProblem[] {
  const problems: FileProblem[] = [];
  const head = readHead(v.dir, v.key, v.header.vaultid);
  if (v.legacy) {
    // Nothing to compare with yet; the first open for writing adds journal.head and vault.json's copy.
  } else if (head.kind === 'damaged') problems.push({ file: headPath(v.dir), message: head.message });
  else if (head.kind === 'missing') problems.push({ file: headPath(v.dir), message: `${headPath(v.dir)} is missing` });
  else if (head.damagedSlot) problems.push({ file: headPath(v.dir), message: `${headPath(v.dir)}: one of its two copies failed authentication` });
  else if (head.head.n > v.n) problems.push({ file: headPath(v.dir), message: `the journal ends at frame ${v.n} but frame ${head.head.n} was acknowledged` });
  const bak = join(v.dir, 'snapshot.rav.bak');
  if (existsSync(bak)) {
    try {
      const n = Number(readMeta(snapshotStore(v.dir, v.header, v.key, v.store, 'rav.bak').read()!.body).n);
      // A backup covering snapshot.rav's own frame is the copy a compaction makes first, the compaction cut before the new snapshot: the same sealed state, not another.
      if (v.backupN !== undefined && n !== v.backupN && n !== v.snapshotN) problems.push({ file: bak, message: `${bak} covers frame ${n}, but the backup kept with snapshot.rav covers frame ${v.backupN}: it was replaced by another copy` });
    } catch (e) {
      problems.push({ file: bak, message: e instanceof Error ? e.message : String(e) });
    }
  } else if (v.backupN !== undefined) problems.push({ file: bak, message: `${bak} is missing` });
  const main = join(v.dir, HEADER_FILE);
  const copy = join(v.dir, HEADER_COPY);
  if (v.legacy) return problems;
  if (!existsSync(copy)) problems.push({ file: copy, message: `${copy}, the copy of vault.json, is missing` });
  else if (!readFileSync(copy).equals(readFileSync(main))) problems.push({ file: copy, message: `${copy} differs from vault.json: one of them was altered` });
  return problems;
}
