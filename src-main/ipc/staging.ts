import type { OrgSession } from '../session/orgSession';
import { stagingOf } from '../session/staging';
import { answer, type AreaHandlers, failure, value } from './dispatch';

export function stagingHandlers(session: OrgSession): AreaHandlers<'staging'> {
  const staging = stagingOf(session);
  return {
    'staging:list': () => value(staging.view()),
    'staging:stage': ({ commands, label }) => {
      const r = staging.stage(commands, label);
      return answer(r);
    },
    'staging:unstage': ({ indexes }) => {
      const r = staging.unstage(indexes);
      return answer(r);
    },
    'staging:discard': () => {
      const r = staging.discard();
      return answer(r);
    },
    'staging:apply': ({ indexes }) => {
      const r = staging.apply(indexes);
      return r.ok ? value({ message: r.value.changed.message, staged: r.value.staged }) : failure(r.error);
    },
    'staging:diff': ({ limit }) => {
      const r = staging.diff(limit);
      return answer(r);
    },
  };
}
