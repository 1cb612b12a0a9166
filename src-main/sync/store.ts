/**
 * What the sync client needs from the local vault, and an in-memory implementation for tests.
 * The vault journals every applied command with a client change id; the client pushes the pending
 * ones, marks them synced, and hands pulled rows back. Remote changes arrive as rows, not
 * commands: a Dataverse delta (here or from a real environment) gives rows, so the vault takes
 * them with applyRowChanges() and replays its pending commands on top.
 */
import { applyAll } from '../core/commands/apply';
import type { Command } from '../core/commands/schema';
import { emptyOrg, type OrgState } from '../core/model/org';
import { LOCAL_ONLY_COMMANDS, applyRowChanges, type RowChange } from '../core/sync/dataverse';
import type { ObjectConflict } from '../core/sync/protocol';

type Awaitable<T> = T | Promise<T>;

export interface PendingChange {
  /** The client change id, unique within this vault. */
  readonly id: string;
  readonly command: Command;
}

export interface RemoteDelta {
  /** true: the rows are the whole organization (first pull), replacing the synced tables. */
  readonly full: boolean;
  readonly changes: readonly RowChange[];
  /** Server version the state reflects after this delta. */
  readonly version: number;
}

export type Choice = 'mine' | 'theirs';

/** A conflict as the admin sees it, with the choice per field once made. */
export interface ConflictRecord extends ObjectConflict {
  readonly id: string;
  readonly detectedat: string;
  /** Per field (ObjectConflict.fields[].field); absent until the admin resolves it. */
  readonly choices?: Readonly<Record<string, Choice>>;
  readonly resolvedat?: string;
}

export interface SyncStatus {
  readonly state: 'idle' | 'pulling' | 'pushing' | 'conflict' | 'error';
  readonly lastsyncat: string | null;
  readonly message?: string;
  readonly progress?: { readonly done: number; readonly total: number };
}

export interface SyncAuditEntry {
  readonly at: string;
  readonly kind: 'pushed' | 'pulled' | 'conflict' | 'resolved' | 'published';
  readonly detail: string;
}

export interface SyncStore {
  clientId(): Awaitable<string>;
  pending(): Awaitable<readonly PendingChange[]>;
  markSynced(ids: readonly string[]): Awaitable<void>;
  /** The organization as this vault shows it (its synced state with the pending changes): what a publish sends. */
  organization(): Awaitable<OrgState>;
  /** The server now holds organization() as published: `ids` (included in it) are synced. */
  markPublished(ids: readonly string[]): Awaitable<void>;
  applyRemote(delta: RemoteDelta): Awaitable<void>;
  deltaToken(): Awaitable<number | null>;
  setDeltaToken(version: number): Awaitable<void>;
  conflicts(): Awaitable<readonly ConflictRecord[]>;
  /** Replaces the open conflicts. */
  setConflicts(conflicts: readonly ConflictRecord[]): Awaitable<void>;
  status(): Awaitable<SyncStatus>;
  setStatus(status: SyncStatus): Awaitable<void>;
  audit(entry: SyncAuditEntry): Awaitable<void>;
}

/**
 * The vault's behaviour in memory: a base state mirroring the server, the journal of local
 * commands not yet synced, and the view = base + journal.
 */
export class MemorySyncStore implements SyncStore {
  base: OrgState;
  journal: PendingChange[] = [];
  token: number | null = null;
  open: ConflictRecord[] = [];
  current: SyncStatus = { state: 'idle', lastsyncat: null };
  readonly log: SyncAuditEntry[] = [];
  private next = 1;

  constructor(
    private readonly id: string,
    base: OrgState = emptyOrg(''),
  ) {
    this.base = base;
  }

  /** Applies a local command to the view and journals it; throws when the core refuses it. */
  record(command: Command): string {
    const r = applyAll(this.state, [command]);
    if (!r.ok) throw new Error(r.error.message);
    const id = `${this.id}-${this.next++}`;
    this.journal.push({ id, command: r.applied[0].command });
    return id;
  }

  /** The base with every pending command that still applies. */
  get state(): OrgState {
    let s = this.base;
    for (const p of this.journal) {
      const r = applyAll(s, [p.command]);
      if (r.ok) s = r.state;
    }
    return s;
  }

  clientId() {
    return this.id;
  }
  pending() {
    return [...this.journal];
  }
  markSynced(ids: readonly string[]) {
    const done = new Set(ids);
    // Local-only commands (records, shares) never come back from the server: they join the base here.
    for (const p of this.journal) {
      if (!done.has(p.id) || !LOCAL_ONLY_COMMANDS.has(p.command.type)) continue;
      const r = applyAll(this.base, [p.command]);
      if (r.ok) this.base = r.state;
    }
    this.journal = this.journal.filter((p) => !done.has(p.id));
  }
  organization() {
    return this.state;
  }
  markPublished(ids: readonly string[]) {
    this.base = this.state;
    const done = new Set(ids);
    this.journal = this.journal.filter((p) => !done.has(p.id) && !LOCAL_ONLY_COMMANDS.has(p.command.type));
  }
  applyRemote(delta: RemoteDelta) {
    const from = delta.full ? { ...emptyOrg(''), records: this.base.records, recordcounts: this.base.recordcounts, shares: this.base.shares } : this.base;
    this.base = applyRowChanges(from, delta.changes);
  }
  deltaToken() {
    return this.token;
  }
  setDeltaToken(version: number) {
    this.token = version;
  }
  conflicts() {
    return [...this.open];
  }
  setConflicts(conflicts: readonly ConflictRecord[]) {
    this.open = [...conflicts];
  }
  status() {
    return this.current;
  }
  setStatus(status: SyncStatus) {
    this.current = status;
  }
  audit(entry: SyncAuditEntry) {
    this.log.push(entry);
  }
}

/** One side of a conflicting field as people read it: "deleted"/"exists" for a whole row, "(none)", or the value, cut at `max` characters. */
export function conflictSideText(field: string, v: unknown, max = 300): string {
  if (field === '(row)') return v === null || v === undefined ? 'deleted' : 'exists';
  if (v === null || v === undefined) return '(none)';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}
