import type { Depth, MatrixDto } from '../../../api';
import type { AppStore } from '../../index';

export const rolesSelectors = {
  selectedId: (s: AppStore) => s.selectedRoleId,
  view: (s: AppStore) => s.roleView,
  matrix: (s: AppStore) => s.matrix,
  tab: (s: AppStore) => s.matrixTab,
  query: (s: AppStore) => s.matrixQuery,
  compareId: (s: AppStore) => s.compareRoleId,
  comparison: (s: AppStore) => s.comparison,
  usage: (s: AppStore) => s.usage,
};

const ORDER: readonly (Depth | null)[] = [null, 'Basic', 'Local', 'Deep', 'Global'];

/** The next depth of a matrix cell: None → Basic → Local → Deep → Global → None, skipping depths the privilege does not allow. */
export function nextDepth(current: Depth | null, allowed: readonly Depth[]): Depth | null {
  const cycle = ORDER.filter((d) => d === null || allowed.includes(d));
  return cycle[(cycle.indexOf(current) + 1) % cycle.length];
}

/** The deepest allowed depth not deeper than the one asked for, or None: "set the whole column to Deep" on a Global-only privilege sets None. */
export function fitDepth(wanted: Depth | null, allowed: readonly Depth[]): Depth | null {
  if (wanted === null) return null;
  if (allowed.includes(wanted)) return wanted;
  const level = ORDER.indexOf(wanted);
  for (let l = level; l > 0; l--) if (allowed.includes(ORDER[l]!)) return ORDER[l];
  return null;
}

export type MatrixGroup = MatrixDto['groups'][number];

/** The tab shown: the chosen one, or the first. While searching, every tab's matching rows are shown together. */
export function visibleGroups(matrix: MatrixDto, tab: string | null, query: string): MatrixGroup[] {
  const q = query.trim().toLowerCase();
  if (!q) {
    const g = matrix.groups.find((x) => x.group === tab) ?? matrix.groups[0];
    return g ? [g] : [];
  }
  return matrix.groups
    .map((g) => ({
      ...g,
      entities: g.entities.filter((e) => e.displayname.toLowerCase().includes(q) || e.logicalname.includes(q)),
      miscellaneous: g.miscellaneous.filter((m) => m.displayname.toLowerCase().includes(q) || m.name.toLowerCase().includes(q)),
    }))
    .filter((g) => g.entities.length || g.miscellaneous.length);
}

/** Privileges set in a tab, to show "Core Records (12)" on the tab. */
export function grantedIn(group: MatrixGroup): number {
  return group.entities.reduce((n, e) => n + e.cells.filter((c) => c?.depth).length, 0) + group.miscellaneous.filter((m) => m.depth).length;
}
