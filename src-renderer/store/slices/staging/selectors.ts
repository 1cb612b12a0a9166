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

export type DiffSort = 'affected' | 'user' | 'records';

/** Rows of one entity × right, sorted: most affected first (the core's order), by name, or by records after. */
export function rowsOf(rows: readonly DiffRowDto[], entity: string | null, right: string | null, sort: DiffSort): DiffRowDto[] {
  const mine = rows.filter((r) => r.entity === entity && r.right === right);
  if (sort === 'user') return mine.sort((a, b) => a.fullname.localeCompare(b.fullname));
  if (sort === 'records') return mine.sort((a, b) => b.recordsAfter - a.recordsAfter || a.fullname.localeCompare(b.fullname));
  return mine;
}
