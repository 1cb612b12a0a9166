/**
 * Push: staged commands as Web API requests, in order, sent as $batch change sets of at most
 * 1,000 operations (each change set applies whole or not at all). A dry run lists the requests
 * without sending any. Commands without a Web API mapping yet are refused by name before anything
 * is sent. A team's name and a user's plain columns are PATCHed with If-Match (the version read
 * when the push plans), a value the environment changed since the pull is refused as a conflict
 * naming the field, and a 412 while sending is named the same way.
 */
import type { Command } from '../core/commands/schema';
import type { OrgState } from '../core/model/org';
import { DEPTHS } from '../core/model/depth';
import { Connection, DataverseError, asDataverseError } from './connection';

/** The documented largest batch. */
export const MAX_BATCH = 1000;

export interface PlannedRequest {
  /** Position of the command in the staged set. */
  readonly command: number;
  readonly method: 'POST' | 'DELETE' | 'PATCH';
  /** Relative to /api/data/v9.2/. */
  readonly path: string;
  readonly body?: Record<string, unknown>;
  /** How the request is sent through dynamics-web-api. */
  readonly send: (c: Connection) => Promise<unknown>;
  /** What the environment holds once the request is in effect (checked before a retry). */
  readonly effect: Effect;
  /** A PATCH sent with If-Match: the row's version when the push read it, and what it changes (named in a conflict). */
  readonly ifMatch?: { readonly etag: string; readonly what: string; readonly columns: readonly string[] };
}

/** A role's privilege at a depth (null: the role lacks it), or an association row present or absent. */
export type Effect =
  | { readonly kind: 'privilege'; readonly roleid: string; readonly privilegeid: string; readonly depth: string | null }
  | { readonly kind: 'columns'; readonly set: 'systemusers' | 'teams'; readonly id: string; readonly values: Readonly<Record<string, unknown>> }
  | { readonly kind: 'pair'; readonly set: 'systemuserrolescollection' | 'teamrolescollection' | 'teammemberships'; readonly by: readonly [string, string]; readonly other: readonly [string, string]; readonly present: boolean };

export interface PushContext {
  readonly state: OrgState;
  /** Privilege name -> id, from the last pull. */
  readonly privileges: Readonly<Record<string, string>>;
  /** The id of a role's copy in a business unit, as the environment holds it. */
  readonly roleCopy: (roleid: string, businessunitid: string) => Promise<string>;
  /** A user's or team's row as the environment holds it now, with its @odata.etag (for PATCH with If-Match). */
  readonly row?: (set: 'systemusers' | 'teams', id: string, columns: readonly string[]) => Promise<Record<string, unknown>>;
}

/** A row read from the environment with the columns asked for and its @odata.etag. */
export function rowReader(c: Connection): NonNullable<PushContext['row']> {
  return (set, id, columns) =>
    c.send(`reading ${set}(${id})`, (api) => api.retrieve<Record<string, unknown>>({ collection: set, key: id, select: [...columns] })).then((row) => {
      if (!row || typeof row['@odata.etag'] !== 'string') throw new DataverseError(`reading ${set}(${id}): the answer has no @odata.etag`, null, null);
      return row;
    });
}

/** The plain columns a push may PATCH, per command; other fields of the command are refused by name. */
const PLAIN: Record<'updateTeam' | 'updateUser', { set: 'teams' | 'systemusers'; key: string; entity: string; columns: readonly string[]; label: string }> = {
  updateTeam: { set: 'teams', key: 'teamid', entity: 'team', columns: ['name'], label: 'name' },
  updateUser: { set: 'systemusers', key: 'systemuserid', entity: 'user', columns: ['domainname', 'internalemailaddress'], label: 'fullname' },
};

/** The copy of a role in a unit, read from the environment (roles whose parentrootroleid is the role). */
export function roleCopyReader(c: Connection): PushContext['roleCopy'] {
  const cache = new Map<string, Promise<string>>();
  return (roleid, bu) => {
    const key = `${roleid}|${bu}`;
    let p = cache.get(key);
    if (!p) {
      p = c.all<{ roleid: string }>('roles', ['roleid'], { filter: `_parentrootroleid_value eq ${roleid} and _businessunitid_value eq ${bu}` }).then((rows) => {
        if (rows.length !== 1) throw new DataverseError(`role ${roleid} has no copy in business unit ${bu} in the environment`, null, null);
        return rows[0].roleid;
      });
      cache.set(key, p);
    }
    return p;
  };
}

export async function planPush(commands: readonly Command[], ctx: PushContext): Promise<PlannedRequest[]> {
  const out: PlannedRequest[] = [];
  for (let i = 0; i < commands.length; i++) {
    const c = commands[i] as Command & Record<string, unknown>;
    switch (c.type) {
      case 'setRolePrivilege': {
        const roleid = c.roleid;
        const role = ctx.state.roles.get(roleid);
        if (!role) throw new DataverseError(`command ${i + 1} (setRolePrivilege): role ${roleid} is not in the organization`, null, null);
        const pid = ctx.privileges[c.privilege] ?? Object.entries(ctx.privileges).find(([n]) => n.toLowerCase() === String(c.privilege).toLowerCase())?.[1];
        if (!pid) throw new DataverseError(`command ${i + 1} (setRolePrivilege): the environment has no privilege ${String(c.privilege)}`, null, null);
        if (c.depth === null) {
          const body = { PrivilegeId: pid };
          out.push({ command: i, method: 'POST', path: `roles(${roleid})/Microsoft.Dynamics.CRM.RemovePrivilegeRole`, body, effect: { kind: 'privilege', roleid, privilegeid: pid, depth: null }, send: (k) => k.api.callAction({ actionName: 'Microsoft.Dynamics.CRM.RemovePrivilegeRole', collection: 'roles', key: roleid, action: body }) });
        } else {
          // PrivilegeDepth by member name (Basic, Local, Deep, Global = 0-3).
          const body = { Privileges: [{ Depth: c.depth as string, PrivilegeId: pid, BusinessUnitId: role.businessunitid }] };
          if (!(DEPTHS as readonly unknown[]).includes(c.depth)) throw new DataverseError(`command ${i + 1} (setRolePrivilege): ${String(c.depth)} is not a depth`, null, null);
          out.push({ command: i, method: 'POST', path: `roles(${roleid})/Microsoft.Dynamics.CRM.AddPrivilegesRole`, body, effect: { kind: 'privilege', roleid, privilegeid: pid, depth: c.depth }, send: (k) => k.api.callAction({ actionName: 'Microsoft.Dynamics.CRM.AddPrivilegesRole', collection: 'roles', key: roleid, action: body }) });
        }
        break;
      }
      case 'assignRole':
      case 'removeRole': {
        const user = typeof c.systemuserid === 'string' ? c.systemuserid : null;
        const holder = user ?? (c.teamid as string);
        const set = user ? 'systemusers' : 'teams';
        const nav = user ? 'systemuserroles_association' : 'teamroles_association';
        const unit = c.businessunitid ?? (user ? ctx.state.systemusers.get(user)?.businessunitid : ctx.state.teams.get(holder)?.businessunitid);
        if (!unit) throw new DataverseError(`command ${i + 1} (${c.type}): ${set === 'systemusers' ? 'user' : 'team'} ${holder} is not in the organization`, null, null);
        const copy = await ctx.roleCopy(c.roleid, unit);
        const pair = (present: boolean): Effect => ({ kind: 'pair', set: user ? 'systemuserrolescollection' : 'teamrolescollection', by: [user ? 'systemuserid' : 'teamid', holder], other: ['roleid', copy], present });
        if (c.type === 'assignRole') out.push({ command: i, method: 'POST', path: `${set}(${holder})/${nav}/$ref`, body: { '@odata.id': `roles(${copy})` }, effect: pair(true), send: (k) => k.api.associate({ collection: set, primaryKey: holder, relationshipName: nav, relatedCollection: 'roles', relatedKey: copy }) });
        else out.push({ command: i, method: 'DELETE', path: `${set}(${holder})/${nav}(${copy})/$ref`, effect: pair(false), send: (k) => k.api.disassociate({ collection: set, primaryKey: holder, relationshipName: nav, relatedKey: copy }) });
        break;
      }
      case 'addTeamMember':
      case 'removeTeamMember': {
        const team = c.teamid;
        const user = c.systemuserid;
        const member = (present: boolean): Effect => ({ kind: 'pair', set: 'teammemberships', by: ['teamid', team], other: ['systemuserid', user], present });
        if (c.type === 'addTeamMember') out.push({ command: i, method: 'POST', path: `teams(${team})/teammembership_association/$ref`, body: { '@odata.id': `systemusers(${user})` }, effect: member(true), send: (k) => k.api.associate({ collection: 'teams', primaryKey: team, relationshipName: 'teammembership_association', relatedCollection: 'systemusers', relatedKey: user }) });
        else out.push({ command: i, method: 'DELETE', path: `teams(${team})/teammembership_association(${user})/$ref`, effect: member(false), send: (k) => k.api.disassociate({ collection: 'teams', primaryKey: team, relationshipName: 'teammembership_association', relatedKey: user }) });
        break;
      }
      case 'updateTeam':
      case 'updateUser': {
        const spec = PLAIN[c.type];
        const id = c[spec.key] as string;
        const held = (spec.set === 'teams' ? ctx.state.teams.get(id) : ctx.state.systemusers.get(id)) as unknown as Record<string, unknown> | undefined;
        if (!held) throw new DataverseError(`command ${i + 1} (${c.type}): ${spec.entity} ${id} is not in the organization`, null, null);
        const fields = Object.keys(c).filter((k) => k !== 'type' && k !== spec.key && c[k] !== undefined);
        const other = fields.find((k) => !spec.columns.includes(k));
        if (other) throw new DataverseError(`command ${i + 1} (${c.type}): ${other} cannot be pushed to Dataverse yet (only ${spec.columns.join(', ')}); nothing was sent`, null, null);
        if (!ctx.row) throw new DataverseError(`command ${i + 1} (${c.type}): the push needs to read the ${spec.entity} from the environment`, null, null);
        const name = String(held[spec.label]);
        const what = `${spec.entity} ${name}`;
        const values = Object.fromEntries(fields.map((k) => [k, c[k] ?? null]));
        // The first change of a row in this push is sent with the version read now; a later one of the same row follows it.
        const first = !out.some((r) => r.effect.kind === 'columns' && r.effect.id === id);
        const now = await ctx.row(spec.set, id, fields);
        if (first) {
          const moved = fields.filter((k) => (now[k] ?? null) !== (held[k] ?? null));
          if (moved.length) throw new DataverseError(`conflict: ${moved.map((k) => `the ${k} of ${what} is ${JSON.stringify(now[k] ?? null)} in the environment but ${JSON.stringify(held[k] ?? null)} in the vault`).join('; ')} (changed in the environment since the pull); pull again before pushing command ${i + 1} (${c.type}); nothing was sent`, 412, '0x80060882');
        }
        const etag = now['@odata.etag'] as string;
        out.push({
          command: i,
          method: 'PATCH',
          path: `${spec.set}(${id})`,
          body: values,
          effect: { kind: 'columns', set: spec.set, id, values },
          ...(first ? { ifMatch: { etag, what, columns: fields } } : {}),
          send: (k) => k.api.update({ collection: spec.set, key: id, data: values, ...(first ? { ifmatch: etag } : {}) }),
        });
        break;
      }
      default:
        throw new DataverseError(`command ${i + 1} (${c.type}) cannot be pushed to Dataverse yet; nothing was sent`, null, null);
    }
  }
  return out;
}

const DEPTH_BY_VALUE = ['Basic', 'Local', 'Deep', 'Global'];
/** Users or teams of one association table past which inEffect reads the whole table rather than one query each. */
export const WHOLE_TABLE = 50;

/**
 * Which of the requests the environment already holds in effect, read from the environment: one
 * RetrieveRolePrivilegesRole per affected role and one query per affected user or team. A request
 * in effect must not be sent again (an association sent twice is refused as a duplicate).
 */
export async function inEffect(c: Connection, requests: readonly PlannedRequest[], wholeTable = WHOLE_TABLE): Promise<boolean[]> {
  const roles = new Map<string, Promise<Map<string, string>>>();
  const pairs = new Map<string, Promise<Set<string>>>();
  const norm = (id: string) => id.toLowerCase();
  const privilegesOf = (roleid: string) => {
    let p = roles.get(roleid);
    if (!p) {
      p = c
        .send(`reading the privileges of role ${roleid}`, (api) => api.callFunction<{ RolePrivileges?: { PrivilegeId: string; Depth: string | number }[] }>({ name: 'RetrieveRolePrivilegesRole', parameters: { RoleId: roleid } }))
        .then((res) => {
          if (!res || !Array.isArray(res.RolePrivileges)) throw new DataverseError(`reading the privileges of role ${roleid}: the answer has no RolePrivileges list`, null, null);
          return new Map(res.RolePrivileges.map((r) => [norm(r.PrivilegeId), typeof r.Depth === 'number' || /^\d$/.test(r.Depth) ? DEPTH_BY_VALUE[Number(r.Depth)] : r.Depth]));
        });
      roles.set(roleid, p);
    }
    return p;
  };
  // One query per user or team touched; past `wholeTable` of them, the whole intersect table is read once (a few pages instead of thousands of requests).
  const holders = new Map<string, Set<string>>();
  for (const r of requests) if (r.effect.kind === 'pair') (holders.get(`${r.effect.set}|${r.effect.by[0]}`) ?? holders.set(`${r.effect.set}|${r.effect.by[0]}`, new Set()).get(`${r.effect.set}|${r.effect.by[0]}`)!).add(norm(r.effect.by[1]));
  const wholeTables = new Map<string, Promise<Set<string>>>();
  const pairsOf = async (e: Extract<Effect, { kind: 'pair' }>): Promise<(other: string) => boolean> => {
    const table = `${e.set}|${e.by[0]}`;
    if (holders.get(table)!.size > wholeTable) {
      let all = wholeTables.get(table);
      if (!all) {
        all = c.all<Record<string, string>>(e.set, [e.by[0], e.other[0]]).then((rows) => new Set(rows.map((r) => `${norm(String(r[e.by[0]]))}|${norm(String(r[e.other[0]]))}`)));
        wholeTables.set(table, all);
      }
      const rows = await all;
      return (other) => rows.has(`${norm(e.by[1])}|${other}`);
    }
    const key = `${table}|${e.by[1]}`;
    let p = pairs.get(key);
    if (!p) {
      p = c.all<Record<string, string>>(e.set, [e.by[0], e.other[0]], { filter: `${e.by[0]} eq ${e.by[1]}` }).then((rows) => new Set(rows.map((r) => norm(String(r[e.other[0]])))));
      pairs.set(key, p);
    }
    const rows = await p;
    return (other) => rows.has(other);
  };
  return Promise.all(
    requests.map(async (r) => {
      const e = r.effect;
      if (e.kind === 'privilege') {
        const held = (await privilegesOf(e.roleid)).get(norm(e.privilegeid)) ?? null;
        return held === e.depth;
      }
      if (e.kind === 'columns') {
        const row = await rowReader(c)(e.set, e.id, Object.keys(e.values));
        return Object.entries(e.values).every(([k, v]) => (row[k] ?? null) === v);
      }
      return (await pairsOf(e))(norm(e.other[1])) === e.present;
    }),
  );
}

export interface PushReport {
  readonly sent: number;
  readonly batches: number;
  /** Requests not sent again because the environment already held them after a lost answer. */
  readonly alreadyInEffect: number;
  /** Change sets sent again after an answer that never came (or a server fault). */
  readonly retried: number;
}

export interface SendOptions {
  readonly onBatch?: (done: number, of: number) => void;
  /** Times a change set is sent again after its answer was lost; 2 unless told. */
  readonly retries?: number;
}

/** A 412 named as a conflict: the rows sent with If-Match whose version moved, with the fields the push would change. */
async function conflictOf(c: Connection, slice: readonly PlannedRequest[], message: string): Promise<string> {
  const read = rowReader(c);
  const moved: string[] = [];
  for (const r of slice) {
    if (!r.ifMatch || r.effect.kind !== 'columns') continue;
    const now = await read(r.effect.set, r.effect.id, r.ifMatch.columns).catch(() => null);
    if (now && now['@odata.etag'] !== r.ifMatch.etag) moved.push(`${r.ifMatch.what} was changed in the environment while the push ran (${r.ifMatch.columns.map((k) => `${k} now ${JSON.stringify(now[k] ?? null)}`).join(', ')}); command ${r.command + 1} would set ${r.ifMatch.columns.join(', ')}`);
  }
  return moved.length ? `conflict: ${moved.join('; ')}` : `conflict: ${message}`;
}

/** An answer that says nothing of what was done: no answer at all, or a server fault. */
const unanswered = (e: DataverseError) => e.status === null || e.status >= 500;

/**
 * Sends the requests as $batch change sets of at most MAX_BATCH, in order; the first refused change
 * set stops the push with Dataverse's message. When a change set's answer is lost, what the
 * environment holds is read again and only the requests not yet in effect are sent again, so
 * nothing is applied twice.
 */
export async function sendPush(c: Connection, requests: readonly PlannedRequest[], options: SendOptions | ((done: number, of: number) => void) = {}): Promise<PushReport> {
  const opts: SendOptions = typeof options === 'function' ? { onBatch: options } : options;
  const retries = opts.retries ?? 2;
  const batches = Math.ceil(requests.length / MAX_BATCH);
  let sent = 0;
  let alreadyInEffect = 0;
  let retried = 0;
  for (let b = 0; b < batches; b++) {
    const whole = requests.slice(b * MAX_BATCH, (b + 1) * MAX_BATCH);
    const where = `change set ${b + 1} of ${batches} (commands ${whole[0].command + 1}–${whole.at(-1)!.command + 1})`;
    let slice = whole;
    for (let attempt = 0; ; attempt++) {
      try {
        await c.send(`sending change set ${b + 1} of ${batches}`, async (api) => {
          api.startBatch();
          for (const r of slice) void r.send(c);
          return api.executeBatch();
        });
        sent += slice.length;
        break;
      } catch (e) {
        const d = asDataverseError(e);
        if (d.status === 412) throw new DataverseError(`${await conflictOf(c, slice, d.message)}; ${where} applied nothing${b ? `, the ${b} before it were applied` : ', and no change set before it'}`, d.status, d.code);
        if (!unanswered(d)) throw new DataverseError(`${d.message}; ${where} applied nothing${b ? `, the ${b} before it were applied` : ', and no change set before it'}`, d.status, d.code);
        if (attempt >= retries) throw new DataverseError(`${d.message}; whether ${where} was applied could not be told${b ? ` (the ${b} before it were applied)` : ''}; pushing again sends only what the environment does not hold yet`, d.status, d.code);
        retried++;
        let held: boolean[];
        try {
          held = await inEffect(c, slice);
        } catch (r) {
          throw new DataverseError(`${d.message}; whether ${where} was applied could not be told (reading it back failed: ${asDataverseError(r).message})${b ? ` (the ${b} before it were applied)` : ''}; pushing again sends only what the environment does not hold yet`, d.status, d.code);
        }
        const rest = slice.filter((_, k) => !held[k]);
        alreadyInEffect += slice.length - rest.length;
        slice = rest;
        if (!slice.length) break;
      }
    }
    opts.onBatch?.(b + 1, batches);
  }
  return { sent, batches, alreadyInEffect, retried };
}
