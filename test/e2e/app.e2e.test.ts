import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { demoOrganization } from '../../src-main/core/generate/demo';
import { syntheticOrganization } from '../../src-main/core/generate/synthetic';
import type { OrgSession } from '../../src-main/session/orgSession';
import type { VaultControl } from '../../src-main/session/workspace';
import { applyStagedFromPreview, buildRenderer, CHROMIUM, launchChromium, openApp, SCREENSHOTS, serveRenderer } from './harness';

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`[e2e] skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);

describe.skipIf(!hasChromium)('RoleAtlas in Chromium over the real services', () => {
  let browser: Browser;
  let server: { url: string; close: () => Promise<void> };
  let page: Page;
  let session: OrgSession;
  let workspace: VaultControl;
  let vaultDir: string;
  const PASSPHRASE = 'violet tractor sings under 42 lanterns';
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
  const nav = (name: string) => page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: new RegExp(`^${name}`) }).click();

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await buildRenderer();
    server = await serveRenderer();
    browser = await launchChromium();
    vaultDir = mkdtempSync(join(tmpdir(), 'roleatlas-e2e-vault-'));
    ({ page, session, workspace } = await openApp(browser, server.url, null, { vaultDir: join(vaultDir, 'vault') }));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (vaultDir) rmSync(vaultDir, { recursive: true, force: true });
  });

  it('creates a vault on first run, from the demo organization', async () => {
    await page.getByRole('heading', { name: 'Create your vault' }).waitFor();
    await page.getByLabel('Passphrase', { exact: true }).fill('password1');
    await page.getByText(/Very weak|Weak/).first().waitFor();
    await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
    await page.getByLabel('Passphrase again').fill(PASSPHRASE);
    await page.getByText(/Strong|Very strong/).first().waitFor();
    await shot('first-run');
    await page.getByRole('button', { name: 'Create vault' }).click();
    await page.getByLabel('Organization', { exact: true }).getByText('Contoso').waitFor();
    expect(workspace.status().phase).toBe('open');
  });

  it('opens on the business-unit tree of Contoso', async () => {
    await page.getByRole('tree', { name: 'Business unit tree' }).getByRole('treeitem', { name: 'Seattle' }).waitFor();
    await shot('business-units');
  });

  it('adds a business unit under the root, staged and then applied from Preview', async () => {
    await page.getByRole('treeitem', { name: 'Contoso' }).click();
    await page.getByRole('button', { name: 'Add child unit' }).click();
    await page.getByRole('dialog').getByLabel('Name').fill('Research');
    await page.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
    await page.getByRole('button', { name: 'Preview: 1 staged' }).click();
    await page.getByRole('list', { name: 'Pending changes' }).getByText(/Research/).waitFor();
    await shot('preview-staged');
    expect([...session.current.businessunits.values()].some((b) => b.name === 'Research')).toBe(false);
    await nav('Business units');
    expect(await applyStagedFromPreview(page)).toEqual([expect.stringMatching(/Research/)]);
    await page.getByRole('treeitem', { name: 'Research' }).waitFor();
    expect([...session.current.businessunits.values()].some((b) => b.name === 'Research')).toBe(true);
  });

  it('moves a unit by dragging it onto another, after confirming, once the move is applied from Preview', async () => {
    await page.getByRole('treeitem', { name: 'Research' }).dragTo(page.getByRole('treeitem', { name: 'Marketing', exact: true }));
    const d = page.getByRole('dialog', { name: 'Move Research' });
    await d.getByRole('button', { name: 'Move' }).click();
    await d.waitFor({ state: 'detached' });
    expect(await applyStagedFromPreview(page)).toEqual([expect.stringMatching(/Research/)]);
    const units = [...session.current.businessunits.values()];
    expect(units.find((b) => b.name === 'Research')?.parentbusinessunitid).toBe(units.find((b) => b.name === 'Marketing')?.businessunitid);
    expect(await page.getByRole('treeitem', { name: 'Research' }).getAttribute('aria-level')).toBe('3');
  });

  it('adds a user to the new unit and assigns a role, each applied from Preview', async () => {
    await nav('Users');
    await page.getByRole('button', { name: 'Add user' }).click();
    const d = page.getByRole('dialog');
    await d.getByLabel('Full name').fill('Robin Research');
    await d.getByLabel('Sign-in name').fill('robin.research@contoso.com');
    await d.getByLabel('Business unit').selectOption({ label: 'Research' });
    await d.getByRole('button', { name: 'Add' }).click();
    expect(await applyStagedFromPreview(page)).toEqual([expect.stringMatching(/Robin Research/)]);
    await page.getByLabel('Search users').fill('robin');
    await page.getByRole('gridcell', { name: 'Robin Research' }).click();
    await page.getByRole('region', { name: 'User Robin Research' }).waitFor();
    await page.getByLabel('Role to assign').selectOption({ label: 'Salesperson' });
    await page.getByRole('button', { name: 'Assign role', exact: true }).click();
    expect(await applyStagedFromPreview(page)).toEqual([expect.stringMatching(/Salesperson/)]);
    await page.getByRole('gridcell', { name: 'Robin Research' }).click();
    await page.getByRole('list', { name: 'Roles held' }).getByText('Salesperson').waitFor();
    const robin = [...session.current.systemusers.values()].find((u) => u.fullname === 'Robin Research')!;
    expect([...session.current.systemuserroles.values()].some((a) => a.systemuserid === robin.systemuserid)).toBe(true);
    await page.getByLabel('Search users').fill('');
    await page.getByRole('gridcell', { name: 'Avery Admin' }).waitFor();
    await shot('users');
  });

  it('changes a privilege in the matrix, applies it from Preview, sees it, and undoes it with Ctrl+Z', async () => {
    await nav('Security roles');
    await page.getByRole('listbox', { name: 'Roles' }).getByRole('option', { name: /^Salesperson/ }).click();
    await page.getByRole('tab', { name: /^Core Records/ }).click();
    const cell = page.getByRole('button', { name: /^Delete Account: / });
    const depthInSession = () => [...session.current.roles.values()].find((r) => r.name === 'Salesperson')!.privileges.prvDeleteAccount ?? null;
    const before = await cell.getAttribute('aria-label');
    const depthBefore = depthInSession();
    await cell.click();
    await page.getByRole('button', { name: 'Preview: 1 staged' }).waitFor();
    expect(depthInSession()).toBe(depthBefore);
    expect(await applyStagedFromPreview(page)).toEqual([expect.stringMatching(/^Salesperson: prvDeleteAccount /)]);
    await page.getByRole('tab', { name: /^Core Records/ }).click();
    await expect.poll(() => cell.getAttribute('aria-label')).not.toBe(before);
    expect(depthInSession()).not.toBe(depthBefore);
    expect(await cell.getAttribute('aria-label')).toMatch(/^Delete Account: (None|User|Business Unit|Parent: Child Business Units|Organization)$/);
    await shot('roles-matrix');
    await page.keyboard.press('Control+z');
    await expect.poll(() => cell.getAttribute('aria-label')).toBe(before);
    expect(depthInSession()).toBe(depthBefore);
    await page.getByRole('status').getByText(/^Undid: /).waitFor();
  });

  it('shows why a held role cannot be deleted', async () => {
    await page.getByRole('button', { name: 'Delete…' }).click();
    const reason = page.getByRole('dialog').getByRole('alert');
    await expect.poll(() => reason.textContent()).toMatch(/^Refused: role Salesperson is held by \d+ principal\(s\)/);
    expect(await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).isDisabled()).toBe(true);
    await shot('refusal');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  });

  it('compares two roles and shows where a role is used', async () => {
    await page.getByRole('tab', { name: 'Compare' }).click();
    await page.getByLabel('Role to compare with').selectOption({ label: 'Sales Manager' });
    await page.getByRole('table', { name: 'Comparison' }).waitFor();
    await shot('roles-compare');
    await page.getByRole('tab', { name: /^Where used/ }).click();
    await page.getByRole('list', { name: 'Users holding the role' }).getByText('Robin Research').waitFor();
    await page.getByRole('tab', { name: 'Privileges' }).click();
  });

  it('shows teams with members and the default team read-only', async () => {
    await nav('Teams');
    await page.getByRole('gridcell', { name: 'Key Accounts' }).click();
    await page.getByRole('list', { name: 'Members' }).getByText('Sam Seattle').waitFor();
    await shot('teams');
    await page.getByRole('gridcell', { name: 'Seattle' }).first().click();
    await page.getByText(/its members are always exactly the unit’s users/).waitFor();
  });

  it('shows field security profiles with their columns', async () => {
    await nav('Field security profiles');
    await page.getByRole('table', { name: 'Column permissions' }).waitFor();
    await shot('field-security');
  });

  it('finds anything with Ctrl+K and opens it', async () => {
    await page.keyboard.press('Control+k');
    await page.getByRole('combobox', { name: 'Search everything' }).fill('Jordan');
    await page.getByRole('option', { name: /Jordan West/ }).waitFor();
    await shot('search');
    await page.keyboard.press('Enter');
    await page.getByRole('region', { name: 'User Jordan West' }).waitFor();
  });

  it('locks, refuses a wrong passphrase, unlocks, and the data is still there', async () => {
    await page.getByRole('contentinfo', { name: 'Status' }).getByRole('button', { name: 'Lock', exact: true }).click();
    await page.getByRole('heading', { name: /RoleAtlas is locked/ }).waitFor();
    expect(workspace.status().phase).toBe('locked');
    await shot('lock-screen');
    await page.getByLabel('Passphrase').fill('not the passphrase');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.getByRole('alert').filter({ hasText: /passphrase/i }).waitFor();
    await page.getByLabel('Passphrase').fill(PASSPHRASE);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.getByLabel('Organization', { exact: true }).getByText('Contoso').waitFor();
    await nav('Business units');
    await page.getByRole('treeitem', { name: 'Research' }).waitFor();
    expect([...session.current.businessunits.values()].some((b) => b.name === 'Research')).toBe(true);
  });

  it('renders the dark theme when the system asks for it', async () => {
    const dark = await openApp(browser, server.url, demoOrganization(), { colorScheme: 'dark' });
    await dark.page.getByRole('treeitem', { name: 'Seattle' }).waitFor();
    await dark.page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: /^Security roles/ }).click();
    await dark.page.getByRole('listbox', { name: 'Roles' }).getByRole('option', { name: /^Salesperson/ }).click();
    await dark.page.getByRole('button', { name: 'Read Account: User' }).waitFor();
    await dark.page.screenshot({ path: join(SCREENSHOTS, 'roles-matrix-dark.png') });
    await dark.page.getByRole('button', { name: 'Read Account: User' }).click();
    await dark.page.getByRole('button', { name: 'Preview: 1 staged' }).click();
    await dark.page.getByRole('list', { name: 'Pending changes' }).getByText(/prvReadAccount/).waitFor();
    await dark.page.screenshot({ path: join(SCREENSHOTS, 'preview-staged-dark.png') });
    await dark.close();
  });

  it('cycles a staged role cell from its staged depth, shows the access diff with a selected gain and loss legibly in both themes, and names the applied undo step after what was staged', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const app = await openApp(browser, server.url, demoOrganization(), { colorScheme });
      const p = app.page;
      await p.getByRole('treeitem', { name: 'Seattle' }).waitFor();
      await p.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: /^Security roles/ }).click();
      await p.getByRole('listbox', { name: 'Roles' }).getByRole('option', { name: /^Salesperson/ }).click();
      await p.getByRole('button', { name: 'Read Account: User', exact: true }).click();
      await p.getByRole('button', { name: 'Read Account: Business Unit, staged, not applied yet (applied: User)' }).click();
      await p.getByRole('button', { name: 'Read Account: Parent: Child Business Units, staged, not applied yet (applied: User)' }).waitFor();
      await p.getByRole('button', { name: 'Preview: 1 staged' }).waitFor();
      await p.getByLabel('Set row Contact').selectOption('None');
      await p.getByRole('button', { name: /^Preview: \d+ staged$/ }).waitFor();
      await p.screenshot({ path: join(SCREENSHOTS, `roles-matrix-staged-${colorScheme}.png`) });
      // Compare shows the role as staged too, each staged depth beside the applied one.
      await p.getByRole('tab', { name: 'Compare' }).click();
      await p.getByLabel('Role to compare with').selectOption({ label: 'Sales Manager' });
      await p.getByRole('table', { name: 'Comparison' }).getByRole('row', { name: /Read Account/ }).getByText('· staged (applied: User)').waitFor();
      await p.screenshot({ path: join(SCREENSHOTS, `roles-compare-staged-${colorScheme}.png`) });
      await p.getByRole('tab', { name: 'Privileges' }).click();
      await p.getByRole('button', { name: /^Preview: \d+ staged$/ }).click();
      const groups = p.getByRole('table', { name: 'Changes per table and right' });
      await groups.waitFor();
      const panel = p.getByRole('region', { name: 'Access diff' });
      const selectedBackground = async (row: RegExp) => {
        await groups.getByRole('row', { name: row }).first().getByRole('button').click();
        const selected = groups.locator('tr[aria-selected="true"]');
        await selected.waitFor();
        return selected.evaluate((tr) => getComputedStyle(tr).backgroundColor);
      };
      const gain = await selectedBackground(/^account Read [1-9]/);
      await p.screenshot({ path: join(SCREENSHOTS, `preview-diff-gain-${colorScheme}.png`) });
      const loss = await selectedBackground(/^contact Read 0 [1-9]/);
      await p.screenshot({ path: join(SCREENSHOTS, `preview-diff-loss-${colorScheme}.png`) });
      // A selection, blue in both themes, whichever way the row goes: not the warning red it was.
      expect(loss).toBe(gain);
      const [r, , b] = gain.match(/\d+/g)!.map(Number);
      expect(b).toBeGreaterThan(r);
      const edge = async (l: typeof panel) => (await l.boundingBox())!;
      const lost = await edge(groups.getByRole('columnheader', { name: 'Records lost' }));
      const box = await edge(panel);
      expect(lost.x + lost.width).toBeLessThanOrEqual(box.x + box.width);
      expect(await panel.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
      // Applied, the undo step is named after what was staged: the click's change, then the row's label.
      await p.getByRole('button', { name: 'Apply all' }).click();
      await p.getByText(/^Nothing is staged\./).waitFor();
      expect(await p.getByRole('button', { name: '↶ Undo' }).getAttribute('title')).toBe('Undo: Salesperson: prvReadAccount Basic → Deep; Set every right on Contact to None in Salesperson (9 changes)');
      await app.close();
    }
  }, 120_000);

  it('measures the users list over 50,000 users (printed, not asserted)', async () => {
    const big = await openApp(browser, server.url, syntheticOrganization({ records: 0, shares: 0 }));
    const p = big.page;
    await p.getByRole('tree', { name: 'Business unit tree' }).waitFor({ timeout: 60_000 });
    const t0 = Date.now();
    await p.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: /^Users/ }).click();
    await p.getByRole('gridcell').first().waitFor();
    const firstRender = Date.now() - t0;
    const frames = await p.evaluate(async () => {
      const list = document.querySelector('[role="grid"][aria-label="Users"]') as HTMLElement;
      const times: number[] = [];
      let last = performance.now();
      for (let i = 0; i < 120; i++) {
        list.scrollTop += 900;
        await new Promise(requestAnimationFrame);
        const now = performance.now();
        times.push(now - last);
        last = now;
      }
      times.sort((a, b) => a - b);
      return { frames: times.length, median: times[times.length >> 1], p95: times[Math.floor(times.length * 0.95)], max: times[times.length - 1], scrolledTo: list.scrollTop };
    });
    await p.getByRole('gridcell').first().waitFor();
    await p.screenshot({ path: join(SCREENSHOTS, 'users-50k.png') });
    console.log(`[e2e] 50,000 users: first render of the users list ${firstRender} ms; scrolling ${frames.frames} frames, median ${frames.median.toFixed(1)} ms, p95 ${frames.p95.toFixed(1)} ms, max ${frames.max.toFixed(1)} ms (scrolled to ${Math.round(frames.scrolledTo)} px)`);
    expect(firstRender).toBeGreaterThan(0);
    await big.close();
  }, 180_000);
});
