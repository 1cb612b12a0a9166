import type { OrgState } from '../model/org';
import { appPackFindings } from './appPacks';
import { roleFindings, type RoleFindingOptions } from './roles';
import { sodFindings, type SodRule } from './sod';
import { bySeverity, type Finding } from './types';
import { userFindings } from './users';

export { sodRuleSchema, sodRulesSchema, sodSideSchema, type SodRule, type SodRuleInput, type SodSide } from './sod';
export { SEVERITIES, type Finding, type FindingObject, type Severity } from './types';
export { CUSTOMER_DATA_GROUPS } from './roles';

export interface FindingOptions extends RoleFindingOptions {
  /** Separation-of-duty rules the admin defined (stored in the vault). */
  readonly sodRules?: readonly SodRule[];
}

/** A security review of the model: every finding, most severe first. */
export function findings(state: OrgState, options: FindingOptions = {}): Finding[] {
  return [...userFindings(state), ...roleFindings(state, options), ...appPackFindings(state), ...sodFindings(state, options.sodRules ?? [])].sort(bySeverity);
}

export function countBySeverity(list: readonly Finding[]): Record<Finding['severity'], number> {
  const out = { high: 0, medium: 0, low: 0, info: 0 };
  for (const f of list) out[f.severity]++;
  return out;
}
