// @vitest-environment jsdom
/**
 * The Sync screen over the real dispatch, vault workspace and sync service, against the real sync
 * server on loopback: sign in, sync, a conflict with bob's change, resolve per field, sync clean.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { demoOrganization } from '../../../src-main/core/generate/demo';
import { vaultServices } from '../../../src-main/ipc/register';
import { OrgSession } from '../../../src-main/session/orgSession';
import { Workspace } from '../../../src-main/session/workspace';
import { ScriptedDesktop } from '../../../src-main/session/desktop';
import { SyncClient } from '../../../src-main/sync/client';
import { MemorySyncStore } from '../../../src-main/sync/store';
import { newStorage, seedOrg, startTestServer, syncedView, type TestServer } from '../../../server/testing';
import type { OrgState } from '../../../src-main/core/model/org';
import { MainLayout } from '../shell/App';
import { useAppStore } from '../../store';
import { apiOver, installApi } from '../../testing/fakeApi';
import { TEST_KDF } from '../../../src-main/vault/testing/kdf';
import { applyStagedFromPreview } from '../../testing/stagedFlow';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  cleanup();
  while (cleanups.length) await cleanups.pop()!();
});

async function start(o: { emptyServer?: boolean; serverOrg?: OrgState } = {}): Promise<{ server: TestServer; session: OrgSession }> {
  const server = await startTestServer(newStorage('embedded'), o.emptyServer ? {} : { seed: o.serverOrg ?? demoOrganization() });
  cleanups.push(() => server.close().catch(() => {}));
  await server.accounts.add({ name: 'ada', password: 'ada-secret-pw', role: 'System Administrator' });
  await server.accounts.add({ name: 'bob', password: 'bob-secret-pw', role: 'System Administrator' });
  const dir = mkdtempSync(join(tmpdir(), 'roleatlas-sync-screen-'));
  const session = new OrgSession(demoOrganization());
  const workspace = new Workspace({ dir: join(dir, 'vault'), actor: 'ada', session, kdf: TEST_KDF });
  cleanups.push(() => {
    workspace.lock();
    rmSync(dir, { recursive: true, force: true });
  });
  expect((await workspace.create('a long vault passphrase', { kind: 'demo' })).ok).toBe(true);
  installApi(apiOver(vaultServices(session, workspace, new ScriptedDesktop())).api);
  useAppStore.setState(useAppStore.getInitialState(), true);
  await useAppStore.getState().loadVaultStatus();
  render(<MainLayout />);
  return { server, session };
}

const statusBar = () => within(screen.getByRole('contentinfo', { name: 'Status' }));

describe('the Sync screen', () => {
  it('signs in, syncs, shows a conflict with both sides, resolves it per field and syncs clean', async () => {
    const { server, session } = await start();
    await statusBar().findByText('Sync: never');
    fireEvent.click(statusBar().getByText('Sync: never'));
    await screen.findByRole('form', { name: 'Sign in to a sync server' });

    fireEvent.change(screen.getByLabelText('Server address'), { target: { value: server.url } });
    fireEvent.change(screen.getByLabelText('Account name'), { target: { value: 'ada' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'wrong password' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert', {}, { timeout: 10_000 })).textContent).toMatch(/does not know this account name and password/);
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'ada-secret-pw' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await screen.findByText(server.url, {}, { timeout: 10_000 });

    fireEvent.click(screen.getByRole('button', { name: 'Sync now' }));
    await statusBar().findByText('Sync: just now', {}, { timeout: 15_000 });
    expect(screen.getByRole('status', { name: 'Sync progress' }).textContent).toMatch(/^Synced\./);

    const roleid = [...session.current.roles.values()].find((r) => r.name === 'Salesperson')!.roleid;
    const bob = new MemorySyncStore('bob-laptop');
    const bobClient = new SyncClient({ server: server.url, token: await server.token('bob', 'bob-secret-pw'), store: bob, sleep: async () => {} });
    await bobClient.sync();
    bob.record({ type: 'setRolePrivilege', roleid, privilege: 'prvReadAccount', depth: 'Deep' });
    await bobClient.sync();

    expect(await useAppStore.getState().applyCommand({ type: 'setRolePrivilege', roleid, privilege: 'prvReadAccount', depth: 'Global' })).toBeNull();
    // Staged is not pending for sync: only what was applied is pushed.
    await statusBar().findByText('Sync: just now');
    expect(await applyStagedFromPreview()).toEqual(['Salesperson: prvReadAccount Basic → Global']);
    await statusBar().findByText('Sync: 1 pending');
    const pending = await screen.findByRole('table', { name: 'Changes not yet synced' });
    expect(within(pending).getByText('ada')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Sync now' }));
    await statusBar().findByText('Sync: conflicts (1)', {}, { timeout: 15_000 });
    const conflict = await screen.findByRole('article', { name: 'Conflict on roles Salesperson' });
    expect(conflict.textContent).toMatch(/Theirs changed by bob/);
    const row = within(conflict).getByRole('row', { name: /privileges\/prvReadAccount/ });
    expect(within(row).getAllByRole('cell').map((c) => c.textContent)).toEqual(['Global', 'Deep', 'Keep mineTake theirs']);
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Sync now' }).disabled).toBe(true);

    fireEvent.click(within(row).getByRole('button', { name: 'Take theirs' }));
    await waitFor(() => expect(within(row).getByRole('button', { name: 'Take theirs' }).getAttribute('aria-pressed')).toBe('true'));
    expect(session.current.roles.get(roleid)!.privileges.prvReadAccount).toBe('Deep');

    fireEvent.click(screen.getByRole('button', { name: 'Sync now' }));
    await statusBar().findByText('Sync: just now', {}, { timeout: 15_000 });
    await waitFor(() => expect(screen.queryByRole('article')).toBeNull());
    expect(server.model.state.roles.get(roleid)!.privileges.prvReadAccount).toBe('Deep');
    expect(screen.getByText('Nothing waits to be pushed.')).toBeTruthy();
  }, 90_000);

  it('asks before publishing this vault’s organization to an empty server, and publishes it once confirmed', async () => {
    const { server, session } = await start({ emptyServer: true });
    await statusBar().findByText('Sync: never');
    fireEvent.click(statusBar().getByText('Sync: never'));
    fireEvent.change(await screen.findByLabelText('Server address'), { target: { value: server.url } });
    fireEvent.change(screen.getByLabelText('Account name'), { target: { value: 'ada' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'ada-secret-pw' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await screen.findByText(server.url, {}, { timeout: 10_000 });

    fireEvent.click(screen.getByRole('button', { name: 'Sync now' }));
    const question = await screen.findByRole('alertdialog', { name: 'Publish to the empty server' }, { timeout: 15_000 });
    expect(question.textContent).toMatch(/holds no organization yet\. Publishing puts this vault's organization "Contoso.*confirm to publish/);
    expect(server.model.hasOrganization).toBe(false);

    fireEvent.click(within(question).getByRole('button', { name: 'Publish this organization' }));
    await statusBar().findByText('Sync: just now', {}, { timeout: 15_000 });
    expect((await screen.findByRole('status', { name: 'Published' })).textContent).toMatch(/^Published the organization “Contoso/);
    expect(server.model.hasOrganization).toBe(true);
    expect(server.model.state.roles.size).toBe(session.current.roles.size);
    expect(screen.queryByRole('alertdialog')).toBeNull();
  }, 90_000);

  it('tells the admin the server holds another organization, changes nothing on either side, and offers to sign out', async () => {
    const { server, session } = await start({ serverOrg: seedOrg() });
    const before = syncedView(server.model.state);
    const mine = syncedView(session.current);
    fireEvent.click(await statusBar().findByText('Sync: never'));
    fireEvent.change(await screen.findByLabelText('Server address'), { target: { value: server.url } });
    fireEvent.change(screen.getByLabelText('Account name'), { target: { value: 'ada' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'ada-secret-pw' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await screen.findByText(server.url, {}, { timeout: 10_000 });

    fireEvent.click(screen.getByRole('button', { name: 'Sync now' }));
    const told = await screen.findByRole('alertdialog', { name: 'The server holds another organization' }, { timeout: 15_000 });
    expect(told.textContent).toMatch(/already holds another organization, "Contoso" .* Nothing was changed on either side: the server is never overwritten/);
    expect(syncedView(server.model.state)).toBe(before);
    expect(syncedView(session.current)).toBe(mine);

    fireEvent.click(within(told).getByRole('button', { name: 'Sign out of this server' }));
    await screen.findByRole('form', { name: 'Sign in to a sync server' });
  }, 90_000);
});
