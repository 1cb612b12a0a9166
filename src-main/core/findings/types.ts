import type { Id } from '../model/org';

export type Severity = 'high' | 'medium' | 'low' | 'info';
export const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low', 'info'];

/** An object a finding is about, in Dataverse's table names. */
export interface FindingObject {
  readonly table: 'systemuser' | 'team' | 'role' | 'businessunit' | 'privilege' | 'fieldsecurityprofile';
  readonly id: Id;
  readonly name: string;
}

export interface Finding {
  /** Stable across runs over the same model: the rule and the ids of its objects. */
  readonly id: string;
  readonly rule: string;
  readonly severity: Severity;
  readonly title: string;
  readonly explanation: string;
  readonly objects: readonly FindingObject[];
  readonly fix: string;
}

export function finding(rule: string, severity: Severity, title: string, explanation: string, objects: readonly FindingObject[], fix: string, key?: string): Finding {
  return { id: `${rule}:${key ?? objects.map((o) => o.id).join('+')}`, rule, severity, title, explanation, objects, fix };
}

const RANK: Record<Severity, number> = { high: 0, medium: 1, low: 2, info: 3 };

/** Most severe first, then by rule and id, so the order is the same on every run. */
export function bySeverity(a: Finding, b: Finding): number {
  return RANK[a.severity] - RANK[b.severity] || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** "a, b and 3 more" for explanations that would otherwise list hundreds of names. */
export function nameList(names: readonly string[], max = 5): string {
  if (names.length <= max) return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : (names[0] ?? '');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}
