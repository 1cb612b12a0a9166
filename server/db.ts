/**
 * The server's PostgreSQL: embedded (PGlite, in a data directory or in memory) by default, a real
 * server with DATABASE_URL. Both speak the same SQL with $n parameters; the server uses only this.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

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

async function openPglite(dataDir: string | undefined, schema: string | undefined): Promise<Db> {
  const db = await PGlite.create(dataDir);
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
