// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { FindingsScreen } from './FindingsScreen';
import { renderWith } from '../../testing/renderApp';
import { FABRIKAM, fabrikam } from '../../../src-main/session/fabrikam.fixture';
import { applyAll } from '../../../src-main/core/commands/apply';
import { useAppStore } from '../../store';

/** Fabrikam with a role granting Global Delete on accounts held by Sam: a high finding. */
function risky() {
  const r = applyAll(fabrikam(), [
    { type: 'createRole', roleid: 'role-cleaner', name: 'Cleaner', privileges: { prvDeleteAccount: 'Global' } },
    { type: 'assignRole', systemuserid: FABRIKAM.sam, roleid: 'role-cleaner' },
  ]);
  if (!r.ok) throw new Error(r.error.message);
  return r.state;
}

describe('Findings screen', () => {
  afterEach(cleanup);

  it('groups findings by severity with counts, each with its explanation and suggested fix', async () => {
    await renderWith(<FindingsScreen />, risky());
    await useAppStore.getState().loadSummary();
    const high = await screen.findByRole('region', { name: 'High severity' });
    const card = within(high).getByRole('article', { name: /Cleaner grants Global Delete/ });
    expect(card.textContent).toMatch(/Suggested fix/);
    expect(within(screen.getByRole('group', { name: 'Severity' })).getByRole('button', { name: /High/ }).textContent).toMatch(/[1-9]/);
  });

  it('filters by severity and by rule', async () => {
    await renderWith(<FindingsScreen />, risky());
    await useAppStore.getState().loadSummary();
    await screen.findByRole('region', { name: 'High severity' });
    fireEvent.click(within(screen.getByRole('group', { name: 'Severity' })).getByRole('button', { name: /^Info/ }));
    await waitFor(() => expect(screen.queryByRole('region', { name: 'High severity' })).toBeNull());
    fireEvent.click(within(screen.getByRole('group', { name: 'Severity' })).getByRole('button', { name: /^All/ }));
    fireEvent.change(screen.getByRole('combobox', { name: 'Rule' }), { target: { value: 'global-destructive-rights' } });
    const articles = await screen.findAllByRole('article');
    expect(articles.every((a) => /Global destructive rights/.test(a.textContent ?? ''))).toBe(true);
  });

  it('jumps to a concerned role on its screen, selected', async () => {
    await renderWith(<FindingsScreen />, risky());
    await useAppStore.getState().loadSummary();
    const card = await screen.findByRole('article', { name: /Cleaner grants Global Delete/ });
    fireEvent.click(within(card).getByRole('button', { name: 'Role: Cleaner' }));
    expect(useAppStore.getState().screen).toBe('roles');
    await waitFor(() => expect(useAppStore.getState().selectedRoleId).toBe('role-cleaner'));
  });

  it('adds a separation-of-duty rule, shows who breaks it, and removes it', async () => {
    await renderWith(<FindingsScreen />, fabrikam());
    await useAppStore.getState().loadSummary();
    const form = await screen.findByRole('form', { name: 'New separation-of-duty rule' });
    fireEvent.change(within(form).getByLabelText('Rule name'), { target: { value: 'Admin and sales' } });
    fireEvent.change(within(form).getByLabelText('First: role'), { target: { value: FABRIKAM.sysadmin } });
    fireEvent.change(within(form).getByLabelText('Second: kind'), { target: { value: 'privilege' } });
    await waitFor(() => expect(within(form).getByLabelText('Second: privilege').querySelectorAll('option').length).toBeGreaterThan(10));
    fireEvent.change(within(form).getByLabelText('Second: privilege'), { target: { value: 'prvWriteAccount' } });
    fireEvent.change(within(form).getByLabelText('Second: minimum depth'), { target: { value: 'Global' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Add rule' }));
    expect(await screen.findByRole('article', { name: 'Ada Admin breaks "Admin and sales"' })).toBeTruthy();
    const rules = screen.getByRole('list', { name: 'Separation-of-duty rules' });
    expect(rules.textContent).toMatch(/role System Administrator \+ Write Account at Organization or deeper/);
    fireEvent.click(within(rules).getByRole('button', { name: 'Remove rule Admin and sales' }));
    await waitFor(() => expect(screen.queryByRole('article', { name: /breaks "Admin and sales"/ })).toBeNull());
    expect(useAppStore.getState().sodRules).toEqual([]);
  });
});
