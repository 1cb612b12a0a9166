import type { CommandOf } from './schema';
import type { Draft } from './draft';
import { isRefusal, refuse, requireNewId, sameName, unitOrRefusal, type Outcome } from './context';
import { userOrRefusal } from './users';
import { pairKey, TEAM_TYPE_NAMES, type Id, type Team } from '../model/org';
import type { Refusal } from '../result';

export function teamOrRefusal(d: Draft, id: Id, field = 'teamid'): Team | Refusal {
  return d.get('teams', id) ?? refuse('not-found', `team ${id} does not exist`, field);
}

function nameTaken(d: Draft, businessunitid: Id, name: string, except?: Id): boolean {
  for (const t of d.table('teams').values()) {
    if (t.teamid !== except && t.businessunitid === businessunitid && sameName(t.name, name)) return true;
  }
  return false;
}

export function createTeam(d: Draft, c: CommandOf<'createTeam'>): Outcome {
  const bad = requireNewId(d, c.teamid, 'teamid');
  if (bad) return bad;
  const bu = unitOrRefusal(d, c.businessunitid);
  if (isRefusal(bu)) return bu;
  if (nameTaken(d, bu.businessunitid, c.name)) return refuse('duplicate-name', `${bu.name} already has a team named "${c.name}"`, 'name');
  if (c.administratorid) {
    const admin = userOrRefusal(d, c.administratorid, 'administratorid');
    if (isRefusal(admin)) return admin;
  }
  const team: Team = { teamid: c.teamid!, name: c.name, teamtype: c.teamtype, businessunitid: bu.businessunitid, administratorid: c.administratorid ?? null, isdefault: false };
  d.put('teams', team.teamid, team);
  return `Created ${TEAM_TYPE_NAMES[team.teamtype].toLowerCase()} team ${team.name} in ${bu.name}`;
}

export function updateTeam(d: Draft, c: CommandOf<'updateTeam'>): Outcome {
  const team = teamOrRefusal(d, c.teamid);
  if (isRefusal(team)) return team;
  if (c.name !== undefined && c.name !== team.name) {
    if (team.isdefault) return refuse('default-team', `the default team of a business unit is named after it; rename the unit instead`, 'name');
    if (nameTaken(d, team.businessunitid, c.name, team.teamid)) return refuse('duplicate-name', `the unit already has a team named "${c.name}"`, 'name');
  }
  if (c.administratorid) {
    const admin = userOrRefusal(d, c.administratorid, 'administratorid');
    if (isRefusal(admin)) return admin;
  }
  const next: Team = { ...team, name: c.name ?? team.name, administratorid: c.administratorid === undefined ? team.administratorid : c.administratorid };
  if (next.name === team.name && next.administratorid === team.administratorid) return `Team ${team.name} unchanged`;
  d.put('teams', team.teamid, next);
  return `Updated team ${next.name}`;
}

export function deleteTeam(d: Draft, c: CommandOf<'deleteTeam'>): Outcome {
  const team = teamOrRefusal(d, c.teamid);
  if (isRefusal(team)) return team;
  if (team.isdefault) return refuse('default-team', `${team.name} is the default team of its business unit and goes only with the unit`, 'teamid');
  let owned = 0;
  for (const r of d.table('records').values()) if (r.ownerid === team.teamid) owned++;
  for (const r of d.table('recordcounts').values()) if (r.ownerid === team.teamid) owned += r.count;
  if (owned) return refuse('in-use', `team ${team.name} owns ${owned} record(s); assign them to another owner first`, 'teamid');
  for (const [key, m] of d.table('teammembership')) if (m.teamid === team.teamid) d.delete('teammembership', key);
  for (const [key, a] of d.table('teamroles')) if (a.teamid === team.teamid) d.delete('teamroles', key);
  for (const [key, p] of d.table('teamprofiles')) if (p.teamid === team.teamid) d.delete('teamprofiles', key);
  for (const [key, s] of d.table('shares')) if (s.principalid === team.teamid) d.delete('shares', key);
  d.delete('teams', team.teamid);
  return `Deleted team ${team.name}`;
}

function memberCommandProblem(d: Draft, c: { teamid: Id; systemuserid: Id }): Refusal | { team: Team; name: string } {
  const team = teamOrRefusal(d, c.teamid);
  if (isRefusal(team)) return team;
  const user = userOrRefusal(d, c.systemuserid);
  if (isRefusal(user)) return user;
  if (team.isdefault) return refuse('default-team', `members of ${team.name} (a default team) are always exactly the users of its business unit`, 'teamid');
  return { team, name: user.fullname };
}

export function addTeamMember(d: Draft, c: CommandOf<'addTeamMember'>): Outcome {
  const r = memberCommandProblem(d, c);
  if ('code' in r) return r;
  const key = pairKey(c.teamid, c.systemuserid);
  if (d.get('teammembership', key)) return `${r.name} is already a member of ${r.team.name}`;
  d.put('teammembership', key, { teamid: c.teamid, systemuserid: c.systemuserid });
  return `Added ${r.name} to team ${r.team.name}`;
}

export function removeTeamMember(d: Draft, c: CommandOf<'removeTeamMember'>): Outcome {
  const r = memberCommandProblem(d, c);
  if ('code' in r) return r;
  const key = pairKey(c.teamid, c.systemuserid);
  if (!d.get('teammembership', key)) return refuse('not-found', `${r.name} is not a member of ${r.team.name}`, 'systemuserid');
  d.delete('teammembership', key);
  return `Removed ${r.name} from team ${r.team.name}`;
}
