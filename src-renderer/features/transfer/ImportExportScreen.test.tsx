// @vitest-environment jsdom
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromInterchange } from '../../../src-main/core/interchange/toState';
import { ScriptedDesktop } from '../../../src-main/session/desktop';
import { OrgSession } from '../../../src-main/session/orgSession';
import { contoso } from '../../../test/fixtures/orgCharts';
import { fakeApi, installApi } from '../../testing/fakeApi';
import { useAppStore } from '../../store';
import { ImportExportScreen } from './ImportExportScreen';

// jsdom's import.meta.url is not a file: URL; the fixtures are found from this file's folder.
const FIXTURES = join(import.meta.dirname, '../../../test/fixtures/solutions/');
const dir = mkdtempSync(join(tmpdir(), 'roleatlas-transfer-screen-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The screen over the real dispatch and services, with file dialogs answered by a ScriptedDesktop. */
async function renderScreen() {
  useAppStore.setState(useAppStore.getInitialState(), true);
  const desktop = new ScriptedDesktop();
  const { api, session } = await fakeApi(contoso(), { desktop });
  installApi(api);
  render(<ImportExportScreen />);
  return { session, desktop };
}

const roleNames = (session: OrgSession) => [...session.current.roles.values()].map((r) => r.name);

describe('Import & export screen', () => {
  afterEach(cleanup);

  it('previews roles from a solution folder and imports only the ticked ones, as one undo step', async () => {
    const { session, desktop } = await renderScreen();
    desktop.willOpen([join(FIXTURES, 'unpacked')]);
    fireEvent.click(screen.getByRole('button', { name: 'Choose a folder…' }));
    const fresh = await screen.findByRole('list', { name: 'New roles' });
    expect(within(fresh).getAllByRole('checkbox').every((b) => (b as HTMLInputElement).checked)).toBe(true);
    expect(screen.getByLabelText('Contoso Sales Rep: privileges').textContent).toMatch(/^19 privileges: 16 known, 0 inferred, 3 unverified/);
    fireEvent.click(within(fresh).getByRole('checkbox', { name: 'Contoso Service Lead' }));
    fireEvent.click(screen.getByRole('button', { name: 'Tick none' }));
    expect(screen.getByRole('button', { name: /^Import 0 roles and 0 profiles$/ }).hasAttribute('disabled')).toBe(true);
    fireEvent.click(within(fresh).getByRole('checkbox', { name: 'Contoso Sales Rep' }));
    fireEvent.click(screen.getByRole('button', { name: 'Import 1 role and 0 profiles' }));
    await screen.findByText(/^Import roles from unpacked: 1 role\(s\), 0 field security profile\(s\)\. Undo takes them back\.$/);
    expect(roleNames(session)).toContain('Contoso Sales Rep');
    expect(roleNames(session)).not.toContain('Contoso Service Lead');
    expect(useAppStore.getState().history.undoLabel).toBe('Import roles from unpacked');
  });

  it('shows a changed role privilege by privilege, with the depths before and after', async () => {
    const { session, desktop } = await renderScreen();
    session.applyAll([{ type: 'createRole', roleid: '0b8f6d21-3c4a-4e55-8a9b-7c6d5e4f3a21', name: 'Contoso Service Lead', privileges: { prvReadIncident: 'Global' } }]);
    desktop.willOpen([join(FIXTURES, 'unpacked')]);
    fireEvent.click(screen.getByRole('button', { name: 'Choose a folder…' }));
    const table = await screen.findByRole('table', { name: 'Changes to Contoso Service Lead' });
    const row = within(table).getByRole('row', { name: /Read Case/ });
    expect(row.textContent).toMatch(/Organization.*Parent: Child Business Units/);
  });

  it('shows the errors of a hostile file with file and line, and cannot import', async () => {
    const { desktop } = await renderScreen();
    desktop.willOpen([join(FIXTURES, 'unpacked'), join(FIXTURES, 'hostile/billion-laughs.xml')]);
    fireEvent.click(screen.getByRole('button', { name: 'Choose files…' }));
    const alert = await screen.findByRole('alert', { name: /^1 error/ });
    expect(alert.textContent).toMatch(/billion-laughs\.xml:2.*document type declarations/);
    expect(screen.getByRole('button', { name: /^Import \d+ roles? and/ }).hasAttribute('disabled')).toBe(true);
  });

  it('lists every bad row of a users CSV and adds nobody', async () => {
    const { session, desktop } = await renderScreen();
    fireEvent.click(screen.getByRole('tab', { name: 'Import users' }));
    desktop.willOpen([join(FIXTURES, 'users-bad.csv')]);
    fireEvent.click(screen.getByRole('button', { name: 'Choose a CSV file…' }));
    const table = await screen.findByRole('table', { name: 'Problems in users-bad.csv' });
    expect(within(table).getAllByRole('row')).toHaveLength(11);
    expect(within(table).getByRole('row', { name: /^3 businessunit no business unit has the name or id "Atlantis"$/ })).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toMatch(/^10 problems in users-bad\.csv: no user will be added/);
    expect(screen.getByRole('button', { name: /^Add \d+ users?$/ }).hasAttribute('disabled')).toBe(true);
    expect(session.current.systemusers.size).toBe(contoso().systemusers.size);
  });

  it('adds the users of a valid CSV all at once', async () => {
    const { session, desktop } = await renderScreen();
    fireEvent.click(screen.getByRole('tab', { name: 'Import users' }));
    desktop.willOpen([join(FIXTURES, 'users.csv')]);
    fireEvent.click(screen.getByRole('button', { name: 'Choose a CSV file…' }));
    await screen.findByRole('table', { name: 'Users in users.csv' });
    fireEvent.click(screen.getByRole('button', { name: 'Add 3 users' }));
    await waitFor(() => expect(session.current.systemusers.size).toBe(contoso().systemusers.size + 3));
    await screen.findByText('Import 3 user(s) from users.csv. Users cannot be deleted, only deactivated (as in Dataverse).');
  });

  it('exports the organization to the chosen file and shows it in its folder', async () => {
    const { session, desktop } = await renderScreen();
    fireEvent.click(screen.getByRole('tab', { name: 'Export' }));
    const path = join(dir, 'contoso.json');
    desktop.willSaveTo(path);
    fireEvent.click(screen.getByRole('button', { name: 'Export organization…' }));
    const written = await screen.findByRole('status', { name: 'Organization exported' });
    expect(written.textContent).toContain(path);
    const back = fromInterchange(JSON.parse(readFileSync(path, 'utf8')));
    expect(back.ok && back.value.roles.size).toBe(session.current.roles.size);
    fireEvent.click(within(written).getByRole('button', { name: 'Show in folder' }));
    await waitFor(() => expect(desktop.revealed).toEqual([path]));
  });

  it('changes nothing on screen when a dialog is cancelled', async () => {
    await renderScreen();
    fireEvent.click(screen.getByRole('button', { name: 'Choose files…' }));
    await waitFor(() => expect(useAppStore.getState().transferBusy).toBeNull());
    expect(screen.queryByLabelText('Import preview')).toBeNull();
  });
});
