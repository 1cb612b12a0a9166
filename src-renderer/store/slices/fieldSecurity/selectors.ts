import type { AppStore } from '../../index';

export const fieldSecuritySelectors = {
  rows: (s: AppStore) => s.fieldProfiles,
  selectedId: (s: AppStore) => s.selectedFieldProfileId,
  detail: (s: AppStore) => s.fieldProfile,
};
