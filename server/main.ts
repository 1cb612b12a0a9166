/**
 * npm run server -- --data DIR --port N [--host H] [--org FILE] [--cert FILE --key FILE]
 *                   [--log-level LEVEL] [--token-ttl DURATION] [--scrypt-n N]
 * Starts the sync server on the embedded PostgreSQL in DIR, or on DATABASE_URL when it is set.
 * --org seeds a new database with an organization file; on a data directory (or a DATABASE_URL
 * database) that already exists it is an error. Without it a new server is empty: the first
 * client to sync publishes its organization (sync --publish, or the app after asking).
 * SIGTERM and SIGINT stop it gracefully: no new connections, requests under way finish, the
 * database is closed cleanly. GET /health and GET /ready answer without a token.
 * --cert and --key (PEM files) serve HTTPS. The log is JSON lines on stdout at --log-level (or
 * ROLEATLAS_LOG_LEVEL; default info). --token-ttl sets the life of new tokens (3600, 90m, 12h,
 * 7d; default 12h). --scrypt-n raises the password hashing cost; hashes below it are replaced at
 * each account's next sign-in.
 */
import { parseArgs } from 'node:util';
import { fromInterchange } from '../src-main/core/interchange/toState';
import type { OrgState } from '../src-main/core/model/org';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { openServerModel, startServer } from './run';
import { LOG_LEVELS, type LogLevel } from './app';
import { parseDuration, tokenTtlProblem, type AccountOptions } from './auth';
import { MIN_PASSWORD_COST, costProblem } from './passwords';

export const SERVER_OPTIONS = {
  data: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  org: { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  'log-level': { type: 'string' },
  'token-ttl': { type: 'string' },
  'scrypt-n': { type: 'string' },
} as const;

/** --scrypt-n (and --token-ttl) as account options; shared with roleatlas server account add. */
export function accountOptionsOf(values: { 'scrypt-n'?: string; 'token-ttl'?: string }): AccountOptions {
  const out: { passwordCost?: AccountOptions['passwordCost']; tokenTtlSeconds?: number } = {};
  if (values['scrypt-n'] !== undefined) {
    const N = Number(values['scrypt-n']);
    const cost = { ...MIN_PASSWORD_COST, N };
    const problem = costProblem(cost);
    if (problem) throw new Error(`--scrypt-n: ${problem}`);
    if (N < MIN_PASSWORD_COST.N) throw new Error(`--scrypt-n must be at least ${MIN_PASSWORD_COST.N} (2^17); got ${values['scrypt-n']}`);
    out.passwordCost = cost;
  }
  if (values['token-ttl'] !== undefined) {
    const seconds = parseDuration(values['token-ttl']);
    if (seconds === null) throw new Error(`--token-ttl must be a duration such as 3600, 90m, 12h or 7d (got "${values['token-ttl']}")`);
    const problem = tokenTtlProblem(seconds);
    if (problem) throw new Error(`--token-ttl: ${problem}`);
    out.tokenTtlSeconds = seconds;
  }
  return out;
}

export async function serverMain(argv: string[]): Promise<Awaited<ReturnType<typeof startServer>>> {
  const { values } = parseArgs({ args: argv, options: SERVER_OPTIONS, strict: true });
  if (!values.data && !process.env.DATABASE_URL) throw new Error('--data DIR is required (or set DATABASE_URL to use a PostgreSQL server)');
  const port = Number(values.port ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535 (got ${values.port})`);
  const logLevel = values['log-level'] ?? process.env.ROLEATLAS_LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel as LogLevel)) throw new Error(`--log-level must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  if (!values.cert !== !values.key) throw new Error('--cert and --key go together: give both PEM files to serve HTTPS, or neither');
  let https;
  if (values.cert && values.key) {
    const read = (flag: string, path: string) => {
      try {
        return readFileSync(path);
      } catch (e) {
        throw new Error(`${flag} ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, { cause: e });
      }
    };
    https = { cert: read('--cert', values.cert), key: read('--key', values.key) };
  }
  const accounts = accountOptionsOf(values);
  let seed: OrgState | undefined;
  if (values.org) {
    if (values.data && !process.env.DATABASE_URL && existingEntries(values.data)) {
      throw new Error(`--org ${values.org}: the data directory ${values.data} already exists; --org only seeds a new server. Start without --org (its organization stays), or give a new directory`);
    }
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(values.org, 'utf8'));
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new Error(`--org ${values.org}: ${err.code === 'ENOENT' ? 'no such file' : err instanceof SyntaxError ? `not JSON (${err.message})` : err.message}`, { cause: e });
    }
    const r = fromInterchange(json);
    if (!r.ok) throw new Error(`organization file ${values.org}: ${r.error.message}`);
    seed = r.value;
  }
  const model = await openServerModel({ dataDir: values.data, seed, faultFromEnv: true }).catch((e: Error) => {
    throw new Error(seed && /already holds/.test(e.message) ? `--org ${values.org}: ${e.message}` : e.message);
  });
  let started;
  try {
    started = await startServer(model, { port, host: values.host ?? '127.0.0.1', logLevel: logLevel as LogLevel, https, accounts });
  } catch (e) {
    await model.db.close();
    const m = (e as Error).message;
    throw new Error(https && /PEM|key|cert|asn1|routines/i.test(m) ? `--cert/--key: not a usable PEM certificate and private key pair (${m})` : m, { cause: e });
  }
  // Who has the embedded database open: roleatlas server account add|disable|... refuse to open it meanwhile.
  if (values.data && model.db.kind === 'pglite') {
    const file = join(values.data, RUNNING_FILE);
    writeFileSync(file, JSON.stringify({ pid: process.pid, host: hostname(), url: started.url, since: new Date().toISOString() }), { mode: 0o600 });
    const close = started.close;
    started = { ...started, close: async () => {
      await close();
      rmSync(file, { force: true });
    } };
  }
  stopOnSignals(started);
  process.stdout.write(
    `roleatlas server listening on ${started.url} (${model.db.kind}, ${model.hasOrganization ? `organization "${model.state.organization.name}", version ${model.currentVersion}` : 'no organization yet: the first sync publishes one'})\n`,
  );
  return started;
}

/** In an embedded data directory while a server has it open: {pid, host, url, since}. */
export const RUNNING_FILE = 'roleatlas-server.json';

/** The server that has this embedded data directory open now, if any (a file left by a dead process is ignored). */
export function runningServer(dataDir: string): { pid: number; host: string; url: string; since: string } | null {
  let info: { pid: number; host: string; url: string; since: string };
  try {
    info = JSON.parse(readFileSync(join(dataDir, RUNNING_FILE), 'utf8')) as typeof info;
  } catch {
    return null;
  }
  if (info.host !== hostname()) return info;
  try {
    process.kill(info.pid, 0);
    return info;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? info : null;
  }
}

/** Entries of a directory; 0 when it does not exist. */
function existingEntries(dir: string): number {
  try {
    return readdirSync(dir).length;
  } catch {
    return 0;
  }
}

/**
 * SIGTERM / SIGINT: stop accepting, let the requests under way finish (Fastify answers new requests
 * on open connections 503 meanwhile), close the database cleanly, exit 0. A second signal exits at once.
 */
function stopOnSignals(started: { app: { log: { info(o: object, m: string): void } }; close(): Promise<void> }): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    started.app.log.info({ event: 'stopping', signal }, `${signal}: stopping (requests under way finish first)`);
    started.close().then(
      () => {
        process.stdout.write(`roleatlas server stopped (${signal}); the database was closed cleanly\n`);
        process.exit(0);
      },
      (e: Error) => {
        process.stderr.write(`roleatlas server: stopping failed: ${e.message}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('server/main.ts')) {
  serverMain(process.argv.slice(2)).catch((e: Error) => {
    process.stderr.write(`roleatlas server: ${e.message}\n`);
    process.exit(1);
  });
}
