import { closeSync, existsSync, fdatasyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { seal, unseal } from './crypto';
import { VaultError } from './errors';
import { syncDir } from './journalFile';
import { writeFileSecure } from './fileModes';

/**
 * journal.head: where the journal ends, sealed with the data key and rewritten after every commit,
 * so a journal that lost its last frames (a cut tail, a deleted newest segment, an older copy put
 * back) is reported instead of opening without them.
 *
 * Two fixed slots of SLOT bytes, written in turn (slot c % 2) in place with one fdatasync: a crash
 * in the middle of a head write leaves the other slot, one commit older, and the journal frames of
 * the interrupted commit (written before the head) after it. Each slot is a u16 length, then
 * iv | AES-256-GCM(JSON) | tag, then zeros.
 */
export const HEAD_FILE = 'journal.head';
const SLOT = 512;

export interface JournalHead {
  /** Commits counted since the head was created: the newer slot has the larger c. */
  readonly c: number;
  /** The last frame written (journal position). */
  readonly n: number;
  /** SHA-256 of frame n's plaintext ('' when not known, after a restore from a snapshot). */
  readonly last: string;
  /** The first frame number of the segment holding frame n. */
  readonly segment: number;
  /** The audit entries written (the seq of the last). */
  readonly seq: number;
  /** The frame the newest snapshot written covers: an older snapshot.rav was put back. */
  readonly snapshot: number;
}

export type HeadRead =
  | { readonly kind: 'missing' }
  | { readonly kind: 'ok'; readonly head: JournalHead; /** One slot failed: innocent only when the journal shows a commit after head.n. */ readonly damagedSlot: boolean }
  | { readonly kind: 'damaged'; readonly message: string };

const aadOf = (vaultid: string) => Buffer.from(`roleatlas/vault@1|head|${vaultid}`);
export const headPath = (dir: string) => join(dir, HEAD_FILE);

export function readHead(dir: string, key: Buffer, vaultid: string): HeadRead {
  const path = headPath(dir);
  if (!existsSync(path)) return { kind: 'missing' };
  const bytes = readFileSync(path);
  if (bytes.length !== 2 * SLOT) return { kind: 'damaged', message: `${path} is ${bytes.length} bytes long, not ${2 * SLOT}: it was truncated or replaced` };
  const slots = [0, 1].map((i) => readSlot(bytes.subarray(i * SLOT, (i + 1) * SLOT), key, vaultid));
  const good = slots.filter((s): s is JournalHead => s !== null && s !== 'empty');
  if (!good.length) return { kind: 'damaged', message: `${path} failed authentication: it was altered or corrupted` };
  const head = good.reduce((a, b) => (b.c > a.c ? b : a));
  return { kind: 'ok', head, damagedSlot: slots.includes(null) };
}

function readSlot(slot: Buffer, key: Buffer, vaultid: string): JournalHead | 'empty' | null {
  const len = slot.readUInt16LE(0);
  if (len === 0) return slot.every((b) => b === 0) ? 'empty' : null;
  if (len > SLOT - 2) return null;
  try {
    return JSON.parse(unseal(key, slot.subarray(2, 2 + len), aadOf(vaultid), 'the journal head').toString('utf8')) as JournalHead;
  } catch {
    return null;
  }
}

function slotBytes(key: Buffer, vaultid: string, head: JournalHead): Buffer {
  const sealed = seal(key, Buffer.from(JSON.stringify(head), 'utf8'), aadOf(vaultid));
  if (sealed.length > SLOT - 2) throw new Error('journal head too large');
  const slot = Buffer.alloc(SLOT);
  slot.writeUInt16LE(sealed.length, 0);
  sealed.copy(slot, 2);
  return slot;
}

/** Writes both slots to a new file put in place by rename: on creation and after a restore. */
export function writeHeadFresh(dir: string, key: Buffer, vaultid: string, head: JournalHead): void {
  const path = headPath(dir);
  const tmp = `${path}.tmp`;
  writeFileSecure(tmp, Buffer.concat([slotBytes(key, vaultid, head), slotBytes(key, vaultid, head)]));
  renameSync(tmp, path);
  syncDir(dir);
}

/** The open head: one slot rewritten in place per commit. */
export class HeadWriter {
  private fd: number | null = null;
  constructor(
    private readonly dir: string,
    private current: JournalHead,
  ) {}

  get head(): JournalHead {
    return this.current;
  }

  write(key: Buffer, vaultid: string, next: Omit<JournalHead, 'c'>): void {
    const head = { ...next, c: this.current.c + 1 };
    this.fd ??= openSync(headPath(this.dir), 'r+');
    const slot = slotBytes(key, vaultid, head);
    let off = 0;
    while (off < SLOT) off += writeSync(this.fd, slot, off, SLOT - off, (head.c % 2) * SLOT + off);
    fdatasyncSync(this.fd);
    this.current = head;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

export function headDamage(dir: string, message: string): VaultError {
  return new VaultError('tampered', message, headPath(dir));
}
