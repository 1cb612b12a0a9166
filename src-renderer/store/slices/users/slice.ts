import type { StateCreator } from 'zustand';
import { api, type BridgeError, type UserDetailDto, type UserRowDto } from '../../../api';
import type { AppStore } from '../../index';

export interface UserFilters {
  readonly query: string;
  readonly businessunitid: string | null;
  readonly roleid: string | null;
  readonly teamid: string | null;
  readonly status: 'all' | 'enabled' | 'disabled';
}

export const USER_PAGE = 100;

export interface UsersActions {
  /** Changes the filters and starts over from the first page. */
  setUserFilters: (filters: Partial<UserFilters>) => Promise<void>;
  /** Makes sure rows first..last are loaded (the virtual list calls this as it scrolls). */
  ensureUserRows: (first: number, last: number) => Promise<void>;
  /** Drops loaded pages after a change, keeping filters and selection; reloads the first page. */
  reloadUsers: () => Promise<void>;
  selectUser: (systemuserid: string | null) => Promise<void>;
  toggleChecked: (systemuserid: string) => void;
  setChecked: (ids: readonly string[]) => void;
  /** A few users by name, for pickers (manager, team members); not kept in the store. */
  findUsers: (query: string, limit?: number) => Promise<UserRowDto[]>;
  /** The roles users would lose by moving to a unit; null when main could not say. */
  moveImpact: (systemuserids: readonly string[], businessunitid: string) => Promise<MoveImpact | null>;
}

export interface MoveImpact {
  readonly users: number;
  readonly roles: readonly { readonly name: string; readonly holders: number }[];
}

export interface UsersSliceState {
  readonly userFilters: UserFilters;
  readonly userTotal: number;
  /** Loaded pages by page number; a page is USER_PAGE rows. */
  readonly userPages: Readonly<Record<number, readonly UserRowDto[]>>;
  readonly usersError: BridgeError | null;
  readonly selectedUserId: string | null;
  readonly userDetail: UserDetailDto | null;
  /** Ticked rows, for bulk actions. */
  readonly checkedUserIds: ReadonlySet<string>;
}

export type UsersSlice = UsersSliceState & UsersActions;

export const initialUsersState: UsersSliceState = {
  userFilters: { query: '', businessunitid: null, roleid: null, teamid: null, status: 'all' },
  userTotal: 0,
  userPages: {},
  usersError: null,
  selectedUserId: null,
  userDetail: null,
  checkedUserIds: new Set(),
};

const request = (f: UserFilters, offset: number, limit: number) => ({
  query: f.query,
  ...(f.businessunitid ? { businessunitid: f.businessunitid } : {}),
  ...(f.roleid ? { roleid: f.roleid } : {}),
  ...(f.teamid ? { teamid: f.teamid } : {}),
  status: f.status,
  offset,
  limit,
});

export const createUsersSlice: StateCreator<AppStore, [], [], UsersSlice> = (set, get) => {
  // Pages under way, keyed by filters + page, so a fast scroll asks for each page once.
  const pending = new Set<string>();
  let generation = 0;

  const loadPage = async (page: number, gen: number) => {
    const f = get().userFilters;
    const key = `${gen}:${page}`;
    if (pending.has(key)) return;
    pending.add(key);
    const r = await api()['users:list'](request(f, page * USER_PAGE, USER_PAGE));
    pending.delete(key);
    if (gen !== generation) return;
    if (!r.ok) return set({ usersError: r.error });
    set((s) => ({ userTotal: r.value.total, userPages: { ...s.userPages, [page]: r.value.rows }, usersError: null }));
  };

  return {
    ...initialUsersState,

    async setUserFilters(filters) {
      generation++;
      set((s) => ({ userFilters: { ...s.userFilters, ...filters }, userPages: {}, checkedUserIds: new Set() }));
      await loadPage(0, generation);
    },

    async ensureUserRows(first, last) {
      const pages = get().userPages;
      const jobs: Promise<void>[] = [];
      for (let p = Math.floor(Math.max(0, first) / USER_PAGE); p <= Math.floor(Math.max(0, last) / USER_PAGE); p++) if (!pages[p]) jobs.push(loadPage(p, generation));
      await Promise.all(jobs);
    },

    async reloadUsers() {
      generation++;
      const kept = Object.keys(get().userPages).map(Number);
      set({ userPages: {} });
      await Promise.all((kept.length ? kept : [0]).map((p) => loadPage(p, generation)));
      const id = get().selectedUserId;
      if (id) await get().selectUser(id);
    },

    async selectUser(systemuserid) {
      if (!systemuserid) return set({ selectedUserId: null, userDetail: null });
      set({ selectedUserId: systemuserid });
      const r = await api()['users:detail']({ systemuserid });
      if (get().selectedUserId !== systemuserid) return;
      set(r.ok ? { userDetail: r.value } : { userDetail: null, selectedUserId: null });
    },

    toggleChecked(id) {
      set((s) => {
        const next = new Set(s.checkedUserIds);
        if (next.has(id)) next.delete(id);
        else next.add(id);
        return { checkedUserIds: next };
      });
    },

    setChecked(ids) {
      set({ checkedUserIds: new Set(ids) });
    },

    async findUsers(query, limit = 20) {
      const r = await api()['users:list']({ query, status: 'all', offset: 0, limit });
      return r.ok ? r.value.rows : [];
    },

    async moveImpact(systemuserids, businessunitid) {
      const r = await api()['users:moveImpact']({ systemuserids: [...systemuserids], businessunitid });
      return r.ok ? r.value : null;
    },
  };
};
