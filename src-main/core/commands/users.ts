import type { CommandOf } from './schema';
import type { Draft } from './draft';
import { isRefusal, listNames, refuse, requireNewId, unitOrRefusal, type Outcome } from './context';
import type { Id, SystemUser } from '../model/org';
import type { Refusal } from '../result';

export function userOrRefusal(d: Draft, id: Id, field = 'systemuserid'): SystemUser | Refusal {
  return d.get('systemusers', id) ?? refuse('not-found', `user ${id} does not exist`, field);
}

function domainTaken(d: Draft, domainname: string, except?: Id): SystemUser | undefined {
  const wanted = domainname.toLowerCase();
  for (const u of d.table('systemusers').values()) if (u.systemuserid !== except && u.domainname.toLowerCase() === wanted) return u;
  return undefined;
}

function managerProblem(d: Draft, userId: Id, managerId: Id | null | undefined): Refusal | null {
  if (managerId === null || managerId === undefined) return null;
  if (managerId === userId) return refuse('cycle', 'a user cannot be their own manager', 'parentsystemuserid');
  if (!d.get('systemusers', managerId)) return refuse('not-found', `manager ${managerId} does not exist`, 'parentsystemuserid');
  let cur: Id | null = managerId;
  for (let guard = 0; cur !== null && guard <= d.table('systemusers').size; guard++) {
    if (cur === userId) return refuse('cycle', `${d.get('systemusers', managerId)!.fullname} reports (directly or not) to this user`, 'parentsystemuserid');
    cur = d.get('systemusers', cur)?.parentsystemuserid ?? null;
  }
  return null;
}

export function createUser(d: Draft, c: CommandOf<'createUser'>): Outcome {
  const bad = requireNewId(d, c.systemuserid, 'systemuserid');
  if (bad) return bad;
  const bu = unitOrRefusal(d, c.businessunitid);
  if (isRefusal(bu)) return bu;
  if (bu.isdisabled) return refuse('disabled', `business unit ${bu.name} is disabled`, 'businessunitid');
  const other = domainTaken(d, c.domainname);
  if (other) return refuse('duplicate-name', `domain name ${c.domainname} is already used by ${other.fullname}`, 'domainname');
  const mgr = managerProblem(d, c.systemuserid!, c.parentsystemuserid);
  if (mgr) return mgr;
  const user: SystemUser = {
    systemuserid: c.systemuserid!,
    fullname: c.fullname,
    domainname: c.domainname,
    internalemailaddress: c.internalemailaddress ?? null,
    businessunitid: bu.businessunitid,
    parentsystemuserid: c.parentsystemuserid ?? null,
    isdisabled: false,
  };
  d.put('systemusers', user.systemuserid, user);
  return `Added user ${user.fullname} to ${bu.name}`;
}

export function updateUser(d: Draft, c: CommandOf<'updateUser'>): Outcome {
  const user = userOrRefusal(d, c.systemuserid);
  if (isRefusal(user)) return user;
  if (c.domainname !== undefined) {
    const other = domainTaken(d, c.domainname, user.systemuserid);
    if (other) return refuse('duplicate-name', `domain name ${c.domainname} is already used by ${other.fullname}`, 'domainname');
  }
  const mgr = managerProblem(d, user.systemuserid, c.parentsystemuserid);
  if (mgr) return mgr;
  const next: SystemUser = {
    ...user,
    fullname: c.fullname ?? user.fullname,
    domainname: c.domainname ?? user.domainname,
    internalemailaddress: c.internalemailaddress === undefined ? user.internalemailaddress : c.internalemailaddress,
    parentsystemuserid: c.parentsystemuserid === undefined ? user.parentsystemuserid : c.parentsystemuserid,
  };
  const changed = (Object.keys(next) as (keyof SystemUser)[]).filter((k) => next[k] !== user[k]);
  if (!changed.length) return `User ${user.fullname} unchanged`;
  d.put('systemusers', user.systemuserid, next);
  return `Updated ${changed.join(', ')} of ${next.fullname}`;
}

/** Rows of systemuserroles held by a user. */
export function userRoleKeys(d: Draft, userId: Id): string[] {
  const keys: string[] = [];
  for (const [key, a] of d.table('systemuserroles')) if (a.systemuserid === userId) keys.push(key);
  return keys;
}

/** Dataverse removes a user's security roles when the user changes business unit; the summary names them. */
export function moveUser(d: Draft, c: CommandOf<'moveUser'>): Outcome {
  const user = userOrRefusal(d, c.systemuserid);
  if (isRefusal(user)) return user;
  const bu = unitOrRefusal(d, c.businessunitid);
  if (isRefusal(bu)) return bu;
  if (user.businessunitid === bu.businessunitid) return `${user.fullname} is already in ${bu.name}`;
  if (bu.isdisabled) return refuse('disabled', `business unit ${bu.name} is disabled`, 'businessunitid');
  const removed: string[] = [];
  for (const key of userRoleKeys(d, user.systemuserid)) {
    const a = d.get('systemuserroles', key)!;
    removed.push(d.get('roles', a.roleid)?.name ?? a.roleid);
    d.delete('systemuserroles', key);
  }
  d.put('systemusers', user.systemuserid, { ...user, businessunitid: bu.businessunitid });
  return `Moved ${user.fullname} to ${bu.name}` + (removed.length ? `; removed roles: ${listNames(removed, 50)}` : '');
}

export function setUserDisabled(d: Draft, c: CommandOf<'setUserDisabled'>): Outcome {
  const user = userOrRefusal(d, c.systemuserid);
  if (isRefusal(user)) return user;
  if (user.isdisabled === c.isdisabled) return `${user.fullname} is already ${c.isdisabled ? 'disabled' : 'enabled'}`;
  if (!c.isdisabled) {
    const bu = d.get('businessunits', user.businessunitid);
    if (bu?.isdisabled) return refuse('disabled', `cannot enable ${user.fullname}: business unit ${bu.name} is disabled`, 'isdisabled');
  }
  d.put('systemusers', user.systemuserid, { ...user, isdisabled: c.isdisabled });
  return `${c.isdisabled ? 'Deactivated' : 'Reactivated'} ${user.fullname}`;
}
