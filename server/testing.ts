/** Starting a real server on loopback for tests: embedded database, or DATABASE_URL in a schema of its own. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll } from 'vitest';
import type { OrgState } from '../src-main/core/model/org';
import { applyAll } from '../src-main/core/commands/apply';
import { PREDEFINED_ROLES, expandPrivileges } from '../src-main/core/catalog/seedRoles';
import { SYNC_TABLES, rowsOf } from '../src-main/core/sync/dataverse';
import { contoso } from '../test/fixtures/orgCharts';
import { Accounts } from './auth';
import { openServerModel, startServer } from './run';
import type { ServerOptions } from './app';
import type { CommitHooks, ServerModel } from './model';

export type Backend = 'embedded' | 'postgres';
export const BACKENDS: Backend[] = process.env.DATABASE_URL ? ['embedded', 'postgres'] : ['embedded'];

/** Where a test server keeps its data, so it can be stopped and started again on the same data. */
export interface TestStorage {
  readonly backend: Backend;
  readonly dataDir?: string;
  readonly databaseUrl?: string;
  readonly schema?: string;
}

export function newStorage(backend: Backend): TestStorage {
  if (backend === 'postgres') return { backend, databaseUrl: process.env.DATABASE_URL, schema: `t_${randomBytes(6).toString('hex')}` };
  const dataDir = mkdtempSync(join(tmpdir(), 'roleatlas-server-'));
  dataDirs.add(dataDir);
  return { backend, dataDir };
}

/**
 * A test may stop and start its server on the same data, so a data directory lives as long as the
 * test file; each holds an embedded PostgreSQL cluster (~40 MB), and a full run makes over a hundred.
 */
const dataDirs = new Set<string>();
// Removing a file's clusters (hundreds of MB) can outlast the 10 s hook default on a busy disk.
afterAll(async () => {
  await Promise.all([...dataDirs].map((dir) => rm(dir, { recursive: true, force: true })));
  dataDirs.clear();
}, 120_000);

export interface TestServer {
  readonly url: string;
  readonly model: ServerModel;
  readonly accounts: Accounts;
  close(): Promise<void>;
  token(name: string, password: string): Promise<string>;
}

/**
 * Test servers hash passwords at N = 2^10 through the explicit test option, so a suite does not
 * spend 128 MiB and a third of a second per account; what users run never takes it.
 */
export const TEST_PASSWORD_COST = { N: 2 ** 10, r: 8, p: 1 } as const;

export async function startTestServer(storage: TestStorage, o: { seed?: OrgState; hooks?: CommitHooks } & Omit<ServerOptions, 'model'> = {}): Promise<TestServer> {
  const model = await openServerModel({ dataDir: storage.dataDir, databaseUrl: storage.databaseUrl ?? '', schema: storage.schema, seed: o.seed, hooks: o.hooks });
  const accountOptions = { testPasswordCost: TEST_PASSWORD_COST, ...o.accounts };
  const running = await startServer(model, { ...o, accounts: accountOptions });
  return {
    url: running.url,
    model,
    accounts: new Accounts(model, accountOptions),
    close: running.close,
    async token(name, password) {
      const res = await fetch(`${running.url}/auth/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name, password }) });
      if (!res.ok) throw new Error(`token: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { access_token: string }).access_token;
    },
  };
}

const SYSADMIN = PREDEFINED_ROLES.find((r) => r.name === 'System Administrator')!;

/** Contoso with System Administrator and a read-only Security Reader role. */
export function seedOrg(): OrgState {
  const r = applyAll(contoso(), [
    { type: 'createRole', roleid: 'role-sysadmin', name: 'System Administrator', privileges: expandPrivileges(SYSADMIN) },
    { type: 'createRole', roleid: 'role-reader', name: 'Security Reader', privileges: { prvReadRole: 'Global', prvReadUser: 'Global' } },
  ]);
  if (!r.ok) throw new Error(r.error.message);
  return r.state;
}

/** The synced tables of a state as plain sorted JSON, to compare client and server. */
export function syncedView(s: OrgState): string {
  const out: Record<string, unknown> = {};
  for (const t of SYNC_TABLES) out[t] = [...rowsOf(s, t)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // Key order is not part of a row (jsonb reorders keys).
  return JSON.stringify(out, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v));
}


export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  readonly output: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * `npm run server` as a real child process on a free port, answered once it says it listens
 * (refused with what it printed if it exits first). The caller kills it; `env` goes over this process's.
 */
export function spawnServerProcess(o: { dataDir?: string; env?: Record<string, string>; args?: readonly string[] }, children: ChildProcess[]): Promise<ServerProcess> {
  const args = ['--import', 'tsx', 'server/main.ts', ...(o.dataDir ? ['--data', o.dataDir] : []), '--port', '0', ...(o.args ?? [])];
  const child = spawn(process.execPath, args, { cwd: process.cwd(), env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1], child, output: () => out, exited });
    });
    child.stderr.on('data', (d) => (out += d));
    void exited.then(({ code, signal }) => reject(new Error(`server exited (${code ?? signal}) before listening: ${out}`)));
  });
}
