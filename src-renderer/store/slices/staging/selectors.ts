import type { DiffRowDto } from '../../../../src-main/bridge/channels/staging';
import type { AppStore } from '../../index';

export const stagingSelectors = {
  enabled: (s: AppStore) => s.stagingEnabled,
  staged: (s: AppStore) => s.staged,
  pending: (s: AppStore) => s.staged.commands.length,
  diff: (s: AppStore) => s.stagedDiff,
  diffError: (s: AppStore) => s.diffError,
  revision: (s: AppStore) => s.stagedRevision,
};

export type Direction = 'gain' | 'lose' | 'change';
const LEVEL: Record<string, number> = { Basic: 1, Local: 2, Deep: 3, Global: 4 };

/** More records, or a deeper depth at the same count, is a gain (as the core's directionOf). */
export function directionOf(c: DiffRowDto): Direction {
  if (c.recordsAfter !== c.recordsBefore) return c.recordsAfter > c.recordsBefore ? 'gain' : 'lose';
  const a = LEVEL[c.depthAfter ?? ''] ?? 0;
  const b = LEVEL[c.depthBefore ?? ''] ?? 0;
  return a === b ? 'change' : a > b ? 'gain' : 'lose';
}

export type DiffSort = 'affected' | 'user' | 'records';

/** Rows of one entity × right, sorted: most affected first (the core's order), by name, or by records after. */
export function rowsOf(rows: readonly DiffRowDto[], entity: string | null, right: string | null, sort: DiffSort): DiffRowDto[] {
  const mine = rows.filter((r) => r.entity === entity && r.right === right);
  if (sort === 'user') return mine.sort((a, b) => a.fullname.localeCompare(b.fullname));
  if (sort === 'records') return mine.sort((a, b) => b.recordsAfter - a.recordsAfter || a.fullname.localeCompare(b.fullname));
  return mine;
}
