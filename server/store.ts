/**
 * The server's tables. One PostgreSQL table per synced Dataverse table (businessunit, systemuser,
 * team, teammembership, role, systemuserroles, teamroles, fieldsecurityprofile, ...), each row as
 * JSON with the version of its last change and the client that made it; tombstones for deleted
 * rows (delta pulls report them); a change log of every row change with before and after; the
 * change sets with the account that made them (the audit); the client change ids already applied
 * (idempotent pushes); accounts and tokens, and the sign-in audit (auth_event).
 */
import { TABLE_SPECS, type Row, type SyncTable } from '../src-main/core/sync/dataverse';
import type { Db, Queryable } from './db';
import { LOGIN_THROTTLE_TABLE } from './loginThrottle';

const SCHEMA_VERSION = 1;

export async function migrate(db: Db): Promise<void> {
  const rowTables = TABLE_SPECS.map(
    (s) => `create table if not exists ${s.logicalName} (key text primary key, data jsonb not null, version bigint not null, clientid text);
            create index if not exists ${s.logicalName}_version on ${s.logicalName} (version);`,
  ).join('\n');
  await db.exec(`
    create table if not exists meta (k text primary key, v jsonb not null);
    ${rowTables}
    create table if not exists tombstone (tbl text not null, key text not null, version bigint not null, clientid text, primary key (tbl, key));
    create index if not exists tombstone_version on tombstone (version);
    create table if not exists changeset (
      id bigserial primary key,
      at timestamptz not null default now(),
      account text not null,
      clientid text,
      source text not null,
      fromversion bigint not null,
      toversion bigint not null,
      commands jsonb not null,
      summary jsonb not null,
      resolution jsonb
    );
    create table if not exists changelog (
      version bigint primary key,
      changeset bigint not null references changeset(id),
      tbl text not null,
      key text not null,
      before jsonb,
      after jsonb
    );
    create index if not exists changelog_object on changelog (tbl, key);
    create table if not exists applied_change (
      clientid text not null,
      changeid text not null,
      changeset bigint not null references changeset(id),
      primary key (clientid, changeid)
    );
    create table if not exists account (
      name text primary key,
      systemuserid text not null,
      passwordhash text not null,
      created timestamptz not null default now()
    );
    create table if not exists token (
      hash text primary key,
      account text not null references account(name) on delete cascade,
      expires timestamptz not null
    );
    alter table account add column if not exists disabled boolean not null default false;
    create index if not exists token_account on token (account);
    -- Sign-ins, lockouts, revocations and disabled accounts: the server's audit of who got in.
    create table if not exists auth_event (
      id bigserial primary key,
      at timestamptz not null default now(),
      event text not null,
      account text,
      address text,
      detail text
    );
    ${LOGIN_THROTTLE_TABLE}
    -- The role an account was added with: its user gets it when an organization is published.
    alter table account add column if not exists role text;
    insert into meta (k, v) values ('schema', '${SCHEMA_VERSION}') on conflict (k) do nothing;
    -- The version row every change set locks (select ... for update): one writer at a time across instances.
    insert into meta (k, v) values ('version', '0') on conflict (k) do nothing;
  `);
}

export const tableName = (t: SyncTable) => TABLE_SPECS.find((s) => s.table === t)!.logicalName;

export interface StoredRow {
  readonly table: SyncTable;
  readonly key: string;
  readonly row: Row;
  readonly version: number;
  readonly clientid: string | null;
}
export interface StoredTombstone {
  readonly table: SyncTable;
  readonly key: string;
  readonly version: number;
  readonly clientid: string | null;
}

export async function readMeta(q: Queryable, k: string): Promise<unknown> {
  const rows = await q.query<{ v: unknown }>('select v from meta where k = $1', [k]);
  return rows.length ? rows[0].v : undefined;
}
export async function writeMeta(q: Queryable, k: string, v: unknown): Promise<void> {
  await q.query('insert into meta (k, v) values ($1, $2) on conflict (k) do update set v = excluded.v', [k, JSON.stringify(v)]);
}

/** The version of the last committed change set. */
export async function readVersion(q: Queryable): Promise<number> {
  return Number((await readMeta(q, 'version')) ?? 0);
}

/**
 * Locks the version row until the transaction ends: change sets of every server instance over
 * this database run one after the other, each seeing the last one's rows and version.
 */
export async function lockVersion(tx: Queryable): Promise<number> {
  const rows = await tx.query<{ v: unknown }>(`select v from meta where k = 'version' for update`);
  return Number(rows[0]?.v ?? 0);
}

export async function loadRows(db: Queryable): Promise<{ rows: StoredRow[]; tombstones: StoredTombstone[]; version: number }> {
  const rows: StoredRow[] = [];
  for (const s of TABLE_SPECS) {
    const found = await db.query<{ key: string; data: Row; version: string | number; clientid: string | null }>(`select key, data, version, clientid from ${s.logicalName}`);
    for (const r of found) rows.push({ table: s.table, key: r.key, row: r.data, version: Number(r.version), clientid: r.clientid });
  }
  const tomb = await db.query<{ tbl: SyncTable; key: string; version: string | number; clientid: string | null }>('select tbl, key, version, clientid from tombstone');
  const version = Number((await readMeta(db, 'version')) ?? 0);
  return { rows, tombstones: tomb.map((t) => ({ table: t.tbl, key: t.key, version: Number(t.version), clientid: t.clientid })), version };
}

/** One row change to persist, with its new version. */
export interface RowWrite {
  readonly table: SyncTable;
  readonly key: string;
  readonly before: Row | null;
  readonly after: Row | null;
  readonly version: number;
}

/** Rows per bulk statement: keeps parameter arrays of the first load (300,000 rows) manageable. */
const CHUNK = 20_000;

export interface ChangeSetRecord {
  readonly account: string;
  readonly clientid: string | null;
  readonly source: 'sync' | 'webapi' | 'server';
  readonly fromversion: number;
  readonly toversion: number;
  readonly commands: readonly unknown[];
  readonly summary: readonly string[];
  readonly resolution?: unknown;
  readonly changeids: readonly string[];
}

/**
 * Writes a change set: rows (bulk, one statement per table and kind), tombstones, change log,
 * audit and applied change ids. Runs inside the caller's transaction.
 */
export async function writeChangeSet(tx: Queryable, rec: ChangeSetRecord, writes: readonly RowWrite[], options: { log?: boolean } = {}): Promise<number> {
  const [{ id }] = await tx.query<{ id: string | number }>(
    `insert into changeset (account, clientid, source, fromversion, toversion, commands, summary, resolution)
     values ($1, $2, $3, $4, $5, $6, $7, $8) returning id`,
    [rec.account, rec.clientid, rec.source, rec.fromversion, rec.toversion, JSON.stringify(rec.commands), JSON.stringify(rec.summary), rec.resolution === undefined ? null : JSON.stringify(rec.resolution)],
  );
  const changeset = Number(id);
  const byTable = new Map<SyncTable, RowWrite[]>();
  for (const w of writes) {
    let list = byTable.get(w.table);
    if (!list) byTable.set(w.table, (list = []));
    list.push(w);
  }
  for (const [table, list] of byTable) {
    const name = tableName(table);
    const ups = list.filter((w) => w.after !== null);
    const dels = list.filter((w) => w.after === null);
    for (let at = 0; at < ups.length; at += CHUNK) {
      const part = ups.slice(at, at + CHUNK);
      await tx.query(
        `insert into ${name} (key, data, version, clientid)
         select k, d, v, $4 from unnest($1::text[], $2::jsonb[], $3::bigint[]) as u(k, d, v)
         on conflict (key) do update set data = excluded.data, version = excluded.version, clientid = excluded.clientid`,
        [part.map((w) => w.key), part.map((w) => JSON.stringify(w.after)), part.map((w) => w.version), rec.clientid],
      );
      await tx.query('delete from tombstone where tbl = $1 and key = any($2::text[])', [table, part.map((w) => w.key)]);
    }
    if (dels.length) {
      await tx.query(`delete from ${name} where key = any($1::text[])`, [dels.map((w) => w.key)]);
      await tx.query(
        `insert into tombstone (tbl, key, version, clientid)
         select $1, k, v, $4 from unnest($2::text[], $3::bigint[]) as u(k, v)
         on conflict (tbl, key) do update set version = excluded.version, clientid = excluded.clientid`,
        [table, dels.map((w) => w.key), dels.map((w) => w.version), rec.clientid],
      );
    }
  }
  if (writes.length && options.log !== false) {
    await tx.query(
      `insert into changelog (version, changeset, tbl, key, before, after)
       select v, $1, t, k, b, a from unnest($2::bigint[], $3::text[], $4::text[], $5::jsonb[], $6::jsonb[]) as u(v, t, k, b, a)`,
      [
        changeset,
        writes.map((w) => w.version),
        writes.map((w) => w.table),
        writes.map((w) => w.key),
        writes.map((w) => (w.before === null ? null : JSON.stringify(w.before))),
        writes.map((w) => (w.after === null ? null : JSON.stringify(w.after))),
      ],
    );
  }
  if (rec.clientid && rec.changeids.length) {
    await tx.query(
      `insert into applied_change (clientid, changeid, changeset) select $1, c, $2 from unnest($3::text[]) as u(c)`,
      [rec.clientid, changeset, rec.changeids],
    );
  }
  await writeMeta(tx, 'version', rec.toversion);
  return changeset;
}

/** Of these change ids, those already applied, with the server version after their change set. */
export async function appliedChangeIds(q: Queryable, clientid: string, ids: readonly string[]): Promise<Map<string, number>> {
  const rows = await q.query<{ changeid: string; toversion: string | number }>(
    `select a.changeid, c.toversion from applied_change a join changeset c on c.id = a.changeset
     where a.clientid = $1 and a.changeid = any($2::text[])`,
    [clientid, ids],
  );
  return new Map(rows.map((r) => [r.changeid, Number(r.toversion)]));
}
