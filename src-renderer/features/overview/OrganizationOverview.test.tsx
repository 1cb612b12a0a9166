// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen, within } from '@testing-library/react';
import { OrganizationOverview } from './OrganizationOverview';
import { useAppStore } from '../../store';
import { fakeApi, installApi } from '../../testing/fakeApi';
import { fabrikam } from '../../../src-main/session/fabrikam.fixture';

describe('Organization overview', () => {
  beforeEach(async () => {
    useAppStore.setState(useAppStore.getInitialState(), true);
    installApi((await fakeApi(fabrikam())).api);
  });
  afterEach(cleanup);

  it('shows the organization name and how many units, users, teams, roles and records it has', async () => {
    render(<OrganizationOverview />);
    expect(await screen.findByRole('heading', { level: 1, name: 'Fabrikam' })).toBeTruthy();
    const counts = screen.getByLabelText('Counts');
    const count = (label: string) => within(counts).getByRole('group', { name: label }).querySelector('dd')?.textContent;
    expect(count('Business units')).toBe('4');
    expect(count('Users')).toBe('3');
    expect(count('Teams')).toBe('5');
    expect(count('Security roles')).toBe('2');
    expect(count('Records')).toBe('1');
  });

  it('shows the business-unit tree with child units nested under their parent and disabled units marked', async () => {
    render(<OrganizationOverview />);
    const tree = await screen.findByRole('list', { name: 'Business unit tree' });
    const root = within(tree).getByRole('listitem', { name: 'Fabrikam' });
    const sales = within(root).getByRole('listitem', { name: 'Sales' });
    expect(within(sales).getByRole('listitem', { name: 'Sales North' })).toBeTruthy();
    const service = within(root).getByRole('listitem', { name: 'Service' });
    expect(within(service).getByText('Disabled')).toBeTruthy();
    expect(within(sales).queryByText('Disabled')).toBeNull();
  });

  it('lists the security roles with how many users and teams hold each', async () => {
    render(<OrganizationOverview />);
    const table = await screen.findByRole('table');
    const row = (name: string) => within(table).getByRole('row', { name: new RegExp(`^${name}`) });
    expect(within(row('Salesperson')).getAllByRole('cell').map((c) => c.textContent)).toEqual(['Fabrikam', '3']);
    expect(within(row('System Administrator')).getAllByRole('cell').map((c) => c.textContent)).toEqual(['Fabrikam', '1']);
  });

  it('shows a new business unit once its staged creation is applied, and not before', async () => {
    render(<OrganizationOverview />);
    await screen.findByRole('heading', { level: 1, name: 'Fabrikam' });
    const refusal = await useAppStore.getState().applyCommand({
      type: 'createBusinessUnit',
      businessunitid: 'bu-marketing',
      defaultteamid: 'team-marketing',
      name: 'Marketing',
      parentbusinessunitid: 'bu-fabrikam',
    });
    expect(refusal).toBeNull();
    const tree = screen.getByRole('list', { name: 'Business unit tree' });
    expect(within(tree).queryByRole('listitem', { name: 'Marketing' })).toBeNull();
    expect(await useAppStore.getState().applyStaged()).toBeNull();
    expect(await within(tree).findByRole('listitem', { name: 'Marketing' })).toBeTruthy();
  });
});
