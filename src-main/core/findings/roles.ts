import { packedLevel } from '../access/roleTable';
import type { EntityDef } from '../catalog/catalog';
import { depthOfLevel } from '../model/depth';
import type { OrgState } from '../model/org';
import { holdingsOf, type Holdings } from './holdings';
import { finding, nameList, type Finding, type FindingObject } from './types';

/** Role-editor groups whose user-owned tables hold customer data. */
export const CUSTOMER_DATA_GROUPS: readonly string[] = ['Core Records', 'Sales', 'Service', 'Marketing', 'Service Management', 'Custom Entities'];
/** User-owned tables in those groups that are the user's own settings rather than customer data. */
const NOT_CUSTOMER_DATA = new Set(['userquery', 'report', 'equipment', 'calendar']);

export interface RoleFindingOptions {
  /** Roles allowed to hold Global Delete, Assign or Share (by name, case-insensitive). Default: System Administrator and any "... administrator" role. */
  readonly adminRoles?: readonly string[];
  /** Near duplicates: roles differing in at most this many privileges. Default 3. */
  readonly nearDuplicateMax?: number;
}

export const isCustomerData = (e: EntityDef): boolean => e.ownership === 'UserOwned' && CUSTOMER_DATA_GROUPS.includes(e.group) && !NOT_CUSTOMER_DATA.has(e.logicalname);

function isAdminRole(name: string, adminRoles: readonly string[] | undefined): boolean {
  if (adminRoles) return adminRoles.some((a) => a.toLowerCase() === name.toLowerCase());
  return /^system administrator$/i.test(name) || /\badministrator$/i.test(name);
}

/** Active users holding each role (directly or through a team), counted once per user. */
export function activeHolderCounts(h: Holdings): Int32Array {
  const e = h.engine;
  const g = e.grantRows;
  const nu = e.principals.userIds.length;
  const counts = new Int32Array(e.roles.ids.length);
  const seen = new Int32Array(e.roles.ids.length).fill(-1);
  for (let u = 0; u < nu; u++) {
    if (!e.isActive(u)) continue;
    for (let k = g.start[u]; k < g.start[u + 1]; k++) {
      const r = g.role[k];
      if (seen[r] !== u) {
        seen[r] = u;
        counts[r]++;
      }
    }
  }
  return counts;
}

export function roleFindings(state: OrgState, options: RoleFindingOptions = {}): Finding[] {
  const h = holdingsOf(state);
  const e = h.engine;
  const out: Finding[] = [];
  const holders = activeHolderCounts(h);

  // Global Delete / Assign / Share on customer data outside administrator roles.
  const broad = e.catalog.privileges.filter(
    (p) => (p.accessright === 'Delete' || p.accessright === 'Assign' || p.accessright === 'Share') && p.entities.some((n) => isCustomerData(e.catalog.entities.get(n)!)),
  );
  for (let r = 0; r < e.roles.ids.length; r++) {
    const name = h.roleName(r);
    if (isAdminRole(name, options.adminRoles)) continue;
    const levels = e.roles.levels[r];
    const held = broad.filter((p) => levels[p.index] === 4);
    if (!held.length) continue;
    const role = h.role(r);
    const n = holders[r];
    out.push(
      finding(
        'global-destructive-rights',
        n ? 'high' : 'medium',
        `${name} grants Global ${[...new Set(held.map((p) => p.accessright))].join('/')} on customer data`,
        `${name} is not an administrator role but grants ${nameList(held.map((p) => p.displayname), 8)} at Global (Organization): whoever holds it can delete, reassign or share every such record in the organization. ${n ? `${n} enabled user(s) hold it, directly or through teams.` : 'No enabled user holds it today.'}`,
        [role, ...held.map((p): FindingObject => ({ table: 'privilege', id: p.name, name: p.displayname }))],
        `Lower these privileges to Deep or Local in ${name}, or move them to a dedicated administrator role held by few users.`,
        role.id,
      ),
    );
  }

  // Roles nobody holds: not assigned to any user, nor to any team that has members.
  const a = e.assignments;
  const p = e.principals;
  for (let r = 0; r < e.roles.ids.length; r++) {
    if (a.roleUsers[r].length) continue;
    let used = false;
    for (const t of a.roleTeams[r]) if (p.teamMembers.start[t + 1] > p.teamMembers.start[t]) used = true;
    if (used) continue;
    const role = h.role(r);
    out.push(
      finding(
        'unused-role',
        'info',
        `No one holds ${role.name}`,
        `${role.name} is assigned to no user and to no team with members${a.roleTeams[r].length ? ' (only to empty teams)' : ''}. Unused roles clutter reviews and may be assigned later without anyone re-checking what they grant.`,
        [role],
        `Delete ${role.name} if it is no longer needed, or note what it is kept for.`,
      ),
    );
  }

  out.push(...nearDuplicates(state, h, options.nearDuplicateMax ?? 3));
  return out;
}

/** Privileges (by index) whose depths differ between two packed rows. */
function differing(a: Uint32Array, b: Uint32Array, P: number): number[] {
  const out: number[] = [];
  for (let w = 0; w < a.length; w++) {
    if (a[w] === b[w]) continue;
    for (let i = 0; i < 8; i++) {
      const idx = w * 8 + i;
      if (idx < P && ((a[w] ^ b[w]) >>> (i * 4)) & 15) out.push(idx);
    }
  }
  return out;
}

/** Nibbles that differ between two packed rows, stopping once above max. */
function diffCount(a: Uint32Array, b: Uint32Array, max: number): number {
  let n = 0;
  for (let w = 0; w < a.length; w++) {
    let x = a[w] ^ b[w];
    if (!x) continue;
    x = (x | (x >>> 1) | (x >>> 2) | (x >>> 3)) & 0x11111111;
    x = x + (x >>> 4);
    x = x + (x >>> 8);
    x = x + (x >>> 16);
    n += x & 0xf;
    if (n > max) return n;
  }
  return n;
}

/**
 * Pairs of roles whose privileges differ in at most `max` privileges. Roles are sorted by how
 * many privileges they hold: two roles whose counts differ by more than max cannot qualify, so
 * each role is compared only with a window of its neighbours.
 */
function nearDuplicates(state: OrgState, h: Holdings, max: number): Finding[] {
  const e = h.engine;
  const P = e.catalog.privileges.length;
  const R = e.roles.ids.length;
  const count = new Int32Array(R);
  for (let r = 0; r < R; r++) {
    const l = e.roles.levels[r];
    let c = 0;
    for (let i = 0; i < P; i++) if (l[i]) c++;
    count[r] = c;
  }
  const order = Array.from({ length: R }, (_, i) => i).sort((x, y) => count[x] - count[y] || x - y);
  const out: Finding[] = [];
  for (let i = 0; i < R; i++) {
    const a = order[i];
    for (let j = i + 1; j < R && count[order[j]] - count[a] <= max; j++) {
      const b = order[j];
      if (diffCount(e.roles.packed[a], e.roles.packed[b], max) > max) continue;
      const [x, y] = h.role(a).id < h.role(b).id ? [a, b] : [b, a];
      const diffs = differing(e.roles.packed[x], e.roles.packed[y], P);
      const rx = h.role(x);
      const ry = h.role(y);
      const describe = (idx: number) => {
        const def = e.catalog.privileges[idx];
        const dx = depthOfLevel(packedLevel(e.roles.packed[x], idx)) ?? 'None';
        const dy = depthOfLevel(packedLevel(e.roles.packed[y], idx)) ?? 'None';
        return `${def.displayname} (${dx} in ${rx.name}, ${dy} in ${ry.name})`;
      };
      out.push(
        finding(
          'near-duplicate-roles',
          'low',
          diffs.length ? `${rx.name} and ${ry.name} differ in only ${diffs.length} privilege(s)` : `${rx.name} and ${ry.name} grant identical privileges`,
          diffs.length
            ? `The two roles are the same except for ${nameList(diffs.map(describe), 5)}. Near copies drift apart over time and make access reviews harder.`
            : `The two roles grant exactly the same privileges at the same depths${state.roles.get(rx.id)!.isinherited !== state.roles.get(ry.id)!.isinherited ? ' (they differ only in member privilege inheritance)' : ''}.`,
          [rx, ry],
          `Merge the roles if the difference is not deliberate, or document why both are needed.`,
        ),
      );
    }
  }
  return out;
}
