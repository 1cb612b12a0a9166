import type { z } from 'zod';
import { isPlainRecord, isPlainShare, orgFileShapeSchema, recordSchema, shareSchema, type OrgFile } from './schema';
import { catalogFor, privilegesAsWritten } from '../catalog/catalog';
import { SHAREABLE_MASK } from '../model/accessRights';
import { pairKey, type BusinessUnit, type CustomEntity, type Id, type OrgState, type RecordCount, type Role, type SystemUser, type Team } from '../model/org';
import { assignmentKey } from '../commands/roles';
import { refusalFromZod, type Refusal, type Result } from '../result';

class Invalid extends Error {
  constructor(readonly path: string, message: string) {
    super(message);
  }
}
const fail = (path: string, message: string): never => {
  throw new Invalid(path, `${path}: ${message}`);
};

/**
 * Reads an interchange file into a state: the shape first (zod), then every cross-table rule of
 * the model. A bad file is refused with the path of the first bad value; nothing is half-loaded.
 */
export function fromInterchange(input: unknown): Result<OrgState> {
  const parsed = orgFileShapeSchema.safeParse(input);
  if (!parsed.success) return { ok: false, error: refusalFromZod(parsed.error, '', 'invalid-file') };
  try {
    const records = parsed.data.records.map((r, i) => (isPlainRecord(r) ? r : rowOf(recordSchema, r, `records[${i}]`)));
    const shares = parsed.data.shares.map((r, i) => (isPlainShare(r) ? r : rowOf(shareSchema, r, `shares[${i}]`)));
    return { ok: true, value: build({ ...parsed.data, records, shares }) };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, error: { code: 'invalid-file', message: e.message, path: e.path } satisfies Refusal };
    throw e;
  }
}

/** A row the fast check did not accept, parsed (and refused, with the path) by its schema. */
function rowOf<S extends z.ZodType>(schema: S, row: unknown, path: string): z.output<S> {
  const r = schema.safeParse(row);
  if (!r.success) {
    const e = refusalFromZod(r.error, path, 'invalid-file');
    throw new Invalid(e.path ?? path, e.message.slice(e.message.indexOf(': ') + 2));
  }
  return r.data;
}

function build(f: OrgFile): OrgState {
  // Where each id was first met, as table + 8 × row: a path string per id cost a second on a million records.
  const TABLES = ['businessunits', 'systemusers', 'teams', 'roles', 'fieldsecurityprofiles', 'records'] as const;
  const used = new Map<Id, number>();
  const claim = (idv: Id, table: number, row: number) => {
    const prev = used.get(idv);
    if (prev !== undefined) fail(`${TABLES[table]}[${row}]`, `id ${idv} is already used at ${TABLES[prev % 8]}[${Math.floor(prev / 8)}]`);
    used.set(idv, table + 8 * row);
  };


  const entities = new Map<string, CustomEntity>();
  (f.entities ?? []).forEach((e, i) => {
    if (entities.has(e.logicalname)) fail(`entities[${i}].logicalname`, `table ${e.logicalname} is listed twice`);
    entities.set(e.logicalname, e);
  });
  const catalog = catalogFor({ entities, roles: new Map() });

  const businessunits = new Map<Id, BusinessUnit>();
  const unitNames = new Map<string, number>();
  f.businessunits.forEach((b, i) => {
    claim(b.businessunitid, 0, i);
    const key = b.name.toLowerCase();
    if (unitNames.has(key)) fail(`businessunits[${i}].name`, `a business unit named "${b.name}" already exists (businessunits[${unitNames.get(key)}])`);
    unitNames.set(key, i);
    businessunits.set(b.businessunitid, { businessunitid: b.businessunitid, name: b.name, parentbusinessunitid: b.parentbusinessunitid, isdisabled: b.isdisabled ?? false });
  });
  const roots = f.businessunits.map((b, i) => [b, i] as const).filter(([b]) => b.parentbusinessunitid === null);
  if (roots.length !== 1) fail('businessunits', roots.length === 0 ? 'there is no root business unit (one must have parentbusinessunitid null)' : `there are ${roots.length} root business units; exactly one is allowed`);
  if (roots[0][0].isdisabled) fail(`businessunits[${roots[0][1]}].isdisabled`, 'the root business unit cannot be disabled');
  f.businessunits.forEach((b, i) => {
    if (b.parentbusinessunitid !== null && !businessunits.has(b.parentbusinessunitid)) fail(`businessunits[${i}].parentbusinessunitid`, `business unit ${b.parentbusinessunitid} does not exist`);
  });
  // Every unit must reach the root: anything else is a cycle.
  const reaches = new Map<Id, boolean>();
  f.businessunits.forEach((b, i) => {
    const chain: Id[] = [];
    let cur: Id | null = b.businessunitid;
    while (cur !== null && !reaches.has(cur)) {
      if (chain.includes(cur)) fail(`businessunits[${i}].parentbusinessunitid`, `business unit ${b.name} is below itself (a cycle)`);
      chain.push(cur);
      cur = businessunits.get(cur)!.parentbusinessunitid;
    }
    for (const c of chain) reaches.set(c, true);
  });
  const unit = (idv: Id, path: string) => businessunits.get(idv) ?? fail(path, `business unit ${idv} does not exist`);
  const isAncestorOrSelf = (anc: Id, u: Id) => {
    for (let cur: Id | null = u; cur !== null; cur = businessunits.get(cur)!.parentbusinessunitid) if (cur === anc) return true;
    return false;
  };

  const systemusers = new Map<Id, SystemUser>();
  const domains = new Map<string, number>();
  f.systemusers.forEach((u, i) => {
    claim(u.systemuserid, 1, i);
    unit(u.businessunitid, `systemusers[${i}].businessunitid`);
    const key = u.domainname.toLowerCase();
    if (domains.has(key)) fail(`systemusers[${i}].domainname`, `domain name ${u.domainname} is already used by systemusers[${domains.get(key)}]`);
    domains.set(key, i);
    systemusers.set(u.systemuserid, {
      systemuserid: u.systemuserid,
      fullname: u.fullname,
      domainname: u.domainname,
      internalemailaddress: u.internalemailaddress ?? null,
      businessunitid: u.businessunitid,
      parentsystemuserid: u.parentsystemuserid ?? null,
      isdisabled: u.isdisabled ?? false,
    });
  });
  f.systemusers.forEach((u, i) => {
    if (!u.parentsystemuserid) return;
    if (!systemusers.has(u.parentsystemuserid)) fail(`systemusers[${i}].parentsystemuserid`, `manager ${u.parentsystemuserid} does not exist`);
    let cur: Id | null = u.parentsystemuserid;
    for (let steps = 0; cur !== null; steps++) {
      if (cur === u.systemuserid || steps > systemusers.size) fail(`systemusers[${i}].parentsystemuserid`, `${u.fullname} reports to themselves through the manager chain`);
      cur = systemusers.get(cur)!.parentsystemuserid;
    }
  });

  const teams = new Map<Id, Team>();
  const defaultOf = new Map<Id, Id>();
  f.teams.forEach((t, i) => {
    claim(t.teamid, 2, i);
    unit(t.businessunitid, `teams[${i}].businessunitid`);
    if (t.administratorid && !systemusers.has(t.administratorid)) fail(`teams[${i}].administratorid`, `user ${t.administratorid} does not exist`);
    if (t.isdefault) {
      if (t.teamtype !== 0) fail(`teams[${i}].teamtype`, 'a default team is an owner team (teamtype 0)');
      if (defaultOf.has(t.businessunitid)) fail(`teams[${i}].isdefault`, `business unit ${t.businessunitid} already has a default team`);
      defaultOf.set(t.businessunitid, t.teamid);
    }
    teams.set(t.teamid, { teamid: t.teamid, name: t.name, teamtype: t.teamtype, businessunitid: t.businessunitid, administratorid: t.administratorid ?? null, isdefault: t.isdefault ?? false });
  });
  f.businessunits.forEach((b, i) => {
    if (!defaultOf.has(b.businessunitid)) fail(`businessunits[${i}]`, `business unit ${b.name} has no default team (a team with isdefault true and businessunitid ${b.businessunitid})`);
  });

  const teammembership = new Map<string, { teamid: Id; systemuserid: Id }>();
  f.teammembership.forEach((m, i) => {
    const team = teams.get(m.teamid) ?? fail(`teammembership[${i}].teamid`, `team ${m.teamid} does not exist`);
    const user = systemusers.get(m.systemuserid) ?? fail(`teammembership[${i}].systemuserid`, `user ${m.systemuserid} does not exist`);
    if (team.isdefault) {
      // Default-team rows are derived from the users' units; a consistent row is accepted and dropped.
      if (user.businessunitid !== team.businessunitid) fail(`teammembership[${i}]`, `${user.fullname} is not in ${team.name}'s business unit, so cannot be in its default team`);
      return;
    }
    teammembership.set(pairKey(m.teamid, m.systemuserid), { teamid: m.teamid, systemuserid: m.systemuserid });
  });

  const roles = new Map<Id, Role>();
  const roleNames = new Set<string>();
  f.roles.forEach((r, i) => {
    claim(r.roleid, 3, i);
    unit(r.businessunitid, `roles[${i}].businessunitid`);
    const key = `${r.businessunitid}|${r.name.toLowerCase()}`;
    if (roleNames.has(key)) fail(`roles[${i}].name`, `the unit already has a role named "${r.name}"`);
    roleNames.add(key);
    const privileges = privilegesAsWritten(catalog, r.privileges, `roles[${i}].privileges`);
    if (!privileges.ok) fail(privileges.error.path!, privileges.error.message);
    else roles.set(r.roleid, { roleid: r.roleid, name: r.name, businessunitid: r.businessunitid, isinherited: r.isinherited ?? 1, privileges: privileges.value, ...(r.description ? { description: r.description } : {}) });
  });

  const scoped = (principalUnit: Id, scope: Id | null | undefined, role: Role, path: string): Id | null => {
    const s = scope ?? principalUnit;
    unit(s, `${path}.businessunitid`);
    if (!isAncestorOrSelf(role.businessunitid, s)) fail(`${path}.roleid`, `role ${role.name} is not available in business unit ${s}`);
    return s === principalUnit ? null : s;
  };
  const systemuserroles = new Map<string, { systemuserid: Id; roleid: Id; businessunitid: Id | null }>();
  f.systemuserroles.forEach((a, i) => {
    const user = systemusers.get(a.systemuserid) ?? fail(`systemuserroles[${i}].systemuserid`, `user ${a.systemuserid} does not exist`);
    const role = roles.get(a.roleid) ?? fail(`systemuserroles[${i}].roleid`, `role ${a.roleid} does not exist`);
    const s = scoped(user.businessunitid, a.businessunitid, role, `systemuserroles[${i}]`);
    systemuserroles.set(assignmentKey(a.systemuserid, a.roleid, s), { systemuserid: a.systemuserid, roleid: a.roleid, businessunitid: s });
  });
  const teamroles = new Map<string, { teamid: Id; roleid: Id; businessunitid: Id | null }>();
  f.teamroles.forEach((a, i) => {
    const team = teams.get(a.teamid) ?? fail(`teamroles[${i}].teamid`, `team ${a.teamid} does not exist`);
    if (team.teamtype === 1) fail(`teamroles[${i}].teamid`, `${team.name} is an access team; access teams hold no security roles`);
    const role = roles.get(a.roleid) ?? fail(`teamroles[${i}].roleid`, `role ${a.roleid} does not exist`);
    const s = scoped(team.businessunitid, a.businessunitid, role, `teamroles[${i}]`);
    teamroles.set(assignmentKey(a.teamid, a.roleid, s), { teamid: a.teamid, roleid: a.roleid, businessunitid: s });
  });

  const fieldsecurityprofiles = new Map<Id, OrgState['fieldsecurityprofiles'] extends ReadonlyMap<Id, infer P> ? P : never>();
  f.fieldsecurityprofiles.forEach((p, i) => {
    claim(p.fieldsecurityprofileid, 4, i);
    p.fieldpermissions.forEach((fpv, k) => {
      if (!catalog.entities.has(fpv.entityname)) fail(`fieldsecurityprofiles[${i}].fieldpermissions[${k}].entityname`, `unknown table "${fpv.entityname}"`);
    });
    fieldsecurityprofiles.set(p.fieldsecurityprofileid, { fieldsecurityprofileid: p.fieldsecurityprofileid, name: p.name, description: p.description ?? null, fieldpermissions: p.fieldpermissions });
  });
  const systemuserprofiles = new Map<string, { fieldsecurityprofileid: Id; systemuserid: Id }>();
  (f.systemuserprofiles ?? []).forEach((a, i) => {
    if (!fieldsecurityprofiles.has(a.fieldsecurityprofileid)) fail(`systemuserprofiles[${i}].fieldsecurityprofileid`, `field security profile ${a.fieldsecurityprofileid} does not exist`);
    if (!systemusers.has(a.systemuserid)) fail(`systemuserprofiles[${i}].systemuserid`, `user ${a.systemuserid} does not exist`);
    systemuserprofiles.set(pairKey(a.fieldsecurityprofileid, a.systemuserid), a);
  });
  const teamprofiles = new Map<string, { fieldsecurityprofileid: Id; teamid: Id }>();
  (f.teamprofiles ?? []).forEach((a, i) => {
    if (!fieldsecurityprofiles.has(a.fieldsecurityprofileid)) fail(`teamprofiles[${i}].fieldsecurityprofileid`, `field security profile ${a.fieldsecurityprofileid} does not exist`);
    if (!teams.has(a.teamid)) fail(`teamprofiles[${i}].teamid`, `team ${a.teamid} does not exist`);
    teamprofiles.set(pairKey(a.fieldsecurityprofileid, a.teamid), a);
  });

  const records = new Map<Id, { recordid: Id; entity: string; name: string | null; ownerid: Id }>();
  for (let i = 0; i < f.records.length; i++) {
    const r = f.records[i];
    // A million records: checked against the other tables' ids and each other without a map entry each in `used`.
    if (records.has(r.recordid)) fail(`records[${i}]`, `id ${r.recordid} is already used at another record`);
    if (used.has(r.recordid)) fail(`records[${i}]`, `id ${r.recordid} is already used at ${TABLES[used.get(r.recordid)! % 8]}[${Math.floor(used.get(r.recordid)! / 8)}]`);
    const entity = catalog.entities.get(r.entity) ?? fail(`records[${i}].entity`, `unknown table "${r.entity}"`);
    if (entity.ownership !== 'UserOwned') fail(`records[${i}].entity`, `${r.entity} is organization-owned; only records of user-owned tables are kept`);
    const owner = systemusers.get(r.ownerid) ?? teams.get(r.ownerid) ?? fail(`records[${i}].ownerid`, `owner ${r.ownerid} is neither a user nor a team`);
    if ('teamtype' in owner && owner.teamtype === 1) fail(`records[${i}].ownerid`, `${owner.name} is an access team; access teams cannot own records`);
    if (r.owningbusinessunit !== undefined && r.owningbusinessunit !== owner.businessunitid) {
      fail(`records[${i}].owningbusinessunit`, `must be the owner's business unit (${owner.businessunitid})`);
    }
    records.set(r.recordid, { recordid: r.recordid, entity: r.entity, name: r.name ?? null, ownerid: r.ownerid });
  }
  const shares = new Map<string, { recordid: Id; principalid: Id; accessrightsmask: number }>();
  f.shares.forEach((s, i) => {
    if (!records.has(s.recordid)) fail(`shares[${i}].recordid`, `record ${s.recordid} does not exist`);
    if (!systemusers.has(s.principalid) && !teams.has(s.principalid)) fail(`shares[${i}].principalid`, `principal ${s.principalid} is neither a user nor a team`);
    if (s.accessrightsmask & ~SHAREABLE_MASK) fail(`shares[${i}].accessrightsmask`, `${s.accessrightsmask} has bits that cannot be shared (allowed: ${SHAREABLE_MASK})`);
    shares.set(pairKey(s.recordid, s.principalid), { recordid: s.recordid, principalid: s.principalid, accessrightsmask: s.accessrightsmask });
  });

  const recordcounts = new Map<string, RecordCount>();
  (f.recordcounts ?? []).forEach((c, i) => {
    const entity = catalog.entities.get(c.entity) ?? fail(`recordcounts[${i}].entity`, `unknown table "${c.entity}"`);
    if (entity.ownership !== 'UserOwned') fail(`recordcounts[${i}].entity`, `${c.entity} is organization-owned; only records of user-owned tables are counted per owner`);
    const owner = systemusers.get(c.ownerid) ?? teams.get(c.ownerid) ?? fail(`recordcounts[${i}].ownerid`, `owner ${c.ownerid} is neither a user nor a team`);
    if ('teamtype' in owner && owner.teamtype === 1) fail(`recordcounts[${i}].ownerid`, `${owner.name} is an access team; access teams cannot own records`);
    if (!businessunits.has(c.owningbusinessunit)) fail(`recordcounts[${i}].owningbusinessunit`, `business unit ${c.owningbusinessunit} does not exist`);
    const key = pairKey(c.entity, c.ownerid);
    if (recordcounts.has(key)) fail(`recordcounts[${i}]`, `${c.entity} records of owner ${c.ownerid} are counted twice`);
    recordcounts.set(key, { entity: c.entity, ownerid: c.ownerid, owningbusinessunit: c.owningbusinessunit, count: c.count });
  });

  return {
    organization: { name: f.organization.name, hierarchysecurity: f.organization.hierarchysecurity ?? { enabled: false, depth: 3 } },
    entities,
    businessunits,
    systemusers,
    teams,
    teammembership,
    roles,
    systemuserroles,
    teamroles,
    fieldsecurityprofiles,
    systemuserprofiles,
    teamprofiles,
    records,
    recordcounts,
    shares,
  };
}
