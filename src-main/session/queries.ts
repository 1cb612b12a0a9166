import type { ParsedRequestOf, ResponseOf } from '../bridge/contract';
import { catalogFor, type PrivilegeDef } from '../core/catalog/catalog';
import { RIGHTS } from '../core/model/accessRights';
import type { Depth } from '../core/model/depth';
import type { Id, OrgState, Role, SystemUser, Team } from '../core/model/org';
import { byName, directReports, memberships, rolesByTeam, rolesByUser, teamMemberCount, teamMemberIds, teamsByName, usersByName } from './indexes';

/**
 * What each screen shows, computed in main from the open organization: the renderer asks for a
 * page or one item, never for the whole state.
 */

export class NotFound extends Error {
  constructor(
    readonly what: string,
    readonly id: string,
  ) {
    super(`${what} ${id} does not exist`);
  }
}

const unitName = (s: OrgState, id: Id | null) => (id === null ? null : (s.businessunits.get(id)?.name ?? null));

function userRow(s: OrgState, u: SystemUser): ResponseOf<'users:list'>['rows'][number] {
  return {
    systemuserid: u.systemuserid,
    fullname: u.fullname,
    domainname: u.domainname,
    businessunitid: u.businessunitid,
    businessunitname: unitName(s, u.businessunitid) ?? u.businessunitid,
    isdisabled: u.isdisabled,
    managername: u.parentsystemuserid ? (s.systemusers.get(u.parentsystemuserid)?.fullname ?? null) : null,
  };
}

export function listUsers(s: OrgState, q: ParsedRequestOf<'users:list'>): ResponseOf<'users:list'> {
  const { list, text } = usersByName(s.systemusers);
  const needle = q.query.trim().toLowerCase();
  const team = q.teamid ? s.teams.get(q.teamid) : undefined;
  const teamMembers = team && !team.isdefault ? new Set(memberships(s.teammembership).byTeam.get(team.teamid) ?? []) : null;
  const userRoles = q.roleid ? rolesByUser(s.systemuserroles) : null;
  const matches: number[] = [];
  for (let i = 0; i < list.length; i++) {
    const u = list[i];
    if (needle && !text[i].includes(needle)) continue;
    if (q.businessunitid && u.businessunitid !== q.businessunitid) continue;
    if (q.status === 'enabled' && u.isdisabled) continue;
    if (q.status === 'disabled' && !u.isdisabled) continue;
    if (q.teamid) {
      if (!team) continue;
      if (team.isdefault ? u.businessunitid !== team.businessunitid : !teamMembers!.has(u.systemuserid)) continue;
    }
    if (userRoles && !(userRoles.get(u.systemuserid) ?? []).includes(q.roleid!)) continue;
    matches.push(i);
  }
  const rows = matches.slice(q.offset, q.offset + q.limit).map((i) => userRow(s, list[i]));
  return { total: matches.length, offset: q.offset, rows };
}

function heldRole(s: OrgState, roleid: Id, scope: Id | null) {
  return { roleid, name: s.roles.get(roleid)?.name ?? roleid, businessunitid: scope, businessunitname: unitName(s, scope) };
}

export function userDetail(s: OrgState, id: Id): ResponseOf<'users:detail'> {
  const u = s.systemusers.get(id);
  if (!u) throw new NotFound('user', id);
  const roles = [...s.systemuserroles.values()].filter((a) => a.systemuserid === id).map((a) => heldRole(s, a.roleid, a.businessunitid));
  const teamIds = memberships(s.teammembership).byUser.get(id) ?? [];
  const teams: Team[] = teamIds.map((t) => s.teams.get(t)).filter((t): t is Team => !!t);
  const dflt = [...s.teams.values()].find((t) => t.isdefault && t.businessunitid === u.businessunitid);
  if (dflt) teams.unshift(dflt);
  const teamroles = teams.flatMap((t) =>
    [...s.teamroles.values()].filter((a) => a.teamid === t.teamid).map((a) => ({ ...heldRole(s, a.roleid, a.businessunitid ?? t.businessunitid), teamid: t.teamid, teamname: t.name })),
  );
  const profiles = [...s.systemuserprofiles.values()].filter((p) => p.systemuserid === id).map((p) => ({ id: p.fieldsecurityprofileid, name: s.fieldsecurityprofiles.get(p.fieldsecurityprofileid)?.name ?? p.fieldsecurityprofileid }));
  return {
    user: { ...userRow(s, u), internalemailaddress: u.internalemailaddress, parentsystemuserid: u.parentsystemuserid },
    roles: roles.sort((a, b) => byName(a.name, b.name)),
    teamroles,
    teams: teams.map((t) => ({ id: t.teamid, name: t.name, isdefault: t.isdefault })),
    directreports: directReports(s.systemusers).get(id) ?? 0,
    fieldsecurityprofiles: profiles,
  };
}

/** Dataverse removes every role a user holds directly when the user changes unit. */
export function moveImpact(s: OrgState, q: ParsedRequestOf<'users:moveImpact'>): ResponseOf<'users:moveImpact'> {
  const held = rolesByUser(s.systemuserroles);
  const counts = new Map<string, number>();
  let users = 0;
  for (const id of q.systemuserids) {
    const u = s.systemusers.get(id);
    if (!u || u.businessunitid === q.businessunitid) continue;
    users++;
    for (const r of new Set(held.get(id) ?? [])) {
      const name = s.roles.get(r)?.name ?? r;
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
  }
  return { users, roles: [...counts].map(([name, holders]) => ({ name, holders })).sort((a, b) => byName(a.name, b.name)) };
}

function teamRow(s: OrgState, t: Team): ResponseOf<'teams:list'>['rows'][number] {
  return {
    teamid: t.teamid,
    name: t.name,
    teamtype: t.teamtype,
    businessunitid: t.businessunitid,
    businessunitname: unitName(s, t.businessunitid) ?? t.businessunitid,
    isdefault: t.isdefault,
    members: teamMemberCount(s, t),
    administratorname: t.administratorid ? (s.systemusers.get(t.administratorid)?.fullname ?? null) : null,
    roles: rolesByTeam(s.teamroles).get(t.teamid)?.length ?? 0,
  };
}

export function listTeams(s: OrgState, q: ParsedRequestOf<'teams:list'>): ResponseOf<'teams:list'> {
  const needle = q.query.trim().toLowerCase();
  const all = teamsByName(s.teams).filter((t) => (q.teamtype === undefined || t.teamtype === q.teamtype) && (!needle || t.name.toLowerCase().includes(needle)));
  return { total: all.length, offset: q.offset, rows: all.slice(q.offset, q.offset + q.limit).map((t) => teamRow(s, t)) };
}

const MEMBERS_SHOWN = 500;

export function teamDetail(s: OrgState, id: Id): ResponseOf<'teams:detail'> {
  const t = s.teams.get(id);
  if (!t) throw new NotFound('team', id);
  const members = teamMemberIds(s, t)
    .map((m) => s.systemusers.get(m))
    .filter((u): u is SystemUser => !!u)
    .sort((a, b) => byName(a.fullname, b.fullname))
    .slice(0, MEMBERS_SHOWN)
    .map((u) => ({ id: u.systemuserid, name: u.fullname, isdisabled: u.isdisabled }));
  const roles = [...s.teamroles.values()].filter((a) => a.teamid === id).map((a) => heldRole(s, a.roleid, a.businessunitid));
  const profiles = [...s.teamprofiles.values()].filter((p) => p.teamid === id).map((p) => ({ id: p.fieldsecurityprofileid, name: s.fieldsecurityprofiles.get(p.fieldsecurityprofileid)?.name ?? p.fieldsecurityprofileid }));
  return { team: { ...teamRow(s, t), administratorid: t.administratorid }, members, roles: roles.sort((a, b) => byName(a.name, b.name)), fieldsecurityprofiles: profiles };
}

function roleInfo(s: OrgState, r: Role): ResponseOf<'roles:matrix'>['role'] {
  return { roleid: r.roleid, name: r.name, businessunitid: r.businessunitid, businessunitname: unitName(s, r.businessunitid) ?? r.businessunitid, isinherited: r.isinherited, description: r.description ?? null };
}

function roleOrThrow(s: OrgState, id: Id): Role {
  const r = s.roles.get(id);
  if (!r) throw new NotFound('role', id);
  return r;
}

/**
 * The role editor: one tab per catalog group, a row per table with a cell per right, then the
 * group's miscellaneous privileges. With `saved` (the applied state, `s` then being the staged
 * one) each cell a staged change moves also carries its applied depth.
 */
export function roleMatrix(s: OrgState, id: Id, saved?: OrgState): ResponseOf<'roles:matrix'> {
  const role = roleOrThrow(s, id);
  // A role created by the staged set has no applied privileges: every granted cell is staged.
  const before = saved ? (saved.roles.get(id)?.privileges ?? {}) : null;
  const depthOf = (name: string) => {
    const depth = role.privileges[name] ?? null;
    const was = before ? (before[name] ?? null) : depth;
    return was === depth ? { depth } : { depth, saved: was };
  };
  const catalog = catalogFor(s);
  const groups = new Map<string, ResponseOf<'roles:matrix'>['groups'][number]>();
  const group = (name: string) => {
    let g = groups.get(name);
    if (!g) groups.set(name, (g = { group: name, entities: [], miscellaneous: [] }));
    return g;
  };
  const cell = (p: PrivilegeDef | undefined) => (p ? { name: p.name, depths: [...p.depths], ...depthOf(p.name), status: p.status } : null);
  for (const e of catalog.entities.values()) {
    group(e.group).entities.push({ logicalname: e.logicalname, displayname: e.displayname, cells: RIGHTS.map((r) => cell(catalog.privilegeFor(e.logicalname, r))) });
  }
  for (const p of catalog.privileges) {
    if (p.accessright !== null) continue;
    group(p.group).miscellaneous.push({ name: p.name, displayname: p.displayname, depths: [...p.depths], ...depthOf(p.name), status: p.status });
  }
  for (const g of groups.values()) g.entities.sort((a, b) => byName(a.displayname, b.displayname));
  return { role: roleInfo(s, role), rights: [...RIGHTS], groups: [...groups.values()] };
}

/** Two roles side by side; with `saved` (the organization as applied), the staged depths are marked with the applied ones. */
export function compareRoles(s: OrgState, leftId: Id, rightId: Id, saved?: OrgState): ResponseOf<'roles:compare'> {
  const left = roleOrThrow(s, leftId);
  const right = roleOrThrow(s, rightId);
  // A role created by the staged set has no applied privileges.
  const was = (id: Id) => (saved ? (saved.roles.get(id)?.privileges ?? {}) : null);
  const [leftWas, rightWas] = [was(leftId), was(rightId)];
  const side = (key: 'Left' | 'Right', now: Depth | null, before: Readonly<Record<string, Depth>> | null, name: string) => {
    const applied = before ? (before[name] ?? null) : now;
    return applied === now ? {} : { [`saved${key}`]: applied };
  };
  const catalog = catalogFor(s);
  const rows = catalog.privileges
    .filter((p) => left.privileges[p.name] || right.privileges[p.name] || leftWas?.[p.name] || rightWas?.[p.name])
    .map((p) => {
      const [l, r] = [left.privileges[p.name] ?? null, right.privileges[p.name] ?? null];
      return { name: p.name, displayname: p.displayname, group: p.group, left: l, right: r, ...side('Left', l, leftWas, p.name), ...side('Right', r, rightWas, p.name) };
    });
  return { left: roleInfo(s, left), right: roleInfo(s, right), rows };
}

const USAGE_SHOWN = 500;

/** Who holds a role directly; with `saved` (the organization as applied), holders the staged set adds or removes are marked. */
export function roleUsage(s: OrgState, id: Id, saved?: OrgState): ResponseOf<'roles:usage'> {
  roleOrThrow(s, id);
  const holders = (o: OrgState) => ({
    users: new Set([...o.systemuserroles.values()].filter((a) => a.roleid === id).map((a) => a.systemuserid)),
    teams: new Set([...o.teamroles.values()].filter((a) => a.roleid === id).map((a) => a.teamid)),
  });
  const now = holders(s);
  const before = saved ? holders(saved) : now;
  const staged = (holder: Id, kind: 'users' | 'teams') => (now[kind].has(holder) ? (before[kind].has(holder) ? {} : { staged: 'added' as const }) : { staged: 'removed' as const });
  // Holders the staged set removes are still listed (from the applied organization), marked.
  const userIds = [...new Set([...now.users, ...before.users])];
  const teamIds = [...new Set([...now.teams, ...before.teams])];
  const users = userIds
    .map((u) => s.systemusers.get(u) ?? saved?.systemusers.get(u))
    .filter((u): u is SystemUser => !!u)
    .sort((a, b) => byName(a.fullname, b.fullname))
    .slice(0, USAGE_SHOWN)
    .map((u) => ({ id: u.systemuserid, name: u.fullname, businessunitname: unitName(s, u.businessunitid), isdisabled: u.isdisabled, ...staged(u.systemuserid, 'users') }));
  const teams = teamIds
    .map((t) => s.teams.get(t) ?? saved?.teams.get(t))
    .filter((t): t is Team => !!t)
    .sort((a, b) => byName(a.name, b.name))
    .slice(0, USAGE_SHOWN)
    .map((t) => ({ id: t.teamid, name: t.name, teamtype: t.teamtype, businessunitname: unitName(s, t.businessunitid) ?? t.businessunitid, ...staged(t.teamid, 'teams') }));
  return { users, teams, totalusers: now.users.size, totalteams: now.teams.size };
}

export function listFieldProfiles(s: OrgState): ResponseOf<'fieldSecurity:list'> {
  const users = new Map<Id, number>();
  const teams = new Map<Id, number>();
  for (const p of s.systemuserprofiles.values()) users.set(p.fieldsecurityprofileid, (users.get(p.fieldsecurityprofileid) ?? 0) + 1);
  for (const p of s.teamprofiles.values()) teams.set(p.fieldsecurityprofileid, (teams.get(p.fieldsecurityprofileid) ?? 0) + 1);
  const rows = [...s.fieldsecurityprofiles.values()]
    .sort((a, b) => byName(a.name, b.name))
    .map((p) => ({ fieldsecurityprofileid: p.fieldsecurityprofileid, name: p.name, description: p.description, columns: p.fieldpermissions.length, users: users.get(p.fieldsecurityprofileid) ?? 0, teams: teams.get(p.fieldsecurityprofileid) ?? 0 }));
  return { rows };
}

export function fieldProfileDetail(s: OrgState, id: Id): ResponseOf<'fieldSecurity:detail'> {
  const p = s.fieldsecurityprofiles.get(id);
  if (!p) throw new NotFound('field security profile', id);
  const row = listFieldProfiles(s).rows.find((r) => r.fieldsecurityprofileid === id)!;
  const catalog = catalogFor(s);
  const columns: ResponseOf<'fieldSecurity:detail'>['columns'] = [];
  const seen = new Set<string>();
  const perm = new Map(p.fieldpermissions.map((f) => [`${f.entityname}.${f.attributelogicalname}`, f]));
  for (const e of catalog.entities.values()) {
    for (const a of e.securedattributes) {
      const key = `${e.logicalname}.${a}`;
      seen.add(key);
      const f = perm.get(key);
      columns.push({ entityname: e.logicalname, entitydisplayname: e.displayname, attributelogicalname: a, canread: f?.canread ?? 0, cancreate: f?.cancreate ?? 0, canupdate: f?.canupdate ?? 0, set: !!f });
    }
  }
  // Permissions on columns the catalog does not mark as secured (imported ones) are still shown.
  for (const f of p.fieldpermissions) {
    if (seen.has(`${f.entityname}.${f.attributelogicalname}`)) continue;
    columns.push({ ...f, entitydisplayname: catalog.entities.get(f.entityname)?.displayname ?? f.entityname, set: true });
  }
  const users = [...s.systemuserprofiles.values()].filter((x) => x.fieldsecurityprofileid === id).map((x) => ({ id: x.systemuserid, name: s.systemusers.get(x.systemuserid)?.fullname ?? x.systemuserid }));
  const teams = [...s.teamprofiles.values()].filter((x) => x.fieldsecurityprofileid === id).map((x) => ({ id: x.teamid, name: s.teams.get(x.teamid)?.name ?? x.teamid }));
  return { profile: row, columns, users: users.sort((a, b) => byName(a.name, b.name)), teams: teams.sort((a, b) => byName(a.name, b.name)) };
}

/** Ctrl+K: names of units, users, teams, roles, profiles and tables; prefix matches first. */
export function searchEverything(s: OrgState, q: ParsedRequestOf<'search:everything'>): ResponseOf<'search:everything'> {
  const needle = q.query.trim().toLowerCase();
  type Hit = ResponseOf<'search:everything'>['hits'][number] & { rank: number };
  const hits: Hit[] = [];
  const consider = (kind: Hit['kind'], id: string, name: string, detail: string, also = '') => {
    const n = name.toLowerCase();
    const at = n.indexOf(needle);
    if (at < 0 && !(also && also.toLowerCase().includes(needle))) return;
    hits.push({ kind, id, name, detail, rank: at === 0 ? 0 : at > 0 ? 1 : 2 });
  };
  for (const b of s.businessunits.values()) consider('businessunit', b.businessunitid, b.name, b.parentbusinessunitid ? `in ${unitName(s, b.parentbusinessunitid)}` : 'root business unit');
  const { list, text } = usersByName(s.systemusers);
  let userHits = 0;
  for (let i = 0; i < list.length && userHits < q.limit; i++) {
    if (!text[i].includes(needle)) continue;
    userHits++;
    const u = list[i];
    consider('user', u.systemuserid, u.fullname, `${u.domainname} · ${unitName(s, u.businessunitid) ?? ''}`, text[i]);
  }
  for (const t of s.teams.values()) consider('team', t.teamid, t.name, `${t.isdefault ? 'default team' : 'team'} of ${unitName(s, t.businessunitid) ?? ''}`);
  for (const r of s.roles.values()) consider('role', r.roleid, r.name, 'security role');
  for (const p of s.fieldsecurityprofiles.values()) consider('fieldsecurityprofile', p.fieldsecurityprofileid, p.name, 'field security profile');
  for (const e of catalogFor(s).entities.values()) consider('entity', e.logicalname, e.displayname, `table · ${e.group} tab`, e.logicalname);
  const order = ['businessunit', 'user', 'team', 'role', 'fieldsecurityprofile', 'entity'];
  hits.sort((a, b) => a.rank - b.rank || order.indexOf(a.kind) - order.indexOf(b.kind) || byName(a.name, b.name));
  return { hits: hits.slice(0, q.limit).map(({ rank: _rank, ...h }) => h) };
}

export function catalogGroups(s: OrgState): ResponseOf<'catalog:groups'> {
  const catalog = catalogFor(s);
  const groups = new Map<string, { group: string; entities: number; miscellaneous: number }>();
  const g = (name: string) => groups.get(name) ?? (groups.set(name, { group: name, entities: 0, miscellaneous: 0 }), groups.get(name)!);
  for (const e of catalog.entities.values()) g(e.group).entities++;
  for (const p of catalog.privileges) if (p.accessright === null) g(p.group).miscellaneous++;
  return { groups: [...groups.values()] };
}

