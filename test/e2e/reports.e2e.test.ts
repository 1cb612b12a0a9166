import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { applyAll } from '../../src-main/core/commands/apply';
import type { Command } from '../../src-main/core/commands/schema';
import { demoOrganization } from '../../src-main/core/generate/demo';
import type { OrgState } from '../../src-main/core/model/org';
import { ScriptedDesktop } from '../../src-main/session/desktop';
import { Vault } from '../../src-main/vault/vault';
import { buildRenderer, CHROMIUM, launchChromium, openApp, SCREENSHOTS, serveRenderer } from './harness';

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`[e2e] skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);

const PASSPHRASE = 'violet tractor sings under 42 lanterns';

/** Contoso with 1,200 more salespeople in Seattle: a report of everyone's access then takes seconds to write. */
function contosoWithFieldReps(): OrgState {
  const demo = demoOrganization();
  const seattle = [...demo.businessunits.values()].find((b) => b.name === 'Seattle')!.businessunitid;
  const role = (name: string) => [...demo.roles.values()].find((r) => r.name === name)!.roleid;
  const commands: Command[] = [];
  for (let i = 1; i <= 1200; i++) {
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    commands.push({ type: 'createUser', systemuserid: id, fullname: `Field Rep ${i}`, domainname: `rep${i}@contoso.com`, businessunitid: seattle });
    commands.push({ type: 'assignRole', systemuserid: id, roleid: role('Salesperson') });
    commands.push({ type: 'assignRole', systemuserid: id, roleid: role('Basic User') });
  }
  const r = applyAll(demo, commands);
  if (!r.ok) throw new Error(r.error.message);
  return r.state;
}

describe.skipIf(!hasChromium)('findings, reports and the audit log in Chromium over a real vault', () => {
  let browser: Browser;
  let server: { url: string; close: () => Promise<void> };
  let page: Page;
  let tmp: string;
  let out: string;
  const desktop = new ScriptedDesktop();
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
  const nav = (name: string) => page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: new RegExp(`^${name}`) }).click();

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    tmp = mkdtempSync(join(tmpdir(), 'roleatlas-e2e-reports-'));
    out = join(tmp, 'reports');
    mkdirSync(out);
    // The vault exists before the app starts, with an imported organization and two audited changes.
    const vaultDir = join(tmp, 'vault');
    const vault = await Vault.create(vaultDir, PASSPHRASE, { actor: 'avery.admin', kdf: { N: 1024, r: 8, p: 1 } });
    const state = contosoWithFieldReps();
    vault.replaceState(state, 'contoso.json');
    const kendall = [...state.systemusers.values()].find((u) => u.fullname === 'Kendall Events')!.systemuserid;
    const basic = [...state.roles.values()].find((r) => r.name === 'Basic User')!.roleid;
    const portland = [...state.businessunits.values()].find((b) => b.name === 'Portland')!.businessunitid;
    expect(vault.applyAll([{ type: 'assignRole', systemuserid: kendall, roleid: basic }]).ok).toBe(true);
    expect(vault.applyAll([{ type: 'updateBusinessUnit', businessunitid: portland, name: 'Portland Office' }]).ok).toBe(true);
    vault.lock();
    await buildRenderer();
    server = await serveRenderer();
    browser = await launchChromium();
    ({ page } = await openApp(browser, server.url, null, { vaultDir, desktop }));
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('unlocks the vault', async () => {
    await page.getByRole('heading', { name: /RoleAtlas is locked/ }).waitFor();
    await page.getByLabel('Passphrase').fill(PASSPHRASE);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.getByLabel('Organization', { exact: true }).getByText('Contoso').waitFor({ timeout: 30_000 });
  });

  it('runs the security review and adds a separation-of-duty rule that a user breaks', async () => {
    await nav('Findings');
    await page.getByRole('heading', { name: 'Security review' }).waitFor();
    await page.getByRole('region', { name: /severity$/ }).first().waitFor({ timeout: 30_000 });
    const form = page.getByRole('form', { name: 'New separation-of-duty rule' });
    await form.getByLabel('Rule name').fill('Sales and live chat');
    await form.getByLabel('First: role').selectOption({ label: 'Salesperson' });
    await form.getByLabel('Second: role').selectOption({ label: 'LiveChat4Dynamics User' });
    await form.getByRole('button', { name: 'Add rule' }).click();
    const broken = page.getByRole('article', { name: 'Alex Rainier breaks "Sales and live chat"' });
    await broken.waitFor();
    await page.getByRole('list', { name: 'Separation-of-duty rules' }).getByText('Sales and live chat').waitFor();
    await page.getByRole('combobox', { name: 'Rule' }).selectOption('all');
    await page.getByRole('region', { name: 'High severity' }).getByRole('article').first().scrollIntoViewIfNeeded();
    await page.getByRole('heading', { name: 'Security review' }).scrollIntoViewIfNeeded();
    await shot('findings');
    await broken.getByRole('button', { name: 'User: Alex Rainier' }).click();
    await page.getByRole('region', { name: 'User Alex Rainier' }).waitFor();
  });

  it('writes a role matrix as XLSX where the save dialog said, which reads back, and opens it', async () => {
    await nav('Reports');
    await page.getByRole('option', { name: /^Role matrix/ }).click();
    await page.getByRole('radio', { name: 'Excel (XLSX)' }).check();
    const path = join(out, 'role-matrix.xlsx');
    desktop.willSaveTo(path);
    await page.getByRole('button', { name: 'Save report…' }).click();
    await page.getByText(/^Written: [\d,]+ rows/).waitFor({ timeout: 60_000 });
    expect(existsSync(path)).toBe(true);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(path);
    expect(book.worksheets.length).toBeGreaterThan(1);
    const text = book.worksheets.map((w) => w.getSheetValues().flat().map(String).join(' ')).join(' ');
    expect(text).toContain('Salesperson');
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await page.getByRole('button', { name: 'Show in folder' }).click();
    await expect.poll(() => desktop.opened).toEqual([path]);
    expect(desktop.revealed).toEqual([path]);
  });

  it('shows the progress of a long report and cancels it, leaving no file', async () => {
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await page.getByRole('option', { name: /^User access/ }).click();
    const path = join(out, 'everyone.xlsx');
    desktop.willSaveTo(path);
    await page.getByRole('button', { name: 'Save report…' }).click();
    const progress = page.getByRole('progressbar', { name: 'Written' });
    await progress.waitFor();
    await expect.poll(async () => Number(await progress.getAttribute('value')), { timeout: 30_000 }).toBeGreaterThan(0);
    await shot('reports');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByText('Cancelled: no file was written.').waitFor({ timeout: 30_000 });
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(out)).toEqual(['role-matrix.xlsx']);
  });

  it('shows the audit log, an entry’s before and after, and a verified chain', async () => {
    await nav('Audit log');
    const list = page.getByRole('grid', { name: 'Audit entries' });
    await list.getByRole('row').first().waitFor();
    expect(await list.getByRole('row').count()).toBe(3);
    await list.getByRole('row').first().getByRole('gridcell').click();
    const table = page.getByRole('table', { name: /^businessunits Portland Office/ });
    await table.waitFor();
    const name = table.getByRole('row', { name: /^name / });
    expect(await name.getByRole('cell').allTextContents()).toEqual(['Portland', 'Portland Office']);
    await page.getByRole('button', { name: 'Verify chain' }).click();
    await page.getByText(/Chain verified: all 3 entries link/).waitFor();
    await shot('audit');
  });
});
