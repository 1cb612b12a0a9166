import type { OrgSession } from '../session/orgSession';
import { answer, type AreaHandlers, failure, value } from './dispatch';

export function orgHandlers(session: OrgSession): AreaHandlers<'org'> {
  return {
    'org:summary': () => value(session.summary()),
    'org:apply': ({ command }) => {
      const r = session.apply(command);
      return r.ok ? value(r.value) : failure({ ...r.error, path: r.error.path === undefined ? undefined : `command.${r.error.path}` });
    },
    'org:applyAll': ({ commands, label }) => {
      const r = session.applyAll(commands, label);
      return answer(r);
    },
    'org:check': ({ commands }) => {
      const r = session.check(commands);
      return answer(r);
    },
  };
}

export function historyHandlers(session: OrgSession): AreaHandlers<'history'> {
  return {
    'history:state': () => value(session.history()),
    'history:undo': () => {
      const r = session.undo();
      return answer(r);
    },
    'history:redo': () => {
      const r = session.redo();
      return answer(r);
    },
  };
}
