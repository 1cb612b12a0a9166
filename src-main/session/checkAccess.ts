import type { ParsedRequestOf, ResponseOf } from '../bridge/contract';
import { AccessEngine, type Grant } from '../core/access/engine';
import { hasItem } from '../core/access/principals';
import { applyAll } from '../core/commands/apply';
import type { Command } from '../core/commands/schema';
import { ACCESS_RIGHT_MASK, SHAREABLE_MASK, type AccessRight } from '../core/model/accessRights';
import { depthLevel, depthOfLevel } from '../core/model/depth';
import type { Id, OrgState } from '../core/model/org';
import type { Result } from '../core/result';

/** A real record, or a record that does not exist yet: its table, and its owner or owning unit. */
export type CheckAccessQuery = ParsedRequestOf<'checkAccess:check'>;
type CheckAccess = ResponseOf<'checkAccess:check'>;
type RightCheck = CheckAccess['rights'][number];
/** One change that would grant a denied right. */
type Remedy = RightCheck['remedies'][number];

/** Ids of the stand-ins added to a copy of the state for a record that does not exist. */
const HYPOTHETICAL_RECORD = 'roleatlas:hypothetical-record';
const HYPOTHETICAL_OWNER = 'roleatlas:hypothetical-owner';

const notFound = (what: string, path: string): { ok: false; error: { code: string; message: string; path: string } } => ({ ok: false, error: { code: 'not-found', message: what, path } });

/**
 * Dataverse's "Check access": every right of a user on a record, each with how it is obtained
 * (the engine's explain() paths), and for each right denied, the smallest change that would grant
 * it. A record that does not exist is added to a copy of the state (its owner a stand-in user of
 * the chosen unit when no owner is named), so the answer comes from the same engine.
 */
export function checkAccess(state: OrgState, q: CheckAccessQuery): Result<CheckAccess> {
  const user = state.systemusers.get(q.systemuserid);
  if (!user) return notFound(`user ${q.systemuserid} does not exist`, 'systemuserid');
  let s = state;
  let recordid: Id | null;
  let entity: string;
  let hypothetical = false;
  if ('recordid' in q) {
    const rec = state.records.get(q.recordid);
    if (!rec) return notFound(`record ${q.recordid} does not exist`, 'recordid');
    recordid = rec.recordid;
    entity = rec.entity;
  } else {
    entity = q.entity;
    const catalog = AccessEngine.of(state).catalog;
    const def = catalog.entities.get(entity);
    if (!def) return notFound(`unknown table "${entity}"`, 'entity');
    recordid = null;
    if (def.ownership === 'UserOwned') {
      const made = hypotheticalRecord(state, q.systemuserid, entity, q.owningbusinessunitid, q.ownerid);
      if (!made.ok) return made;
      s = made.value;
      recordid = HYPOTHETICAL_RECORD;
      hypothetical = true;
    }
  }
  const engine = AccessEngine.of(s);
  const rights = engine.catalog.entities.get(entity)?.rights ?? [];
  const rec = recordid === null ? undefined : engine.records.index.get(recordid);
  const out: RightCheck[] = rights.map((right) => {
    const e = engine.explain(q.systemuserid, entity, right, recordid ?? undefined);
    const remedies = e.allowed || rec === undefined || !e.privilege ? [] : remediesFor(engine, q.systemuserid, e.privilege, right, rec, hypothetical ? null : recordid);
    return { right, privilege: e.privilege, allowed: e.allowed, depth: e.depth, paths: e.paths, reasons: e.reasons, remedies };
  });
  const r = recordid === null ? undefined : s.records.get(recordid);
  const ownerid = r?.ownerid ?? null;
  const unit = rec === undefined ? -1 : engine.recordUnit(rec);
  const unitId = unit >= 0 ? engine.principals.tree.ids[unit] : null;
  return {
    ok: true,
    value: {
      systemuserid: user.systemuserid,
      fullname: user.fullname,
      entity,
      record: {
        recordid: hypothetical ? null : recordid,
        name: hypothetical ? null : (r?.name ?? null),
        ownerid: ownerid === HYPOTHETICAL_OWNER ? null : ownerid,
        ownername: ownerid === null || ownerid === HYPOTHETICAL_OWNER ? null : (s.systemusers.get(ownerid)?.fullname ?? s.teams.get(ownerid)?.name ?? ownerid),
        owningbusinessunitid: unitId,
        owningbusinessunitname: unitId === null ? null : (s.businessunits.get(unitId)?.name ?? unitId),
      },
      rights: out,
    },
  };
}

function hypotheticalRecord(state: OrgState, userId: Id, entity: string, unitId: Id | undefined, ownerId: Id | undefined): Result<OrgState> {
  const commands: unknown[] = [];
  let owner = ownerId;
  if (owner !== undefined) {
    const ownerUnit = state.systemusers.get(owner)?.businessunitid ?? state.teams.get(owner)?.businessunitid;
    if (ownerUnit === undefined) return notFound(`owner ${owner} is neither a user nor a team`, 'ownerid');
    if (unitId !== undefined && unitId !== ownerUnit) {
      return { ok: false, error: { code: 'invalid', message: `a record's owning business unit is its owner's (${state.businessunits.get(ownerUnit)?.name ?? ownerUnit})`, path: 'owningbusinessunitid' } };
    }
  } else {
    const unit = unitId ?? state.systemusers.get(userId)!.businessunitid;
    if (!state.businessunits.has(unit)) return notFound(`business unit ${unit} does not exist`, 'owningbusinessunitid');
    owner = HYPOTHETICAL_OWNER;
    commands.push({ type: 'createUser', systemuserid: owner, fullname: 'Another user', domainname: 'another.user@roleatlas.invalid', businessunitid: unit });
  }
  commands.push({ type: 'createRecord', recordid: HYPOTHETICAL_RECORD, entity, name: null, ownerid: owner });
  const r = applyAll(state, commands);
  if (!r.ok) return { ok: false, error: r.error };
  return { ok: true, value: r.state };
}

/**
 * For each of the user's roles: the smallest depth allowed for the privilege that would reach the
 * record from where the role is held (Basic when the user, or the team the role acts through,
 * owns it; Local in the scope unit; Deep below it; Global elsewhere); then a share.
 */
function remediesFor(engine: AccessEngine, userId: Id, privilegeName: string, right: AccessRight, rec: number, recordid: Id | null): Remedy[] {
  const u = engine.userIndex(userId);
  const priv = engine.catalog.privilege(privilegeName);
  if (u === undefined || !priv || !engine.isActive(u)) return [];
  const p = engine.principals;
  const tree = p.tree;
  const owners = ownerOf(engine, rec);
  const recUnit = engine.recordUnit(rec);
  const needed = (g: Grant): number => {
    const ownsIt = g.userContext ? (owners.isTeam ? hasItem(p.userTeams, u, owners.principal) : owners.principal === u) : owners.isTeam && owners.principal === g.team;
    if (ownsIt) return 1;
    if (recUnit === g.scope) return 2;
    if (recUnit >= 0 && tree.tin[recUnit] >= tree.tin[g.scope] && tree.tin[recUnit] < tree.tout[g.scope]) return 3;
    return 4;
  };
  const best = new Map<Id, Remedy & { kind: 'role' }>();
  let userContextLevel = 0;
  for (const g of engine.grants(u)) {
    const current = engine.roles.levels[g.role][priv.index];
    if (g.userContext && current > userContextLevel) userContextLevel = current;
    const allowed = priv.depths.map((d) => depthLevel(d)).filter((l) => l >= needed(g) && l > current);
    if (!allowed.length) continue;
    const level = Math.min(...allowed);
    const roleid = engine.roles.ids[g.role];
    const prev = best.get(roleid);
    if (prev && depthLevel(prev.depth) <= level) continue;
    const scopeId = tree.ids[g.scope];
    const teamid = g.team < 0 ? undefined : p.teamIds[g.team];
    const depth = depthOfLevel(level)!;
    best.set(roleid, {
      kind: 'role',
      roleid,
      rolename: engine.state.roles.get(roleid)?.name ?? roleid,
      via: g.team < 0 ? 'direct' : 'team',
      ...(teamid === undefined ? {} : { teamid, teamname: engine.state.teams.get(teamid)?.name ?? teamid }),
      scopebusinessunitid: scopeId,
      scopebusinessunitname: engine.state.businessunits.get(scopeId)?.name ?? scopeId,
      from: depthOfLevel(current),
      depth,
      command: { type: 'setRolePrivilege', roleid, privilege: priv.name, depth } as Command,
    });
  }
  const remedies: Remedy[] = [...best.values()].sort((a, b) => depthLevel(a.depth) - depthLevel(b.depth) || a.rolename.localeCompare(b.rolename));
  const bit = ACCESS_RIGHT_MASK[right];
  if (bit & SHAREABLE_MASK) {
    remedies.push({
      kind: 'share',
      sufficient: userContextLevel > 0,
      command: recordid === null ? null : ({ type: 'shareRecord', recordid, principalid: userId, accessrightsmask: bit }),
    });
  }
  return remedies;
}

function ownerOf(engine: AccessEngine, rec: number): { isTeam: boolean; principal: number } {
  const ownerId = engine.records.ownerIds[engine.records.owner[rec]];
  const team = engine.principals.teamIndex.get(ownerId);
  if (team !== undefined) return { isTeam: true, principal: team };
  return { isTeam: false, principal: engine.principals.userIndex.get(ownerId) ?? -1 };
}

/** Records of a table whose name (or id) contains the query, by name, to pick one to check. */
export function recordsOf(s: OrgState, q: { entity: string; query: string; limit: number }) {
  const needle = q.query.trim().toLowerCase();
  const hits: { recordid: Id; name: string | null; ownerid: Id }[] = [];
  for (const r of s.records.values()) {
    if (r.entity !== q.entity) continue;
    if (needle && !(r.name ?? '').toLowerCase().includes(needle) && !r.recordid.toLowerCase().includes(needle)) continue;
    hits.push(r);
  }
  hits.sort((a, b) => (a.name ?? a.recordid).localeCompare(b.name ?? b.recordid));
  const ownerName = (id: Id) => s.systemusers.get(id)?.fullname ?? s.teams.get(id)?.name ?? id;
  return { total: hits.length, rows: hits.slice(0, q.limit).map((r) => ({ recordid: r.recordid, name: r.name, ownername: ownerName(r.ownerid) })) };
}
