import type { OrgSession } from '../session/orgSession';
import { value, type AreaHandlers } from './dispatch';

export function accessHandlers(session: OrgSession): AreaHandlers<'access'> {
  return {
    'access:explain': (query) => value(session.explain(query)),
  };
}
