import { privilegesAsWritten } from '../catalog/catalog';
import type { CommandOf } from './schema';
import type { Draft } from './draft';
import { isRefusal, listNames, refuse, requireNewId, roleAvailableIn, sameName, unitOrRefusal, type HandlerContext, type Outcome } from './context';
import { userOrRefusal } from './users';
import { teamOrRefusal } from './teams';
import type { Id, Role } from '../model/org';
import type { Refusal } from '../result';

export function roleOrRefusal(d: Draft, id: Id): Role | Refusal {
  return d.get('roles', id) ?? refuse('not-found', `role ${id} does not exist`, 'roleid');
}

function rootUnit(d: Draft): Id | undefined {
  for (const bu of d.table('businessunits').values()) if (bu.parentbusinessunitid === null) return bu.businessunitid;
  return undefined;
}

function nameTaken(d: Draft, businessunitid: Id, name: string, except?: Id): boolean {
  for (const r of d.table('roles').values()) if (r.roleid !== except && r.businessunitid === businessunitid && sameName(r.name, name)) return true;
  return false;
}

export function createRole(d: Draft, c: CommandOf<'createRole'>, ctx: HandlerContext): Outcome {
  const bad = requireNewId(d, c.roleid, 'roleid');
  if (bad) return bad;
  const unitId = c.businessunitid ?? rootUnit(d);
  if (!unitId) return refuse('not-found', 'the organization has no root business unit yet', 'businessunitid');
  const bu = unitOrRefusal(d, unitId);
  if (isRefusal(bu)) return bu;
  if (nameTaken(d, bu.businessunitid, c.name)) return refuse('duplicate-name', `${bu.name} already has a role named "${c.name}"`, 'name');
  const privileges = privilegesAsWritten(ctx.catalog, c.privileges ?? {});
  if (!privileges.ok) return privileges.error;
  const role: Role = { roleid: c.roleid!, name: c.name, businessunitid: bu.businessunitid, isinherited: c.isinherited ?? 1, privileges: privileges.value, ...(c.description ? { description: c.description } : {}) };
  d.put('roles', role.roleid, role);
  return `Created role ${role.name} in ${bu.name}`;
}

export function updateRole(d: Draft, c: CommandOf<'updateRole'>): Outcome {
  const role = roleOrRefusal(d, c.roleid);
  if (isRefusal(role)) return role;
  if (c.name !== undefined && c.name !== role.name && nameTaken(d, role.businessunitid, c.name, role.roleid)) {
    return refuse('duplicate-name', `the unit already has a role named "${c.name}"`, 'name');
  }
  const next: Role = {
    ...role,
    name: c.name ?? role.name,
    isinherited: c.isinherited ?? role.isinherited,
    ...(c.description === undefined ? {} : { description: c.description ?? undefined }),
  };
  if (next.name === role.name && next.isinherited === role.isinherited && next.description === role.description) return `Role ${role.name} unchanged`;
  d.put('roles', role.roleid, next);
  return `Updated role ${next.name}`;
}

/** Who holds a role, directly or as a team, by display name. */
export function roleHolders(d: Draft, roleid: Id): string[] {
  const names: string[] = [];
  for (const a of d.table('systemuserroles').values()) if (a.roleid === roleid) names.push(d.get('systemusers', a.systemuserid)?.fullname ?? a.systemuserid);
  for (const a of d.table('teamroles').values()) if (a.roleid === roleid) names.push(`team ${d.get('teams', a.teamid)?.name ?? a.teamid}`);
  return names;
}

export function deleteRole(d: Draft, c: CommandOf<'deleteRole'>): Outcome {
  const role = roleOrRefusal(d, c.roleid);
  if (isRefusal(role)) return role;
  const holders = roleHolders(d, role.roleid);
  if (holders.length) return refuse('in-use', `role ${role.name} is held by ${holders.length} principal(s): ${listNames(holders)}; remove it from them first`, 'roleid');
  d.delete('roles', role.roleid);
  return `Deleted role ${role.name}`;
}

/**
 * One cell of the role editor: held to the organization's catalog, which knows every privilege a
 * role of the organization holds (unverified ones allow every depth).
 */
export function setRolePrivilege(d: Draft, c: CommandOf<'setRolePrivilege'>, ctx: HandlerContext): Outcome {
  const role = roleOrRefusal(d, c.roleid);
  if (isRefusal(role)) return role;
  const def = ctx.catalog.lookup(c.privilege);
  if (!def) return refuse('not-found', `unknown privilege "${c.privilege}"`, 'privilege');
  if (c.depth !== null) {
    const problem = ctx.catalog.depthProblem(def.name, c.depth);
    if (problem) return refuse('invalid-depth', problem, 'depth');
  }
  const current = role.privileges[def.name] ?? null;
  if (current === c.depth) return `${role.name}: ${def.name} already ${c.depth ?? 'None'}`;
  const privileges = { ...role.privileges };
  if (c.depth === null) delete privileges[def.name];
  else privileges[def.name] = c.depth;
  d.put('roles', role.roleid, { ...role, privileges });
  return `${role.name}: ${def.name} ${current ?? 'None'} → ${c.depth ?? 'None'}`;
}

/** Dataverse's ReplacePrivilegesRole: the role's whole privilege set, as an export holds it (see privilegesAsWritten). */
export function replaceRolePrivileges(d: Draft, c: CommandOf<'replaceRolePrivileges'>, ctx: HandlerContext): Outcome {
  const role = roleOrRefusal(d, c.roleid);
  if (isRefusal(role)) return role;
  const privileges = privilegesAsWritten(ctx.catalog, c.privileges);
  if (!privileges.ok) return privileges.error;
  const before = role.privileges;
  const changed = new Set([...Object.keys(before), ...Object.keys(privileges.value)].filter((n) => before[n] !== privileges.value[n])).size;
  if (!changed) return `${role.name}: privileges unchanged`;
  d.put('roles', role.roleid, { ...role, privileges: privileges.value });
  return `${role.name}: ${changed} privilege${changed === 1 ? '' : 's'} replaced`;
}

type AssignCommand = CommandOf<'assignRole'> | CommandOf<'removeRole'>;

/** The principal, its unit, and the key prefix of its rows, for assignRole/removeRole. */
function principalOf(d: Draft, c: AssignCommand): Refusal | { kind: 'user' | 'team'; id: Id; name: string; unit: Id; accessTeam: boolean } {
  if (c.systemuserid !== undefined) {
    const u = userOrRefusal(d, c.systemuserid);
    if (isRefusal(u)) return u;
    return { kind: 'user', id: u.systemuserid, name: u.fullname, unit: u.businessunitid, accessTeam: false };
  }
  const t = teamOrRefusal(d, c.teamid!);
  if (isRefusal(t)) return t;
  return { kind: 'team', id: t.teamid, name: `team ${t.name}`, unit: t.businessunitid, accessTeam: t.teamtype === 1 };
}

export const assignmentKey = (principalId: Id, roleid: Id, scope: Id | null): string => `${principalId}|${roleid}|${scope ?? ''}`;

export function assignRole(d: Draft, c: CommandOf<'assignRole'>): Outcome {
  const p = principalOf(d, c);
  if ('code' in p) return p;
  const role = roleOrRefusal(d, c.roleid);
  if (isRefusal(role)) return role;
  if (p.accessTeam) return refuse('access-team', `${p.name} is an access team; access teams hold no security roles`, 'teamid');
  const scopeId = c.businessunitid ?? p.unit;
  const scope = unitOrRefusal(d, scopeId);
  if (isRefusal(scope)) return scope;
  if (!roleAvailableIn(d, role, scopeId)) {
    const owner = d.get('businessunits', role.businessunitid)?.name ?? role.businessunitid;
    return refuse('unavailable', `role ${role.name} belongs to ${owner} and is not available in ${scope.name}`, 'roleid');
  }
  // A row scoped to the principal's own unit is stored unscoped, so it follows Dataverse's default.
  const stored = scopeId === p.unit ? null : scopeId;
  const key = assignmentKey(p.id, role.roleid, stored);
  const where = stored ? ` in ${scope.name}` : '';
  if (p.kind === 'user') {
    if (d.get('systemuserroles', key)) return `${p.name} already holds ${role.name}${where}`;
    d.put('systemuserroles', key, { systemuserid: p.id, roleid: role.roleid, businessunitid: stored });
  } else {
    if (d.get('teamroles', key)) return `${p.name} already holds ${role.name}${where}`;
    d.put('teamroles', key, { teamid: p.id, roleid: role.roleid, businessunitid: stored });
  }
  return `Assigned ${role.name}${where} to ${p.name}`;
}

export function removeRole(d: Draft, c: CommandOf<'removeRole'>): Outcome {
  const p = principalOf(d, c);
  if ('code' in p) return p;
  const role = roleOrRefusal(d, c.roleid);
  if (isRefusal(role)) return role;
  const table = p.kind === 'user' ? 'systemuserroles' : 'teamroles';
  const keys: string[] = [];
  if (c.businessunitid !== undefined) {
    const stored = c.businessunitid === p.unit ? null : c.businessunitid;
    const key = assignmentKey(p.id, role.roleid, stored);
    if (d.get(table, key)) keys.push(key);
  } else {
    const prefix = `${p.id}|${role.roleid}|`;
    for (const key of d.table(table).keys()) if (key.startsWith(prefix)) keys.push(key);
  }
  if (!keys.length) return refuse('not-found', `${p.name} does not hold role ${role.name}`, 'roleid');
  for (const key of keys) d.delete(table, key);
  return `Removed ${role.name} from ${p.name}`;
}
