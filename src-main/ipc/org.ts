import type { OrgSession } from '../session/orgSession';
import { failure, value, type AreaHandlers } from './dispatch';

export function orgHandlers(session: OrgSession): AreaHandlers<'org'> {
  return {
    'org:summary': () => value(session.summary()),
    'org:apply': ({ command }) => {
      const r = session.apply(command);
      return r.ok ? value(r.value) : failure({ ...r.error, path: r.error.path === undefined ? undefined : `command.${r.error.path}` });
    },
  };
}
