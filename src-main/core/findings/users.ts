import type { OrgState } from '../model/org';
import { holdingsOf } from './holdings';
import { finding, nameList, type Finding } from './types';

/**
 * Findings about users, teams and units: who cannot sign in, who holds roles they should not
 * keep, and roles parked on teams nobody is in.
 */
export function userFindings(state: OrgState): Finding[] {
  const h = holdingsOf(state);
  const p = h.engine.principals;
  const out: Finding[] = [];
  for (let u = 0; u < p.userIds.length; u++) {
    const direct = h.direct(u);
    const user = h.user(u);
    if (p.userDisabled[u]) {
      if (direct.length) {
        const roles = direct.map((r) => h.roleName(r));
        out.push(
          finding(
            'disabled-user-with-roles',
            'low',
            `Disabled user ${user.name} still holds ${direct.length} role(s)`,
            `${user.name} is disabled but still holds ${nameList(roles)} directly. The roles grant nothing while the user stays disabled, but re-enabling the account would restore all of them at once, and auditors count them as standing access.`,
            [user, ...direct.map((r) => h.role(r))],
            `Remove the roles from ${user.name}, or record why the account must keep them.`,
            user.id,
          ),
        );
      }
      continue;
    }
    if (!h.engine.isActive(u)) continue; // users of a disabled unit: reported once per unit below
    if (direct.length) continue;
    const teamRoles = h.viaTeams(u);
    if (!teamRoles.length) {
      out.push(
        finding(
          'user-without-role',
          'medium',
          `${user.name} holds no security role`,
          `${user.name} is enabled but holds no role, directly or through a team. Dataverse refuses sign-in to a user without at least one security role, so the account is either unused or broken.`,
          [user],
          `Assign ${user.name} a role (Basic User at least), or disable the account if it is no longer used.`,
        ),
      );
    } else {
      const teams = [...new Set(teamRoles.map((g) => g.team))];
      const roles = [...new Set(teamRoles.map((g) => g.role))];
      out.push(
        finding(
          'user-access-only-through-teams',
          'info',
          `${user.name} has access only through teams`,
          `${user.name} holds no role directly; every privilege comes from ${nameList(roles.map((r) => h.roleName(r)))} held by ${nameList(teams.map((t) => h.team(t).name))}. Leaving a team silently removes access, and roles used for persona mapping or app access must often be held directly.`,
          [user, ...teams.map((t) => h.team(t)), ...roles.map((r) => h.role(r))],
          `Confirm the team-based access is intended; assign a direct role (Basic User at least) if the user must keep signing in when team membership changes.`,
          user.id,
        ),
      );
    }
  }

  // Teams holding roles with no members (default teams are skipped: their units may simply be empty for now).
  const a = h.engine.assignments;
  for (let t = 0; t < p.teamIds.length; t++) {
    const team = state.teams.get(p.teamIds[t])!;
    if (team.isdefault || p.teamType[t] === 1) continue;
    const n = a.teamRoles.start[t + 1] - a.teamRoles.start[t];
    if (!n || p.teamMembers.start[t + 1] > p.teamMembers.start[t]) continue;
    const roles = [...new Set(Array.from(a.teamRoles.role.subarray(a.teamRoles.start[t], a.teamRoles.start[t + 1])))];
    const obj = h.team(t);
    out.push(
      finding(
        'empty-team-with-roles',
        'low',
        `Team ${obj.name} holds roles but has no members`,
        `${obj.name} holds ${nameList(roles.map((r) => h.roleName(r)))} and has no members. Anyone added later gets those privileges at once, which is easy to miss in a review.`,
        [obj, ...roles.map((r) => h.role(r))],
        `Remove the roles from ${obj.name}, or delete the team if it is no longer used.`,
        obj.id,
      ),
    );
  }

  // Disabled units with enabled users (in the unit or below it): those users cannot sign in.
  const tree = p.tree;
  const enabledByPos = new Int32Array(tree.ids.length + 1);
  for (let u = 0; u < p.userIds.length; u++) if (!p.userDisabled[u] && p.userUnit[u] >= 0) enabledByPos[tree.tin[p.userUnit[u]] + 1]++;
  for (let i = 0; i < tree.ids.length; i++) enabledByPos[i + 1] += enabledByPos[i];
  for (let x = 0; x < tree.ids.length; x++) {
    if (!state.businessunits.get(tree.ids[x])!.isdisabled) continue;
    const n = enabledByPos[tree.tout[x]] - enabledByPos[tree.tin[x]];
    if (!n) continue;
    const users: number[] = [];
    for (let u = 0; u < p.userIds.length; u++) {
      const unit = p.userUnit[u];
      if (!p.userDisabled[u] && unit >= 0 && tree.tin[unit] >= tree.tin[x] && tree.tin[unit] < tree.tout[x]) users.push(u);
    }
    const unit = h.unit(x);
    out.push(
      finding(
        'disabled-unit-with-active-users',
        'medium',
        `Disabled business unit ${unit.name} has ${n} enabled user(s)`,
        `${unit.name} is disabled, so ${nameList(users.map((u) => h.user(u).name))} (enabled, in the unit or below it) cannot sign in, although their accounts and roles look active elsewhere.`,
        [unit, ...users.map((u) => h.user(u))],
        `Move the users to an enabled unit (their roles are removed by the move and must be reassigned), or disable the users.`,
        unit.id,
      ),
    );
  }
  return out;
}
