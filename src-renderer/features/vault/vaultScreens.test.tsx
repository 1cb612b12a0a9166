// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { newOrganization } from '../../../src-main/core/model/org';
import { vaultServices } from '../../../src-main/ipc/register';
import { OrgSession } from '../../../src-main/session/orgSession';
import { Workspace } from '../../../src-main/session/workspace';
import { ScriptedDesktop } from '../../../src-main/session/desktop';
import { App } from '../shell/App';
import { useAppStore } from '../../store';
import { apiOver, installApi } from '../../testing/fakeApi';
import { TEST_KDF } from '../../../src-main/vault/testing/kdf';

const PASS = 'violet tractor sings under 42 lanterns';
let dir: string;

/** The app over a real vault workspace in a temporary folder (a cheap key derivation for speed). */
function start() {
  const session = new OrgSession(newOrganization({ name: 'none', rootbusinessunitid: 'none', defaultteamid: 'none-team' }));
  const workspace = new Workspace({ dir: join(dir, 'vault'), actor: 'tester', session, kdf: TEST_KDF });
  installApi(apiOver(vaultServices(session, workspace, new ScriptedDesktop())).api);
  useAppStore.setState(useAppStore.getInitialState(), true);
  useAppStore.getState().setGate('starting');
  void useAppStore.getState().loadVaultStatus();
  return { workspace, session, ...render(<App />) };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'roleatlas-vault-screens-'));
});
afterEach(() => {
  cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('the vault screens', () => {
  it('creates a vault on first run, showing the passphrase strength, then opens the organization', async () => {
    start();
    await screen.findByRole('heading', { name: 'Create your vault' });
    const [pass, again] = [screen.getByLabelText('Passphrase'), screen.getByLabelText('Passphrase again')];
    fireEvent.change(pass, { target: { value: 'password1' } });
    expect(await screen.findByText(/Very weak|Weak/)).toBeTruthy();
    const create = screen.getByRole<HTMLButtonElement>('button', { name: 'Create vault' });
    expect(create.disabled).toBe(true);
    fireEvent.change(pass, { target: { value: PASS } });
    fireEvent.change(again, { target: { value: PASS } });
    expect(await screen.findByText(/Strong|Very strong/)).toBeTruthy();
    expect(create.disabled).toBe(false);
    fireEvent.click(create);
    expect(await screen.findByLabelText('Organization', {}, { timeout: 10_000 })).toBeTruthy();
    await waitFor(() => expect(screen.getByLabelText('Organization').textContent).toBe('Contoso'));
    expect(screen.getByRole('button', { name: /^Vault: open/ })).toBeTruthy();
  });

  it('locks from the status bar, refuses a wrong passphrase, and unlocks with the data still there', async () => {
    const { workspace } = start();
    await screen.findByRole('heading', { name: 'Create your vault' });
    await workspace.create(PASS, { kind: 'empty', name: 'Northwind' });
    workspace.lock();
    useAppStore.setState(useAppStore.getInitialState(), true);
    useAppStore.getState().setGate('starting');
    await useAppStore.getState().loadVaultStatus();
    await screen.findByRole('heading', { name: /RoleAtlas is locked/ });
    fireEvent.change(screen.getByLabelText('Passphrase'), { target: { value: 'not the passphrase' } });
    fireEvent.click(screen.getByRole('button', { name: 'Unlock' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/passphrase/i);
    fireEvent.change(screen.getByLabelText('Passphrase'), { target: { value: PASS } });
    fireEvent.click(screen.getByRole('button', { name: 'Unlock' }));
    await waitFor(() => expect(screen.getByLabelText('Organization').textContent).toBe('Northwind'));
    fireEvent.click(screen.getByRole('button', { name: 'Lock' }));
    await screen.findByRole('heading', { name: /RoleAtlas is locked/ });
    expect(workspace.status().phase).toBe('locked');
  });

  it('restores a vault whose newest change was damaged, and names the change that could not be recovered', async () => {
    const { workspace, session } = start();
    await screen.findByRole('heading', { name: 'Create your vault' });
    await workspace.create(PASS, { kind: 'empty', name: 'Northwind' });
    const root = [...session.current.businessunits.keys()][0];
    for (const name of ['Sales', 'Service']) expect(session.applyAll([{ type: 'createBusinessUnit', name, parentbusinessunitid: root }]).ok).toBe(true);
    workspace.lock();
    // A flipped byte near the end of the newest journal segment: the last change's frame no longer authenticates.
    const segment = readdirSync(join(dir, 'vault')).filter((f) => /^journal-\d+\.rav$/.test(f)).sort().at(-1)!;
    const bytes = readFileSync(join(dir, 'vault', segment));
    bytes[bytes.length - 20] ^= 0xff;
    writeFileSync(join(dir, 'vault', segment), bytes);
    useAppStore.setState(useAppStore.getInitialState(), true);
    useAppStore.getState().setGate('starting');
    await useAppStore.getState().loadVaultStatus();
    await screen.findByRole('heading', { name: /RoleAtlas is locked/ });
    fireEvent.change(screen.getByLabelText('Passphrase'), { target: { value: PASS } });
    fireEvent.click(screen.getByRole('button', { name: 'Unlock' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(new RegExp(segment));
    fireEvent.click(screen.getByRole('button', { name: 'Restore the last good copy' }));
    const note = await screen.findByRole('status', { name: 'Restored' });
    expect(note.textContent).toMatch(/Could not be recovered: journal position \d+ \(audit entry \d+\)/);
    fireEvent.click(screen.getByRole('button', { name: 'Unlock' }));
    await waitFor(() => expect(screen.getByLabelText('Organization').textContent).toBe('Northwind'));
    const units = [...session.current.businessunits.values()].map((b) => b.name);
    expect(units).toContain('Sales');
    expect(units).not.toContain('Service');
  });
});

describe('the vault settings', () => {
  it('sets auto-lock and changes the passphrase, after which only the new one unlocks', async () => {
    const { workspace } = start();
    await screen.findByRole('heading', { name: 'Create your vault' });
    await workspace.create(PASS, { kind: 'demo' });
    await useAppStore.getState().loadVaultStatus();
    fireEvent.click(await screen.findByRole('button', { name: /^Vault: open/ }));
    fireEvent.change(screen.getByLabelText('Lock after being idle for'), { target: { value: '5' } });
    await waitFor(() => expect(workspace.status().autoLockMinutes).toBe(5));
    expect(screen.getByText(/Not offered/)).toBeTruthy();
    const next = 'quiet harbour lamps for 9 ferries';
    fireEvent.change(screen.getByLabelText('Current passphrase'), { target: { value: PASS } });
    fireEvent.change(screen.getByLabelText('New passphrase'), { target: { value: next } });
    fireEvent.change(screen.getByLabelText('New passphrase again'), { target: { value: next } });
    fireEvent.click(screen.getByRole('button', { name: 'Change passphrase' }));
    expect(await screen.findByText(/re-wrapped/, {}, { timeout: 10_000 })).toBeTruthy();
    workspace.lock();
    expect((await workspace.unlock({ passphrase: PASS })).ok).toBe(false);
    expect((await workspace.unlock({ passphrase: next })).ok).toBe(true);
  });
});
