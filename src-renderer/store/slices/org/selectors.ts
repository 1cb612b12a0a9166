import type { OrgSummaryDto } from '../../../api';
import type { AppStore } from '../../index';

type UnitRow = OrgSummaryDto['businessunits'][number];

/** A business unit with the units directly below it, for rendering the tree. */
export interface UnitNode {
  readonly unit: UnitRow;
  readonly children: readonly UnitNode[];
}

// Store selectors return stored references only (zustand v5 compares with Object.is);
// derived shapes are plain functions over the summary, memoised by the component.
export const orgSelectors = {
  summary: (s: AppStore) => s.summary,
  status: (s: AppStore) => s.orgStatus,
  error: (s: AppStore) => s.orgError,
};

/** The unit tree; the summary lists parents before children, and that order is kept among siblings. */
export function unitForest(summary: OrgSummaryDto): UnitNode[] {
  const kids = new Map<string | null, UnitRow[]>();
  const ids = new Set(summary.businessunits.map((u) => u.businessunitid));
  for (const u of summary.businessunits) {
    const parent = u.parentbusinessunitid !== null && ids.has(u.parentbusinessunitid) ? u.parentbusinessunitid : null;
    kids.set(parent, [...(kids.get(parent) ?? []), u]);
  }
  const build = (u: UnitRow, seen: Set<string>): UnitNode => {
    seen.add(u.businessunitid);
    const below = (kids.get(u.businessunitid) ?? []).filter((c) => !seen.has(c.businessunitid));
    return { unit: u, children: below.map((c) => build(c, seen)) };
  };
  const seen = new Set<string>();
  return (kids.get(null) ?? []).map((u) => build(u, seen));
}

/** Unit names by id, to show where a role lives. */
export function unitNames(summary: OrgSummaryDto): ReadonlyMap<string, string> {
  return new Map(summary.businessunits.map((u) => [u.businessunitid, u.name]));
}
