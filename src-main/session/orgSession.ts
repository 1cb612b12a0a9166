import { apply } from '../core/commands/apply';
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

export type Applied = { readonly ok: true; readonly value: { readonly summary: OrgSummary; readonly message: string } } | { readonly ok: false; readonly error: Refusal };

export interface ExplainQuery {
  readonly systemuserid: Id;
  readonly entity: string;
  readonly right: AccessRight;
  readonly recordid?: Id;
}

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);

/** The organization open in this window, held in memory. Every change goes through the core's apply. */
export class OrgSession {
  private state: OrgState;

  constructor(initial: OrgState) {
    this.state = initial;
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
    const r = apply(this.state, command);
    if (!r.ok) return r;
    this.state = r.value.state;
    return { ok: true, value: { summary: this.summary(), message: r.value.summary } };
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
