import type { BridgeResult } from '../bridge/contract';
import type { OrgSession } from '../session/orgSession';
import { NotFound } from '../session/queries';
import { failure, value, type AreaHandlers } from './dispatch';

/** A query for one item answers not-found as a value; anything else thrown stays internal. */
function answer<T>(run: () => T): BridgeResult<T> {
  try {
    return value(run());
  } catch (error) {
    if (error instanceof NotFound) return failure({ code: 'not-found', message: error.message });
    throw error;
  }
}

export function userHandlers(session: OrgSession): AreaHandlers<'users'> {
  return {
    'users:list': (query) => value(session.users(query)),
    'users:detail': ({ systemuserid }) => answer(() => session.user(systemuserid)),
    'users:moveImpact': (query) => value(session.moveImpact(query)),
  };
}

export function teamHandlers(session: OrgSession): AreaHandlers<'teams'> {
  return {
    'teams:list': (query) => value(session.teams(query)),
    'teams:detail': ({ teamid }) => answer(() => session.team(teamid)),
  };
}

export function roleHandlers(session: OrgSession): AreaHandlers<'roles'> {
  return {
    'roles:matrix': ({ roleid }) => answer(() => session.roleMatrix(roleid)),
    'roles:compare': ({ left, right }) => answer(() => session.compareRoles(left, right)),
    'roles:usage': ({ roleid }) => answer(() => session.roleUsage(roleid)),
  };
}

export function fieldSecurityHandlers(session: OrgSession): AreaHandlers<'fieldSecurity'> {
  return {
    'fieldSecurity:list': () => value(session.fieldProfiles()),
    'fieldSecurity:detail': ({ fieldsecurityprofileid }) => answer(() => session.fieldProfile(fieldsecurityprofileid)),
  };
}

export function searchHandlers(session: OrgSession): AreaHandlers<'search'> {
  return { 'search:everything': (query) => value(session.search(query)) };
}

export function catalogHandlers(session: OrgSession): AreaHandlers<'catalog'> {
  return { 'catalog:groups': () => value(session.catalogGroups()) };
}
