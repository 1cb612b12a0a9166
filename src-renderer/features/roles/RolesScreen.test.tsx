// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { RolesScreen } from './RolesScreen';
import { MainLayout } from '../shell/App';
import { renderWith } from '../../testing/renderApp';
import { applyStagedFromPreview, waitForStaged } from '../../testing/stagedFlow';
import { FABRIKAM as F, fabrikam } from '../../../src-main/session/fabrikam.fixture';
import { useAppStore } from '../../store';
import { applyAll } from '../../../src-main/core/commands/apply';

async function openSalesperson() {
  await useAppStore.getState().loadSummary();
  await useAppStore.getState().selectRole(F.salesperson);
}

/**
 * The app on the Security roles screen, with its top bar (Preview) and sidebar. Matrix cells are
 * found by their label: a role query names each of the matrix's thousand buttons, seconds in jsdom.
 */
const renderRoles = (state = fabrikam()) => renderWith(<MainLayout />, state, { screen: 'roles' });

describe('Security roles screen', () => {
  afterEach(cleanup);

  it('shows the privilege matrix with the depth symbols, and a click stages Read Account from Business Unit to Parent: Child, applied from Preview', async () => {
    const { session } = await renderRoles();
    await openSalesperson();
    const cell = await screen.findByLabelText('Read Account: Business Unit');
    expect(cell.textContent).toBe('◑');
    fireEvent.click(cell);
    await waitForStaged(1);
    expect(session.current.roles.get(F.salesperson)!.privileges.prvReadAccount).toBe('Local');
    expect(await applyStagedFromPreview()).toEqual(['Salesperson: prvReadAccount Local → Deep']);
    expect(await screen.findByLabelText('Read Account: Parent: Child Business Units')).toBeTruthy();
    expect(session.current.roles.get(F.salesperson)!.privileges.prvReadAccount).toBe('Deep');
  });

  it('cycles Read Account from Business Unit through Parent: Child and Organization to None without applying, marked staged, one staged change for the cell', async () => {
    const { session } = await renderRoles();
    await openSalesperson();
    fireEvent.click(await screen.findByLabelText('Read Account: Business Unit'));
    const deep = await screen.findByLabelText('Read Account: Parent: Child Business Units, staged, not applied yet (applied: Business Unit)');
    expect(deep.getAttribute('data-staged')).toBe('true');
    expect(screen.getByText('Staged, not applied yet')).toBeTruthy();
    fireEvent.click(deep);
    const global = await screen.findByLabelText('Read Account: Organization, staged, not applied yet (applied: Business Unit)');
    await waitForStaged(1);
    expect(session.current.roles.get(F.salesperson)!.privileges.prvReadAccount).toBe('Local');
    fireEvent.click(global);
    expect(await screen.findByLabelText('Read Account: None, staged, not applied yet (applied: Business Unit)')).toBeTruthy();
    expect(await applyStagedFromPreview()).toEqual(['Salesperson: prvReadAccount Local → None']);
    expect(session.current.roles.get(F.salesperson)!.privileges.prvReadAccount).toBeUndefined();
    const none = await screen.findByLabelText('Read Account: None');
    expect(none.getAttribute('data-staged')).toBeNull();
    expect(screen.queryByText('Staged, not applied yet')).toBeNull();
  });

  it('leaves nothing staged when a cell is cycled back round to the depth it has', async () => {
    await renderRoles();
    await openSalesperson();
    fireEvent.click(await screen.findByLabelText('Bulk Delete: None'));
    fireEvent.click(await screen.findByLabelText('Bulk Delete: Organization, staged, not applied yet (applied: None)'));
    expect(await screen.findByLabelText('Bulk Delete: None')).toBeTruthy();
    await waitForStaged(0);
    expect(useAppStore.getState().notice?.text).toBe('Updated the staged changes (0 staged)');
  });

  it('asks for the matrix once after a click applied at once with staging off, not twice', async () => {
    const { calls } = await renderWith(<RolesScreen />, fabrikam(), { staging: false });
    await openSalesperson();
    fireEvent.click(await screen.findByLabelText('Read Account: Business Unit'));
    await screen.findByLabelText('Read Account: Parent: Child Business Units');
    await new Promise((r) => setTimeout(r, 50));
    const sinceClick = calls.slice(calls.lastIndexOf('org:apply'));
    expect(sinceClick.filter((c) => c === 'roles:matrix')).toHaveLength(1);
  });

  it('cycles an organization-only privilege between None and Organization, one applied change at a time', async () => {
    await renderRoles();
    await openSalesperson();
    fireEvent.click(await screen.findByLabelText('Bulk Delete: None'));
    expect(await applyStagedFromPreview()).toEqual(['Salesperson: prvBulkDelete None → Global']);
    fireEvent.click(await screen.findByLabelText('Bulk Delete: Organization'));
    expect(await applyStagedFromPreview()).toEqual(['Salesperson: prvBulkDelete Global → None']);
    expect(await screen.findByLabelText('Bulk Delete: None')).toBeTruthy();
  });

  it('marks privileges whose depth rule is not verified, and cycles one through all four depths', async () => {
    const r = applyAll(fabrikam(), [{ type: 'replaceRolePrivileges', roleid: F.salesperson, privileges: { prvReadAccount: 'Local', prvReadcr5db_Project: 'Basic', prvControlDecrementTerm: 'Local' } }]);
    if (!r.ok) throw new Error(r.error.message);
    const { session } = await renderRoles(r.state);
    await openSalesperson();
    fireEvent.click(await screen.findByRole('tab', { name: /^Unverified/ }));
    const cell = await screen.findByLabelText('Read cr5db_Project: User (unverified)');
    expect(cell.getAttribute('data-status')).toBe('unverified');
    expect(cell.title).toMatch(/depth rule not verified/);
    expect(screen.getByLabelText('ControlDecrementTerm: Business Unit (unverified)')).toBeTruthy();
    expect(screen.getByText(/Depth rule not verified/)).toBeTruthy();
    for (const [label, depth] of [['Business Unit', 'Local'], ['Parent: Child Business Units', 'Deep'], ['Organization', 'Global']] as const) {
      fireEvent.click(await screen.findByLabelText(/^Read cr5db_Project: .* \(unverified\)$/));
      await applyStagedFromPreview();
      fireEvent.click(await screen.findByRole('tab', { name: /^Unverified/ }));
      await screen.findByLabelText(`Read cr5db_Project: ${label} (unverified)`);
      expect(session.current.roles.get(F.salesperson)!.privileges.prvReadcr5db_Project).toBe(depth);
    }
  });

  it('stages a whole column at once, and applies it from Preview as one undo step named for the column', async () => {
    const { session } = await renderRoles();
    await openSalesperson();
    const table = await screen.findByRole('table', { name: 'Core Records privileges' });
    fireEvent.change(within(table).getByLabelText('Set column Write'), { target: { value: 'Global' } });
    const staged = await within(screen.getByRole('banner')).findByRole('button', { name: /^Preview: [1-9]\d* staged$/ });
    const count = Number(/(\d+) staged/.exec(staged.getAttribute('aria-label')!)![1]);
    expect(count).toBeGreaterThan(1);
    const reviewed = await applyStagedFromPreview();
    expect(reviewed).toContain('Salesperson: prvWriteContact None → Global');
    expect(reviewed).toHaveLength(count);
    expect(session.current.roles.get(F.salesperson)!.privileges.prvWriteContact).toBe('Global');
    expect(within(screen.getByRole('banner')).getByRole('button', { name: '↶ Undo' }).title).toBe('Undo: Set Write on Core Records to Organization in Salesperson');
    fireEvent.click(within(screen.getByRole('banner')).getByRole('button', { name: '↶ Undo' }));
    await waitFor(() => expect(session.current.roles.get(F.salesperson)!.privileges.prvWriteContact).toBeUndefined());
    expect(session.current.roles.get(F.salesperson)!.privileges.prvWriteAccount).toBeUndefined();
  });

  it('searches tables across tabs', async () => {
    await renderWith(<RolesScreen />, fabrikam());
    await openSalesperson();
    fireEvent.change(await screen.findByLabelText('Search privileges'), { target: { value: 'opportunity' } });
    expect(await screen.findByLabelText(/^Read Opportunity: /)).toBeTruthy();
    expect(screen.queryByRole('button', { name: /^Read Account: / })).toBeNull();
  });

  it('moves between cells with the arrow keys, skipping rights a table lacks', async () => {
    await renderWith(<RolesScreen />, fabrikam());
    await openSalesperson();
    const read = await screen.findByLabelText('Read Account: Business Unit');
    fireEvent.click(read);
    fireEvent.keyDown(read, { key: 'ArrowRight' });
    await waitFor(() => expect(document.activeElement?.getAttribute('aria-label')).toMatch(/^Write Account: /));
  });

  it('refuses to delete a held role and names its holders', async () => {
    await renderWith(<RolesScreen />, fabrikam());
    await openSalesperson();
    fireEvent.click(await screen.findByRole('button', { name: 'Delete…' }));
    const alert = await within(screen.getByRole('dialog')).findByRole('alert');
    expect(alert.textContent).toMatch(/held by 3 principal\(s\): .*Sam Seller/);
  });

  it('copies a role with its privileges once the copy is applied from Preview', async () => {
    const { session } = await renderRoles();
    await openSalesperson();
    await screen.findByLabelText('Read Account: Business Unit');
    fireEvent.click(screen.getByRole('button', { name: 'Copy…' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Copy' }));
    await waitForStaged(1);
    expect([...session.current.roles.values()].some((r) => r.name === 'Copy of Salesperson')).toBe(false);
    expect(await applyStagedFromPreview()).toEqual([expect.stringMatching(/Copy of Salesperson/)]);
    expect([...session.current.roles.values()].find((r) => r.name === 'Copy of Salesperson')?.privileges).toEqual({ prvReadAccount: 'Local' });
    expect(await screen.findByRole('option', { name: /^Copy of Salesperson/ })).toBeTruthy();
  });

  it('compares two roles side by side and lists where a role is used', async () => {
    await renderWith(<RolesScreen />, fabrikam());
    await openSalesperson();
    fireEvent.click(await screen.findByRole('tab', { name: 'Compare' }));
    fireEvent.change(screen.getByLabelText('Role to compare with'), { target: { value: F.sysadmin } });
    const table = await screen.findByRole('table', { name: 'Comparison' });
    const row = within(table).getByRole('row', { name: /Read Account/ });
    expect(row.textContent).toMatch(/Business Unit.*Organization/);
    fireEvent.click(screen.getByRole('tab', { name: /^Where used/ }));
    const users = await screen.findByRole('list', { name: 'Users holding the role' });
    expect(within(users).getAllByRole('listitem').map((li) => li.textContent)).toEqual([expect.stringMatching(/^Nina North/), expect.stringMatching(/^Sam Seller/)]);
    expect(within(screen.getByRole('list', { name: 'Teams holding the role' })).getByText('Key Accounts')).toBeTruthy();
  });

  it('compares and lists holders as staged: a staged depth shows beside the applied one, a staged assignment and a staged removal are marked', async () => {
    const { session } = await renderRoles();
    await openSalesperson();
    const { applyAll: stage } = useAppStore.getState();
    await stage([
      { type: 'setRolePrivilege', roleid: F.salesperson, privilege: 'prvReadAccount', depth: 'Deep' },
      { type: 'assignRole', systemuserid: F.ada, roleid: F.salesperson },
      { type: 'removeRole', systemuserid: F.nina, roleid: F.salesperson },
    ]);
    await waitForStaged(3);
    fireEvent.click(await screen.findByRole('tab', { name: 'Compare' }));
    fireEvent.change(screen.getByLabelText('Role to compare with'), { target: { value: F.sysadmin } });
    const table = await screen.findByRole('table', { name: 'Comparison' });
    expect(within(table).getByRole('row', { name: /Read Account/ }).textContent).toMatch(/Parent: Child Business Units · staged \(applied: Business Unit\).*Organization/);
    expect(screen.getByText(/Shown as staged/)).toBeTruthy();
    fireEvent.click(screen.getByRole('tab', { name: /^Where used/ }));
    const users = await screen.findByRole('list', { name: 'Users holding the role' });
    expect(within(users).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      expect.stringMatching(/^Ada Admin.*Staged: gets the role/),
      expect.stringMatching(/^Nina North.*Staged: loses the role/),
      expect.stringMatching(/^Sam Seller(?!.*Staged)/),
    ]);
    // Nothing is applied until Preview → Apply.
    expect(session.current.roles.get(F.salesperson)!.privileges.prvReadAccount).toBe('Local');
  });
});
