import { userInfo } from 'node:os';
import { usageError, CliError } from './errors';
import { loadOrg } from './io';
import type { OrgState } from '../core/model/org';
import { Vault } from '../vault/vault';
import { VaultError } from '../vault/errors';
import { readPassphrase } from '../vault/passphrase';

/** Where a command reads the organization from: `--org FILE` or `--vault PATH`. */
export interface OrgSource {
  readonly state: OrgState;
  /** For messages: the file or vault the state came from. */
  readonly label: string;
  /** Set when the source is a vault: open (unlocked) until the command closes it. */
  readonly vault?: Vault;
}

export const SOURCE_OPTIONS = { org: { type: 'string' }, vault: { type: 'string' }, 'passphrase-env': { type: 'string' }, actor: { type: 'string' } } as const;

/** The local admin profile written in the journal and audit log. */
export function actorOf(values: Record<string, unknown>): string {
  if (typeof values.actor === 'string' && values.actor) return values.actor;
  return process.env.ROLEATLAS_ACTOR || safeUserName();
}

function safeUserName(): string {
  try {
    return userInfo().username || 'local admin';
  } catch {
    return 'local admin';
  }
}

/** VaultError and passphrase problems as the command line's errors (exit 1). */
export function vaultFailure(e: unknown): never {
  if (e instanceof VaultError) throw new CliError(e.code === 'tampered' ? `${e.message}. The file was left as it is; roleatlas vault restore-backup puts the last good copy back` : e.message);
  if (e instanceof Error && !(e instanceof CliError)) throw new CliError(e.message);
  throw e;
}

/**
 * 'write': the vault's writer lock is held until the command locks or closes the vault; another
 * writer (the app, another roleatlas) is waited for up to LOCK_WAIT_MS, then named in the refusal.
 * 'read': no lock; the vault refuses writes.
 */
export type Access = 'read' | 'write';

/** How long a writer waits for another one: 10 s, or ROLEATLAS_LOCK_WAIT_MS. */
function lockWaitMs(): number {
  const text = process.env.ROLEATLAS_LOCK_WAIT_MS;
  if (text === undefined || text === '') return 10_000;
  const ms = Number(text);
  if (!Number.isInteger(ms) || ms < 0) throw usageError(`ROLEATLAS_LOCK_WAIT_MS must be a whole number of milliseconds, not "${text}"`);
  return ms;
}

export function vaultOptions(values: Record<string, unknown>, command: string, access: Access) {
  return { actor: actorOf(values), access, program: `roleatlas ${command} (command line)`, lockWaitMs: lockWaitMs() };
}

/** --vault PATH and its passphrase: from the environment variable named by --passphrase-env, or a prompt. */
export async function vaultPassphrase(values: Record<string, unknown>, command: string): Promise<{ path: string; passphrase: string }> {
  const path = values.vault;
  if (typeof path !== 'string' || path === '') throw usageError(`roleatlas ${command}: --vault is required. See roleatlas ${command} --help`);
  try {
    return { path, passphrase: await readPassphrase({ envName: values['passphrase-env'] as string | undefined, prompt: `Passphrase for ${path}: ` }) };
  } catch (e) {
    vaultFailure(e);
  }
}

/**
 * The one way the command line opens a vault. `passphrase`: one the command already read (to
 * rewrap the key with it), else it is read here.
 */
export async function openVault(values: Record<string, unknown>, command: string, access: Access, passphrase?: string): Promise<Vault> {
  const path = String(values.vault);
  passphrase ??= (await vaultPassphrase(values, command)).passphrase;
  try {
    return await Vault.open(path, { passphrase }, vaultOptions(values, command, access));
  } catch (e) {
    vaultFailure(e);
  }
}

/** --org FILE, or --vault PATH; a vault comes back unlocked: lock() it once the state has been read. */
export async function loadSource(values: Record<string, unknown>, command: string, access: Access): Promise<OrgSource> {
  const org = values.org;
  if (values.vault !== undefined && org !== undefined) throw usageError(`roleatlas ${command}: give --org or --vault, not both`);
  if (values.vault !== undefined) {
    const vault = await openVault(values, command, access);
    return { state: vault.state, label: String(values.vault), vault };
  }
  if (typeof org !== 'string' || org === '') throw usageError(`roleatlas ${command}: --org is required (or --vault PATH). See roleatlas ${command} --help`);
  return { state: loadOrg(org), label: org };
}
