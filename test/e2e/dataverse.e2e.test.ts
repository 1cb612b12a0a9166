/**
 * The Dataverse screen end to end: the built renderer in Chromium over main's real invoke path and
 * a real vault, against the Dataverse double (test/dataverse/double) on loopback. Set the
 * environment, pull it, stage a privilege change in the role editor (staging is on, as the app
 * starts), review the push (every request and the access diff), send it, and read it back from
 * the environment.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { demoOrganization } from '../../src-main/core/generate/demo';
import { Connection } from '../../src-main/dataverse/connection';
import { pullEnvironment } from '../../src-main/dataverse/pull';
import type { OrgSession } from '../../src-main/session/orgSession';
import { startDataverseDouble, type RunningDouble } from '../dataverse/double/app';
import { standInSignIn } from '../dataverse/double/standInSignIn';
import { Browser as SignInBrowser } from '../dataverse/double/browser';
import { startIdentityProvider, TEST_ACCOUNT, type RunningIdentityProvider } from '../dataverse/double/identity';
import { trustCertificate } from '../dataverse/double/trust';
import { ScriptedDesktop } from '../../src-main/session/desktop';
import type { Workspace } from '../../src-main/session/workspace';
import { expireAccessTokens } from '../dataverse/double/expireTokens';
import { buildRenderer, CHROMIUM, launchChromium, openApp, SCREENSHOTS, serveRenderer, createVaultOnFirstRun } from './harness';

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`[e2e] skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);

const TOKEN = 'an access token the double accepts';

describe.skipIf(!hasChromium)('the Dataverse screen in Chromium against the Dataverse double', () => {
  let browser: Browser;
  let renderer: { url: string; close: () => Promise<void> };
  let double: RunningDouble;
  let page: Page;
  let session: OrgSession;
  let vaultDir: string;
  const PASSPHRASE = 'violet tractor sings under 42 lanterns';
  /** Each screenshot in the light theme and again in the dark one. */
  const shots = async (name: string) => {
    await page.emulateMedia({ colorScheme: 'light' });
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-dark.png`), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
  };
  const nav = (name: string) => page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: new RegExp(`^${name}`) }).click();
  const salesperson = () => [...session.current.roles.values()].find((r) => r.name === 'Salesperson')!;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    double = await startDataverseDouble(demoOrganization(), { verifyToken: (t) => t === TOKEN });
    await buildRenderer();
    renderer = await serveRenderer();
    browser = await launchChromium();
    vaultDir = mkdtempSync(join(tmpdir(), 'roleatlas-e2e-dataverse-'));
    ({ page, session } = await openApp(browser, renderer.url, null, { vaultDir: join(vaultDir, 'vault'), staging: true, dataverseSignIn: standInSignIn(double.url, TOKEN) }));
    await createVaultOnFirstRun(page, PASSPHRASE);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await renderer?.close();
    await double?.close();
    if (vaultDir) rmSync(vaultDir, { recursive: true, force: true });
  });

  it('pulls the environment into the vault from the Dataverse screen and says what it held', async () => {
    await nav('Dataverse');
    await page.getByLabel('Environment URL').fill(double.url);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved in the vault.').waitFor();
    await page.getByRole('button', { name: 'Pull', exact: true }).click();
    const progress = page.getByRole('status', { name: 'Pull progress' });
    await progress.getByText(/^Imported Dataverse environment http:\/\/127\.0\.0\.1:\d+: 13 business unit\(s\), 40 user\(s\)/).waitFor({ timeout: 30_000 });
    await page.getByLabel('Last pull').getByText(/13 business units, 40 users/).waitFor();
    await page.getByLabel('Organization', { exact: true }).getByText('127.0.0.1').waitFor();
    expect(session.current.systemusers.size).toBe(40);
    await shots('dataverse-pulled');
  });

  it('stages a privilege change in the role editor, reviews the push with its requests and access diff, sends it, and the environment holds it', async () => {
    const before = salesperson().privileges.prvDeleteAccount ?? null;
    await nav('Security roles');
    await page.getByRole('listbox', { name: 'Roles' }).getByRole('option', { name: /^Salesperson/ }).click();
    await page.getByRole('tab', { name: /^Core Records/ }).click();
    await page.getByRole('button', { name: /^Delete Account: / }).click();
    await page.getByRole('button', { name: 'Preview: 1 staged' }).waitFor();
    // Staged, not applied: the vault's organization is as the pull left it.
    expect(salesperson().privileges.prvDeleteAccount ?? null).toBe(before);

    await nav('Dataverse');
    await page.getByText(/^1 staged change\(s\) to send/).waitFor();
    await page.getByRole('button', { name: 'Review push' }).click();
    const requests = page.getByRole('table', { name: 'Web API requests' });
    await requests.waitFor({ timeout: 30_000 });
    const rows = requests.locator('tbody tr');
    expect(await rows.count()).toBe(1);
    const roleid = salesperson().roleid;
    expect(await rows.first().textContent()).toMatch(new RegExp(`^1POSTroles\\(${roleid}\\)/Microsoft\\.Dynamics\\.CRM\\.(AddPrivilegesRole\\{"Privileges":\\[\\{"Depth":"\\w+","PrivilegeId":"[0-9a-f-]+"|RemovePrivilegeRole\\{"PrivilegeId":"[0-9a-f-]+"\\})`));
    await page.getByRole('table', { name: 'Changes per table and right' }).getByRole('button', { name: 'account' }).waitFor();
    await page.getByRole('table', { name: 'Users affected' }).locator('tbody tr').first().waitFor();
    expect(double.env.log.filter((l) => l.method !== 'GET')).toEqual([]);
    await page.getByRole('button', { name: 'Send 1 request(s) to Dataverse' }).scrollIntoViewIfNeeded();
    await shots('dataverse-push-review');

    await page.getByRole('button', { name: 'Send 1 request(s) to Dataverse' }).click();
    const results = page.getByRole('status', { name: 'Push results' });
    await results.getByRole('heading', { name: 'Pushed: the environment took every change set' }).waitFor({ timeout: 30_000 });
    expect(await results.getByRole('table', { name: 'Change sets' }).locator('tbody tr').first().textContent()).toBe('111Applied');
    await page.getByText(/^Nothing is staged/).waitFor();
    await page.getByRole('button', { name: 'Preview: 0 staged' }).waitFor();
    const after = salesperson().privileges.prvDeleteAccount ?? null;
    expect(after).not.toBe(before);
    await shots('dataverse-pushed');

    // Read back from the environment, as another client would.
    const again = await pullEnvironment(new Connection({ url: double.url, token: async () => TOKEN }));
    expect(again.state.roles.get(roleid)!.privileges.prvDeleteAccount ?? null).toBe(after);
  });

  it("shows Dataverse's own message on the change set it refuses, and the vault keeps the staged change", async () => {
    const before = salesperson().privileges.prvDeleteAccount ?? null;
    await nav('Security roles');
    await page.getByRole('button', { name: /^Delete Account: / }).click();
    await page.getByRole('button', { name: 'Preview: 1 staged' }).waitFor();
    await nav('Dataverse');
    await page.getByRole('button', { name: 'Review push' }).click();
    await page.getByRole('table', { name: 'Web API requests' }).waitFor({ timeout: 30_000 });
    // Between the review and Send, the privilege leaves the environment (a solution removed, say).
    const privilege = [...double.env.data.privileges.values()].find((p) => p.name === 'prvDeleteAccount')!;
    double.env.data.privileges.delete(privilege.privilegeid);

    await page.getByRole('button', { name: 'Send 1 request(s) to Dataverse' }).click();
    const results = page.getByRole('status', { name: 'Push results' });
    await results.getByRole('heading', { name: 'Dataverse refused a change set' }).waitFor({ timeout: 30_000 });
    const row = results.getByRole('table', { name: 'Change sets' }).locator('tbody tr').first();
    expect(await row.textContent()).toMatch(new RegExp(`^111Refused.*privilege With Id = ${privilege.privilegeid} Does Not Exist; change set 1 of 1 \\(commands 1–1\\) applied nothing, and no change set before it`));
    await page.getByText(/^1 staged change\(s\) to send/).waitFor();
    expect(salesperson().privileges.prvDeleteAccount ?? null).toBe(before);
    await shots('dataverse-push-refused');
    // Back in the environment, so that later pulls read a whole privilege table.
    double.env.data.privileges.set(privilege.privilegeid, privilege);
  });
  it('shows a team renamed in the environment since the pull as a conflict per field when sending, and offers to pull again', async () => {
    const escalations = [...session.current.teams.values()].find((t) => t.name === 'Escalations')!;
    await nav('Teams');
    await page.getByRole('gridcell', { name: 'Escalations' }).click();
    await page.getByRole('button', { name: 'Rename…' }).click();
    await page.getByRole('dialog').getByLabel('Name').fill('Escalations (EMEA)');
    await page.getByRole('dialog').getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('button', { name: 'Preview: 2 staged' }).waitFor();
    // The refused privilege change from before stays staged; discard it so this push is only the rename.
    await nav('Preview');
    await page.getByRole('button', { name: 'Discard change 1' }).click();
    await page.getByRole('button', { name: 'Preview: 1 staged' }).waitFor();
    // Meanwhile another admin renames the team in the environment.
    double.env.handle({ method: 'PATCH', path: `teams(${escalations.teamid})`, headers: {}, body: JSON.stringify({ name: 'Escalations (Americas)' }) });

    await nav('Dataverse');
    await page.getByRole('button', { name: 'Review push' }).click();
    await page.getByRole('table', { name: 'Web API requests' }).getByText(`teams(${escalations.teamid})`, { exact: false }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Send 1 request(s) to Dataverse' }).click();
    const results = page.getByRole('status', { name: 'Push results' });
    await results.getByRole('heading', { name: 'Conflict: the environment changed since the pull' }).waitFor({ timeout: 30_000 });
    expect(await results.getByRole('table', { name: 'Conflicts per field' }).locator('tbody tr').first().textContent()).toBe('team Escalationsname"Escalations""Escalations (Americas)"');
    expect(double.env.data.teams.get(escalations.teamid)!.name).toBe('Escalations (Americas)');
    await results.getByRole('button', { name: 'Pull again' }).scrollIntoViewIfNeeded();
    await shots('dataverse-push-conflict');
 
    // The window opened anew (as after a restart) shows the conflict the vault kept.
    await page.reload();
    await nav('Dataverse');
    const kept = page.getByRole('region', { name: 'Push conflict' });
    await kept.getByRole('heading', { name: 'The last push was refused: the environment changed since the pull' }).waitFor({ timeout: 30_000 });
    expect(await kept.getByRole('table', { name: 'Conflicts per field' }).locator('tbody tr').first().textContent()).toBe('team Escalationsname"Escalations""Escalations (Americas)"');
    await kept.getByRole('button', { name: 'Dismiss' }).scrollIntoViewIfNeeded();
    await shots('dataverse-push-conflict-kept');
  });

  it('pushes a change applied with staging off, refuses a pull until then, and an undo after the push is pushed back', async () => {
    // The conflicting rename from before is discarded, and the vault pulled again: the environment's name wins.
    await nav('Preview');
    await page.getByRole('button', { name: 'Discard change 1' }).click();
    await page.getByRole('button', { name: 'Preview: 0 staged' }).waitFor();
    await nav('Dataverse');
    await page.getByRole('button', { name: 'Pull', exact: true }).click();
    await page.getByRole('status', { name: 'Pull progress' }).getByText(/^Pulled the changes of Dataverse environment/).waitFor({ timeout: 30_000 });

    const roleid = salesperson().roleid;
    const privilegeid = [...double.env.data.privileges.values()].find((p) => p.name === 'prvWriteAccount')!.privilegeid;
    const inEnvironment = () => double.env.data.roles.get(roleid)!.privileges.get(privilegeid) ?? null;
    const pulled = inEnvironment();
    await page.getByLabel('Stage changes').uncheck();
    await nav('Security roles');
    await page.getByRole('listbox', { name: 'Roles' }).getByRole('option', { name: /^Salesperson/ }).click();
    await page.getByRole('tab', { name: /^Core Records/ }).click();
    await page.getByRole('button', { name: /^Write Account: / }).click();
    await page.getByRole('button', { name: 'Preview: 0 staged' }).waitFor();

    await nav('Dataverse');
    await page.getByLabel('To push').getByText(/^1 change\(s\) applied since the pull, not in the environment\.$/).waitFor();
    await page.getByRole('button', { name: 'Pull', exact: true }).click();
    await page.getByRole('status', { name: 'Pull progress' }).getByText(/1 change\(s\) applied to the vault since the pull of .* are not in the environment \(".*Salesperson.*"\); push them first/).waitFor({ timeout: 30_000 });
    const unpushed = page.getByRole('group', { name: 'Changes not pushed' });
    await unpushed.getByRole('button', { name: 'Discard and pull' }).click();
    await unpushed.getByRole('button', { name: 'Discard 1 change(s) and pull' }).waitFor();
    await shots('dataverse-unpushed');
    await unpushed.getByRole('button', { name: 'Keep them' }).click();
    await unpushed.getByRole('button', { name: 'Discard and pull' }).waitFor();

    await page.getByRole('button', { name: 'Review push' }).click();
    await page.getByRole('list', { name: 'Applied since the pull' }).getByText(/Salesperson/).first().waitFor({ timeout: 30_000 });
    const rows = page.getByRole('table', { name: 'Web API requests' }).locator('tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().locator('td').nth(4).textContent()).toMatch(/^applied1\. .*Salesperson/);
    await shots('dataverse-push-review-applied');
    await page.getByRole('button', { name: 'Send 1 request(s) to Dataverse' }).click();
    await page.getByRole('status', { name: 'Push results' }).getByRole('heading', { name: 'Pushed: the environment took every change set' }).waitFor({ timeout: 30_000 });
    await page.getByText(/^Nothing is staged, and nothing was applied since the pull/).waitFor();
    const pushed = inEnvironment();
    expect(pushed).not.toBe(pulled);

    // Undo after the push changes the vault; the next push takes the environment back too.
    await page.getByRole('button', { name: '↶ Undo' }).click();
    await page.getByLabel('To push').getByText(/^1 change\(s\) applied since the pull/).waitFor();
    await page.getByRole('button', { name: 'Review push' }).click();
    await page.getByRole('list', { name: 'Applied since the pull' }).getByText(/^Undo: /).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Send 1 request(s) to Dataverse' }).click();
    await page.getByRole('status', { name: 'Push results' }).getByRole('heading', { name: 'Pushed: the environment took every change set' }).waitFor({ timeout: 30_000 });
    expect(inEnvironment()).toBe(pulled);
    await page.getByLabel('Stage changes').check();
  });
});

describe.skipIf(!hasChromium)('signing in to Dataverse from the Dataverse screen in Chromium', () => {
  let browser: Browser;
  let renderer: { url: string; close: () => Promise<void> };
  let double: RunningDouble;
  let idp: RunningIdentityProvider;
  let untrust: () => void;
  let vaultDir: string;

  beforeAll(async () => {
    // The double checks every token with the OpenID Connect provider started after it.
    let verify: (token: string) => Promise<boolean> = async () => false;
    double = await startDataverseDouble(demoOrganization(), { verifyToken: (t) => verify(t) });
    idp = await startIdentityProvider({ audience: double.url });
    verify = (t) => idp.verify(t);
    untrust = trustCertificate(idp.certificate);
    await buildRenderer();
    renderer = await serveRenderer();
    browser = await launchChromium();
    vaultDir = mkdtempSync(join(tmpdir(), 'roleatlas-e2e-dataverse-signin-'));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await renderer?.close();
    untrust?.();
    await idp?.close();
    await double?.close();
    if (vaultDir) rmSync(vaultDir, { recursive: true, force: true });
  });

  it('signs in through the system browser with the saved client id and authority (after cancelling a first try), pulls with that sign-in, and signs out', async () => {
    const desktop = new ScriptedDesktop();
    const { page, session, workspace } = await openApp(browser, renderer.url, null, { vaultDir: join(vaultDir, 'vault'), staging: true, desktop });
    await createVaultOnFirstRun(page);
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: /^Dataverse/ }).click();
    await page.getByText('nobody is signed in to this environment').waitFor();

    await page.getByLabel('Environment URL').fill(double.url);
    await page.getByLabel(/Application \(client\) id/).fill(idp.clientId);
    await page.getByLabel(/Sign-in authority/).fill(idp.authority);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved in the vault.').waitFor();

    // A first try the admin leaves in the browser, then cancels here: the screen is back to Sign in, with no error.
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('button', { name: 'Signing in… finish in your browser' }).waitFor({ timeout: 30_000 });
    await expect.poll(() => desktop.external.length, { timeout: 30_000 }).toBe(1);
    await page.emulateMedia({ colorScheme: 'light' });
    await page.screenshot({ path: join(SCREENSHOTS, 'dataverse-signing-in.png') });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(SCREENSHOTS, 'dataverse-signing-in-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    await expect(page.getByRole('alert').count()).resolves.toBe(0);
    await page.getByText('nobody is signed in to this environment').waitFor();

    // The system browser, played as the admin would: the provider's sign-in and consent pages, then back to the loopback.
    desktop.onExternal = (url) => void finishInBrowser(url);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByText(TEST_ACCOUNT.username).waitFor({ timeout: 30_000 });
    expect(new URL(desktop.external[1]).searchParams.get('client_id')).toBe(idp.clientId);

    await page.getByRole('button', { name: 'Pull', exact: true }).click();
    await page.getByRole('status', { name: 'Pull progress' }).getByText(/^Imported Dataverse environment/).waitFor({ timeout: 30_000 });
    expect(session.current.systemusers.size).toBe(40);
    await page.emulateMedia({ colorScheme: 'light' });
    await page.screenshot({ path: join(SCREENSHOTS, 'dataverse-signed-in.png') });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(SCREENSHOTS, 'dataverse-signed-in-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });

    // An hour later the tenant demands a second factor: the pull says so, and the screen asks to sign in again, keeping the settings.
    expireAccessTokens((workspace as Workspace).vaults.use());
    idp.requireMfa(true);
    try {
      await page.getByRole('button', { name: 'Pull', exact: true }).click();
      await page.getByRole('status', { name: 'Pull progress' }).getByText(/the organization requires signing in to http:\/\/127\.0\.0\.1:\d+ again \(interaction_required: AADSTS50076: .*\)\. The vault is unchanged\./).waitFor({ timeout: 30_000 });
      await page.getByLabel('Sign-in required').waitFor();
      await page.getByText('sign-in expired').waitFor();
      expect(await page.getByLabel('Environment URL').inputValue()).toBe(double.url);
      await page.emulateMedia({ colorScheme: 'light' });
      await page.screenshot({ path: join(SCREENSHOTS, 'dataverse-sign-in-required.png') });
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.screenshot({ path: join(SCREENSHOTS, 'dataverse-sign-in-required-dark.png') });
      await page.emulateMedia({ colorScheme: 'light' });
      await page.getByRole('button', { name: 'Sign in again' }).click();
      await page.getByLabel('Sign-in required').waitFor({ state: 'detached', timeout: 30_000 });
      expect(await page.getByText('sign-in expired').count()).toBe(0);
      expect(JSON.parse(new URL(desktop.external[2]).searchParams.get('claims')!)).toMatchObject(JSON.parse(idp.mfaClaims) as object);
      await page.getByRole('button', { name: 'Pull', exact: true }).click();
      await page.getByRole('status', { name: 'Pull progress' }).getByText(/^Pulled the changes of Dataverse environment/).waitFor({ timeout: 30_000 });
    } finally {
      idp.requireMfa(false);
    }

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('nobody is signed in to this environment').waitFor();
    await page.getByRole('button', { name: 'Pull', exact: true }).click();
    await page.getByRole('status', { name: 'Pull progress' }).getByText(/nobody is signed in to Dataverse; sign in to http:\/\/127\.0\.0\.1:\d+ first\. The vault is unchanged\./).waitFor({ timeout: 30_000 });
    await page.context().close();
  });
});

/** The admin in the browser: signs in, consents, and the provider's form_post page goes to the loopback. */
async function finishInBrowser(url: string): Promise<void> {
  const b = new SignInBrowser();
  let page = await b.open(url);
  for (let step = 0; step < 8; step++) {
    if (/name="?password/.test(page.html)) page = await b.submit(page, { username: TEST_ACCOUNT.username, password: TEST_ACCOUNT.password });
    else if (/Permissions requested/.test(page.html)) page = await b.submit(page);
    else if (/http:\/\/localhost:\d+/.test(page.html) && /name="?code/.test(page.html)) {
      await b.submit(page);
      return;
    } else throw new Error(`unexpected page in the sign-in: ${page.html.slice(0, 800)}`);
  }
  throw new Error('the sign-in did not reach the redirect');
}
