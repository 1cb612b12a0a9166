/**
 * The app's Dataverse sign-in: one per process, over the vault the app holds. It signs in through
 * the system browser (authorization code with PKCE, a loopback redirect), keeps msal's token cache
 * sealed in the vault, and hands pull and push an access token for the environment, renewed
 * silently. On lock, the msal client and its in-memory cache are dropped; a locked vault has no token.
 */
import type { DataverseAccountDto } from '../bridge/channels/dataverse';
import { ok, refused, type Result } from '../core/result';
import { claimsFor, EntraSignIn, type EntraSignInOptions } from '../dataverse/signIn/entraSignIn';
import { signInSettings, SignInError, type SignInSettings } from '../dataverse/signIn/settings';
import { vaultSignInStore, type SignInStore } from '../dataverse/signIn/vaultCache';
import type { Vault } from '../vault/vault';

/** What pull and push need: an access token for the environment, or a SignInError saying why there is none. */
export interface DataverseTokens {
  token(env: string): Promise<string>;
}

/** The vault the app holds; VaultSession in the app. */
export interface SignInVaults {
  use(): Vault;
  readonly isLocked: boolean;
  onLockChange(listener: (locked: boolean) => void): () => void;
}

export interface DataverseSignInOptions extends EntraSignInOptions {
  /** null: the organization is held in memory, with no vault to keep a sign-in in. */
  readonly vaults: SignInVaults | null;
  /** Opens the sign-in page in the system browser (Electron's shell.openExternal in the app). */
  readonly openBrowser: (url: string) => Promise<void>;
}

export class DataverseSignInService implements DataverseTokens {
  private client: EntraSignIn | null = null;
  /** A browser sign-in waiting for the admin: a second one would open a second page and port. */
  private signingIn = false;
  private waiting: EntraSignIn | null = null;
  private readonly store: SignInStore | null;

  constructor(private readonly o: DataverseSignInOptions) {
    this.store = o.vaults ? vaultSignInStore(() => o.vaults!.use()) : null;
    o.vaults?.onLockChange((locked) => {
      if (locked) this.client = null;
    });
  }

  account(): DataverseAccountDto {
    if (!this.store) return { available: false, account: null };
    const r = this.store.read();
    return { available: true, account: r ? { username: r.username, name: r.name, env: r.env, clientId: r.clientid, authority: r.authority, signInRequired: r.interaction?.reason ?? null } : null };
  }

  /** Signs in through the browser; resolves once the admin has finished there (or the identity provider refused). */
  async signIn(request: { readonly env: string; readonly clientId?: string; readonly authority?: string }): Promise<Result<DataverseAccountDto>> {
    const store = this.store;
    if (!store) return refused('no-vault', IN_MEMORY);
    if (this.signingIn) return refused('busy', 'a sign-in is already waiting in the browser: finish it there (or wait for it to be given up) first');
    this.signingIn = true;
    return this.attempt(async () => {
      const settings = signInSettings(request);
      // A locked vault is said before the admin goes to the browser, not after.
      const kept = store.read();
      // A sign-in to another environment or app registration replaces the one kept once it succeeds (the cache plugin writes it then).
      // The claims the organization demanded of the last renewal go with it, so Entra asks the admin for what it wants.
      const client = new EntraSignIn(settings, store, { ...this.o, claims: claimsFor(kept, settings) });
      this.waiting = client;
      await client.withBrowser(this.o.openBrowser);
      this.client = client;
      return this.account();
    }).finally(() => {
      this.signingIn = false;
      this.waiting = null;
    });
  }

  /** Gives up the browser sign-in waiting for the admin: it then answers 'cancelled', and nothing is kept. */
  cancelSignIn(): Result<DataverseAccountDto> {
    if (!this.waiting?.cancel()) return refused('nothing-to-cancel', 'no sign-in is waiting in the browser');
    return ok(this.account());
  }

  signOut(): Result<DataverseAccountDto> {
    if (!this.store) return refused('no-vault', IN_MEMORY);
    try {
      this.store.write(null);
    } catch (e) {
      if (e instanceof SignInError) return refused(e.code, e.message);
      throw e;
    }
    this.client = null;
    return ok(this.account());
  }

  /** An access token for `env` (the environment's URL), renewed silently; a SignInError when there is none to be had without the admin. */
  async token(env: string): Promise<string> {
    const store = this.requireStore();
    const record = store.read();
    const wanted = signInSettings({ env }).env;
    if (!record) throw new SignInError('sign-in-required', `nobody is signed in to Dataverse; sign in to ${wanted} first`);
    if (record.env !== wanted) throw new SignInError('sign-in-required', `the sign-in kept is for ${record.env}, not ${wanted}; sign in to ${wanted} first`);
    if (!this.client || !sameSettings(record, this.client.settings)) {
      this.client = new EntraSignIn(signInSettings({ env: record.env, clientId: record.clientid, authority: record.authority }), store, this.o);
    }
    return this.client.token();
  }

  private requireStore(): SignInStore {
    if (!this.store) throw new SignInError('sign-in-required', IN_MEMORY);
    return this.store;
  }

  private async attempt<T>(action: () => Promise<T>): Promise<Result<T>> {
    try {
      return ok(await action());
    } catch (e) {
      if (e instanceof SignInError) return refused(e.code, e.message);
      throw e;
    }
  }
}

const IN_MEMORY = 'this organization is held in memory, not in a vault: there is nowhere to keep a Dataverse sign-in';

const sameSettings = (record: { env: string; clientid: string; authority: string }, s: SignInSettings) => record.env === s.env && record.clientid === s.clientId && record.authority === s.authority;
