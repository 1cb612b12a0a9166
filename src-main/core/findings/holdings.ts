import { AccessEngine } from '../access/engine';
import type { Id, OrgState } from '../model/org';
import type { FindingObject } from './types';

/**
 * Who holds which role, directly and through teams, in role numbers of the engine. Access teams
 * hold no roles in Dataverse, so they are skipped as the engine skips them.
 */
export interface Holdings {
  readonly engine: AccessEngine;
  /** Roles a user holds directly (deduplicated). */
  direct(u: number): readonly number[];
  /** Roles a user holds through a team, with the team: [role, team] pairs flattened. */
  viaTeams(u: number): readonly { role: number; team: number }[];
  /** Role numbers by name (case-insensitive); several roles may share a name. */
  rolesNamed(name: string): readonly number[];
  user(u: number): FindingObject;
  team(t: number): FindingObject;
  role(r: number): FindingObject;
  unit(x: number): FindingObject;
  roleName(r: number): string;
}

const byState = new WeakMap<OrgState, Holdings>();

export function holdingsOf(state: OrgState): Holdings {
  const cached = byState.get(state);
  if (cached) return cached;
  const engine = AccessEngine.of(state);
  const p = engine.principals;
  const a = engine.assignments;
  const ids = engine.roles.ids;
  const names = new Map<string, number[]>();
  ids.forEach((id, r) => {
    const key = state.roles.get(id)!.name.toLowerCase();
    const list = names.get(key);
    if (list) list.push(r);
    else names.set(key, [r]);
  });
  const h: Holdings = {
    engine,
    direct(u) {
      const out: number[] = [];
      for (let j = a.userRoles.start[u]; j < a.userRoles.start[u + 1]; j++) if (!out.includes(a.userRoles.role[j])) out.push(a.userRoles.role[j]);
      return out;
    },
    viaTeams(u) {
      const out: { role: number; team: number }[] = [];
      for (let k = p.userTeams.start[u]; k < p.userTeams.start[u + 1]; k++) {
        const t = p.userTeams.list[k];
        if (p.teamType[t] === 1) continue;
        for (let j = a.teamRoles.start[t]; j < a.teamRoles.start[t + 1]; j++) out.push({ role: a.teamRoles.role[j], team: t });
      }
      return out;
    },
    rolesNamed: (name) => names.get(name.toLowerCase()) ?? [],
    user: (u) => ({ table: 'systemuser', id: p.userIds[u], name: state.systemusers.get(p.userIds[u])?.fullname ?? p.userIds[u] }),
    team: (t) => ({ table: 'team', id: p.teamIds[t], name: state.teams.get(p.teamIds[t])?.name ?? p.teamIds[t] }),
    role: (r) => ({ table: 'role', id: ids[r], name: state.roles.get(ids[r])?.name ?? ids[r] }),
    unit: (x) => ({ table: 'businessunit', id: p.tree.ids[x], name: state.businessunits.get(p.tree.ids[x])?.name ?? p.tree.ids[x] }),
    roleName: (r) => state.roles.get(ids[r])?.name ?? ids[r],
  };
  byState.set(state, h);
  return h;
}

export const idOf = (o: FindingObject): Id => o.id;
