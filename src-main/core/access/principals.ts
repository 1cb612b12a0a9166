import type { Id, OrgState, SystemUser, Team, TeamMembership } from '../model/org';
import { memoByRefs } from './memo';
import { unitTreeOf, type UnitTree } from './unitTree';

/** Users and teams numbered densely, with membership both ways (default teams included). */
export interface Principals {
  readonly tree: UnitTree;
  readonly userIds: readonly Id[];
  readonly userIndex: ReadonlyMap<Id, number>;
  readonly userUnit: Int32Array;
  readonly userDisabled: Uint8Array;
  /** Manager's user index, or -1. */
  readonly manager: Int32Array;
  readonly teamIds: readonly Id[];
  readonly teamIndex: ReadonlyMap<Id, number>;
  readonly teamUnit: Int32Array;
  readonly teamType: Uint8Array;
  /** Teams of each user (default team included), members of each team, direct reports of each user. */
  readonly userTeams: Adjacency;
  readonly teamMembers: Adjacency;
  readonly reports: Adjacency;
}

/**
 * A one-to-many relation in compressed rows: the items of k are list[start[k] .. start[k+1]-1].
 * Two typed arrays instead of one small array per user keep building it cheap at 50,000 users.
 */
export interface Adjacency {
  readonly start: Int32Array;
  readonly list: Int32Array;
}

export const itemsOf = (a: Adjacency, k: number): Int32Array => a.list.subarray(a.start[k], a.start[k + 1]);

export function hasItem(a: Adjacency, k: number, item: number): boolean {
  for (let i = a.start[k]; i < a.start[k + 1]; i++) if (a.list[i] === item) return true;
  return false;
}

function groupBy(n: number, pairs: Int32Array, count: number, side: 0 | 1): Adjacency {
  const start = new Int32Array(n + 1);
  for (let i = 0; i < count; i++) start[pairs[2 * i + side] + 1]++;
  for (let k = 0; k < n; k++) start[k + 1] += start[k];
  const fill = start.slice(0, n);
  const list = new Int32Array(count);
  for (let i = 0; i < count; i++) list[fill[pairs[2 * i + side]]++] = pairs[2 * i + (1 - side)];
  return { start, list };
}

const build = memoByRefs(
  (
    units: OrgState['businessunits'],
    users: ReadonlyMap<Id, SystemUser>,
    teams: ReadonlyMap<Id, Team>,
    membership: ReadonlyMap<string, TeamMembership>,
  ): Principals => {
    const tree = unitTreeOf(units);
    const userIds = [...users.keys()];
    const userIndex = new Map<Id, number>();
    userIds.forEach((id, i) => userIndex.set(id, i));
    const nu = userIds.length;
    const userUnit = new Int32Array(nu);
    const userDisabled = new Uint8Array(nu);
    const manager = new Int32Array(nu).fill(-1);
    for (let i = 0; i < nu; i++) {
      const u = users.get(userIds[i])!;
      userUnit[i] = tree.index.get(u.businessunitid) ?? -1;
      userDisabled[i] = u.isdisabled ? 1 : 0;
      if (u.parentsystemuserid !== null) manager[i] = userIndex.get(u.parentsystemuserid) ?? -1;
    }
    const teamIds = [...teams.keys()];
    const teamIndex = new Map<Id, number>();
    teamIds.forEach((id, i) => teamIndex.set(id, i));
    const nt = teamIds.length;
    const teamUnit = new Int32Array(nt);
    const teamType = new Uint8Array(nt);
    const defaultTeamOfUnit = new Int32Array(tree.ids.length).fill(-1);
    for (let i = 0; i < nt; i++) {
      const t = teams.get(teamIds[i])!;
      teamUnit[i] = tree.index.get(t.businessunitid) ?? -1;
      teamType[i] = t.teamtype;
      if (t.isdefault && teamUnit[i] >= 0) defaultTeamOfUnit[teamUnit[i]] = i;
    }
    // (team, user) pairs: explicit memberships plus each user's default team.
    const pairs = new Int32Array(2 * (membership.size + nu));
    let count = 0;
    for (const m of membership.values()) {
      const t = teamIndex.get(m.teamid);
      const u = userIndex.get(m.systemuserid);
      if (t === undefined || u === undefined) continue;
      pairs[2 * count] = t;
      pairs[2 * count + 1] = u;
      count++;
    }
    for (let u = 0; u < nu; u++) {
      const t = userUnit[u] >= 0 ? defaultTeamOfUnit[userUnit[u]] : -1;
      if (t < 0) continue;
      pairs[2 * count] = t;
      pairs[2 * count + 1] = u;
      count++;
    }
    const teamMembers = groupBy(nt, pairs, count, 0);
    const userTeams = groupBy(nu, pairs, count, 1);
    const mgrPairs = new Int32Array(2 * nu);
    let mc = 0;
    for (let u = 0; u < nu; u++) {
      if (manager[u] < 0) continue;
      mgrPairs[2 * mc] = manager[u];
      mgrPairs[2 * mc + 1] = u;
      mc++;
    }
    const reports = groupBy(nu, mgrPairs, mc, 0);
    return { tree, userIds, userIndex, userUnit, userDisabled, manager, teamIds, teamIndex, teamUnit, teamType, userTeams, teamMembers, reports };
  },
);

export const principalsOf = (s: OrgState): Principals => build(s.businessunits, s.systemusers, s.teams, s.teammembership);
