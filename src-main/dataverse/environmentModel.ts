/**
 * An environment's security tables as the Web API returns them, turned into the organization as
 * the model holds it. Pure: no IO.
 *
 * - A role's copies (one per business unit below its own, parentrootroleid naming the root) become
 *   one role, keyed by the root copy's id; an assignment of a copy, read joined to the copy's root
 *   role and unit, becomes an assignment of that role scoped to the copy's unit (null when it is
 *   the holder's own unit).
 * - A role's privileges are named as the environment's privilege table spells them, at the depth
 *   PrivilegeDepth gives.
 * - Privileges on tables the built-in catalog does not know add those tables to the organization
 *   (ownership read from the depths the environment allows: Basic means user-owned).
 * - Memberships of default teams are dropped: the model derives them from the users' units.
 */
import { z } from 'zod';
import { BUILTIN_CATALOG, parsePrivilegeName } from '../core/catalog/catalog';
import { DEPTHS, type Depth } from '../core/model/depth';
import { ORG_FORMAT, type OrgFile } from '../core/interchange/schema';

const guid = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a GUID').transform((s) => s.toLowerCase());
const lookup = guid.nullable().optional().transform((v) => v ?? null);

export const rowSchemas = {
  businessunits: z.object({ businessunitid: guid, name: z.string(), _parentbusinessunitid_value: lookup, isdisabled: z.boolean().optional() }),
  systemusers: z.object({ systemuserid: guid, fullname: z.string().nullable(), domainname: z.string().nullable(), internalemailaddress: z.string().nullable().optional(), _businessunitid_value: guid, _parentsystemuserid_value: lookup, isdisabled: z.boolean().optional(), accessmode: z.number().int().optional() }),
  teams: z.object({ teamid: guid, name: z.string(), teamtype: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]), _businessunitid_value: guid, _administratorid_value: lookup, isdefault: z.boolean() }),
  teammemberships: z.object({ teamid: guid, systemuserid: guid }),
  roles: z.object({ roleid: guid, name: z.string(), _businessunitid_value: guid, _parentrootroleid_value: lookup, _parentroleid_value: lookup, isinherited: z.union([z.literal(0), z.literal(1)]).nullable().optional(), description: z.string().nullable().optional() }),
  privileges: z.object({ privilegeid: guid, name: z.string(), accessright: z.number().int(), canbebasic: z.boolean(), canbelocal: z.boolean(), canbedeep: z.boolean(), canbeglobal: z.boolean() }),
  privilegeobjecttypecodes: z.object({ _privilegeid_value: guid, objecttypecode: z.string() }),
  /** An assignment of a role copy, with the copy's root role and unit from a link-entity to role aliased `role` (FetchXML returns its columns as alias.column). */
  systemuserroles: z.object({ systemuserid: guid, roleid: guid, 'role.parentrootroleid': guid, 'role.businessunitid': guid }),
  teamroles: z.object({ teamid: guid, roleid: guid, 'role.parentrootroleid': guid, 'role.businessunitid': guid }),
  fieldsecurityprofiles: z.object({ fieldsecurityprofileid: guid, name: z.string(), description: z.string().nullable().optional() }),
  fieldpermissions: z.object({ _fieldsecurityprofileid_value: guid, entityname: z.string(), attributelogicalname: z.string(), canread: z.union([z.literal(0), z.literal(4)]), cancreate: z.union([z.literal(0), z.literal(4)]), canupdate: z.union([z.literal(0), z.literal(4)]) }),
  /** A FetchXML aggregate's row: count grouped by ownerid and owningbusinessunit, under those aliases. */
  recordcount: z.object({ ownerid: guid, owningbusinessunit: guid, count: z.number().int().min(0) }),
  /** RetrieveRolePrivilegesRole: Depth is a PrivilegeDepth member name, or its value 0-3. */
  roleprivilege: z.object({ PrivilegeId: guid, Depth: z.union([z.enum(DEPTHS), z.number().int().min(0).max(3), z.enum(['0', '1', '2', '3'])]) }),
} as const;

export type Rows<K extends keyof typeof rowSchemas> = z.infer<(typeof rowSchemas)[K]>;

/** Rows checked against their schema; the first bad one is named (table, position, column, why). */
export function parseRows<K extends keyof typeof rowSchemas>(table: K, rows: readonly unknown[]): Rows<K>[] {
  const schema = rowSchemas[table];
  const out = new Array<Rows<K>>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = schema.safeParse(rows[i]);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new Error(`the environment's ${table} row ${i + 1} is not what the Web API documents: ${issue.path.join('.') || '(row)'} ${issue.message}`);
    }
    out[i] = r.data as Rows<K>;
  }
  return out;
}

export interface PulledEnvironment {
  readonly name: string;
  readonly businessunits: readonly Rows<'businessunits'>[];
  readonly systemusers: readonly Rows<'systemusers'>[];
  readonly teams: readonly Rows<'teams'>[];
  readonly teammemberships: readonly Rows<'teammemberships'>[];
  /** The root roles (no parent copy), with every column; the copies are never read. */
  readonly roles: readonly Rows<'roles'>[];
  readonly privileges: readonly Rows<'privileges'>[];
  readonly privilegeobjecttypecodes: readonly Rows<'privilegeobjecttypecodes'>[];
  /** Per root role id. */
  readonly roleprivileges: ReadonlyMap<string, readonly Rows<'roleprivilege'>[]>;
  readonly systemuserroles: readonly Rows<'systemuserroles'>[];
  readonly teamroles: readonly Rows<'teamroles'>[];
  readonly fieldsecurityprofiles: readonly Rows<'fieldsecurityprofiles'>[];
  readonly fieldpermissions: readonly Rows<'fieldpermissions'>[];
  /** Per profile id: the users and teams holding it. */
  readonly profileusers: ReadonlyMap<string, readonly string[]>;
  readonly profileteams: ReadonlyMap<string, readonly string[]>;
}

const depthOf = (d: Rows<'roleprivilege'>['Depth']): Depth => (typeof d === 'number' ? DEPTHS[d] : /^\d$/.test(d) ? DEPTHS[Number(d)] : (d as Depth));

/** The organization file for what was pulled; fromInterchange() then checks every cross-table rule. */
export function organizationFromEnvironment(env: PulledEnvironment): OrgFile {
  const roots = env.roles.filter((r) => (r._parentrootroleid_value ?? r.roleid) === r.roleid);
  const rootRoles = new Set(roots.map((r) => r.roleid));
  const privilegeName = new Map(env.privileges.map((p) => [p.privilegeid, p.name]));
  const tablesOf = new Map<string, string[]>();
  for (const t of env.privilegeobjecttypecodes) (tablesOf.get(t._privilegeid_value) ?? tablesOf.set(t._privilegeid_value, []).get(t._privilegeid_value)!).push(t.objecttypecode);

  // Tables the built-in catalog does not know, from the privileges on them.
  const entities = new Map<string, NonNullable<OrgFile['entities']>[number]>();
  for (const p of env.privileges) {
    const parsed = parsePrivilegeName(p.name);
    if (!parsed || p.accessright === 0) continue;
    for (const table of tablesOf.get(p.privilegeid) ?? [parsed.table]) {
      if (BUILTIN_CATALOG.entities.has(table) || entities.has(table) || !/^[a-z][a-z0-9_]*$/.test(table)) continue;
      entities.set(table, { logicalname: table, displayname: parsed.schemaname, ownership: p.canbebasic ? 'UserOwned' : 'OrganizationOwned', ...(/^[A-Za-z][A-Za-z0-9_]*$/.test(parsed.schemaname) ? { schemaname: parsed.schemaname } : {}) });
    }
  }

  const userUnit = new Map(env.systemusers.map((u) => [u.systemuserid, u._businessunitid_value]));
  const teamUnit = new Map(env.teams.map((t) => [t.teamid, t._businessunitid_value]));
  const defaultTeams = new Set(env.teams.filter((t) => t.isdefault).map((t) => t.teamid));
  const scope = (a: Rows<'systemuserroles'> | Rows<'teamroles'>, holderUnit: string | undefined, what: string) => {
    const root = a['role.parentrootroleid'];
    if (!rootRoles.has(root)) throw new Error(`${what} holds role ${a.roleid}, a copy of role ${root}, which the environment's roles do not list`);
    return { roleid: root, businessunitid: a['role.businessunitid'] === holderUnit ? null : a['role.businessunitid'] };
  };

  const roles = roots.map((r) => {
    const privileges: Record<string, Depth> = {};
    for (const p of env.roleprivileges.get(r.roleid) ?? []) {
      const name = privilegeName.get(p.PrivilegeId);
      if (!name) throw new Error(`role ${r.name} (${r.roleid}) holds privilege ${p.PrivilegeId}, which the environment's privilege table does not list`);
      privileges[name] = depthOf(p.Depth);
    }
    return { roleid: r.roleid, name: r.name, businessunitid: r._businessunitid_value, isinherited: (r.isinherited ?? 1), description: r.description ?? null, privileges };
  });

  return {
    format: ORG_FORMAT,
    organization: { name: env.name },
    ...(entities.size ? { entities: [...entities.values()] } : {}),
    businessunits: env.businessunits.map((u) => ({ businessunitid: u.businessunitid, name: u.name, parentbusinessunitid: u._parentbusinessunitid_value, isdisabled: u.isdisabled ?? false })),
    systemusers: env.systemusers.map((u) => ({
      systemuserid: u.systemuserid,
      fullname: u.fullname?.trim() || u.domainname || u.systemuserid,
      domainname: u.domainname?.trim() || u.systemuserid,
      internalemailaddress: u.internalemailaddress ?? null,
      businessunitid: u._businessunitid_value,
      parentsystemuserid: u._parentsystemuserid_value,
      isdisabled: u.isdisabled ?? false,
    })),
    teams: env.teams.map((t) => ({ teamid: t.teamid, name: t.name, teamtype: t.teamtype, businessunitid: t._businessunitid_value, administratorid: t._administratorid_value, isdefault: t.isdefault })),
    teammembership: env.teammemberships.filter((m) => !defaultTeams.has(m.teamid)).map((m) => ({ teamid: m.teamid, systemuserid: m.systemuserid })),
    roles,
    systemuserroles: env.systemuserroles.map((a) => ({ systemuserid: a.systemuserid, ...scope(a, userUnit.get(a.systemuserid), `user ${a.systemuserid}`) })),
    teamroles: env.teamroles.map((a) => ({ teamid: a.teamid, ...scope(a, teamUnit.get(a.teamid), `team ${a.teamid}`) })),
    fieldsecurityprofiles: env.fieldsecurityprofiles.map((p) => ({
      fieldsecurityprofileid: p.fieldsecurityprofileid,
      name: p.name,
      description: p.description ?? null,
      fieldpermissions: env.fieldpermissions.filter((f) => f._fieldsecurityprofileid_value === p.fieldsecurityprofileid).map((f) => ({ entityname: f.entityname, attributelogicalname: f.attributelogicalname, canread: f.canread, cancreate: f.cancreate, canupdate: f.canupdate })),
    })),
    systemuserprofiles: [...env.profileusers].flatMap(([fieldsecurityprofileid, users]) => users.map((systemuserid) => ({ fieldsecurityprofileid, systemuserid }))),
    teamprofiles: [...env.profileteams].flatMap(([fieldsecurityprofileid, teams]) => teams.map((teamid) => ({ fieldsecurityprofileid, teamid }))),
    records: [],
    shares: [],
  };
}
