/**
 * The server's PostgreSQL: embedded (PGlite, in a data directory or in memory) by default, a real
 * server with DATABASE_URL. Both speak the same SQL with $n parameters; the server uses only this.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

export interface Db extends Queryable {
  /** Runs fn in one transaction: committed when fn resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
  readonly kind: 'pglite' | 'postgres';
}

export interface DbOptions {
  /** Data directory of the embedded database; omitted: in memory (tests). */
  readonly dataDir?: string;
  /** postgres://… : use a real PostgreSQL server instead. */
  readonly databaseUrl?: string;
  /** A schema of its own inside the database (tests share one PostgreSQL server). */
  readonly schema?: string;
}

export async function openDb(options: DbOptions): Promise<Db> {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options.schema) : openPglite(options.dataDir, options.schema);
}

/**
 * Why a new embedded database was slow to start: PGlite runs initdb (in WebAssembly) for every new
 * data directory, 3.5-7 s on a quiet 2-core machine and far more under load, while opening an
 * existing one takes about half a second. So initdb runs once per machine and PGlite version: the
 * fresh cluster is kept as a tar in the user's cache (0700 folder, 0600 file, written whole then
 * renamed into place) and every new database, on disk or in memory, starts from a copy of it.
 * ROLEATLAS_CACHE_DIR moves the cache; "off" keeps it in this process only.
 */
let template: Blob | null = null;

function templateFile(): string | null {
  try {
    const dir = process.env.ROLEATLAS_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'roleatlas');
    if (dir === 'off') return null;
    // The package's exports hide package.json: read it beside the entry point (dist/..).
    const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    const version = (JSON.parse(readFileSync(join(entry, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
    return join(dir, `pglite-${version}-cluster.tar`);
  } catch {
    return null;
  }
}

function cachedCluster(): Blob | null {
  if (template) return template;
  const file = templateFile();
  if (!file || !existsSync(file)) return null;
  try {
    return (template = new Blob([readFileSync(file)]));
  } catch {
    return null;
  }
}

/** Keeps the fresh cluster of a database initdb just made, before anything is written to it. */
async function keepCluster(db: PGlite): Promise<void> {
  template = await db.dumpDataDir('none');
  const file = templateFile();
  if (!file) return;
  try {
    mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.from(await template.arrayBuffer()), { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    /* no cache (read-only home): the next process runs initdb again */
  }
}

async function createPglite(dataDir: string | undefined): Promise<PGlite> {
  if (dataDir && existsSync(join(dataDir, 'PG_VERSION'))) return PGlite.create(dataDir);
  const cluster = cachedCluster();
  if (cluster) {
    try {
      return await PGlite.create(dataDir, { loadDataDir: cluster });
    } catch {
      // A damaged cached cluster: forget it and make this database the slow way.
      template = null;
      const file = templateFile();
      if (file) rmSync(file, { force: true });
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  }
  const db = await PGlite.create(dataDir);
  await keepCluster(db);
  return db;
}

async function openPglite(dataDir: string | undefined, schema: string | undefined): Promise<Db> {
  const db = await createPglite(dataDir);
  if (schema) await db.exec(`create schema if not exists "${schema}"; set search_path to "${schema}"`);
  let closed = false;
  return {
    kind: 'pglite',
    async query<T>(sql: string, params: readonly unknown[] = []) {
      return (await db.query<T>(sql, params as unknown[])).rows;
    },
    async exec(sql: string) {
      await db.exec(sql);
    },
    transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      return db.transaction((tx) => fn({ query: async <R>(sql: string, params: readonly unknown[] = []) => (await tx.query<R>(sql, params as unknown[])).rows }));
    },
    async close() {
      if (!closed) await db.close();
      closed = true;
    },
  };
}

async function openPostgres(url: string, schema: string | undefined): Promise<Db> {
  if (schema) {
    const setup = new pg.Client({ connectionString: url });
    await setup.connect();
    await setup.query(`create schema if not exists "${schema}"`);
    await setup.end();
  }
  // The schema is part of every connection's options, so no query can run before it is set.
  const pool = new pg.Pool({ connectionString: url, max: 4, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
  // Errors of idle clients (the server went away) surface on the next query instead of crashing.
  pool.on('error', () => {});
  const q = (c: pg.Pool | pg.PoolClient) => async <T>(sql: string, params: readonly unknown[] = []) => (await c.query(sql, params as unknown[])).rows as T[];
  return {
    kind: 'postgres',
    query: q(pool),
    async exec(sql: string) {
      await pool.query(sql);
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const out = await fn({ query: q(client) });
        await client.query('commit');
        return out;
      } catch (e) {
        await client.query('rollback').catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}
