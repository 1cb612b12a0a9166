/**
 * roleatlas dataverse login and logout, and the access token pull and push use: from the
 * environment variable --token-env names, or else from the sign-in kept in the vault (renewed
 * silently with its refresh token).
 */
import { parse, required } from '../args';
import { print } from '../io';
import { openVault, vaultFailure, vaultOptions } from '../source';
import { readPassphrase } from '../../vault/passphrase';
import { Vault } from '../../vault/vault';
import { CliError, usageError } from '../errors';
import { environmentUrl } from '../../dataverse/connection';
import { claimsFor, EntraSignIn } from '../../dataverse/signIn/entraSignIn';
import { signInSettings, SignInError, type SignInSettings } from '../../dataverse/signIn/settings';
import { heldSignIn, vaultSignInStore } from '../../dataverse/signIn/vaultCache';

export const SIGN_IN_OPTIONS = { vault: { type: 'string' }, 'passphrase-env': { type: 'string' }, env: { type: 'string' }, 'client-id': { type: 'string' }, authority: { type: 'string' } } as const;

export function environmentOption(values: Record<string, unknown>, command: string): string {
  const text = required(values, 'env', command);
  try {
    return environmentUrl(text).origin;
  } catch (e) {
    throw usageError(`roleatlas ${command}: --env ${(e as Error).message}`);
  }
}

export async function login(argv: string[]): Promise<void> {
  const command = 'dataverse login';
  const { values, positionals } = parse(argv, SIGN_IN_OPTIONS, command);
  if (positionals.length) throw usageError(`roleatlas ${command}: unexpected argument "${positionals[0]}"`);
  required(values, 'vault', command);
  const env = environmentOption(values, command);
  let settings: SignInSettings;
  try {
    settings = signInSettings({ env, clientId: values['client-id'], authority: values.authority });
  } catch (e) {
    if (e instanceof SignInError) throw usageError(`roleatlas ${command}: ${e.message}`);
    throw e;
  }
  const path = String(values.vault);
  let passphrase: string;
  let claims: string | null = null;
  try {
    passphrase = await readPassphrase({ envName: values['passphrase-env'], prompt: `Passphrase for ${path}: ` });
    // Unlocked for reading first: a wrong passphrase is said before the admin goes to the browser,
    // and no writer lock keeps the app out of the vault while they are there.
    const reading = await Vault.open(path, { passphrase }, vaultOptions(values, command, 'read'));
    // What the organization demanded of the last renewal (a second factor) is asked for by this sign-in.
    claims = claimsFor(reading.getSyncState().dataversesignin ?? null, settings);
    reading.lock();
  } catch (e) {
    vaultFailure(e);
  }
  const held = heldSignIn();
  let who;
  try {
    // The code goes to stderr, so stdout stays the result alone.
    who = await new EntraSignIn(settings, held, { claims }).withDeviceCode((code) => process.stderr.write(`${code.message ?? `To sign in, open ${code.verificationUri} in a browser and enter the code ${code.userCode}.`}\n`));
  } catch (e) {
    if (e instanceof SignInError) throw new CliError(`roleatlas ${command}: ${e.message}`);
    throw e;
  }
  if (!held.record) throw new CliError(`roleatlas ${command}: the identity provider signed ${who.username} in but gave no tokens to keep`);
  let vault: Vault | undefined;
  try {
    vault = await Vault.open(path, { passphrase }, vaultOptions(values, command, 'write'));
    vaultSignInStore(() => vault!).write(held.record);
    print(`Signed in to ${env} as ${who.username}${who.name ? ` (${who.name})` : ''}; the tokens are kept in ${path}, encrypted with the vault`);
  } catch (e) {
    vaultFailure(e);
  } finally {
    vault?.lock();
  }
}

export async function logout(argv: string[]): Promise<void> {
  const command = 'dataverse logout';
  const { values, positionals } = parse(argv, { vault: SIGN_IN_OPTIONS.vault, 'passphrase-env': SIGN_IN_OPTIONS['passphrase-env'] }, command);
  if (positionals.length) throw usageError(`roleatlas ${command}: unexpected argument "${positionals[0]}"`);
  required(values, 'vault', command);
  const vault = await openVault(values, command, 'write');
  try {
    const store = vaultSignInStore(() => vault);
    const kept = store.read();
    if (!kept) return print(`Nobody was signed in to Dataverse in ${String(values.vault)}`);
    store.write(null);
    print(`Signed out of ${kept.env} (${kept.username}); the tokens were removed from ${String(values.vault)}`);
  } catch (e) {
    vaultFailure(e);
  } finally {
    vault.lock();
  }
}

/** --token-env, checked before the vault is opened: the token's variable must be set. */
export function tokenFromEnvironment(values: Record<string, unknown>): string | null {
  const name = values['token-env'];
  if (name === undefined) return null;
  if (typeof name !== 'string' || name === '') throw usageError('--token-env needs the name of an environment variable');
  const token = process.env[name];
  if (!token) throw new CliError(`environment variable ${name} (from --token-env) is not set`);
  return token;
}

/**
 * The access token for `env`: the one from --token-env, or the vault's sign-in. The first token is
 * fetched here, so a missing or expired sign-in is said before anything is read or sent.
 */
export async function tokenSource(given: string | null, vault: Vault, vaultPath: string, env: string, command: string): Promise<() => Promise<string>> {
  if (given !== null) return async () => given;
  const store = vaultSignInStore(() => vault);
  const kept = store.read();
  const how = `roleatlas dataverse login --vault ${vaultPath} --env ${env} signs in (or give --token-env NAME)`;
  if (!kept) throw new CliError(`roleatlas ${command}: nobody is signed in to Dataverse in ${vaultPath}; ${how}`);
  if (kept.env !== env) throw new CliError(`roleatlas ${command}: ${vaultPath} is signed in to ${kept.env}, not ${env}; ${how}`);
  const signIn = new EntraSignIn(signInSettings({ env: kept.env, clientId: kept.clientid, authority: kept.authority }), store);
  try {
    await signIn.token();
  } catch (e) {
    if (e instanceof SignInError && e.code === 'interaction-required') throw new CliError(`roleatlas ${command}: ${e.message}; nothing was read or sent. Run roleatlas dataverse login --vault ${vaultPath} --env ${env} to sign in again (it asks for what the organization requires)`);
    if (e instanceof SignInError) throw new CliError(`roleatlas ${command}: ${e.message}; ${how}`);
    throw e;
  }
  return () => signIn.token();
}
