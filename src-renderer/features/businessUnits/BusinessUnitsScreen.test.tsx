// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { MainLayout } from '../shell/App';
import { renderWith } from '../../testing/renderApp';
import { applyStagedFromPreview, waitForStaged } from '../../testing/stagedFlow';
import { FABRIKAM as F, fabrikam } from '../../../src-main/session/fabrikam.fixture';
import { useAppStore } from '../../store';
import { syntheticOrganization } from '../../../src-main/core/generate/synthetic';

const tree = () => screen.findByRole('tree', { name: 'Business unit tree' });

describe('Business units screen', () => {
  afterEach(cleanup);

  it('shows the tree with child units one level below their parent and disabled units marked', async () => {
    await renderWith(<MainLayout />, fabrikam());
    const t = await tree();
    expect(within(t).getByRole('treeitem', { name: 'Sales North' }).getAttribute('aria-level')).toBe('3');
    expect(within(within(t).getByRole('treeitem', { name: 'Service' })).getByText('Disabled')).toBeTruthy();
  });

  it('adds a child unit through the dialog, staged until applied from Preview', async () => {
    const { session } = await renderWith(<MainLayout />, fabrikam());
    fireEvent.click(within(await tree()).getByRole('treeitem', { name: 'Sales' }));
    fireEvent.click(screen.getByRole('button', { name: 'Add child unit' }));
    fireEvent.change(within(screen.getByRole('dialog')).getByLabelText('Name'), { target: { value: 'Sales South' } });
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Create' }));
    await waitForStaged(1);
    expect(within(await tree()).queryByRole('treeitem', { name: 'Sales South' })).toBeNull();
    expect(await applyStagedFromPreview()).toEqual([expect.stringMatching(/Sales South/)]);
    const south = await within(await tree()).findByRole('treeitem', { name: 'Sales South' });
    expect(south.getAttribute('aria-level')).toBe('3');
    expect([...session.current.businessunits.values()].find((b) => b.name === 'Sales South')?.parentbusinessunitid).toBe(F.sales);
  });

  it('shows the core’s reason when a unit cannot be deleted, and keeps Delete disabled', async () => {
    await renderWith(<MainLayout />, fabrikam());
    fireEvent.click(within(await tree()).getByRole('treeitem', { name: 'Sales' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete…' }));
    const dialog = screen.getByRole('dialog');
    expect((await within(dialog).findByRole('alert')).textContent).toMatch(/^Refused: cannot delete Sales: only a disabled business unit can be deleted/);
    expect(within(dialog).getByRole<HTMLButtonElement>('button', { name: 'Delete' }).disabled).toBe(true);
  });

  it('moves a unit under another through the move dialog, once the move is applied from Preview', async () => {
    const { session } = await renderWith(<MainLayout />, fabrikam());
    fireEvent.click(within(await tree()).getByRole('treeitem', { name: 'Sales North' }));
    fireEvent.click(screen.getByRole('button', { name: 'Move…' }));
    const dialog = screen.getByRole('dialog');
    const options = within(dialog).getAllByRole('option').map((o) => o.textContent);
    expect(options).not.toContain('Sales North');
    fireEvent.change(within(dialog).getByLabelText('New parent unit'), { target: { value: F.root } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Move' }));
    await waitForStaged(1);
    expect(session.current.businessunits.get(F.salesNorth)?.parentbusinessunitid).toBe(F.sales);
    expect(await applyStagedFromPreview()).toEqual([expect.stringMatching(/Sales North/)]);
    expect(session.current.businessunits.get(F.salesNorth)?.parentbusinessunitid).toBe(F.root);
    expect((await within(await tree()).findByRole('treeitem', { name: 'Sales North' })).getAttribute('aria-level')).toBe('2');
  });

  it('moves the selection with the arrow keys and collapses with ArrowLeft', async () => {
    await renderWith(<MainLayout />, fabrikam());
    const t = await tree();
    const sales = within(t).getByRole('treeitem', { name: 'Sales' });
    fireEvent.click(sales);
    fireEvent.keyDown(sales, { key: 'ArrowDown' });
    await waitFor(() => expect(useAppStore.getState().selectedUnitId).toBe(F.salesNorth));
    fireEvent.keyDown(within(t).getByRole('treeitem', { name: 'Sales North' }), { key: 'ArrowLeft' });
    await waitFor(() => expect(useAppStore.getState().selectedUnitId).toBe(F.sales));
    fireEvent.keyDown(within(t).getByRole('treeitem', { name: 'Sales' }), { key: 'ArrowLeft' });
    await waitFor(() => expect(within(t).queryByRole('treeitem', { name: 'Sales North' })).toBeNull());
  });

  it('undoes the last applied change with Ctrl+Z and redoes it with Ctrl+Shift+Z', async () => {
    const { session } = await renderWith(<MainLayout />, fabrikam());
    await tree();
    await useAppStore.getState().applyCommand({ type: 'updateBusinessUnit', businessunitid: F.sales, name: 'Revenue' });
    await applyStagedFromPreview();
    await within(await tree()).findByRole('treeitem', { name: 'Revenue' });
    fireEvent.keyDown(window, { key: 'z', ctrlKey: true });
    await within(await tree()).findByRole('treeitem', { name: 'Sales' });
    expect(session.current.businessunits.get(F.sales)?.name).toBe('Sales');
    fireEvent.keyDown(window, { key: 'Z', ctrlKey: true, shiftKey: true });
    await within(await tree()).findByRole('treeitem', { name: 'Revenue' });
  });

  it('opens a tree of 2,000 units folded below the second level, and opens a unit on demand', async () => {
    await renderWith(<MainLayout />, syntheticOrganization({ businessunits: 2000, users: 100, teams: 10, roles: 5, records: 0, shares: 0, popularRoleHolders: 0 }));
    const t = await tree();
    const items = within(t).getAllByRole('treeitem');
    expect(items.length).toBeLessThan(200);
    const folded = items.find((i) => i.getAttribute('aria-level') === '2' && i.getAttribute('aria-expanded') === 'false')!;
    expect(folded).toBeTruthy();
    fireEvent.keyDown(folded, { key: 'ArrowRight' });
    await waitFor(() => expect(within(t).getAllByRole('treeitem').length).toBeGreaterThan(items.length));
  });
});
