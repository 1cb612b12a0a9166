import type { AppStore } from '../../index';

export const checkAccessSelectors = {
  open: (s: AppStore) => s.checkAccessOpen,
  result: (s: AppStore) => s.checkAccessResult,
  error: (s: AppStore) => s.checkAccessError,
  busy: (s: AppStore) => s.checkAccessBusy,
};
