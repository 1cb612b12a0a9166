// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { TeamsScreen } from './TeamsScreen';
import { MainLayout } from '../shell/App';
import { renderWith } from '../../testing/renderApp';
import { applyStagedFromPreview } from '../../testing/stagedFlow';
import { FABRIKAM as F, fabrikam } from '../../../src-main/session/fabrikam.fixture';
import { useAppStore } from '../../store';

describe('Teams screen', () => {
  afterEach(cleanup);

  it('lists teams by type', async () => {
    await renderWith(<TeamsScreen />, fabrikam());
    await useAppStore.getState().loadSummary();
    await screen.findByRole('gridcell', { name: 'Key Accounts' });
    fireEvent.click(screen.getByRole('tab', { name: 'Access' }));
    await waitFor(() => expect(screen.queryByRole('gridcell', { name: 'Key Accounts' })).toBeNull());
  });

  it('shows a default team read-only', async () => {
    await renderWith(<TeamsScreen />, fabrikam());
    await useAppStore.getState().loadSummary();
    fireEvent.click(await screen.findByRole('gridcell', { name: 'Sales North' }));
    await screen.findByText(/its members are always exactly the unit’s users/);
    expect(screen.queryByRole('button', { name: 'Rename…' })).toBeNull();
    expect(screen.queryByLabelText('Tick Nina North')).toBeNull();
  });

  it('removes ticked members together, once applied from Preview', async () => {
    const { session } = await renderWith(<MainLayout />, fabrikam(), { screen: 'teams' });
    fireEvent.click(await screen.findByRole('gridcell', { name: 'Key Accounts' }));
    fireEvent.click(await screen.findByLabelText('Tick Sam Seller'));
    fireEvent.click(screen.getByRole('button', { name: 'Remove ticked (1)' }));
    expect(await applyStagedFromPreview()).toEqual([expect.stringMatching(/Sam Seller/)]);
    expect(session.current.teammembership.size).toBe(0);
    fireEvent.click(await screen.findByRole('gridcell', { name: 'Key Accounts' }));
    await screen.findByRole('list', { name: 'Members' });
    expect(within(screen.getByRole('list', { name: 'Members' })).queryByText(/Sam Seller/)).toBeNull();
    expect(F.keyAccounts).toBeTruthy();
  });
});
