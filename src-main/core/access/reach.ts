import type { PrivilegeDef } from '../catalog/catalog';
import type { AccessRight } from '../model/accessRights';
import type { Id } from '../model/org';
import type { AccessEngine } from './engine';
import { reportsReached } from './hierarchySecurity';
import { itemsOf } from './principals';
import { forEachSharedRecord } from './shares';
import type { GrantRows } from './subject';
import type { UnitTree } from './unitTree';

/**
 * How many records a set of grants reaches, overall or per unit: whole units through
 * Local/Deep/Global, plus (at any depth, since a depth includes Basic) records owned by or shared
 * with the acting user or teams, plus reports' records under hierarchy security.
 */

export interface UnitReach {
  /** Deepest level (0..4) reaching each unit, by unit index. */
  readonly levels: Uint8Array;
  /** Records of the entity reached in each unit. */
  readonly counts: Int32Array;
}

export interface ReachTotal {
  readonly level: number;
  readonly records: number;
  /** XOR of the reached records' id hashes: equal sets, equal fingerprints. */
  readonly fingerprint: number;
}

export const NOTHING: ReachTotal = { level: 0, records: 0, fingerprint: 0 };

/** The grant rows from..to-1 that hold the privilege, by what they reach. */
interface ByDepth {
  readonly level: number;
  readonly global: boolean;
  /** Scope units of Deep grants and of Local grants. */
  readonly deep: number[];
  readonly local: number[];
  /** Some grant acts as the user (Basic covers the user's own, team and shared records). */
  readonly userContext: boolean;
  /** Teams whose grants act only as the team. */
  readonly teamContexts: number[];
}

function byDepth(levels: readonly Uint8Array[], g: GrantRows, from: number, to: number, privilege: number): ByDepth {
  let level = 0;
  let global = false;
  let userContext = false;
  const deep: number[] = [];
  const local: number[] = [];
  const teamContexts: number[] = [];
  for (let k = from; k < to; k++) {
    const l = levels[g.role[k]][privilege];
    if (!l) continue;
    if (l > level) level = l;
    if (l === 4) global = true;
    else if (l === 3) deep.push(g.scope[k]);
    else if (l === 2) local.push(g.scope[k]);
    if (g.userContext[k]) userContext = true;
    else teamContexts.push(g.team[k]);
  }
  return { level, global, deep, local, userContext, teamContexts };
}

/** Deep scopes are subtrees (laminar intervals of the tour): only the outermost count. */
function outermost(tree: UnitTree, deep: number[]): number[] {
  deep.sort((a, b) => tree.tin[a] - tree.tin[b]);
  const kept: number[] = [];
  for (const s of deep) {
    const last = kept[kept.length - 1];
    if (last === undefined || tree.tin[s] >= tree.tout[last]) kept.push(s);
  }
  return kept;
}

const within = (tree: UnitTree, unit: number, subtree: number) => tree.tin[unit] >= tree.tin[subtree] && tree.tin[unit] < tree.tout[subtree];

export function reachGrants(e: AccessEngine, g: GrantRows, from: number, to: number, u: number, homeUnit: number, privilege: PrivilegeDef, entity: string, right: AccessRight, perUnit?: UnitReach): ReachTotal {
  const p = e.principals;
  const tree = p.tree;
  const ent = e.records.entityIndex.get(entity);
  const { level, global, deep, local, userContext, teamContexts } = byDepth(e.roles.levels, g, from, to, privilege.index);
  if (!level) return NOTHING;
  if (global) {
    if (perUnit) {
      perUnit.levels.fill(4);
      if (ent !== undefined) perUnit.counts.set(e.unitCounts(ent).counts);
    }
    return ent === undefined ? { level, records: 0, fingerprint: 0 } : { level, records: e.records.entityTotals[ent], fingerprint: e.records.entityXor[ent] };
  }
  // Whole units: Deep scopes are subtrees, Local scopes single units.
  const kept = outermost(tree, deep);
  const covered = (unit: number): boolean => {
    for (const s of kept) if (within(tree, unit, s)) return true;
    return local.includes(unit);
  };
  let records = 0;
  let fingerprint = 0;
  const counts = ent === undefined ? undefined : e.unitCounts(ent);
  if (perUnit) {
    for (const s of local) perUnit.levels[s] = Math.max(perUnit.levels[s], 2);
    for (const s of kept) for (let pos = tree.tin[s]; pos < tree.tout[s]; pos++) perUnit.levels[tree.order[pos]] = 3;
  }
  if (counts) {
    for (const s of kept) {
      records += counts.prefix[tree.tout[s]] - counts.prefix[tree.tin[s]];
      fingerprint ^= counts.prefixXor[tree.tout[s]] ^ counts.prefixXor[tree.tin[s]];
    }
    for (const s of new Set(local)) {
      if (kept.some((d) => within(tree, s, d))) continue; // counted with its subtree
      records += counts.counts[s];
      fingerprint ^= counts.xors[s];
    }
    if (perUnit) {
      const U = tree.ids.length;
      for (let x = 0; x < U; x++) if (perUnit.levels[x] >= 2) perUnit.counts[x] = counts.counts[x];
    }
  }
  // Basic: owners and share principals in reach.
  const owners = e.owners;
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
  const basic = (unit: number) => {
    if (perUnit && unit >= 0 && perUnit.levels[unit] < 1) perUnit.levels[unit] = 1;
  };
  if (userContext) basic(homeUnit);
  for (const t of teamContexts) {
    addOwner(owners.team[t]);
    if (!principals.includes(p.teamIds[t])) principals.push(p.teamIds[t]);
    basic(p.teamUnit[t]);
  }
  const ownerCounts = ent === undefined ? undefined : e.records.ownerCounts[ent];
  const ownerXor = ent === undefined ? undefined : e.records.ownerXor[ent];
  const addOwned = (o: number) => {
    if (!ownerCounts) return;
    const c = ownerCounts[o];
    const unit = owners.unit[o];
    if (!c || unit < 0 || covered(unit)) return;
    records += c;
    fingerprint ^= ownerXor![o];
    if (perUnit) perUnit.counts[unit] += c;
    basic(unit);
  };
  for (const o of ownerSet) addOwned(o);
  if (userContext && u >= 0 && ownerCounts) {
    for (const r of reportsReached(p, u, e.state.organization.hierarchysecurity, right)) {
      const o = owners.user[r];
      if (o < 0 || ownerSet.includes(o)) continue;
      ownerSet.push(o);
      addOwned(o);
    }
  }
  if (ent !== undefined) {
    forEachSharedRecord(e.shares, e.records, owners, principals, ent, right, (o, unit) => ownerSet.includes(o) || covered(unit), (rec, unit) => {
      records++;
      fingerprint ^= e.records.recordHash[rec];
      if (perUnit) perUnit.counts[unit]++;
      basic(unit);
    });
  }
  return { level, records, fingerprint };
}
