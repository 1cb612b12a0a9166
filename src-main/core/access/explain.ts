import type { PrivilegeDef } from '../catalog/catalog';
import type { AccessRight } from '../model/accessRights';
import { depthOfLevel, type Depth } from '../model/depth';
import type { Id } from '../model/org';
import type { AccessEngine } from './engine';
import { managerLevel } from './hierarchySecurity';
import { hasItem } from './principals';
import { sharesReaching } from './shares';
import { grantAt, type Grant, type Principal } from './subject';

/** Why a user has access (every path that grants it) or does not (the reasons): check() is this reduced to a boolean. */

export type Reach = 'organization' | 'businessunit-and-below' | 'businessunit' | 'owner' | 'team-owner' | 'share' | 'hierarchy';

export interface AccessPath {
  readonly roleid: Id;
  readonly rolename: string;
  readonly depth: Depth;
  readonly via: 'direct' | 'team';
  readonly teamid?: Id;
  readonly teamname?: string;
  /** A team role with isinherited = 1 acting as the member's own role. */
  readonly inheritedfromteam?: boolean;
  readonly scopebusinessunitid: Id;
  readonly scopebusinessunitname: string;
  readonly reach: Reach;
  readonly sharedwith?: Id;
  readonly accessrightsmask?: number;
  readonly reportid?: Id;
  readonly managerlevel?: number;
}

type RecordReach = Pick<AccessPath, 'reach' | 'sharedwith' | 'accessrightsmask' | 'reportid' | 'managerlevel'>;

export interface Explanation {
  readonly allowed: boolean;
  /** The deepest depth the user holds the privilege at, whatever the record. */
  readonly depth: Depth | null;
  readonly privilege: string | null;
  readonly paths: readonly AccessPath[];
  /** Why access is denied (empty when allowed). */
  readonly reasons: readonly string[];
}

/** What a grant at a level reaches when no record is named. */
const reachOfLevel = (level: number, userContext: boolean): Reach =>
  level === 4 ? 'organization' : level === 3 ? 'businessunit-and-below' : level === 2 ? 'businessunit' : userContext ? 'owner' : 'team-owner';

const noPrivilege = (e: AccessEngine, entity: string, right: AccessRight) => (e.catalog.entities.has(entity) ? `${entity} has no ${right} privilege` : `unknown table "${entity}"`);

/** Every path that grants `right` on `entity` (or on one record) to a user, or why none does. */
export function explain(e: AccessEngine, userId: Id, entity: string, right: AccessRight, recordId?: Id): Explanation {
  const u = e.principals.userIndex.get(userId);
  const user = e.state.systemusers.get(userId);
  if (u === undefined || !user) return deny(null, null, [`user ${userId} does not exist`]);
  const priv = e.catalog.privilegeFor(entity, right);
  if (!priv) return deny(null, null, [noPrivilege(e, entity, right)]);
  const depth = depthOfLevel(e.levelOf(u, priv.index));
  if (user.isdisabled) return deny(priv.name, null, [`${user.fullname} is disabled; disabled users have no access`]);
  if (!e.isActive(u)) return deny(priv.name, null, [`${user.fullname}'s business unit is disabled, so the user cannot sign in`]);
  let rec: number | undefined;
  if (recordId !== undefined) {
    rec = e.records.index.get(recordId);
    if (rec === undefined) return deny(priv.name, depth, [`record ${recordId} does not exist`]);
    const recEntity = e.records.entityNames[e.records.entity[rec]];
    if (recEntity !== entity) return deny(priv.name, depth, [`record ${recordId} is a ${recEntity}, not a ${entity}`]);
  }
  const paths: AccessPath[] = [];
  const grants = e.grants(u);
  for (const g of grants) {
    const l = e.roles.levels[g.role][priv.index];
    if (!l) continue;
    const base = pathBase(e, g, l);
    if (rec === undefined) paths.push({ ...base, reach: reachOfLevel(l, g.userContext) });
    else for (const reach of recordReaches(e, u, g, l, rec, right)) paths.push({ ...base, ...reach });
  }
  if (paths.length) return { allowed: true, depth, privilege: priv.name, paths, reasons: [] };
  return deny(priv.name, depth, denialReasons(e, priv, grants, rec));
}

/**
 * The paths by which a team (acting as the team) or a holder of a role in a unit holds a
 * privilege: what the hierarchy overlay lists for a selected unit. A user goes through explain().
 */
export function explainPrincipal(e: AccessEngine, principal: Principal, entity: string, right: AccessRight): Explanation {
  if (principal.kind === 'user') return explain(e, principal.systemuserid, entity, right);
  const subject = e.subject(principal);
  const who = principal.kind === 'team' ? `team ${principal.teamid}` : `role ${principal.roleid} in business unit ${principal.businessunitid}`;
  if (!subject) return deny(null, null, [`${who} does not exist`]);
  const priv = e.catalog.privilegeFor(entity, right);
  if (!priv) return deny(null, null, [noPrivilege(e, entity, right)]);
  if (!subject.active) return deny(priv.name, null, [`the business unit of ${who} is disabled`]);
  const paths: AccessPath[] = [];
  let level = 0;
  for (let k = subject.from; k < subject.to; k++) {
    const g = grantAt(subject.rows, k);
    const l = e.roles.levels[g.role][priv.index];
    if (!l) continue;
    level = Math.max(level, l);
    paths.push({ ...pathBase(e, g, l), reach: reachOfLevel(l, g.userContext) });
  }
  if (paths.length) return { allowed: true, depth: depthOfLevel(level), privilege: priv.name, paths, reasons: [] };
  return deny(priv.name, null, [principal.kind === 'team' ? `no role of ${who} grants ${priv.name}${subject.to > subject.from ? '' : ' (the team holds no roles)'}` : `the role does not grant ${priv.name}`]);
}

function pathBase(e: AccessEngine, g: Grant, level: number) {
  const roleid = e.roles.ids[g.role];
  const scopeId = e.principals.tree.ids[g.scope];
  const base = {
    roleid,
    rolename: e.state.roles.get(roleid)!.name,
    depth: depthOfLevel(level)!,
    via: g.team < 0 ? ('direct' as const) : ('team' as const),
    scopebusinessunitid: scopeId,
    scopebusinessunitname: e.state.businessunits.get(scopeId)?.name ?? scopeId,
  };
  if (g.team < 0) return base;
  const teamid = e.principals.teamIds[g.team];
  return { ...base, teamid, teamname: e.state.teams.get(teamid)?.name ?? teamid, ...(g.userContext ? { inheritedfromteam: true } : {}) };
}

/** How grant `g` (held at `level`) of user `u` reaches one record: by its unit, its owner, a share or the manager hierarchy. */
function recordReaches(e: AccessEngine, u: number, g: Grant, level: number, rec: number, right: AccessRight): RecordReach[] {
  const p = e.principals;
  const tree = p.tree;
  const unit = e.recordUnit(rec);
  if (level === 4) return [{ reach: 'organization' }];
  if (level === 3 && unit >= 0 && tree.tin[unit] >= tree.tin[g.scope] && tree.tin[unit] < tree.tout[g.scope]) return [{ reach: 'businessunit-and-below' }];
  if (level === 2 && unit === g.scope) return [{ reach: 'businessunit' }];
  const out: RecordReach[] = [];
  const owners = e.owners;
  const o = e.records.owner[rec];
  const ownerPrincipal = owners.principal[o];
  if (g.userContext) {
    if (!owners.isTeam[o] && ownerPrincipal === u) out.push({ reach: 'owner' });
    else if (owners.isTeam[o] && hasItem(p.userTeams, u, ownerPrincipal)) out.push({ reach: 'team-owner' });
  } else if (owners.isTeam[o] && ownerPrincipal === g.team) out.push({ reach: 'team-owner' });
  for (const s of sharesReaching(e.shares, p, rec, u, g, right)) out.push({ reach: 'share', ...s });
  if (g.userContext && !owners.isTeam[o] && ownerPrincipal >= 0) {
    const managerlevel = managerLevel(p, ownerPrincipal, u, e.state.organization.hierarchysecurity, right);
    if (managerlevel !== null) out.push({ reach: 'hierarchy', reportid: p.userIds[ownerPrincipal], managerlevel });
  }
  return out;
}

function denialReasons(e: AccessEngine, priv: PrivilegeDef, grants: readonly Grant[], rec: number | undefined): string[] {
  const held = grants.filter((g) => e.roles.levels[g.role][priv.index] > 0);
  if (!held.length) return [`no role of the user grants ${priv.name}${grants.length ? '' : ' (the user holds no roles, directly or through teams)'}`];
  const unitName = (x: number) => e.state.businessunits.get(e.principals.tree.ids[x])?.name ?? '?';
  const recUnit = rec === undefined ? -1 : e.recordUnit(rec);
  const ownerId = rec === undefined ? '' : e.records.ownerIds[e.records.owner[rec]];
  const ownerName = e.state.systemusers.get(ownerId)?.fullname ?? `team ${e.state.teams.get(ownerId)?.name ?? ownerId}`;
  return held.map((g) => {
    const b: Partial<AccessPath> & ReturnType<typeof pathBase> = pathBase(e, g, e.roles.levels[g.role][priv.index]);
    const via = g.team < 0 ? 'directly' : `through team ${b.teamname}`;
    return `${b.rolename} (${via}) grants ${priv.name} at ${b.depth} in ${unitName(g.scope)}, but the record is in ${unitName(recUnit)}, owned by ${ownerName}, and not shared with ${g.userContext ? "the user or the user's teams" : `team ${b.teamname}`} for this right`;
  });
}

function deny(privilege: string | null, depth: Depth | null, reasons: string[]): Explanation {
  return { allowed: false, depth, privilege, paths: [], reasons };
}
