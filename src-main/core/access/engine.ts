import { catalogFor, type Catalog, type PrivilegeDef } from '../catalog/catalog';
import { ACCESS_RIGHT_MASK, DIRECT_REPORT_RIGHTS, type AccessRight } from '../model/accessRights';
import { depthOfLevel, type Depth } from '../model/depth';
import type { Id, OrgState } from '../model/org';
import { hasItem, itemsOf, principalsOf, type Principals } from './principals';
import { assignmentsOf, roleTableOf, type Assignments, type RoleTable } from './roleTable';
import { memoByRefs } from './memo';
import { recordIndexOf, shareIndexOf, type RecordIndex, type ShareIndex } from './recordIndex';

/** One way a user holds a role: directly, or through a team (as the team, or as themselves when the role is inherited). */
export interface Grant {
  readonly role: number;
  readonly scope: number;
  /** Team index, or -1 for a role held directly. */
  readonly team: number;
  /** true: the grant acts as the user (Basic covers the user's own, team and shared records). false: only as the team. */
  readonly userContext: boolean;
}

export type Reach = 'organization' | 'businessunit-and-below' | 'businessunit' | 'owner' | 'team-owner' | 'share' | 'hierarchy';

export interface AccessPath {
  readonly roleid: Id;
  readonly rolename: string;
  readonly depth: Depth;
  readonly via: 'direct' | 'team';
  readonly teamid?: Id;
  readonly teamname?: string;
  /** A team role with isinherited = 1 acting as the member's own role. */
  readonly inheritedfromteam?: boolean;
  readonly scopebusinessunitid: Id;
  readonly scopebusinessunitname: string;
  readonly reach: Reach;
  readonly sharedwith?: Id;
  readonly accessrightsmask?: number;
  readonly reportid?: Id;
  readonly managerlevel?: number;
}

type RecordReach = Pick<AccessPath, 'reach' | 'sharedwith' | 'accessrightsmask' | 'reportid' | 'managerlevel'>;

export interface Explanation {
  readonly allowed: boolean;
  /** The deepest depth the user holds the privilege at, whatever the record. */
  readonly depth: Depth | null;
  readonly privilege: string | null;
  readonly paths: readonly AccessPath[];
  /** Why access is denied (empty when allowed). */
  readonly reasons: readonly string[];
}

export interface UnitReach {
  /** Deepest level (0..4) reaching each unit, by unit index. */
  readonly levels: Uint8Array;
  /** Records of the entity reached in each unit. */
  readonly counts: Int32Array;
}

/** Whose access a preview shows: a user, a team (acting as the team), or a holder of a role in a unit. */
export type Principal =
  | { readonly kind: 'user'; readonly systemuserid: Id }
  | { readonly kind: 'team'; readonly teamid: Id }
  | { readonly kind: 'role'; readonly roleid: Id; readonly businessunitid: Id };

export interface Subject {
  readonly rows: GrantRows;
  readonly from: number;
  readonly to: number;
  /** The user acting, or -1 for a team or a hypothetical role holder. */
  readonly user: number;
  /** Where Basic's own records live: the user's, the team's or the role holder's unit. */
  readonly unit: number;
  readonly active: boolean;
}

export interface ReachTotal {
  readonly level: number;
  readonly records: number;
  /** XOR of the reached records' id hashes: equal sets, equal fingerprints. */
  readonly fingerprint: number;
}

const NOTHING: ReachTotal = { level: 0, records: 0, fingerprint: 0 };

const byState = new WeakMap<OrgState, AccessEngine>();

/** Records of one entity per unit (count and id-hash XOR), with prefix sums over the unit tour for subtrees. */
interface UnitCounts {
  readonly counts: Int32Array;
  readonly prefix: Int32Array;
  readonly xors: Int32Array;
  readonly prefixXor: Int32Array;
}

/** Every user's grants in compressed rows: grants of user u are the rows start[u] .. start[u+1]-1. */
export interface GrantRows {
  readonly start: Int32Array;
  readonly role: Int32Array;
  readonly scope: Int32Array;
  readonly team: Int32Array;
  readonly userContext: Uint8Array;
}

/**
 * Built for all users in two passes. Grants depend only on assignments, memberships and the
 * isinherited flags, so states that share those (a privilege edit, say) share the rows.
 */
const grantRowsOf = memoByRefs((a: Assignments, p: Principals, inherited: Uint8Array): GrantRows => {
  const nu = p.userIds.length;
  const { userRoles, teamRoles } = a;
  const start = new Int32Array(nu + 1);
  for (let u = 0; u < nu; u++) {
    let n = userRoles.start[u + 1] - userRoles.start[u];
    for (let k = p.userTeams.start[u]; k < p.userTeams.start[u + 1]; k++) {
      const t = p.userTeams.list[k];
      if (p.teamType[t] === 1) continue; // access teams hold no roles
      for (let j = teamRoles.start[t]; j < teamRoles.start[t + 1]; j++) n += inherited[teamRoles.role[j]] ? 2 : 1;
    }
    start[u + 1] = start[u] + n;
  }
  const total = start[nu];
  const role = new Int32Array(total);
  const scope = new Int32Array(total);
  const team = new Int32Array(total);
  const userContext = new Uint8Array(total);
  for (let u = 0; u < nu; u++) {
    let at = start[u];
    for (let j = userRoles.start[u]; j < userRoles.start[u + 1]; j++, at++) {
      role[at] = userRoles.role[j];
      scope[at] = userRoles.scope[j];
      team[at] = -1;
      userContext[at] = 1;
    }
    for (let k = p.userTeams.start[u]; k < p.userTeams.start[u + 1]; k++) {
      const t = p.userTeams.list[k];
      if (p.teamType[t] === 1) continue;
      for (let j = teamRoles.start[t]; j < teamRoles.start[t + 1]; j++) {
        const r = teamRoles.role[j];
        role[at] = r;
        scope[at] = teamRoles.scope[j];
        team[at] = t;
        userContext[at] = 0;
        at++;
        // isinherited = 1: the team's role also acts as the member's own, scoped to the member's unit.
        if (inherited[r]) {
          role[at] = r;
          scope[at] = p.userUnit[u];
          team[at] = t;
          userContext[at] = 1;
          at++;
        }
      }
    }
  }
  return { start, role, scope, team, userContext };
});

/**
 * Answers who can do what over one state of the model. Built from indexes memoised on the
 * state's tables, so building the engine for the state after a role edit is cheap.
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
  private ownerMaps?: { user: Int32Array; team: Int32Array; unit: Int32Array; isTeam: Uint8Array; principal: Int32Array };

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
    const p = this.principals;
    return !p.userDisabled[u] && p.userUnit[u] >= 0 && !p.tree.disabled[p.userUnit[u]];
  }

  get grantRows(): GrantRows {
    return (this.grantRowCache ??= grantRowsOf(this.assignments, this.principals, this.roles.inherited));
  }

  /** A user's grants as objects (for explanations; hot paths read grantRows). */
  grants(u: number): Grant[] {
    const g = this.grantRows;
    const out: Grant[] = [];
    for (let k = g.start[u]; k < g.start[u + 1]; k++) out.push({ role: g.role[k], scope: g.scope[k], team: g.team[k], userContext: g.userContext[k] === 1 });
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

  private owners() {
    if (this.ownerMaps) return this.ownerMaps;
    const p = this.principals;
    const r = this.records;
    const user = new Int32Array(p.userIds.length).fill(-1);
    const team = new Int32Array(p.teamIds.length).fill(-1);
    const unit = new Int32Array(r.ownerIds.length).fill(-1);
    const isTeam = new Uint8Array(r.ownerIds.length);
    const principal = new Int32Array(r.ownerIds.length).fill(-1);
    r.ownerIds.forEach((id, o) => {
      const ui = p.userIndex.get(id);
      if (ui !== undefined) {
        user[ui] = o;
        unit[o] = p.userUnit[ui];
        principal[o] = ui;
        return;
      }
      const ti = p.teamIndex.get(id);
      if (ti !== undefined) {
        team[ti] = o;
        unit[o] = p.teamUnit[ti];
        isTeam[o] = 1;
        principal[o] = ti;
      }
    });
    this.ownerMaps = { user, team, unit, isTeam, principal };
    return this.ownerMaps;
  }

  /** The owning business unit of a record, by record number. */
  recordUnit(rec: number): number {
    return this.owners().unit[this.records.owner[rec]];
  }

  /** Records of an entity per unit, and prefix sums over the unit tour for subtree totals. */
  unitCounts(entity: number): UnitCounts {
    let c = this.unitCountCache.get(entity);
    if (c) return c;
    const tree = this.principals.tree;
    const U = tree.ids.length;
    const counts = new Int32Array(U);
    const xors = new Int32Array(U);
    const perOwner = this.records.ownerCounts[entity];
    const xorOwner = this.records.ownerXor[entity];
    const unit = this.owners().unit;
    for (let o = 0; o < perOwner.length; o++) {
      if (!perOwner[o] || unit[o] < 0) continue;
      counts[unit[o]] += perOwner[o];
      xors[unit[o]] ^= xorOwner[o];
    }
    const prefix = new Int32Array(U + 1);
    const prefixXor = new Int32Array(U + 1);
    for (let pos = 0; pos < U; pos++) {
      prefix[pos + 1] = prefix[pos] + counts[tree.order[pos]];
      prefixXor[pos + 1] = prefixXor[pos] ^ xors[tree.order[pos]];
    }
    c = { counts, prefix, xors, prefixXor };
    this.unitCountCache.set(entity, c);
    return c;
  }

  // ---- reach: how many records a user reaches, overall or per unit ----------------------------

  /**
   * The records of `entity` a user reaches with `right`: whole units through Local/Deep/Global
   * grants, plus (at any depth, since a depth includes Basic) records owned by or shared with
   * the user or the user's teams, plus reports' records under hierarchy security.
   */
  reach(u: number, privilege: PrivilegeDef, entity: string, right: AccessRight, perUnit?: UnitReach): ReachTotal {
    if (!this.isActive(u)) return NOTHING;
    const g = this.grantRows;
    return this.reachGrants(g, g.start[u], g.start[u + 1], u, this.principals.userUnit[u], privilege, entity, right, perUnit);
  }

  /**
   * The grants a principal would act with: a user's own; a team's roles acting as the team; or
   * one role held in a unit by a hypothetical user there who owns nothing (to preview a role).
   */
  subject(principal: Principal): Subject | null {
    const p = this.principals;
    if (principal.kind === 'user') {
      const u = p.userIndex.get(principal.systemuserid);
      return u === undefined ? null : { rows: this.grantRows, from: this.grantRows.start[u], to: this.grantRows.start[u + 1], user: u, unit: p.userUnit[u], active: this.isActive(u) };
    }
    if (principal.kind === 'team') {
      const t = p.teamIndex.get(principal.teamid);
      if (t === undefined) return null;
      const tr = this.assignments.teamRoles;
      const n = p.teamType[t] === 1 ? 0 : tr.start[t + 1] - tr.start[t];
      const rows: GrantRows = {
        start: Int32Array.of(0, n),
        role: tr.role.slice(tr.start[t], tr.start[t] + n),
        scope: tr.scope.slice(tr.start[t], tr.start[t] + n),
        team: new Int32Array(n).fill(t),
        userContext: new Uint8Array(n),
      };
      return { rows, from: 0, to: n, user: -1, unit: p.teamUnit[t], active: !p.tree.disabled[p.teamUnit[t]] };
    }
    const r = this.roles.index.get(principal.roleid);
    const unit = p.tree.index.get(principal.businessunitid);
    if (r === undefined || unit === undefined) return null;
    const rows: GrantRows = { start: Int32Array.of(0, 1), role: Int32Array.of(r), scope: Int32Array.of(unit), team: Int32Array.of(-1), userContext: Uint8Array.of(1) };
    return { rows, from: 0, to: 1, user: -1, unit, active: !p.tree.disabled[unit] };
  }

  reachSubject(s: Subject, privilege: PrivilegeDef, entity: string, right: AccessRight, perUnit?: UnitReach): ReachTotal {
    if (!s.active) return NOTHING;
    return this.reachGrants(s.rows, s.from, s.to, s.user, s.unit, privilege, entity, right, perUnit);
  }

  private reachGrants(g: GrantRows, from: number, to: number, u: number, homeUnit: number, privilege: PrivilegeDef, entity: string, right: AccessRight, perUnit?: UnitReach): ReachTotal {
    const p = this.principals;
    const tree = p.tree;
    const ent = this.records.entityIndex.get(entity);
    const pi = privilege.index;
    let level = 0;
    let global = false;
    let userContext = false;
    const deep: number[] = [];
    const local: number[] = [];
    const teamContexts: number[] = [];
    for (let k = from; k < to; k++) {
      const l = this.roles.levels[g.role[k]][pi];
      if (!l) continue;
      if (l > level) level = l;
      if (l === 4) global = true;
      else if (l === 3) deep.push(g.scope[k]);
      else if (l === 2) local.push(g.scope[k]);
      if (g.userContext[k]) userContext = true;
      else teamContexts.push(g.team[k]);
    }
    if (!level) return NOTHING;
    const U = tree.ids.length;
    if (global) {
      if (perUnit) {
        perUnit.levels.fill(4);
        if (ent !== undefined) perUnit.counts.set(this.unitCounts(ent).counts);
      }
      return ent === undefined ? { level, records: 0, fingerprint: 0 } : { level, records: this.records.entityTotals[ent], fingerprint: this.records.entityXor[ent] };
    }
    // Whole units: Deep scopes are subtrees (laminar intervals of the tour), Local scopes single units.
    deep.sort((a, b) => tree.tin[a] - tree.tin[b]);
    const kept: number[] = [];
    for (const s of deep) {
      const last = kept[kept.length - 1];
      if (last === undefined || tree.tin[s] >= tree.tout[last]) kept.push(s);
    }
    const covered = (unit: number): boolean => {
      const t = tree.tin[unit];
      for (const s of kept) if (t >= tree.tin[s] && t < tree.tout[s]) return true;
      for (const s of local) if (s === unit) return true;
      return false;
    };
    let records = 0;
    let fingerprint = 0;
    const counts = ent === undefined ? undefined : this.unitCounts(ent);
    if (perUnit) {
      for (const s of local) perUnit.levels[s] = Math.max(perUnit.levels[s], 2);
      for (const s of kept) for (let pos = tree.tin[s]; pos < tree.tout[s]; pos++) perUnit.levels[tree.order[pos]] = 3;
    }
    if (counts) {
      for (const s of kept) {
        records += counts.prefix[tree.tout[s]] - counts.prefix[tree.tin[s]];
        fingerprint ^= counts.prefixXor[tree.tout[s]] ^ counts.prefixXor[tree.tin[s]];
      }
      const seen = new Set<number>();
      for (const s of local) {
        if (seen.has(s)) continue;
        seen.add(s);
        let inDeep = false;
        for (const d of kept) if (tree.tin[s] >= tree.tin[d] && tree.tin[s] < tree.tout[d]) inDeep = true;
        if (!inDeep) {
          records += counts.counts[s];
          fingerprint ^= counts.xors[s];
        }
      }
      if (perUnit) for (let x = 0; x < U; x++) if (perUnit.levels[x] >= 2) perUnit.counts[x] = counts.counts[x];
    }
    // Basic: owners and share principals in reach.
    const owners = this.owners();
    const ownerSet: number[] = [];
    const principals: Id[] = [];
    const addOwner = (o: number) => {
      if (o >= 0 && !ownerSet.includes(o)) ownerSet.push(o);
    };
    if (userContext && u >= 0) {
      addOwner(owners.user[u]);
      principals.push(p.userIds[u]);
      for (const t of itemsOf(p.userTeams, u)) {
        addOwner(owners.team[t]);
        principals.push(p.teamIds[t]);
      }
    }
    if (userContext && perUnit && homeUnit >= 0 && perUnit.levels[homeUnit] < 1) perUnit.levels[homeUnit] = 1;
    for (const t of teamContexts) {
      addOwner(owners.team[t]);
      if (!principals.includes(p.teamIds[t])) principals.push(p.teamIds[t]);
      if (perUnit && perUnit.levels[p.teamUnit[t]] < 1) perUnit.levels[p.teamUnit[t]] = 1;
    }
    const ownerCounts = ent === undefined ? undefined : this.records.ownerCounts[ent];
    const ownerXor = ent === undefined ? undefined : this.records.ownerXor[ent];
    const addOwned = (o: number) => {
      if (!ownerCounts) return;
      const c = ownerCounts[o];
      const unit = owners.unit[o];
      if (!c || unit < 0 || covered(unit)) return;
      records += c;
      fingerprint ^= ownerXor![o];
      if (perUnit) {
        perUnit.counts[unit] += c;
        if (perUnit.levels[unit] < 1) perUnit.levels[unit] = 1;
      }
    };
    for (const o of ownerSet) addOwned(o);
    // Reports' records under hierarchy security, which needs the privilege in the user's own context.
    const hs = this.state.organization.hierarchysecurity;
    if (hs.enabled && userContext && u >= 0 && ownerCounts) {
      const direct = (DIRECT_REPORT_RIGHTS as readonly string[]).includes(right);
      let frontier: Int32Array | number[] = itemsOf(p.reports, u);
      for (let depth = 1; depth <= hs.depth && frontier.length; depth++) {
        const next: number[] = [];
        for (const r of frontier) {
          if (depth === 1 ? direct : right === 'Read') {
            const o = owners.user[r];
            if (o >= 0 && !ownerSet.includes(o)) {
              ownerSet.push(o);
              addOwned(o);
            }
          }
          for (const rr of itemsOf(p.reports, r)) next.push(rr);
        }
        frontier = next;
      }
    }
    // Shared records not already counted.
    if (ent !== undefined) {
      const bit = ACCESS_RIGHT_MASK[right];
      let seen: Set<number> | undefined;
      for (const id of principals) {
        const list = this.shares.byPrincipal.get(id);
        if (!list) continue;
        for (let k = 0; k < list.records.length; k++) {
          const rec = list.records[k];
          if (!(list.masks[k] & bit) || this.records.entity[rec] !== ent) continue;
          const o = this.records.owner[rec];
          if (ownerSet.includes(o)) continue;
          const unit = owners.unit[o];
          if (unit < 0 || covered(unit)) continue;
          seen ??= new Set();
          if (seen.has(rec)) continue;
          seen.add(rec);
          records++;
          fingerprint ^= this.records.recordHash[rec];
          if (perUnit) {
            perUnit.counts[unit]++;
            if (perUnit.levels[unit] < 1) perUnit.levels[unit] = 1;
          }
        }
      }
    }
    return { level, records, fingerprint };
  }

  // ---- explain ------------------------------------------------------------------------------

  /** Every path that grants `right` on `entity` (or on one record) to a user, or why none does. */
  explain(userId: Id, entity: string, right: AccessRight, recordId?: Id): Explanation {
    const p = this.principals;
    const u = p.userIndex.get(userId);
    const user = this.state.systemusers.get(userId);
    if (u === undefined || !user) return deny(null, null, [`user ${userId} does not exist`]);
    const priv = this.catalog.privilegeFor(entity, right);
    if (!priv) {
      const known = this.catalog.entities.has(entity);
      return deny(null, null, [known ? `${entity} has no ${right} privilege` : `unknown table "${entity}"`]);
    }
    const level = this.levelOf(u, priv.index);
    const depth = depthOfLevel(level);
    if (user.isdisabled) return deny(priv.name, null, [`${user.fullname} is disabled; disabled users have no access`]);
    if (!this.isActive(u)) return deny(priv.name, null, [`${user.fullname}'s business unit is disabled, so the user cannot sign in`]);
    let rec: number | undefined;
    if (recordId !== undefined) {
      rec = this.records.index.get(recordId);
      if (rec === undefined) return deny(priv.name, depth, [`record ${recordId} does not exist`]);
      const recEntity = this.records.entityNames[this.records.entity[rec]];
      if (recEntity !== entity) return deny(priv.name, depth, [`record ${recordId} is a ${recEntity}, not a ${entity}`]);
    }
    const paths: AccessPath[] = [];
    const grants = this.grants(u);
    for (const g of grants) {
      const l = this.roles.levels[g.role][priv.index];
      if (!l) continue;
      const base = this.pathBase(g, l);
      if (rec === undefined) {
        paths.push({ ...base, reach: l === 4 ? 'organization' : l === 3 ? 'businessunit-and-below' : l === 2 ? 'businessunit' : g.userContext ? 'owner' : 'team-owner' });
        continue;
      }
      for (const reach of this.recordReaches(u, g, l, rec, right)) paths.push({ ...base, ...reach });
    }
    if (paths.length) return { allowed: true, depth, privilege: priv.name, paths, reasons: [] };
    return deny(priv.name, depth, this.denialReasons(u, priv, grants, rec));
  }

  /**
   * The paths by which a team (acting as the team) or a holder of a role in a unit holds a
   * privilege: what the hierarchy overlay lists for a selected unit. A user goes through explain().
   */
  explainPrincipal(principal: Principal, entity: string, right: AccessRight): Explanation {
    if (principal.kind === 'user') return this.explain(principal.systemuserid, entity, right);
    const subject = this.subject(principal);
    const who = principal.kind === 'team' ? `team ${principal.teamid}` : `role ${principal.roleid} in business unit ${principal.businessunitid}`;
    if (!subject) return deny(null, null, [`${who} does not exist`]);
    const priv = this.catalog.privilegeFor(entity, right);
    if (!priv) return deny(null, null, [this.catalog.entities.has(entity) ? `${entity} has no ${right} privilege` : `unknown table "${entity}"`]);
    if (!subject.active) return deny(priv.name, null, [`the business unit of ${who} is disabled`]);
    const { rows } = subject;
    const paths: AccessPath[] = [];
    let level = 0;
    for (let k = subject.from; k < subject.to; k++) {
      const l = this.roles.levels[rows.role[k]][priv.index];
      if (!l) continue;
      level = Math.max(level, l);
      const g: Grant = { role: rows.role[k], scope: rows.scope[k], team: rows.team[k], userContext: rows.userContext[k] === 1 };
      paths.push({ ...this.pathBase(g, l), reach: l === 4 ? 'organization' : l === 3 ? 'businessunit-and-below' : l === 2 ? 'businessunit' : g.userContext ? 'owner' : 'team-owner' });
    }
    if (paths.length) return { allowed: true, depth: depthOfLevel(level), privilege: priv.name, paths, reasons: [] };
    return deny(priv.name, null, [principal.kind === 'team' ? `no role of ${who} grants ${priv.name}${subject.to > subject.from ? '' : ' (the team holds no roles)'}` : `the role does not grant ${priv.name}`]);
  }

  check(userId: Id, entity: string, right: AccessRight, recordId?: Id): boolean {
    return this.explain(userId, entity, right, recordId).allowed;
  }

  private pathBase(g: Grant, level: number) {
    const roleid = this.roles.ids[g.role];
    const scopeId = this.principals.tree.ids[g.scope];
    const base = {
      roleid,
      rolename: this.state.roles.get(roleid)!.name,
      depth: depthOfLevel(level)!,
      via: g.team < 0 ? ('direct' as const) : ('team' as const),
      scopebusinessunitid: scopeId,
      scopebusinessunitname: this.state.businessunits.get(scopeId)?.name ?? scopeId,
    };
    if (g.team < 0) return base;
    const teamid = this.principals.teamIds[g.team];
    return { ...base, teamid, teamname: this.state.teams.get(teamid)?.name ?? teamid, ...(g.userContext ? { inheritedfromteam: true } : {}) };
  }

  private recordReaches(u: number, g: Grant, level: number, rec: number, right: AccessRight): RecordReach[] {
    const p = this.principals;
    const tree = p.tree;
    const unit = this.recordUnit(rec);
    const out: RecordReach[] = [];
    if (level === 4) return [{ reach: 'organization' }];
    if (level === 3 && unit >= 0 && tree.tin[unit] >= tree.tin[g.scope] && tree.tin[unit] < tree.tout[g.scope]) return [{ reach: 'businessunit-and-below' }];
    if (level === 2 && unit === g.scope) return [{ reach: 'businessunit' }];
    const owners = this.owners();
    const o = this.records.owner[rec];
    const ownerPrincipal = owners.principal[o];
    if (g.userContext) {
      if (!owners.isTeam[o] && ownerPrincipal === u) out.push({ reach: 'owner' });
      else if (owners.isTeam[o] && hasItem(p.userTeams, u, ownerPrincipal)) out.push({ reach: 'team-owner' });
    } else if (owners.isTeam[o] && ownerPrincipal === g.team) out.push({ reach: 'team-owner' });
    const bit = ACCESS_RIGHT_MASK[right];
    for (const s of this.shares.byRecord.get(rec) ?? []) {
      if (!(s.accessrightsmask & bit)) continue;
      const toUser = s.principalid === p.userIds[u];
      const team = p.teamIndex.get(s.principalid);
      const toTeam = team !== undefined && (g.userContext ? hasItem(p.userTeams, u, team) : team === g.team);
      if ((toUser && g.userContext) || toTeam) out.push({ reach: 'share', sharedwith: s.principalid, accessrightsmask: s.accessrightsmask });
    }
    const hs = this.state.organization.hierarchysecurity;
    if (hs.enabled && g.userContext && !owners.isTeam[o] && ownerPrincipal >= 0) {
      let m = p.manager[ownerPrincipal];
      for (let lvl = 1; lvl <= hs.depth && m >= 0; lvl++, m = p.manager[m]) {
        if (m !== u) continue;
        if (lvl === 1 ? (DIRECT_REPORT_RIGHTS as readonly string[]).includes(right) : right === 'Read') {
          out.push({ reach: 'hierarchy', reportid: p.userIds[ownerPrincipal], managerlevel: lvl });
        }
        break;
      }
    }
    return out;
  }

  private denialReasons(u: number, priv: PrivilegeDef, grants: readonly Grant[], rec: number | undefined): string[] {
    const held = grants.filter((g) => this.roles.levels[g.role][priv.index] > 0);
    if (!held.length) return [`no role of the user grants ${priv.name}${grants.length ? '' : ' (the user holds no roles, directly or through teams)'}`];
    const reasons: string[] = [];
    const unitName = (x: number) => this.state.businessunits.get(this.principals.tree.ids[x])?.name ?? '?';
    const recUnit = rec === undefined ? -1 : this.recordUnit(rec);
    const ownerId = rec === undefined ? '' : this.records.ownerIds[this.records.owner[rec]];
    const ownerName = this.state.systemusers.get(ownerId)?.fullname ?? `team ${this.state.teams.get(ownerId)?.name ?? ownerId}`;
    for (const g of held) {
      const b: Partial<AccessPath> & ReturnType<AccessEngine['pathBase']> = this.pathBase(g, this.roles.levels[g.role][priv.index]);
      const via = g.team < 0 ? 'directly' : `through team ${b.teamname}`;
      reasons.push(
        `${b.rolename} (${via}) grants ${priv.name} at ${b.depth} in ${unitName(g.scope)}, but the record is in ${unitName(recUnit)}, owned by ${ownerName}, and not shared with ${g.userContext ? 'the user or the user\'s teams' : `team ${b.teamname}`} for this right`,
      );
    }
    void u;
    return reasons;
  }
}

function deny(privilege: string | null, depth: Depth | null, reasons: string[]): Explanation {
  return { allowed: false, depth, privilege, paths: [], reasons };
}
