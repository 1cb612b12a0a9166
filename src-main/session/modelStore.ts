import type { HistoryDto } from '../bridge/contract';
import { applyAll, batchLabel, batchRefusal } from '../core/commands/apply';
import { commandListSchema, type Command } from '../core/commands/schema';
import { stagedGroupsFor, type StagedGroup } from '../core/commands/stagedLabels';
import type { OrgState } from '../core/model/org';
import { refusalFromZod, type Result } from '../core/result';

/** What the Edit menu shows: the history the contract sends, less the session's revision. */
export type UndoState = Omit<HistoryDto, 'revision'>;


/**
 * Where the open organization lives: in memory, or in the encrypted vault (journaled, audited,
 * undo persisted). The session asks it for the state and hands it every change as a batch of
 * commands that are applied whole, as one undo step, or not at all.
 */
export interface ModelStore {
  readonly state: OrgState;
  /**
   * Applies commands (ids filled in) once, all or nothing, as one undo step named `label` (or by
   * batchLabel of their summaries); a refusal is worded by batchRefusal.
   */
  commit(commands: readonly unknown[], label?: string): Result<Committed>;
  undo(): Result<string>;
  redo(): Result<string>;
  undoState(): UndoState;
  /** The staged change set: commands reviewed before they are applied (kept across restarts by the vault). */
  staged(): readonly Command[];
  /** Per staged command, the named group it was staged in (kept with the set). */
  stagedGroups(): readonly (StagedGroup | null)[];
  /** Replaces the staged set; `groups` (one per command) name what the screen staged, absent: none named. */
  setStaged(commands: readonly unknown[], groups?: readonly (StagedGroup | null)[]): Result<readonly Command[]>;
}

export interface Committed {
  readonly state: OrgState;
  /** The undo step's name, as given or made from the commands' summaries. */
  readonly label: string;
}

/** Why the session can't answer: the vault is locked, or no vault exists yet. */
export class SessionUnavailable extends Error {
  constructor(
    readonly code: 'locked' | 'no-vault',
    message: string,
  ) {
    super(message);
  }
}

interface Step {
  readonly before: OrgState;
  readonly after: OrgState;
  readonly label: string;
}

/** The organization in memory only: undo and redo move between whole states, which share their untouched tables. */
export class MemoryStore implements ModelStore {
  private current: OrgState;
  private readonly undoStack: Step[] = [];
  private readonly redoStack: Step[] = [];
  private stagedCommands: readonly Command[] = [];
  private groups: readonly (StagedGroup | null)[] = [];

  constructor(
    initial: OrgState,
    private readonly historyLimit = 500,
  ) {
    this.current = initial;
  }

  get state(): OrgState {
    return this.current;
  }

  commit(commands: readonly unknown[], label?: string): Result<Committed> {
    const r = applyAll(this.current, commands);
    if (!r.ok) return { ok: false, error: batchRefusal(commands, r.index, r.error) };
    const name = label ?? batchLabel(r.applied.map((a) => a.summary));
    if (r.state !== this.current) {
      this.undoStack.push({ before: this.current, after: r.state, label: name });
      if (this.undoStack.length > this.historyLimit) this.undoStack.shift();
      this.redoStack.length = 0;
      this.current = r.state;
    }
    return { ok: true, value: { state: r.state, label: name } };
  }

  undo(): Result<string> {
    const step = this.undoStack.pop();
    if (!step) return { ok: false, error: { code: 'nothing-to-undo', message: 'there is nothing to undo' } };
    this.redoStack.push(step);
    this.current = step.before;
    return { ok: true, value: step.label };
  }

  redo(): Result<string> {
    const step = this.redoStack.pop();
    if (!step) return { ok: false, error: { code: 'nothing-to-redo', message: 'there is nothing to redo' } };
    this.undoStack.push(step);
    this.current = step.after;
    return { ok: true, value: step.label };
  }

  undoState(): UndoState {
    const u = this.undoStack.at(-1);
    const r = this.redoStack.at(-1);
    return { canUndo: !!u, canRedo: !!r, undoLabel: u?.label ?? null, redoLabel: r?.label ?? null };
  }

  staged(): readonly Command[] {
    return this.stagedCommands;
  }

  stagedGroups(): readonly (StagedGroup | null)[] {
    return this.groups;
  }

  setStaged(commands: readonly unknown[], groups?: readonly (StagedGroup | null)[]): Result<readonly Command[]> {
    const parsed = commandListSchema.safeParse(commands);
    if (!parsed.success) return { ok: false, error: refusalFromZod(parsed.error, 'staged') };
    const named = stagedGroupsFor(parsed.data.length, groups);
    if (!named.ok) return named;
    this.stagedCommands = parsed.data;
    this.groups = named.value;
    return { ok: true, value: this.stagedCommands };
  }
}

/** Stands in while the vault is locked or not created yet: every read says so. */
export class UnavailableStore implements ModelStore {
  constructor(private readonly why: SessionUnavailable) {}
  get state(): OrgState {
    throw this.why;
  }
  commit(): never {
    throw this.why;
  }
  undo(): never {
    throw this.why;
  }
  redo(): never {
    throw this.why;
  }
  undoState(): UndoState {
    return { canUndo: false, canRedo: false, undoLabel: null, redoLabel: null };
  }
  staged(): never {
    throw this.why;
  }
  stagedGroups(): never {
    throw this.why;
  }
  setStaged(): never {
    throw this.why;
  }
}
