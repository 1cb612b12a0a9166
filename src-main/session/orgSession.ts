import { applyAll, batchRefusal, isBatchRefusal, withIds } from '../core/commands/apply';
import type { ChangedDto, HistoryDto, OrgSummaryDto } from '../bridge/contract';
import type { Command } from '../core/commands/schema';
import type { StagedGroup } from '../core/commands/stagedLabels';
import { MemoryStore, type ModelStore } from './modelStore';
import type { OrgState } from '../core/model/org';
import type { Refusal, Result } from '../core/result';
import { orgSummary } from './summary';

// The shapes the screens receive are the bridge contract's, written once there.
export type Applied = Result<ChangedDto>;

export interface SessionOptions {
  /** Fills the ids a create command leaves out. */
  readonly newId?: () => string;
  /** Undo steps kept in memory; states share their untouched tables, so a step costs what it changed. */
  readonly historyLimit?: number;
}

/**
 * The organization open in this window and what the screens ask of it. The organization itself
 * lives in a ModelStore (memory, or the encrypted vault); every change goes through the core's
 * commands as one all-or-nothing batch, which is also one undo step.
 */
export class OrgSession {
  private store: ModelStore;
  private revision = 0;
  private readonly newId: () => string;

  constructor(initial: OrgState | ModelStore, options: SessionOptions = {}) {
    this.store = isStore(initial) ? initial : new MemoryStore(initial, options.historyLimit ?? 500);
    this.newId = options.newId ?? (() => globalThis.crypto.randomUUID());
  }

  /** Opens another store (the vault once unlocked, or a locked stand-in); the screens reload. */
  useStore(store: ModelStore): void {
    this.store = store;
    this.revision++;
  }

  get current(): OrgState {
    return this.store.state;
  }

  private get state(): OrgState {
    return this.store.state;
  }

  summary(): OrgSummaryDto {
    return orgSummary(this.state);
  }

  /** Applies an untrusted command; a refusal is returned, and the organization is then unchanged. */
  apply(command: unknown): Applied {
    const r = this.commit([command]);
    // One command is refused in its own words, its path inside the command (roleid, not commands[0].roleid).
    if (!r.ok && isBatchRefusal(r.error)) return { ok: false, error: r.error.cause };
    return r;
  }

  /**
   * Applies commands in order as one undo step, all or nothing. A refusal names the command by
   * position, and its path points inside it (commands[3].roleid).
   */
  applyAll(commands: readonly unknown[], label?: string): Applied {
    return this.commit(commands, label);
  }

  /** The staged change set (not applied; kept by the vault across restarts). */
  staged(): readonly Command[] {
    return this.store.staged();
  }

  /** Per staged command, the named group the screen staged it in (null: none). */
  stagedGroups(): readonly (StagedGroup | null)[] {
    return this.store.stagedGroups();
  }

  setStaged(commands: readonly unknown[], groups?: readonly (StagedGroup | null)[]): Result<readonly Command[]> {
    const r = this.store.setStaged(commands.map((c) => this.filled(c)), groups);
    if (r.ok) this.revision++;
    return r;
  }

  /** Whether commands would be accepted, without applying them: the screens ask before confirming. */
  check(commands: readonly unknown[]): { ok: true; value: { message: string } } | { ok: false; error: Refusal; index: number; cause: Refusal } {
    const r = this.tryAll(commands);
    if (!r.ok) return r;
    return { ok: true, value: { message: r.applied.map((a) => a.summary).join('; ') } };
  }

  undo(): Applied {
    const r = this.store.undo();
    if (!r.ok) return r;
    this.revision++;
    return { ok: true, value: { summary: this.summary(), message: `Undid: ${r.value}`, history: this.history() } };
  }

  redo(): Applied {
    const r = this.store.redo();
    if (!r.ok) return r;
    this.revision++;
    return { ok: true, value: { summary: this.summary(), message: `Redid: ${r.value}`, history: this.history() } };
  }

  history(): HistoryDto {
    return { revision: this.revision, ...this.store.undoState() };
  }

  private filled(command: unknown): unknown {
    return withIds(command, this.newId);
  }

  /**
   * Applies to a copy to find the first refusal; the filled commands are what the store commits.
   * A refusal carries the batch's wording (batchRefusal), and `index` and `cause` for callers that
   * word it their own way (staging names a staged change by its place in the set).
   */
  private tryAll(commands: readonly unknown[]) {
    const filled = commands.map((c) => this.filled(c));
    const r = applyAll(this.state, filled);
    if (r.ok) return { ...r, commands: filled };
    return { ok: false as const, error: batchRefusal(commands, r.index, r.error), index: r.index, cause: r.error };
  }

  /** The one way a change reaches the organization: applied once, by the store, ids filled in here. */
  private commit(commands: readonly unknown[], label?: string): Applied {
    const before = this.state;
    const r = this.store.commit(commands.map((c) => this.filled(c)), label);
    if (!r.ok) return r;
    if (r.value.state !== before) this.revision++;
    return { ok: true, value: { summary: this.summary(), message: r.value.label, history: this.history() } };
  }
}

function isStore(x: OrgState | ModelStore): x is ModelStore {
  return typeof (x as ModelStore).commit === 'function';
}
