import { parse, required } from '../args';
import { print } from '../io';
import { openVault, vaultFailure } from '../source';
import { CliError, usageError } from '../errors';
import type { CliCommand } from '../command';
import { Connection, DataverseError, environmentUrl } from '../../dataverse/connection';
import { pullEnvironment, type PullProgress } from '../../dataverse/pull';

const OPTIONS = { vault: { type: 'string' }, 'passphrase-env': { type: 'string' }, actor: { type: 'string' }, env: { type: 'string' }, 'token-env': { type: 'string' }, json: { type: 'boolean' } } as const;

const USAGE = [
  'roleatlas dataverse pull --vault PATH --env URL --token-env NAME [--passphrase-env NAME] [--json]',
  '       roleatlas dataverse status --vault PATH [--passphrase-env NAME] [--json]',
  '',
  'pull reads the security model of a Dataverse environment (https://ORG.crm.dynamics.com) through',
  'the Web API v9.2 and imports it into the vault (journaled and audited like every import): business',
  "units, users, teams and memberships, roles with every privilege at its depth (a role's copies in",
  'each business unit become one role), role assignments, field security profiles, and the',
  "environment's privilege table (tables the built-in catalog does not know are added). Progress goes",
  'to stderr. The access token comes from the environment variable named by --token-env, never from',
  'an argument. status says which environment the vault was pulled from, when, and what it held.',
].join('\n');

export const dataverse: CliCommand = {
  name: 'dataverse',
  summary: 'connect the vault to a Dataverse environment: dataverse pull, dataverse status',
  usage: USAGE,
  async run(argv) {
    if (argv.some((a) => a === '--token' || a.startsWith('--token='))) throw usageError('roleatlas dataverse: the token is never an argument (other users can read it in ps); put it in an environment variable and give --token-env NAME');
    const [sub, ...rest] = argv;
    if (sub === 'pull') return pull(rest);
    if (sub === 'status') return status(rest);
    throw usageError(`roleatlas dataverse: ${sub ? `unknown subcommand "${sub}"` : 'a subcommand is required'}. Subcommands: pull, status`);
  },
};

function environmentOption(values: Record<string, unknown>, command: string): string {
  const text = required(values, 'env', command);
  try {
    return environmentUrl(text).origin;
  } catch (e) {
    throw usageError(`roleatlas ${command}: --env ${(e as Error).message}`);
  }
}

async function pull(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, OPTIONS, 'dataverse pull');
  if (positionals.length) throw usageError(`roleatlas dataverse pull: unexpected argument "${positionals[0]}"`);
  required(values, 'vault', 'dataverse pull');
  const env = environmentOption(values, 'dataverse pull');
  const tokenEnv = required(values, 'token-env', 'dataverse pull');
  const token = process.env[tokenEnv];
  if (!token) throw new CliError(`environment variable ${tokenEnv} (from --token-env) is not set`);

  const vault = await openVault(values, 'dataverse pull', 'write');
  try {
    const progress = (p: PullProgress) => process.stderr.write(`\r${p.done}/${p.of} tables: ${p.table} ${p.rows} row(s)`.padEnd(70));
    let pulled;
    try {
      pulled = await pullEnvironment(new Connection({ url: env, token: async () => token }), progress);
    } catch (e) {
      if (e instanceof DataverseError || e instanceof Error) throw new CliError(`pulling ${env}: ${e.message}`);
      throw e;
    } finally {
      process.stderr.write('\n');
    }
    const entry = vault.replaceState(pulled.state, `Dataverse environment ${env}`);
    const link = vault.setSyncState({ dataverse: { env, pulledat: new Date().toISOString(), privileges: pulled.privilegeIds, counts: pulled.counts } });
    if (!link.ok) throw new CliError(`the pull was imported but its link to ${env} could not be kept: ${link.error.message}`);
    const s = pulled.state;
    const report = { env, businessunits: s.businessunits.size, systemusers: s.systemusers.size, teams: s.teams.size, roles: s.roles.size, privileges: Object.keys(pulled.privilegeIds).length, requests: pulled.requests, throttled: pulled.throttled, throttledwaitms: pulled.throttledWaitMs };
    print(values.json ? JSON.stringify(report) : `${entry.summary}; ${report.privileges} privileges in the environment's catalog; ${report.requests} request(s)${report.throttled ? `, ${report.throttled} throttled (waited ${report.throttledwaitms / 1000} s)` : ''}`);
  } catch (e) {
    vaultFailure(e);
  } finally {
    vault.lock();
  }
}

async function status(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, OPTIONS, 'dataverse status');
  if (positionals.length) throw usageError(`roleatlas dataverse status: unexpected argument "${positionals[0]}"`);
  required(values, 'vault', 'dataverse status');
  const vault = await openVault(values, 'dataverse status', 'read');
  const link = vault.getSyncState().dataverse ?? null;
  const staged = vault.getStaged().length;
  vault.lock();
  if (values.json) return print(JSON.stringify({ env: link?.env ?? null, pulledat: link?.pulledat ?? null, counts: link?.counts ?? {}, staged }));
  if (!link) return print(`${String(values.vault)} has not been pulled from a Dataverse environment; roleatlas dataverse pull --vault PATH --env URL --token-env NAME does it`);
  print(`Pulled from ${link.env} at ${link.pulledat}: ${link.counts.systemusers ?? 0} user(s), ${link.counts.roles ?? 0} role row(s) (copies per business unit included), ${Object.keys(link.privileges).length} privileges; ${staged} staged change(s)`);
}
