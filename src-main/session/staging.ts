import { diff, type AccessChange } from '../core/access/diff';
import { applyAll } from '../core/commands/apply';
import type { Command } from '../core/commands/schema';
import { appliedLabel, type StagedGroup } from '../core/commands/stagedLabels';
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
  private labels: { staged: readonly Command[]; groups: readonly (StagedGroup | null)[] } | null = null;

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

  /**
   * Adds commands at the end, as one group under the screen's label; refused (with the core's
   * reason) unless the whole set still applies. A privilege the set already changes in the same
   * role is changed again, not stacked: the earlier staged change of that cell goes, and a change
   * back to the applied depth leaves nothing staged for it.
   */
  stage(commands: readonly unknown[], label?: string): Result<StagedView> {
    const staged = this.session.staged();
    const labels = this.labelsOf(staged);
    const cells = new Set(commands.map(cellOf).filter((k): k is string => k !== null));
    const keep = staged.map((c) => !cells.has(cellOf(c) ?? ''));
    const kept = staged.filter((_, i) => keep[i]);
    const replaced = new Set(staged.map(cellOf).filter((k, i): k is string => k !== null && !keep[i]));
    const added = commands.filter((c) => !(replaced.has(cellOf(c) ?? '') && restoresApplied(this.session.current, c)));
    const checked = this.session.check([...kept, ...added]);
    if (!checked.ok) {
      if (checked.index < kept.length) return refusal('staged-invalid', `The staged changes no longer apply (change ${checked.index + 1}): discard or fix them first.`);
      return refusal(checked.cause.code, checked.cause.message, checked.cause.path);
    }
    const name = label?.trim();
    const group: StagedGroup | null = name ? { id: labels.reduce((top, g) => Math.max(top, g?.id ?? -1), -1) + 1, label: name, size: added.length } : null;
    return this.store([...kept, ...added], [...labels.filter((_, i) => keep[i]), ...added.map(() => group)]);
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
    return this.store(rest, this.labelsOf(staged).filter((_, i) => !drop.has(i)));
  }

  discard(): Result<StagedView> {
    return this.store([], []);
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
    const labels = this.labelsOf(staged);
    const label = appliedLabel(
      now.map((_, i) => first.applied[i].summary),
      staged.map((_, i) => labels[i]).filter((_, i) => chosen.has(i)),
    );
    const changed = this.session.applyAll(now, label);
    if (!changed.ok) return changed;
    const kept = this.store(rest, labels.filter((_, i) => !chosen.has(i)));
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

  private store(commands: readonly unknown[], labels: readonly (StagedGroup | null)[]): Result<StagedView> {
    const r = this.session.setStaged(commands, labels);
    if (!r.ok) return r;
    this.labels = { staged: this.session.staged(), groups: labels };
    return { ok: true, value: this.view() };
  }

  /**
   * The group each staged command was staged in, by position: kept with the staged set (the vault
   * keeps it across restarts); a set replaced elsewhere without them (sync) is named by its changes.
   */
  private labelsOf(staged: readonly Command[]): readonly (StagedGroup | null)[] {
    if (this.labels?.staged === staged) return this.labels.groups;
    const kept = this.session.stagedGroups();
    return kept.length === staged.length ? kept : staged.map(() => null);
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

/** One stage() call: the label the screen gave it, and how many changes it staged. */
function cellOf(command: unknown): string | null {
  const c = command as { type?: unknown; roleid?: unknown; privilege?: unknown };
  if (c?.type !== 'setRolePrivilege' || typeof c.roleid !== 'string' || typeof c.privilege !== 'string') return null;
  return `${c.roleid}|${c.privilege.toLowerCase()}`;
}

/** A setRolePrivilege back to the depth the applied role already holds: nothing left to stage. */
function restoresApplied(state: OrgState, command: unknown): boolean {
  const c = command as { roleid: string; privilege: string; depth?: unknown };
  const role = state.roles.get(c.roleid);
  if (!role) return false;
  const name = Object.keys(role.privileges).find((n) => n.toLowerCase() === c.privilege.toLowerCase());
  return (name ? role.privileges[name] : null) === (c.depth ?? null);
}

const refusal = (code: string, message: string, path?: string): { ok: false; error: Refusal } => ({ ok: false, error: path === undefined ? { code, message } : { code, message, path } });

const perSession = new WeakMap<OrgSession, Staging>();

/** The one staging service of a session (its memo of the staged state is shared by every handler). */
export function stagingOf(session: OrgSession): Staging {
  let s = perSession.get(session);
  if (!s) perSession.set(session, (s = new Staging(session)));
  return s;
}
