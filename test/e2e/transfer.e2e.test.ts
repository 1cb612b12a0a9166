import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { fromInterchange } from '../../src-main/core/interchange/toState';
import { ScriptedDesktop } from '../../src-main/session/desktop';
import type { OrgSession } from '../../src-main/session/orgSession';
import type { VaultControl } from '../../src-main/session/workspace';
import { buildRenderer, CHROMIUM, launchChromium, openApp, SCREENSHOTS, serveRenderer } from './harness';

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`[e2e] skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);

const FIXTURES = join(import.meta.dirname, '../fixtures/solutions');
/** Roles exported from real environments into public repositories (beside the project, for every developer and CI). */
const REAL_ROLES = join(import.meta.dirname, '../../../shared/real-roles');
const SERVICE_LEAD = '0b8f6d21-3c4a-4e55-8a9b-7c6d5e4f3a21';

/** users.csv fits the contoso() fixture, not the demo organization: this one is wrong for the demo on purpose, row by row. */
const BAD_CSV = [
  'fullname,domainname,email,businessunit,manager,roles,teams',
  'Nina North,nina@contoso.com,nina@contoso.com,Sales West,avery.admin@contoso.com,Salesperson,',
  'Avery Again,avery.admin@contoso.com,,Sales,,,',
  'Omar Orbit,omar@contoso.com,not-an-email,Atlantis,,,',
  'Pia Pending,pia@contoso.com,,Sales East,ghost@contoso.com,No Such Role,Key Accounts',
].join('\n');

describe.skipIf(!hasChromium)('Import & export in Chromium over the real vault', () => {
  let browser: Browser;
  let server: { url: string; close: () => Promise<void> };
  let page: Page;
  let session: OrgSession;
  let workspace: VaultControl;
  let tmp: string;
  const desktop = new ScriptedDesktop();
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false });
  const nav = (name: string) => page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: new RegExp(`^${name}`) }).click();
  const roleNames = () => [...session.current.roles.values()].map((r) => r.name);

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    tmp = mkdtempSync(join(tmpdir(), 'roleatlas-e2e-transfer-'));
    await buildRenderer();
    server = await serveRenderer();
    browser = await launchChromium();
    ({ page, session, workspace } = await openApp(browser, server.url, null, { vaultDir: join(tmp, 'vault'), desktop }));
    // A vault made from the demo organization, as the first-run screen does (tested in app.e2e).
    const created = await workspace.create('violet tractor sings under 42 lanterns', { kind: 'demo' });
    if (!created.ok) throw new Error(created.error.message);
    // An older version of one of the solution's roles, so the preview has a changed role to show.
    const older = session.applyAll([{ type: 'createRole', roleid: SERVICE_LEAD, name: 'Contoso Service Lead', isinherited: 0, privileges: { prvReadIncident: 'Global', prvWriteIncident: 'Basic', prvReadAccount: 'Local' } }]);
    if (!older.ok) throw new Error(older.error.message);
    await page.reload();
    await page.getByLabel('Organization', { exact: true }).getByText('Contoso').waitFor();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('previews roles from an unpacked solution, imports the ticked ones, shows them, and Ctrl+Z takes them back', async () => {
    await nav('Import & export');
    desktop.willOpen([join(FIXTURES, 'unpacked')]);
    await page.getByRole('button', { name: 'Choose a folder…' }).click();
    const fresh = page.getByRole('list', { name: 'New roles' });
    await fresh.getByRole('checkbox', { name: 'Contoso Sales Rep' }).waitFor();
    const changes = page.getByRole('table', { name: 'Changes to Contoso Service Lead' });
    await expect.poll(() => changes.getByRole('row', { name: /Read Case/ }).textContent()).toMatch(/Organization.*Parent: Child Business Units/);
    // The choice: the new role yes, the field security profiles no.
    await page.getByRole('list', { name: 'New field security profiles' }).getByRole('checkbox', { name: 'Workstream Secrets' }).uncheck();
    await page.getByRole('list', { name: 'Changed roles' }).getByRole('checkbox', { name: 'Contoso Service Lead' }).uncheck();
    await page.getByRole('heading', { name: /^Changed roles/ }).scrollIntoViewIfNeeded();
    await shot('import-preview');
    await page.getByRole('button', { name: 'Import 1 role and 0 profiles' }).click();
    await page.getByText(/^Import roles from unpacked: 1 role\(s\)/).waitFor();
    expect(roleNames()).toContain('Contoso Sales Rep');
    expect([...session.current.fieldsecurityprofiles.values()].some((p) => p.name === 'Workstream Secrets')).toBe(false);
    expect(session.current.roles.get(SERVICE_LEAD)?.privileges.prvReadIncident).toBe('Global');

    await nav('Security roles');
    const roles = page.getByRole('listbox', { name: 'Roles' });
    await roles.getByRole('option', { name: /^Contoso Sales Rep/ }).waitFor();
    await page.keyboard.press('Control+z');
    await roles.getByRole('option', { name: /^Contoso Sales Rep/ }).waitFor({ state: 'detached' });
    expect(roleNames()).not.toContain('Contoso Sales Rep');
    // Its privileges on tables the catalog does not know were kept unverified, and left with it.
    expect(session.current.entities.has('cat_usersetting')).toBe(false);
  });

  it('imports a role exported from a real environment exactly, and marks its unverified privileges in the role editor, in light and dark', async () => {
    const file = join(REAL_ROLES, 'tc-ca__stakeholder-core/Core/Solution/Roles/TC System Customizer.xml');
    const written = [...readFileSync(file, 'utf8').matchAll(/<RolePrivilege name="([^"]+)" level="([^"]+)"/g)].map((m) => [m[1], m[2]]);
    await nav('Import & export');
    await page.getByRole('tab', { name: 'Import security roles' }).click();
    desktop.willOpen([file]);
    await page.getByRole('button', { name: 'Choose files…' }).click();
    const counts = page.getByLabel('TC System Customizer: privileges');
    await expect.poll(() => counts.textContent()).toMatch(new RegExp(`^${written.length.toLocaleString('en-US')} privileges: [\\d,]+ known, 0 inferred, [1-9]\\d* unverified`));
    await shot('import-preview-real-role');
    await page.getByRole('button', { name: 'Import 1 role and 0 profiles' }).click();
    await page.getByText(/^Import roles from TC System Customizer\.xml: 1 role\(s\)/).waitFor();
    const role = [...session.current.roles.values()].find((r) => r.name === 'TC System Customizer')!;
    expect(Object.entries(role.privileges).sort()).toEqual(written.sort());

    await nav('Security roles');
    await page.getByRole('listbox', { name: 'Roles' }).getByRole('option', { name: /^TC System Customizer/ }).click();
    await page.getByRole('tab', { name: /^Unverified/ }).click();
    const unverified = page.locator('button.depth-cell[data-status="unverified"]');
    await expect.poll(() => unverified.count()).toBeGreaterThan(0);
    await page.getByText('Depth rule not verified (every depth offered)').waitFor();
    await shot('roles-matrix-unverified');

    const dark = await openApp(browser, server.url, session.current, { colorScheme: 'dark' });
    await dark.page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: /^Security roles/ }).click();
    await dark.page.getByRole('listbox', { name: 'Roles' }).getByRole('option', { name: /^TC System Customizer/ }).click();
    await dark.page.getByRole('tab', { name: /^Unverified/ }).click();
    await dark.page.getByText('Depth rule not verified (every depth offered)').waitFor();
    await dark.page.screenshot({ path: join(SCREENSHOTS, 'roles-matrix-unverified-dark.png') });
    await dark.close();
  });

  it('lists every bad row of a users CSV, with column and reason, and adds nobody', async () => {
    const users = session.current.systemusers.size;
    const csv = join(tmp, 'new-hires.csv');
    writeFileSync(csv, BAD_CSV);
    await nav('Import & export');
    await page.getByRole('tab', { name: 'Import users' }).click();
    desktop.willOpen([csv]);
    await page.getByRole('button', { name: 'Choose a CSV file…' }).click();
    const problems = page.getByRole('table', { name: 'Problems in new-hires.csv' });
    await problems.waitFor();
    await expect.poll(() => problems.getByRole('row').count()).toBeGreaterThan(4);
    await problems.getByRole('row', { name: /^3 domainname avery\.admin@contoso\.com is already a user of the organization$/ }).waitFor();
    await problems.getByRole('row', { name: /^4 businessunit no business unit has the name or id "Atlantis"$/ }).waitFor();
    await problems.getByRole('row', { name: /^4 email "not-an-email" is not an email address$/ }).waitFor();
    await problems.getByRole('row', { name: /^5 roles no role has the name or id "No Such Role"$/ }).waitFor();
    expect(await page.getByRole('button', { name: /^Add \d users?$/ }).isDisabled()).toBe(true);
    await shot('import-users');
    expect(session.current.systemusers.size).toBe(users);
  });

  it('exports the organization as interchange JSON and the roles as solution XML', async () => {
    const file = join(tmp, 'contoso-export.json');
    const folder = join(tmp, 'solution');
    mkdirSync(folder);
    await page.getByRole('tab', { name: 'Export' }).click();
    desktop.willSaveTo(file);
    await page.getByRole('button', { name: 'Export organization…' }).click();
    const written = page.getByRole('status', { name: 'Organization exported' });
    await written.getByText(file).waitFor();
    const back = fromInterchange(JSON.parse(readFileSync(file, 'utf8')));
    if (!back.ok) throw new Error(back.error.message);
    expect(back.value.systemusers.size).toBe(session.current.systemusers.size);
    expect(back.value.roles.get(SERVICE_LEAD)?.name).toBe('Contoso Service Lead');
    await written.getByRole('button', { name: 'Show in folder' }).click();
    await expect.poll(() => desktop.revealed).toEqual([file]);

    desktop.willOpen([folder]);
    await page.getByRole('button', { name: 'Export to a folder…' }).click();
    await page.getByRole('status', { name: 'Roles exported' }).waitFor();
    expect(existsSync(join(folder, 'Roles', 'Salesperson.xml'))).toBe(true);
    expect(existsSync(join(folder, 'Other', 'FieldSecurityProfiles.xml'))).toBe(true);
    await shot('export');
  });
});
