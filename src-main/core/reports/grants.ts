import type { AccessEngine } from '../access/engine';
import type { OrgState } from '../model/org';

/**
 * How a user holds a grant, as a short label: "Salesperson (direct)", "Salesperson (team Key
 * Accounts)". Labels are cached per role and team, since the same few repeat across thousands of users.
 */
export function grantLabeller(state: OrgState, engine: AccessEngine): (grant: number) => string {
  const g = engine.grantRows;
  const cache = new Map<number, string>();
  const roleNames = engine.roles.ids.map((id) => state.roles.get(id)?.name ?? id);
  const R = roleNames.length;
  return (k) => {
    const team = g.team[k];
    const key = (team + 1) * R + g.role[k];
    let label = cache.get(key);
    if (label === undefined) {
      const role = roleNames[g.role[k]];
      label = team < 0 ? `${role} (direct)` : `${role} (team ${state.teams.get(engine.principals.teamIds[team])?.name ?? engine.principals.teamIds[team]})`;
      cache.set(key, label);
    }
    return label;
  };
}

/** Each role's privileges as a sparse list: indexes and levels of the privileges it grants. */
export function sparseRoles(engine: AccessEngine): { readonly index: Int32Array; readonly level: Uint8Array }[] {
  return engine.roles.levels.map((levels) => {
    let n = 0;
    for (let i = 0; i < levels.length; i++) if (levels[i]) n++;
    const index = new Int32Array(n);
    const level = new Uint8Array(n);
    for (let i = 0, k = 0; i < levels.length; i++) if (levels[i]) {
      index[k] = i;
      level[k++] = levels[i];
    }
    return { index, level };
  });
}
