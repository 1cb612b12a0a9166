/**
 * Push: staged commands as Web API requests, in order, sent as $batch change sets of at most
 * 1,000 operations (each change set applies whole or not at all). A dry run lists the requests
 * without sending any. Commands without a Web API mapping yet are refused by name before anything
 * is sent.
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
}

export interface PushContext {
  readonly state: OrgState;
  /** Privilege name -> id, from the last pull. */
  readonly privileges: Readonly<Record<string, string>>;
  /** The id of a role's copy in a business unit, as the environment holds it. */
  readonly roleCopy: (roleid: string, businessunitid: string) => Promise<string>;
}

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
        const roleid = c.roleid as string;
        const role = ctx.state.roles.get(roleid);
        if (!role) throw new DataverseError(`command ${i + 1} (setRolePrivilege): role ${roleid} is not in the organization`, null, null);
        const pid = ctx.privileges[c.privilege as string] ?? Object.entries(ctx.privileges).find(([n]) => n.toLowerCase() === String(c.privilege).toLowerCase())?.[1];
        if (!pid) throw new DataverseError(`command ${i + 1} (setRolePrivilege): the environment has no privilege ${String(c.privilege)}`, null, null);
        if (c.depth === null) {
          const body = { PrivilegeId: pid };
          out.push({ command: i, method: 'POST', path: `roles(${roleid})/Microsoft.Dynamics.CRM.RemovePrivilegeRole`, body, send: (k) => k.api.callAction({ actionName: 'Microsoft.Dynamics.CRM.RemovePrivilegeRole', collection: 'roles', key: roleid, action: body }) });
        } else {
          // PrivilegeDepth by member name (Basic, Local, Deep, Global = 0-3).
          const body = { Privileges: [{ Depth: c.depth as string, PrivilegeId: pid, BusinessUnitId: role.businessunitid }] };
          if (!(DEPTHS as readonly unknown[]).includes(c.depth)) throw new DataverseError(`command ${i + 1} (setRolePrivilege): ${String(c.depth)} is not a depth`, null, null);
          out.push({ command: i, method: 'POST', path: `roles(${roleid})/Microsoft.Dynamics.CRM.AddPrivilegesRole`, body, send: (k) => k.api.callAction({ actionName: 'Microsoft.Dynamics.CRM.AddPrivilegesRole', collection: 'roles', key: roleid, action: body }) });
        }
        break;
      }
      case 'assignRole':
      case 'removeRole': {
        const user = typeof c.systemuserid === 'string' ? c.systemuserid : null;
        const holder = user ?? (c.teamid as string);
        const set = user ? 'systemusers' : 'teams';
        const nav = user ? 'systemuserroles_association' : 'teamroles_association';
        const unit = (c.businessunitid as string | null | undefined) ?? (user ? ctx.state.systemusers.get(user)?.businessunitid : ctx.state.teams.get(holder)?.businessunitid);
        if (!unit) throw new DataverseError(`command ${i + 1} (${c.type}): ${set === 'systemusers' ? 'user' : 'team'} ${holder} is not in the organization`, null, null);
        const copy = await ctx.roleCopy(c.roleid as string, unit);
        if (c.type === 'assignRole') out.push({ command: i, method: 'POST', path: `${set}(${holder})/${nav}/$ref`, body: { '@odata.id': `roles(${copy})` }, send: (k) => k.api.associate({ collection: set, primaryKey: holder, relationshipName: nav, relatedCollection: 'roles', relatedKey: copy }) });
        else out.push({ command: i, method: 'DELETE', path: `${set}(${holder})/${nav}(${copy})/$ref`, send: (k) => k.api.disassociate({ collection: set, primaryKey: holder, relationshipName: nav, relatedKey: copy }) });
        break;
      }
      case 'addTeamMember':
      case 'removeTeamMember': {
        const team = c.teamid as string;
        const user = c.systemuserid as string;
        if (c.type === 'addTeamMember') out.push({ command: i, method: 'POST', path: `teams(${team})/teammembership_association/$ref`, body: { '@odata.id': `systemusers(${user})` }, send: (k) => k.api.associate({ collection: 'teams', primaryKey: team, relationshipName: 'teammembership_association', relatedCollection: 'systemusers', relatedKey: user }) });
        else out.push({ command: i, method: 'DELETE', path: `teams(${team})/teammembership_association(${user})/$ref`, send: (k) => k.api.disassociate({ collection: 'teams', primaryKey: team, relationshipName: 'teammembership_association', relatedKey: user }) });
        break;
      }
      default:
        throw new DataverseError(`command ${i + 1} (${c.type}) cannot be pushed to Dataverse yet; nothing was sent`, null, null);
    }
  }
  return out;
}

export interface PushReport {
  readonly sent: number;
  readonly batches: number;
}

/** Sends the requests as $batch change sets of at most MAX_BATCH, in order; the first refused change set stops the push with Dataverse's message. */
export async function sendPush(c: Connection, requests: readonly PlannedRequest[], onBatch: (done: number, of: number) => void = () => {}): Promise<PushReport> {
  const batches = Math.ceil(requests.length / MAX_BATCH);
  for (let b = 0; b < batches; b++) {
    const slice = requests.slice(b * MAX_BATCH, (b + 1) * MAX_BATCH);
    try {
      await c.send(`sending change set ${b + 1} of ${batches}`, async (api) => {
        api.startBatch();
        for (const r of slice) void r.send(c);
        return api.executeBatch();
      });
    } catch (e) {
      const d = asDataverseError(e);
      throw new DataverseError(`${d.message}; change set ${b + 1} of ${batches} (commands ${slice[0].command + 1}–${slice.at(-1)!.command + 1}) applied nothing${b ? `, the ${b} before it were applied` : ''}`, d.status, d.code);
    }
    onBatch(b + 1, batches);
  }
  return { sent: requests.length, batches };
}
