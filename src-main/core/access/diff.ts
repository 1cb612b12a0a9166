import { applyAll, type AppliedStep } from '../commands/apply';
import type { PrivilegeDef } from '../catalog/catalog';
import { depthLevel, depthOfLevel, type Depth } from '../model/depth';
import type { AccessRight } from '../model/accessRights';
import type { Id, OrgState } from '../model/org';
import type { Refusal } from '../result';
import { AccessEngine } from './engine';
import { packedLevel } from './roleTable';
import { itemsOf } from './principals';

export interface AccessChange {
  readonly systemuserid: Id;
  readonly fullname: string;
  /** null for a miscellaneous privilege (prvBulkDelete, ...). */
  readonly entity: string | null;
  readonly right: AccessRight | null;
  readonly privilege: string;
  readonly depthBefore: Depth | null;
  readonly depthAfter: Depth | null;
  readonly recordsBefore: number;
  readonly recordsAfter: number;
  /** More records, or a deeper depth at the same count, is a gain; fewer or shallower a loss; other records at the same count a change. */
  readonly direction: Direction;
}

export type Direction = 'gain' | 'lose' | 'change';

export function directionOf(levelBefore: number, recordsBefore: number, levelAfter: number, recordsAfter: number): Direction {
  if (recordsAfter !== recordsBefore) return recordsAfter > recordsBefore ? 'gain' : 'lose';
  if (levelAfter !== levelBefore) return levelAfter > levelBefore ? 'gain' : 'lose';
  return 'change';
}

export type DiffResult =
  | { readonly ok: true; readonly changes: readonly AccessChange[]; readonly applied: readonly AppliedStep[]; readonly after: OrgState }
  | { readonly ok: false; readonly index: number; readonly error: Refusal };

/** Which users and privileges a command can change access for; 'all' is the safe answer. */
interface Impact {
  users: Set<Id> | 'all';
  privileges: Set<string> | 'all';
}

/** Members of a team (default teams included), before or after. */
function membersOf(engines: AccessEngine[], teamId: Id, into: Set<Id>): void {
  for (const e of engines) {
    const t = e.principals.teamIndex.get(teamId);
    if (t === undefined) continue;
    for (const u of itemsOf(e.principals.teamMembers, t)) into.add(e.principals.userIds[u]);
  }
}

function usersOfPrincipal(engines: AccessEngine[], principalId: Id): Set<Id> {
  const users = new Set<Id>();
  if (engines.some((e) => e.principals.userIndex.has(principalId))) users.add(principalId);
  else membersOf(engines, principalId, users);
  return users;
}

function holdersOf(engines: AccessEngine[], roleId: Id): Set<Id> {
  const users = new Set<Id>();
  for (const e of engines) {
    const r = e.roles.index.get(roleId);
    if (r === undefined) continue;
    for (const u of e.assignments.roleUsers[r]) users.add(e.principals.userIds[u]);
    for (const t of e.assignments.roleTeams[r]) for (const u of itemsOf(e.principals.teamMembers, t)) users.add(e.principals.userIds[u]);
  }
  return users;
}

function privilegesOfRole(states: OrgState[], roleId: Id): Set<string> {
  const out = new Set<string>();
  for (const s of states) for (const name of Object.keys(s.roles.get(roleId)?.privileges ?? {})) out.add(name);
  return out;
}

function privilegesOfEntity(engines: AccessEngine[], entity: string | undefined): Set<string> | 'all' {
  if (!entity) return 'all';
  const out = new Set<string>();
  for (const e of engines) for (const def of e.catalog.privileges) if (def.entities.includes(entity)) out.add(def.name);
  return out;
}

/**
 * Who a command can change access for, asked of the engines of the set's first and last states
 * only: the diff compares those two, and a holder or member of an intermediate state alone holds
 * or belongs to nothing in either (an engine per intermediate state cost seconds per command on a
 * 50,000-user organization). Roles' privileges and records' tables are read from those two states
 * as well, and from the rows the command wrote for a record neither holds.
 */
function impactOf(a: AppliedStep, engines: AccessEngine[]): Impact[] {
  const c = a.command;
  const states = [engines[0].state, engines[1].state];
  /** A record's table, as the first or last state holds it or as the command wrote it (a record created and deleted within the set). */
  const entityOf = (id: Id): string | undefined =>
    states.map((s) => s.records.get(id)?.entity).find((e) => e !== undefined) ??
    a.changes.filter((ch) => ch.table === 'records' && ch.key === id).map((ch) => ((ch.before ?? ch.after) as { entity?: string } | null)?.entity).find((e) => e !== undefined);
  switch (c.type) {
    case 'setRolePrivilege':
      return [{ users: holdersOf(engines, c.roleid), privileges: new Set([c.privilege]) }];
    case 'updateRole':
      return [{ users: holdersOf(engines, c.roleid), privileges: privilegesOfRole(states, c.roleid) }];
    case 'assignRole':
    case 'removeRole': {
      const users = c.systemuserid ? new Set([c.systemuserid]) : usersOfPrincipal(engines, c.teamid!);
      return [{ users, privileges: privilegesOfRole(states, c.roleid) }];
    }
    case 'addTeamMember':
    case 'removeTeamMember':
    case 'setUserDisabled':
      return [{ users: new Set([c.systemuserid]), privileges: 'all' }];
    case 'deleteTeam':
      return [{ users: usersOfPrincipal(engines, c.teamid), privileges: 'all' }];
    case 'shareRecord':
    case 'unshareRecord':
      return [{ users: usersOfPrincipal(engines, c.principalid), privileges: privilegesOfEntity(engines, entityOf(c.recordid)) }];
    case 'createRecord':
    case 'assignRecord':
    case 'deleteRecord': {
      const entity = c.type === 'createRecord' ? c.entity : entityOf(c.recordid);
      return [{ users: 'all', privileges: privilegesOfEntity(engines, entity) }];
    }
    case 'moveUser': {
      // The user's roles go, and the user's records move to the new unit.
      const owned = new Set<string>();
      for (const st of states) for (const r of st.records.values()) if (r.ownerid === c.systemuserid) owned.add(r.entity);
      for (const ch of a.changes) if (ch.table === 'records') owned.add(((ch.before ?? ch.after) as { entity: string }).entity);
      const privileges = new Set<string>();
      for (const ent of owned) for (const p of privilegesOfEntity(engines, ent) as Set<string>) privileges.add(p);
      return [
        { users: new Set([c.systemuserid]), privileges: 'all' },
        { users: 'all', privileges },
      ];
    }
    case 'createUser':
      // A new user joins the unit's default team at once, and with it that team's roles.
      return [{ users: new Set([c.systemuserid!]), privileges: 'all' }];
    case 'updateUser':
      return states.some((st) => st.organization.hierarchysecurity.enabled) ? [{ users: 'all', privileges: 'all' }] : [];
    case 'moveBusinessUnit':
    case 'setBusinessUnitDisabled':
    case 'setHierarchySecurity':
    case 'deleteBusinessUnit':
      return [{ users: 'all', privileges: 'all' }];
    default:
      // Creating empty units, users, teams or roles, renames, field security and custom tables grant or remove no record access.
      return [];
  }
}

/** Rows for one user: every privilege in the set whose depth or reachable records differ. */
function compareUser(before: AccessEngine, after: AccessEngine, userId: Id, privileges: Set<string> | 'all', out: AccessChange[]): void {
  const ub = before.userIndex(userId);
  const ua = after.userIndex(userId);
  const candidates: PrivilegeDef[] = [];
  if (privileges === 'all') {
    const lb = ub === undefined ? undefined : before.effectiveLevels(ub);
    const la = ua === undefined ? undefined : after.effectiveLevels(ua);
    for (const def of after.catalog.privileges) {
      const b = lb && before.catalog.privilege(def.name);
      if ((b && packedLevel(lb, b.index)) || (la && packedLevel(la, def.index))) candidates.push(def);
    }
  } else {
    for (const name of privileges) {
      const def = after.catalog.privilege(name);
      if (def) candidates.push(def);
    }
  }
  const fullname = after.state.systemusers.get(userId)?.fullname ?? before.state.systemusers.get(userId)?.fullname ?? userId;
  for (const defA of candidates) {
    const defB = before.catalog.privilege(defA.name);
    if (defA.accessright === null) {
      const b = ub !== undefined && defB ? before.levelOf(ub, defB.index) : 0;
      const a = ua !== undefined ? after.levelOf(ua, defA.index) : 0;
      if (a !== b) out.push({ systemuserid: userId, fullname, entity: null, right: null, privilege: defA.name, depthBefore: depthOfLevel(b), depthAfter: depthOfLevel(a), recordsBefore: 0, recordsAfter: 0, direction: directionOf(b, 0, a, 0) });
      continue;
    }
    for (const entity of defA.entities) {
      const b = ub !== undefined && defB ? before.reach(ub, defB, entity, defA.accessright) : NONE;
      const a = ua !== undefined ? after.reach(ua, defA, entity, defA.accessright) : NONE;
      // Same depth and the same set of records (not only as many): no change for this user.
      if (a.level === b.level && a.records === b.records && a.fingerprint === b.fingerprint) continue;
      out.push({
        systemuserid: userId,
        fullname,
        entity,
        right: defA.accessright,
        privilege: defA.name,
        depthBefore: depthOfLevel(b.level),
        depthAfter: depthOfLevel(a.level),
        recordsBefore: b.records,
        recordsAfter: a.records,
        direction: directionOf(b.level, b.records, a.level, a.records),
      });
    }
  }
}

/**
 * What a set of commands, not yet applied, would grant and remove: one row per user × entity ×
 * right whose depth or reachable records change, most affected first. Nothing is applied.
 */
export function diff(state: OrgState, commands: readonly unknown[]): DiffResult {
  const result = applyAll(state, commands);
  if (!result.ok) return result;
  const users = new Map<Id, Set<string> | 'all'>();
  let everyone: Set<string> | 'all' | null = null;
  const merge = (into: Set<string> | 'all' | null | undefined, add: Set<string> | 'all'): Set<string> | 'all' => {
    if (into === 'all' || add === 'all') return 'all';
    const s = new Set(into ?? []);
    for (const x of add) s.add(x);
    return s;
  };
  const before = AccessEngine.of(state);
  const after = AccessEngine.of(result.state);
  for (const a of result.applied) {
    for (const imp of impactOf(a, [before, after])) {
      if (imp.users === 'all') everyone = merge(everyone, imp.privileges);
      else for (const u of imp.users) users.set(u, merge(users.get(u), imp.privileges));
    }
  }
  const changes: AccessChange[] = [];
  if (everyone !== null) {
    const all = new Set<Id>([...state.systemusers.keys(), ...result.state.systemusers.keys()]);
    for (const u of all) compareUser(before, after, u, merge(users.get(u), everyone), changes);
  } else {
    for (const [u, privileges] of users) compareUser(before, after, u, privileges, changes);
  }
  changes.sort(
    (x, y) =>
      Math.abs(y.recordsAfter - y.recordsBefore) - Math.abs(x.recordsAfter - x.recordsBefore) ||
      levelDelta(y) - levelDelta(x) ||
      x.fullname.localeCompare(y.fullname) ||
      (x.entity ?? '').localeCompare(y.entity ?? '') ||
      (x.right ?? '').localeCompare(y.right ?? ''),
  );
  return { ok: true, changes, applied: result.applied, after: result.state };
}

const NONE = { level: 0, records: 0, fingerprint: 0 };
const levelDelta = (c: AccessChange) => Math.abs(depthLevel(c.depthAfter) - depthLevel(c.depthBefore));
