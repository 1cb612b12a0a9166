import type { Id } from '../model/org';
import { memoByRefs } from './memo';
import type { Principals } from './principals';
import type { Assignments, RoleTable } from './roleTable';

/** Who acts: the grants a user, a team or a role holder acts with, and where Basic's own records are. */

/** One way a user holds a role: directly, or through a team (as the team, or as themselves when the role is inherited). */
export interface Grant {
  readonly role: number;
  readonly scope: number;
  /** Team index, or -1 for a role held directly. */
  readonly team: number;
  /** true: the grant acts as the user (Basic covers the user's own, team and shared records). false: only as the team. */
  readonly userContext: boolean;
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
export const grantRowsOf = memoByRefs((a: Assignments, p: Principals, inherited: Uint8Array): GrantRows => {
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

/** A disabled user, or a user of a disabled unit, has no access. */
export function isActiveUser(p: Principals, u: number): boolean {
  return !p.userDisabled[u] && p.userUnit[u] >= 0 && !p.tree.disabled[p.userUnit[u]];
}

/**
 * The grants a principal would act with: a user's own; a team's roles acting as the team; or
 * one role held in a unit by a hypothetical user there who owns nothing (to preview a role).
 */
export function subjectOf(principal: Principal, p: Principals, roles: RoleTable, assignments: Assignments, grantRows: () => GrantRows): Subject | null {
  if (principal.kind === 'user') {
    const u = p.userIndex.get(principal.systemuserid);
    if (u === undefined) return null;
    const rows = grantRows();
    return { rows, from: rows.start[u], to: rows.start[u + 1], user: u, unit: p.userUnit[u], active: isActiveUser(p, u) };
  }
  if (principal.kind === 'team') {
    const t = p.teamIndex.get(principal.teamid);
    if (t === undefined) return null;
    const tr = assignments.teamRoles;
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
  const r = roles.index.get(principal.roleid);
  const unit = p.tree.index.get(principal.businessunitid);
  if (r === undefined || unit === undefined) return null;
  const rows: GrantRows = { start: Int32Array.of(0, 1), role: Int32Array.of(r), scope: Int32Array.of(unit), team: Int32Array.of(-1), userContext: Uint8Array.of(1) };
  return { rows, from: 0, to: 1, user: -1, unit, active: !p.tree.disabled[unit] };
}

/** One grant row as an object (explanations; hot paths read the rows). */
export const grantAt = (g: GrantRows, k: number): Grant => ({ role: g.role[k], scope: g.scope[k], team: g.team[k], userContext: g.userContext[k] === 1 });
