import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../core/commands/schema';
import { emptyOrg, type OrgState } from '../core/model/org';
import { ok, refused, refusalFromZod, type Result } from '../core/result';
import { belowMinimum, MIN_SCRYPT, raisedTo, type ScryptParams } from './crypto';
import { VaultError } from './errors';
import { rewrapWithPassphrase, unwrapWithPassphrase, wrapForDevice, type VaultHeader } from './header';
import type { KeyProtector } from './keyProtector';
import { confStore, type DocumentStore, type StoreFactory } from './store';
import { encodeState } from './snapshotCodec';
import { syncDir } from './journalFile';
import { HeadWriter } from './journalHead';
import { JournalEnd } from './journal';
import type { WriterLock } from './writerLock';
import { hashOf, type AuditReport } from './audit';
import { settingsSchema, stagedSchema, type VaultSettings } from './settings';
import { stagedGroupsFor, type StagedGroup } from '../core/commands/stagedLabels';
import { DEFAULT_SYNC_STATE, syncStateSchema, type AuditNote, type VaultSyncState } from './syncState';
import { auditEntryOf, baselineFrames, changeFrames, isAudited, journalEntryOf, linkFrames, noteFrame, parseFrame, type AuditEntry, type BatchContext, type ChangeFrame, type Frame, type JournalEntry, type LoggedChange, type NoteFrame, type SnapshotMeta } from './frames';
import { copyIntoPlace, HEADER_COPY, HEADER_FILE, readHeader, snapshotStore, tidyFolder, vaultExists, writeHeaderFiles } from './files';
import { Replay, type Loaded } from './replay';
import { createFiles, readForOpen, unlockKey, type Unlock, type VaultOptions } from './open';
import { salvage, type RestoreReport } from './restore';
import { auditEntries, verifyVault } from './verify';
import { archiveCoveredSegments } from './compaction';
import { changesAfter } from './since';

export type { AuditEntry, JournalEntry, LoggedChange } from './frames';

/**
 * What a batch writes with its changes, in the same write: an audit note saying why, the sync
 * bookkeeping (given the audit seq once written, so it can record where the journal then ends),
 * the staged set replaced.
 */
export interface BatchExtras {
  readonly note?: AuditNote;
  readonly sync?: Partial<VaultSyncState> | ((seq: number) => Partial<VaultSyncState>);
  readonly staged?: readonly Command[];
  /** With `staged`: per command, the named group it was staged in. */
  readonly stagedGroups?: readonly (StagedGroup | null)[];
}
export type { Unlock, VaultOptions } from './open';
export type { RestoreReport } from './restore';
export { readHeader, vaultFiles } from './files';

/** What the vault keeps beside the state, as a snapshot records it (less what only the files need). */
type Bookkeeping = Omit<SnapshotMeta, 'backup' | 'journalHead'> & { sync: VaultSyncState };


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
  // The state and the bookkeeping replayed with it (where the journal ends, the audit head, undo,
  // unsynced changes, staged set, settings, sync state), set together by adopt().
  #state!: OrgState;
  private meta!: Bookkeeping;
  private readonly journal: JournalEnd;
  private framesSinceSnapshot: number;
  private compactTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly snapshots: DocumentStore<{ body: Buffer }>;
  /** Null when opened for reading. */
  private writerLock: WriterLock | null;
  /** The audit entries of the last write, so a caller can say what it did without reading the journal back. */
  private written: AuditEntry[] = [];
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
    this.journal = new JournalEnd(dir, header.vaultid, loaded.tail, writerLock && loaded.head ? new HeadWriter(dir, loaded.head) : null);
    this.framesSinceSnapshot = loaded.framesSinceSnapshot;
    this.snapshots = snapshotStore(dir, header, key, options.store ?? confStore);
    this.writerLock = writerLock;
    this.snapshotN = loaded.snapshotN;
    this.backupN = loaded.backupN;
    this.legacy = !loaded.head && !loaded.headProblem;
  }

  // ---- creating, opening, restoring -------------------------------------------------------------

  static exists(dir: string): boolean {
    return vaultExists(dir);
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
    const { header, key, lock } = await createFiles(dir, passphrase, options);
    return Vault.opened(dir, header, key, options, lock);
  }

  /** The one way to open a vault: unlocked by passphrase or by this computer, read under the writer lock unless `access: 'read'`. */
  static async open(dir: string, unlock: Unlock, options: VaultOptions): Promise<Vault> {
    const { header, key } = await unlockKey(dir, unlock, options.store ?? confStore);
    return Vault.opened(dir, header, key, options, null);
  }

  private static async opened(dir: string, header: VaultHeader, key: Buffer, options: VaultOptions, held: WriterLock | null): Promise<Vault> {
    const { loaded, lock } = await readForOpen(dir, header, key, options, held);
    const vault = new Vault(dir, header, key, options, loaded, lock);
    if (!lock) return vault;
    try {
      vault.settle(loaded);
    } catch (e) {
      vault.lock();
      throw e;
    }
    return vault;
  }

  /** Checks the passphrase only: the key is unwrapped and dropped, nothing is read or written. */
  static async checkPassphrase(dir: string, passphrase: string, store: StoreFactory = confStore): Promise<VaultHeader> {
    const header = readHeader(dir, store);
    (await unwrapWithPassphrase(header, passphrase)).fill(0);
    return header;
  }

  /** Brings a damaged vault back to the newest state its intact files prove (restore.ts), then writes a snapshot and head that agree with it. */
  static async restoreBackup(dir: string, passphrase: string, options: VaultOptions): Promise<RestoreReport> {
    const { header, key, loaded, lock, report } = await salvage(dir, passphrase, options);
    const vault = new Vault(dir, header, key, options, loaded, lock);
    try {
      // The old head may be gone (moved aside): the snapshot is written without it, then a new head.
      vault.journal.dropHead();
      vault.writeSnapshot();
      vault.rewriteHead(loaded.head?.c ?? 0, { hash: '', segment: vault.journal.segment.start });
    } finally {
      vault.lock();
    }
    return report;
  }

  /** After an open for writing: leftovers of interrupted writes removed, modes set, a missing or torn head rewritten. */
  private settle(loaded: Loaded): void {
    tidyFolder(this.dir);
    if (!loaded.head) {
      // A vault from before journal.head: its vault.json.bak (if any) was the previous header, not a copy.
      copyIntoPlace(join(this.dir, HEADER_FILE), join(this.dir, HEADER_COPY));
      this.legacy = false;
    }
    if (!loaded.head || loaded.last.n > loaded.head.n) this.rewriteHead(loaded.head?.c ?? 0, loaded.last);
  }

  /** Both slots of journal.head written afresh, agreeing with memory; `last`: frame n's hash ('' when not read) and segment. */
  private rewriteHead(c: number, last: { hash: string; segment: number }): void {
    this.journal.rewriteHead(this.key(), { c: c + 1, n: this.meta.n, last: last.hash, segment: last.segment, seq: this.meta.seq, snapshot: this.snapshotN });
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
    return [...this.meta.pending];
  }
  canUndo(): boolean {
    return this.meta.undo.length > 0;
  }
  canRedo(): boolean {
    return this.meta.redo.length > 0;
  }
  /** What undo() and redo() would do next, for the app's menu. */
  nextUndo(): string | null {
    return this.meta.undo.at(-1)?.summary ?? null;
  }
  nextRedo(): string | null {
    return this.meta.redo.at(-1)?.summary ?? null;
  }
  /** Audit entries written so far: the seq of the last one. */
  get seq(): number {
    this.key();
    return this.meta.seq;
  }
  /** The changes and imports after audit entry `seq`, oldest first (reads only the journal files that can hold them). */
  changesSince(seq: number): LoggedChange[] {
    const key = this.key();
    if (seq >= this.meta.seq) return [];
    return changesAfter(this.dir, key, this.header.vaultid, seq);
  }
  getStaged(): readonly Command[] {
    this.key();
    return this.meta.staged;
  }
  /** Per staged command, the named group it was staged in (null: none named). */
  getStagedGroups(): readonly (StagedGroup | null)[] {
    this.key();
    return this.meta.stagedgroups?.length === this.meta.staged.length ? this.meta.stagedgroups : this.meta.staged.map(() => null);
  }
  getSettings(): VaultSettings {
    this.key();
    return this.meta.settings;
  }
  /** The sync client's bookkeeping (client id, delta token, status, open conflicts). */
  getSyncState(): VaultSyncState {
    this.key();
    return this.meta.sync;
  }

  // ---- changing ---------------------------------------------------------------------------------

  /** Applies one command; durable on disk when this returns. */
  apply(command: unknown): Result<JournalEntry> {
    const r = this.applyAll([command]);
    return r.ok ? ok(r.value[0]) : r;
  }

  /** Applies commands in order, all or nothing, as one undoable step. A refusal names the position. `extras` are written with it. */
  applyAll(commands: readonly unknown[], label?: string, extras: BatchExtras = {}): Result<JournalEntry[]> {
    const after = this.extraFrames(extras, commands.length);
    if (!after.ok) return after;
    return this.commit(commands, { origin: 'local', label, after: after.value });
  }

  /** A change that came from the server: applied and audited, never sent back, not undoable. */
  applyRemote(command: unknown, clientchangeid?: string): Result<JournalEntry> {
    const r = this.commit([command], { origin: 'sync', clientchangeid });
    return r.ok ? ok(r.value[0]) : r;
  }

  /**
   * Changes from the server (or the server's side of a conflict, taken): applied in order, all or
   * nothing, with origin 'sync'. In the same write, `note` adds an audit entry saying why and
   * `sync` updates the sync bookkeeping. No commands and no extras: nothing is written.
   */
  applyRemoteAll(commands: readonly unknown[], extra: BatchExtras = {}): Result<JournalEntry[]> {
    this.key();
    const after = this.extraFrames(extra, commands.length);
    if (!after.ok) return after;
    if (!commands.length) {
      const frames = after.value(this.meta.n + 1, this.meta.seq + 1);
      if (frames.length) this.write(frames);
      return ok([]);
    }
    return this.commit(commands, { origin: 'sync', after: after.value });
  }

  /** The frames `extras` add after `changes` change frames, numbered from the n and seq they start at; the sync state checked first. */
  private extraFrames(extras: BatchExtras, changes: number): Result<(n: number, seq: number) => Frame[]> {
    let sync: VaultSyncState | undefined;
    if (extras.sync) {
      // One change frame per command: the seq once written is known before writing.
      const seq = this.meta.seq + changes + (extras.note ? 1 : 0);
      const parsed = syncStateSchema.safeParse({ ...this.meta.sync, ...(typeof extras.sync === 'function' ? extras.sync(seq) : extras.sync) });
      if (!parsed.success) return { ok: false, error: refusalFromZod(parsed.error, 'sync') };
      sync = parsed.data;
    }
    let staged: { commands: Command[]; groups?: (StagedGroup | null)[] } | undefined;
    if (extras.staged) {
      const parsed = stagedSchema.safeParse(extras.staged);
      if (!parsed.success) return { ok: false, error: refusalFromZod(parsed.error, 'staged') };
      const named = stagedGroupsFor(parsed.data.length, extras.stagedGroups);
      if (!named.ok) return named;
      staged = { commands: parsed.data, ...(named.value.some((g) => g !== null) ? { groups: [...named.value] } : {}) };
    }
    return ok((n: number, seq: number): Frame[] => {
      const frames: Frame[] = [];
      if (extras.note) frames.push(noteFrame(n + frames.length, seq, this.now(), this.actor(), extras.note));
      if (sync) frames.push({ kind: 'sync', n: n + frames.length, sync });
      if (staged) frames.push({ kind: 'staged', n: n + frames.length, ...staged });
      return frames;
    });
  }

  /** Replaces parts of the sync bookkeeping; refused (nothing written) when the result is not valid. */
  setSyncState(changes: Partial<VaultSyncState>): Result<VaultSyncState> {
    const r = this.applyRemoteAll([], { sync: changes });
    return r.ok ? ok(this.meta.sync) : r;
  }

  /** An audit entry that changes nothing: what a sync did, or why. */
  note(note: AuditNote): AuditEntry {
    this.key();
    const [written] = this.write([noteFrame(this.meta.n + 1, this.meta.seq + 1, this.now(), this.actor(), note)]);
    return auditEntryOf(parseFrame(written) as NoteFrame, written);
  }

  undo(): Result<JournalEntry[]> {
    const step = this.meta.undo.at(-1);
    if (!step) return refused('nothing-to-undo', 'there is nothing to undo');
    if (!step.inverse) return refused('no-inverse', `cannot undo "${step.summary}": ${step.noinverse}`);
    return this.commit(step.inverse, { origin: 'local', undoes: step.batch });
  }

  redo(): Result<JournalEntry[]> {
    const step = this.meta.redo.at(-1);
    if (!step) return refused('nothing-to-redo', 'there is nothing to redo');
    // Redone under the step's own name, so a named step ("Deactivated 2 users") keeps it after undo and redo.
    return this.commit(step.commands, { origin: 'local', redoes: step.batch, label: step.summary });
  }

  markSynced(ids: readonly string[]): void {
    const known = new Set(this.meta.pending.map((p) => p.clientchangeid));
    const hits = ids.filter((id) => known.has(id));
    if (!hits.length) return;
    this.write([{ kind: 'synced', n: this.meta.n + 1, ids: hits }]);
  }

  setStaged(commands: unknown, groups?: unknown): Result<readonly Command[]> {
    const parsed = stagedSchema.safeParse(commands);
    if (!parsed.success) return { ok: false, error: refusalFromZod(parsed.error, 'staged') };
    const named = stagedGroupsFor(parsed.data.length, groups);
    if (!named.ok) return named;
    const kept = named.value.some((g) => g !== null) ? { groups: [...named.value] } : {};
    this.write([{ kind: 'staged', n: this.meta.n + 1, commands: parsed.data, ...kept }]);
    return ok(this.meta.staged);
  }

  setSettings(changes: unknown): Result<VaultSettings> {
    const parsed = settingsSchema.safeParse({ ...this.meta.settings, ...(typeof changes === 'object' && changes ? changes : {}) });
    if (!parsed.success) return { ok: false, error: refusalFromZod(parsed.error, 'settings') };
    this.write([{ kind: 'settings', n: this.meta.n + 1, settings: parsed.data }]);
    return ok(this.meta.settings);
  }

  /** Replaces the organization (an import). Audited; the undo history is cleared; a snapshot follows. */
  replaceState(state: OrgState, source: string): AuditEntry {
    this.key();
    const frames = baselineFrames(state, source, { n: this.meta.n + 1, seq: this.meta.seq + 1, at: this.now(), actor: this.actor(), prev: this.meta.auditHead });
    const [, written] = this.write(frames);
    this.compact();
    return auditEntryOf(frames[1], written);
  }

  async changePassphrase(current: string, next: string, kdf?: ScryptParams): Promise<void> {
    const key = this.key();
    this.mayWrite();
    this.writeHeader(await rewrapWithPassphrase(this.header, key, current, next, kdf));
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
    if (!belowMinimum(this.header.kdf, minimum)) return null;
    const next = raisedTo(this.header.kdf, minimum);
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
    return auditEntries(this.onDisk());
  }

  /** The audit log's hash chain and every file of the vault, checked (verify.ts). */
  verify(): AuditReport {
    return verifyVault(this.onDisk());
  }

  private onDisk() {
    return { dir: this.dir, header: this.header, key: this.key(), store: this.options.store ?? confStore, n: this.meta.n, seq: this.meta.seq, auditHead: this.meta.auditHead, backupN: this.backupN, snapshotN: this.snapshotN, legacy: this.legacy };
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
    const covered = this.meta.n;
    this.journal.startSegmentAfter(covered);
    const path = this.snapshots.path;
    const meta: SnapshotMeta = { ...this.meta, journalHead: true, ...(existsSync(path) ? { backup: this.snapshotN } : {}) };
    const body = encodeState(this.#state, meta as unknown as Record<string, unknown>);
    if (existsSync(path)) copyIntoPlace(path, `${path}.bak`);
    this.snapshots.write({ body });
    syncDir(this.dir);
    this.framesSinceSnapshot = 0;
    this.backupN = meta.backup;
    this.snapshotN = covered;
    this.journal.recordSnapshot(this.key(), covered);
    if (this.backupN !== undefined) archiveCoveredSegments(this.dir, this.key(), this.header.vaultid, this.backupN, this.journal.writing);
  }

  /** Drops the data key (zeroed) and the state; every later call throws VaultError('locked'). */
  lock(): void {
    this.cancelCompaction();
    this.journal.close();
    this.writerLock?.release();
    this.writerLock = null;
    this.#key?.fill(0);
    this.#key = null;
    this.#state = emptyOrg('');
    this.meta = { ...this.meta, pending: [], staged: [] };
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
    return this.meta.settings.actor ?? this.options.actor;
  }

  /** `after`: frames written with the batch (same write), numbered from the given n and seq. */
  private commit(inputs: readonly unknown[], how: Omit<BatchContext, 'n' | 'seq' | 'at' | 'actor'> & { after?: (n: number, seq: number) => Frame[] }): Result<JournalEntry[]> {
    this.key();
    if (!inputs.length) return refused('empty', 'no commands to apply');
    const r = changeFrames(this.#state, inputs, { ...how, n: this.meta.n + 1, seq: this.meta.seq + 1, at: this.now(), actor: this.actor() });
    if (!r.ok) return r;
    const { frames, state } = r.value;
    this.write([...frames, ...(how.after?.(this.meta.n + 1 + frames.length, this.meta.seq + 1 + frames.length) ?? [])], state);
    return ok(frames.map(journalEntryOf));
  }

  /** Seals and appends frames (one write, one fdatasync), then updates memory the way a replay would. */
  private write(frames: Frame[], next?: OrgState): Buffer[] {
    const key = this.key();
    this.mayWrite();
    const { plaintexts, head } = linkFrames(frames, this.meta.auditHead);
    // Acknowledged once the head says where the journal now ends (a crash before that leaves frames past the head: whole, authentic, kept).
    this.journal.append(key, plaintexts, { n: frames[frames.length - 1].n, last: hashOf(plaintexts[plaintexts.length - 1]), seq: this.meta.seq + frames.filter(isAudited).length, snapshot: this.snapshotN });
    // Memory follows the disk only once the frames are durable.
    const replay = new Replay(this.meta, next ?? this.#state, true);
    const parsed = plaintexts.map(parseFrame);
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
    const { backup: _, journalHead: __, ...kept } = meta;
    this.#state = state;
    this.meta = { ...kept, sync: meta.sync ?? DEFAULT_SYNC_STATE };
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
}
