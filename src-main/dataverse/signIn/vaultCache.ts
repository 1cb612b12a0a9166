/**
 * msal's token cache kept in the vault. msal calls the plugin around every cache access: before, it
 * loads the cache from the vault's sealed sync section; after a change, it writes it back there with
 * who is signed in. There is no other copy on disk, and a locked vault refuses both.
 */
import type { ICachePlugin, TokenCacheContext } from '@azure/msal-node';
import type { DataverseSignInRecord } from '../../vault/syncState';
import type { Vault } from '../../vault/vault';
import { VaultError } from '../../vault/errors';
import { SignInError, type SignInSettings } from './settings';

/** Where the sign-in record lives; reading or writing throws SignInError('locked') when the vault is locked. */
export interface SignInStore {
  read(): DataverseSignInRecord | null;
  write(record: DataverseSignInRecord | null): void;
}

/** The part of msal's cache format (its JsonCache) read here. */
interface SerializedCache {
  readonly Account?: Record<string, { home_account_id: string; username: string; local_account_id: string; name?: string }>;
}

const locked = () => new SignInError('locked', 'the vault is locked: unlock it to use the Dataverse sign-in');

/** The record in an open vault's sync section. `vault` throws VaultError('locked') when the vault is locked. */
export function vaultSignInStore(vault: () => Vault): SignInStore {
  const open = (): Vault => {
    try {
      return vault();
    } catch (e) {
      if (e instanceof VaultError && e.code === 'locked') throw locked();
      throw e;
    }
  };
  return {
    read: () => {
      const v = open();
      if (v.isLocked) throw locked();
      return v.getSyncState().dataversesignin ?? null;
    },
    write: (record) => {
      const v = open();
      if (v.isLocked) throw locked();
      const r = v.setSyncState({ dataversesignin: record ?? undefined });
      if (!r.ok) throw new Error(`the sign-in could not be kept in the vault: ${r.error.message}`);
    },
  };
}

/**
 * A sign-in held in this process only, until it is written to the vault: the command line signs in
 * without holding the vault's writer lock while the admin is at the browser.
 */
export function heldSignIn(): SignInStore & { readonly record: DataverseSignInRecord | null } {
  let record: DataverseSignInRecord | null = null;
  return {
    get record() {
      return record;
    },
    read: () => record,
    write: (r) => {
      record = r;
    },
  };
}

/**
 * The plugin for one sign-in's settings: a record made under other settings (another environment,
 * client id or authority) is not loaded, so its tokens are never sent elsewhere.
 */
export function vaultCachePlugin(store: SignInStore, settings: SignInSettings): ICachePlugin {
  return {
    async beforeCacheAccess(context: TokenCacheContext) {
      const record = store.read();
      const same = record && record.env === settings.env && record.clientid === settings.clientId && record.authority === settings.authority;
      context.tokenCache.deserialize(same ? record.cache : '{}');
    },
    async afterCacheAccess(context: TokenCacheContext) {
      if (!context.cacheHasChanged) return;
      // Read the account from the serialized cache: asking the TokenCache would enter this plugin again and load the old record over the new tokens.
      const cache = context.tokenCache.serialize();
      const account = Object.values((JSON.parse(cache) as SerializedCache).Account ?? {})[0];
      if (!account) return store.write(null);
      store.write({
        env: settings.env,
        clientid: settings.clientId,
        authority: settings.authority,
        username: account.username || account.local_account_id,
        name: account.name || null,
        homeaccountid: account.home_account_id,
        cache,
      });
    },
  };
}
