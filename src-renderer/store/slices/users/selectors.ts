import type { UserRowDto } from '../../../api';
import type { AppStore } from '../../index';
import { USER_PAGE } from './slice';

export const usersSelectors = {
  filters: (s: AppStore) => s.userFilters,
  total: (s: AppStore) => s.userTotal,
  pages: (s: AppStore) => s.userPages,
  error: (s: AppStore) => s.usersError,
  selectedId: (s: AppStore) => s.selectedUserId,
  detail: (s: AppStore) => s.userDetail,
  checked: (s: AppStore) => s.checkedUserIds,
};

/** The row at a position of the filtered list, or undefined while its page loads. */
export function userAt(pages: AppStore['userPages'], index: number): UserRowDto | undefined {
  return pages[Math.floor(index / USER_PAGE)]?.[index % USER_PAGE];
}

/** How many filters other than the search text are set, for the "Filters (2)" badge. */
export function activeFilterCount(f: AppStore['userFilters']): number {
  return [f.businessunitid, f.roleid, f.teamid].filter(Boolean).length + (f.status === 'all' ? 0 : 1);
}
