/**
 * The Dataverse Web API surface (/api/data/v9.2/...) for the synced tables, turned into core
 * commands: a request is planned against the current state (a read answers at once, a write
 * becomes commands and If-Match preconditions) and every write goes through ServerModel.commit.
 * $batch plans each request of a change set and commits them together.
 */
import { randomUUID } from 'node:crypto';
import { BUILTIN_CATALOG, catalogFor } from '../src-main/core/catalog/catalog';
import { DEPTHS } from '../src-main/core/model/depth';
import type { OrgState } from '../src-main/core/model/org';
import {
  SPEC_BY_SET,
  etagOf,
  rowOf,
  toODataRow,
  transition,
  versionOfEtag,
  type Row,
  type SyncTable,
  type TableSpec,
} from '../src-main/core/sync/dataverse';
import type { ObjectRef, ServerModel } from './model';
import { MAX_CHANGESET_OPERATIONS } from '../src-main/core/sync/protocol';

export const API_BASE = '/api/data/v9.2';

export interface WebRequest {
  readonly method: string;
  /** Path after /api/data/v9.2/, e.g. roles(abc)/Microsoft.Dynamics.CRM.AddPrivilegesRole */
  readonly path: string;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly ifMatch?: string;
  readonly prefer?: string;
  readonly body: unknown;
}

export interface WebResult {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

export type Plan =
  | { readonly kind: 'read'; readonly result: WebResult }
  | { readonly kind: 'write'; readonly commands: readonly unknown[]; readonly preconditions: readonly ObjectRef[]; readonly result: WebResult };

export class WebError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
const bad = (message: string, code = 'invalid') => new WebError(400, code, message);

/** Columns a client may write, per table (anything else is a 400 naming it). */
const COLUMNS: Record<SyncTable, readonly string[]> = {
  organization: ['name', 'hierarchysecurity'],
  entities: ['logicalname', 'displayname', 'ownership', 'schemaname'],
  businessunits: ['businessunitid', 'name', 'parentbusinessunitid', 'isdisabled', 'defaultteamid'],
  systemusers: ['systemuserid', 'fullname', 'domainname', 'internalemailaddress', 'businessunitid', 'parentsystemuserid', 'isdisabled'],
  teams: ['teamid', 'name', 'teamtype', 'businessunitid', 'administratorid', 'isdefault'],
  teammembership: ['teamid', 'systemuserid'],
  roles: ['roleid', 'name', 'businessunitid', 'isinherited', 'description', 'privileges'],
  systemuserroles: ['systemuserid', 'roleid', 'businessunitid'],
  teamroles: ['teamid', 'roleid', 'businessunitid'],
  fieldsecurityprofiles: ['fieldsecurityprofileid', 'name', 'description', 'fieldpermissions'],
  systemuserprofiles: ['fieldsecurityprofileid', 'systemuserid'],
  teamprofiles: ['fieldsecurityprofileid', 'teamid'],
};

/** "/businessunits(id)" or a full URL to it -> [entity set, id]. */
export function parseEntityRef(ref: unknown): { set: string; id: string } {
  if (typeof ref !== 'string') throw bad('expected an entity reference such as "/roles(<id>)"');
  const m = /([A-Za-z_]+)\(([^)]+)\)\/?$/.exec(ref);
  if (!m) throw bad(`"${ref}" is not an entity reference such as "/roles(<id>)"`);
  return { set: m[1], id: unquote(m[2]) };
}
const unquote = (s: string) => decodeURIComponent(s).replace(/^'(.*)'$/, '$1');

/** Body columns in model names: x@odata.bind and _x_value become x; annotations are dropped. */
function normalizeBody(s: TableSpec, body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw bad('the request body must be a JSON object');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    const bind = /^(.+)@odata\.bind$/.exec(k);
    const lookup = /^_(.+)_value$/.exec(k);
    if (bind) out[bind[1]] = v === null ? null : parseEntityRef(v).id;
    else if (lookup) out[lookup[1]] = v;
    else if (k.startsWith('@')) continue;
    else out[k] = v;
  }
  for (const k of Object.keys(out)) if (!COLUMNS[s.table].includes(k)) throw bad(`${s.entitySet} has no writable column "${k}" (writable: ${COLUMNS[s.table].join(', ')})`, 'unknown-column');
  return out;
}

const preconditionOf = (s: TableSpec, key: string, ifMatch: string | undefined): ObjectRef[] => {
  if (!ifMatch || ifMatch.trim() === '*') return [];
  const v = versionOfEtag(ifMatch);
  if (v === null) throw bad(`If-Match "${ifMatch}" is not an etag such as W/"12"`);
  return [{ table: s.table, key, version: v }];
};

function commandsOf(table: SyncTable, key: string, from: Row | null, to: Row | null): unknown[] {
  const t = transition(table, key, from, to);
  if (!t.ok) throw bad(t.error.message, t.error.code);
  return t.commands;
}

/**
 * `state` is what the request is planned against: the model's state, or in a $batch change set the
 * state after the change set's earlier requests (so a later one can use a row an earlier one created).
 */
export function plan(model: ServerModel, req: WebRequest, baseUrl: string, state: OrgState = model.state): Plan {
  const m = /^([A-Za-z_]+)(?:\(([^)]*)\))?(?:\/(.*))?$/.exec(req.path);
  if (!m) throw new WebError(404, 'not-found', `no resource at ${API_BASE}/${req.path}`);
  const [, set, rawId, rest] = m;
  const id = rawId === undefined ? undefined : unquote(rawId);
  const method = req.method.toUpperCase();

  if (set === 'privileges') {
    if (method !== 'GET') throw new WebError(405, 'read-only', 'privileges are a read-only catalog');
    return { kind: 'read', result: privileges(model, id, req, baseUrl) };
  }
  const s = SPEC_BY_SET.get(set);
  if (!s) throw new WebError(404, 'not-found', `unknown entity set "${set}" (sets: privileges, ${[...SPEC_BY_SET.keys()].join(', ')})`);

  if (rest) return planNavigation(state, s, id, rest, method, req);

  if (method === 'GET') return { kind: 'read', result: id === undefined ? collection(model, s, req, baseUrl) : single(model, s, id, req, baseUrl) };
  if (method === 'POST' && id === undefined) {
    const body = normalizeBody(s, req.body);
    const key = s.table === 'organization' ? 'organization' : String(body[s.idField] ?? randomUUID());
    if (rowOf(state, s.table, key)) throw new WebError(412, 'duplicate', `${s.entitySet}(${key}) already exists`);
    return { kind: 'write', commands: commandsOf(s.table, key, null, { ...body, [s.idField]: key }), preconditions: [], result: { status: 204, headers: { 'OData-EntityId': `${baseUrl}/${set}(${key})` } } };
  }
  if (id === undefined) throw new WebError(405, 'method', `${method} needs a row: ${set}(<id>)`);
  const current = rowOf(state, s.table, id);
  if (!current) throw new WebError(404, 'not-found', `${set}(${id}) does not exist`);
  const preconditions = preconditionOf(s, id, req.ifMatch);
  if (method === 'PATCH') {
    const body = normalizeBody(s, req.body);
    return { kind: 'write', commands: commandsOf(s.table, id, current, { ...current, ...body }), preconditions, result: { status: 204, headers: { 'OData-EntityId': `${baseUrl}/${set}(${id})` } } };
  }
  if (method === 'DELETE') return { kind: 'write', commands: commandsOf(s.table, id, current, null), preconditions, result: { status: 204 } };
  throw new WebError(405, 'method', `${method} is not supported on ${set}(<id>)`);
}

// ---- reads ----------------------------------------------------------------------------------------

function selectColumns(row: Record<string, unknown>, select: string | undefined, s: TableSpec) {
  if (!select) return row;
  const wanted = new Set(select.split(',').map((c) => c.trim()));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) if (k.startsWith('@') || k === s.idField || wanted.has(k)) out[k] = v;
  return out;
}

/** $filter: "column eq 'value'" joined by "and" (ids, lookups, names, flags). */
function filterOf(filter: string | undefined): ((row: Record<string, unknown>) => boolean) | null {
  if (!filter) return null;
  const parts = filter.split(/\s+and\s+/i).map((p) => {
    // A GUID is written unquoted in OData (_businessunitid_value eq 6f1c…); it compares as the id string.
    const m = /^\s*([A-Za-z_]+)\s+eq\s+('(?:[^']|'')*'|true|false|null|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|-?\d+)\s*$/.exec(p);
    if (!m) throw bad(`unsupported $filter "${p}": only column eq 'value' joined by and`);
    const raw = m[2];
    const value = raw.startsWith("'") ? raw.slice(1, -1).replace(/''/g, "'") : raw === 'null' ? null : raw === 'true' ? true : raw === 'false' ? false : /^-?\d+$/.test(raw) ? Number(raw) : raw.toLowerCase();
    return { column: m[1], value, guid: /^[0-9a-f]{8}-/i.test(raw) };
  });
  return (row) => parts.every((p) => (p.guid ? String(row[p.column] ?? '').toLowerCase() : (row[p.column] ?? null)) === p.value);
}

function collection(model: ServerModel, s: TableSpec, req: WebRequest, baseUrl: string): WebResult {
  const token = req.query.$deltatoken;
  let since: number | undefined;
  if (token !== undefined) {
    if (!/^\d+$/.test(token)) throw bad(`$deltatoken "${token}" is not a token this server issued`);
    since = Number(token);
  }
  const track = since !== undefined || /odata\.track-changes/i.test(req.prefer ?? '');
  const { rows, deleted, version } = model.read(s.table, since);
  const filter = filterOf(req.query.$filter);
  const top = req.query.$top === undefined ? Infinity : Number(req.query.$top);
  if (!(top >= 0)) throw bad(`$top must be a whole number`);
  const value: Record<string, unknown>[] = [];
  for (const r of rows) {
    if (value.length >= top) break;
    const o = toODataRow(s, r.key, r.row, r.version);
    if (filter && !filter(o)) continue;
    value.push(selectColumns(o, req.query.$select, s));
  }
  for (const d of deleted) value.push({ '@odata.context': `${baseUrl}/$metadata#${s.entitySet}/$deletedEntity`, id: d.key, reason: 'deleted' });
  const body: Record<string, unknown> = { '@odata.context': `${baseUrl}/$metadata#${s.entitySet}`, value };
  if (track) body['@odata.deltaLink'] = `${baseUrl}/${s.entitySet}?$deltatoken=${version}`;
  return { status: 200, headers: track ? { 'Preference-Applied': 'odata.track-changes' } : {}, body };
}

function single(model: ServerModel, s: TableSpec, id: string, req: WebRequest, baseUrl: string): WebResult {
  const row = rowOf(model.state, s.table, id);
  if (!row) throw new WebError(404, 'not-found', `${s.entitySet}(${id}) does not exist`);
  const o = toODataRow(s, id, row, model.rowMeta(s.table, id)?.version ?? 0);
  return { status: 200, headers: { ETag: String(o['@odata.etag']) }, body: { '@odata.context': `${baseUrl}/$metadata#${s.entitySet}/$entity`, ...selectColumns(o, req.query.$select, s) } };
}

/**
 * The privilege catalog as a read-only entity set. It changes only with the custom tables
 * (roleatlas_customentities), so every row's etag is the version of the last such change.
 */
function privileges(model: ServerModel, id: string | undefined, req: WebRequest, baseUrl: string): WebResult {
  const catalog = catalogFor(model.state) ?? BUILTIN_CATALOG;
  let version = 0;
  for (const r of model.read('entities').rows) version = Math.max(version, r.version);
  const etag = etagOf(version);
  const s = { idField: 'privilegeid' } as TableSpec;
  const rows = catalog.privileges.map((p) => ({
    '@odata.etag': etag,
    privilegeid: p.name,
    name: p.name,
    accessright: p.accessright,
    entities: p.entities,
    canbebasic: p.depths.includes('Basic'),
    canbelocal: p.depths.includes('Local'),
    canbedeep: p.depths.includes('Deep'),
    canbeglobal: p.depths.includes('Global'),
  }));
  if (id !== undefined) {
    const row = rows.find((r) => r.privilegeid === id);
    if (!row) throw new WebError(404, 'not-found', `privilege ${id} does not exist`);
    return { status: 200, headers: { ETag: etag }, body: { '@odata.context': `${baseUrl}/$metadata#privileges/$entity`, ...selectColumns(row, req.query.$select, s) } };
  }
  const filter = filterOf(req.query.$filter);
  const top = req.query.$top === undefined ? Infinity : Number(req.query.$top);
  if (!(top >= 0)) throw bad(`$top must be a whole number`);
  const value = (filter ? rows.filter((r) => filter(r)) : rows).slice(0, top).map((r) => selectColumns(r, req.query.$select, s));
  return { status: 200, body: { '@odata.context': `${baseUrl}/$metadata#privileges`, value } };
}

// ---- associations and actions ---------------------------------------------------------------------

const ASSOCIATIONS: Record<string, { readonly sets: readonly [string, string] }> = {
  systemuserroles_association: { sets: ['systemusers', 'roles'] },
  teamroles_association: { sets: ['teams', 'roles'] },
  teammembership_association: { sets: ['teams', 'systemusers'] },
};

function planNavigation(state: OrgState, s: TableSpec, id: string | undefined, rest: string, method: string, req: WebRequest): Plan {
  if (id === undefined) throw new WebError(404, 'not-found', `${s.entitySet}/${rest}: name a row first, ${s.entitySet}(<id>)/${rest}`);
  if (!rowOf(state, s.table, id)) throw new WebError(404, 'not-found', `${s.entitySet}(${id}) does not exist`);
  const action = /^(?:Microsoft\.Dynamics\.CRM\.)?(AddPrivilegesRole|RemovePrivilegeRole|ReplacePrivilegesRole)$/.exec(rest);
  if (action) {
    if (method !== 'POST') throw new WebError(405, 'method', `${action[1]} is an action: use POST`);
    if (s.table !== 'roles') throw bad(`${action[1]} is bound to roles, not ${s.entitySet}`);
    return { kind: 'write', commands: privilegeAction(state, id, action[1], req.body), preconditions: [], result: { status: 204 } };
  }
  const nav = /^([A-Za-z_]+)(?:\(([^)]*)\))?\/\$ref$/.exec(rest);
  if (!nav || !ASSOCIATIONS[nav[1]]) throw new WebError(404, 'not-found', `unknown navigation "${rest}" (use systemuserroles_association, teamroles_association or teammembership_association with /$ref)`);
  const [a, b] = ASSOCIATIONS[nav[1]].sets;
  let other: { set: string; id: string };
  if (method === 'POST') {
    const body = req.body as Record<string, unknown> | null;
    other = parseEntityRef(body && typeof body === 'object' ? body['@odata.id'] : undefined);
  } else if (method === 'DELETE') {
    if (nav[2] !== undefined) other = { set: s.entitySet === a ? b : a, id: unquote(nav[2]) };
    else if (req.query.$id) other = parseEntityRef(req.query.$id);
    else throw bad(`DELETE ${nav[1]}/$ref needs the related row: ${nav[1]}(<id>)/$ref or ?$id=<url>`);
  } else throw new WebError(405, 'method', `${method} is not supported on ${nav[1]}/$ref (POST associates, DELETE disassociates)`);
  const ends = new Map([[s.entitySet, id]]);
  ends.set(other.set, other.id);
  if (!ends.has(a) || !ends.has(b) || ends.size !== 2) throw bad(`${nav[1]} relates ${a} and ${b}, not ${s.entitySet} and ${other.set}`);
  const add = method === 'POST';
  const ida = ends.get(a)!;
  const idb = ends.get(b)!;
  let command: unknown;
  if (nav[1] === 'systemuserroles_association') command = { type: add ? 'assignRole' : 'removeRole', systemuserid: ida, roleid: idb };
  else if (nav[1] === 'teamroles_association') command = { type: add ? 'assignRole' : 'removeRole', teamid: ida, roleid: idb };
  else command = { type: add ? 'addTeamMember' : 'removeTeamMember', teamid: ida, systemuserid: idb };
  return { kind: 'write', commands: [command], preconditions: [], result: { status: 204 } };
}

/** Dataverse's RolePrivilege: Depth is PrivilegeDepth 0..3 (Basic..Global) or its name; the privilege by PrivilegeId or PrivilegeName. */
function privilegeOf(p: unknown, i: number): { name: string; depth: (typeof DEPTHS)[number] | null } {
  if (!p || typeof p !== 'object') throw bad(`Privileges[${i}] must be an object with PrivilegeId (or PrivilegeName) and Depth`);
  const o = p as Record<string, unknown>;
  const name = o.PrivilegeName ?? o.PrivilegeId;
  if (typeof name !== 'string' || !name) throw bad(`Privileges[${i}]: PrivilegeId or PrivilegeName is required`);
  if (o.Depth === undefined) return { name, depth: null };
  const depth = typeof o.Depth === 'number' ? DEPTHS[o.Depth] : DEPTHS.find((d) => d === o.Depth);
  if (!depth) throw bad(`Privileges[${i}].Depth must be 0..3 (Basic, Local, Deep, Global), got ${JSON.stringify(o.Depth)}`);
  return { name, depth };
}

function privilegeAction(state: OrgState, roleid: string, action: string, body: unknown): unknown[] {
  const o = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  if (action === 'RemovePrivilegeRole') {
    if (typeof o.PrivilegeId !== 'string') throw bad('RemovePrivilegeRole needs PrivilegeId');
    return [{ type: 'setRolePrivilege', roleid, privilege: o.PrivilegeId, depth: null }];
  }
  if (!Array.isArray(o.Privileges)) throw bad(`${action} needs Privileges: [{PrivilegeId, Depth}]`);
  // Each privilege is one change of the role: the same limit as a change set's operations, checked before any is read.
  if (o.Privileges.length > MAX_CHANGESET_OPERATIONS) {
    throw bad(`${action} holds ${o.Privileges.length} privileges; one request may change at most ${MAX_CHANGESET_OPERATIONS} (the limit of a change set): split it`);
  }
  const list = o.Privileges.map((p, i) => privilegeOf(p, i));
  for (const [i, p] of list.entries()) if (!p.depth) throw bad(`Privileges[${i}].Depth is required`);
  const commands: unknown[] = list.map((p) => ({ type: 'setRolePrivilege', roleid, privilege: p.name, depth: p.depth }));
  if (action === 'ReplacePrivilegesRole') {
    const keep = new Set(list.map((p) => p.name));
    for (const name of Object.keys(state.roles.get(roleid)!.privileges)) if (!keep.has(name)) commands.unshift({ type: 'setRolePrivilege', roleid, privilege: name, depth: null });
  }
  return commands;
}
