/**
 * The app's Dataverse sign-in through window.api's path (dispatch → handler → service), against a
 * real OpenID Connect provider on loopback and the Dataverse double checking its tokens: the
 * system browser is played by the test, as the admin would use it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoOrganization } from '../core/generate/demo';
import { newOrganization } from '../core/model/org';
import { Connection } from '../dataverse/connection';
import { pullEnvironment } from '../dataverse/pull';
import { createDispatch, type Dispatch } from '../ipc/dispatch';
import { handlersFor, vaultServices } from '../ipc/register';
import type { Services } from '../ipc/services';
import { startDataverseDouble, type RunningDouble } from '../../test/dataverse/double/app';
import { Browser, type Page } from '../../test/dataverse/double/browser';
import { startIdentityProvider, TEST_ACCOUNT, type RunningIdentityProvider } from '../../test/dataverse/double/identity';
import { trustCertificate } from '../../test/dataverse/double/trust';
import { expireAccessTokens } from '../../test/dataverse/double/expireTokens';
import { ScriptedDesktop } from './desktop';
import { OrgSession } from './orgSession';
import { Workspace } from './workspace';

const PASS = 'a long vault passphrase';
let dir: string;
let idp: RunningIdentityProvider;
let double: RunningDouble;
let untrust: () => void;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roleatlas-dataverse-signin-'));
  // The double's port is known once it listens; its tokens are checked against the provider started after it.
  let verify: (token: string) => Promise<boolean> = async () => false;
  double = await startDataverseDouble(demoOrganization(), { verifyToken: (t) => verify(t) });
  idp = await startIdentityProvider({ audience: double.url });
  verify = (t) => idp.verify(t);
  untrust = trustCertificate(idp.certificate);
});
afterAll(async () => {
  untrust();
  await idp.close();
  await double.close();
  rmSync(dir, { recursive: true, force: true });
});

interface App {
  readonly services: Services;
  readonly workspace: Workspace;
  readonly desktop: ScriptedDesktop;
  readonly call: Dispatch;
}

let vaults = 0;
async function app(options: { browserTimeoutMs?: number } = {}): Promise<App> {
  const session = new OrgSession(newOrganization({ name: 'none', rootbusinessunitid: 'none', defaultteamid: 'none-team' }));
  const workspace = new Workspace({ dir: join(dir, `vault-${++vaults}`), actor: 'tester', session, kdf: { N: 1024, r: 8, p: 1 } });
  const desktop = new ScriptedDesktop();
  const services = vaultServices(session, workspace, desktop, options);
  expect((await workspace.create(PASS, { kind: 'demo' })).ok).toBe(true);
  return { services, workspace, desktop, call: createDispatch(handlersFor(services)) };
}

/** The admin in the browser: signs in, consents, and the provider's form_post page goes to the loopback. Returns the last page shown. */
async function finishInBrowser(url: string, beforeRedirect?: (redirect: Page) => Promise<void>): Promise<Page> {
  const browser = new Browser();
  let page = await browser.open(url);
  for (let step = 0; step < 8; step++) {
    if (/name="?password/.test(page.html)) page = await browser.submit(page, { username: TEST_ACCOUNT.username, password: TEST_ACCOUNT.password });
    else if (/Permissions requested/.test(page.html)) page = await browser.submit(page);
    else if (/http:\/\/localhost:\d+/.test(page.html) && /name="?code/.test(page.html)) {
      await beforeRedirect?.(page);
      return browser.submit(page);
    } else throw new Error(`unexpected page in the sign-in: ${page.html.slice(0, 800)}`);
  }
  throw new Error('the sign-in did not reach the redirect');
}

const signInRequest = () => ({ env: double.url, clientId: idp.clientId, authority: idp.authority });

/** dataverse:pull of the settings' environment, polled until it ends. */
async function pullToEnd(a: App): Promise<unknown> {
  let job = await a.call('dataverse:pull', {});
  if (!job.ok) return job;
  while (job.ok && (job.value as { state: string }).state === 'running') {
    await new Promise((r) => setTimeout(r, 10));
    job = await a.call('dataverse:pullProgress', { jobid: (job.value as { jobid: string }).jobid });
  }
  return job.ok ? job.value : job;
}

describe('signing in to Dataverse from the app', () => {
  it('opens the sign-in page in the system browser and resolves with the account once the admin has finished there', async () => {
    const a = await app();
    let last: Promise<Page> | null = null;
    a.desktop.onExternal = (url) => {
      last = finishInBrowser(url);
    };
    const r = await a.call('dataverse:signIn', signInRequest());
    expect(r).toEqual({ ok: true, value: { available: true, account: { username: TEST_ACCOUNT.username, name: TEST_ACCOUNT.name, env: double.url, clientId: idp.clientId, authority: idp.authority, signInRequired: null } } });
    const opened = new URL(a.desktop.external[0]);
    expect(`${opened.origin}${opened.pathname}`).toBe(`${idp.authority}/oauth2/v2.0/authorize`);
    expect(opened.searchParams.get('code_challenge_method')).toBe('S256');
    expect(opened.searchParams.get('redirect_uri')).toMatch(/^http:\/\/localhost:\d+$/);
    expect((await last!).html).toContain('You can close this tab and go back to RoleAtlas');
    expect(await a.call('dataverse:account', {})).toEqual(r);
  });

  it('gives pull an access token the environment accepts, without asking the admin again', async () => {
    const a = await app();
    a.desktop.onExternal = (url) => void finishInBrowser(url);
    await a.call('dataverse:signIn', signInRequest());
    const pulled = await pullEnvironment(new Connection({ url: double.url, token: () => a.services.dataverse.token(double.url) }));
    expect(pulled.state.systemusers.size).toBe(demoOrganization().systemusers.size);
    expect(a.desktop.external).toHaveLength(1);
  });

  it('says the organization requires signing in again when Entra demands multi-factor authentication, keeps the settings, and the next sign-in passes the claims on', async () => {
    const a = await app();
    a.desktop.onExternal = (url) => void finishInBrowser(url);
    await a.call('dataverse:signIn', signInRequest());
    expect((await a.call('dataverse:setSettings', { env: double.url, clientid: idp.clientId, authority: idp.authority })).ok).toBe(true);
    expect(await pullToEnd(a)).toMatchObject({ state: 'done' });
    const sales = [...a.services.session.current.roles.values()].find((r) => r.name === 'Salesperson')!;
    expect((await a.call('staging:stage', { commands: [{ type: 'setRolePrivilege', roleid: sales.roleid, privilege: 'prvDeleteAccount', depth: 'Local' }] })).ok).toBe(true);
    // An hour later the access token has expired, and the tenant now demands a second factor.
    expireAccessTokens(a.workspace.vaults.use());
    idp.requireMfa(true);
    try {
      // A privilege change is planned from what the pull kept, without a request; sending it needs a token, and none is sent.
      const requests = double.env.log.length;
      const plan = await a.call('dataverse:pushPlan', {});
      if (!plan.ok) throw new Error(plan.error.message);
      const pushed = await a.call('dataverse:push', { planid: (plan.value as { planid: string }).planid });
      expect(pushed).toMatchObject({ ok: true, value: { outcome: 'refused', sent: 0, staged: 1, changeSets: [{ state: 'refused', message: expect.stringMatching(/the organization requires signing in to .* again \(interaction_required: AADSTS50076.*; change set 1 of 1 \(commands 1–1\) applied nothing/) }] } });
      expect(double.env.log.length).toBe(requests);
      const audit = a.workspace.vaults.use().audit().length;
      const failed = await pullToEnd(a);
      expect(failed).toMatchObject({ state: 'failed', error: expect.stringMatching(new RegExp(`^pulling ${double.url.replace(/[.]/g, '\\.')}: the organization requires signing in to .* again \\(interaction_required: AADSTS50076: .*multi-factor authentication.*\\)\\. The vault is unchanged\\.$`)) });
      expect(a.workspace.vaults.use().audit().length).toBe(audit);
      const status = await a.call('dataverse:status', {});
      expect(status).toMatchObject({ ok: true, value: { account: TEST_ACCOUNT.username, signInRequired: expect.stringMatching(/^the organization requires signing in/), settings: { env: double.url, clientid: idp.clientId, authority: idp.authority } } });

      expect((await a.call('dataverse:signIn', signInRequest())).ok).toBe(true);
      const claims = new URL(a.desktop.external[1]).searchParams.get('claims');
      expect(JSON.parse(claims!)).toMatchObject(JSON.parse(idp.mfaClaims) as object);
      expect(await a.call('dataverse:status', {})).toMatchObject({ ok: true, value: { signInRequired: null } });
      expireAccessTokens(a.workspace.vaults.use());
      expect(await pullToEnd(a)).toMatchObject({ state: 'done', error: null });
    } finally {
      idp.requireMfa(false);
    }
  });

  it('refuses an answer on the loopback whose state was forged, and signs in with the real one', async () => {
    const a = await app();
    let forged: number | null = null;
    a.desktop.onExternal = (url) =>
      void finishInBrowser(url, async (redirect) => {
        const loopback = /action="(http:\/\/localhost:\d+[^"]*)"/.exec(redirect.html)![1];
        const res = await fetch(loopback, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ code: 'a code from elsewhere', state: 'forged' }).toString() });
        forged = res.status;
      });
    const r = await a.call('dataverse:signIn', signInRequest());
    expect(forged).toBe(400);
    expect(r).toMatchObject({ ok: true, value: { account: { username: TEST_ACCOUNT.username } } });
  });

  it('has no token while the vault is locked, and takes it from the vault again once unlocked, without the browser', async () => {
    const a = await app();
    a.desktop.onExternal = (url) => void finishInBrowser(url);
    await a.call('dataverse:signIn', signInRequest());
    a.workspace.lock();
    await expect(a.services.dataverse.token(double.url)).rejects.toMatchObject({ code: 'locked', message: expect.stringMatching(/vault is locked: unlock it/) });
    expect(await a.call('dataverse:account', {})).toMatchObject({ ok: false, error: { code: 'locked' } });
    expect((await a.workspace.unlock({ passphrase: PASS })).ok).toBe(true);
    expect(await idp.verify(await a.services.dataverse.token(double.url))).toBe(true);
    expect(a.desktop.external).toHaveLength(1);
  });

  it('forgets the tokens on sign-out, and then asks to sign in', async () => {
    const a = await app();
    a.desktop.onExternal = (url) => void finishInBrowser(url);
    await a.call('dataverse:signIn', signInRequest());
    expect(await a.call('dataverse:signOut', {})).toEqual({ ok: true, value: { available: true, account: null } });
    expect(a.workspace.vaults.use().getSyncState().dataversesignin).toBeUndefined();
    await expect(a.services.dataverse.token(double.url)).rejects.toMatchObject({ code: 'sign-in-required' });
  });

  it('gives up a browser sign-in the admin never finishes, says so, and closes the loopback port', async () => {
    const a = await app({ browserTimeoutMs: 300 });
    const r = await a.call('dataverse:signIn', signInRequest());
    expect(r).toMatchObject({ ok: false, error: { code: 'refused', message: expect.stringContaining('was not finished in the browser within 0.3 s') } });
    const loopback = new URL(a.desktop.external[0]).searchParams.get('redirect_uri')!;
    await expect(fetch(loopback)).rejects.toThrow();
    expect(await a.call('dataverse:account', {})).toEqual({ ok: true, value: { available: true, account: null } });
  });

  it('cancels a browser sign-in the admin gave up on: it says so, keeps nothing and closes the loopback port', async () => {
    const a = await app();
    expect(await a.call('dataverse:cancelSignIn', {})).toMatchObject({ ok: false, error: { code: 'nothing-to-cancel' } });
    const waiting = a.call('dataverse:signIn', signInRequest());
    await expect.poll(() => a.desktop.external.length).toBe(1);
    expect(await a.call('dataverse:cancelSignIn', {})).toEqual({ ok: true, value: { available: true, account: null } });
    expect(await waiting).toMatchObject({ ok: false, error: { code: 'cancelled', message: expect.stringContaining('was cancelled; nothing was kept') } });
    const loopback = new URL(a.desktop.external[0]).searchParams.get('redirect_uri')!;
    await expect(fetch(loopback)).rejects.toThrow();
    expect(await a.call('dataverse:account', {})).toEqual({ ok: true, value: { available: true, account: null } });
    // Signing in again works: the cancelled one no longer counts as waiting.
    a.desktop.onExternal = (url) => void finishInBrowser(url);
    expect(await a.call('dataverse:signIn', signInRequest())).toMatchObject({ ok: true, value: { account: { username: TEST_ACCOUNT.username } } });
  });

  it('refuses to sign in while the vault is locked, before opening the browser', async () => {
    const a = await app();
    a.workspace.lock();
    expect(await a.call('dataverse:signIn', signInRequest())).toMatchObject({ ok: false, error: { code: 'locked', message: expect.stringContaining('unlock it') } });
    expect(a.desktop.external).toEqual([]);
  });

  it('refuses a second sign-in while the first is still waiting in the browser', async () => {
    const a = await app();
    let finish: (() => void) | null = null;
    a.desktop.onExternal = (url) => {
      finish = () => void finishInBrowser(url);
    };
    const first = a.call('dataverse:signIn', signInRequest());
    await expect.poll(() => a.desktop.external.length).toBe(1);
    expect(await a.call('dataverse:signIn', signInRequest())).toMatchObject({ ok: false, error: { code: 'busy', message: expect.stringContaining('already waiting in the browser') } });
    finish!();
    expect(await first).toMatchObject({ ok: true, value: { account: { username: TEST_ACCOUNT.username } } });
    expect(a.desktop.external).toHaveLength(1);
  });

  it('says it cannot reach an authority nobody answers at, without opening the browser', async () => {
    const a = await app();
    const r = await a.call('dataverse:signIn', { env: double.url, clientId: idp.clientId, authority: 'https://127.0.0.1:9' });
    expect(r).toMatchObject({ ok: false, error: { code: 'unreachable', message: expect.stringContaining('cannot reach the sign-in authority https://127.0.0.1:9') } });
    expect(a.desktop.external).toEqual([]);
  });

  it('refuses a request whose environment is not a URL, naming the field', async () => {
    const a = await app();
    const r = await a.call('dataverse:signIn', { env: 'contoso', clientId: idp.clientId });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid-request', path: 'env' } });
    const c = await a.call('dataverse:signIn', { env: double.url, clientId: 'not-a-guid' });
    expect(c).toMatchObject({ ok: false, error: { code: 'invalid-request', path: 'clientId', message: expect.stringContaining('application (client) id') } });
  });
});
