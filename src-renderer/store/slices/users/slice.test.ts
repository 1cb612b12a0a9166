import { beforeEach, describe, expect, it } from 'vitest';
import { useAppStore } from '../../index';
import { userAt } from './selectors';
import { fakeApi, installApi } from '../../../testing/fakeApi';
import { FABRIKAM as F, fabrikam } from '../../../../src-main/session/fabrikam.fixture';

describe('the users slice', () => {
  beforeEach(async () => {
    useAppStore.setState(useAppStore.getInitialState(), true);
    installApi((await fakeApi(fabrikam())).api);
  });

  it('loads the first page for new filters and keeps only the matches', async () => {
    await useAppStore.getState().setUserFilters({ businessunitid: F.sales });
    const s = useAppStore.getState();
    expect(s.userTotal).toBe(1);
    expect(userAt(s.userPages, 0)?.fullname).toBe('Sam Seller');
    expect(userAt(s.userPages, 1)).toBeUndefined();
  });

  it('clears ticked users when the filters change', async () => {
    useAppStore.getState().setChecked([F.sam]);
    await useAppStore.getState().setUserFilters({ query: 'nina' });
    expect(useAppStore.getState().checkedUserIds.size).toBe(0);
  });

  it('loads the selected user with the roles they hold', async () => {
    await useAppStore.getState().selectUser(F.nina);
    expect(useAppStore.getState().userDetail?.roles.map((r) => r.name)).toEqual(['Salesperson']);
  });
});
