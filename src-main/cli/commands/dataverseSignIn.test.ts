/**
 * roleatlas dataverse login, logout, and pull/push/status on the vault's sign-in, against a real
 * OpenID Connect provider on loopback (test/dataverse/double/identity.ts) and the Dataverse double
 * checking its tokens. The test plays the admin at the browser with the code the command prints.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoOrganization } from '../../core/generate/demo';
import { startDataverseDouble, type RunningDouble } from '../../../test/dataverse/double/app';
import { Browser } from '../../../test/dataverse/double/browser';
import { startIdentityProvider, TEST_ACCOUNT, type RunningIdentityProvider } from '../../../test/dataverse/double/identity';
import { trustCertificate } from '../../../test/dataverse/double/trust';
import { Vault } from '../../vault/vault';
import { CliError } from '../errors';
import { runCommand } from '../testing/runCommand';
import { dataverse } from './dataverse';

const PASS = 'a long vault passphrase';
const BIN = fileURLToPath(new URL('../../../bin/roleatlas.mjs', import.meta.url));
let dir: string;
let idp: RunningIdentityProvider;
let double: RunningDouble;
let untrust: () => void;
let caFile: string;
const org = demoOrganization();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roleatlas-dataverse-login-'));
  let verify: (token: string) => Promise<boolean> = async () => false;
  double = await startDataverseDouble(org, { verifyToken: (t) => verify(t) });
  // Access tokens of 60 s: msal renews a token within 5 minutes of its expiry, so every later run renews with the refresh token.
  idp = await startIdentityProvider({ audience: double.url, accessTokenTtl: 60, deviceInterval: 1 });
  verify = (t) => idp.verify(t);
  untrust = trustCertificate(idp.certificate);
  caFile = join(dir, 'idp.pem');
  writeFileSync(caFile, idp.certificate);
  process.env.DV_PASS = PASS;
});
afterAll(async () => {
  untrust();
  await idp.close();
  await double.close();
  rmSync(dir, { recursive: true, force: true });
  delete process.env.DV_PASS;
});

async function newVault(name: string): Promise<string> {
  const path = join(dir, name);
  (await Vault.create(path, PASS, { actor: name, kdf: { N: 1024, r: 8, p: 1 } })).lock();
  return path;
}
const vaultArgs = (path: string) => ['--vault', path, '--passphrase-env', 'DV_PASS'];
const roleatlas = (...args: string[]) => runCommand(dataverse, args);

/** Runs `dataverse login` as the admin would: reads the page and code from stderr and finishes in the browser. */
async function login(path: string, ...extra: string[]): Promise<{ code: number; stdout: string; stderr: string; page: string | null }> {
  return loginWith(path, async () => {}, ...extra);
}

/** `dataverse login`, doing `atBrowser` while the admin is at the browser (before the code is entered). */
async function loginWith(path: string, atBrowser: () => Promise<void>, ...extra: string[]): Promise<{ code: number; stdout: string; stderr: string; page: string | null }> {
  let stdout = '';
  let stderr = '';
  let browsing = null as Promise<string> | null; // set by the output listener, which the checker cannot follow
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    const m = /open the page (\S+) and enter the code (\S+) /.exec(stderr);
    if (m && !browsing) browsing = atBrowser().then(() => enterCode(m[1], m[2]));
    return true;
  });
  try {
    await dataverse.run(['login', ...vaultArgs(path), '--env', double.url, '--client-id', idp.clientId, '--authority', idp.authority, ...extra]);
    return { code: 0, stdout, stderr, page: browsing ? await browsing : null };
  } catch (e) {
    if (e instanceof CliError) return { code: e.exitCode, stdout, stderr: `${stderr}${e.message}`, page: browsing ? await browsing : null };
    throw e;
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

async function enterCode(url: string, code: string): Promise<string> {
  const browser = new Browser();
  let page = await browser.open(url);
  for (let step = 0; step < 8; step++) {
    if (!/<form/i.test(page.html)) return page.html;
    if (/name="?user_code/.test(page.html)) page = await browser.submit(page, { user_code: code });
    else if (/name="?password/.test(page.html)) page = await browser.submit(page, { username: TEST_ACCOUNT.username, password: TEST_ACCOUNT.password });
    else page = await browser.submit(page);
  }
  throw new Error(`the device sign-in did not finish: ${page.html.slice(0, 500)}`);
}

/** roleatlas as its own process, trusting the provider's certificate as the admin's computer trusts Entra's. */
function roleatlasProcess(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'dataverse', ...args], { env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('roleatlas dataverse login', () => {
  it('signs in with the device code it prints, and then pull needs no --token-env', async () => {
    const path = await newVault('signed-in');
    const r = await login(path);
    expect(r.stderr).toMatch(/To sign in, use a web browser to open the page https:\/\/127\.0\.0\.1:\d+\/devicelogin and enter the code [A-Z]{4}-[A-Z]{4} to authenticate\./);
    expect(r.page).toContain('You have signed in');
    expect(r).toMatchObject({ code: 0, stdout: `Signed in to ${double.url} as ${TEST_ACCOUNT.username} (${TEST_ACCOUNT.name}); the tokens are kept in ${path}, encrypted with the vault\n` });

    const pulled = await roleatlas('pull', ...vaultArgs(path), '--env', double.url, '--json');
    expect(pulled.code).toBe(0);
    expect(JSON.parse(pulled.stdout)).toMatchObject({ env: double.url, systemusers: org.systemusers.size });
    const status = await roleatlas('status', ...vaultArgs(path));
    expect(status.stdout).toContain(`Signed in to ${double.url} as ${TEST_ACCOUNT.username} (${TEST_ACCOUNT.name}), client id ${idp.clientId}, through ${idp.authority}`);
    const json = JSON.parse((await roleatlas('status', ...vaultArgs(path), '--json')).stdout);
    expect(json.signedin).toEqual({ env: double.url, username: TEST_ACCOUNT.username, name: TEST_ACCOUNT.name, clientid: idp.clientId, authority: idp.authority, signinrequired: null });
  });

  it('pushes a staged change with the vault\'s sign-in, and the environment holds it', async () => {
    const path = await newVault('pushing');
    expect((await login(path)).code).toBe(0);
    expect((await roleatlas('pull', ...vaultArgs(path), '--env', double.url)).code).toBe(0);
    const kendall = [...org.systemusers.values()].find((u) => u.fullname === 'Kendall Events')!;
    const basic = [...org.roles.values()].find((r) => r.name === 'Basic User')!;
    const v = await Vault.open(path, { passphrase: PASS }, { actor: 'test' });
    try {
      expect(v.setStaged([{ type: 'assignRole', systemuserid: kendall.systemuserid, roleid: basic.roleid }]).ok).toBe(true);
    } finally {
      v.lock();
    }
    const r = await roleatlas('push', ...vaultArgs(path), '--env', double.url);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Pushed: 1 request\(s\) in 1 change set\(s\)/);
    expect(double.env.log.some((l) => l.method === 'POST' && l.path.includes('systemuserroles_association'))).toBe(true);
  });

  it('holds no writer lock while the admin is at the browser, so the app can use the vault meanwhile', async () => {
    const path = await newVault('shared');
    let appOpened = false;
    const r = await loginWith(path, async () => {
      const app = await Vault.open(path, { passphrase: PASS }, { actor: 'the app', access: 'write', lockWaitMs: 0 });
      appOpened = true;
      app.lock();
    });
    expect(appOpened).toBe(true);
    expect(r.code).toBe(0);
    expect(await signInCache(path)).toContain('RefreshToken');
  });

  it('says the passphrase is wrong before sending the admin to the browser', async () => {
    const path = await newVault('wrong-pass');
    process.env.DV_WRONG = 'not the passphrase at all';
    try {
      const r = await login(path, '--passphrase-env', 'DV_WRONG');
      expect(r.code).toBe(1);
      expect(r.stderr).not.toContain('devicelogin');
      expect(r.stderr).toMatch(/passphrase/i);
    } finally {
      delete process.env.DV_WRONG;
    }
  });

  it('lets a second process renew the expired access token with the refresh token kept in the vault, without the admin', async () => {
    const path = await newVault('renewed');
    expect((await login(path)).code).toBe(0);
    const before = idp.issued.refreshGrants;
    const cacheBefore = await signInCache(path);
    const r = await roleatlasProcess('pull', ...vaultArgs(path), '--env', double.url, '--json');
    expect(r.stderr).not.toMatch(/devicelogin/);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ env: double.url, systemusers: org.systemusers.size });
    expect(idp.issued.refreshGrants).toBeGreaterThan(before);
    // The renewed access token went back into the vault for the next run.
    const cacheAfter = await signInCache(path);
    expect(accessTokenOf(cacheAfter)).not.toBe(accessTokenOf(cacheBefore));
  }, 60_000);

  it('asks to sign in again when the refresh token kept in the vault is no longer accepted, before reading anything', async () => {
    const path = await newVault('revoked');
    expect((await login(path)).code).toBe(0);
    // As after Entra revokes the user's refresh tokens (a password reset, an admin's revocation).
    const v = await Vault.open(path, { passphrase: PASS }, { actor: 'test' });
    try {
      const record = v.getSyncState().dataversesignin!;
      const cache = JSON.parse(record.cache) as { RefreshToken: Record<string, { secret: string }> };
      for (const rt of Object.values(cache.RefreshToken)) rt.secret = 'a refresh token the provider no longer knows';
      expect(v.setSyncState({ dataversesignin: { ...record, cache: JSON.stringify(cache) } }).ok).toBe(true);
    } finally {
      v.lock();
    }
    const requests = double.env.log.length;
    const r = await roleatlas('pull', ...vaultArgs(path), '--env', double.url);
    expect(r).toMatchObject({ code: 1, stderr: expect.stringMatching(new RegExp(`^roleatlas dataverse pull: the sign-in to ${double.url.replace(/[.]/g, '\\.')} has expired or was revoked \\(invalid_grant.*\\); sign in again; roleatlas dataverse login --vault .* signs in`)) });
    expect(double.env.log.length).toBe(requests);
  });

  it('says the organization requires signing in again when Entra demands multi-factor authentication, reads nothing, and the next login passes the claims on', async () => {
    const path = await newVault('mfa');
    expect((await login(path)).code).toBe(0);
    // The tenant turns on a Conditional Access policy demanding a second factor; access tokens last 60 s here, so the pull renews.
    idp.requireMfa(true);
    try {
      const requests = double.env.log.length;
      const r = await roleatlas('pull', ...vaultArgs(path), '--env', double.url);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^roleatlas dataverse pull: the organization requires signing in to ${double.url.replace(/[.]/g, '\\.')} again \\(interaction_required: AADSTS50076: .*multi-factor authentication.*\\); nothing was read or sent\\. Run roleatlas dataverse login --vault ${path.replace(/[.]/g, '\\.')} --env ${double.url.replace(/[.]/g, '\\.')} to sign in again`));
      expect(double.env.log.length).toBe(requests);
      const status = JSON.parse((await roleatlas('status', ...vaultArgs(path), '--json')).stdout) as { signedin: { username: string; signinrequired: string } };
      expect(status.signedin).toMatchObject({ username: TEST_ACCOUNT.username, signinrequired: expect.stringMatching(/^the organization requires signing in/) });

      const seen = idp.claimsRequested.length;
      expect((await login(path)).code).toBe(0);
      expect(idp.claimsRequested.slice(seen).map((c) => JSON.parse(c) as unknown)).toContainEqual(expect.objectContaining(JSON.parse(idp.mfaClaims)));
      const again = await roleatlas('pull', ...vaultArgs(path), '--env', double.url, '--json');
      expect(again.code).toBe(0);
      expect(JSON.parse((await roleatlas('status', ...vaultArgs(path), '--json')).stdout)).toMatchObject({ signedin: { signinrequired: null } });
    } finally {
      idp.requireMfa(false);
    }
  }, 60_000);

  it('keeps the tokens only inside the encrypted vault: no file of the vault holds the refresh token in clear', async () => {
    const path = await newVault('sealed');
    expect((await login(path)).code).toBe(0);
    const refresh = Object.values((JSON.parse(await signInCache(path)) as { RefreshToken: Record<string, { secret: string }> }).RefreshToken)[0].secret;
    expect(refresh.length).toBeGreaterThan(20);
    const files = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? files(join(d, f)) : [join(d, f)]));
    for (const f of files(path)) expect(readFileSync(f).includes(refresh), f).toBe(false);
  });

  it('says to sign in first when nobody is signed in and no --token-env is given, before reading anything', async () => {
    const path = await newVault('nobody');
    const r = await roleatlas('pull', ...vaultArgs(path), '--env', double.url);
    expect(r).toMatchObject({ code: 1, stderr: `roleatlas dataverse pull: nobody is signed in to Dataverse in ${path}; roleatlas dataverse login --vault ${path} --env ${double.url} signs in (or give --token-env NAME)` });
    expect((await roleatlas('status', ...vaultArgs(path))).stdout).toContain('Not signed in to Dataverse');
  });

  it('forgets the sign-in on logout, and pull then asks to sign in', async () => {
    const path = await newVault('logged-out');
    expect((await login(path)).code).toBe(0);
    expect(await roleatlas('logout', ...vaultArgs(path))).toMatchObject({ code: 0, stdout: `Signed out of ${double.url} (${TEST_ACCOUNT.username}); the tokens were removed from ${path}\n` });
    expect(await signInCacheOrNull(path)).toBeNull();
    expect(await roleatlas('pull', ...vaultArgs(path), '--env', double.url)).toMatchObject({ code: 1, stderr: expect.stringContaining('nobody is signed in to Dataverse') });
    expect((await roleatlas('logout', ...vaultArgs(path))).stdout).toBe(`Nobody was signed in to Dataverse in ${path}\n`);
  });

  it('refuses to use a sign-in kept for another environment', async () => {
    const path = await newVault('elsewhere');
    expect((await login(path)).code).toBe(0);
    const r = await roleatlas('pull', ...vaultArgs(path), '--env', 'https://contoso.crm.dynamics.com');
    expect(r).toMatchObject({ code: 1, stderr: expect.stringContaining(`${path} is signed in to ${double.url}, not https://contoso.crm.dynamics.com`) });
  });

  it("shows the identity provider's refusal of a client id it does not know, and keeps nothing", async () => {
    const path = await newVault('wrong-client');
    const r = await login(path, '--client-id', '00000000-1111-2222-3333-444444444444');
    expect(r).toMatchObject({ code: 1, stderr: expect.stringMatching(new RegExp(`refused the sign-in for client id 00000000-1111-2222-3333-444444444444: .*invalid_client`)) });
    expect(r.stderr).not.toMatch(/To sign in|undefined/);
    expect(await signInCacheOrNull(path)).toBeNull();
  });

  it('says it cannot reach an authority nobody answers at', async () => {
    const path = await newVault('unreachable');
    const r = await login(path, '--authority', 'https://127.0.0.1:9');
    expect(r).toMatchObject({ code: 1, stderr: expect.stringContaining('cannot reach the sign-in authority https://127.0.0.1:9') });
  });

  it('names the bad argument: a client id that is not a GUID, an authority that is not https, a missing --env', async () => {
    const path = await newVault('bad-args');
    expect(await roleatlas('login', ...vaultArgs(path), '--env', double.url, '--client-id', 'my-app')).toMatchObject({ code: 2, stderr: expect.stringContaining('the client id must be an application (client) id, a GUID') });
    expect(await roleatlas('login', ...vaultArgs(path), '--env', double.url, '--authority', 'http://login.example.com/tenant')).toMatchObject({ code: 2, stderr: expect.stringContaining('the authority must start with https://') });
    expect(await roleatlas('login', ...vaultArgs(path))).toMatchObject({ code: 2, stderr: expect.stringContaining('--env is required') });
    expect(await roleatlas('login', ...vaultArgs(path), '--env', 'contoso')).toMatchObject({ code: 2, stderr: expect.stringContaining('is not a URL') });
    expect(await roleatlas('logout', ...vaultArgs(path), '--env', double.url)).toMatchObject({ code: 2, stderr: expect.stringContaining("'--env'") });
  });
});

async function signInCacheOrNull(path: string): Promise<string | null> {
  const v = await Vault.open(path, { passphrase: PASS }, { actor: 'test', access: 'read' });
  try {
    return v.getSyncState().dataversesignin?.cache ?? null;
  } finally {
    v.lock();
  }
}
async function signInCache(path: string): Promise<string> {
  const c = await signInCacheOrNull(path);
  if (c === null) throw new Error(`${path} holds no sign-in`);
  return c;
}
const accessTokenOf = (cache: string) => Object.values((JSON.parse(cache) as { AccessToken: Record<string, { secret: string }> }).AccessToken)[0]?.secret;
