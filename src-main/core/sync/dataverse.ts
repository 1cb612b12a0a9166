/**
 * The synced tables in Dataverse's Web API shapes, shared by the sync server and the sync client:
 * which model table is which entity set, a model row as an OData row and back, and the commands
 * that take a row from one value to another (a PATCH on the server, a conflict resolution on the
 * client). Pure: no IO, no clock.
 *
 * Records and shares (principalobjectaccess) are not synced: they are sample data for access
 * previews, a million of them in the benchmark organization, and Dataverse itself keeps them
 * outside the security model. Commands on them stay local.
 */
import type { Command } from '../commands/schema';
import type { Id, OrgState } from '../model/org';
import type { Refusal } from '../result';

export const SYNC_TABLES = [
  'organization',
  'entities',
  'businessunits',
  'systemusers',
  'teams',
  'teammembership',
  'roles',
  'systemuserroles',
  'teamroles',
  'fieldsecurityprofiles',
  'systemuserprofiles',
  'teamprofiles',
] as const;
export type SyncTable = (typeof SYNC_TABLES)[number];

/** Records, shares and record counts are local preview data: never sent to the sync server. */
export const LOCAL_ONLY_COMMANDS: ReadonlySet<string> = new Set(['createRecord', 'assignRecord', 'deleteRecord', 'shareRecord', 'unshareRecord', 'setRecordCounts']);

export interface TableSpec {
  readonly table: SyncTable;
  /** Web API entity set: /api/data/v9.2/{entitySet}. */
  readonly entitySet: string;
  /** Dataverse logical name, also the PostgreSQL table name. */
  readonly logicalName: string;
  /** Primary key column of the OData row (added to the row when the model row has none). */
  readonly idField: string;
  /** Single-valued navigation columns, written `_x_value` in OData rows. */
  readonly lookups: readonly string[];
}

const spec = (table: SyncTable, entitySet: string, logicalName: string, idField: string, lookups: readonly string[] = []): TableSpec => ({ table, entitySet, logicalName, idField, lookups });

export const TABLE_SPECS: readonly TableSpec[] = [
  spec('organization', 'organizations', 'organization', 'organizationid'),
  spec('entities', 'roleatlas_customentities', 'customentity', 'logicalname'),
  spec('businessunits', 'businessunits', 'businessunit', 'businessunitid', ['parentbusinessunitid']),
  spec('systemusers', 'systemusers', 'systemuser', 'systemuserid', ['businessunitid', 'parentsystemuserid']),
  spec('teams', 'teams', 'team', 'teamid', ['businessunitid', 'administratorid']),
  spec('teammembership', 'teammemberships', 'teammembership', 'teammembershipid'),
  spec('roles', 'roles', 'role', 'roleid', ['businessunitid']),
  spec('systemuserroles', 'systemuserrolescollection', 'systemuserroles', 'systemuserroleid'),
  spec('teamroles', 'teamrolescollection', 'teamroles', 'teamroleid'),
  spec('fieldsecurityprofiles', 'fieldsecurityprofiles', 'fieldsecurityprofile', 'fieldsecurityprofileid'),
  spec('systemuserprofiles', 'systemuserprofilescollection', 'systemuserprofiles', 'systemuserprofileid'),
  spec('teamprofiles', 'teamprofilescollection', 'teamprofiles', 'teamprofileid'),
];

export const SPEC_BY_TABLE: ReadonlyMap<SyncTable, TableSpec> = new Map(TABLE_SPECS.map((s) => [s.table, s]));
export const SPEC_BY_SET: ReadonlyMap<string, TableSpec> = new Map(TABLE_SPECS.map((s) => [s.entitySet, s]));
export const isSyncTable = (t: string): t is SyncTable => SPEC_BY_TABLE.has(t as SyncTable);

export type Row = Readonly<Record<string, unknown>>;
export const ORGANIZATION_KEY = 'organization';

/** Every row of a synced table as [key, row]. */
export function* rowsOf(state: OrgState, table: SyncTable): Iterable<readonly [string, Row]> {
  if (table === 'organization') yield [ORGANIZATION_KEY, state.organization as unknown as Row];
  else yield* (state[table] as unknown as ReadonlyMap<string, Row>).entries();
}

export function rowOf(state: OrgState, table: SyncTable, key: string): Row | null {
  if (table === 'organization') return key === ORGANIZATION_KEY ? (state.organization as unknown as Row) : null;
  return (state[table] as unknown as ReadonlyMap<string, Row>).get(key) ?? null;
}

export interface RowChange {
  readonly table: SyncTable;
  readonly key: string;
  /** null: the row was deleted. */
  readonly row: Row | null;
}

/** A state with rows replaced or removed; untouched tables are shared with the input. */
export function applyRowChanges(state: OrgState, changes: Iterable<RowChange>): OrgState {
  const copies = new Map<SyncTable, Map<string, unknown>>();
  let organization = state.organization;
  for (const c of changes) {
    if (c.table === 'organization') {
      if (c.row) organization = c.row as unknown as OrgState['organization'];
      continue;
    }
    let map = copies.get(c.table);
    if (!map) copies.set(c.table, (map = new Map(state[c.table] as ReadonlyMap<string, unknown>)));
    if (c.row) map.set(c.key, c.row);
    else map.delete(c.key);
  }
  const next: Record<string, unknown> = { ...state, organization };
  for (const [t, m] of copies) next[t] = m;
  return next as unknown as OrgState;
}

// ---- OData rows ---------------------------------------------------------------------------------

export const etagOf = (version: number) => `W/"${version}"`;

export function versionOfEtag(etag: string): number | null {
  const m = /^(?:W\/)?"(\d+)"$/.exec(etag.trim());
  return m ? Number(m[1]) : null;
}

/** A model row as the Web API returns it: lookups as _x_value, the key column, @odata.etag. */
export function toODataRow(s: TableSpec, key: string, row: Row, version: number): Record<string, unknown> {
  const out: Record<string, unknown> = { '@odata.etag': etagOf(version) };
  if (!(s.idField in row)) out[s.idField] = key;
  for (const [k, v] of Object.entries(row)) {
    if (s.lookups.includes(k) && k !== s.idField) out[`_${k}_value`] = v;
    else out[k] = v;
  }
  return out;
}

/** An OData row back to [key, model row]: annotations dropped, _x_value renamed, the added key column removed. */
export function fromODataRow(s: TableSpec, odata: Record<string, unknown>): { key: string; row: Row; version: number | null } {
  const row: Record<string, unknown> = {};
  let key: string | undefined;
  for (const [k, v] of Object.entries(odata)) {
    if (k.startsWith('@')) continue;
    const lookup = /^_(.+)_value$/.exec(k);
    if (lookup && s.lookups.includes(lookup[1])) row[lookup[1]] = v;
    else row[k] = v;
  }
  if (ADDED_ID.has(s.table)) {
    key = String(row[s.idField]);
    delete row[s.idField];
  } else key = String(row[s.idField]);
  const etag = odata['@odata.etag'];
  return { key, row, version: typeof etag === 'string' ? versionOfEtag(etag) : null };
}

/** Tables whose model rows have no key column of their own (intersects, the organization). */
const ADDED_ID: ReadonlySet<SyncTable> = new Set(['organization', 'teammembership', 'systemuserroles', 'teamroles', 'systemuserprofiles', 'teamprofiles']);

// ---- fields, for conflicts -----------------------------------------------------------------------

/**
 * A row as named fields, one per value an admin can choose between: a role's privileges are one
 * field each (privileges/prvReadAccount), a profile's field permissions one per column.
 */
export function fieldsOf(table: SyncTable, row: Row | null): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (!row) return out;
  for (const [k, v] of Object.entries(row)) {
    if (v === undefined) continue;
    if (table === 'roles' && k === 'privileges') for (const [p, d] of Object.entries(v as Record<string, unknown>)) out.set(`privileges/${p}`, d);
    else if (table === 'fieldsecurityprofiles' && k === 'fieldpermissions') {
      for (const f of v as { entityname: string; attributelogicalname: string }[]) out.set(`fieldpermissions/${f.entityname}.${f.attributelogicalname}`, f);
    } else if (table === 'organization' && k === 'hierarchysecurity') for (const [p, d] of Object.entries(v as Record<string, unknown>)) out.set(`hierarchysecurity/${p}`, d);
    else out.set(k, v);
  }
  return out;
}

export function rowOfFields(table: SyncTable, fields: ReadonlyMap<string, unknown>): Row {
  const row: Record<string, unknown> = {};
  for (const [k, v] of fields) {
    const slash = k.indexOf('/');
    if (slash < 0) {
      row[k] = v;
      continue;
    }
    const group = k.slice(0, slash);
    if (table === 'fieldsecurityprofiles' && group === 'fieldpermissions') ((row.fieldpermissions ??= []) as unknown[]).push(v);
    else ((row[group] ??= {}) as Record<string, unknown>)[k.slice(slash + 1)] = v;
  }
  if (table === 'roles') row.privileges ??= {};
  if (table === 'fieldsecurityprofiles') row.fieldpermissions ??= [];
  return row;
}

export const sameValue = (a: unknown, b: unknown): boolean => a === b || JSON.stringify(a) === JSON.stringify(b);

/** Fields whose values differ between two versions of a row; "(row)" when one side does not exist. */
export function differingFields(table: SyncTable, a: Row | null, b: Row | null): { field: string; a: unknown; b: unknown }[] {
  if (!a || !b) return a === b ? [] : [{ field: '(row)', a, b }];
  const fa = fieldsOf(table, a);
  const fb = fieldsOf(table, b);
  const out: { field: string; a: unknown; b: unknown }[] = [];
  for (const f of new Set([...fa.keys(), ...fb.keys()])) {
    const va = fa.has(f) ? fa.get(f) : null;
    const vb = fb.has(f) ? fb.get(f) : null;
    if (!sameValue(va, vb)) out.push({ field: f, a: va, b: vb });
  }
  return out;
}

// ---- rows to commands ----------------------------------------------------------------------------

type Transition = { ok: true; commands: Command[] } | { ok: false; error: Refusal };
const done = (commands: Command[]): Transition => ({ ok: true, commands });
const cannot = (message: string, path?: string): Transition => ({ ok: false, error: path ? { code: 'unsupported', message, path } : { code: 'unsupported', message } });

// Loose rows on purpose: every command built from them is validated by apply().
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unnecessary-type-assertion -- the loose rows, to the end of the file; the assertions say which command a loose row builds, and the rule mistakes R for Row */
type R = Record<string, any>;
const changed = (a: R, b: R, f: string) => !sameValue(a[f] ?? null, b[f] ?? null);
function pickChanged(a: R, b: R, fields: readonly string[]): R | null {
  const out: R = {};
  for (const f of fields) if (changed(a, b, f)) out[f] = b[f] ?? null;
  return Object.keys(out).length ? out : null;
}
function unchangeable(a: R, b: R, fields: readonly string[], what: string): Transition | null {
  for (const f of fields) if (changed(a, b, f)) return cannot(`${f} of ${what} cannot be changed`, f);
  return null;
}

/**
 * The commands that take a row from `from` to `to` (null: absent). A create, a delete or an update
 * of a few columns; what no command can do (deleting a user, changing a team's type) is refused
 * with the reason. The commands are validated again by apply().
 */
export function transition(table: SyncTable, key: string, from: Row | null, to: Row | null): Transition {
  const a = from as R | null;
  const b = to as R | null;
  if (!a && !b) return done([]);
  switch (table) {
    case 'businessunits': {
      if (!a) {
        const cmds: Command[] = [{ type: 'createBusinessUnit', businessunitid: key, name: b!.name, parentbusinessunitid: b!.parentbusinessunitid, ...(b!.defaultteamid ? { defaultteamid: b!.defaultteamid } : {}) }];
        if (b!.isdisabled) cmds.push({ type: 'setBusinessUnitDisabled', businessunitid: key, isdisabled: true });
        return done(cmds);
      }
      if (!b) return done([{ type: 'deleteBusinessUnit', businessunitid: key }]);
      const cmds: Command[] = [];
      if (changed(a, b, 'name')) cmds.push({ type: 'updateBusinessUnit', businessunitid: key, name: b.name });
      if (changed(a, b, 'parentbusinessunitid')) cmds.push({ type: 'moveBusinessUnit', businessunitid: key, parentbusinessunitid: b.parentbusinessunitid });
      if (changed(a, b, 'isdisabled')) cmds.push({ type: 'setBusinessUnitDisabled', businessunitid: key, isdisabled: Boolean(b.isdisabled) });
      return done(cmds);
    }
    case 'systemusers': {
      if (!a) {
        const cmds: Command[] = [
          {
            type: 'createUser',
            systemuserid: key,
            fullname: b!.fullname,
            domainname: b!.domainname,
            businessunitid: b!.businessunitid,
            ...(b!.internalemailaddress != null ? { internalemailaddress: b!.internalemailaddress } : {}),
            ...(b!.parentsystemuserid != null ? { parentsystemuserid: b!.parentsystemuserid } : {}),
          },
        ];
        if (b!.isdisabled) cmds.push({ type: 'setUserDisabled', systemuserid: key, isdisabled: true });
        return done(cmds);
      }
      if (!b) return cannot('users cannot be deleted in Dataverse; disable the user instead (isdisabled: true)');
      const cmds: Command[] = [];
      const upd = pickChanged(a, b, ['fullname', 'domainname', 'internalemailaddress', 'parentsystemuserid']);
      if (upd) cmds.push({ type: 'updateUser', systemuserid: key, ...upd } as Command);
      if (changed(a, b, 'businessunitid')) cmds.push({ type: 'moveUser', systemuserid: key, businessunitid: b.businessunitid });
      if (changed(a, b, 'isdisabled')) cmds.push({ type: 'setUserDisabled', systemuserid: key, isdisabled: Boolean(b.isdisabled) });
      return done(cmds);
    }
    case 'teams': {
      if (!a) {
        if (b!.isdefault) return cannot('a default team is created with its business unit', 'isdefault');
        return done([{ type: 'createTeam', teamid: key, name: b!.name, teamtype: b!.teamtype ?? 0, businessunitid: b!.businessunitid, ...(b!.administratorid != null ? { administratorid: b!.administratorid } : {}) }]);
      }
      if (!b) return done([{ type: 'deleteTeam', teamid: key }]);
      const bad = unchangeable(a, b, ['teamtype', 'businessunitid', 'isdefault'], `team ${a.name}`);
      if (bad) return bad;
      const upd = pickChanged(a, b, ['name', 'administratorid']);
      return done(upd ? [{ type: 'updateTeam', teamid: key, ...upd } as Command] : []);
    }
    case 'roles': {
      if (!a) {
        return done([
          {
            type: 'createRole',
            roleid: key,
            name: b!.name,
            ...(b!.businessunitid ? { businessunitid: b!.businessunitid } : {}),
            ...(b!.isinherited !== undefined ? { isinherited: b!.isinherited } : {}),
            ...(b!.description != null ? { description: b!.description } : {}),
            privileges: b!.privileges ?? {},
          },
        ]);
      }
      if (!b) return done([{ type: 'deleteRole', roleid: key }]);
      const bad = unchangeable(a, b, ['businessunitid'], `role ${a.name}`);
      if (bad) return bad;
      const cmds: Command[] = [];
      const upd = pickChanged(a, b, ['name', 'isinherited', 'description']);
      if (upd) cmds.push({ type: 'updateRole', roleid: key, ...upd } as Command);
      const pa = (a.privileges ?? {}) as Record<string, string>;
      const pb = (b.privileges ?? {}) as Record<string, string>;
      for (const p of new Set([...Object.keys(pa), ...Object.keys(pb)])) {
        if ((pa[p] ?? null) !== (pb[p] ?? null)) cmds.push({ type: 'setRolePrivilege', roleid: key, privilege: p, depth: (pb[p] ?? null) as never });
      }
      return done(cmds);
    }
    case 'fieldsecurityprofiles': {
      const perms = (r: R | null) => new Map(((r?.fieldpermissions ?? []) as R[]).map((f) => [`${f.entityname}.${f.attributelogicalname}`, f]));
      if (!b) return done([{ type: 'deleteFieldSecurityProfile', fieldsecurityprofileid: key }]);
      const cmds: Command[] = [];
      if (!a) cmds.push({ type: 'createFieldSecurityProfile', fieldsecurityprofileid: key, name: b.name, ...(b.description != null ? { description: b.description } : {}) });
      else {
        const upd = pickChanged(a, b, ['name', 'description']);
        if (upd) cmds.push({ type: 'updateFieldSecurityProfile', fieldsecurityprofileid: key, ...upd } as Command);
      }
      const fa = perms(a);
      const fb = perms(b);
      for (const [k, f] of fb) {
        if (!sameValue(fa.get(k), f)) cmds.push({ type: 'setFieldPermission', fieldsecurityprofileid: key, entityname: f.entityname, attributelogicalname: f.attributelogicalname, canread: f.canread, cancreate: f.cancreate, canupdate: f.canupdate });
      }
      for (const [k, f] of fa) if (!fb.has(k)) cmds.push({ type: 'removeFieldPermission', fieldsecurityprofileid: key, entityname: f.entityname, attributelogicalname: f.attributelogicalname });
      return done(cmds);
    }
    case 'teammembership': {
      const r = (b ?? a)!;
      if (a && b) return done([]);
      return done([{ type: b ? 'addTeamMember' : 'removeTeamMember', teamid: r.teamid, systemuserid: r.systemuserid }]);
    }
    case 'systemuserroles':
    case 'teamroles': {
      const r = (b ?? a)!;
      const principal = table === 'systemuserroles' ? { systemuserid: r.systemuserid as Id } : { teamid: r.teamid as Id };
      if (a && b) return unchangeable(a, b, ['businessunitid'], 'a role assignment') ?? done([]);
      return done([{ type: b ? 'assignRole' : 'removeRole', ...principal, roleid: r.roleid, businessunitid: r.businessunitid ?? null } as Command]);
    }
    case 'systemuserprofiles':
    case 'teamprofiles': {
      const r = (b ?? a)!;
      if (a && b) return done([]);
      const principal = table === 'systemuserprofiles' ? { systemuserid: r.systemuserid as Id } : { teamid: r.teamid as Id };
      return done([{ type: b ? 'assignFieldSecurityProfile' : 'removeFieldSecurityProfile', ...principal, fieldsecurityprofileid: r.fieldsecurityprofileid } as Command]);
    }
    case 'organization': {
      if (!a || !b) return cannot('the organization cannot be created or deleted');
      const ha = (a.hierarchysecurity ?? {}) as R;
      const hb = (b.hierarchysecurity ?? {}) as R;
      const bad = unchangeable(a, b, ['name'], 'the organization');
      if (bad) return bad;
      if (!sameValue(ha, hb)) return done([{ type: 'setHierarchySecurity', enabled: Boolean(hb.enabled), ...(hb.depth !== undefined ? { depth: hb.depth } : {}) }]);
      return done([]);
    }
    case 'entities': {
      if (a && b) return unchangeable(a, b, ['displayname', 'ownership'], `table ${key}`) ?? done([]);
      if (!b) return cannot('a custom table cannot be removed from the catalog');
      return done([{ type: 'addCustomEntity', logicalname: key, displayname: b.displayname, ownership: b.ownership ?? null, ...(b.schemaname ? { schemaname: b.schemaname } : {}) }]);
    }
  }
}
