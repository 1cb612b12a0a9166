import { createHash } from 'node:crypto';

/** The hash every audit entry's `prev` chains from: the first entry's prev. */
export const GENESIS = '0'.repeat(64);
export const hashOf = (plaintext: Uint8Array): string => createHash('sha256').update(plaintext).digest('hex');

export type AuditProblemKind = 'edited' | 'removed' | 'inserted' | 'reordered' | 'unreadable' | 'truncated';
export interface AuditProblem {
  /** 1-based position of the entry in the log as stored. */
  readonly position: number;
  readonly seq?: number;
  readonly kind: AuditProblemKind;
  readonly message: string;
}
/** A vault file that failed its check, by path. */
export interface FileProblem {
  readonly file: string;
  readonly message: string;
}
export interface AuditReport {
  readonly ok: boolean;
  readonly entries: number;
  readonly problems: readonly AuditProblem[];
  /** Damaged or missing files of the vault (journal segments, journal.head, snapshot.rav.bak, vault.json's copy). */
  readonly files: readonly FileProblem[];
}

export interface ChainLink {
  readonly seq: number;
  readonly prev: string;
  readonly hash: string;
  /** Set for an entry whose frame could not be read: reported at its own position, its links not checked. */
  readonly unreadable?: string;
}

/**
 * Checks the chain of entries as stored. Each entry holds its seq and the SHA-256 of the entry
 * before it: a changed entry breaks the next link with the seqs still in order; a gap in the seqs
 * is a removal; a seq repeated is an insertion; a seq going back is a reordering.
 * `expected` is what the last snapshot recorded (count and head), which catches a cut tail.
 */
export function verifyChain(links: readonly ChainLink[], expected?: { count: number; head: string }): AuditProblem[] {
  const problems: AuditProblem[] = [];
  const seen = new Set<number>();
  links.forEach((e, i) => {
    const position = i + 1;
    const before = links[i - 1];
    if (e.unreadable) {
      problems.push({ position, kind: 'unreadable', message: e.unreadable });
      return;
    }
    if (before?.unreadable) {
      seen.add(e.seq);
      return;
    }
    const prevSeq = before ? before.seq : 0;
    const linked = e.prev === (before ? before.hash : GENESIS);
    if (seen.has(e.seq)) problems.push({ position, seq: e.seq, kind: 'inserted', message: `entry ${position} repeats seq ${e.seq}: an entry was inserted` });
    else if (e.seq < prevSeq) problems.push({ position, seq: e.seq, kind: 'reordered', message: `entry ${position} (seq ${e.seq}) comes after seq ${prevSeq}: entries were reordered` });
    else if (e.seq > prevSeq + 1) problems.push({ position, seq: e.seq, kind: 'removed', message: `seq ${prevSeq + 1}${e.seq - 1 > prevSeq + 1 ? `–${e.seq - 1}` : ''} missing before entry ${position}: entries were removed` });
    else if (!linked) {
      const edited = before ? position - 1 : position;
      problems.push({ position: edited, seq: before?.seq ?? e.seq, kind: 'edited', message: `entry ${edited} (seq ${before?.seq ?? e.seq}) was edited: its hash no longer matches the next entry's link` });
    }
    seen.add(e.seq);
  });
  if (expected && expected.count > 0) {
    const at = links.findIndex((l) => l.seq === expected.count);
    if (at < 0) problems.push({ position: links.length, kind: 'truncated', message: `the vault recorded ${expected.count} entries but entry seq ${expected.count} is missing` });
    else if (links[at].hash !== expected.head) problems.push({ position: at + 1, seq: expected.count, kind: 'edited', message: `entry ${at + 1} (seq ${expected.count}) differs from what the last snapshot recorded` });
  }
  return problems;
}
