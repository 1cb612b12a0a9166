/**
 * A sign-in to one Dataverse environment through msal-node's public client: the device code flow
 * (the command line), the authorization code flow with PKCE through the system browser and a
 * loopback redirect (the app), and silent renewal from the cache kept in the vault.
 */
import { AuthError, InteractionRequiredAuthError, PublicClientApplication, ServerError, type AccountInfo, type AuthenticationResult } from '@azure/msal-node';
import { isEntra, scopesFor, SignInError, type SignInSettings } from './settings';
import { vaultCachePlugin, type SignInStore } from './vaultCache';
import type { DataverseSignInRecord } from '../../vault/syncState';

export interface SignedIn {
  readonly username: string;
  readonly name: string | null;
}

export interface DeviceCode {
  /** Where to enter the code (https://microsoft.com/devicelogin with Entra ID). */
  readonly verificationUri: string;
  readonly userCode: string;
  /** The identity provider's own instruction, when it gives one. */
  readonly message: string | null;
}

export interface EntraSignInOptions {
  /** How long the browser sign-in may take before it is given up (5 minutes). */
  readonly browserTimeoutMs?: number;
  /** The claims challenge a refused renewal answered with (claimsFor), passed on by the interactive sign-in so the admin is asked what the organization demands. */
  readonly claims?: string | null;
}

const BROWSER_TIMEOUT_MS = 5 * 60_000;

const SUCCESS_PAGE = '<!doctype html><html><head><meta charset="utf-8"><title>RoleAtlas</title></head><body style="font-family:system-ui;margin:3em"><h1>Signed in</h1><p>RoleAtlas is signed in to Dataverse. You can close this tab and go back to RoleAtlas.</p></body></html>';
const ERROR_PAGE = '<!doctype html><html><head><meta charset="utf-8"><title>RoleAtlas</title></head><body style="font-family:system-ui;margin:3em"><h1>Sign-in did not finish</h1><p>Go back to RoleAtlas to see why, and try again.</p></body></html>';

export class EntraSignIn {
  private readonly app: PublicClientApplication;
  private readonly scopes: string[];
  private readonly browserTimeoutMs: number;
  private readonly claims: { claims?: string };

  constructor(
    readonly settings: SignInSettings,
    private readonly store: SignInStore,
    options: EntraSignInOptions = {},
  ) {
    this.browserTimeoutMs = options.browserTimeoutMs ?? BROWSER_TIMEOUT_MS;
    this.claims = options.claims ? { claims: options.claims } : {};
    const authority = new URL(settings.authority);
    const entra = isEntra(settings.authority);
    this.app = new PublicClientApplication({
      auth: {
        clientId: settings.clientId,
        authority: settings.authority,
        // Another OpenID Connect provider (a tenant's own, or the tests' on loopback) is named as known...
        ...(entra ? {} : { knownAuthorities: [authority.host] }),
      },
      cache: { cachePlugin: vaultCachePlugin(store, settings) },
      // ...and spoken to without Entra's extensions (msal-node 7 moved protocolMode under system).
      system: entra ? {} : { protocolMode: 'OIDC' },
    });
    this.scopes = scopesFor(settings.env);
  }

  /** Device code flow: `show` is told the page and the code; resolves once the admin has finished there. */
  async withDeviceCode(show: (code: DeviceCode) => void): Promise<SignedIn> {
    const r = await this.attempt(() =>
      this.app.acquireTokenByDeviceCode({
        scopes: this.scopes,
        ...this.claims,
        deviceCodeCallback: (d) => {
          // msal calls back even when the device code endpoint refused (a client id it does not know): there is then nothing to show, and the refusal follows.
          if (d.userCode && d.verificationUri) show({ verificationUri: d.verificationUri, userCode: d.userCode, message: d.message || null });
        },
      }),
    );
    return signedIn(r);
  }

  /** Authorization code flow with PKCE: `openBrowser` gets the sign-in page; msal answers the redirect on http://localhost:PORT and checks its state. */
  async withBrowser(openBrowser: (url: string) => Promise<void>): Promise<SignedIn> {
    let page: URL | null = null;
    let givenUp: 'timeout' | 'cancelled' | null = null;
    // An admin who closes the tab, or an identity provider that shows an error page (a client id it does not know), never comes back to the loopback:
    // after the timeout, or when the admin cancels, the sign-in answers its own loopback with an error, so msal ends the flow and closes the port.
    const giveUp = (why: 'timeout' | 'cancelled'): boolean => {
      const redirect = page?.searchParams.get('redirect_uri');
      const state = page?.searchParams.get('state');
      if (givenUp || !redirect || !state) return false;
      givenUp = why;
      void fetch(redirect, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ state, error: 'access_denied', error_description: why === 'timeout' ? 'not finished in the browser in time' : 'cancelled in RoleAtlas' }).toString() }).catch(() => {});
      return true;
    };
    this.cancelWaiting = () => giveUp('cancelled');
    const timer = setTimeout(() => giveUp('timeout'), this.browserTimeoutMs);
    try {
      const r = await this.attempt(() =>
        this.app.acquireTokenInteractive({
          scopes: this.scopes,
          ...this.claims,
          openBrowser: (url) => {
            page = new URL(url);
            return openBrowser(url);
          },
          successTemplate: SUCCESS_PAGE,
          errorTemplate: ERROR_PAGE,
        }),
      );
      return signedIn(r);
    } catch (e) {
      if (givenUp === 'timeout') throw new SignInError('refused', `the sign-in to ${this.settings.env} was not finished in the browser within ${this.browserTimeoutMs >= 60_000 ? `${this.browserTimeoutMs / 60_000} minute(s)` : `${this.browserTimeoutMs / 1000} s`}; sign in again`);
      if (givenUp === 'cancelled') throw new SignInError('cancelled', `the sign-in to ${this.settings.env} was cancelled; nothing was kept`);
      throw e;
    } finally {
      clearTimeout(timer);
      this.cancelWaiting = () => false;
    }
  }

  /** Ends a browser sign-in still waiting for the admin; false when none is (or its page is not open yet). */
  cancel(): boolean {
    return this.cancelWaiting();
  }

  private cancelWaiting: () => boolean = () => false;

  /** An access token for the environment: from the cache while it lasts, otherwise renewed with the refresh token, without the admin. */
  async token(): Promise<string> {
    const record = this.store.read();
    const account = record ? await this.account(record.homeaccountid) : null;
    if (!record || !account) throw new SignInError('sign-in-required', `nobody is signed in to ${this.settings.env}; sign in first`);
    // Once refused, every renewal is: the admin signs in again, and nothing is tried meanwhile.
    if (record.interaction) throw new SignInError('interaction-required', record.interaction.reason);
    const r = await this.attempt(() => this.app.acquireTokenSilent({ account, scopes: this.scopes }), 'silent').catch((e: unknown) => {
      if (e instanceof InteractionDemanded) {
        const now = this.store.read();
        if (now) this.store.write({ ...now, interaction: { reason: e.message, claims: e.claims } });
        throw new SignInError('interaction-required', e.message);
      }
      throw e;
    });
    if (!r?.accessToken) throw new SignInError('sign-in-required', `the sign-in to ${this.settings.env} gave no access token; sign in again`);
    return r.accessToken;
  }

  private async account(homeAccountId: string): Promise<AccountInfo | null> {
    return this.app.getTokenCache().getAccountByHomeId(homeAccountId);
  }

  /** One wording for what msal and the identity provider refuse. */
  private async attempt(call: () => Promise<AuthenticationResult | null>, how: 'silent' | 'with the admin' = 'with the admin'): Promise<AuthenticationResult | null> {
    const { env, authority, clientId } = this.settings;
    try {
      return await call();
    } catch (e) {
      if (e instanceof SignInError) throw e;
      // The organization demands something only the admin can give (a second factor): Entra's interaction_required with a claims challenge
      // (AADSTS50076, AADSTS50079; msal's InteractionRequiredAuthError, https://learn.microsoft.com/entra/identity-platform/claims-challenge).
      if (how === 'silent' && e instanceof InteractionRequiredAuthError && (e.claims || e.errorCode === 'interaction_required')) throw new InteractionDemanded(`the organization requires signing in to ${env} again (${describe(e).replace(/\.$/, '')})`, e.claims || null);
      // A refresh token refused (expired after its 90 days, revoked by a password reset or an admin) is Entra's invalid_grant: only a new sign-in helps.
      const refusedRenewal = how === 'silent' && e instanceof AuthError && e.errorCode === 'invalid_grant';
      if (e instanceof InteractionRequiredAuthError || refusedRenewal) throw new SignInError('sign-in-required', `the sign-in to ${env} has expired or was revoked (${describe(e)}); sign in again`);
      if (e instanceof ServerError || (e instanceof AuthError && /invalid_client|unauthorized_client|invalid_grant|access_denied|invalid_scope|invalid_request|invalid_target/.test(`${e.errorCode} ${e.errorMessage}`))) {
        throw new SignInError('refused', `${authority} refused the sign-in for client id ${clientId}: ${describe(e)}`);
      }
      if (e instanceof AuthError && /network|endpoints_resolution|openid_config|fetch failed|ECONNREFUSED|ENOTFOUND|timeout/i.test(`${e.errorCode} ${e.errorMessage}`)) {
        throw new SignInError('unreachable', `cannot reach the sign-in authority ${authority}: ${describe(e)}`);
      }
      if (e instanceof AuthError) throw new SignInError('refused', `signing in to ${env} through ${authority} failed: ${describe(e)}`);
      throw e;
    }
  }
}

/** A silent renewal the identity provider will let through only once the admin signs in again, with the claims it demands. */
class InteractionDemanded extends Error {
  constructor(
    message: string,
    readonly claims: string | null,
  ) {
    super(message);
  }
}

/** The claims challenge kept with a sign-in made under these settings, for the next interactive sign-in. */
export function claimsFor(record: DataverseSignInRecord | null, settings: SignInSettings): string | null {
  if (!record?.interaction || record.env !== settings.env || record.clientid !== settings.clientId || record.authority !== settings.authority) return null;
  return record.interaction.claims;
}

function describe(e: AuthError): string {
  const raw = e.errorMessage || e.message || '';
  // msal wraps the server's error_description in "Error(s): … - Description: … - Correlation ID: …".
  const message = (/Description: ([\s\S]*?) - Correlation ID/.exec(raw)?.[1] ?? raw).split('\n')[0].trim();
  return message && message !== e.errorCode ? `${e.errorCode}: ${message}` : e.errorCode || e.message;
}

function signedIn(r: AuthenticationResult | null): SignedIn {
  if (!r?.account) throw new SignInError('refused', 'the identity provider answered without an account');
  return { username: r.account.username || r.account.localAccountId, name: r.account.name ?? null };
}
