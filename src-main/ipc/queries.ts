import type { OrgState } from '../core/model/org';
import type { OrgSession } from '../session/orgSession';
import * as q from '../session/queries';
import { stagingOf } from '../session/staging';
import { value, type AreaHandlers } from './dispatch';

// The screens' reads: each a pure query over the organization the session holds now.

export function userHandlers(session: OrgSession): AreaHandlers<'users'> {
  return {
    'users:list': (query) => value(q.listUsers(session.current, query)),
    'users:detail': ({ systemuserid }) => value(q.userDetail(session.current, systemuserid)),
    'users:moveImpact': (query) => value(q.moveImpact(session.current, query)),
  };
}

export function teamHandlers(session: OrgSession): AreaHandlers<'teams'> {
  return {
    'teams:list': (query) => value(q.listTeams(session.current, query)),
    'teams:detail': ({ teamid }) => value(q.teamDetail(session.current, teamid)),
  };
}

export function roleHandlers(session: OrgSession): AreaHandlers<'roles'> {
  return {
    'roles:matrix': ({ roleid }) => value(asStaged(session, (after, saved) => q.roleMatrix(after, roleid, saved))),
    'roles:compare': ({ left, right }) => value(asStaged(session, (after, saved) => q.compareRoles(after, left, right, saved))),
    'roles:usage': ({ roleid }) => value(asStaged(session, (after, saved) => q.roleUsage(after, roleid, saved))),
  };
}

export function fieldSecurityHandlers(session: OrgSession): AreaHandlers<'fieldSecurity'> {
  return {
    'fieldSecurity:list': () => value(q.listFieldProfiles(session.current)),
    'fieldSecurity:detail': ({ fieldsecurityprofileid }) => value(q.fieldProfileDetail(session.current, fieldsecurityprofileid)),
  };
}

export function searchHandlers(session: OrgSession): AreaHandlers<'search'> {
  return { 'search:everything': (query) => value(q.searchEverything(session.current, query)) };
}

export function catalogHandlers(session: OrgSession): AreaHandlers<'catalog'> {
  return { 'catalog:groups': () => value(q.catalogGroups(session.current)) };
}

/**
 * The role editor, its comparison and its holders show the organization as it will be once the
 * staged set is applied (so a second click on a cell moves on from the staged depth), marked
 * against the applied one; a staged set that no longer applies shows the applied organization.
 */
function asStaged<T>(session: OrgSession, read: (s: OrgState, saved?: OrgState) => T): T {
  const after = session.staged().length ? stagingOf(session).after() : null;
  return after ? read(after, session.current) : read(session.current);
}
