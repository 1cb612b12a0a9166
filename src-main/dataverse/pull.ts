/**
 * Pull: every security table of an environment, read page by page through the Web API, as an
 * organization of the model plus what a push needs to address the environment again (privilege
 * ids by name).
 */
import { applyAll } from '../core/commands/apply';
import { fromInterchange } from '../core/interchange/toState';
import type { OrgState } from '../core/model/org';
import { Connection, DataverseError } from './connection';
import { organizationFromEnvironment, parseRows, type PulledEnvironment, type Rows } from './environmentModel';
import { pullRecordCounts } from './recordCounts';
import { etagsOf, type Etags } from './etags';

export interface PullProgress {
  /** The table being read, as the Web API names its entity set. */
  readonly table: string;
  readonly rows: number;
  /** What `rows` counts: rows read (the default), records counted by an aggregate, or changes since the last pull. */
  readonly kind?: 'counted' | 'changes';
  /** Tables finished of all there are to read. */
  readonly done: number;
  readonly of: number;
}

export interface PullResult {
  readonly state: OrgState;
  /** Privilege name (as the environment spells it) -> privilege id. */
  readonly privilegeIds: Record<string, string>;
  readonly counts: Record<string, number>;
  /** Records counted per table (FetchXML aggregates), for the tables asked for. */
  readonly recordCounts: Record<string, number>;
  /** Tables of the default list the environment does not have. */
  readonly countsMissing: readonly string[];
  /** Per change-tracked entity set, the delta link a later pull asks for changes with. */
  readonly deltaLinks: Record<string, string>;
  /** Per entity set read as changes only (a delta pull): rows added or changed, rows deleted. */
  readonly changes: Record<string, { changed: number; deleted: number }>;
  /** Each pulled row's version, for a push's If-Match. */
  readonly etags: Etags;
  readonly requests: number;
  readonly throttled: number;
  readonly throttledWaitMs: number;
}

const SELECT = {
  businessunits: ['businessunitid', 'name', '_parentbusinessunitid_value', 'isdisabled'],
  systemusers: ['systemuserid', 'fullname', 'domainname', 'internalemailaddress', '_businessunitid_value', '_parentsystemuserid_value', 'isdisabled', 'accessmode'],
  teams: ['teamid', 'name', 'teamtype', '_businessunitid_value', '_administratorid_value', 'isdefault'],
  teammemberships: ['teamid', 'systemuserid'],
  roles: ['roleid', 'name', '_businessunitid_value', '_parentrootroleid_value', '_parentroleid_value', 'isinherited', 'description'],
  privileges: ['privilegeid', 'name', 'accessright', 'canbebasic', 'canbelocal', 'canbedeep', 'canbeglobal'],
  privilegeobjecttypecodes: ['_privilegeid_value', 'objecttypecode'],
  fieldsecurityprofiles: ['fieldsecurityprofileid', 'name', 'description'],
  fieldpermissions: ['fieldpermissionid', '_fieldsecurityprofileid_value', 'entityname', 'attributelogicalname', 'canread', 'cancreate', 'canupdate'],
} as const;

function idsOf(answer: unknown, column: string, what: string): string[] {
  const value = (answer as { value?: unknown } | null)?.value;
  if (!Array.isArray(value)) throw new DataverseError(`reading ${what}: the answer has no "value" list`, null, null);
  return value.map((row, i) => {
    const id = (row as Record<string, unknown> | null)?.[column];
    if (typeof id !== 'string') throw new DataverseError(`reading ${what}: row ${i + 1} has no ${column}`, null, null);
    return id.toLowerCase();
  });
}

export interface PullOptions {
  /** User-owned tables whose records are counted per owner (not pulled); none when absent. */
  readonly counts?: readonly string[];
  /** Skip a counted table the environment does not have (the default list) instead of failing. */
  readonly skipMissingCounts?: boolean;
  /**
   * A delta pull: the organization as the vault holds it since the last pull, and the delta links
   * kept then (per entity set). Change-tracked tables are then asked only for what changed.
   */
  readonly since?: { readonly state: OrgState; readonly deltaLinks: Readonly<Record<string, string>>; readonly etags?: Etags };
}

/** The security tables whose changes may be tracked: entity set -> logical name (asked per environment). */
const TRACKABLE = { businessunits: 'businessunit', systemusers: 'systemuser', teams: 'team' } as const;
type Trackable = keyof typeof TRACKABLE;
const isTrackable = (set: string): set is Trackable => set in TRACKABLE;

/** The rows of a change-tracked table as the vault holds them, in the Web API's shape. */
function rowsOfState(state: OrgState, set: Trackable): Record<string, unknown>[] {
  if (set === 'businessunits') return [...state.businessunits.values()].map((u) => ({ businessunitid: u.businessunitid, name: u.name, _parentbusinessunitid_value: u.parentbusinessunitid, isdisabled: u.isdisabled }));
  if (set === 'systemusers')
    return [...state.systemusers.values()].map((u) => ({ systemuserid: u.systemuserid, fullname: u.fullname, domainname: u.domainname, internalemailaddress: u.internalemailaddress, _businessunitid_value: u.businessunitid, _parentsystemuserid_value: u.parentsystemuserid, isdisabled: u.isdisabled }));
  return [...state.teams.values()].map((t) => ({ teamid: t.teamid, name: t.name, teamtype: t.teamtype, _businessunitid_value: t.businessunitid, _administratorid_value: t.administratorid, isdefault: t.isdefault }));
}

/**
 * Root roles have no parent copy; every other row of roles is a copy in a unit below (one per role
 * and unit: most rows of a large organization), never read: the assignments come joined to theirs.
 */
const ROOT_ROLES = '_parentroleid_value eq null';

/**
 * The role assignments, each joined to the copy it names (link-entity to role, columns back as
 * role.column): the copy's root role and unit are what the model keeps
 * (https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/join-tables).
 */
const ASSIGNMENTS = {
  systemuserroles: { set: 'systemuserrolescollection', holder: 'systemuserid' },
  teamroles: { set: 'teamrolescollection', holder: 'teamid' },
} as const;
const assignmentsFetch = (table: keyof typeof ASSIGNMENTS, pageSize: number) =>
  `<fetch count="${pageSize}"><entity name="${table}"><attribute name="${ASSIGNMENTS[table].holder}"/><attribute name="roleid"/><link-entity name="role" from="roleid" to="roleid" link-type="inner" alias="role"><attribute name="parentrootroleid"/><attribute name="businessunitid"/></link-entity></entity></fetch>`;

/**
 * A linked table's columns as `alias.column`, the spelling of Dataverse 9.x (MicrosoftDocs/powerapps-docs
 * issue 476, DynamicsWebApi issue 25). CRM 2016's Web API spelled them `alias_x002e_column` (its
 * "Use custom FetchXML" note), which dynamics-web-api still decodes into an `alias` object of its
 * own; an environment on an older version is read alike.
 */
export function linkedColumns(row: unknown): unknown {
  if (!row || typeof row !== 'object') return row;
  const out: Record<string, unknown> = {};
  const encoded = new Set<string>();
  for (const [k, v] of Object.entries(row)) {
    const at = k.indexOf('_x002e_');
    if (at > 0) {
      out[`${k.slice(0, at)}.${k.slice(at + '_x002e_'.length)}`] = v;
      encoded.add(k.slice(0, at));
    } else out[k] = v;
  }
  for (const alias of encoded) if ((out[alias] as { _dwaType?: unknown } | undefined)?._dwaType === 'alias') delete out[alias];
  return out;
}

const KEY: Record<Trackable, string> = { businessunits: 'businessunitid', systemusers: 'systemuserid', teams: 'teamid' };

export async function pullEnvironment(connection: Connection, onProgress: (p: PullProgress) => void = () => {}, options: PullOptions = {}): Promise<PullResult> {
  const tables = Object.keys(SELECT) as (keyof typeof SELECT)[];
  const countTables = options.counts ?? [];
  const of = tables.length + 4 + (countTables.length ? 1 : 0);
  let done = 0;
  // Which tables the environment tracks changes of (EntityMetadata.ChangeTrackingEnabled).
  const tracked = new Set<string>();
  await Promise.all(
    Object.entries(TRACKABLE).map(async ([set, logical]) => {
      const def = await connection.send(`reading the definition of table ${logical}`, (api) => api.retrieve<{ ChangeTrackingEnabled?: unknown }>({ collection: 'EntityDefinitions', key: `LogicalName='${logical}'`, select: ['ChangeTrackingEnabled'] }));
      if (def?.ChangeTrackingEnabled === true) tracked.add(set);
    }),
  );
  const deltaLinks: Record<string, string> = {};
  const changes: Record<string, { changed: number; deleted: number }> = {};
  const read = async (set: keyof typeof SELECT): Promise<unknown[]> => {
    const onPage = (n: number) => onProgress({ table: set, rows: n, done, of });
    let rows: unknown[];
    const since = options.since?.deltaLinks[set];
    if (isTrackable(set) && tracked.has(set) && since && options.since) {
      const delta = await connection.changesSince<Record<string, unknown>>(set, since, { onPage: (n) => onProgress({ table: set, rows: n, kind: 'changes', done, of }) });
      // Unchanged rows keep the version they were pulled at, for a push's If-Match.
      const versions = options.since.etags?.[set] ?? {};
      const byId = new Map(rowsOfState(options.since.state, set).map((r) => [r[KEY[set]] as string, versions[r[KEY[set]] as string] ? { ...r, '@odata.etag': versions[r[KEY[set]] as string] } : r]));
      for (const id of delta.deleted) byId.delete(id);
      for (const r of delta.changed) {
        const id = typeof r[KEY[set]] === 'string' ? (r[KEY[set]] as string).toLowerCase() : null;
        if (!id) throw new DataverseError(`reading the changes of ${set}: a changed row has no ${KEY[set]}`, null, null);
        byId.set(id, r);
        // A unit has one default team, the environment's: one the vault made up for a unit it created gives way.
        if (set === 'teams' && r.isdefault === true)
          for (const [other, t] of byId) if (other !== id && t.isdefault === true && t._businessunitid_value === r._businessunitid_value) byId.delete(other);
      }
      deltaLinks[set] = delta.deltaLink;
      changes[set] = { changed: delta.changed.length, deleted: delta.deleted.length };
      rows = [...byId.values()];
      done++;
      onProgress({ table: set, rows: delta.changed.length + delta.deleted.length, kind: 'changes', done, of });
      return rows;
    }
    if (isTrackable(set) && tracked.has(set)) {
      const r = await connection.allTracked(set, SELECT[set], { onPage });
      deltaLinks[set] = r.deltaLink;
      rows = r.rows;
    } else rows = await connection.all(set, SELECT[set], { onPage, ...(set === 'roles' ? { filter: ROOT_ROLES } : {}) });
    done++;
    onProgress({ table: set, rows: rows.length, done, of });
    return rows;
  };
  const readAssignments = async (table: keyof typeof ASSIGNMENTS) => {
    const { set } = ASSIGNMENTS[table];
    const rows = (await connection.fetchAll(set, assignmentsFetch(table, connection.pageSize), { what: `${set} joined to role`, onPage: (n) => onProgress({ table: set, rows: n, done, of }) })).map(linkedColumns);
    done++;
    onProgress({ table: set, rows: rows.length, done, of });
    return rows;
  };
  // Tables are read side by side; the connection bounds how many requests are in flight.
  const [entries, userRoleRows, teamRoleRows] = await Promise.all([Promise.all(tables.map(async (t) => [t, await read(t)] as const)), readAssignments('systemuserroles'), readAssignments('teamroles')]);
  const raw = { ...(Object.fromEntries(entries) as Record<keyof typeof SELECT, unknown[]>), systemuserrolescollection: userRoleRows, teamrolescollection: teamRoleRows };
  const roles = parseRows('roles', raw.roles);
  const rootRoles = roles.filter((r) => (r._parentrootroleid_value ?? r.roleid) === r.roleid);

  const roleprivileges = new Map<string, Rows<'roleprivilege'>[]>();
  let n = 0;
  await Promise.all(
    rootRoles.map(async (r) => {
      const res = await connection.send(`reading the privileges of role ${r.name}`, (api) => api.callFunction<{ RolePrivileges?: unknown }>({ name: 'RetrieveRolePrivilegesRole', parameters: { RoleId: r.roleid } }));
      if (!res || !Array.isArray(res.RolePrivileges)) throw new DataverseError(`reading the privileges of role ${r.name}: the answer has no RolePrivileges list`, null, null);
      roleprivileges.set(r.roleid, parseRows('roleprivilege', res.RolePrivileges));
      onProgress({ table: 'RetrieveRolePrivilegesRole', rows: ++n, done, of });
    }),
  );
  done++;

  const profiles = parseRows('fieldsecurityprofiles', raw.fieldsecurityprofiles);
  const profileusers = new Map<string, string[]>();
  const profileteams = new Map<string, string[]>();
  await Promise.all(
    profiles.flatMap((p) => [
      connection.send(`reading the users of field security profile ${p.name}`, (api) => api.retrieve<{ value: { systemuserid: string }[] }>({ collection: 'fieldsecurityprofiles', key: p.fieldsecurityprofileid, navigationProperty: 'systemuserprofiles_association', select: ['systemuserid'] })).then((r) => profileusers.set(p.fieldsecurityprofileid, idsOf(r, 'systemuserid', `the users of field security profile ${p.name}`))),
      connection.send(`reading the teams of field security profile ${p.name}`, (api) => api.retrieve<{ value: { teamid: string }[] }>({ collection: 'fieldsecurityprofiles', key: p.fieldsecurityprofileid, navigationProperty: 'teamprofiles_association', select: ['teamid'] })).then((r) => profileteams.set(p.fieldsecurityprofileid, idsOf(r, 'teamid', `the teams of field security profile ${p.name}`))),
    ]),
  );
  done++;
  onProgress({ table: 'fieldsecurityprofiles', rows: profiles.length, done, of });

  const env: PulledEnvironment = {
    name: connection.url.hostname,
    businessunits: parseRows('businessunits', raw.businessunits),
    systemusers: parseRows('systemusers', raw.systemusers),
    teams: parseRows('teams', raw.teams),
    teammemberships: parseRows('teammemberships', raw.teammemberships),
    roles,
    privileges: parseRows('privileges', raw.privileges),
    privilegeobjecttypecodes: parseRows('privilegeobjecttypecodes', raw.privilegeobjecttypecodes),
    roleprivileges,
    systemuserroles: parseRows('systemuserroles', raw.systemuserrolescollection),
    teamroles: parseRows('teamroles', raw.teamrolescollection),
    fieldsecurityprofiles: profiles,
    fieldpermissions: parseRows('fieldpermissions', raw.fieldpermissions),
    profileusers,
    profileteams,
  };
  const file = organizationFromEnvironment(env);
  const state = fromInterchange(file);
  if (!state.ok) throw new DataverseError(`the environment's security model does not hold together: ${state.error.message}${state.error.path ? ` (at ${state.error.path})` : ''}`, null, null);
  const counts = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v.length]));
  let pulledState = state.value;
  const recordCounts: Record<string, number> = {};
  const countsMissing: string[] = [];
  if (countTables.length) {
    const { commands, missing } = await pullRecordCounts(connection, pulledState, countTables, (p) => onProgress({ table: p.table, rows: p.records, kind: 'counted', done, of }), { skipMissing: options.skipMissingCounts });
    countsMissing.push(...missing);
    const applied = applyAll(pulledState, commands);
    if (!applied.ok) throw new DataverseError(`the environment's record counts do not fit its security model: ${applied.error.message}`, null, null);
    pulledState = applied.state;
    for (const c of commands) if (c.type === 'setRecordCounts') recordCounts[c.entity] = c.counts.reduce((n, r) => n + r.count, 0);
    done++;
    onProgress({ table: 'every counted table', rows: Object.values(recordCounts).reduce((a, b) => a + b, 0), kind: 'counted', done, of });
  }
  return { state: pulledState, deltaLinks, changes, recordCounts, countsMissing, etags: etagsOf(raw), privilegeIds: Object.fromEntries(env.privileges.map((p) => [p.name, p.privilegeid])), counts, requests: connection.requests, throttled: connection.throttled, throttledWaitMs: connection.throttledWaitMs };
}
