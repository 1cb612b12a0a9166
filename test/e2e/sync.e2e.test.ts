/**
 * Sync end to end: the built renderer in Chromium over main's real invoke path and a real vault,
 * against the real sync server on loopback. Sign in, sync, a second client (bob) changes the same
 * role, sync into the conflict, take theirs in the UI, and sync clean.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { demoOrganization } from '../../src-main/core/generate/demo';
import type { OrgSession } from '../../src-main/session/orgSession';
import { SyncClient } from '../../src-main/sync/client';
import { MemorySyncStore } from '../../src-main/sync/store';
import { newStorage, startTestServer, type TestServer } from '../../server/testing';
import { buildRenderer, CHROMIUM, launchChromium, openApp, SCREENSHOTS, serveRenderer, createVaultOnFirstRun } from './harness';

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`[e2e] skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);

describe.skipIf(!hasChromium)('sync in Chromium against the sync server', () => {
  let browser: Browser;
  let renderer: { url: string; close: () => Promise<void> };
  let server: TestServer;
  let page: Page;
  let session: OrgSession;
  let vaultDir: string;
  let roleid = '';
  const PASSPHRASE = 'violet tractor sings under 42 lanterns';
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
  const nav = (name: string) => page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: new RegExp(`^${name}`) }).click();
  const pill = (text: string) => page.getByRole('contentinfo', { name: 'Status' }).getByRole('button', { name: text, exact: true });
  const salespersonId = () => [...session.current.roles.values()].find((r) => r.name === 'Salesperson')!.roleid;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    server = await startTestServer(newStorage('embedded'), { seed: demoOrganization() });
    // As `roleatlas-server account add` does: an account whose server user holds System Administrator.
    await server.accounts.add({ name: 'ada', password: 'ada-secret-pw', role: 'System Administrator' });
    await server.accounts.add({ name: 'bob', password: 'bob-secret-pw', role: 'System Administrator' });
    await buildRenderer();
    renderer = await serveRenderer();
    browser = await launchChromium();
    vaultDir = mkdtempSync(join(tmpdir(), 'roleatlas-e2e-sync-'));
    ({ page, session } = await openApp(browser, renderer.url, null, { vaultDir: join(vaultDir, 'vault') }));
    await createVaultOnFirstRun(page, PASSPHRASE);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await renderer?.close();
    await server?.close();
    if (vaultDir) rmSync(vaultDir, { recursive: true, force: true });
  });

  it('signs in with account name and password and syncs', async () => {
    await pill('Sync: never').click();
    await page.getByLabel('Server address').fill(server.url);
    await page.getByLabel('Account name').fill('ada');
    await page.getByLabel('Password').fill('ada-secret-pw');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText(server.url, { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Sync now' }).click();
    await pill('Sync: just now').waitFor({ timeout: 30_000 });
    await page.getByRole('status', { name: 'Sync progress' }).getByText(/^Synced\./).waitFor();
  });

  it('syncs into a conflict with a change bob pushed from another computer', async () => {
    roleid = salespersonId();
    const bob = new MemorySyncStore('bob-laptop');
    const bobClient = new SyncClient({ server: server.url, token: await server.token('bob', 'bob-secret-pw'), store: bob });
    await bobClient.sync();
    bob.record({ type: 'setRolePrivilege', roleid, privilege: 'prvReadAccount', depth: 'Deep' });
    bob.record({ type: 'updateRole', roleid, name: 'Sales Representative' });
    await bobClient.sync();

    // The same role changed here, through the bridge as the screens do.
    const applied = await page.evaluate((id) => window.api['org:applyAll']({ commands: [
      { type: 'setRolePrivilege', roleid: id, privilege: 'prvReadAccount', depth: 'Global' },
      { type: 'updateRole', roleid: id, name: 'Salesperson (EMEA)' },
    ] }), roleid);
    expect(applied.ok).toBe(true);
    await nav('Business units');
    await nav('Sync');
    await pill('Sync: 2 pending').waitFor();
    await page.getByRole('table', { name: 'Changes not yet synced' }).getByText(/Salesperson \(EMEA\)/).first().waitFor();
    await shot('sync');

    await page.getByRole('button', { name: 'Sync now' }).click();
    await pill('Sync: conflicts (1)').waitFor({ timeout: 30_000 });
    const conflict = page.getByRole('article', { name: /^Conflict on roles / });
    await conflict.getByText(/Theirs changed by/).getByText('bob').waitFor();
    expect(await conflict.getByRole('row', { name: /privileges\/prvReadAccount/ }).getByRole('cell').allTextContents()).toEqual(['Global', 'Deep', 'Keep mineTake theirs']);
    await shot('sync-conflicts');
  });

  it('takes theirs for one field, keeps mine for the other, and syncs clean', async () => {
    const conflict = page.getByRole('article', { name: /^Conflict on roles / });
    await conflict.getByRole('row', { name: /privileges\/prvReadAccount/ }).getByRole('button', { name: 'Take theirs' }).click();
    await expect.poll(() => conflict.getByRole('row', { name: /privileges\/prvReadAccount/ }).getByRole('button', { name: 'Take theirs' }).getAttribute('aria-pressed')).toBe('true');
    expect(await conflict.getByRole('row', { name: /^name/ }).getByRole('button', { name: 'Keep mine' }).getAttribute('aria-pressed')).toBe('true');
    expect(session.current.roles.get(roleid)!.privileges.prvReadAccount).toBe('Deep');

    await page.getByRole('button', { name: 'Sync now' }).click();
    await pill('Sync: just now').waitFor({ timeout: 30_000 });
    await conflict.waitFor({ state: 'detached' });
    await page.getByText('Nothing waits to be pushed.').waitFor();
    const role = server.model.state.roles.get(roleid)!;
    expect([role.name, role.privileges.prvReadAccount]).toEqual(['Salesperson (EMEA)', 'Deep']);
    await page.screenshot({ path: join(SCREENSHOTS, 'sync-clean.png') });
  });
});
