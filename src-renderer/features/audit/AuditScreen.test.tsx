// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { newOrganization } from '../../../src-main/core/model/org';
import { vaultServices } from '../../../src-main/ipc/register';
import { ScriptedDesktop } from '../../../src-main/session/desktop';
import { fabrikam } from '../../../src-main/session/fabrikam.fixture';
import { OrgSession } from '../../../src-main/session/orgSession';
import { Workspace } from '../../../src-main/session/workspace';
import { giveListsAHeight, renderWith } from '../../testing/renderApp';
import { apiOver, installApi } from '../../testing/fakeApi';
import { TEST_KDF } from '../../../src-main/vault/testing/kdf';
import { useAppStore } from '../../store';
import { AuditScreen } from './AuditScreen';

const PASS = 'violet tractor sings under 42 lanterns';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'roleatlas-audit-screen-'));
});
afterEach(() => {
  cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** The screen over a real vault (cheap key derivation) holding the demo organization and one rename. */
async function start() {
  giveListsAHeight();
  const session = new OrgSession(newOrganization({ name: 'none', rootbusinessunitid: 'none', defaultteamid: 'none-team' }));
  const workspace = new Workspace({ dir: join(dir, 'vault'), actor: 'tester', session, kdf: TEST_KDF });
  const created = await workspace.create(PASS, { kind: 'demo' });
  if (!created.ok) throw new Error(created.error.message);
  const role = [...session.current.roles.values()].find((r) => r.name === 'Salesperson')!;
  const renamed = session.apply({ type: 'updateRole', roleid: role.roleid, name: 'Sales representative' });
  if (!renamed.ok) throw new Error(renamed.error.message);
  installApi(apiOver(vaultServices(session, workspace, new ScriptedDesktop())).api);
  useAppStore.setState(useAppStore.getInitialState(), true);
  render(<AuditScreen />);
  return { role };
}

describe('Audit log screen', () => {
  it('lists the entries newest first and shows an entry’s before and after side by side', async () => {
    const { role } = await start();
    const list = await screen.findByRole('grid', { name: 'Audit entries' });
    const rows = within(list).getAllByRole('row');
    expect(rows[0].textContent).toMatch(/updateRole/);
    expect(rows[rows.length - 1].textContent).toMatch(/baseline/);
    fireEvent.click(within(rows[0]).getByRole('gridcell'));
    const table = await screen.findByRole('table', { name: `roles Sales representative` });
    const name = within(table).getByRole('rowheader', { name: 'name' }).closest('tr')!;
    expect([...name.querySelectorAll('td')].map((td) => td.textContent)).toEqual(['Salesperson', 'Sales representative']);
    expect(table.textContent).toContain(role.roleid);
  });

  it('filters by command type and by object name', async () => {
    await start();
    await screen.findByRole('grid', { name: 'Audit entries' });
    fireEvent.change(screen.getByRole('combobox', { name: 'Command type' }), { target: { value: 'baseline' } });
    await waitFor(() => expect(within(screen.getByRole('grid', { name: 'Audit entries' })).getAllByRole('row').map((r) => r.textContent)).toEqual([expect.stringMatching(/baseline/)]));
    fireEvent.change(screen.getByRole('combobox', { name: 'Command type' }), { target: { value: '' } });
    fireEvent.change(screen.getByRole('searchbox', { name: 'Object' }), { target: { value: 'sales representative' } });
    await waitFor(() => expect(within(screen.getByRole('grid', { name: 'Audit entries' })).getAllByRole('row')).toHaveLength(1));
  });

  it('verifies the hash chain', async () => {
    await start();
    await screen.findByRole('grid', { name: 'Audit entries' });
    fireEvent.click(screen.getByRole('button', { name: 'Verify chain' }));
    expect((await screen.findByText(/Chain verified/)).textContent).toMatch(/all \d+ entries link/);
  });

  it('says there is no audit log for an organization held in memory', async () => {
    await renderWith(<AuditScreen />, fabrikam(), { store: 'memory' });
    expect(await screen.findByRole('heading', { name: 'No audit log' })).toBeTruthy();
  });
});
