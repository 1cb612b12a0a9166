import { parse, required, refuseTokenArgument } from '../args';
import { print } from '../io';
import { CliError, usageError } from '../errors';
import type { CliCommand } from '../command';

/**
 * roleatlas server account add --data DIR --name NAME --role ROLE --password-env NAME [--scrypt-n N]
 * roleatlas server account add --server URL --token-env NAME --name NAME --role ROLE --password-env NAME
 *   (through the running server, as an account that may change security)
 * roleatlas server account disable|enable --data DIR --name NAME
 * roleatlas server token revoke --data DIR (--account NAME | --token-env NAME)
 * roleatlas server start --data DIR --port N [--org FILE] [--cert FILE --key FILE] [--log-level L] [--token-ttl D] [--scrypt-n N]
 * With DATABASE_URL set, all use that PostgreSQL server instead of --data, and a revocation or a
 * disabled account takes effect on the running server's next request. An embedded database is
 * opened by one process at a time: while a server runs on it these commands refuse and say so
 * (add accounts through the server with --server, or stop it first).
 */
const USAGE = [
  'roleatlas server account add --data DIR --name NAME --role ROLE --password-env NAME [--scrypt-n N]',
  '       roleatlas server account add --server URL --token-env NAME --name NAME --role ROLE --password-env NAME [--allow-insecure-http]',
  '                              (through the running server, signed in as an account that may change security)',
  '       roleatlas server account disable --data DIR --name NAME     (revokes its tokens; no sign-in until enabled)',
  '       roleatlas server account enable --data DIR --name NAME',
  '       roleatlas server token revoke --data DIR --account NAME     (every token of the account)',
  '       roleatlas server token revoke --data DIR --token-env NAME   (the one token held in that variable)',
  '       roleatlas server start --data DIR [--port N] [--host H] [--org FILE] [--cert FILE --key FILE]',
  '                              [--log-level fatal|error|warn|info|debug|trace|silent] [--token-ttl 12h] [--scrypt-n 131072]',
].join('\n');

const DATA = { data: { type: 'string' } } as const;

export const server: CliCommand = {
  name: 'server',
  summary: 'run the sync server; add, disable or enable a server account; revoke tokens',
  usage: USAGE,
  async run(argv) {
    const [sub, sub2, ...rest] = argv;
    if (sub === 'start') {
      const { serverMain } = await import('../../../server/main');
      try {
        await serverMain([sub2, ...rest].filter((x) => x !== undefined));
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      // Keeps running until the process is stopped.
      await new Promise(() => {});
      return;
    }
    const what = `${sub ?? ''} ${sub2 ?? ''}`.trim();
    if (what === 'account add') return addAccount(rest);
    if (what === 'account disable' || what === 'account enable') return setDisabled(rest, sub2 === 'disable');
    if (what === 'token revoke') return revoke(rest);
    throw usageError(`roleatlas server: expected "account add", "account disable", "account enable", "token revoke" or "start"${what ? ` (got "${what}")` : ''}. Usage: ${USAGE}`);
  },
};

/** Opens the server's accounts on --data (or DATABASE_URL), runs fn, closes; errors as CliError. */
async function withAccounts<T>(values: Record<string, unknown>, command: string, accountOptions: import('../../../server/auth').AccountOptions, fn: (a: import('../../../server/auth').Accounts) => Promise<T>): Promise<T> {
  if (!values.data && !process.env.DATABASE_URL) throw usageError(`roleatlas ${command}: --data is required (or set DATABASE_URL). See roleatlas server --help`);
  const { openServerModel } = await import('../../../server/run');
  const { Accounts } = await import('../../../server/auth');
  const { runningServer } = await import('../../../server/main');
  if (typeof values.data === 'string' && !process.env.DATABASE_URL) {
    const running = runningServer(values.data);
    if (running) {
      throw new CliError(
        `the server (pid ${running.pid} on ${running.host}, since ${running.since}) has ${values.data} open, and an embedded database is opened by one process at a time: ` +
          `add an account through it with roleatlas server account add --server ${running.url} --token-env NAME ..., or stop it first`,
      );
    }
  }
  const model = await openServerModel({ dataDir: typeof values.data === 'string' ? values.data : undefined });
  try {
    return await fn(new Accounts(model, accountOptions));
  } catch (e) {
    throw new CliError((e as Error).message);
  } finally {
    await model.db.close();
  }
}

async function addAccount(argv: string[]): Promise<void> {
  const command = 'server account add';
  const { values } = parse(
    argv,
    { ...DATA, name: { type: 'string' }, role: { type: 'string' }, 'password-env': { type: 'string' }, 'scrypt-n': { type: 'string' }, server: { type: 'string' }, 'token-env': { type: 'string' }, 'allow-insecure-http': { type: 'boolean' } },
    command,
  );
  const name = required(values, 'name', command);
  const role = required(values, 'role', command);
  const envName = required(values, 'password-env', command);
  const password = process.env[envName];
  if (!password) throw new CliError(`environment variable ${envName} (--password-env) is not set`);
  if (values.server !== undefined) return addThroughServer(values, { name, role, password });
  const { accountOptionsOf } = await import('../../../server/main');
  let options;
  try {
    options = accountOptionsOf({ 'scrypt-n': values['scrypt-n'] });
  } catch (e) {
    throw usageError(`roleatlas ${command}: ${(e as Error).message}`);
  }
  const account = await withAccounts(values, command, options, (a) => a.add({ name, password, role }));
  print(
    account.placed
      ? `Added account ${account.name} (user ${account.systemuserid}) holding ${role}`
      : `Added account ${account.name}; the server holds no organization yet: its user is created holding ${role} when one is published (roleatlas sync --publish, or the app)`,
  );
}

async function setDisabled(argv: string[], disabled: boolean): Promise<void> {
  const command = `server account ${disabled ? 'disable' : 'enable'}`;
  const { values } = parse(argv, { ...DATA, name: { type: 'string' } }, command);
  const name = required(values, 'name', command);
  await withAccounts(values, command, {}, (a) => a.setDisabled(name, disabled));
  print(disabled ? `Disabled account ${name}: its tokens are revoked and it cannot sign in until enabled` : `Enabled account ${name}: it may sign in again`);
}

async function revoke(argv: string[]): Promise<void> {
  const command = 'server token revoke';
  const { values } = parse(argv, { ...DATA, account: { type: 'string' }, 'token-env': { type: 'string' } }, command);
  refuseTokenArgument(argv, command);
  const account = values.account;
  const tokenEnv = values['token-env'];
  if (!account === !tokenEnv) throw usageError(`roleatlas ${command}: give either --account NAME (every token of the account) or --token-env NAME (one token). See roleatlas server --help`);
  if (account) {
    const n = await withAccounts(values, command, {}, (a) => a.revokeTokensOf(account));
    return print(`Revoked ${n} token(s) of account ${account}`);
  }
  const token = process.env[tokenEnv!];
  if (!token) throw new CliError(`environment variable ${tokenEnv} (--token-env) is not set`);
  const found = await withAccounts(values, command, {}, (a) => a.revokeToken(token));
  if (!found) throw new CliError(`the token in ${tokenEnv} is not a token of this server (already revoked, expired and removed, or from another server)`);
  print(`Revoked the token in ${tokenEnv}`);
}

/** server account add --server URL --token-env NAME: POST /api/admin/accounts on the running server. */
async function addThroughServer(values: Record<string, unknown>, account: { name: string; role: string; password: string }): Promise<void> {
  const command = 'server account add';
  if (values.data !== undefined) throw usageError(`roleatlas ${command}: give --data DIR (the database) or --server URL (a running server), not both`);
  if (values['scrypt-n'] !== undefined) throw usageError(`roleatlas ${command}: --scrypt-n goes with --data; through --server the server hashes at its own cost`);
  const tokenEnv = required(values, 'token-env', command);
  const token = process.env[tokenEnv];
  if (!token) throw new CliError(`environment variable ${tokenEnv} (--token-env) is not set`);
  let url: URL;
  try {
    url = new URL(String(values.server));
  } catch {
    throw usageError(`roleatlas ${command}: --server must be a URL such as https://roleatlas.example.com (got "${String(values.server)}")`);
  }
  const { cleartextProblem } = await import('../../sync/transport');
  const base = url.href.replace(/\/+$/, '');
  const cleartext = cleartextProblem(base, values['allow-insecure-http'] === true, 'pass --allow-insecure-http');
  if (cleartext) throw usageError(`roleatlas ${command}: ${cleartext}`);
  let res: Response;
  try {
    res = await fetch(`${base}/api/admin/accounts`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(account) });
  } catch (e) {
    const { networkReason } = await import('../../sync/networkReason');
    throw new CliError(`cannot reach the server at ${base}: ${networkReason(e)}`);
  }
  const body = (await res.json().catch(() => null)) as { placed?: boolean; systemuserid?: string; error?: { message?: string } } | null;
  if (!res.ok) throw new CliError(`the server at ${base} refused to add account ${account.name} (${res.status}): ${body?.error?.message ?? res.statusText}`);
  print(
    body?.placed
      ? `Added account ${account.name} (user ${body.systemuserid}) holding ${account.role}, through ${base}`
      : `Added account ${account.name} through ${base}; the server holds no organization yet: its user is created holding ${account.role} when one is published`,
  );
}
