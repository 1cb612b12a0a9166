// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { ScriptedDesktop } from '../../../src-main/session/desktop';
import { fabrikam } from '../../../src-main/session/fabrikam.fixture';
import { fakeApi, installApi, type FakeApiOptions } from '../../testing/fakeApi';
import { useAppStore } from '../../store';
import { ReportsScreen } from './ReportsScreen';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'roleatlas-reports-screen-'));
});
afterEach(() => {
  cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** The screen over the real services with a desktop whose save dialog answers prepared paths. */
async function start(options: Pick<FakeApiOptions, 'store'> = {}) {
  const desktop = new ScriptedDesktop();
  useAppStore.setState(useAppStore.getInitialState(), true);
  installApi((await fakeApi(fabrikam(), { ...options, desktop })).api);
  await useAppStore.getState().loadSummary();
  render(<ReportsScreen />);
  return desktop;
}

describe('Reports screen', () => {
  it('writes the chosen report in the chosen format where the admin saved it, then opens and shows it', async () => {
    const desktop = await start();
    const path = join(dir, 'units.csv');
    desktop.willSaveTo(path);
    fireEvent.click(screen.getByRole('option', { name: /Business unit structure/ }));
    fireEvent.click(screen.getByRole('radio', { name: 'CSV' }));
    fireEvent.click(screen.getByRole('button', { name: 'Save report…' }));
    expect(await screen.findByText(/^Written: \d+ rows?/, {}, { timeout: 5000 })).toBeTruthy();
    expect(readFileSync(path, 'utf8')).toContain('Sales North');
    fireEvent.click(screen.getByRole('button', { name: 'Open' }));
    fireEvent.click(screen.getByRole('button', { name: 'Show in folder' }));
    await waitFor(() => expect(desktop.opened).toEqual([path]));
    expect(desktop.revealed).toEqual([path]);
  });

  it('says nothing was saved when the save dialog is closed', async () => {
    await start();
    fireEvent.click(screen.getByRole('button', { name: 'Save report…' }));
    expect(await screen.findByText('Not saved: the save dialog was closed.')).toBeTruthy();
  });

  it('asks for two roles before comparing', async () => {
    await start();
    fireEvent.click(screen.getByRole('option', { name: /Role comparison/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Save report…' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Choose two roles to compare.');
  });

  it('refuses the audit-log report for an organization held in memory, and writes nothing', async () => {
    const desktop = await start({ store: 'memory' });
    fireEvent.click(screen.getByRole('option', { name: /Audit log/ }));
    desktop.willSaveTo(join(dir, 'audit.pdf'));
    fireEvent.click(screen.getByRole('button', { name: 'Save report…' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/audit log lives in the vault/);
    expect(existsSync(join(dir, 'audit.pdf'))).toBe(false);
  });
});
