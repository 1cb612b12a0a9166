import { randomUUID } from 'node:crypto';
import { applyAll, batchRefusal, withIds } from '../core/commands/apply';
import type { Change } from '../core/commands/draft';
import type { Command } from '../core/commands/schema';
import type { StagedGroup } from '../core/commands/stagedLabels';
import type { OrgState } from '../core/model/org';
import { ok, type Result } from '../core/result';
import { hashOf } from './audit';
import { inverseOf } from './inverse';
import { encodeState } from './snapshotCodec';
import type { VaultSettings } from './settings';
import type { AuditNote, VaultSyncState } from './syncState';

/**
 * What the journal holds: one sealed frame per change, baseline, note or piece of bookkeeping,
 * and what a snapshot records alongside the state.
 */

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

export interface Batch {
  readonly id: string;
  readonly index: number;
  readonly size: number;
  /** What the admin did, as the undo menu names it ("Set Write on Core Records to Organization in Salesperson"); on the first frame. */
  readonly label?: string;
}
export interface ChangeFrame extends JournalEntry {
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
/** What every frame in the audit hash chain carries: its place, who and when, and the hash of the entry before it. */
interface AuditedFrame {
  readonly n: number;
  readonly seq: number;
  readonly clientchangeid: string;
  readonly prev: string;
  readonly at: string;
  readonly actor: string;
  readonly summary: string;
}
export interface BaselineFrame extends AuditedFrame {
  readonly kind: 'baseline';
  /** The imported organization, in the snapshot encoding (base64): in baselines written before audit archives. */
  readonly state?: string;
  /** SHA-256 of the organization in the BaselineStateFrame written just before: the audit entry stays small and verifiable once that frame is archived away. */
  readonly stateHash?: string;
}
/** The organization a baseline imports (snapshot encoding, base64); not an audit entry, so compaction can drop it. */
export interface BaselineStateFrame {
  readonly kind: 'baselineState';
  readonly n: number;
  readonly state: string;
}
export interface NoteFrame extends AuditedFrame {
  readonly kind: 'note';
  readonly origin: 'local' | 'sync';
  readonly detail?: unknown;
}
export type Frame =
  | ChangeFrame
  | BaselineFrame
  | NoteFrame
  | BaselineStateFrame
  | { readonly kind: 'sync'; readonly n: number; readonly sync: VaultSyncState }
  | { readonly kind: 'synced'; readonly n: number; readonly ids: readonly string[] }
  /** `groups`: per command, the named group the screen staged it in (absent in older vaults: none named). */
  | { readonly kind: 'staged'; readonly n: number; readonly commands: readonly Command[]; readonly groups?: readonly (StagedGroup | null)[] }
  | { readonly kind: 'settings'; readonly n: number; readonly settings: VaultSettings };

/**
 * A change or an import written after some point of the audit log (Vault.changesSince): the
 * change with its batch, so an undo can be matched with the batch it undoes.
 */
export type LoggedChange =
  | {
      readonly kind: 'change';
      readonly seq: number;
      readonly summary: string;
      readonly command: Command;
      readonly changes: readonly Change[];
      readonly origin: 'local' | 'sync';
      readonly batch: string;
      /** The undo menu's name for the batch, on its first change when it was named. */
      readonly label?: string;
      readonly undoes?: string;
      readonly redoes?: string;
    }
  | { readonly kind: 'baseline'; readonly seq: number; readonly summary: string };

export function loggedChangeOf(f: ChangeFrame | BaselineFrame): LoggedChange {
  if (f.kind === 'baseline') return { kind: 'baseline', seq: f.seq, summary: f.summary };
  return { kind: 'change', seq: f.seq, summary: f.summary, command: f.command, changes: f.changes, origin: f.origin, batch: f.batch.id, ...(f.batch.label ? { label: f.batch.label } : {}), ...(f.undoes ? { undoes: f.undoes } : {}), ...(f.redoes ? { redoes: f.redoes } : {}) };
}

/** An undoable step: a batch of commands and the commands that undo it (or why there are none). */
export interface UndoStep {
  readonly batch: string;
  readonly summary: string;
  readonly commands: readonly Command[];
  readonly inverse: readonly Command[] | null;
  readonly noinverse?: string;
}

export interface SnapshotMeta {
  format: 'roleatlas/snapshot@1';
  /** Frames covered: replay starts after it. */
  n: number;
  seq: number;
  auditHead: string;
  undo: UndoStep[];
  redo: UndoStep[];
  pending: JournalEntry[];
  staged: Command[];
  /** Absent in snapshots written before staged sets kept their names. */
  stagedgroups?: (StagedGroup | null)[];
  settings: VaultSettings;
  /** Absent in snapshots written before sync. */
  sync?: VaultSyncState;
  /** Set once the vault keeps journal.head: from then on a missing head is damage, not an old vault. */
  journalHead?: true;
  /** The frame covered by the snapshot that became snapshot.rav.bak when this one was written: verify checks the backup against it. */
  backup?: number;
}

export const journalEntryOf = (f: ChangeFrame): JournalEntry => ({ seq: f.seq, clientchangeid: f.clientchangeid, at: f.at, actor: f.actor, command: f.command, origin: f.origin });

/** Frames in the audit hash chain. */
export const isAudited = (f: Frame): f is ChangeFrame | BaselineFrame | NoteFrame => f.kind === 'change' || f.kind === 'baseline' || f.kind === 'note';

export function auditEntryOf(f: ChangeFrame | BaselineFrame | NoteFrame, bytes: Buffer): AuditEntry {
  const common = { seq: f.seq, clientchangeid: f.clientchangeid, at: f.at, actor: f.actor, summary: f.summary, prev: f.prev, hash: hashOf(bytes) };
  if (f.kind === 'note') return { ...common, kind: 'note', command: null, origin: f.origin, changes: [], ...(f.detail === undefined ? {} : { detail: f.detail }) };
  if (f.kind === 'baseline') return { ...common, kind: 'baseline', command: null, origin: 'local', changes: [] };
  return { ...common, kind: 'change', command: f.command, origin: f.origin, changes: f.changes, ...(f.undoes ? { undoes: f.undoes } : {}), ...(f.redoes ? { redoes: f.redoes } : {}) };
}

export interface BatchContext {
  /** The first frame's position and audit sequence number. */
  readonly n: number;
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly origin: 'local' | 'sync';
  /** Set on the commands of an undo or a redo: the batch they undo or redo. */
  readonly undoes?: string;
  readonly redoes?: string;
  /** The server's id for the first command (a change that came by sync keeps its id). */
  readonly clientchangeid?: string;
  readonly label?: string;
}

/**
 * One batch as change frames: each command applied to the state the one before left, with the
 * commands that undo it. All or nothing: a refusal names the command by its position.
 */
export function changeFrames(state: OrgState, inputs: readonly unknown[], c: BatchContext): Result<{ frames: ChangeFrame[]; state: OrgState }> {
  const batch = randomUUID();
  const frames: ChangeFrame[] = [];
  const r = applyAll(
    state,
    inputs.map((input) => withIds(input, randomUUID)),
    (step, i, before) => {
      const inv = inverseOf(before(), step);
      frames.push({
        kind: 'change',
        n: c.n + i,
        seq: c.seq + i,
        clientchangeid: i === 0 && c.clientchangeid ? c.clientchangeid : randomUUID(),
        at: c.at,
        actor: c.actor,
        origin: c.origin,
        command: step.command,
        prev: '',
        summary: step.summary,
        changes: step.changes,
        inverse: inv.ok ? inv.value : null,
        ...(inv.ok ? {} : { noinverse: inv.error.message }),
        batch: { id: batch, index: i, size: inputs.length, ...(i === 0 && c.label ? { label: c.label } : {}) },
        ...(c.undoes ? { undoes: c.undoes } : {}),
        ...(c.redoes ? { redoes: c.redoes } : {}),
      });
    },
  );
  if (!r.ok) return { ok: false, error: batchRefusal(inputs, r.index, r.error) };
  return ok({ frames, state: r.state });
}

/** Frames as the bytes sealed into the journal, each audited one linked to the audit head before it. */
export function linkFrames(frames: readonly Frame[], head: string): { plaintexts: Buffer[]; head: string } {
  const plaintexts = frames.map((f) => {
    const linked = isAudited(f) ? { ...f, prev: head } : f;
    const bytes = Buffer.from(JSON.stringify(linked), 'utf8');
    if (isAudited(linked)) head = hashOf(bytes);
    return bytes;
  });
  return { plaintexts, head };
}

export const parseFrame = (bytes: Buffer): Frame => JSON.parse(bytes.toString('utf8')) as Frame;

/** An audit entry that changes nothing: what a sync did, or why. */
export function noteFrame(n: number, seq: number, at: string, actor: string, note: AuditNote): NoteFrame {
  return { kind: 'note', n, seq, clientchangeid: randomUUID(), prev: '', at, actor, origin: 'sync', summary: note.summary, ...(note.detail === undefined ? {} : { detail: note.detail }) };
}

/**
 * An import: the organization in its own frame (dropped once archived), then the audit entry that
 * names it by hash, so the entry stays small and verifiable.
 */
export function baselineFrames(state: OrgState, source: string, c: { n: number; seq: number; at: string; actor: string; prev: string }): [BaselineStateFrame, BaselineFrame] {
  const body = encodeState(state, {});
  return [
    { kind: 'baselineState', n: c.n, state: body.toString('base64') },
    {
      kind: 'baseline',
      n: c.n + 1,
      seq: c.seq,
      clientchangeid: randomUUID(),
      prev: c.prev,
      at: c.at,
      actor: c.actor,
      summary: `Imported ${source}: ${state.businessunits.size} business unit(s), ${state.systemusers.size} user(s), ${state.roles.size} role(s), ${state.records.size} record(s)`,
      stateHash: hashOf(body),
    },
  ];
}
