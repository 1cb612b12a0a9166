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
  readonly userTeams: readonly Int32Array[];
  readonly teamMembers: readonly Int32Array[];
  /** Direct reports of each user. */
  readonly reports: readonly Int32Array[];
}

function groupBy(n: number, pairs: Int32Array, count: number, side: 0 | 1): Int32Array[] {
  const sizes = new Int32Array(n);
  for (let i = 0; i < count; i++) sizes[pairs[2 * i + side]]++;
  const out = Array.from({ length: n }, (_, k) => new Int32Array(sizes[k]));
  const fill = new Int32Array(n);
  for (let i = 0; i < count; i++) {
    const k = pairs[2 * i + side];
    out[k][fill[k]++] = pairs[2 * i + (1 - side)];
  }
  return out;
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
