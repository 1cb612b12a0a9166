import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { apply as applyCommand, batchLabel, batchRefusal, withIds } from '../core/commands/apply';
import type { Change } from '../core/commands/draft';
import type { Command } from '../core/commands/schema';
import { emptyOrg, type OrgState } from '../core/model/org';
import { ok, refused, refusalFromZod, type Result } from '../core/result';
import { seal, unseal, newDataKey, tuneScrypt, belowMinimum, MIN_SCRYPT, type ScryptParams } from './crypto';
import { VaultError } from './errors';
import { headerSchema, newHeader, unwrapForDevice, unwrapWithPassphrase, unwrapWithPassphraseSync, wrapForDevice, wrapWithPassphrase, type VaultHeader } from './header';
import type { KeyProtector } from './keyProtector';
import { confStore, type DocumentStore, type StoreFactory } from './store';
import { decodeSnapshot, encodeState, readMeta } from './snapshotCodec';
import { archivePath, listArchives, listSegments, scanSegment, segmentPath, SegmentWriter, syncDir, writeArchive, type Segment } from './journalFile';
import { headDamage, headPath, HeadWriter, readHead, writeHeadFresh, type JournalHead } from './journalHead';
import { lockHolder, WriterLock } from './writerLock';
import { copyFileSecure, DIR_MODE, ensureVaultDir, FILE_MODE } from './fileModes';
import { GENESIS, hashOf, verifyChain, type AuditReport, type ChainLink, type FileProblem } from './audit';
import { inverseOf } from './inverse';
import { DEFAULT_SETTINGS, settingsSchema, stagedSchema, type VaultSettings } from './settings';
import { DEFAULT_SYNC_STATE, syncStateSchema, type AuditNote, type VaultSyncState } from './syncState';

/** One applied command as the sync issue sees it. */
export interface JournalEntry {
  readonly seq: number;
  readonly clientchangeid: string;
  readonly at: string;
  /** The local admin profile that made the change. */
  readonly actor: string;
  readonly command: Command;
  readonly origin: 'local' | 'sync';
}

/** One audit log entry: the journal entry with what it changed, linked to the one before. */
export interface AuditEntry extends Omit<JournalEntry, 'command'> {
  /** 'note': no change, the reason for changes or a record of what a sync did (AuditNote). */
  readonly kind: 'change' | 'baseline' | 'note';
  readonly command: Command | null;
  readonly summary: string;
  readonly changes: readonly Change[];
  readonly prev: string;
  readonly hash: string;
  /** Set on the commands of an undo or a redo: the batch they undo or redo. */
  readonly undoes?: string;
  readonly redoes?: string;
  /** A note's structured detail. */
  readonly detail?: unknown;
}

interface Batch {
  readonly id: string;
  readonly index: number;
  readonly size: number;
  /** What the admin did, as the undo menu names it ("Set Write on Core Records to Organization in Salesperson"); on the first frame. */
  readonly label?: string;
}
interface ChangeFrame extends JournalEntry {
  readonly kind: 'change';
  readonly n: number;
  readonly prev: string;
  readonly summary: string;
  readonly changes: readonly Change[];
  readonly inverse: Command[] | null;
  readonly noinverse?: string;
  readonly batch: Batch;
  readonly undoes?: string;
  readonly redoes?: string;
}
interface BaselineFrame {
  readonly kind: 'baseline';
  readonly n: number;
  readonly seq: number;
  readonly clientchangeid: string;
  readonly prev: string;
  readonly at: string;
  readonly actor: string;
  readonly summary: string;
  /** The imported organization, in the snapshot encoding (base64): in baselines written before audit archives. */
  readonly state?: string;
  /** SHA-256 of the organization in the BaselineStateFrame written just before: the audit entry stays small and verifiable once that frame is archived away. */
  readonly stateHash?: string;
}
/** The organization a baseline imports (snapshot encoding, base64); not an audit entry, so compaction can drop it. */
interface BaselineStateFrame {
  readonly kind: 'baselineState';
  readonly n: number;
  readonly state: string;
}
interface NoteFrame {
  readonly kind: 'note';
  readonly n: number;
  readonly seq: number;
  readonly clientchangeid: string;
  readonly prev: string;
  readonly at: string;
  readonly actor: string;
  readonly origin: 'local' | 'sync';
  readonly summary: string;
  readonly detail?: unknown;
}
type Frame =
  | ChangeFrame
  | BaselineFrame
  | NoteFrame
  | BaselineStateFrame
  | { readonly kind: 'sync'; readonly n: number; readonly sync: VaultSyncState }
  | { readonly kind: 'synced'; readonly n: number; readonly ids: readonly string[] }
  | { readonly kind: 'staged'; readonly n: number; readonly commands: readonly Command[] }
  | { readonly kind: 'settings'; readonly n: number; readonly settings: VaultSettings };

/** An undoable step: a batch of commands and the commands that undo it (or why there are none). */
interface UndoStep {
  readonly batch: string;
  readonly summary: string;
  readonly commands: readonly Command[];
  readonly inverse: readonly Command[] | null;
  readonly noinverse?: string;
}

interface SnapshotMeta {
  format: 'roleatlas/snapshot@1';
  /** Frames covered: replay starts after it. */
  n: number;
  seq: number;
  auditHead: string;
  undo: UndoStep[];
  redo: UndoStep[];
  pending: JournalEntry[];
  staged: Command[];
  settings: VaultSettings;
  /** Absent in snapshots written before sync. */
  sync?: VaultSyncState;
  /** Set once the vault keeps journal.head: from then on a missing head is damage, not an old vault. */
  journalHead?: true;
  /** The frame covered by the snapshot that became snapshot.rav.bak when this one was written: verify checks the backup against it. */
  backup?: number;
}

export interface VaultOptions {
  /** The local admin profile written in the journal and the audit log. */
  readonly actor: string;
  readonly now?: () => Date;
  /** conf by default; electron-store in the app. */
  readonly store?: StoreFactory;
  /** Frames in the journal after which a snapshot is written in the background. */
  readonly compactAfter?: number;
  readonly compactDelayMs?: number;
  /**
   * 'write' (the default) holds the vault's writer lock (writer.lock) from open until lock() or
   * exit, so no other process writes meanwhile. 'read' takes no lock and refuses every write
   * with VaultError('read-only'): for commands that only look.
   */
  readonly access?: 'read' | 'write';
  /** What another process's refusal names as the holder: "RoleAtlas (desktop app)", "roleatlas apply". */
  readonly program?: string;
  /** How long open() waits for another writer to let go before refusing with VaultError('busy'); 0 by default. */
  readonly lockWaitMs?: number;
}
export type Unlock = { readonly passphrase: string } | { readonly protector: KeyProtector };

/** What restore-backup did and what it could not bring back. */
export interface RestoreReport {
  /** The snapshot the state was rebuilt from. */
  readonly from: 'snapshot.rav' | 'snapshot.rav.bak';
  /** The damaged snapshot.rav, moved aside, or null (a readable snapshot.rav is never moved). */
  readonly damaged: string | null;
  /** Every file moved aside (renamed, never deleted): damaged files and journal segments past the damage. */
  readonly movedAside: readonly string[];
  /** The journal position the vault now ends at. */
  readonly restoredFrame: number;
  /** Acknowledged edits the surviving files cannot bring back: journal positions and audit entries (seq), inclusive. */
  readonly lost: { readonly frames: readonly [number, number]; readonly auditEntries: readonly [number, number] | null } | null;
  /** True when journal.head was unreadable, so edits after restoredFrame can be neither proven nor ruled out. */
  readonly headUnknown: boolean;
  /** True when vault.json was damaged and put back from its copy. */
  readonly headerRestored: boolean;
}

const UNDO_LIMIT = 100;
const SNAPSHOT = { name: 'snapshot', extension: 'rav' };
const SNAPSHOT_PREFIX = 'RAVS1 ';
const HEADER_FILE = 'vault.json';
/** An exact copy of vault.json, rewritten with it: a damaged header is put back from it. */
const HEADER_COPY = 'vault.json.bak';

/** What load() read: the state, where the journal ends, and (salvaging) where and why it stopped. */
interface Loaded {
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
 * The encrypted local vault: a folder holding vault.json (the wrapped data key) and its copy
 * vault.json.bak, snapshot.rav (the state and bookkeeping at some frame, AES-256-GCM),
 * snapshot.rav.bak (the one before it), the journal segments (every change since the beginning,
 * sealed frame by frame), journal.head (where the journal ends, sealed) and, while a process has
 * it open for writing, writer.lock. An instance exists only while unlocked; the data key lives in
 * it and is zeroed on lock().
 */
export class Vault {
  #key: Buffer | null;
  // The state and the bookkeeping replayed with it, set together by adopt().
  #state!: OrgState;
  private n!: number;
  private seq!: number;
  private head!: string;
  private undoStack!: UndoStep[];
  private redoStack!: UndoStep[];
  private pending!: JournalEntry[];
  private staged!: Command[];
  private settings!: VaultSettings;
  private syncState!: VaultSyncState;
  private writer: SegmentWriter | null = null;
  private tail: { segment: Segment; goodLength: number; torn: boolean };
  private framesSinceSnapshot: number;
  private compactTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly snapshots: DocumentStore<{ body: Buffer }>;
  /** Null when opened for reading. */
  private writerLock: WriterLock | null;
  /** The audit entries of the last write, so a caller can say what it did without reading the journal back. */
  private written: AuditEntry[] = [];
  private headWriter: HeadWriter | null = null;
  /** The last snapshot written covers frames up to this one. */
  private snapshotN: number;
  /** The frame snapshot.rav.bak should cover (undefined: not recorded, or no backup yet). */
  private backupN: number | undefined;
  /** Written before journal.head and vault.json's copy, and not yet opened for writing since: verify does not ask for them. */
  private legacy: boolean;

  private constructor(
    readonly dir: string,
    readonly header: VaultHeader,
    key: Buffer,
    private readonly options: VaultOptions,
    loaded: Loaded,
    writerLock: WriterLock | null,
  ) {
    this.#key = key;
    this.adopt(loaded.meta, loaded.state);
    this.tail = loaded.tail;
    this.framesSinceSnapshot = loaded.framesSinceSnapshot;
    this.snapshots = snapshotStore(dir, header, key, options.store ?? confStore);
    this.writerLock = writerLock;
    this.snapshotN = loaded.snapshotN;
    this.backupN = loaded.backupN;
    this.legacy = !loaded.head && !loaded.headProblem;
    if (writerLock && loaded.head) this.headWriter = new HeadWriter(dir, loaded.head);
  }

  // ---- creating, opening, restoring -------------------------------------------------------------

  /** A vault folder: vault.json or, when that was lost, its copy. */
  static exists(dir: string): boolean {
    return existsSync(join(dir, HEADER_FILE)) || existsSync(join(dir, HEADER_COPY));
  }

  /** Whether "unlock on this computer" was set up (the header is readable while locked). */
  static hasDeviceUnlock(dir: string, store: StoreFactory = confStore): boolean {
    try {
      return readHeader(dir, store).devicekey !== undefined;
    } catch {
      return false;
    }
  }

  /** A new vault holding an empty organization. The scrypt cost is tuned to ~250 ms, never below MIN_SCRYPT, unless given. */
  static async create(dir: string, passphrase: string, options: VaultOptions & { kdf?: ScryptParams }): Promise<Vault> {
    if (Vault.exists(dir)) throw new VaultError('exists', `${dir} already holds a vault`);
    if (passphrase.length < 8) throw new VaultError('invalid', 'the passphrase must be at least 8 characters');
    ensureVaultDir(dir);
    const lock = WriterLock.acquire(dir, lockOptions(options));
    try {
      if (Vault.exists(dir)) throw new VaultError('exists', `${dir} already holds a vault`);
      const key = newDataKey();
      const header = await newHeader(key, passphrase, options.kdf ?? (await tuneScrypt()), (options.now ?? (() => new Date()))());
      const meta: SnapshotMeta = { format: 'roleatlas/snapshot@1', n: 0, seq: 0, auditHead: GENESIS, undo: [], redo: [], pending: [], staged: [], settings: DEFAULT_SETTINGS, journalHead: true };
      // The snapshot, the first segment and the head go first: a vault.json only ever points at a whole vault.
      snapshotStore(dir, header, key, options.store ?? confStore).write({ body: encodeState(emptyOrg('New organization'), meta as unknown as Record<string, unknown>) });
      new SegmentWriter({ start: 1, path: segmentPath(dir, 1) }).close();
      writeHeadFresh(dir, key, header.vaultid, { c: 0, n: 0, last: '', segment: 1, seq: 0, snapshot: 0 });
      writeHeaderFiles(dir, header, options.store ?? confStore);
      syncDir(dir);
      return Vault.load(dir, header, key, options, lock);
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  static async open(dir: string, unlock: Unlock, options: VaultOptions): Promise<Vault> {
    const store = options.store ?? confStore;
    const header = readHeader(dir, store);
    let key: Buffer;
    try {
      key = 'passphrase' in unlock ? await unwrapWithPassphrase(header, unlock.passphrase) : await unwrapForDevice(header, unlock.protector);
    } catch (e) {
      throw await headerCopyVerdict(dir, store, e, (copy) => ('passphrase' in unlock ? unwrapWithPassphrase(copy, unlock.passphrase) : unwrapForDevice(copy, unlock.protector)));
    }
    return Vault.openWithKey(dir, header, key, options);
  }

  /** open() for a caller that cannot await (the synchronous command-line source). */
  static openSync(dir: string, unlock: { readonly passphrase: string }, options: VaultOptions): Vault {
    const store = options.store ?? confStore;
    const header = readHeader(dir, store);
    let key: Buffer;
    try {
      key = unwrapWithPassphraseSync(header, unlock.passphrase);
    } catch (e) {
      throw headerCopyVerdictSync(dir, store, e, (copy) => unwrapWithPassphraseSync(copy, unlock.passphrase));
    }
    return Vault.openWithKey(dir, header, key, options);
  }

  private static openWithKey(dir: string, header: VaultHeader, key: Buffer, options: VaultOptions): Vault {
    let lock: WriterLock | null = null;
    try {
      if ((options.access ?? 'write') === 'write') lock = WriterLock.acquire(dir, lockOptions(options));
      else {
        // A reader takes no lock: a writer's snapshot landing between the reader's reads of the
        // snapshot and the head looks like damage for a moment. Read again before saying so.
        for (let attempt = 1; ; attempt++) {
          try {
            return Vault.load(dir, header, key, options, null);
          } catch (e) {
            if (!(e instanceof VaultError && e.code === 'tampered' && attempt < 3 && lockHolder(dir))) throw e;
          }
        }
      }
      return Vault.load(dir, header, key, options, lock);
    } catch (e) {
      lock?.release();
      key.fill(0);
      throw e;
    }
  }

  /** Checks the passphrase only: the key is unwrapped and dropped, nothing is read or written. */
  static async checkPassphrase(dir: string, passphrase: string, store: StoreFactory = confStore): Promise<VaultHeader> {
    const header = readHeader(dir, store);
    (await unwrapWithPassphrase(header, passphrase)).fill(0);
    return header;
  }

  /**
   * Brings a damaged vault back to the newest state its surviving files prove. vault.json is put
   * back from its copy if needed; the state is rebuilt from snapshot.rav, or from snapshot.rav.bak
   * when that gets further, replaying the journal up to the first damage. A readable snapshot.rav
   * is never moved aside; damaged files and the journal segments after the damage are renamed
   * (`*.damaged-<time>`), never deleted or overwritten. The report names the acknowledged edits
   * (journal positions, audit entries) that journal.head records and the files no longer hold.
   */
  static async restoreBackup(dir: string, passphrase: string, options: VaultOptions): Promise<RestoreReport> {
    const store = options.store ?? confStore;
    const stamp = `damaged-${Date.now()}`;
    const movedAside: string[] = [];
    const aside = (path: string): string => {
      const to = `${path}.${stamp}`;
      renameSync(path, to);
      movedAside.push(to);
      return to;
    };
    if (!Vault.exists(dir)) throw new VaultError('not-a-vault', `${dir} is not a vault (no vault.json); there is nothing to restore`);
    // Nothing is touched, not even vault.json, while another program holds the vault.
    let lock: WriterLock | null = WriterLock.acquire(dir, lockOptions(options));
    let key: Buffer | null = null;
    try {
      const restored = await restoreHeader(dir, passphrase, store, aside);
      const { header, headerRestored } = restored;
      key = restored.key;
      const tried: { from: RestoreReport['from']; loaded?: Loaded; error?: unknown }[] = (['rav', 'rav.bak'] as const).map((extension) => {
        try {
          return { from: `snapshot.${extension}` as const, loaded: Vault.read(dir, header, key!, store, { extension, salvage: true }) };
        } catch (error) {
          return { from: `snapshot.${extension}` as const, error };
        }
      });
      const usable = tried.filter((t) => t.loaded);
      if (!usable.length) {
        const why = tried.map((t) => `${t.from}: ${t.error instanceof Error ? t.error.message : String(t.error)}`).join('; ');
        throw new VaultError('no-backup', `nothing in ${dir} can be restored: ${why}`);
      }
      // The furthest journal position wins; snapshot.rav on a tie, so a readable one stays where it is.
      const best = usable.reduce((a, b) => (b.loaded!.last.n > a.loaded!.last.n ? b : a));
      const loaded = best.loaded!;
      const snapPath = join(dir, `${SNAPSHOT.name}.${SNAPSHOT.extension}`);
      const damaged = best.from === 'snapshot.rav.bak' && existsSync(snapPath) ? aside(snapPath) : null;
      for (const seg of loaded.beyond) if (existsSync(seg.path)) aside(seg.path);
      if (loaded.tail.torn && existsSync(loaded.tail.segment.path)) {
        // The segment holding the damage: the original kept aside, its good frames kept in place.
        const original = `${loaded.tail.segment.path}.${stamp}`;
        copyFileSecure(loaded.tail.segment.path, original);
        movedAside.push(original);
      }
      // A damaged head may have lost its newest copy: what it records is then a lower bound.
      const headUnknown = !loaded.head || loaded.headProblem !== undefined;
      if (existsSync(headPath(dir)) && (loaded.headProblem || loaded.stoppedAt)) aside(headPath(dir));
      const head = loaded.head;
      const lost =
        head && head.n > loaded.last.n
          ? { frames: [loaded.last.n + 1, head.n] as const, auditEntries: head.seq > loaded.meta.seq ? ([loaded.meta.seq + 1, head.seq] as const) : null }
          : null;
      const vault = new Vault(dir, header, Buffer.from(key), options, loaded, lock);
      lock = null; // the vault holds it now
      try {
        vault.anchor(head?.c ?? 0);
      } finally {
        vault.lock();
      }
      return { from: best.from, damaged, movedAside, restoredFrame: loaded.last.n, lost, headUnknown, headerRestored };
    } finally {
      lock?.release();
      key?.fill(0);
    }
  }

  private static load(dir: string, header: VaultHeader, key: Buffer, options: VaultOptions, lock: WriterLock | null): Vault {
    const store = options.store ?? confStore;
    const loaded = Vault.read(dir, header, key, store, { extension: SNAPSHOT.extension });
    const vault = new Vault(dir, header, key, options, loaded, lock);
    if (lock) vault.tidy(loaded);
    return vault;
  }

  /**
   * Reads a snapshot and replays the journal after it. Strict (open): any damage throws
   * VaultError('tampered') naming the file. Salvaging (restore): the replay stops at the last whole
   * batch before the first damage and says where; only an unreadable snapshot throws.
   */
  private static read(dir: string, header: VaultHeader, key: Buffer, store: StoreFactory, how: { extension: string; salvage?: boolean }): Loaded {
    const snapFile = join(dir, `${SNAPSHOT.name}.${how.extension}`);
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
      const frames = scan.frames.map((b) => JSON.parse(b.toString('utf8')) as Frame);
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

  /** After an open for writing: leftovers of interrupted writes removed, modes set, a missing or torn head rewritten. */
  private tidy(loaded: Loaded): void {
    for (const f of readdirSync(this.dir)) {
      const path = join(this.dir, f);
      if (/^snapshot\.rav(\.bak)?\.tmp(-.*)?$|^snapshot\.rav\.restore\.tmp$|^vault\.json(\.bak)?\.tmp(-.*)?$|^journal\.head\.tmp$|^audit-\d+-\d+\.rav\.tmp$|^writer\.lock\..*\.tmp$/.test(f)) {
        unlinkSync(path);
        continue;
      }
      try {
        if (statSync(path).isFile()) chmodSync(path, FILE_MODE);
      } catch {
        /* Windows, or a file owned by someone else: reported by nobody, the folder mode still guards it */
      }
    }
    try {
      chmodSync(this.dir, DIR_MODE);
    } catch {
      /* as above */
    }
    if (!loaded.head) {
      // A vault from before journal.head: its vault.json.bak (if any) was the previous header, not a copy.
      const main = join(this.dir, HEADER_FILE);
      const tmp = join(this.dir, `${HEADER_COPY}.tmp`);
      copyFileSecure(main, tmp);
      renameSync(tmp, join(this.dir, HEADER_COPY));
      this.legacy = false;
    }
    if (!loaded.head || loaded.last.n > loaded.head.n) this.rewriteHead(loaded.head?.c ?? 0, loaded.last);
  }

  /** Restore's last step: a snapshot of the recovered state and a head that agrees with it. */
  private anchor(c: number): void {
    // The old head may be gone (moved aside): the snapshot is written without it, then a new head.
    this.headWriter?.close();
    this.headWriter = null;
    this.writeSnapshot();
    this.rewriteHead(c, { hash: '', segment: this.writerFor().segment.start });
  }

  /** Both slots of journal.head written afresh, agreeing with memory; `last`: frame n's hash ('' when not read) and segment. */
  private rewriteHead(c: number, last: { hash: string; segment: number }): void {
    this.headWriter?.close();
    const head: JournalHead = { c: c + 1, n: this.n, last: last.hash, segment: last.segment, seq: this.seq, snapshot: this.snapshotN };
    writeHeadFresh(this.dir, this.key(), this.header.vaultid, head);
    this.headWriter = new HeadWriter(this.dir, head);
  }

  // ---- reading ----------------------------------------------------------------------------------

  get state(): OrgState {
    this.key();
    return this.#state;
  }
  get isLocked(): boolean {
    return this.#key === null;
  }
  /** Commands applied locally and not yet acknowledged by the server, oldest first. */
  pendingChanges(): readonly JournalEntry[] {
    this.key();
    return [...this.pending];
  }
  canUndo(): boolean {
    return this.undoStack.length > 0;
  }
  canRedo(): boolean {
    return this.redoStack.length > 0;
  }
  /** What undo() and redo() would do next, for the app's menu. */
  nextUndo(): string | null {
    return this.undoStack.at(-1)?.summary ?? null;
  }
  nextRedo(): string | null {
    return this.redoStack.at(-1)?.summary ?? null;
  }
  getStaged(): readonly Command[] {
    this.key();
    return this.staged;
  }
  getSettings(): VaultSettings {
    this.key();
    return this.settings;
  }
  /** The sync client's bookkeeping (client id, delta token, status, open conflicts). */
  getSyncState(): VaultSyncState {
    this.key();
    return this.syncState;
  }

  // ---- changing ---------------------------------------------------------------------------------

  /** Applies one command; durable on disk when this returns. */
  apply(command: unknown): Result<JournalEntry> {
    const r = this.applyAll([command]);
    return r.ok ? ok(r.value[0]) : r;
  }

  /** Applies commands in order, all or nothing, as one undoable step. A refusal names the position. */
  applyAll(commands: readonly unknown[], label?: string): Result<JournalEntry[]> {
    return this.commit(commands, 'local', {}, undefined, undefined, label);
  }

  /** A change that came from the server: applied and audited, never sent back, not undoable. */
  applyRemote(command: unknown, clientchangeid?: string): Result<JournalEntry> {
    const r = this.commit([command], 'sync', {}, clientchangeid);
    return r.ok ? ok(r.value[0]) : r;
  }

  /**
   * Changes from the server (or the server's side of a conflict, taken): applied in order, all or
   * nothing, with origin 'sync'. In the same write, `note` adds an audit entry saying why and
   * `sync` updates the sync bookkeeping. No commands and no extras: nothing is written.
   */
  applyRemoteAll(commands: readonly unknown[], extra: { readonly note?: AuditNote; readonly sync?: Partial<VaultSyncState> } = {}): Result<JournalEntry[]> {
    this.key();
    let sync: VaultSyncState | undefined;
    if (extra.sync) {
      const parsed = syncStateSchema.safeParse({ ...this.syncState, ...extra.sync });
      if (!parsed.success) return { ok: false, error: refusalFromZod(parsed.error, 'sync') };
      sync = parsed.data;
    }
    const after = (n: number, seq: number): Frame[] => [
      ...(extra.note ? [this.noteFrame(n, seq, extra.note)] : []),
      ...(sync ? [{ kind: 'sync' as const, n: n + (extra.note ? 1 : 0), sync }] : []),
    ];
    if (!commands.length) {
      const frames = after(this.n + 1, this.seq + 1);
      if (frames.length) this.write(frames);
      return ok([]);
    }
    return this.commit(commands, 'sync', {}, undefined, after);
  }

  /** Replaces parts of the sync bookkeeping; refused (nothing written) when the result is not valid. */
  setSyncState(changes: Partial<VaultSyncState>): Result<VaultSyncState> {
    const r = this.applyRemoteAll([], { sync: changes });
    return r.ok ? ok(this.syncState) : r;
  }

  /** An audit entry that changes nothing: what a sync did, or why. */
  note(note: AuditNote): AuditEntry {
    this.key();
    const [written] = this.write([this.noteFrame(this.n + 1, this.seq + 1, note)]);
    return auditEntryOf(JSON.parse(written.toString('utf8')) as NoteFrame, written);
  }

  undo(): Result<JournalEntry[]> {
    const step = this.undoStack.at(-1);
    if (!step) return refused('nothing-to-undo', 'there is nothing to undo');
    if (!step.inverse) return refused('no-inverse', `cannot undo "${step.summary}": ${step.noinverse}`);
    return this.commit(step.inverse, 'local', { undoes: step.batch });
  }

  redo(): Result<JournalEntry[]> {
    const step = this.redoStack.at(-1);
    if (!step) return refused('nothing-to-redo', 'there is nothing to redo');
    // Redone under the step's own name, so a named step ("Deactivated 2 users") keeps it after undo and redo.
    return this.commit(step.commands, 'local', { redoes: step.batch }, undefined, undefined, step.summary);
  }

  markSynced(ids: readonly string[]): void {
    const known = new Set(this.pending.map((p) => p.clientchangeid));
    const hits = ids.filter((id) => known.has(id));
    if (!hits.length) return;
    this.write([{ kind: 'synced', n: this.n + 1, ids: hits }]);
  }

  setStaged(commands: unknown): Result<readonly Command[]> {
    const parsed = stagedSchema.safeParse(commands);
    if (!parsed.success) return { ok: false, error: refusalFromZod(parsed.error, 'staged') };
    this.write([{ kind: 'staged', n: this.n + 1, commands: parsed.data }]);
    return ok(this.staged);
  }

  setSettings(changes: unknown): Result<VaultSettings> {
    const parsed = settingsSchema.safeParse({ ...this.settings, ...(typeof changes === 'object' && changes ? changes : {}) });
    if (!parsed.success) return { ok: false, error: refusalFromZod(parsed.error, 'settings') };
    this.write([{ kind: 'settings', n: this.n + 1, settings: parsed.data }]);
    return ok(this.settings);
  }

  /** Replaces the organization (an import). Audited; the undo history is cleared; a snapshot follows. */
  replaceState(state: OrgState, source: string): AuditEntry {
    const key = this.key();
    void key;
    const body = encodeState(state, {});
    const carrier: BaselineStateFrame = { kind: 'baselineState', n: this.n + 1, state: body.toString('base64') };
    const frame: BaselineFrame = {
      kind: 'baseline',
      n: this.n + 2,
      seq: this.seq + 1,
      clientchangeid: randomUUID(),
      prev: this.head,
      at: this.now(),
      actor: this.actor(),
      summary: `Imported ${source}: ${state.businessunits.size} business unit(s), ${state.systemusers.size} user(s), ${state.roles.size} role(s), ${state.records.size} record(s)`,
      stateHash: hashOf(body),
    };
    const [, written] = this.write([carrier, frame]);
    this.compact();
    return auditEntryOf(frame, written);
  }

  async changePassphrase(current: string, next: string, kdf?: ScryptParams): Promise<void> {
    const key = this.key();
    this.mayWrite();
    if (next.length < 8) throw new VaultError('invalid', 'the new passphrase must be at least 8 characters');
    (await unwrapWithPassphrase(this.header, current)).fill(0);
    const { passphrasekey: _, kdf: __, ...base } = this.header;
    const own = this.header.kdf;
    // Unless told otherwise, the vault's own cost, raised to the minimum where it is below.
    const header = await wrapWithPassphrase(base, key, next, kdf ?? (belowMinimum(own) ? { N: Math.max(own.N, MIN_SCRYPT.N), r: Math.max(own.r, MIN_SCRYPT.r), p: Math.max(own.p, MIN_SCRYPT.p) } : own));
    this.writeHeader(header);
  }

  /** Whether the key is wrapped with a scrypt cost below MIN_SCRYPT: rewrap() raises it. */
  get needsRewrap(): boolean {
    return belowMinimum(this.header.kdf);
  }

  /**
   * Wraps the data key again under the same passphrase at MIN_SCRYPT (or the vault's own cost where
   * that is higher); the data is not re-encrypted. Returns the new parameters, or null when the
   * cost was already at the minimum and nothing was written.
   */
  async rewrap(passphrase: string, minimum: ScryptParams = MIN_SCRYPT): Promise<ScryptParams | null> {
    const k = this.header.kdf;
    if (!belowMinimum(k, minimum)) return null;
    const next = { N: Math.max(k.N, minimum.N), r: Math.max(k.r, minimum.r), p: Math.max(k.p, minimum.p) };
    await this.changePassphrase(passphrase, passphrase, next);
    return next;
  }

  async enableDeviceUnlock(protector: KeyProtector): Promise<void> {
    this.writeHeader(await wrapForDevice(this.header, this.key(), protector));
  }

  disableDeviceUnlock(): void {
    this.key();
    const { devicekey: _, ...rest } = this.header;
    this.writeHeader(rest);
  }

  /** The audit entries the last change wrote (from memory). */
  lastWritten(): readonly AuditEntry[] {
    return this.written;
  }

  // ---- audit ------------------------------------------------------------------------------------

  /** Every audit entry, oldest first (reads the whole journal). */
  audit(): AuditEntry[] {
    const out: AuditEntry[] = [];
    for (const f of this.allFrames().frames) {
      if ('frame' in f && isAudited(f.frame)) out.push(auditEntryOf(f.frame, f.bytes));
    }
    return out;
  }

  /**
   * Checks the hash chain of the whole audit log (problems by the entry's own position) and every
   * file of the vault: journal segments (readable, contiguous), journal.head, snapshot.rav.bak and
   * the copy of vault.json. Damaged files are listed by name in `files`.
   */
  verify(): AuditReport {
    const { frames, files } = this.allFrames();
    const links: ChainLink[] = [];
    for (const f of frames) {
      if ('unreadable' in f) links.push({ seq: -1, prev: '', hash: '', unreadable: f.unreadable });
      else if (isAudited(f.frame)) links.push({ seq: f.frame.seq, prev: f.frame.prev, hash: hashOf(f.bytes) });
    }
    const problems = verifyChain(links, this.seq ? { count: this.seq, head: this.head } : undefined);
    files.push(...this.otherFileProblems());
    return { ok: problems.length === 0 && files.length === 0, entries: links.length, problems, files };
  }

  // ---- snapshots, locking -----------------------------------------------------------------------

  /**
   * Writes the state as a new snapshot: the journal moves to a new segment first, the current
   * snapshot becomes the backup, then the new one replaces it atomically. A crash at any step leaves
   * a snapshot and the journal frames after it.
   */
  compact(): void {
    this.key();
    this.cancelCompaction();
    if (this.framesSinceSnapshot === 0) return;
    this.writeSnapshot();
  }

  private writeSnapshot(): void {
    this.mayWrite();
    const covered = this.n;
    if (this.writerFor().segment.start !== covered + 1) {
      this.writer!.close();
      this.writer = new SegmentWriter({ start: covered + 1, path: segmentPath(this.dir, covered + 1) });
      this.tail = { segment: this.writer.segment, goodLength: 0, torn: false };
    }
    const meta: SnapshotMeta = {
      format: 'roleatlas/snapshot@1',
      n: covered,
      seq: this.seq,
      auditHead: this.head,
      undo: this.undoStack,
      redo: this.redoStack,
      pending: this.pending,
      staged: this.staged,
      settings: this.settings,
      sync: this.syncState,
      journalHead: true,
      ...(existsSync(this.snapshots.path) ? { backup: this.snapshotN } : {}),
    };
    const body = encodeState(this.#state, meta as unknown as Record<string, unknown>);
    const path = this.snapshots.path;
    if (existsSync(path)) {
      const tmp = `${path}.bak.tmp`;
      copyFileSecure(path, tmp);
      renameSync(tmp, `${path}.bak`);
    }
    this.snapshots.write({ body });
    syncDir(this.dir);
    this.framesSinceSnapshot = 0;
    this.backupN = meta.backup;
    this.snapshotN = covered;
    const head = this.headWriter?.head;
    if (head) this.headWriter!.write(this.key(), this.header.vaultid, { ...head, snapshot: covered });
    this.archive();
  }

  /**
   * Journal segments that neither snapshot needs (every frame at or before the one snapshot.rav.bak
   * covers) become audit archives: their audit entries kept byte for byte, the rest (imported
   * organizations, staged sets, sync bookkeeping) dropped. Undo and unsynced changes live in the
   * snapshot; restore-backup replays from the backup, whose journal stays. A damaged segment is
   * left as it is, for verify to name.
   */
  private archive(): void {
    const keep = this.backupN;
    if (keep === undefined) return;
    const key = this.key();
    const segments = listSegments(this.dir);
    for (let i = 0; i + 1 < segments.length; i++) {
      const seg = segments[i];
      const end = segments[i + 1].start - 1;
      if (end > keep || seg.path === this.writer?.segment.path) break;
      const scan = scanSegment(seg, key, this.header.vaultid, false);
      if (scan.damage || seg.start + scan.frames.length - 1 !== end) break;
      const audited = scan.frames.filter((b) => isAudited(JSON.parse(b.toString('utf8')) as Frame));
      writeArchive(this.dir, key, this.header.vaultid, seg.start, end, audited);
      unlinkSync(seg.path);
      syncDir(this.dir);
    }
  }

  /** Drops the data key (zeroed) and the state; every later call throws VaultError('locked'). */
  lock(): void {
    this.cancelCompaction();
    this.writer?.close();
    this.writer = null;
    this.headWriter?.close();
    this.headWriter = null;
    this.writerLock?.release();
    this.writerLock = null;
    this.#key?.fill(0);
    this.#key = null;
    this.#state = emptyOrg('');
    this.pending = [];
    this.staged = [];
  }

  /** Writes a snapshot if the journal has grown, then locks. */
  close(): void {
    if (this.#key && this.writerLock && this.framesSinceSnapshot >= (this.options.compactAfter ?? 500)) this.compact();
    this.lock();
  }

  // ---- inside -----------------------------------------------------------------------------------

  private key(): Buffer {
    if (!this.#key) throw new VaultError('locked', 'the vault is locked; unlock it first');
    return this.#key;
  }
  /** Writes need the writer lock, still ours: a read-only instance, or one whose lock file was taken away, writes nothing. */
  private mayWrite(): void {
    if (!this.writerLock) throw new VaultError('read-only', `${this.dir} was opened for reading only; nothing was written`);
    if (!this.writerLock.isHeld()) throw new VaultError('lock-lost', `${join(this.dir, 'writer.lock')} was removed or replaced while this vault was open; nothing was written. Lock the vault and open it again`, this.writerLock.path);
  }

  private now(): string {
    return (this.options.now ?? (() => new Date()))().toISOString();
  }
  private actor(): string {
    return this.settings.actor ?? this.options.actor;
  }

  private noteFrame(n: number, seq: number, note: AuditNote): NoteFrame {
    return { kind: 'note', n, seq, clientchangeid: randomUUID(), prev: '', at: this.now(), actor: this.actor(), origin: 'sync', summary: note.summary, ...(note.detail === undefined ? {} : { detail: note.detail }) };
  }

  /** `after`: frames written with the batch (same write), numbered from the given n and seq. */
  private commit(
    inputs: readonly unknown[],
    origin: 'local' | 'sync',
    mark: { undoes?: string; redoes?: string },
    clientchangeid?: string,
    after?: (n: number, seq: number) => Frame[],
    label?: string,
  ): Result<JournalEntry[]> {
    this.key();
    if (!inputs.length) return refused('empty', 'no commands to apply');
    const batch = randomUUID();
    const at = this.now();
    const actor = this.actor();
    let state = this.#state;
    const frames: ChangeFrame[] = [];
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i];
      const command = withIds(input, randomUUID);
      const r = applyCommand(state, command);
      if (!r.ok) return { ok: false, error: batchRefusal(inputs, i, r.error) };
      const inv = inverseOf(state, r.value);
      frames.push({
        kind: 'change',
        n: this.n + 1 + i,
        seq: this.seq + 1 + i,
        clientchangeid: i === 0 && clientchangeid ? clientchangeid : randomUUID(),
        at,
        actor,
        origin,
        command: r.value.command,
        prev: '',
        summary: r.value.summary,
        changes: r.value.changes,
        inverse: inv.ok ? inv.value : null,
        ...(inv.ok ? {} : { noinverse: inv.error.message }),
        batch: { id: batch, index: i, size: inputs.length, ...(i === 0 && label ? { label } : {}) },
        ...mark,
      });
      state = r.value.state;
    }
    this.write([...frames, ...(after ? after(this.n + 1 + frames.length, this.seq + 1 + frames.length) : [])], state);
    return ok(frames.map(journalEntryOf));
  }

  /** Seals and appends frames (one write, one fdatasync), then updates memory the way a replay would. */
  private write(frames: Frame[], next?: OrgState): Buffer[] {
    const key = this.key();
    this.mayWrite();
    let head = this.head;
    const plaintexts = frames.map((f) => {
      const linked = isAudited(f) ? { ...f, prev: head } : f;
      const bytes = Buffer.from(JSON.stringify(linked), 'utf8');
      if (isAudited(linked)) head = hashOf(bytes);
      return bytes;
    });
    const writer = this.writerFor();
    writer.append(key, this.header.vaultid, plaintexts);
    // Acknowledged once the head says where the journal now ends (a crash before that leaves frames past the head: whole, authentic, kept).
    const last = frames[frames.length - 1].n;
    this.headWriter?.write(key, this.header.vaultid, { n: last, last: hashOf(plaintexts[plaintexts.length - 1]), segment: writer.segment.start, seq: this.seq + frames.filter(isAudited).length, snapshot: this.snapshotN });
    // Memory follows the disk only once the frames are durable.
    const replay = new Replay(this.metaNow(), next ?? this.#state, true);
    const parsed = plaintexts.map((b) => JSON.parse(b.toString('utf8')) as Frame);
    this.written = parsed.flatMap((f, i) => (isAudited(f) ? [auditEntryOf(f, plaintexts[i])] : []));
    const changes = parsed.filter((f): f is ChangeFrame => f.kind === 'change');
    if (changes.length) replay.batch(changes, head, next);
    for (const f of parsed) if (f.kind !== 'change') replay.frame(f, head);
    const { meta, state } = replay.result();
    this.adopt(meta, state);
    this.framesSinceSnapshot += frames.length;
    this.scheduleCompaction();
    return plaintexts;
  }

  private adopt(meta: SnapshotMeta, state: OrgState): void {
    this.#state = state;
    this.n = meta.n;
    this.seq = meta.seq;
    this.head = meta.auditHead;
    this.undoStack = meta.undo;
    this.redoStack = meta.redo;
    this.pending = meta.pending;
    this.staged = meta.staged;
    this.settings = meta.settings;
    this.syncState = meta.sync ?? DEFAULT_SYNC_STATE;
  }

  private metaNow(): SnapshotMeta {
    return { format: 'roleatlas/snapshot@1', n: this.n, seq: this.seq, auditHead: this.head, undo: this.undoStack, redo: this.redoStack, pending: this.pending, staged: this.staged, settings: this.settings, sync: this.syncState };
  }

  private writerFor(): SegmentWriter {
    if (!this.writer) {
      if (this.tail.torn) this.writer = new SegmentWriter(this.tail.segment, this.tail.goodLength);
      else this.writer = new SegmentWriter(this.tail.segment);
      this.tail = { ...this.tail, torn: false };
    }
    return this.writer;
  }

  private writeHeader(header: VaultHeader): void {
    this.mayWrite();
    writeHeaderFiles(this.dir, header, this.options.store ?? confStore);
    (this as { header: VaultHeader }).header = header;
  }

  private scheduleCompaction(): void {
    const after = this.options.compactAfter ?? 500;
    if (this.framesSinceSnapshot < after || this.compactTimer) return;
    this.compactTimer = setTimeout(() => {
      this.compactTimer = null;
      if (this.#key) this.compact();
    }, this.options.compactDelayMs ?? 2000);
    this.compactTimer.unref?.();
  }

  private cancelCompaction(): void {
    if (this.compactTimer) clearTimeout(this.compactTimer);
    this.compactTimer = null;
  }

  /** Every frame of every segment in order; an unreadable one as its message. Missing frames between segments are file problems. */
  private allFrames(): { frames: ({ frame: Frame; bytes: Buffer } | { unreadable: string })[]; files: FileProblem[] } {
    const key = this.key();
    const frames: ({ frame: Frame; bytes: Buffer } | { unreadable: string })[] = [];
    const files: FileProblem[] = [];
    const journal = listSegments(this.dir);
    // An archive whose segment is still there was written by a compaction cut short before it deleted the segment.
    const archives = listArchives(this.dir).filter((a) => !journal.some((s) => s.start === a.start));
    const segments = [...archives, ...journal].sort((a, b) => a.start - b.start);
    let expected = 1;
    segments.forEach((seg, i) => {
      if (seg.start !== expected) {
        // Either a file starting at `expected` was deleted or the one before was cut at a frame boundary: both are named.
        files.push(missingFrames(this.dir, expected, seg, this.backupN));
        const before = segments[i - 1];
        if (before) files.push({ file: before.path, message: `${before.path} ends at frame ${expected - 1} but the next part of the journal starts at ${seg.start}: it was cut short, or the file after it deleted` });
      }
      const scan = scanSegment(seg, key, this.header.vaultid, i === segments.length - 1);
      scan.all.forEach((bytes, k) => {
        if (bytes) frames.push({ frame: JSON.parse(bytes.toString('utf8')) as Frame, bytes });
        else frames.push({ unreadable: `journal frame ${seg.start + k} (frame ${k + 1} of ${seg.path}) failed authentication or was cut off: it was altered, truncated or corrupted` });
      });
      if (scan.damage) files.push({ file: seg.path, message: scan.damage.message });
      expected = seg.end !== undefined ? seg.end + 1 : seg.start + scan.all.length;
    });
    return { frames, files };
  }

  private otherFileProblems(): FileProblem[] {
    const problems: FileProblem[] = [];
    const head = readHead(this.dir, this.key(), this.header.vaultid);
    if (this.legacy) {
      // Nothing to compare with yet; the first open for writing adds journal.head and vault.json's copy.
    } else if (head.kind === 'damaged') problems.push({ file: headPath(this.dir), message: head.message });
    else if (head.kind === 'missing') problems.push({ file: headPath(this.dir), message: `${headPath(this.dir)} is missing` });
    else if (head.damagedSlot) problems.push({ file: headPath(this.dir), message: `${headPath(this.dir)}: one of its two copies failed authentication` });
    else if (head.head.n > this.n) problems.push({ file: headPath(this.dir), message: `the journal ends at frame ${this.n} but frame ${head.head.n} was acknowledged` });
    const bak = join(this.dir, `${SNAPSHOT.name}.${SNAPSHOT.extension}.bak`);
    if (existsSync(bak)) {
      try {
        const n = Number(readMeta(snapshotStore(this.dir, this.header, this.key(), this.options.store ?? confStore, `${SNAPSHOT.extension}.bak`).read()!.body).n);
        if (this.backupN !== undefined && n !== this.backupN) problems.push({ file: bak, message: `${bak} covers frame ${n}, but the backup kept with snapshot.rav covers frame ${this.backupN}: it was replaced by another copy` });
      } catch (e) {
        problems.push({ file: bak, message: e instanceof Error ? e.message : String(e) });
      }
    } else if (this.backupN !== undefined) problems.push({ file: bak, message: `${bak} is missing` });
    const main = join(this.dir, HEADER_FILE);
    const copy = join(this.dir, HEADER_COPY);
    if (this.legacy) return problems;
    if (!existsSync(copy)) problems.push({ file: copy, message: `${copy}, the copy of vault.json, is missing` });
    else if (!readFileSync(copy).equals(readFileSync(main))) problems.push({ file: copy, message: `${copy} differs from vault.json: one of them was altered` });
    return problems;
  }
}

/** Applies frames to a state and the bookkeeping, exactly as committing them did. */
class Replay {
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

const journalEntryOf = (f: ChangeFrame): JournalEntry => ({ seq: f.seq, clientchangeid: f.clientchangeid, at: f.at, actor: f.actor, command: f.command, origin: f.origin });

/** Frames in the audit hash chain. */
const isAudited = (f: Frame): f is ChangeFrame | BaselineFrame | NoteFrame => f.kind === 'change' || f.kind === 'baseline' || f.kind === 'note';

function auditEntryOf(f: ChangeFrame | BaselineFrame | NoteFrame, bytes: Buffer): AuditEntry {
  const common = { seq: f.seq, clientchangeid: f.clientchangeid, at: f.at, actor: f.actor, summary: f.summary, prev: f.prev, hash: hashOf(bytes) };
  if (f.kind === 'note') return { ...common, kind: 'note', command: null, origin: f.origin, changes: [], ...(f.detail === undefined ? {} : { detail: f.detail }) };
  if (f.kind === 'baseline') return { ...common, kind: 'baseline', command: null, origin: 'local', changes: [] };
  return { ...common, kind: 'change', command: f.command, origin: f.origin, changes: f.changes, ...(f.undoes ? { undoes: f.undoes } : {}), ...(f.redoes ? { redoes: f.redoes } : {}) };
}

function headerStore(dir: string, store: StoreFactory, extension = 'json'): DocumentStore<VaultHeader> {
  const file = join(dir, `vault.${extension}`);
  return store<VaultHeader>({
    cwd: dir,
    name: 'vault',
    extension,
    serialize: (v) => JSON.stringify(v, null, 2),
    deserialize: (text) => {
      const parsed = headerSchema.safeParse(JSON.parse(text));
      if (!parsed.success) throw new VaultError('not-a-vault', `${file} is not a RoleAtlas vault header (${parsed.error.issues[0].message})`, file);
      return parsed.data;
    },
  });
}

/** vault.json, then its exact copy: a crash between the two leaves a copy that verify reports and restore-backup rewrites. */
function writeHeaderFiles(dir: string, header: VaultHeader, store: StoreFactory): void {
  headerStore(dir, store).write(header);
  headerStore(dir, store, 'json.bak').write(header);
  syncDir(dir);
}

function readHeaderFile(dir: string, store: StoreFactory, extension: string): VaultHeader {
  const file = join(dir, `vault.${extension}`);
  try {
    const h = headerStore(dir, store, extension).read();
    if (!h) throw new VaultError('not-a-vault', `${file} is missing`, file);
    return h;
  } catch (e) {
    if (e instanceof VaultError) throw e;
    throw new VaultError('not-a-vault', `${file} cannot be read: ${(e as Error).message}`, file);
  }
}

/** vault.json; when it is missing or unreadable but its copy reads, that is damage (restore-backup puts the copy back). */
export function readHeader(dir: string, store: StoreFactory = confStore): VaultHeader {
  if (!Vault.exists(dir)) throw new VaultError('not-a-vault', `${dir} is not a vault (no vault.json); create one with roleatlas vault init`);
  try {
    return readHeaderFile(dir, store, 'json');
  } catch (e) {
    const file = join(dir, HEADER_FILE);
    try {
      readHeaderFile(dir, store, 'json.bak');
    } catch {
      throw e;
    }
    throw new VaultError('tampered', `${file} is missing or damaged (${(e as Error).message}); its copy ${HEADER_COPY} is intact`, file);
  }
}

/** After vault.json refused the unlock: if its copy differs and unlocks, vault.json was altered, not the passphrase wrong. */
async function headerCopyVerdict(dir: string, store: StoreFactory, e: unknown, unwrap: (copy: VaultHeader) => Promise<Buffer>): Promise<unknown> {
  const copy = differingCopy(dir, store, e);
  if (!copy) return e;
  try {
    (await unwrap(copy)).fill(0);
  } catch {
    return e;
  }
  return alteredHeader(dir);
}

function headerCopyVerdictSync(dir: string, store: StoreFactory, e: unknown, unwrap: (copy: VaultHeader) => Buffer): unknown {
  const copy = differingCopy(dir, store, e);
  if (!copy) return e;
  try {
    unwrap(copy).fill(0);
  } catch {
    return e;
  }
  return alteredHeader(dir);
}

function differingCopy(dir: string, store: StoreFactory, e: unknown): VaultHeader | null {
  if (!(e instanceof VaultError) || e.code !== 'wrong-passphrase') return null;
  const main = join(dir, HEADER_FILE);
  const copy = join(dir, HEADER_COPY);
  if (!existsSync(copy) || readFileSync(copy).equals(readFileSync(main))) return null;
  try {
    return readHeaderFile(dir, store, 'json.bak');
  } catch {
    return null;
  }
}

const alteredHeader = (dir: string) =>
  new VaultError('tampered', `${join(dir, HEADER_FILE)} was altered: the passphrase unlocks its copy ${HEADER_COPY} but not it`, join(dir, HEADER_FILE));

/** restore-backup's first step: the header that unlocks, vault.json put back from its copy if needed, the copy rewritten if it differs. */
async function restoreHeader(dir: string, passphrase: string, store: StoreFactory, aside: (path: string) => string): Promise<{ header: VaultHeader; key: Buffer; headerRestored: boolean }> {
  const main = join(dir, HEADER_FILE);
  const copy = join(dir, HEADER_COPY);
  try {
    const header = readHeaderFile(dir, store, 'json');
    const key = await unwrapWithPassphrase(header, passphrase);
    if (!existsSync(copy) || !readFileSync(copy).equals(readFileSync(main))) {
      if (existsSync(copy)) aside(copy);
      copyFileSecure(main, copy);
      syncDir(dir);
    }
    return { header, key, headerRestored: false };
  } catch (e) {
    if (!existsSync(copy)) throw e;
    let header: VaultHeader;
    let key: Buffer;
    try {
      header = readHeaderFile(dir, store, 'json.bak');
      key = await unwrapWithPassphrase(header, passphrase);
    } catch {
      throw e;
    }
    if (existsSync(main)) aside(main);
    const tmp = `${main}.tmp`;
    copyFileSecure(copy, tmp);
    renameSync(tmp, main);
    syncDir(dir);
    return { header, key, headerRestored: true };
  }
}

/**
 * Frames `from`..seg.start-1 are in no file: most likely the file holding exactly them was deleted
 * (or the one before cut short). Up to the backup snapshot that file is an audit archive.
 */
function missingFrames(dir: string, from: number, seg: Segment, archivedUpTo?: number): FileProblem {
  const file = archivedUpTo !== undefined && seg.start - 1 <= archivedUpTo ? archivePath(dir, from, seg.start - 1) : segmentPath(dir, from);
  return { file, message: `journal frames ${from}–${seg.start - 1} are missing before ${seg.path}: ${file} was deleted, or the file before it was cut short` };
}

function lockOptions(options: VaultOptions): { program: string; waitMs: number } {
  return { program: options.program ?? `${process.argv.slice(1, 3).join(' ')}`, waitMs: options.lockWaitMs ?? 0 };
}

/** snapshot.rav: "RAVS1 " then base64 of iv | AES-256-GCM(body) | tag, the AAD binding format, kind and vault. */
function snapshotStore(dir: string, header: VaultHeader, key: Buffer, store: StoreFactory, extension = SNAPSHOT.extension): DocumentStore<{ body: Buffer }> {
  const aad = Buffer.from(`roleatlas/vault@1|snapshot|${header.vaultid}`);
  const file = join(dir, `${SNAPSHOT.name}.${extension}`);
  return store<{ body: Buffer }>({
    cwd: dir,
    name: SNAPSHOT.name,
    extension,
    serialize: (v) => SNAPSHOT_PREFIX + seal(key, v.body as Buffer, aad).toString('base64'),
    deserialize: (text) => {
      if (!text.startsWith(SNAPSHOT_PREFIX)) throw new VaultError('tampered', `${file} is not a vault snapshot of this format (it was altered or replaced)`, file);
      return { body: unseal(key, Buffer.from(text.slice(SNAPSHOT_PREFIX.length), 'base64'), aad, file, file) };
    },
  });
}

export function vaultFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}
