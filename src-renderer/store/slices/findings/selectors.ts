import type { AppStore } from '../../index';
import type { FindingDto } from '../../../../src-main/bridge/channels/findings';
import type { FindingsFilter, Severity } from './slice';

export const SEVERITY_ORDER: readonly Severity[] = ['high', 'medium', 'low', 'info'];

export const findingsSelectors = {
  review: (s: AppStore) => s.review,
  status: (s: AppStore) => s.findingsStatus,
  error: (s: AppStore) => s.findingsError,
  filter: (s: AppStore) => s.findingsFilter,
  rules: (s: AppStore) => s.sodRules,
  sodError: (s: AppStore) => s.sodError,
};

/** The findings the filter lets through, in the review's order (most severe first). */
export function filterFindings(list: readonly FindingDto[], filter: FindingsFilter): FindingDto[] {
  return list.filter((f) => (filter.severity === 'all' || f.severity === filter.severity) && (filter.rule === 'all' || f.rule === filter.rule));
}

/** Findings under their severity, every severity present (empty groups included), most severe first. */
export function groupBySeverity(list: readonly FindingDto[]): { severity: Severity; findings: FindingDto[] }[] {
  return SEVERITY_ORDER.map((severity) => ({ severity, findings: list.filter((f) => f.severity === severity) }));
}

/** The rules that produced findings, with their counts, by name. */
export function rulesOf(list: readonly FindingDto[]): { rule: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const f of list) counts.set(f.rule, (counts.get(f.rule) ?? 0) + 1);
  return [...counts].map(([rule, count]) => ({ rule, count })).sort((a, b) => a.rule.localeCompare(b.rule));
}

/** "global-destructive-rights" reads as "Global destructive rights". */
export const ruleLabel = (rule: string): string => (rule ? rule[0].toUpperCase() + rule.slice(1).replace(/-/g, ' ') : rule);
