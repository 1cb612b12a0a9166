import type { Vault } from '../../../src-main/vault/vault';

/**
 * The sign-in kept in the vault as it is an hour later: its access tokens expired, so msal renews
 * them with the refresh token on the next use (and the identity provider has its say again).
 */
export function expireAccessTokens(vault: Vault): void {
  const record = vault.getSyncState().dataversesignin;
  if (!record) throw new Error('nobody is signed in to Dataverse in this vault');
  const cache = JSON.parse(record.cache) as { AccessToken?: Record<string, { expires_on: string; extended_expires_on?: string }> };
  const past = String(Math.floor(Date.now() / 1000) - 60);
  for (const t of Object.values(cache.AccessToken ?? {})) Object.assign(t, { expires_on: past, extended_expires_on: past });
  const r = vault.setSyncState({ dataversesignin: { ...record, cache: JSON.stringify(cache) } });
  if (!r.ok) throw new Error(r.error.message);
}
