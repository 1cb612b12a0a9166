import { catalogFor, type Catalog, type PrivilegeDef } from '../catalog/catalog';
import type { AccessRight } from '../model/accessRights';
import type { Id, OrgState } from '../model/org';
import { explain, explainPrincipal, type Explanation } from './explain';
import { ownerMapsOf, unitCountsOf, type OwnerMaps, type UnitCounts } from './owners';
import { principalsOf, type Principals } from './principals';
import { NOTHING, reachGrants, type ReachTotal, type UnitReach } from './reach';
import { assignmentsOf, roleTableOf, type Assignments, type RoleTable } from './roleTable';
import { recordIndexOf, shareIndexOf, type RecordIndex, type ShareIndex } from './recordIndex';
import { grantAt, grantRowsOf, isActiveUser, subjectOf, type Grant, type GrantRows, type Principal, type Subject } from './subject';

export type { AccessPath, Explanation, Reach } from './explain';
export type { ReachTotal, UnitReach } from './reach';
export type { Grant, GrantRows, Principal, Subject } from './subject';

const byState = new WeakMap<OrgState, AccessEngine>();

/**
 * Answers who can do what over one state of the model. Built from indexes memoised on the
 * state's tables, so building the engine for the state after a role edit is cheap. Each question
 * is answered in its own module: who acts (subject.ts), how far a depth reaches (reach.ts),
 * shares (shares.ts), the manager hierarchy (hierarchySecurity.ts), and why (explain.ts).
 */
export class AccessEngine {
  readonly catalog: Catalog;
  readonly principals: Principals;
  readonly roles: RoleTable;
  readonly assignments: Assignments;
  readonly records: RecordIndex;
  readonly shares: ShareIndex;
  private grantRowCache?: GrantRows;
  private levelRows?: { readonly words: number; readonly done: Uint8Array; readonly levels: Uint32Array };
  private readonly unitCountCache = new Map<number, UnitCounts>();
  private ownerMapCache?: OwnerMaps;

  static of(state: OrgState): AccessEngine {
    let e = byState.get(state);
    if (!e) {
      e = new AccessEngine(state);
      byState.set(state, e);
    }
    return e;
  }

  private constructor(readonly state: OrgState) {
    this.catalog = catalogFor(state);
    this.principals = principalsOf(state);
    this.roles = roleTableOf(state.roles, this.catalog);
    this.assignments = assignmentsOf(state.systemuserroles, state.teamroles, this.principals, this.roles.numbering);
    this.records = recordIndexOf(state.records, state.recordcounts);
    this.shares = shareIndexOf(state.shares, this.records);
  }

  userIndex(id: Id): number | undefined {
    return this.principals.userIndex.get(id);
  }

  /** A disabled user, or a user of a disabled unit, has no access. */
  isActive(u: number): boolean {
    return isActiveUser(this.principals, u);
  }

  get grantRows(): GrantRows {
    return (this.grantRowCache ??= grantRowsOf(this.assignments, this.principals, this.roles.inherited));
  }

  /** A user's grants as objects (for explanations; hot paths read grantRows). */
  grants(u: number): Grant[] {
    const g = this.grantRows;
    const out: Grant[] = [];
    for (let k = g.start[u]; k < g.start[u + 1]; k++) out.push(grantAt(g, k));
    return out;
  }

  /**
   * The deepest level of every privilege for a user, packed (read it with packedLevel); all zero
   * for a disabled user. The union of roles is a bitwise OR of their packed rows; rows of all
   * users live in one buffer.
   */
  effectiveLevels(u: number): Uint32Array {
    const nu = this.principals.userIds.length;
    const rows = (this.levelRows ??= (() => {
      // Only as wide as the privileges some role holds: a catalog of thousands would otherwise make a buffer of ~60 MB for 50,000 users.
      const words = this.roles.span;
      return { words, done: new Uint8Array(nu), levels: new Uint32Array(nu * words) };
    })());
    const { words, levels } = rows;
    const base = u * words;
    if (!rows.done[u]) {
      rows.done[u] = 1;
      if (this.isActive(u)) {
        const g = this.grantRows;
        for (let k = g.start[u]; k < g.start[u + 1]; k++) {
          const row = this.roles.packed[g.role[k]];
          const nz = this.roles.nonzero[g.role[k]];
          for (let j = 0; j < nz.length; j++) levels[base + nz[j]] |= row[nz[j]];
        }
      }
    }
    return levels.subarray(base, base + words);
  }

  levelOf(u: number, privilege: number): number {
    if (!this.isActive(u)) return 0;
    const g = this.grantRows;
    let best = 0;
    for (let k = g.start[u]; k < g.start[u + 1]; k++) {
      const l = this.roles.levels[g.role[k]][privilege];
      if (l > best) best = l;
    }
    return best;
  }

  // ---- records and owners ------------------------------------------------------------------

  /** Record owners tied to users and teams (owners.ts); shared by states with the same records and principals. */
  get owners(): OwnerMaps {
    return (this.ownerMapCache ??= ownerMapsOf(this.records, this.principals));
  }

  /** The owning business unit of a record, by record number. */
  recordUnit(rec: number): number {
    return this.owners.unit[this.records.owner[rec]];
  }

  /** Records of an entity per unit, and prefix sums over the unit tour for subtree totals. */
  unitCounts(entity: number): UnitCounts {
    let c = this.unitCountCache.get(entity);
    if (!c) this.unitCountCache.set(entity, (c = unitCountsOf(this.records, this.principals, this.owners, entity)));
    return c;
  }

  // ---- reach: how many records a user reaches, overall or per unit ----------------------------

  /** The records of `entity` a user reaches with `right` (reach.ts). */
  reach(u: number, privilege: PrivilegeDef, entity: string, right: AccessRight, perUnit?: UnitReach): ReachTotal {
    if (!this.isActive(u)) return NOTHING;
    const g = this.grantRows;
    return reachGrants(this, g, g.start[u], g.start[u + 1], u, this.principals.userUnit[u], privilege, entity, right, perUnit);
  }

  /** The grants a user, a team or a role holder would act with (subject.ts). */
  subject(principal: Principal): Subject | null {
    return subjectOf(principal, this.principals, this.roles, this.assignments, () => this.grantRows);
  }

  reachSubject(s: Subject, privilege: PrivilegeDef, entity: string, right: AccessRight, perUnit?: UnitReach): ReachTotal {
    if (!s.active) return NOTHING;
    return reachGrants(this, s.rows, s.from, s.to, s.user, s.unit, privilege, entity, right, perUnit);
  }

  // ---- explain ------------------------------------------------------------------------------

  /** Every path that grants `right` on `entity` (or on one record) to a user, or why none does. */
  explain(userId: Id, entity: string, right: AccessRight, recordId?: Id): Explanation {
    return explain(this, userId, entity, right, recordId);
  }

  /** The paths by which a team or a holder of a role in a unit holds a privilege (the hierarchy overlay's unit panel). */
  explainPrincipal(principal: Principal, entity: string, right: AccessRight): Explanation {
    return explainPrincipal(this, principal, entity, right);
  }

  check(userId: Id, entity: string, right: AccessRight, recordId?: Id): boolean {
    return this.explain(userId, entity, right, recordId).allowed;
  }
}
