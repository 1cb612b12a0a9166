import type { Services } from './services';
import { review, sodRulesOf } from '../session/findings';
import { failure, value, type AreaHandlers } from './dispatch';

export function findingsHandlers(services: Services): AreaHandlers<'findings'> {
  const rules = sodRulesOf(services.workspace);
  return {
    'findings:review': () => value(review(services.session.current, rules.list())),
    'findings:rules': () => value({ rules: rules.list() }),
    'findings:addRule': ({ rule }) => {
      const r = rules.add(rule);
      return r.ok ? value({ rules: r.value }) : failure(r.error);
    },
    'findings:removeRule': ({ id }) => {
      const r = rules.remove(id);
      return r.ok ? value({ rules: r.value }) : failure(r.error);
    },
  };
}
