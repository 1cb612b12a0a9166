import type { OrgSession } from '../session/orgSession';
import { checkAccess, recordsOf } from '../session/checkAccess';
import { overlay, overlayColumns, ownedEntities, stagedUnitChanges, unitColumns, unitMembers } from '../session/hierarchy';
import { NotFound } from '../session/queries';
import { stagingOf } from '../session/staging';
import { AccessEngine } from '../core/access/engine';
import { answer, type AreaHandlers, failure, value } from './dispatch';

export function hierarchyHandlers(session: OrgSession): AreaHandlers<'hierarchy'> {
  const staging = stagingOf(session);
  return {
    'hierarchy:units': () => value({ units: unitColumns(session.current).columns, entities: ownedEntities(session.current) }),
    'hierarchy:members': ({ businessunitid }) => {
      try {
        return value(unitMembers(session.current, businessunitid));
      } catch (error) {
        if (error instanceof NotFound) return failure({ code: 'not-found', message: error.message });
        throw error;
      }
    },
    'hierarchy:paths': ({ principal, entity, right }) => value(AccessEngine.of(session.current).explainPrincipal(principal, entity, right)),
    'hierarchy:overlay': ({ principal, entity, right, staged }) => {
      const after = staged && session.staged().length ? staging.after() : null;
      const r = overlay(session.current, after, { principal, entity, right });
      return answer(r.ok ? { ok: true, value: overlayColumns(r.value, unitColumns(session.current).index) } : r);
    },
    'hierarchy:stagedUnits': ({ entity, right }) => {
      const r = stagedUnitChanges(session.current, staging, entity, right);
      return answer(r);
    },
  };
}

/** The Check access dialog's queries. */
export function checkAccessHandlers(session: OrgSession): AreaHandlers<'checkAccess'> {
  return {
    'checkAccess:check': (query) => {
      const r = checkAccess(session.current, query);
      return answer(r);
    },
    'checkAccess:records': (query) => value(recordsOf(session.current, query)),
  };
}
