import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, closeSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { apply as applyCommand, withIds, type Applied } from '../core/commands/apply';
import type { Change } from '../core/commands/draft';
import type { Command } from '../core/commands/schema';
import { emptyOrg, type OrgState } from '../core/model/org';
import { ok, refused, refusalFromZod, type Result } from '../core/result';
import { seal, unseal, newDataKey, tuneScrypt, type ScryptParams } from './crypto';
import { VaultError } from './errors';
import { headerSchema, newHeader, unwrapForDevice, unwrapWithPassphrase, unwrapWithPassphraseSync, wrapForDevice, wrapWithPassphrase, type VaultHeader } from './header';
import type { KeyProtector } from './keyProtector';
import { confStore, type DocumentStore, type StoreFactory } from './store';
import { decodeSnapshot, encodeState, readMeta } from './snapshotCodec';
import { listSegments, readSegment, segmentPath, SegmentWriter, syncDir, type Segment } from './journalFile';
import { GENESIS, hashOf, verifyChain, type AuditReport, type ChainLink } from './audit';
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
  /** The imported organization, in the snapshot encoding (base64). */
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
}
export type Unlock = { readonly passphrase: string } | { readonly protector: KeyProtector };

const UNDO_LIMIT = 100;
const SNAPSHOT = { name: 'snapshot', extension: 'rav' };
const SNAPSHOT_PREFIX = 'RAVS1 ';

/**
 * The encrypted local vault: a folder holding vault.json (the wrapped data key), snapshot.rav (the
 * state and bookkeeping at some frame, AES-256-GCM), snapshot.rav.bak (the one before it) and the
 * journal segments (every change since the beginning, sealed frame by frame). An instance exists
 * only while unlocked; the data key lives in it and is zeroed on lock().
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

  private constructor(
    readonly dir: string,
    readonly header: VaultHeader,
    key: Buffer,
    private readonly options: VaultOptions,
    loaded: { meta: SnapshotMeta; state: OrgState },
    tail: { segment: Segment; goodLength: number; torn: boolean },
    framesSinceSnapshot: number,
  ) {
    this.#key = key;
    this.adopt(loaded.meta, loaded.state);
    this.tail = tail;
    this.framesSinceSnapshot = framesSinceSnapshot;
    this.snapshots = snapshotStore(dir, header, key, options.store ?? confStore);
  }

  // ---- creating, opening, restoring -------------------------------------------------------------

  static exists(dir: string): boolean {
    return existsSync(join(dir, 'vault.json'));
  }

  /** Whether "unlock on this computer" was set up (the header is readable while locked). */
  static hasDeviceUnlock(dir: string, store: StoreFactory = confStore): boolean {
    try {
      return readHeader(dir, store).devicekey !== undefined;
    } catch {
      return false;
    }
  }

  /** A new vault holding an empty organization. The scrypt cost is tuned to ~250 ms unless given. */
  static async create(dir: string, passphrase: string, options: VaultOptions & { kdf?: ScryptParams }): Promise<Vault> {
    if (Vault.exists(dir)) throw new VaultError('exists', `${dir} already holds a vault`);
    if (passphrase.length < 8) throw new VaultError('invalid', 'the passphrase must be at least 8 characters');
    mkdirSync(dir, { recursive: true });
    const key = newDataKey();
    const header = await newHeader(key, passphrase, options.kdf ?? (await tuneScrypt()), (options.now ?? (() => new Date()))());
    const meta: SnapshotMeta = { format: 'roleatlas/snapshot@1', n: 0, seq: 0, auditHead: GENESIS, undo: [], redo: [], pending: [], staged: [], settings: DEFAULT_SETTINGS };
    // The snapshot and the first segment go first: a vault.json only ever points at a whole vault.
    snapshotStore(dir, header, key, options.store ?? confStore).write({ body: encodeState(emptyOrg('New organization'), meta as unknown as Record<string, unknown>) });
    new SegmentWriter({ start: 1, path: segmentPath(dir, 1) }).close();
    headerStore(dir, options.store ?? confStore).write(header);
    syncDir(dir);
    return Vault.load(dir, header, key, options);
  }

  static async open(dir: string, unlock: Unlock, options: VaultOptions): Promise<Vault> {
    const header = readHeader(dir, options.store ?? confStore);
    const key = 'passphrase' in unlock ? await unwrapWithPassphrase(header, unlock.passphrase) : await unwrapForDevice(header, unlock.protector);
    try {
      return Vault.load(dir, header, key, options);
    } catch (e) {
      key.fill(0);
      throw e;
    }
  }

  /** open() for a caller that cannot await (the synchronous command-line source). */
  static openSync(dir: string, unlock: { readonly passphrase: string }, options: VaultOptions): Vault {
    const header = readHeader(dir, options.store ?? confStore);
    const key = unwrapWithPassphraseSync(header, unlock.passphrase);
    try {
      return Vault.load(dir, header, key, options);
    } catch (e) {
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
   * Puts the last good snapshot back. The damaged one is renamed aside (never overwritten or
   * deleted); the journal then replays every change made since the backup, so nothing is lost.
   */
  static async restoreBackup(dir: string, passphrase: string, options: VaultOptions): Promise<{ damaged: string | null; restoredFrame: number }> {
    const header = readHeader(dir, options.store ?? confStore);
    const key = await unwrapWithPassphrase(header, passphrase);
    try {
      const path = join(dir, `${SNAPSHOT.name}.${SNAPSHOT.extension}`);
      const bak = `${path}.bak`;
      if (!existsSync(bak)) throw new VaultError('no-backup', `there is no backup snapshot in ${dir}`);
      const meta = snapshotStore(dir, header, key, options.store ?? confStore, `${SNAPSHOT.extension}.bak`).read();
      if (!meta) throw new VaultError('no-backup', `there is no backup snapshot in ${dir}`);
      const restoredFrame = Number(readMeta(meta.body).n);
      let damaged: string | null = null;
      if (existsSync(path)) {
        damaged = `${path}.damaged-${Date.now()}`;
        renameSync(path, damaged);
      }
      const tmp = `${path}.restore.tmp`;
      copyFileSync(bak, tmp);
      fsyncFile(tmp);
      renameSync(tmp, path);
      syncDir(dir);
      return { damaged, restoredFrame };
    } finally {
      key.fill(0);
    }
  }

  private static load(dir: string, header: VaultHeader, key: Buffer, options: VaultOptions): Vault {
    const store = options.store ?? confStore;
    const snap = snapshotStore(dir, header, key, store).read();
    if (!snap) throw new VaultError('tampered', `${dir}: snapshot.rav is missing; run restore-backup to use the last good copy`, join(dir, 'snapshot.rav'));
    const decoded = decodeSnapshot(snap.body);
    const meta = decoded.meta as unknown as SnapshotMeta;
    const replay = new Replay(meta, decoded.state);
    const segments = listSegments(dir);
    if (!segments.length) throw new VaultError('tampered', `${dir}: the journal is missing`);
    // Only segments that can hold frames after the snapshot are read.
    let from = 0;
    segments.forEach((s, i) => {
      if (s.start <= meta.n + 1) from = i;
    });
    let tail = { segment: segments[segments.length - 1], goodLength: 0, torn: false };
    let pendingBatch: ChangeFrame[] = [];
    for (let i = from; i < segments.length; i++) {
      const seg = segments[i];
      const isLast = i === segments.length - 1;
      const read = readSegment(seg, key, header.vaultid, isLast);
      let frames = read.frames.map((b) => JSON.parse(b.toString('utf8')) as Frame);
      const hashes = read.frames.map((b) => hashOf(b));
      let goodLength = read.goodLength;
      let torn = read.torn;
      if (isLast) {
        // A batch cut short at the very end was never acknowledged: drop its frames too.
        const lastBatch = trailingIncompleteBatch(frames);
        if (lastBatch > 0) {
          frames = frames.slice(0, frames.length - lastBatch);
          let len = 0;
          for (let k = 0; k < frames.length; k++) len += 4 + read.frames[k].length + 28;
          goodLength = len;
          torn = true;
        }
        tail = { segment: seg, goodLength, torn };
      }
      frames.forEach((f, k) => {
        if (f.n !== seg.start + k) throw new VaultError('tampered', `journal ${seg.path}: frame ${k + 1} is numbered ${f.n}, expected ${seg.start + k}`, seg.path);
        if (f.n <= meta.n) return;
        if (f.kind === 'change') {
          pendingBatch.push(f);
          if (f.batch.index === f.batch.size - 1) {
            replay.batch(pendingBatch, hashes[k]);
            pendingBatch = [];
          }
        } else replay.frame(f, hashes[k]);
      });
    }
    const loaded = replay.result();
    return new Vault(dir, header, key, options, loaded, tail, loaded.meta.n - meta.n);
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
  applyAll(commands: readonly unknown[]): Result<JournalEntry[]> {
    return this.commit(commands, 'local', {});
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
    return this.commit(step.commands, 'local', { redoes: step.batch });
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
    const frame: BaselineFrame = {
      kind: 'baseline',
      n: this.n + 1,
      seq: this.seq + 1,
      clientchangeid: randomUUID(),
      prev: this.head,
      at: this.now(),
      actor: this.actor(),
      summary: `Imported ${source}: ${state.businessunits.size} business unit(s), ${state.systemusers.size} user(s), ${state.roles.size} role(s), ${state.records.size} record(s)`,
      state: body.toString('base64'),
    };
    const [written] = this.write([frame]);
    this.compact();
    return auditEntryOf(frame, written);
  }

  async changePassphrase(current: string, next: string, kdf?: ScryptParams): Promise<void> {
    const key = this.key();
    if (next.length < 8) throw new VaultError('invalid', 'the new passphrase must be at least 8 characters');
    (await unwrapWithPassphrase(this.header, current)).fill(0);
    const { passphrasekey: _, kdf: __, ...base } = this.header;
    const header = await wrapWithPassphrase(base, key, next, kdf ?? { N: this.header.kdf.N, r: this.header.kdf.r, p: this.header.kdf.p });
    this.writeHeader(header);
  }

  async enableDeviceUnlock(protector: KeyProtector): Promise<void> {
    this.writeHeader(await wrapForDevice(this.header, this.key(), protector));
  }

  disableDeviceUnlock(): void {
    this.key();
    const { devicekey: _, ...rest } = this.header;
    this.writeHeader(rest);
  }

  // ---- audit ------------------------------------------------------------------------------------

  /** Every audit entry, oldest first (reads the whole journal). */
  audit(): AuditEntry[] {
    const out: AuditEntry[] = [];
    for (const { frame, bytes } of this.allFrames().frames) {
      if (isAudited(frame)) out.push(auditEntryOf(frame, bytes));
    }
    return out;
  }

  /** Checks the hash chain of the whole audit log; problems are reported by position. */
  verify(): AuditReport {
    const { frames, problems } = this.allFrames();
    const links: ChainLink[] = [];
    for (const { frame, bytes } of frames) {
      if (isAudited(frame)) links.push({ seq: frame.seq, prev: frame.prev, hash: hashOf(bytes) });
    }
    const chain = verifyChain(links, this.seq ? { count: this.seq, head: this.head } : undefined);
    const all = [...problems.map((message) => ({ position: links.length + 1, kind: 'unreadable' as const, message })), ...chain];
    return { ok: all.length === 0, entries: links.length, problems: all };
  }

  // ---- snapshots, locking -----------------------------------------------------------------------

  /**
   * Writes the state as a new snapshot: the journal moves to a new segment first, the current
   * snapshot becomes the backup, then the new one replaces it atomically. A crash at any step leaves
   * a snapshot and the journal frames after it.
   */
  compact(): void {
    const key = this.key();
    void key;
    this.cancelCompaction();
    if (this.framesSinceSnapshot === 0) return;
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
    };
    const body = encodeState(this.#state, meta as unknown as Record<string, unknown>);
    const path = this.snapshots.path;
    if (existsSync(path)) {
      const tmp = `${path}.bak.tmp`;
      copyFileSync(path, tmp);
      fsyncFile(tmp);
      renameSync(tmp, `${path}.bak`);
    }
    this.snapshots.write({ body });
    syncDir(this.dir);
    this.framesSinceSnapshot = 0;
  }

  /** Drops the data key (zeroed) and the state; every later call throws VaultError('locked'). */
  lock(): void {
    this.cancelCompaction();
    this.writer?.close();
    this.writer = null;
    this.#key?.fill(0);
    this.#key = null;
    this.#state = emptyOrg('');
    this.pending = [];
    this.staged = [];
  }

  /** Writes a snapshot if the journal has grown, then locks. */
  close(): void {
    if (this.#key && this.framesSinceSnapshot >= (this.options.compactAfter ?? 500)) this.compact();
    this.lock();
  }

  // ---- inside -----------------------------------------------------------------------------------

  private key(): Buffer {
    if (!this.#key) throw new VaultError('locked', 'the vault is locked; unlock it first');
    return this.#key;
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
      const command = input && typeof input === 'object' && 'type' in input ? withIds(input as { type: string }, randomUUID) : input;
      const r = applyCommand(state, command);
      if (!r.ok) {
        const where = inputs.length > 1 ? `command ${i + 1} of ${inputs.length} refused: ` : '';
        return { ok: false, error: { ...r.error, message: `${where}${r.error.message}. Nothing was applied.` } };
      }
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
        batch: { id: batch, index: i, size: inputs.length },
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
    let head = this.head;
    const plaintexts = frames.map((f) => {
      const linked = isAudited(f) ? { ...f, prev: head } : f;
      const bytes = Buffer.from(JSON.stringify(linked), 'utf8');
      if (isAudited(linked)) head = hashOf(bytes);
      return bytes;
    });
    this.writerFor().append(key, this.header.vaultid, plaintexts);
    // Memory follows the disk only once the frames are durable.
    const replay = new Replay(this.metaNow(), next ?? this.#state, true);
    const parsed = plaintexts.map((b) => JSON.parse(b.toString('utf8')) as Frame);
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
    const path = join(this.dir, 'vault.json');
    const tmp = `${path}.bak.tmp`;
    copyFileSync(path, tmp);
    fsyncFile(tmp);
    renameSync(tmp, `${path}.bak`);
    headerStore(this.dir, this.options.store ?? confStore).write(header);
    syncDir(this.dir);
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

  private allFrames(): { frames: { frame: Frame; bytes: Buffer }[]; problems: string[] } {
    const key = this.key();
    const frames: { frame: Frame; bytes: Buffer }[] = [];
    const problems: string[] = [];
    const segments = listSegments(this.dir);
    segments.forEach((seg, i) => {
      try {
        const read = readSegment(seg, key, this.header.vaultid, i === segments.length - 1);
        for (const bytes of read.frames) frames.push({ frame: JSON.parse(bytes.toString('utf8')) as Frame, bytes });
      } catch (e) {
        problems.push(e instanceof VaultError ? e.message : String(e));
      }
    });
    return { frames, problems };
  }
}

/** Applies frames to a state and the bookkeeping, exactly as committing them did. */
class Replay {
  private meta: SnapshotMeta;
  private state: OrgState;
  private owned = new Set<string>();

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
      return { batch: first.batch.id, summary: frames.map((f) => f.summary).join('; '), commands: frames.map((f) => f.command), inverse, ...(blocked ? { noinverse: blocked.noinverse } : {}) };
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
      case 'baseline':
        this.state = decodeSnapshot(Buffer.from(f.state, 'base64')).state;
        this.owned = new Set(Object.keys(this.state).filter((k) => k !== 'organization'));
        this.meta.seq = f.seq;
        this.meta.undo = [];
        this.meta.redo = [];
        this.meta.auditHead = hash;
        break;
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

function trailingIncompleteBatch(frames: readonly Frame[]): number {
  let k = frames.length;
  while (k > 0 && frames[k - 1].kind === 'change') {
    const f = frames[k - 1] as ChangeFrame;
    if (f.batch.index === f.batch.size - 1) return frames.length - k;
    if (f.batch.index === 0) return frames.length - k + 1;
    k--;
  }
  return 0;
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

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function headerStore(dir: string, store: StoreFactory): DocumentStore<VaultHeader> {
  return store<VaultHeader>({
    cwd: dir,
    name: 'vault',
    extension: 'json',
    serialize: (v) => JSON.stringify(v, null, 2),
    deserialize: (text) => {
      const parsed = headerSchema.safeParse(JSON.parse(text));
      if (!parsed.success) throw new VaultError('not-a-vault', `${join(dir, 'vault.json')} is not a RoleAtlas vault header (${parsed.error.issues[0].message})`);
      return parsed.data;
    },
  });
}

export function readHeader(dir: string, store: StoreFactory = confStore): VaultHeader {
  if (!Vault.exists(dir)) throw new VaultError('not-a-vault', `${dir} is not a vault (no vault.json); create one with roleatlas vault init`);
  try {
    return headerStore(dir, store).read()!;
  } catch (e) {
    if (e instanceof VaultError) throw e;
    throw new VaultError('not-a-vault', `${join(dir, 'vault.json')} cannot be read: ${(e as Error).message}`);
  }
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
