/**
 * Signing in to Dataverse through a real OpenID Connect provider on loopback (test/dataverse/double/identity.ts),
 * with msal-node configured for it, and the token cache kept in a store like the vault's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentityProvider, TEST_ACCOUNT, type RunningIdentityProvider } from '../../../test/dataverse/double/identity';
import { Browser } from '../../../test/dataverse/double/browser';
import { trustCertificate } from '../../../test/dataverse/double/trust';
import type { DataverseSignInRecord } from '../../vault/syncState';
import { claimsFor, EntraSignIn, type DeviceCode } from './entraSignIn';
import { signInSettings } from './settings';
import type { SignInStore } from './vaultCache';

const ENV = 'http://127.0.0.1:5555';
let idp: RunningIdentityProvider;
let untrust: () => void;

beforeAll(async () => {
  idp = await startIdentityProvider({ audience: ENV, deviceInterval: 1 });
  untrust = trustCertificate(idp.certificate);
});
afterAll(async () => {
  untrust();
  await idp.close();
});

function memoryStore(): SignInStore & { record: DataverseSignInRecord | null } {
  const s = {
    record: null as DataverseSignInRecord | null,
    read: () => s.record,
    write: (r: DataverseSignInRecord | null) => {
      s.record = r;
    },
  };
  return s;
}

const settings = () => signInSettings({ env: ENV, clientId: idp.clientId, authority: idp.authority });

/** The admin at the device page: enters the code, confirms, signs in and consents, page after page. */
async function enterDeviceCode(code: DeviceCode): Promise<string> {
  const browser = new Browser();
  let page = await browser.open(code.verificationUri);
  for (let step = 0; step < 8; step++) {
    if (!/<form/i.test(page.html)) return page.html;
    if (/name="?user_code/.test(page.html)) page = await browser.submit(page, { user_code: code.userCode });
    else if (/name="?password/.test(page.html)) page = await browser.submit(page, { username: TEST_ACCOUNT.username, password: TEST_ACCOUNT.password });
    else page = await browser.submit(page);
  }
  throw new Error(`the device sign-in did not finish: ${page.html.slice(0, 500)}`);
}

describe('signing in to Dataverse', () => {
  it('signs in with a device code the admin enters in a browser, and the cache holds a token for the environment', async () => {
    const store = memoryStore();
    const signIn = new EntraSignIn(settings(), store);
    let shown: DeviceCode | null = null;
    let userDone = null as Promise<string> | null; // set by the device-code callback, which the checker cannot follow
    const account = await signIn.withDeviceCode((code) => {
      shown = code;
      userDone = enterDeviceCode(code);
    });
    expect(await userDone).toMatch(/success|signed in|continue/i);
    expect(shown!.verificationUri).toBe(`${idp.authority}/devicelogin`);
    expect(account).toEqual({ username: TEST_ACCOUNT.username, name: TEST_ACCOUNT.name });
    expect(store.record).toMatchObject({ env: ENV, username: TEST_ACCOUNT.username });
    const token = await new EntraSignIn(settings(), store).token();
    expect(await idp.verify(token)).toBe(true);
  });

  it('renews an expired access token with the refresh token, without the admin, and keeps the new one in the store', async () => {
    // Access tokens of 60 s: msal counts a token as expired 5 minutes before it is, so the next call renews.
    const shortLived = await startIdentityProvider({ audience: ENV, deviceInterval: 1, accessTokenTtl: 60 });
    const back = trustCertificate(shortLived.certificate);
    try {
      const store = memoryStore();
      const settings = signInSettings({ env: ENV, clientId: shortLived.clientId, authority: shortLived.authority });
      let userDone = null as Promise<string> | null; // set by the device-code callback, which the checker cannot follow
      await new EntraSignIn(settings, store).withDeviceCode((code) => {
        userDone = enterDeviceCode(code);
      });
      await userDone;
      const first = store.record!.cache;
      const token = await new EntraSignIn(settings, store).token();
      expect(shortLived.issued.refreshGrants).toBe(1);
      expect(await shortLived.verify(token)).toBe(true);
      expect(store.record!.cache).not.toBe(first);
      expect(store.record!.cache).toContain(token);
    } finally {
      back();
      await shortLived.close();
    }
  });

  it('says the organization requires signing in again when Entra answers the renewal interaction_required, keeps the claims, and the next sign-in passes them on', async () => {
    const strict = await startIdentityProvider({ audience: ENV, deviceInterval: 1, accessTokenTtl: 60 });
    const back = trustCertificate(strict.certificate);
    try {
      const store = memoryStore();
      const settings = signInSettings({ env: ENV, clientId: strict.clientId, authority: strict.authority });
      let userDone = null as Promise<string> | null; // set by the device-code callback, which the checker cannot follow
      await new EntraSignIn(settings, store).withDeviceCode((code) => {
        userDone = enterDeviceCode(code);
      });
      await userDone;
      const signedIn = store.record!;
      // The tenant turns on a Conditional Access policy demanding multi-factor authentication.
      strict.requireMfa(true);
      await expect(new EntraSignIn(settings, store).token()).rejects.toMatchObject({ code: 'interaction-required', message: expect.stringMatching(new RegExp(`^the organization requires signing in to ${ENV.replace(/[.]/g, '\\.')} again \\(interaction_required: AADSTS50076: Due to a configuration change made by your administrator, .* you must use multi-factor authentication`)) });
      expect(store.record).toMatchObject({ username: signedIn.username, cache: signedIn.cache, interaction: { claims: strict.mfaClaims } });
      // Asked again, it says so without asking Entra: only the admin can settle it.
      const grants = strict.claimsRequested.length;
      await expect(new EntraSignIn(settings, store).token()).rejects.toMatchObject({ code: 'interaction-required' });
      expect(strict.claimsRequested.length).toBe(grants);

      await new EntraSignIn(settings, store, { claims: claimsFor(store.record, settings) }).withDeviceCode((code) => {
        userDone = enterDeviceCode(code);
      });
      await userDone;
      // msal sends the challenge as the claims parameter (merged with the ID token claims it asks for).
      expect(strict.claimsRequested.map((c) => JSON.parse(c) as unknown)).toContainEqual(expect.objectContaining(JSON.parse(strict.mfaClaims)));
      expect(store.record!.interaction).toBeUndefined();
      const token = await new EntraSignIn(settings, store).token();
      expect(await strict.verify(token)).toBe(true);
    } finally {
      back();
      await strict.close();
    }
  });

  it('asks to sign in again when the cache holds no account', async () => {
    await expect(new EntraSignIn(settings(), memoryStore()).token()).rejects.toMatchObject({ code: 'sign-in-required', message: `nobody is signed in to ${ENV}; sign in first` });
  });

  it('never loads a cache made for another client id', async () => {
    const store = memoryStore();
    let userDone = null as Promise<string> | null; // set by the device-code callback, which the checker cannot follow
    await new EntraSignIn(settings(), store).withDeviceCode((code) => {
      userDone = enterDeviceCode(code);
    });
    await userDone;
    const other = signInSettings({ env: ENV, clientId: '00000000-1111-2222-3333-444444444444', authority: idp.authority });
    await expect(new EntraSignIn(other, store).token()).rejects.toMatchObject({ code: 'sign-in-required' });
  });
});
