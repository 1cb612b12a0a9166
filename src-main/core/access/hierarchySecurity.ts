import { DIRECT_REPORT_RIGHTS, type AccessRight } from '../model/accessRights';
import type { HierarchySecurity } from '../model/org';
import { itemsOf, type Principals } from './principals';

/**
 * Dataverse's manager hierarchy: a manager reaches Read, Write, Append and AppendTo on direct
 * reports' records, and Read only further down, to the configured depth. It needs the privilege in
 * the manager's own context (not a team's).
 */
export function reachesAtManagerLevel(level: number, right: AccessRight): boolean {
  return level === 1 ? DIRECT_REPORT_RIGHTS.includes(right) : right === 'Read';
}

/** The reports (user indexes) whose records manager `u` reaches with `right`, nearest first. */
export function reportsReached(p: Principals, u: number, hs: HierarchySecurity, right: AccessRight): number[] {
  const out: number[] = [];
  if (!hs.enabled) return out;
  let frontier: Int32Array | number[] = itemsOf(p.reports, u);
  for (let level = 1; level <= hs.depth && frontier.length; level++) {
    const next: number[] = [];
    for (const r of frontier) {
      if (reachesAtManagerLevel(level, right)) out.push(r);
      for (const rr of itemsOf(p.reports, r)) next.push(rr);
    }
    frontier = next;
  }
  return out;
}

/** How many levels above `owner` user `u` manages (1: the direct manager), when that reaches `right`; null otherwise. */
export function managerLevel(p: Principals, owner: number, u: number, hs: HierarchySecurity, right: AccessRight): number | null {
  if (!hs.enabled) return null;
  let m = p.manager[owner];
  for (let level = 1; level <= hs.depth && m >= 0; level++, m = p.manager[m]) {
    if (m === u) return reachesAtManagerLevel(level, right) ? level : null;
  }
  return null;
}
