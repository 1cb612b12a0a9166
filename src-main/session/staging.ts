import { diff, type AccessChange } from '../core/access/diff';
import { applyAll } from '../core/commands/apply';
import type { Command } from '../core/commands/schema';
import type { OrgState } from '../core/model/org';
import type { Refusal, Result } from '../core/result';
import type { OrgSession } from './orgSession';
import type { ChangedDto } from '../bridge/contract';
import type { DiffDto, StagedDto } from '../bridge/channels/staging';

// What the screens receive is the bridge contract's shape, written once there.
export type StagedView = StagedDto;
export type StagedCommand = StagedDto['commands'][number];
export type StagedProblem = NonNullable<StagedDto['problem']>;
export type StagedDiff = DiffDto;
export type DiffGroup = DiffDto['groups'][number];

export type { Direction } from '../core/access/diff';



/**
 * The staged change set of the session: edits reviewed before they are applied. The commands live
 * in the session's store (the vault keeps them across restarts); nothing reaches the committed
 * state, the journal or the audit log before apply(). The set always applies cleanly on the
 * committed state: stage() and a partial apply() refuse anything that would break it.
 */
export class Staging {
  private memo: { state: OrgState; staged: readonly Command[]; result: ReturnType<typeof applyAll> } | null = null;

  constructor(private readonly session: OrgSession) {}

  /** The staged set applied to a copy of the committed state (memoised on both). */
  private applied() {
    const state = this.session.current;
    const staged = this.session.staged();
    if (this.memo && this.memo.state === state && this.memo.staged === staged) return this.memo.result;
    const result = applyAll(state, staged);
    this.memo = { state, staged, result };
    return result;
  }

  view(): StagedView {
    const staged = this.session.staged();
    const r = this.applied();
    if (r.ok) return { commands: staged.map((command, i) => ({ command, summary: r.applied[i].summary })), problem: null };
    const first = applyAll(this.session.current, staged.slice(0, r.index));
    return {
      commands: staged.map((command, i) => ({ command, summary: i < r.index && first.ok ? first.applied[i].summary : null })),
      problem: { index: r.index, code: r.error.code, message: r.error.message },
    };
  }

  /** The state the staged set would lead to, or null when it no longer applies. */
  after(): OrgState | null {
    const r = this.applied();
    return r.ok ? r.state : null;
  }

  /** Adds commands at the end; refused (with the core's reason) unless the whole set still applies. */
  stage(commands: readonly unknown[]): Result<StagedView> {
    const staged = this.session.staged();
    const checked = this.session.check([...staged, ...commands]);
    if (!checked.ok) {
      if (checked.index < staged.length) return refusal('staged-invalid', `The staged changes no longer apply (change ${checked.index + 1}): discard or fix them first.`);
      return refusal(checked.cause.code, checked.cause.message, checked.cause.path);
    }
    return this.store([...staged, ...commands]);
  }

  /** Takes commands out of the set. The rest must still apply, unless the set was already broken. */
  unstage(indexes: readonly number[]): Result<StagedView> {
    const staged = this.session.staged();
    const drop = new Set(indexes);
    for (const i of drop) if (!Number.isInteger(i) || i < 0 || i >= staged.length) return refusal('not-found', `there is no staged change ${i + 1}`);
    const rest = staged.filter((_, i) => !drop.has(i));
    if (this.applied().ok) {
      const r = applyAll(this.session.current, rest);
      if (!r.ok) return refusal('staged-dependent', `Staged change ${staged.indexOf(rest[r.index]) + 1} depends on the one removed: ${r.error.message}`);
    }
    return this.store(rest);
  }

  discard(): Result<StagedView> {
    return this.store([]);
  }

  /**
   * Applies the chosen commands (all when none are named), in staged order, as one undo step that
   * the store journals and audits; the rest stays staged and must still apply on the new state.
   */
  apply(indexes?: readonly number[]): Result<{ changed: ChangedDto; staged: StagedView }> {
    const staged = this.session.staged();
    if (!staged.length) return refusal('nothing-staged', 'There are no staged changes to apply.');
    const chosen = new Set(indexes ?? staged.map((_, i) => i));
    for (const i of chosen) if (!Number.isInteger(i) || i < 0 || i >= staged.length) return refusal('not-found', `there is no staged change ${i + 1}`);
    const now = staged.filter((_, i) => chosen.has(i));
    const rest = staged.filter((_, i) => !chosen.has(i));
    const first = applyAll(this.session.current, now);
    if (!first.ok) return refusal(first.error.code, `Staged change ${staged.indexOf(now[first.index]) + 1} cannot be applied: ${first.error.message}`);
    const then = applyAll(first.state, rest);
    if (!then.ok) return refusal('staged-dependent', `Staged change ${staged.indexOf(rest[then.index]) + 1} would no longer apply: ${then.error.message}`);
    const label = now.length === 1 ? first.applied[0].summary : `Applied ${now.length} staged changes`;
    const changed = this.session.applyAll(now, label);
    if (!changed.ok) return changed;
    const kept = this.store(rest);
    if (!kept.ok) return kept;
    return { ok: true, value: { changed: changed.value, staged: kept.value } };
  }

  /** The core's diff() of the staged set over the committed state: the same rows as `roleatlas diff`. */
  diff(limit = Infinity): Result<StagedDiff> {
    const staged = this.session.staged();
    if (!staged.length) return { ok: true, value: { rows: [], totalRows: 0, groups: [] } };
    const r = diff(this.session.current, staged);
    if (!r.ok) return refusal(r.error.code, `Staged change ${r.index + 1} no longer applies: ${r.error.message}`);
    return { ok: true, value: { rows: r.changes.length > limit ? r.changes.slice(0, limit) : r.changes, totalRows: r.changes.length, groups: groupsOf(r.changes) } };
  }

  private store(commands: readonly unknown[]): Result<StagedView> {
    const r = this.session.setStaged(commands);
    return r.ok ? { ok: true, value: this.view() } : r;
  }
}

/** Per entity × right: how many users gain, lose or change, and the records gained and lost; most affected first. */
export function groupsOf(changes: readonly AccessChange[]): DiffGroup[] {
  const groups = new Map<string, { entity: string | null; right: string | null; privilege: string; gain: number; lose: number; change: number; recordsGained: number; recordsLost: number }>();
  for (const c of changes) {
    const key = `${c.entity ?? ''}|${c.right ?? ''}|${c.privilege}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { entity: c.entity, right: c.right, privilege: c.privilege, gain: 0, lose: 0, change: 0, recordsGained: 0, recordsLost: 0 }));
    g[c.direction]++;
    const delta = c.recordsAfter - c.recordsBefore;
    if (delta > 0) g.recordsGained += delta;
    else g.recordsLost -= delta;
  }
  return [...groups.values()].sort((a, b) => b.recordsGained + b.recordsLost - (a.recordsGained + a.recordsLost) || b.gain + b.lose + b.change - (a.gain + a.lose + a.change) || (a.entity ?? a.privilege).localeCompare(b.entity ?? b.privilege));
}

const refusal = (code: string, message: string, path?: string): { ok: false; error: Refusal } => ({ ok: false, error: path === undefined ? { code, message } : { code, message, path } });

const perSession = new WeakMap<OrgSession, Staging>();

/** The one staging service of a session (its memo of the staged state is shared by every handler). */
export function stagingOf(session: OrgSession): Staging {
  let s = perSession.get(session);
  if (!s) perSession.set(session, (s = new Staging(session)));
  return s;
}
