import type { Catalog } from '../catalog/catalog';
import { depthLevel } from '../model/depth';
import type { Id, OrgState, Role } from '../model/org';
import { memoByRefs } from './memo';
import type { Principals } from './principals';

/** Roles numbered densely. Kept as the same object while the set of roles is unchanged, so privilege edits don't renumber. */
export interface RoleNumbering {
  readonly ids: readonly Id[];
  readonly index: ReadonlyMap<Id, number>;
}

/**
 * Each role's privileges as one level (0 None .. 4 Global) per catalog privilege, and the same
 * packed four bits a privilege as cumulative masks (level L = L low bits set), so the union of
 * roles is a bitwise OR.
 */
export interface RoleTable extends RoleNumbering {
  readonly numbering: RoleNumbering;
  readonly levels: readonly Uint8Array[];
  readonly packed: readonly Uint32Array[];
  /** Per role, the words of its packed row that are not zero: a role holds a few hundred of the catalog's thousands of privileges. */
  readonly nonzero: readonly Uint32Array[];
  /** Packed words up to the last one any role sets: a union of roles never reaches past it. */
  readonly span: number;
  readonly inherited: Uint8Array;
}

/** Words of a packed privilege row: eight privileges per 32-bit word. */
export const packedWords = (privileges: number): number => Math.ceil(privileges / 8);
export const packedLevel = (packed: Uint32Array, privilege: number): number => {
  const word = privilege >>> 3;
  // Rows of effective levels end at the roles' span: past it, nothing is held.
  if (word >= packed.length) return 0;
  const nibble = (packed[word] >>> ((privilege & 7) << 2)) & 15;
  return nibble === 0 ? 0 : 32 - Math.clz32(nibble);
};

let lastNumbering: RoleNumbering = { ids: [], index: new Map() };
function numberingOf(roles: ReadonlyMap<Id, Role>): RoleNumbering {
  const prev = lastNumbering;
  if (prev.ids.length === roles.size) {
    let i = 0;
    let same = true;
    for (const id of roles.keys()) if (prev.ids[i++] !== id) { same = false; break; }
    if (same) return prev;
  }
  const ids = [...roles.keys()];
  const index = new Map<Id, number>();
  ids.forEach((id, i) => index.set(id, i));
  lastNumbering = { ids, index };
  return lastNumbering;
}

/** A role's rows, cached per role object: an edit replaces one role, and the others' rows are reused. */
const rowsOf = memoByRefs((role: Role, catalog: Catalog): { levels: Uint8Array; packed: Uint32Array; nonzero: Uint32Array } => {
  const P = catalog.privileges.length;
  const levels = new Uint8Array(P);
  const packed = new Uint32Array(packedWords(P));
  for (const [name, depth] of Object.entries(role.privileges)) {
    const def = catalog.privilege(name);
    if (!def) continue;
    const l = depthLevel(depth);
    levels[def.index] = l;
    packed[def.index >>> 3] |= ((1 << l) - 1) << ((def.index & 7) << 2);
  }
  let n = 0;
  for (let i = 0; i < packed.length; i++) if (packed[i]) n++;
  const nonzero = new Uint32Array(n);
  for (let i = 0, k = 0; i < packed.length; i++) if (packed[i]) nonzero[k++] = i;
  return { levels, packed, nonzero };
});

let lastInherited = new Uint8Array(0);

export const roleTableOf = memoByRefs((roles: ReadonlyMap<Id, Role>, catalog: Catalog): RoleTable => {
  const numbering = numberingOf(roles);
  const { ids, index } = numbering;
  let inherited = new Uint8Array(ids.length);
  const packed = new Array<Uint32Array>(ids.length);
  const nonzero = new Array<Uint32Array>(ids.length);
  const levels = new Array<Uint8Array>(ids.length);
  ids.forEach((id, i) => {
    const role = roles.get(id)!;
    inherited[i] = role.isinherited;
    const rows = rowsOf(role, catalog);
    levels[i] = rows.levels;
    packed[i] = rows.packed;
    nonzero[i] = rows.nonzero;
  });
  // Same flags, same object: grants (which depend on them) can then be reused across states.
  if (lastInherited.length === inherited.length && lastInherited.every((v, i) => v === inherited[i])) inherited = lastInherited;
  else lastInherited = inherited;
  let span = 0;
  for (const nz of nonzero) if (nz.length) span = Math.max(span, nz[nz.length - 1] + 1);
  return { numbering, ids, index, levels, packed, nonzero, span, inherited };
});

/** Role assignments: (role, scope unit) rows per user and per team, in compressed rows. */
export interface AssignmentRows {
  readonly start: Int32Array;
  readonly role: Int32Array;
  readonly scope: Int32Array;
}

export interface Assignments {
  readonly userRoles: AssignmentRows;
  readonly teamRoles: AssignmentRows;
  /** Users and teams holding each role directly. */
  readonly roleUsers: readonly Int32Array[];
  readonly roleTeams: readonly Int32Array[];
}

function rowsFor(n: number, who: number[], role: number[], scope: number[]): AssignmentRows {
  const start = new Int32Array(n + 1);
  for (const w of who) start[w + 1]++;
  for (let k = 0; k < n; k++) start[k + 1] += start[k];
  const fill = start.slice(0, n);
  const r = new Int32Array(who.length);
  const s = new Int32Array(who.length);
  for (let i = 0; i < who.length; i++) {
    const at = fill[who[i]]++;
    r[at] = role[i];
    s[at] = scope[i];
  }
  return { start, role: r, scope: s };
}

function holders(nRoles: number, who: number[], role: number[]): Int32Array[] {
  const lists: number[][] = Array.from({ length: nRoles }, () => []);
  for (let i = 0; i < who.length; i++) lists[role[i]].push(who[i]);
  return lists.map((l) => Int32Array.from(new Set(l)));
}

export const assignmentsOf = memoByRefs(
  (userRoleRows: OrgState['systemuserroles'], teamRoleRows: OrgState['teamroles'], p: Principals, roles: RoleNumbering): Assignments => {
    const uw: number[] = [];
    const ur: number[] = [];
    const us: number[] = [];
    for (const a of userRoleRows.values()) {
      const who = p.userIndex.get(a.systemuserid);
      const role = roles.index.get(a.roleid);
      if (who === undefined || role === undefined) continue;
      const scope = a.businessunitid === null ? p.userUnit[who] : (p.tree.index.get(a.businessunitid) ?? -1);
      if (scope < 0) continue;
      uw.push(who);
      ur.push(role);
      us.push(scope);
    }
    const tw: number[] = [];
    const tr: number[] = [];
    const ts: number[] = [];
    for (const a of teamRoleRows.values()) {
      const who = p.teamIndex.get(a.teamid);
      const role = roles.index.get(a.roleid);
      if (who === undefined || role === undefined) continue;
      const scope = a.businessunitid === null ? p.teamUnit[who] : (p.tree.index.get(a.businessunitid) ?? -1);
      if (scope < 0) continue;
      tw.push(who);
      tr.push(role);
      ts.push(scope);
    }
    return {
      userRoles: rowsFor(p.userIds.length, uw, ur, us),
      teamRoles: rowsFor(p.teamIds.length, tw, tr, ts),
      roleUsers: holders(roles.ids.length, uw, ur),
      roleTeams: holders(roles.ids.length, tw, tr),
    };
  },
);
