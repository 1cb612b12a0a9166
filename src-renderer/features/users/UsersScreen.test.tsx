// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { MainLayout } from '../shell/App';
import { renderWith } from '../../testing/renderApp';
import { applyStagedFromPreview, waitForStaged } from '../../testing/stagedFlow';
import { FABRIKAM as F, fabrikam } from '../../../src-main/session/fabrikam.fixture';
import { useAppStore } from '../../store';

/** The app on the Users screen, with its top bar (Preview) and sidebar. */
async function open() {
  const r = await renderWith(<MainLayout />, fabrikam(), { screen: 'users' });
  await useAppStore.getState().loadSummary();
  await screen.findByRole('gridcell', { name: 'Ada Admin' });
  return r;
}

describe('Users screen', () => {
  afterEach(cleanup);

  it('lists users by name in a virtual grid with their unit and manager', async () => {
    await open();
    const grid = screen.getByRole('grid', { name: 'Users' });
    expect(grid.getAttribute('aria-rowcount')).toBe('3');
    expect(within(grid).getAllByRole('gridcell').map((c) => c.getAttribute('aria-label'))).toEqual(['Ada Admin', 'Nina North', 'Sam Seller']);
  });

  it('filters by business unit', async () => {
    await open();
    fireEvent.change(screen.getByLabelText('Business unit filter'), { target: { value: F.salesNorth } });
    await waitFor(() => expect(screen.getByRole('grid', { name: 'Users' }).getAttribute('aria-rowcount')).toBe('1'));
    expect(screen.getByRole('gridcell', { name: 'Nina North' })).toBeTruthy();
  });

  it('adds a user once the staged addition is applied from Preview', async () => {
    const { session } = await open();
    fireEvent.click(screen.getByRole('button', { name: 'Add user' }));
    const d = screen.getByRole('dialog');
    fireEvent.change(within(d).getByLabelText('Full name'), { target: { value: 'Olga Ops' } });
    fireEvent.change(within(d).getByLabelText('Sign-in name'), { target: { value: 'olga@fabrikam.example' } });
    fireEvent.click(within(d).getByRole('button', { name: 'Add' }));
    await waitForStaged(1);
    expect(screen.queryByRole('gridcell', { name: 'Olga Ops' })).toBeNull();
    expect(await applyStagedFromPreview()).toEqual([expect.stringMatching(/Olga Ops/)]);
    expect(await screen.findByRole('gridcell', { name: 'Olga Ops' })).toBeTruthy();
    expect([...session.current.systemusers.values()].some((u) => u.fullname === 'Olga Ops')).toBe(true);
  });

  it('warns before a change of unit and lists the roles that will be removed', async () => {
    const { session } = await open();
    fireEvent.click(screen.getByRole('gridcell', { name: 'Sam Seller' }));
    const panel = await screen.findByRole('region', { name: 'User Sam Seller' });
    fireEvent.click(within(panel).getByRole('button', { name: 'Change unit…' }));
    const d = screen.getByRole('dialog');
    fireEvent.change(within(d).getByLabelText('New business unit'), { target: { value: F.root } });
    const warning = await within(d).findByRole('alert');
    expect(warning.textContent).toMatch(/These roles will be removed/);
    expect(within(warning).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['Salesperson']);
    expect(session.current.systemusers.get(F.sam)!.businessunitid).toBe(F.sales);
    fireEvent.click(within(d).getByRole('button', { name: 'Change unit' }));
    expect(await applyStagedFromPreview()).toEqual([expect.stringMatching(/Sam Seller/)]);
    expect(session.current.systemusers.get(F.sam)!.businessunitid).toBe(F.root);
    expect([...session.current.systemuserroles.values()].some((a) => a.systemuserid === F.sam)).toBe(false);
  });

  it('deactivates ticked users in one undo step, applied from Preview', async () => {
    const { session } = await open();
    fireEvent.click(screen.getByLabelText('Tick Nina North'));
    fireEvent.click(screen.getByLabelText('Tick Sam Seller'));
    fireEvent.click(within(screen.getByLabelText('Bulk actions')).getByRole('button', { name: 'Deactivate' }));
    expect(await applyStagedFromPreview()).toEqual([expect.stringMatching(/Nina North/), expect.stringMatching(/Sam Seller/)]);
    expect(session.current.systemusers.get(F.nina)!.isdisabled).toBe(true);
    expect(session.current.systemusers.get(F.sam)!.isdisabled).toBe(true);
    expect(useAppStore.getState().history.undoLabel).toBe('Applied 2 staged changes');
  });

  it('assigns a role to the selected user once it is applied from Preview', async () => {
    await open();
    fireEvent.click(screen.getByRole('gridcell', { name: 'Ada Admin' }));
    await screen.findByRole('region', { name: 'User Ada Admin' });
    fireEvent.change(screen.getByLabelText('Role to assign'), { target: { value: F.salesperson } });
    fireEvent.click(screen.getByRole('button', { name: 'Assign role' }));
    expect(await applyStagedFromPreview()).toEqual([expect.stringMatching(/Salesperson/)]);
    fireEvent.click(await screen.findByRole('gridcell', { name: 'Ada Admin' }));
    const held = screen.getByRole('list', { name: 'Roles held' });
    expect(await within(held).findByText('Salesperson')).toBeTruthy();
  });
});
