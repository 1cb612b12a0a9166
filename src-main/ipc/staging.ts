import type { OrgSession } from '../session/orgSession';
import { stagingOf } from '../session/staging';
import { failure, value, type AreaHandlers } from './dispatch';

export function stagingHandlers(session: OrgSession): AreaHandlers<'staging'> {
  const staging = stagingOf(session);
  return {
    'staging:list': () => value(staging.view()),
    'staging:stage': ({ commands }) => {
      const r = staging.stage(commands);
      return r.ok ? value(r.value) : failure(r.error);
    },
    'staging:unstage': ({ indexes }) => {
      const r = staging.unstage(indexes);
      return r.ok ? value(r.value) : failure(r.error);
    },
    'staging:discard': () => {
      const r = staging.discard();
      return r.ok ? value(r.value) : failure(r.error);
    },
    'staging:apply': ({ indexes }) => {
      const r = staging.apply(indexes);
      return r.ok ? value({ message: r.value.changed.message, staged: r.value.staged }) : failure(r.error);
    },
    'staging:diff': ({ limit }) => {
      const r = staging.diff(limit);
      return r.ok ? value(r.value) : failure(r.error);
    },
  };
}
