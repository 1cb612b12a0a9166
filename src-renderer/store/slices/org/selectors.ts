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
  history: (s: AppStore) => s.history,
  /** Moves with every change, undo and redo: screens reload their queries on it. */
  revision: (s: AppStore) => s.history.revision,
  notice: (s: AppStore) => s.notice,
};

/** The unit tree; the summary lists parents before children, and that order is kept among siblings. */
export function unitForest(summary: OrgSummaryDto): UnitNode[] {
  const kids = new Map<string | null, UnitRow[]>();
  const ids = new Set(summary.businessunits.map((u) => u.businessunitid));
  for (const u of summary.businessunits) {
    const parent = u.parentbusinessunitid !== null && ids.has(u.parentbusinessunitid) ? u.parentbusinessunitid : null;
    const list = kids.get(parent);
    if (list) list.push(u);
    else kids.set(parent, [u]);
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

/** The units visible in a tree with some units collapsed, in display order, with their depth. */
export function visibleUnits(forest: readonly UnitNode[], collapsed: ReadonlySet<string>): { node: UnitNode; level: number }[] {
  const out: { node: UnitNode; level: number }[] = [];
  const walk = (nodes: readonly UnitNode[], level: number) => {
    for (const n of nodes) {
      out.push({ node: n, level });
      if (!collapsed.has(n.unit.businessunitid)) walk(n.children, level + 1);
    }
  };
  walk(forest, 1);
  return out;
}

/** Units a unit may move under: not itself, nor any unit below it. */
export function moveTargets(summary: OrgSummaryDto, unitId: string): UnitRow[] {
  const below = new Set<string>([unitId]);
  for (const u of summary.businessunits) if (u.parentbusinessunitid !== null && below.has(u.parentbusinessunitid)) below.add(u.businessunitid);
  return summary.businessunits.filter((u) => !below.has(u.businessunitid));
}
