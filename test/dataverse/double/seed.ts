/**
 * A Dataverse environment's security tables, seeded from one of the project's organizations (the
 * demo organization or a synthetic one). Ids become GUIDs the way Dataverse keeps them; every role
 * gets a copy in each business unit under its own (parentrootroleid, parentroleid); privileges are
 * rows of the privilege table with GUID ids; a role's privileges are (privilege id, PrivilegeDepth).
 */
import { createHash } from 'node:crypto';
import { BUILTIN_CATALOG, catalogFor } from '../../../src-main/core/catalog/catalog';
import { ACCESS_RIGHT_MASK } from '../../../src-main/core/model/accessRights';
import { DEPTHS } from '../../../src-main/core/model/depth';
import type { OrgState } from '../../../src-main/core/model/org';
import type { RecordGroup } from './aggregate';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The model's id as a GUID: kept when it is one, otherwise derived from it (stable across runs). */
export function guidFor(id: string): string {
  if (GUID.test(id)) return id.toLowerCase();
  const h = createHash('sha1').update(`roleatlas:${id}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export type Row = Record<string, unknown>;

export interface PrivilegeRow {
  readonly privilegeid: string;
  readonly name: string;
  readonly accessright: number;
  readonly canbebasic: boolean;
  readonly canbelocal: boolean;
  readonly canbedeep: boolean;
  readonly canbeglobal: boolean;
  /** Logical names of the tables it governs (privilegeobjecttypecodes). */
  readonly tables: readonly string[];
}

export interface RootRole {
  readonly roleid: string;
  name: string;
  readonly businessunitid: string;
  isinherited: 0 | 1;
  description: string | null;
  versionnumber: number;
  /** privilegeid -> PrivilegeDepth 0 Basic, 1 Local, 2 Deep, 3 Global. */
  readonly privileges: Map<string, number>;
}

export interface Intersect {
  readonly set: string;
  readonly idField: string;
  readonly a: string;
  readonly b: string;
  readonly rows: Map<string, Row>;
  readonly byPair: Map<string, string>;
  /** The b side of each row by its a side (a user's roles, a team's members) without a scan of every row. */
  readonly byA: Map<string, Set<string>>;
  /** Bumped on every change, so a reader may keep what it built from the rows until the next one. */
  changes: number;
}

/** A table's definition as EntityDefinitions answers it. */
export interface TableDefinition {
  readonly LogicalName: string;
  readonly EntitySetName: string;
  readonly OwnershipType: 'UserOwned' | 'OrganizationOwned' | 'BusinessOwned' | 'None';
  /** Whether `Prefer: odata.track-changes` gives a delta link (EntityMetadata.ChangeTrackingEnabled). */
  readonly ChangeTrackingEnabled: boolean;
}

/**
 * The security tables this double tracks changes of. An environment says per table (the connector
 * asks EntityDefinitions); here business units, users and teams are tracked, and roles, privileges,
 * field security and the intersect tables are not, so a delta pull reads those in full.
 */
export const TRACKED_TABLES: Record<string, string> = { businessunit: 'businessunits', systemuser: 'systemusers', team: 'teams' };
const SECURITY_TABLES: Record<string, string> = { ...TRACKED_TABLES, role: 'roles', privilege: 'privileges', fieldsecurityprofile: 'fieldsecurityprofiles', fieldpermission: 'fieldpermissions', teammembership: 'teammemberships', systemuserroles: 'systemuserrolescollection', teamroles: 'teamrolescollection' };

/** Dataverse's entity set names of the common tables; other tables take the logical name plus "s", as custom tables do by default. */
const SET_NAMES: Record<string, string> = { opportunity: 'opportunities', incident: 'incidents', activitypointer: 'activitypointers', territory: 'territories', salesliterature: 'salesliterature', businessunit: 'businessunits', systemuser: 'systemusers', queue: 'queues' };
export const entitySetOf = (logicalname: string) => SET_NAMES[logicalname] ?? `${logicalname}s`;

export interface SeedData {
  readonly organizationid: string;
  /** Table definitions by logical name. */
  readonly tables: Map<string, TableDefinition>;
  /** Records per table, grouped per owner and owning unit (what FetchXML aggregates read). */
  readonly records: Map<string, Map<string, RecordGroup>>;
  readonly businessunits: Map<string, Row>;
  readonly systemusers: Map<string, Row>;
  readonly teams: Map<string, Row>;
  readonly fieldsecurityprofiles: Map<string, Row>;
  readonly fieldpermissions: Map<string, Row>;
  readonly privileges: Map<string, PrivilegeRow>;
  readonly roles: Map<string, RootRole>;
  readonly teammembership: Intersect;
  readonly systemuserroles: Intersect;
  readonly teamroles: Intersect;
  readonly systemuserprofiles: Intersect;
  readonly teamprofiles: Intersect;
}

export const intersect = (set: string, idField: string, a: string, b: string): Intersect => ({ set, idField, a, b, rows: new Map(), byPair: new Map(), byA: new Map(), changes: 0 });

export function addPair(t: Intersect, a: string, b: string, version: number): string | null {
  const pair = `${a}|${b}`;
  if (t.byPair.has(pair)) return null;
  const id = guidFor(`${t.set}:${pair}`);
  restorePair(t, { [t.idField]: id, [t.a]: a, [t.b]: b, versionnumber: version });
  return id;
}

/** Puts a row back as it was (an undo), in every index. */
export function restorePair(t: Intersect, row: Row): void {
  const a = row[t.a] as string;
  const b = row[t.b] as string;
  t.changes++;
  t.rows.set(row[t.idField] as string, row);
  t.byPair.set(`${a}|${b}`, row[t.idField] as string);
  (t.byA.get(a) ?? t.byA.set(a, new Set()).get(a)!).add(b);
}

export function removePair(t: Intersect, a: string, b: string): Row | null {
  const pair = `${a}|${b}`;
  const id = t.byPair.get(pair);
  if (!id) return null;
  const row = t.rows.get(id)!;
  t.changes++;
  t.rows.delete(id);
  t.byPair.delete(pair);
  t.byA.get(a)?.delete(b);
  return row;
}

export const privilegeIdOf = (name: string) => guidFor(`privilege:${name.toLowerCase()}`);

/** Dataverse's tables for an organization of the model; `version` numbers every row. */
export function seedFrom(state: OrgState, version: () => number): SeedData {
  const g = guidFor;
  const businessunits = new Map<string, Row>();
  for (const u of state.businessunits.values()) {
    businessunits.set(g(u.businessunitid), { businessunitid: g(u.businessunitid), name: u.name, _parentbusinessunitid_value: u.parentbusinessunitid ? g(u.parentbusinessunitid) : null, isdisabled: u.isdisabled, versionnumber: version() });
  }
  const systemusers = new Map<string, Row>();
  for (const u of state.systemusers.values()) {
    systemusers.set(g(u.systemuserid), {
      systemuserid: g(u.systemuserid),
      fullname: u.fullname,
      domainname: u.domainname,
      internalemailaddress: u.internalemailaddress,
      _businessunitid_value: g(u.businessunitid),
      _parentsystemuserid_value: u.parentsystemuserid ? g(u.parentsystemuserid) : null,
      isdisabled: u.isdisabled,
      // 0 Read-Write; the other access modes (administrative, read, non-interactive) are not in the model.
      accessmode: 0,
      versionnumber: version(),
    });
  }
  const teams = new Map<string, Row>();
  for (const t of state.teams.values()) {
    teams.set(g(t.teamid), { teamid: g(t.teamid), name: t.name, teamtype: t.teamtype, _businessunitid_value: g(t.businessunitid), _administratorid_value: t.administratorid ? g(t.administratorid) : null, isdefault: t.isdefault, versionnumber: version() });
  }
  const teammembership = intersect('teammemberships', 'teammembershipid', 'teamid', 'systemuserid');
  const defaultTeamOf = new Map<string, string>();
  for (const t of state.teams.values()) if (t.isdefault) defaultTeamOf.set(t.businessunitid, t.teamid);
  for (const u of state.systemusers.values()) {
    const team = defaultTeamOf.get(u.businessunitid);
    if (team) addPair(teammembership, g(team), g(u.systemuserid), version());
  }
  for (const m of state.teammembership.values()) addPair(teammembership, g(m.teamid), g(m.systemuserid), version());

  const catalog = catalogFor(state);
  const privileges = new Map<string, PrivilegeRow>();
  for (const p of catalog.privileges) {
    const id = privilegeIdOf(p.name);
    privileges.set(id, {
      privilegeid: id,
      name: p.name,
      accessright: p.accessright ? ACCESS_RIGHT_MASK[p.accessright] : 0,
      canbebasic: p.depths.includes('Basic'),
      canbelocal: p.depths.includes('Local'),
      canbedeep: p.depths.includes('Deep'),
      canbeglobal: p.depths.includes('Global'),
      tables: p.entities,
    });
  }
  void BUILTIN_CATALOG;
  const roles = new Map<string, RootRole>();
  for (const r of state.roles.values()) {
    const privs = new Map<string, number>();
    for (const [name, depth] of Object.entries(r.privileges)) privs.set(privilegeIdOf(catalog.lookup(name)?.name ?? name), DEPTHS.indexOf(depth));
    roles.set(g(r.roleid), { roleid: g(r.roleid), name: r.name, businessunitid: g(r.businessunitid), isinherited: r.isinherited, description: r.description ?? null, versionnumber: version(), privileges: privs });
  }
  const copyOf = (roleid: string, bu: string) => {
    const root = roles.get(g(roleid))!;
    return root.businessunitid === g(bu) ? root.roleid : g(`${root.roleid}@${g(bu)}`);
  };
  const systemuserroles = intersect('systemuserrolescollection', 'systemuserroleid', 'systemuserid', 'roleid');
  for (const a of state.systemuserroles.values()) {
    const bu = a.businessunitid ?? state.systemusers.get(a.systemuserid)!.businessunitid;
    addPair(systemuserroles, g(a.systemuserid), copyOf(a.roleid, bu), version());
  }
  const teamroles = intersect('teamrolescollection', 'teamroleid', 'teamid', 'roleid');
  for (const a of state.teamroles.values()) {
    const bu = a.businessunitid ?? state.teams.get(a.teamid)!.businessunitid;
    addPair(teamroles, g(a.teamid), copyOf(a.roleid, bu), version());
  }
  const fieldsecurityprofiles = new Map<string, Row>();
  const fieldpermissions = new Map<string, Row>();
  for (const p of state.fieldsecurityprofiles.values()) {
    fieldsecurityprofiles.set(g(p.fieldsecurityprofileid), { fieldsecurityprofileid: g(p.fieldsecurityprofileid), name: p.name, description: p.description, versionnumber: version() });
    for (const f of p.fieldpermissions) {
      const id = g(`fieldpermission:${p.fieldsecurityprofileid}:${f.entityname}.${f.attributelogicalname}`);
      fieldpermissions.set(id, { fieldpermissionid: id, _fieldsecurityprofileid_value: g(p.fieldsecurityprofileid), entityname: f.entityname, attributelogicalname: f.attributelogicalname, canread: f.canread, cancreate: f.cancreate, canupdate: f.canupdate, versionnumber: version() });
    }
  }
  const systemuserprofiles = intersect('systemuserprofilescollection', 'systemuserprofileid', 'fieldsecurityprofileid', 'systemuserid');
  for (const a of state.systemuserprofiles.values()) addPair(systemuserprofiles, g(a.fieldsecurityprofileid), g(a.systemuserid), version());
  const teamprofiles = intersect('teamprofilescollection', 'teamprofileid', 'fieldsecurityprofileid', 'teamid');
  for (const a of state.teamprofiles.values()) addPair(teamprofiles, g(a.fieldsecurityprofileid), g(a.teamid), version());

  const tables = new Map<string, TableDefinition>();
  for (const e of catalog.entities.values()) tables.set(e.logicalname, { LogicalName: e.logicalname, EntitySetName: entitySetOf(e.logicalname), OwnershipType: e.ownership ?? 'None', ChangeTrackingEnabled: false });
  for (const [logical, set] of Object.entries(SECURITY_TABLES)) tables.set(logical, { LogicalName: logical, EntitySetName: set, OwnershipType: logical === 'businessunit' || logical === 'systemuser' || logical === 'team' || logical === 'role' ? 'BusinessOwned' : 'None', ChangeTrackingEnabled: logical in TRACKED_TABLES });
  const records = new Map<string, Map<string, RecordGroup>>();
  const ownerOf = (id: string) => {
    const u = state.systemusers.get(id);
    if (u) return { ownerid: g(id), owneridtype: 'systemuser' as const, owningbusinessunit: g(u.businessunitid) };
    const t = state.teams.get(id)!;
    return { ownerid: g(id), owneridtype: 'team' as const, owningbusinessunit: g(t.businessunitid) };
  };
  const owners = new Map<string, ReturnType<typeof ownerOf>>();
  const add = (entity: string, ownerid: string, n: number, unit?: string) => {
    const o = owners.get(ownerid) ?? owners.set(ownerid, ownerOf(ownerid)).get(ownerid)!;
    const bu = unit ? g(unit) : o.owningbusinessunit;
    addRecords(records, entity, { ...o, owningbusinessunit: bu }, n);
  };
  for (const r of state.records.values()) add(r.entity, r.ownerid, 1);
  for (const c of state.recordcounts.values()) add(c.entity, c.ownerid, c.count, c.owningbusinessunit);

  return { organizationid: g(`organization:${state.organization.name}`), tables, records, businessunits, systemusers, teams, fieldsecurityprofiles, fieldpermissions, privileges, roles, teammembership, systemuserroles, teamroles, systemuserprofiles, teamprofiles };
}

/** Adds n records of a table held by an owner in a unit (negative n removes them). */
export function addRecords(records: SeedData['records'], entity: string, owner: Omit<RecordGroup, 'count'>, n: number): void {
  const table = records.get(entity) ?? records.set(entity, new Map()).get(entity)!;
  const key = `${owner.ownerid}|${owner.owningbusinessunit}`;
  const g = table.get(key) ?? table.set(key, { ...owner, count: 0 }).get(key)!;
  g.count = Math.max(0, g.count + n);
}
