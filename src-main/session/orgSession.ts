import { apply, applyAll, withIds } from '../core/commands/apply';
import type { ParsedRequestOf, ResponseOf } from '../bridge/contract';
import * as q from './queries';
import { AccessEngine, type Explanation } from '../core/access/engine';
import type { AccessRight } from '../core/model/accessRights';
import type { BusinessUnit, Id, OrgState } from '../core/model/org';
import type { Refusal } from '../core/result';

export interface UnitRow {
  readonly businessunitid: Id;
  readonly name: string;
  readonly parentbusinessunitid: Id | null;
  readonly isdisabled: boolean;
  /** Users whose business unit this is (not counting units below). */
  readonly users: number;
}

export interface RoleRow {
  readonly roleid: Id;
  readonly name: string;
  readonly businessunitid: Id;
  /** Distinct users and teams holding the role directly. */
  readonly holders: number;
}

export interface OrgSummary {
  readonly name: string;
  readonly counts: { readonly businessunits: number; readonly users: number; readonly teams: number; readonly roles: number; readonly records: number };
  /** Parents before children, siblings by name. */
  readonly businessunits: readonly UnitRow[];
  /** By name. */
  readonly roles: readonly RoleRow[];
}

export interface HistoryState {
  readonly revision: number;
  readonly canUndo: boolean;
  readonly canRedo: boolean;
  readonly undoLabel: string | null;
  readonly redoLabel: string | null;
}

export interface Changed {
  readonly summary: OrgSummary;
  readonly message: string;
  readonly history: HistoryState;
}

export type Applied = { readonly ok: true; readonly value: Changed } | { readonly ok: false; readonly error: Refusal };

export interface SessionOptions {
  /** Fills the ids a create command leaves out. */
  readonly newId?: () => string;
  /** Undo steps kept; states share their untouched tables, so a step costs what it changed. */
  readonly historyLimit?: number;
}

interface Step {
  readonly before: OrgState;
  readonly after: OrgState;
  readonly label: string;
}

export interface ExplainQuery {
  readonly systemuserid: Id;
  readonly entity: string;
  readonly right: AccessRight;
  readonly recordid?: Id;
}

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);

/**
 * The organization open in this window, held in memory. Every change goes through the core's
 * apply; undo and redo move between whole states (immutable, sharing untouched tables).
 */
export class OrgSession {
  private state: OrgState;
  private readonly undoStack: Step[] = [];
  private readonly redoStack: Step[] = [];
  private revision = 0;
  private readonly newId: () => string;
  private readonly historyLimit: number;

  constructor(initial: OrgState, options: SessionOptions = {}) {
    this.state = initial;
    this.newId = options.newId ?? (() => globalThis.crypto.randomUUID());
    this.historyLimit = options.historyLimit ?? 500;
  }

  get current(): OrgState {
    return this.state;
  }

  summary(): OrgSummary {
    const s = this.state;
    const usersPerUnit = new Map<Id, number>();
    for (const u of s.systemusers.values()) usersPerUnit.set(u.businessunitid, (usersPerUnit.get(u.businessunitid) ?? 0) + 1);

    const holders = new Map<Id, Set<Id>>();
    const hold = (roleid: Id, principal: Id) => {
      let set = holders.get(roleid);
      if (!set) holders.set(roleid, (set = new Set()));
      set.add(principal);
    };
    for (const a of s.systemuserroles.values()) hold(a.roleid, a.systemuserid);
    for (const a of s.teamroles.values()) hold(a.roleid, a.teamid);

    return {
      name: s.organization.name,
      counts: {
        businessunits: s.businessunits.size,
        users: s.systemusers.size,
        teams: s.teams.size,
        roles: s.roles.size,
        records: s.records.size,
      },
      businessunits: unitsInTreeOrder(s.businessunits).map((bu) => ({
        businessunitid: bu.businessunitid,
        name: bu.name,
        parentbusinessunitid: bu.parentbusinessunitid,
        isdisabled: bu.isdisabled,
        users: usersPerUnit.get(bu.businessunitid) ?? 0,
      })),
      roles: [...s.roles.values()].sort(byName).map((r) => ({
        roleid: r.roleid,
        name: r.name,
        businessunitid: r.businessunitid,
        holders: holders.get(r.roleid)?.size ?? 0,
      })),
    };
  }

  /** Applies an untrusted command; a refusal is returned, and the organization is then unchanged. */
  apply(command: unknown): Applied {
    const r = apply(this.state, this.filled(command));
    if (!r.ok) return r;
    return this.changedTo(r.value.state, r.value.summary);
  }

  /**
   * Applies commands in order as one undo step, all or nothing. A refusal names the command by
   * position, and its path points inside it (commands[3].roleid).
   */
  applyAll(commands: readonly unknown[], label?: string): Applied {
    const r = this.tryAll(commands);
    if (!r.ok) return r;
    const message = label ?? (r.applied.length === 1 ? r.applied[0].summary : `${r.applied.length} changes: ${r.applied[0]?.summary ?? ''}${r.applied.length > 1 ? ', …' : ''}`);
    return this.changedTo(r.state, message);
  }

  /** Whether commands would be accepted, without applying them: the screens ask before confirming. */
  check(commands: readonly unknown[]): { ok: true; value: { message: string } } | { ok: false; error: Refusal } {
    const r = this.tryAll(commands);
    if (!r.ok) return r;
    return { ok: true, value: { message: r.applied.map((a) => a.summary).join('; ') } };
  }

  undo(): Applied {
    const step = this.undoStack.pop();
    if (!step) return { ok: false, error: { code: 'nothing-to-undo', message: 'There is nothing to undo.' } };
    this.redoStack.push(step);
    this.state = step.before;
    this.revision++;
    return { ok: true, value: { summary: this.summary(), message: `Undid: ${step.label}`, history: this.history() } };
  }

  redo(): Applied {
    const step = this.redoStack.pop();
    if (!step) return { ok: false, error: { code: 'nothing-to-redo', message: 'There is nothing to redo.' } };
    this.undoStack.push(step);
    this.state = step.after;
    this.revision++;
    return { ok: true, value: { summary: this.summary(), message: `Redid: ${step.label}`, history: this.history() } };
  }

  history(): HistoryState {
    const u = this.undoStack.at(-1);
    const r = this.redoStack.at(-1);
    return { revision: this.revision, canUndo: !!u, canRedo: !!r, undoLabel: u?.label ?? null, redoLabel: r?.label ?? null };
  }

  // ---- what the screens show ----

  users(query: ParsedRequestOf<'users:list'>): ResponseOf<'users:list'> {
    return q.listUsers(this.state, query);
  }
  user(systemuserid: Id): ResponseOf<'users:detail'> {
    return q.userDetail(this.state, systemuserid);
  }
  moveImpact(query: ParsedRequestOf<'users:moveImpact'>): ResponseOf<'users:moveImpact'> {
    return q.moveImpact(this.state, query);
  }
  teams(query: ParsedRequestOf<'teams:list'>): ResponseOf<'teams:list'> {
    return q.listTeams(this.state, query);
  }
  team(teamid: Id): ResponseOf<'teams:detail'> {
    return q.teamDetail(this.state, teamid);
  }
  roleMatrix(roleid: Id): ResponseOf<'roles:matrix'> {
    return q.roleMatrix(this.state, roleid);
  }
  compareRoles(left: Id, right: Id): ResponseOf<'roles:compare'> {
    return q.compareRoles(this.state, left, right);
  }
  roleUsage(roleid: Id): ResponseOf<'roles:usage'> {
    return q.roleUsage(this.state, roleid);
  }
  fieldProfiles(): ResponseOf<'fieldSecurity:list'> {
    return q.listFieldProfiles(this.state);
  }
  fieldProfile(id: Id): ResponseOf<'fieldSecurity:detail'> {
    return q.fieldProfileDetail(this.state, id);
  }
  search(query: ParsedRequestOf<'search:everything'>): ResponseOf<'search:everything'> {
    return q.searchEverything(this.state, query);
  }
  catalogGroups(): ResponseOf<'catalog:groups'> {
    return q.catalogGroups(this.state);
  }

  private filled(command: unknown): unknown {
    return typeof command === 'object' && command !== null && 'type' in command ? withIds(command as { type: string }, this.newId) : command;
  }

  private tryAll(commands: readonly unknown[]) {
    const r = applyAll(this.state, commands.map((c) => this.filled(c)));
    if (r.ok) return r;
    const type = (commands[r.index] as { type?: unknown } | undefined)?.type;
    const at = `commands[${r.index}]`;
    return {
      ok: false as const,
      error: {
        code: r.error.code,
        message: commands.length > 1 ? `Change ${r.index + 1} of ${commands.length}${typeof type === 'string' ? ` (${type})` : ''} was refused: ${r.error.message}` : r.error.message,
        path: r.error.path === undefined ? at : `${at}.${r.error.path}`,
      },
    };
  }

  private changedTo(next: OrgState, label: string): Applied {
    if (next !== this.state) {
      this.undoStack.push({ before: this.state, after: next, label });
      if (this.undoStack.length > this.historyLimit) this.undoStack.shift();
      this.redoStack.length = 0;
      this.state = next;
      this.revision++;
    }
    return { ok: true, value: { summary: this.summary(), message: label, history: this.history() } };
  }

  explain(query: ExplainQuery): Explanation {
    return AccessEngine.of(this.state).explain(query.systemuserid, query.entity, query.right, query.recordid);
  }
}

/** Depth-first from the root(s), siblings by name; a unit whose parent is missing is listed as a root. */
function unitsInTreeOrder(units: ReadonlyMap<Id, BusinessUnit>): BusinessUnit[] {
  const children = new Map<Id | null, BusinessUnit[]>();
  for (const bu of units.values()) {
    const parent = bu.parentbusinessunitid !== null && units.has(bu.parentbusinessunitid) ? bu.parentbusinessunitid : null;
    const list = children.get(parent);
    if (list) list.push(bu);
    else children.set(parent, [bu]);
  }
  for (const list of children.values()) list.sort(byName);
  const out: BusinessUnit[] = [];
  const seen = new Set<Id>();
  const stack = [...(children.get(null) ?? [])].reverse();
  while (stack.length) {
    const bu = stack.pop()!;
    if (seen.has(bu.businessunitid)) continue;
    seen.add(bu.businessunitid);
    out.push(bu);
    const kids = children.get(bu.businessunitid);
    if (kids) for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
  }
  return out;
}
