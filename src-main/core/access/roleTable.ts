import type { Catalog } from '../catalog/catalog';
import { depthLevel } from '../model/depth';
import type { Id, OrgState, Role } from '../model/org';
import { memoByRefs } from './memo';
import type { Principals } from './principals';

/** Each role's privileges as one level (0 None .. 4 Global) per catalog privilege. */
export interface RoleTable {
  readonly ids: readonly Id[];
  readonly index: ReadonlyMap<Id, number>;
  readonly levels: readonly Uint8Array[];
  readonly inherited: Uint8Array;
}

export const roleTableOf = memoByRefs((roles: ReadonlyMap<Id, Role>, catalog: Catalog): RoleTable => {
  const ids = [...roles.keys()];
  const index = new Map<Id, number>();
  const P = catalog.privileges.length;
  const inherited = new Uint8Array(ids.length);
  const levels = ids.map((id, i) => {
    index.set(id, i);
    const role = roles.get(id)!;
    inherited[i] = role.isinherited;
    const row = new Uint8Array(P);
    for (const [name, depth] of Object.entries(role.privileges)) {
      const def = catalog.privilege(name);
      if (def) row[def.index] = depthLevel(depth);
    }
    return row;
  });
  return { ids, index, levels, inherited };
});

/** Role assignments as flat (role, scope unit) pairs per user and per team. */
export interface Assignments {
  readonly userRoles: readonly Int32Array[];
  readonly teamRoles: readonly Int32Array[];
  /** Users and teams holding each role directly. */
  readonly roleUsers: readonly Int32Array[];
  readonly roleTeams: readonly Int32Array[];
}

function collect(n: number, rows: { who: number; role: number; scope: number }[]): Int32Array[] {
  const sizes = new Int32Array(n);
  for (const r of rows) sizes[r.who] += 2;
  const out = Array.from({ length: n }, (_, k) => new Int32Array(sizes[k]));
  const fill = new Int32Array(n);
  for (const r of rows) {
    out[r.who][fill[r.who]++] = r.role;
    out[r.who][fill[r.who]++] = r.scope;
  }
  return out;
}

function holders(nRoles: number, rows: { who: number; role: number }[]): Int32Array[] {
  const lists: number[][] = Array.from({ length: nRoles }, () => []);
  for (const r of rows) lists[r.role].push(r.who);
  return lists.map((l) => Int32Array.from(new Set(l)));
}

export const assignmentsOf = memoByRefs(
  (userRoleRows: OrgState['systemuserroles'], teamRoleRows: OrgState['teamroles'], p: Principals, roles: RoleTable): Assignments => {
    const u: { who: number; role: number; scope: number }[] = [];
    for (const a of userRoleRows.values()) {
      const who = p.userIndex.get(a.systemuserid);
      const role = roles.index.get(a.roleid);
      if (who === undefined || role === undefined) continue;
      const scope = a.businessunitid === null ? p.userUnit[who] : (p.tree.index.get(a.businessunitid) ?? -1);
      if (scope >= 0) u.push({ who, role, scope });
    }
    const t: { who: number; role: number; scope: number }[] = [];
    for (const a of teamRoleRows.values()) {
      const who = p.teamIndex.get(a.teamid);
      const role = roles.index.get(a.roleid);
      if (who === undefined || role === undefined) continue;
      const scope = a.businessunitid === null ? p.teamUnit[who] : (p.tree.index.get(a.businessunitid) ?? -1);
      if (scope >= 0) t.push({ who, role, scope });
    }
    return {
      userRoles: collect(p.userIds.length, u),
      teamRoles: collect(p.teamIds.length, t),
      roleUsers: holders(roles.ids.length, u),
      roleTeams: holders(roles.ids.length, t),
    };
  },
);
