import type { StateCreator } from 'zustand';
import { api, type TeamDetailDto, type TeamRowDto } from '../../../api';
import type { AppStore } from '../../index';

export type TeamTypeFilter = 'all' | 0 | 1 | 2 | 3;
export const TEAMS_SHOWN = 1000;

export interface TeamsActions {
  loadTeams: (filter?: { query?: string; teamtype?: TeamTypeFilter }) => Promise<void>;
  selectTeam: (teamid: string | null) => Promise<void>;
}

export interface TeamsSliceState {
  readonly teamQuery: string;
  readonly teamType: TeamTypeFilter;
  readonly teamRows: readonly TeamRowDto[];
  readonly teamTotal: number;
  readonly selectedTeamId: string | null;
  readonly teamDetail: TeamDetailDto | null;
}

export type TeamsSlice = TeamsSliceState & TeamsActions;

export const initialTeamsState: TeamsSliceState = { teamQuery: '', teamType: 'all', teamRows: [], teamTotal: 0, selectedTeamId: null, teamDetail: null };

export const createTeamsSlice: StateCreator<AppStore, [], [], TeamsSlice> = (set, get) => ({
  ...initialTeamsState,

  async loadTeams(filter = {}) {
    const query = filter.query ?? get().teamQuery;
    const teamtype = filter.teamtype ?? get().teamType;
    set({ teamQuery: query, teamType: teamtype });
    const r = await api()['teams:list']({ query, ...(teamtype === 'all' ? {} : { teamtype }), offset: 0, limit: TEAMS_SHOWN });
    if (r.ok && get().teamQuery === query && get().teamType === teamtype) set({ teamRows: r.value.rows, teamTotal: r.value.total });
    const id = get().selectedTeamId;
    if (id) await get().selectTeam(id);
  },

  async selectTeam(teamid) {
    if (!teamid) return set({ selectedTeamId: null, teamDetail: null });
    set({ selectedTeamId: teamid });
    const r = await api()['teams:detail']({ teamid });
    if (get().selectedTeamId !== teamid) return;
    set(r.ok ? { teamDetail: r.value } : { teamDetail: null, selectedTeamId: null });
  },
});
