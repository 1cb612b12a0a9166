/**
 * Push planning: staged commands as Web API requests, in order (pushSend.ts sends them as $batch
 * change sets of at most 1,000 operations, each applied whole or not at all; pushReadBack.ts tells
 * which the environment already holds). A dry run lists the requests without sending any. A request
 * naming a row Dataverse names itself (a role's copy in a unit, a unit's default team) for a role or
 * unit the same push creates waits for a later phase: its change set is built once the ones before
 * it made that row, which is then read. Staged commands without a Dataverse equivalent are listed by position and
 * nothing is sent. A PATCH carries If-Match with the row's version from the pull, so a row changed
 * in the environment since then is refused (412) and shown per field: the environment's value
 * beside the vault's, with Dataverse's own message.
 */
import { randomUUID } from 'node:crypto';
import type { Command, CommandType } from '../core/commands/schema';
import type { OrgState } from '../core/model/org';
import { DEPTHS } from '../core/model/depth';
import { LOCAL_ONLY_COMMANDS } from '../core/sync/dataverse';
import { Connection, DataverseError } from './connection';
import { fieldPermissionKey, type Etags, type PulledFieldPermission, type VersionedSet } from './etags';

/** The documented largest batch. */
export const MAX_BATCH = 1000;

/** What a request shows before it is sent: a dry run lists these. */
interface RequestLine {
  /** Position of the command in the staged set. */
  readonly command: number;
  readonly method: 'POST' | 'DELETE' | 'PATCH';
  /** Relative to /api/data/v9.2/. */
  readonly path: string;
  readonly body?: Record<string, unknown>;
  /** A PATCH sent with If-Match: the row's version from the pull (or read when the pull kept none) and the vault's values of what it changes. */
  readonly ifMatch?: IfMatch;
  /**
   * Change sets are sent phase by phase, in order: a request naming a row that Dataverse makes and
   * names itself (a role's copy in a unit, a unit's default team) for a role or unit this push
   * creates goes in a later phase than that creation, so the row can be read before it is sent.
   */
  readonly phase: number;
}

export interface ReadyRequest extends RequestLine {
  /** How the request is sent through dynamics-web-api. */
  readonly send: (c: Connection) => Promise<unknown>;
  /** What the environment holds once the request is in effect (checked before a retry). */
  readonly effect: Effect;
  readonly awaits?: undefined;
}

/** A request naming rows Dataverse names itself: its path and body show them in words until they are read. */
export interface AwaitingRequest extends RequestLine {
  readonly awaits: readonly Named[];
  /** The request once the rows it awaits are read from the environment, their ids in the order of `awaits`. */
  readonly named: (ids: readonly string[]) => ReadyRequest;
}

export type PlannedRequest = ReadyRequest | AwaitingRequest;

/** A row whose id Dataverse chooses when it makes it: a role's copy in a business unit, a unit's default team. */
export type Named = { readonly kind: 'role copy'; readonly roleid: string; readonly businessunitid: string } | { readonly kind: 'default team'; readonly businessunitid: string };

/** A named row in a dry run's path or body, until it is read. */
export const namedInWords = (n: Named) => (n.kind === 'role copy' ? `{the copy of role ${n.roleid} in business unit ${n.businessunitid}}` : `{the default team of business unit ${n.businessunitid}}`);

export interface IfMatch {
  readonly etag: string;
  /** "user Kendall Events": the row as a person names it. */
  readonly what: string;
  readonly set: VersionedSet | 'fieldpermissions';
  readonly id: string;
  /** Columns as the Web API reads them (lookups as _x_value) -> the vault's value before the change. */
  readonly vault: Readonly<Record<string, unknown>>;
}

/** What a request leaves in the environment, read back before a retry so nothing is applied twice. */
export type Effect =
  | { readonly kind: 'privilege'; readonly roleid: string; readonly privilegeid: string; readonly depth: string | null }
  /** The role holds exactly these privileges (privilege id -> depth). */
  | { readonly kind: 'privileges'; readonly roleid: string; readonly privileges: Readonly<Record<string, string>> }
  /** Columns as read (lookups as _x_value). */
  | { readonly kind: 'columns'; readonly set: VersionedSet; readonly id: string; readonly values: Readonly<Record<string, unknown>> }
  | { readonly kind: 'row'; readonly set: VersionedSet | 'fieldpermissions'; readonly id: string; readonly present: boolean }
  | { readonly kind: 'fieldpermission'; readonly profileid: string; readonly entityname: string; readonly attributelogicalname: string; readonly values: Readonly<Record<'canread' | 'cancreate' | 'canupdate', number>> | null }
  | { readonly kind: 'pair'; readonly set: 'systemuserrolescollection' | 'teamrolescollection' | 'teammemberships'; readonly by: readonly [string, string]; readonly other: readonly [string, string]; readonly present: boolean }
  | { readonly kind: 'profile'; readonly profileid: string; readonly nav: 'systemuserprofiles_association' | 'teamprofiles_association'; readonly member: string; readonly present: boolean };

export interface PushContext {
  readonly state: OrgState;
  /** Privilege name -> id, from the last pull. */
  readonly privileges: Readonly<Record<string, string>>;
  /** The id of a role's copy in a business unit, as the environment holds it. */
  readonly roleCopy: (roleid: string, businessunitid: string) => Promise<string>;
  /** A row's version from the pull (@odata.etag), when the pull kept it. */
  readonly etag?: (set: VersionedSet, id: string) => string | undefined;
  /** A row as the environment holds it now, with its @odata.etag: for a PATCH of a row the pull kept no version of. */
  readonly row?: (set: VersionedSet | 'fieldpermissions', id: string, columns: readonly string[]) => Promise<Record<string, unknown>>;
  /** A profile's field permission row for a column as the environment holds it now (fieldpermissionid, canread, cancreate, canupdate, @odata.etag; undefined: none): for one the pull kept no version of. */
  readonly fieldPermission?: (profileid: string, entityname: string, attributelogicalname: string) => Promise<Record<string, unknown> | undefined>;
  /** A field permission's row id and version from the pull, by fieldPermissionKey. */
  readonly pulledFieldPermission?: (key: string) => PulledFieldPermission | undefined;
}

/** A push refused for rows changed in the environment since the pull, per field. */
export class PushConflict extends DataverseError {
  constructor(
    message: string,
    readonly fields: readonly { readonly command: number; readonly what: string; readonly field: string; readonly environment: unknown; readonly vault: unknown }[],
    status: number | null,
    code: string | null,
  ) {
    super(message, status, code);
  }
}

/** A row read from the environment with the columns asked for and its @odata.etag. */
export function rowReader(c: Connection): NonNullable<PushContext['row']> {
  return (set, id, columns) =>
    c.send(`reading ${set}(${id})`, (api) => api.retrieve<Record<string, unknown>>({ collection: set, key: id, select: [...columns] })).then((row) => {
      if (!row || typeof row['@odata.etag'] !== 'string') throw new DataverseError(`reading ${set}(${id}): the answer has no @odata.etag`, null, null);
      return row;
    });
}

/** The copy of a role in a unit, read from the environment: every copy of the role at once (roles whose parentrootroleid is the role). */
export function roleCopyReader(c: Connection): PushContext['roleCopy'] {
  const read = namedReader(c);
  return async (roleid, bu) => {
    const copy = await read({ kind: 'role copy', roleid, businessunitid: bu });
    if (!copy) throw new DataverseError(`role ${roleid} has no copy in business unit ${bu} in the environment`, null, null);
    return copy;
  };
}

/**
 * The rows Dataverse names itself, read from the environment (undefined: not there yet). A role's
 * copies are read at once per role (roles?$filter=_parentrootroleid_value eq X), a unit's default
 * team per unit (teams?$filter=_businessunitid_value eq U and isdefault eq true). Each answer is
 * kept by this reader: make a new one after a change set that may have made more of them.
 */
export function namedReader(c: Connection): (n: Named) => Promise<string | undefined> {
  const copies = new Map<string, Promise<Map<string, string>>>();
  const teams = new Map<string, Promise<string | undefined>>();
  return async (n) => {
    const bu = n.businessunitid.toLowerCase();
    if (n.kind === 'default team') {
      let p = teams.get(bu);
      if (!p) {
        p = c.all<{ teamid: string }>('teams', ['teamid'], { filter: `_businessunitid_value eq ${bu} and isdefault eq true` }).then((rows) => rows[0]?.teamid?.toLowerCase());
        teams.set(bu, p);
      }
      return p;
    }
    let p = copies.get(n.roleid);
    if (!p) {
      p = c.all<{ roleid: string; _businessunitid_value: string }>('roles', ['roleid', '_businessunitid_value'], { filter: `_parentrootroleid_value eq ${n.roleid}` }).then((rows) => new Map(rows.map((r) => [String(r._businessunitid_value).toLowerCase(), r.roleid])));
      copies.set(n.roleid, p);
    }
    return (await p).get(bu);
  };
}

/**
 * The requests with the rows they await read from the environment (in the order given); null for a
 * request whose row is not there yet (what makes it was not sent, or not taken).
 */
export async function withNames(requests: readonly PlannedRequest[], read: (n: Named) => Promise<string | undefined>): Promise<(ReadyRequest | null)[]> {
  return Promise.all(
    requests.map(async (r) => {
      if (!r.awaits) return r;
      const ids = await Promise.all(r.awaits.map(read));
      return ids.every((id): id is string => id !== undefined) ? r.named(ids) : null;
    }),
  );
}

/** A profile's field permission rows with their versions, read once per profile from the environment. */
export function fieldPermissionReader(c: Connection): NonNullable<PushContext['fieldPermission']> {
  const cache = new Map<string, Promise<Map<string, Record<string, unknown>>>>();
  return async (profileid, entityname, attribute) => {
    let p = cache.get(profileid);
    if (!p) {
      p = c
        .all<Record<string, unknown>>('fieldpermissions', ['fieldpermissionid', 'entityname', 'attributelogicalname', ...FIELD_RIGHTS], { filter: `_fieldsecurityprofileid_value eq ${profileid}` })
        .then((rows) => new Map(rows.map((r) => [fieldPermissionKey(profileid, String(r.entityname), String(r.attributelogicalname)), r])));
      cache.set(profileid, p);
    }
    return (await p).get(fieldPermissionKey(profileid, entityname, attribute));
  };
}

const FIELD_RIGHTS = ['canread', 'cancreate', 'canupdate'] as const;

/** Why a staged command cannot be pushed: it has no Dataverse equivalent (or none this push sends). */
export const NOT_PUSHED: Partial<Record<CommandType, string>> = {
  ...Object.fromEntries([...LOCAL_ONLY_COMMANDS].map((t) => [t, 'records and shares are kept in the vault only (they model who could see what), not written to the environment'])),
  setHierarchySecurity: "hierarchy security is a setting of the environment's organization row, which this push does not change; set it in the Power Platform admin center",
  addCustomEntity: "a table is created in a solution of the environment (its metadata), not by a push of security changes",
  setDefaultTeamId: "a default team's id is the environment's own: a push that creates a unit takes it from the environment, and nothing is sent for it",
};

/** Model field -> the column as the Web API reads it; lookups are written x@odata.bind to the set named. */
const COLUMNS: Record<VersionedSet, Record<string, { read: string; bind?: string }>> = {
  businessunits: { name: { read: 'name' }, parentbusinessunitid: { read: '_parentbusinessunitid_value', bind: 'businessunits' }, isdisabled: { read: 'isdisabled' } },
  systemusers: { fullname: { read: 'fullname' }, domainname: { read: 'domainname' }, internalemailaddress: { read: 'internalemailaddress' }, parentsystemuserid: { read: '_parentsystemuserid_value', bind: 'systemusers' }, isdisabled: { read: 'isdisabled' } },
  teams: { name: { read: 'name' }, administratorid: { read: '_administratorid_value', bind: 'systemusers' } },
  roles: { name: { read: 'name' }, isinherited: { read: 'isinherited' }, description: { read: 'description' } },
  fieldsecurityprofiles: { name: { read: 'name' }, description: { read: 'description' } },
};
const ENTITY: Record<VersionedSet, string> = { businessunits: 'business unit', systemusers: 'user', teams: 'team', roles: 'role', fieldsecurityprofiles: 'field security profile' };
const TABLE: Record<VersionedSet, 'businessunits' | 'systemusers' | 'teams' | 'roles' | 'fieldsecurityprofiles'> = { businessunits: 'businessunits', systemusers: 'systemusers', teams: 'teams', roles: 'roles', fieldsecurityprofiles: 'fieldsecurityprofiles' };

/**
 * Dataverse composes a user's fullname from firstname and lastname: the last word is written as
 * the last name, the rest as the first name (what the default "First Last" format gives back).
 */
export function nameParts(fullname: string): { firstname: string | null; lastname: string } {
  const words = fullname.trim().split(/\s+/);
  return { firstname: words.length > 1 ? words.slice(0, -1).join(' ') : null, lastname: words.at(-1)! };
}

/** A model row's fields as written in a POST or PATCH body. */
function written(set: VersionedSet, fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    const col = COLUMNS[set][k];
    if (set === 'systemusers' && k === 'fullname') Object.assign(out, nameParts(String(v)));
    else if (col?.bind) out[`${k}@odata.bind`] = v === null || v === undefined ? null : `/${col.bind}(${String(v)})`;
    else out[k] = v ?? null;
  }
  return out;
}

const readForm = (set: VersionedSet, fields: Record<string, unknown>) => Object.fromEntries(Object.entries(fields).map(([k, v]) => [COLUMNS[set][k].read, v ?? null]));
export const show = (v: unknown) => JSON.stringify(v ?? null);
export const same = (a: unknown, b: unknown) => (typeof a === 'string' && typeof b === 'string' ? a.toLowerCase() === b.toLowerCase() : (a ?? null) === (b ?? null));

export async function planPush(commands: readonly Command[], ctx: PushContext): Promise<PlannedRequest[]> {
  const blocked = commands.flatMap((c, i) => (NOT_PUSHED[c.type] ? [{ i, type: c.type }] : []));
  if (blocked.length) {
    const reasons = [...new Set(blocked.map((b) => NOT_PUSHED[b.type]!))].map((why) => `${blocked.filter((b) => NOT_PUSHED[b.type] === why).map((b) => `change ${b.i + 1} (${b.type})`).join(', ')}: ${why}`);
    throw new DataverseError(`${blocked.length} of ${commands.length} staged change(s) have no Dataverse equivalent, so nothing was sent: ${reasons.join('; ')}. Remove them from the staged set (or apply them to the vault only) and push again`, null, null);
  }
  const out: PlannedRequest[] = [];
  /** Rows this push creates or already changed: a later PATCH of them carries no pulled version. */
  const touched = new Set<string>();
  const created = new Set<string>();
  /** Units and roles this push creates (or units it moves), by the phase of that request: Dataverse makes their role copies then. */
  const madeAt = new Map<string, number>();
  /** The vault's id of the default team of a unit this push creates -> the unit: Dataverse names that team itself. */
  const defaultTeams = new Map<string, string>();
  let phase = 0;
  /** The phase after which a role has its copy in a unit, when this push makes that copy (undefined: the environment holds it already). */
  const copyMadeAt = (roleid: string, unit: string): number | undefined => {
    let at = madeAt.get(roleid);
    const seen = new Set<string>();
    for (let u: string | undefined = unit; u && !seen.has(u); u = rowAt('businessunits', u)?.parentbusinessunitid as string | undefined) {
      seen.add(u);
      const m = madeAt.get(u);
      if (m !== undefined) at = Math.max(at ?? m, m);
    }
    return at;
  };
  /** Field permissions this push has touched, by fieldPermissionKey: the row's id as the push leaves it (null: none). */
  const fieldPermissions = new Map<string, string | null>();
  // The rows as the staged commands before this one leave them: read from the vault's state, written here (a command's whole state would copy a 50,000-row table each time).
  const overlay = new Map<string, Record<string, unknown> | null>();
  const rowAt = (set: VersionedSet, id: string): Record<string, unknown> | undefined => {
    const k = `${set}|${id}`;
    if (overlay.has(k)) return overlay.get(k) ?? undefined;
    return ctx.state[TABLE[set]].get(id) as unknown as Record<string, unknown> | undefined;
  };
  const write = (set: VersionedSet, id: string, row: Record<string, unknown> | null) => overlay.set(`${set}|${id}`, row);
  const rootUnit = () => [...ctx.state.businessunits.values()].find((u) => u.parentbusinessunitid === null)?.businessunitid;
  const pid = (i: number, type: string, name: string) => {
    const id = ctx.privileges[name] ?? Object.entries(ctx.privileges).find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
    if (!id) throw new DataverseError(`command ${i + 1} (${type}): the environment has no privilege ${name}`, null, null);
    return id;
  };
  for (let i = 0; i < commands.length; i++) {
    const c = commands[i];
    const fail = (why: string) => new DataverseError(`command ${i + 1} (${c.type}): ${why}; nothing was sent`, null, null);
    type Request = Omit<ReadyRequest, 'command' | 'phase'>;
    const push = (r: Request) => out.push({ command: i, phase, ...r });
    /** A request naming rows Dataverse names itself, sent in the phase after the ones that make them. */
    const awaiting = (names: readonly { named: Named; at: number }[], build: (ids: readonly string[]) => Request) => {
      phase = Math.max(phase, ...names.map((n) => n.at + 1));
      const at = phase;
      const shown = build(names.map((n) => namedInWords(n.named)));
      out.push({ command: i, phase: at, method: shown.method, path: shown.path, ...(shown.body ? { body: shown.body } : {}), awaits: names.map((n) => n.named), named: (ids) => ({ ...build(ids), command: i, phase: at }) });
    };
    /** A team as the environment names it: the default team of a unit this push creates awaits its id. */
    const teamNamed = (teamid: string, names: { named: Named; at: number }[]) => {
      const unit = defaultTeams.get(teamid);
      if (unit !== undefined) names.push({ named: { kind: 'default team', businessunitid: unit }, at: madeAt.get(unit)! });
      return unit !== undefined;
    };

    /** POST {set} with the id the vault holds (Dataverse keeps a client-supplied GUID). */
    const create = (set: VersionedSet | 'fieldpermissions', id: string, body: Record<string, unknown>) => {
      created.add(id);
      touched.add(`${set}|${id}`);
      push({ method: 'POST', path: set, body, effect: { kind: 'row', set, id, present: true }, send: (k) => k.api.create({ collection: set, data: body }) });
    };
    const remove = (set: VersionedSet | 'fieldpermissions', id: string) => {
      touched.add(`${set}|${id}`);
      push({ method: 'DELETE', path: `${set}(${id})`, effect: { kind: 'row', set, id, present: false }, send: (k) => k.api.deleteRecord({ collection: set, key: id }) });
    };
    /** PATCH of the fields the command changes, If-Match with the pulled version on the row's first change in this push. */
    const patch = async (set: VersionedSet, id: string, given: Record<string, unknown>) => {
      const was = rowAt(set, id);
      if (!was) throw fail(`${ENTITY[set]} ${id} is not in the organization`);
      const now = { ...was, ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) };
      write(set, id, now);
      const fields = Object.keys(COLUMNS[set]).filter((k) => k in given && given[k] !== undefined && (now[k] ?? null) !== (was[k] ?? null));
      if (!fields.length) return;
      const changes = Object.fromEntries(fields.map((k) => [k, now[k] ?? null]));
      const held = Object.fromEntries(fields.map((k) => [k, was[k] ?? null]));
      const body = written(set, changes);
      const values = readForm(set, changes);
      const vault = readForm(set, held);
      const what = `${ENTITY[set]} ${String(was.fullname ?? was.name ?? id)}`;
      let ifMatch: IfMatch | undefined;
      if (!touched.has(`${set}|${id}`)) {
        const pulled = ctx.etag?.(set, id);
        if (pulled) ifMatch = { etag: pulled, what, set, id, vault };
        else if (ctx.row) {
          // No version from the pull (a vault pulled before versions were kept): the row as it is now, held to the vault's values.
          const env = await ctx.row(set, id, Object.keys(vault));
          const moved = Object.keys(vault).filter((k) => !same(env[k], vault[k]));
          if (moved.length) throw new PushConflict(`conflict: ${moved.map((k) => `the ${k} of ${what} is ${show(env[k])} in the environment but ${show(vault[k])} in the vault`).join('; ')} (changed in the environment since the pull); pull again before pushing command ${i + 1} (${c.type}); nothing was sent`, moved.map((k) => ({ command: i, what, field: k, environment: env[k] ?? null, vault: vault[k] })), 412, '0x80060882');
          ifMatch = { etag: env['@odata.etag'] as string, what, set, id, vault };
        } else throw fail(`the push has no version of ${what} from the pull to send with If-Match; pull again`);
      }
      touched.add(`${set}|${id}`);
      const etag = ifMatch?.etag;
      const request = (rowid: string): Request => ({ method: 'PATCH', path: `${set}(${rowid})`, body, effect: { kind: 'columns', set, id: rowid, values }, ...(ifMatch ? { ifMatch } : {}), send: (k) => k.api.update({ collection: set, key: rowid, data: body, ...(etag ? { ifmatch: etag } : {}) }) });
      const names: { named: Named; at: number }[] = [];
      if (set === 'teams' && teamNamed(id, names)) awaiting(names, (ids) => request(ids[0]));
      else push(request(id));
    };
    const replacePrivileges = (roleid: string, names: Readonly<Record<string, string>>) => {
      const role = rowAt('roles', roleid);
      if (!role) throw fail(`role ${roleid} is not in the organization`);
      const entries = Object.entries(names).map(([n, depth]) => ({ id: pid(i, c.type, n), depth }));
      const body = { Privileges: entries.map((e) => ({ Depth: e.depth, PrivilegeId: e.id, BusinessUnitId: role.businessunitid })) };
      touched.add(`roles|${roleid}`);
      push({ method: 'POST', path: `roles(${roleid})/Microsoft.Dynamics.CRM.ReplacePrivilegesRole`, body, effect: { kind: 'privileges', roleid, privileges: Object.fromEntries(entries.map((e) => [e.id, e.depth])) }, send: (k) => k.api.callAction({ actionName: 'Microsoft.Dynamics.CRM.ReplacePrivilegesRole', collection: 'roles', key: roleid, action: body }) });
    };

    switch (c.type) {
      case 'setRolePrivilege': {
        const role = rowAt('roles', c.roleid);
        if (!role) throw fail(`role ${c.roleid} is not in the organization`);
        const privilegeid = pid(i, c.type, c.privilege);
        touched.add(`roles|${c.roleid}`);
        if (c.depth === null) {
          const body = { PrivilegeId: privilegeid };
          push({ method: 'POST', path: `roles(${c.roleid})/Microsoft.Dynamics.CRM.RemovePrivilegeRole`, body, effect: { kind: 'privilege', roleid: c.roleid, privilegeid, depth: null }, send: (k) => k.api.callAction({ actionName: 'Microsoft.Dynamics.CRM.RemovePrivilegeRole', collection: 'roles', key: c.roleid, action: body }) });
        } else {
          if (!(DEPTHS as readonly unknown[]).includes(c.depth)) throw fail(`${String(c.depth)} is not a depth`);
          // PrivilegeDepth by member name (Basic, Local, Deep, Global = 0-3).
          const body = { Privileges: [{ Depth: c.depth, PrivilegeId: privilegeid, BusinessUnitId: role.businessunitid }] };
          push({ method: 'POST', path: `roles(${c.roleid})/Microsoft.Dynamics.CRM.AddPrivilegesRole`, body, effect: { kind: 'privilege', roleid: c.roleid, privilegeid, depth: c.depth }, send: (k) => k.api.callAction({ actionName: 'Microsoft.Dynamics.CRM.AddPrivilegesRole', collection: 'roles', key: c.roleid, action: body }) });
        }
        break;
      }
      case 'replaceRolePrivileges':
        replacePrivileges(c.roleid, c.privileges);
        break;
      case 'assignRole':
      case 'removeRole': {
        const user = c.systemuserid ?? null;
        const holder = user ?? c.teamid!;
        const set = user ? 'systemusers' : 'teams';
        const nav = user ? 'systemuserroles_association' : 'teamroles_association';
        const unit = c.businessunitid ?? (rowAt(set, holder)?.businessunitid as string | undefined);
        if (!unit) throw fail(`${user ? 'user' : 'team'} ${holder} is not in the organization`);
        const role = rowAt('roles', c.roleid);
        const names: { named: Named; at: number }[] = [];
        const teamAwaited = !user && teamNamed(holder, names);
        let copy: string | undefined;
        if (role && created.has(c.roleid) && role.businessunitid === unit) copy = c.roleid;
        else {
          const at = copyMadeAt(c.roleid, unit);
          if (at === undefined) copy = await ctx.roleCopy(c.roleid, unit);
          else names.push({ named: { kind: 'role copy', roleid: c.roleid, businessunitid: unit }, at });
        }
        const request = (holderid: string, copyid: string): Request => {
          const pair = (present: boolean): Effect => ({ kind: 'pair', set: user ? 'systemuserrolescollection' : 'teamrolescollection', by: [user ? 'systemuserid' : 'teamid', holderid], other: ['roleid', copyid], present });
          if (c.type === 'assignRole') return { method: 'POST', path: `${set}(${holderid})/${nav}/$ref`, body: { '@odata.id': `roles(${copyid})` }, effect: pair(true), send: (k) => k.api.associate({ collection: set, primaryKey: holderid, relationshipName: nav, relatedCollection: 'roles', relatedKey: copyid }) };
          return { method: 'DELETE', path: `${set}(${holderid})/${nav}(${copyid})/$ref`, effect: pair(false), send: (k) => k.api.disassociate({ collection: set, primaryKey: holderid, relationshipName: nav, relatedKey: copyid }) };
        };
        if (!names.length) push(request(holder, copy!));
        else awaiting(names, (ids) => request(teamAwaited ? ids[0] : holder, copy ?? ids.at(-1)!));
        break;
      }
      case 'addTeamMember':
      case 'removeTeamMember': {
        const { teamid: team, systemuserid: user } = c;
        const member = (present: boolean): Effect => ({ kind: 'pair', set: 'teammemberships', by: ['teamid', team], other: ['systemuserid', user], present });
        if (c.type === 'addTeamMember') push({ method: 'POST', path: `teams(${team})/teammembership_association/$ref`, body: { '@odata.id': `systemusers(${user})` }, effect: member(true), send: (k) => k.api.associate({ collection: 'teams', primaryKey: team, relationshipName: 'teammembership_association', relatedCollection: 'systemusers', relatedKey: user }) });
        else push({ method: 'DELETE', path: `teams(${team})/teammembership_association(${user})/$ref`, effect: member(false), send: (k) => k.api.disassociate({ collection: 'teams', primaryKey: team, relationshipName: 'teammembership_association', relatedKey: user }) });
        break;
      }
      case 'createBusinessUnit': {
        // Dataverse creates the unit's default team itself, under an id of its own: requests naming the team wait to read it, and the vault takes that id once the push is through.
        const id = c.businessunitid!;
        madeAt.set(id, phase);
        if (c.defaultteamid) {
          defaultTeams.set(c.defaultteamid, id);
          // Made by this push: a change of it carries no version from the pull.
          touched.add(`teams|${c.defaultteamid}`);
          write('teams', c.defaultteamid, { teamid: c.defaultteamid, name: c.name, teamtype: 0, businessunitid: id, administratorid: null, isdefault: true });
        }
        write('businessunits', id, { businessunitid: id, name: c.name, parentbusinessunitid: c.parentbusinessunitid, isdisabled: false });
        create('businessunits', id, { businessunitid: id, name: c.name, 'parentbusinessunitid@odata.bind': `/businessunits(${c.parentbusinessunitid})` });
        break;
      }
      case 'updateBusinessUnit':
        await patch('businessunits', c.businessunitid, { name: c.name });
        break;
      // Behavior of specialized update operations: SetParentBusinessUnit is an Update of parentbusinessunitid, SetState of isdisabled.
      case 'moveBusinessUnit':
        await patch('businessunits', c.businessunitid, { parentbusinessunitid: c.parentbusinessunitid });
        // Dataverse copies the roles of the new parent's line into the unit and the units below it again.
        madeAt.set(c.businessunitid, phase);
        break;
      case 'setBusinessUnitDisabled':
        await patch('businessunits', c.businessunitid, { isdisabled: c.isdisabled });
        break;
      case 'deleteBusinessUnit':
        write('businessunits', c.businessunitid, null);
        remove('businessunits', c.businessunitid);
        break;
      case 'createUser': {
        const u = { systemuserid: c.systemuserid!, fullname: c.fullname, domainname: c.domainname, internalemailaddress: c.internalemailaddress ?? null, businessunitid: c.businessunitid, parentsystemuserid: c.parentsystemuserid ?? null, isdisabled: false };
        write('systemusers', u.systemuserid, u);
        create('systemusers', u.systemuserid, { systemuserid: u.systemuserid, ...written('systemusers', { fullname: u.fullname, domainname: u.domainname, internalemailaddress: u.internalemailaddress }), 'businessunitid@odata.bind': `/businessunits(${u.businessunitid})`, ...(u.parentsystemuserid ? written('systemusers', { parentsystemuserid: u.parentsystemuserid }) : {}) });
        break;
      }
      case 'updateUser':
        await patch('systemusers', c.systemuserid, { fullname: c.fullname, domainname: c.domainname, internalemailaddress: c.internalemailaddress, parentsystemuserid: c.parentsystemuserid });
        break;
      case 'moveUser': {
        const was = rowAt('systemusers', c.systemuserid);
        if (!was) throw fail(`user ${c.systemuserid} is not in the organization`);
        if (was.businessunitid === c.businessunitid) break;
        write('systemusers', c.systemuserid, { ...was, businessunitid: c.businessunitid });
        // The user keeps what it owns: ReassignPrincipal is the user itself. Dataverse removes the user's roles, as the model does.
        const body = { BusinessUnit: { '@odata.type': 'Microsoft.Dynamics.CRM.businessunit', businessunitid: c.businessunitid }, ReassignPrincipal: { '@odata.type': 'Microsoft.Dynamics.CRM.systemuser', systemuserid: c.systemuserid } };
        touched.add(`systemusers|${c.systemuserid}`);
        push({ method: 'POST', path: `systemusers(${c.systemuserid})/Microsoft.Dynamics.CRM.SetBusinessSystemUser`, body, effect: { kind: 'columns', set: 'systemusers', id: c.systemuserid, values: { _businessunitid_value: c.businessunitid } }, send: (k) => k.api.callAction({ actionName: 'Microsoft.Dynamics.CRM.SetBusinessSystemUser', collection: 'systemusers', key: c.systemuserid, action: body }) });
        break;
      }
      case 'setUserDisabled':
        await patch('systemusers', c.systemuserid, { isdisabled: c.isdisabled });
        break;
      case 'createTeam': {
        const t = { teamid: c.teamid!, name: c.name, teamtype: c.teamtype, businessunitid: c.businessunitid, administratorid: c.administratorid ?? null, isdefault: false };
        write('teams', t.teamid, t);
        create('teams', t.teamid, { teamid: t.teamid, name: t.name, teamtype: t.teamtype, 'businessunitid@odata.bind': `/businessunits(${t.businessunitid})`, ...(t.administratorid ? written('teams', { administratorid: t.administratorid }) : {}) });
        break;
      }
      case 'updateTeam':
        await patch('teams', c.teamid, { name: c.name, administratorid: c.administratorid });
        break;
      case 'deleteTeam':
        write('teams', c.teamid, null);
        remove('teams', c.teamid);
        break;
      case 'createRole': {
        const unit = c.businessunitid ?? rootUnit();
        if (!unit) throw fail('the organization has no root business unit');
        const r = { roleid: c.roleid!, name: c.name, businessunitid: unit, isinherited: c.isinherited ?? 1, description: c.description ?? null, privileges: c.privileges ?? {} };
        write('roles', r.roleid, r);
        madeAt.set(r.roleid, phase);
        create('roles', r.roleid, { roleid: r.roleid, name: r.name, 'businessunitid@odata.bind': `/businessunits(${r.businessunitid})`, isinherited: r.isinherited, ...(r.description ? { description: r.description } : {}) });
        if (Object.keys(r.privileges).length) replacePrivileges(r.roleid, r.privileges);
        break;
      }
      case 'updateRole':
        await patch('roles', c.roleid, { name: c.name, isinherited: c.isinherited, description: c.description });
        break;
      case 'deleteRole':
        write('roles', c.roleid, null);
        remove('roles', c.roleid);
        break;
      case 'createFieldSecurityProfile': {
        const p = { fieldsecurityprofileid: c.fieldsecurityprofileid!, name: c.name, description: c.description ?? null };
        write('fieldsecurityprofiles', p.fieldsecurityprofileid, p);
        create('fieldsecurityprofiles', p.fieldsecurityprofileid, { fieldsecurityprofileid: p.fieldsecurityprofileid, name: p.name, ...(p.description ? { description: p.description } : {}) });
        break;
      }
      case 'updateFieldSecurityProfile':
        await patch('fieldsecurityprofiles', c.fieldsecurityprofileid, { name: c.name, description: c.description });
        break;
      case 'deleteFieldSecurityProfile':
        write('fieldsecurityprofiles', c.fieldsecurityprofileid, null);
        remove('fieldsecurityprofiles', c.fieldsecurityprofileid);
        break;
      case 'setFieldPermission':
      case 'removeFieldPermission': {
        const profile = c.fieldsecurityprofileid;
        const key = fieldPermissionKey(profile, c.entityname, c.attributelogicalname);
        const what = `field permission ${c.entityname}.${c.attributelogicalname} of profile ${String(rowAt('fieldsecurityprofiles', profile)?.name ?? profile)}`;
        let id = fieldPermissions.get(key);
        let ifMatch: IfMatch | undefined;
        if (id === undefined && created.has(profile)) id = null;
        else if (id === undefined) {
          // Its first change in this push: the id and version the pull kept, or else the row read now and held to the vault's values.
          const held = ctx.state.fieldsecurityprofiles.get(profile)?.fieldpermissions.find((f) => f.entityname === c.entityname && f.attributelogicalname === c.attributelogicalname);
          const vault = Object.fromEntries(FIELD_RIGHTS.map((k) => [k, held?.[k] ?? null]));
          const pulled = ctx.pulledFieldPermission?.(key);
          let etag = pulled?.etag;
          id = pulled?.id ?? null;
          if (!pulled) {
            if (!ctx.fieldPermission) throw fail("the push needs to read the profile's field permissions from the environment");
            const env = await ctx.fieldPermission(profile, c.entityname, c.attributelogicalname);
            const moved = c.type === 'setFieldPermission' ? FIELD_RIGHTS.filter((k) => !same(env?.[k] ?? null, vault[k])) : [];
            if (moved.length) throw new PushConflict(`conflict: ${moved.map((k) => `the ${k} of ${what} is ${show(env?.[k])} in the environment but ${show(vault[k])} in the vault`).join('; ')} (changed in the environment since the pull); pull again before pushing command ${i + 1} (${c.type}); nothing was sent`, moved.map((k) => ({ command: i, what, field: k, environment: env?.[k] ?? null, vault: vault[k] })), 412, '0x80060882');
            id = env ? String(env.fieldpermissionid).toLowerCase() : null;
            etag = typeof env?.['@odata.etag'] === 'string' ? env['@odata.etag'] : undefined;
          }
          if (id && etag) ifMatch = { etag, what, set: 'fieldpermissions', id, vault };
        }
        const where = { kind: 'fieldpermission', profileid: profile, entityname: c.entityname, attributelogicalname: c.attributelogicalname } as const;
        if (c.type === 'removeFieldPermission') {
          if (!id) throw fail(`the environment has no field permission for ${c.entityname}.${c.attributelogicalname} on profile ${profile}`);
          const gone = id;
          fieldPermissions.set(key, null);
          push({ method: 'DELETE', path: `fieldpermissions(${id})`, effect: { ...where, values: null }, send: (k) => k.api.deleteRecord({ collection: 'fieldpermissions', key: gone }) });
          break;
        }
        const values = { canread: c.canread, cancreate: c.cancreate, canupdate: c.canupdate };
        if (id) {
          const row = id;
          const etag = ifMatch?.etag;
          fieldPermissions.set(key, id);
          push({ method: 'PATCH', path: `fieldpermissions(${id})`, body: values, effect: { ...where, values }, ...(ifMatch ? { ifMatch } : {}), send: (k) => k.api.update({ collection: 'fieldpermissions', key: row, data: values, ...(etag ? { ifmatch: etag } : {}) }) });
        } else {
          const fresh = randomUUID();
          fieldPermissions.set(key, fresh);
          const body = { fieldpermissionid: fresh, 'fieldsecurityprofileid@odata.bind': `/fieldsecurityprofiles(${profile})`, entityname: c.entityname, attributelogicalname: c.attributelogicalname, ...values };
          push({ method: 'POST', path: 'fieldpermissions', body, effect: { ...where, values }, send: (k) => k.api.create({ collection: 'fieldpermissions', data: body }) });
        }
        break;
      }
      case 'assignFieldSecurityProfile':
      case 'removeFieldSecurityProfile': {
        const profile = c.fieldsecurityprofileid;
        const member = c.systemuserid ?? c.teamid!;
        const nav = c.systemuserid ? 'systemuserprofiles_association' : 'teamprofiles_association';
        const related = c.systemuserid ? 'systemusers' : 'teams';
        const request = (memberid: string): Request => {
          const effect = (present: boolean): Effect => ({ kind: 'profile', profileid: profile, nav, member: memberid, present });
          if (c.type === 'assignFieldSecurityProfile') return { method: 'POST', path: `fieldsecurityprofiles(${profile})/${nav}/$ref`, body: { '@odata.id': `${related}(${memberid})` }, effect: effect(true), send: (k) => k.api.associate({ collection: 'fieldsecurityprofiles', primaryKey: profile, relationshipName: nav, relatedCollection: related, relatedKey: memberid }) };
          return { method: 'DELETE', path: `fieldsecurityprofiles(${profile})/${nav}(${memberid})/$ref`, effect: effect(false), send: (k) => k.api.disassociate({ collection: 'fieldsecurityprofiles', primaryKey: profile, relationshipName: nav, relatedKey: memberid }) };
        };
        const names: { named: Named; at: number }[] = [];
        if (!c.systemuserid && teamNamed(member, names)) awaiting(names, (ids) => request(ids[0]));
        else push(request(member));
        break;
      }
      default:
        throw fail('cannot be pushed to Dataverse');
    }
  }
  return out;
}

/** The rows a push changes in place, whose pulled versions it leaves stale. */
export function changedRows(requests: readonly PlannedRequest[]): { set: VersionedSet | 'fieldpermissions'; id: string }[] {
  const out = new Map<string, { set: VersionedSet | 'fieldpermissions'; id: string }>();
  for (const r of requests) {
    // A request awaiting a row Dataverse names changes an association or a row this push made, of which the pull kept no version.
    if (r.awaits) continue;
    const e = r.effect;
    if (e.kind === 'columns') out.set(`${e.set}|${e.id}`, { set: e.set, id: e.id });
    else if (e.kind === 'privilege' || e.kind === 'privileges') out.set(`roles|${e.roleid}`, { set: 'roles', id: e.roleid });
    else if (e.kind === 'fieldpermission') out.set(`fieldpermissions|${fieldPermissionKey(e.profileid, e.entityname, e.attributelogicalname)}`, { set: 'fieldpermissions', id: fieldPermissionKey(e.profileid, e.entityname, e.attributelogicalname) });
  }
  return [...out.values()];
}

/** What a push reads from the environment and keeps from the pull, for one connection. */
export function pushContext(c: Connection, state: OrgState, pulled: { readonly privileges: Readonly<Record<string, string>>; readonly etags?: Etags }): PushContext {
  const etags = pulled.etags;
  return { state, privileges: pulled.privileges, roleCopy: roleCopyReader(c), row: rowReader(c), fieldPermission: fieldPermissionReader(c), ...(etags ? { etag: (set: VersionedSet, id: string) => etags[set]?.[id.toLowerCase()], pulledFieldPermission: (key: string) => etags.fieldpermissions?.[key] } : {}) };
}
