import type { OrgSession } from '../session/orgSession';
import { AccessEngine } from '../core/access/engine';
import { value, type AreaHandlers } from './dispatch';

export function accessHandlers(session: OrgSession): AreaHandlers<'access'> {
  return {
    'access:explain': ({ systemuserid, entity, right, recordid }) => value(AccessEngine.of(session.current).explain(systemuserid, entity, right, recordid)),
  };
}
