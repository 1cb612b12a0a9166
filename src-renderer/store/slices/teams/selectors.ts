import type { AppStore } from '../../index';

export const teamsSelectors = {
  rows: (s: AppStore) => s.teamRows,
  total: (s: AppStore) => s.teamTotal,
  query: (s: AppStore) => s.teamQuery,
  type: (s: AppStore) => s.teamType,
  selectedId: (s: AppStore) => s.selectedTeamId,
  detail: (s: AppStore) => s.teamDetail,
};
