import type { StateCreator } from 'zustand';
import { api, type SearchHitDto } from '../../../api';
import type { AppStore } from '../../index';

export interface SearchActions {
  search: (query: string) => Promise<void>;
  /** Goes to the screen of a hit and selects it there. */
  openHit: (hit: SearchHitDto) => Promise<void>;
}

export interface SearchSliceState {
  readonly searchQuery: string;
  readonly searchHits: readonly SearchHitDto[];
  /** The unit selected in the tree (kept here because search and the tree both set it). */
  readonly selectedUnitId: string | null;
}

export type SearchSlice = SearchSliceState & SearchActions & { selectUnit: (id: string | null) => void };

export const initialSearchState: SearchSliceState = { searchQuery: '', searchHits: [], selectedUnitId: null };

export const createSearchSlice: StateCreator<AppStore, [], [], SearchSlice> = (set, get) => ({
  ...initialSearchState,

  selectUnit: (id) => set({ selectedUnitId: id }),

  async search(query) {
    set({ searchQuery: query });
    if (!query.trim()) return set({ searchHits: [] });
    const r = await api()['search:everything']({ query, limit: 40 });
    if (get().searchQuery === query) set({ searchHits: r.ok ? r.value.hits : [] });
  },

  async openHit(hit) {
    const s = get();
    s.closePalette();
    switch (hit.kind) {
      case 'businessunit':
        s.navigate('units');
        s.selectUnit(hit.id);
        break;
      case 'user':
        s.navigate('users');
        await s.selectUser(hit.id);
        break;
      case 'team':
        s.navigate('teams');
        await s.selectTeam(hit.id);
        break;
      case 'role':
        s.navigate('roles');
        await s.selectRole(hit.id);
        break;
      case 'fieldsecurityprofile':
        s.navigate('fieldSecurity');
        await s.selectFieldProfile(hit.id);
        break;
      case 'entity':
        // A table: open the role editor on the first role, searching for the table.
        s.navigate('roles');
        s.setMatrixQuery(hit.name);
        if (!s.selectedRoleId && s.summary?.roles[0]) await s.selectRole(s.summary.roles[0].roleid);
        break;
    }
  },
});
