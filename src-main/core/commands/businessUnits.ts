import type { CommandOf } from './schema';
import type { Draft } from './draft';
import { isRefusal, isAncestorOrSelf, listNames, refuse, requireNewId, roleAvailableIn, sameName, unitOrRefusal, type Outcome } from './context';
import { pairKey, type Id } from '../model/org';
import { assignmentKey } from './roles';

function nameTaken(d: Draft, name: string, except?: Id): boolean {
  for (const bu of d.table('businessunits').values()) if (bu.businessunitid !== except && sameName(bu.name, name)) return true;
  return false;
}

export function createBusinessUnit(d: Draft, c: CommandOf<'createBusinessUnit'>): Outcome {
  const bad = requireNewId(d, c.businessunitid, 'businessunitid') ?? requireNewId(d, c.defaultteamid, 'defaultteamid');
  if (bad) return bad;
  if (c.businessunitid === c.defaultteamid) return refuse('duplicate-id', 'defaultteamid must differ from businessunitid', 'defaultteamid');
  const parent = unitOrRefusal(d, c.parentbusinessunitid, 'parentbusinessunitid');
  if (isRefusal(parent)) return parent;
  if (parent.isdisabled) return refuse('disabled', `parent business unit ${parent.name} is disabled`, 'parentbusinessunitid');
  if (nameTaken(d, c.name)) return refuse('duplicate-name', `a business unit named "${c.name}" already exists`, 'name');
  const id = c.businessunitid!;
  d.put('businessunits', id, { businessunitid: id, name: c.name, parentbusinessunitid: parent.businessunitid, isdisabled: false });
  d.put('teams', c.defaultteamid!, { teamid: c.defaultteamid!, name: c.name, teamtype: 0, businessunitid: id, administratorid: null, isdefault: true });
  return `Created business unit ${c.name} under ${parent.name}`;
}

export function setDefaultTeamId(d: Draft, c: CommandOf<'setDefaultTeamId'>): Outcome {
  const bu = unitOrRefusal(d, c.businessunitid);
  if (isRefusal(bu)) return bu;
  const team = [...d.table('teams').values()].find((t) => t.isdefault && t.businessunitid === bu.businessunitid);
  if (!team) return refuse('not-found', `business unit ${bu.name} has no default team`, 'businessunitid');
  if (team.teamid === c.teamid) return `The default team of ${bu.name} already has id ${c.teamid}`;
  const bad = requireNewId(d, c.teamid, 'teamid');
  if (bad) return bad;
  const [from, to] = [team.teamid, c.teamid];
  d.delete('teams', from);
  d.put('teams', to, { ...team, teamid: to });
  // Every row naming the team names it by its new id; a default team has no membership rows (its members are its unit's users).
  for (const [key, a] of d.table('teamroles')) {
    if (a.teamid !== from) continue;
    d.delete('teamroles', key);
    d.put('teamroles', assignmentKey(to, a.roleid, a.businessunitid), { ...a, teamid: to });
  }
  for (const [key, p] of d.table('teamprofiles')) {
    if (p.teamid !== from) continue;
    d.delete('teamprofiles', key);
    d.put('teamprofiles', pairKey(p.fieldsecurityprofileid, to), { ...p, teamid: to });
  }
  for (const r of d.table('records').values()) if (r.ownerid === from) d.put('records', r.recordid, { ...r, ownerid: to });
  for (const [key, r] of d.table('recordcounts')) {
    if (r.ownerid !== from) continue;
    d.delete('recordcounts', key);
    d.put('recordcounts', pairKey(r.entity, to), { ...r, ownerid: to });
  }
  for (const [key, s] of d.table('shares')) {
    if (s.principalid !== from) continue;
    d.delete('shares', key);
    d.put('shares', pairKey(s.recordid, to), { ...s, principalid: to });
  }
  return `The default team of ${bu.name} takes the environment's id ${to} (was ${from})`;
}

export function updateBusinessUnit(d: Draft, c: CommandOf<'updateBusinessUnit'>): Outcome {
  const bu = unitOrRefusal(d, c.businessunitid);
  if (isRefusal(bu)) return bu;
  if (bu.name === c.name) return `Business unit ${bu.name} unchanged`;
  if (nameTaken(d, c.name, bu.businessunitid)) return refuse('duplicate-name', `a business unit named "${c.name}" already exists`, 'name');
  d.put('businessunits', bu.businessunitid, { ...bu, name: c.name });
  // Dataverse keeps the default team's name equal to its unit's.
  for (const team of d.table('teams').values()) {
    if (team.isdefault && team.businessunitid === bu.businessunitid) d.put('teams', team.teamid, { ...team, name: c.name });
  }
  return `Renamed business unit ${bu.name} to ${c.name}`;
}

export function moveBusinessUnit(d: Draft, c: CommandOf<'moveBusinessUnit'>): Outcome {
  const bu = unitOrRefusal(d, c.businessunitid);
  if (isRefusal(bu)) return bu;
  if (bu.parentbusinessunitid === null) return refuse('root', 'the root business unit cannot be moved', 'businessunitid');
  const parent = unitOrRefusal(d, c.parentbusinessunitid, 'parentbusinessunitid');
  if (isRefusal(parent)) return parent;
  if (isAncestorOrSelf(d, bu.businessunitid, parent.businessunitid)) {
    return refuse('cycle', `cannot move ${bu.name} under ${parent.name}: ${parent.businessunitid === bu.businessunitid ? 'a unit cannot be its own parent' : `${parent.name} is below ${bu.name}`}`, 'parentbusinessunitid');
  }
  if (bu.parentbusinessunitid === parent.businessunitid) return `${bu.name} is already under ${parent.name}`;
  d.put('businessunits', bu.businessunitid, { ...bu, parentbusinessunitid: parent.businessunitid });
  const removed = removeUnavailableAssignments(d, bu.businessunitid);
  return `Moved ${bu.name} under ${parent.name}` + (removed.length ? `; removed roles no longer available there: ${listNames(removed)}` : '');
}

/**
 * After a move, roles inherited from the old ancestors are no longer available below the moved unit;
 * Dataverse drops those assignments, and so do we (the summary names them).
 */
function removeUnavailableAssignments(d: Draft, movedUnit: Id): string[] {
  const removed: string[] = [];
  const users = d.table('systemusers');
  const teams = d.table('teams');
  for (const [key, a] of d.table('systemuserroles')) {
    const scope = a.businessunitid ?? users.get(a.systemuserid)?.businessunitid;
    const role = d.get('roles', a.roleid);
    if (scope && role && isAncestorOrSelf(d, movedUnit, scope) && !roleAvailableIn(d, role, scope)) {
      d.delete('systemuserroles', key);
      removed.push(`${role.name} from ${users.get(a.systemuserid)?.fullname ?? a.systemuserid}`);
    }
  }
  for (const [key, a] of d.table('teamroles')) {
    const scope = a.businessunitid ?? teams.get(a.teamid)?.businessunitid;
    const role = d.get('roles', a.roleid);
    if (scope && role && isAncestorOrSelf(d, movedUnit, scope) && !roleAvailableIn(d, role, scope)) {
      d.delete('teamroles', key);
      removed.push(`${role.name} from team ${teams.get(a.teamid)?.name ?? a.teamid}`);
    }
  }
  return removed;
}

export function setBusinessUnitDisabled(d: Draft, c: CommandOf<'setBusinessUnitDisabled'>): Outcome {
  const bu = unitOrRefusal(d, c.businessunitid);
  if (isRefusal(bu)) return bu;
  if (bu.parentbusinessunitid === null && c.isdisabled) return refuse('root', 'the root business unit cannot be disabled', 'businessunitid');
  if (bu.isdisabled === c.isdisabled) return `${bu.name} is already ${c.isdisabled ? 'disabled' : 'enabled'}`;
  d.put('businessunits', bu.businessunitid, { ...bu, isdisabled: c.isdisabled });
  return `${c.isdisabled ? 'Disabled' : 'Enabled'} business unit ${bu.name}`;
}

export function deleteBusinessUnit(d: Draft, c: CommandOf<'deleteBusinessUnit'>): Outcome {
  const bu = unitOrRefusal(d, c.businessunitid);
  if (isRefusal(bu)) return bu;
  const id = bu.businessunitid;
  const why = (reason: string) => refuse('in-use', `cannot delete ${bu.name}: ${reason}`, 'businessunitid');
  if (bu.parentbusinessunitid === null) return why('it is the root business unit');
  if (!bu.isdisabled) return why('only a disabled business unit can be deleted; disable it first');
  const children = [...d.table('businessunits').values()].filter((b) => b.parentbusinessunitid === id).map((b) => b.name);
  if (children.length) return why(`it has child business units (${listNames(children)})`);
  const users = [...d.table('systemusers').values()].filter((u) => u.businessunitid === id).map((u) => u.fullname);
  if (users.length) return why(`it has ${users.length} user(s) (${listNames(users)})`);
  const teams = [...d.table('teams').values()].filter((t) => t.businessunitid === id && !t.isdefault).map((t) => t.name);
  if (teams.length) return why(`it has ${teams.length} team(s) (${listNames(teams)})`);
  const roles = [...d.table('roles').values()].filter((r) => r.businessunitid === id);
  const roleIds = new Set(roles.map((r) => r.roleid));
  const held = [...d.table('systemuserroles').values(), ...d.table('teamroles').values()].filter(
    (a) => roleIds.has(a.roleid) || a.businessunitid === id,
  );
  if (held.length) return why(`${held.length} role assignment(s) use its roles or are scoped to it`);
  const unitTeams = new Set([...d.table('teams').values()].filter((t) => t.businessunitid === id).map((t) => t.teamid));
  let owned = [...d.table('records').values()].filter((r) => unitTeams.has(r.ownerid)).length;
  for (const r of d.table('recordcounts').values()) if (unitTeams.has(r.ownerid) || r.owningbusinessunit === id) owned += r.count;
  if (owned) return why(`its default team owns ${owned} record(s); assign them to another owner first`);
  for (const team of d.table('teams').values()) {
    if (team.businessunitid !== id) continue;
    // The default team's own roles go with it, as deleteTeam removes a team's roles.
    for (const [key, a] of d.table('teamroles')) if (a.teamid === team.teamid) d.delete('teamroles', key);
    for (const [key, tp] of d.table('teamprofiles')) if (tp.teamid === team.teamid) d.delete('teamprofiles', key);
    for (const [key, s] of d.table('shares')) if (s.principalid === team.teamid) d.delete('shares', key);
    d.delete('teams', team.teamid);
  }
  for (const r of roles) d.delete('roles', r.roleid);
  d.delete('businessunits', id);
  return `Deleted business unit ${bu.name}` + (roles.length ? ` and its roles ${listNames(roles.map((r) => r.name))}` : '');
}

