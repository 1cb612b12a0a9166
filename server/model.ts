/**
 * The organization as the server holds it: the core's OrgState in memory (rebuilt from the
 * database at start), the version of every row, and the one path every change takes: validate,
 * applyAll with the core, check conflicts and preconditions, then write rows, change log, audit
 * and applied change ids in one transaction. The memory copy changes only after the commit.
 */
import { randomUUID } from 'node:crypto';
import { applyAll, withIds, type AppliedStep } from '../src-main/core/commands/apply';
import { AccessEngine } from '../src-main/core/access/engine';
import { emptyOrg, type OrgState } from '../src-main/core/model/org';
import type { Refusal } from '../src-main/core/result';
import {
  LOCAL_ONLY_COMMANDS,
  SPEC_BY_TABLE,
  SYNC_TABLES,
  applyRowChanges,
  differingFields,
  isSyncTable,
  rowOf,
  rowsOf,
  sameValue,
  type Row,
  type RowChange,
  type SyncTable,
} from '../src-main/core/sync/dataverse';
import type { ObjectConflict } from '../src-main/core/sync/protocol';
import type { Db, Queryable } from './db';
import { appliedChangeIds, loadRows, lockVersion, migrate, readVersion, writeChangeSet, type RowWrite, type StoredRow, type StoredTombstone } from './store';

export interface RowMeta {
  readonly version: number;
  /** The sync client whose change set wrote it last (null: Web API or the server). */
  readonly clientid: string | null;
  readonly deleted: boolean;
}

export interface ObjectRef {
  readonly table: string;
  readonly key: string;
  readonly version: number;
}

export interface CommitInput {
  readonly account: string;
  readonly source: 'sync' | 'webapi' | 'server';
  readonly clientid?: string | null;
  readonly changes: readonly { readonly id: string | null; readonly command: unknown }[];
  /** Sync: the version the client last pulled; objects others changed since then conflict. */
  readonly baseversion?: number;
  readonly acknowledge?: readonly ObjectRef[];
  readonly resolution?: unknown;
  /** Web API If-Match: each object must still be at this version. */
  readonly preconditions?: readonly ObjectRef[];
  /** Checked against the state the change set applies to; a refusal is a 403. */
  readonly authorize?: (state: OrgState) => Refusal | null;
}

export type CommitFailure =
  | { readonly ok: false; readonly kind: 'invalid' | 'forbidden' | 'precondition' | 'not-empty'; readonly error: Refusal }
  | { readonly ok: false; readonly kind: 'refused'; readonly error: Refusal; readonly index: number; readonly changeid: string | null }
  | { readonly ok: false; readonly kind: 'conflict'; readonly error: Refusal; readonly conflicts: readonly ObjectConflict[] };

export type CommitResult =
  | { readonly ok: true; readonly version: number; readonly applied: readonly string[]; readonly duplicates: readonly string[]; readonly results: readonly AppliedStep[]; readonly state: OrgState }
  | CommitFailure;

export interface PublishInput {
  /** The publishing account (the audit's name). */
  readonly account: string;
  readonly clientid: string;
  /** The client's id for this publish: a retry with the same id is answered, not applied again. */
  readonly publishid: string;
  readonly organization: OrgState;
  /** The client's journal entries the organization includes: recorded as applied, so a later push of them is a duplicate. */
  readonly changeids: readonly string[];
  /** Checked against the organization as published (with the server's accounts placed in it); a refusal is a 403. */
  readonly authorize: (state: OrgState) => Refusal | null;
}

export type PublishResult =
  | {
      readonly ok: true;
      /** true: an earlier request with this publish id did it (the reply was lost); nothing was applied now. */
      readonly duplicate: boolean;
      /** Version of the published organization's rows: the client's delta token from here on. */
      readonly publishedversion: number;
      /** Server version after the publish (the accounts' users placed in the organization). */
      readonly version: number;
      readonly organization: string;
      /** Accounts whose role the organization does not hold: they have no user in it, and may do nothing. */
      readonly unplaced: readonly { readonly name: string; readonly role: string | null }[];
    }
  | CommitFailure;

/** Test and fault-injection points around the database commit. */
export interface CommitHooks {
  /** Inside the transaction, after every write, before COMMIT. */
  beforeCommit?(): void | Promise<void>;
}

const refusal = (code: string, message: string): Refusal => ({ code, message });

export class ServerModel {
  private current: OrgState;
  private readonly meta = new Map<SyncTable, Map<string, RowMeta>>();
  private version: number;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly db: Db,
    state: OrgState,
    version: number,
    readonly hooks: CommitHooks,
  ) {
    this.current = state;
    this.version = version;
    for (const t of SYNC_TABLES) this.meta.set(t, new Map());
  }

  /**
   * Opens the database, creates the tables and loads the organization. A new database stays empty
   * (no organization) unless `seed` is given: the first client to sync publishes its own.
   * `seed` on a database that already holds an organization is refused, never ignored.
   */
  static async open(db: Db, options: { seed?: OrgState; hooks?: CommitHooks } = {}): Promise<ServerModel> {
    await migrate(db);
    const model = new ServerModel(db, emptyOrg(''), 0, options.hooks ?? {});
    model.load(await loadRows(db));
    if (options.seed) {
      if (model.hasOrganization) throw new Error(`the server's database already holds the organization "${model.current.organization.name}"; a seed organization is taken only by a new, empty server`);
      // Accounts added before any organization wait for a publish, which places them; a seed would not.
      const accounts = await db.query<{ n: string | number }>('select count(*) as n from account');
      if (Number(accounts[0].n)) throw new Error(`the server's database already exists (it holds ${accounts[0].n} account(s)); a seed organization is taken only by a new, empty server: publish the organization from a client instead (roleatlas sync --publish)`);
      await seed(db, options.seed);
      model.load(await loadRows(db));
    }
    return model;
  }

  private load(loaded: { rows: StoredRow[]; tombstones: StoredTombstone[]; version: number }): void {
    this.current = applyRowChanges(emptyOrg(''), loaded.rows.map((r): RowChange => ({ table: r.table, key: r.key, row: r.row })));
    this.version = loaded.version;
    for (const t of SYNC_TABLES) this.meta.set(t, new Map());
    for (const r of loaded.rows) this.meta.get(r.table)!.set(r.key, { version: r.version, clientid: r.clientid, deleted: false });
    for (const t of loaded.tombstones) if (isSyncTable(t.table)) this.meta.get(t.table)!.set(t.key, { version: t.version, clientid: t.clientid, deleted: true });
  }

  /** False until an organization is published to (or seeded into) this server. */
  get hasOrganization(): boolean {
    return this.current.businessunits.size > 0;
  }

  /**
   * Brings the memory copy up to the database: other server instances over the same PostgreSQL
   * (or `server account add` through DATABASE_URL) commit too. One indexed read when nothing changed.
   */
  async refresh(): Promise<void> {
    if ((await readVersion(this.db)) === this.version) return;
    await this.exclusive(() => this.catchUp(this.db));
  }

  /**
   * Applies what was committed after this copy's version: the change log row by row, or a full
   * reload when a change set wrote no log (a publish) or the database went back (a restored backup).
   */
  private async catchUp(q: Queryable): Promise<void> {
    const now = await readVersion(q);
    if (now === this.version) return;
    const logged =
      now > this.version
        ? await q.query<{ version: string | number; tbl: SyncTable; key: string; after: Row | null; clientid: string | null }>(
            'select l.version, l.tbl, l.key, l.after, c.clientid from changelog l join changeset c on c.id = l.changeset where l.version > $1 and l.version <= $2 order by l.version',
            [this.version, now],
          )
        : [];
    const logChanges = logged.filter((l) => isSyncTable(l.tbl));
    if (now < this.version || logged.length !== now - this.version) {
      this.load(await loadRows(q));
      return;
    }
    this.current = applyRowChanges(this.current, logChanges.map((l): RowChange => ({ table: l.tbl, key: l.key, row: l.after })));
    for (const l of logChanges) this.meta.get(l.tbl)!.set(l.key, { version: Number(l.version), clientid: l.clientid, deleted: l.after === null });
    this.version = now;
    this.prepareEngine();
  }

  /**
   * Builds the access engine's indexes for the new state now, inside the write that made it: every
   * read checks its account's privileges, and the first read after a change would otherwise pay for
   * the rebuild (80 ms for 50,000 users). Only the tables a change set touched are rebuilt.
   */
  private prepareEngine(): void {
    if (this.hasOrganization) AccessEngine.of(this.current).userIndex('');
  }

  /** Runs fn after every earlier commit and catch-up of this instance. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  get state(): OrgState {
    return this.current;
  }

  /** The version of the last committed change: a delta token. */
  get currentVersion(): number {
    return this.version;
  }

  rowMeta(table: SyncTable, key: string): RowMeta | undefined {
    return this.meta.get(table)!.get(key);
  }

  /**
   * Rows of a table, all of them or those changed after `since`, and the deleted ones after
   * `since`. Synchronous over memory, so it is one consistent snapshot at `version`.
   */
  read(table: SyncTable, since?: number): { rows: { key: string; row: Row; version: number }[]; deleted: { key: string; version: number }[]; version: number } {
    const meta = this.meta.get(table)!;
    const rows: { key: string; row: Row; version: number }[] = [];
    const deleted: { key: string; version: number }[] = [];
    if (since === undefined) {
      for (const [key, row] of rowsOf(this.current, table)) rows.push({ key, row, version: meta.get(key)?.version ?? 0 });
    } else {
      for (const [key, m] of meta) {
        if (m.version <= since) continue;
        if (m.deleted) deleted.push({ key, version: m.version });
        else {
          const row = rowOf(this.current, table, key);
          if (row) rows.push({ key, row, version: m.version });
        }
      }
    }
    return { rows, deleted, version: this.version };
  }

  /** Applies a change set whole or not at all; change sets run one at a time. */
  commit(input: CommitInput): Promise<CommitResult> {
    return this.exclusive(async () => {
      const out = await this.db.transaction(async (tx) => {
        // Change sets of every instance take the version row in turn: versions never repeat or skip.
        await lockVersion(tx);
        await this.catchUp(tx);
        return this.commitIn(tx, input);
      });
      if (out.ok) {
        out.commit();
        this.prepareEngine();
      }
      return out.result;
    });
  }

  private async commitIn(tx: Queryable, input: CommitInput): Promise<{ ok: false; result: CommitResult } | { ok: true; result: CommitResult; commit: () => void }> {
    const r = await this.changeSetIn(tx, input);
    if (!r.ok) return { ok: false, result: r };
    const { next, writes, clientid } = r;
    return {
      ok: true,
      result: r.result,
      commit: () => {
        if (!next) return;
        this.current = next.state;
        this.version = next.version;
        for (const w of writes) this.meta.get(w.table)!.set(w.key, { version: w.version, clientid, deleted: w.after === null });
      },
    };
  }

  /** Validates, applies and writes one change set inside the caller's transaction; memory is left to the caller. */
  private async changeSetIn(
    tx: Queryable,
    input: CommitInput,
  ): Promise<CommitFailure | { ok: true; result: CommitResult; next: { state: OrgState; version: number } | null; writes: RowWrite[]; clientid: string | null }> {
    const clientid = input.clientid ?? null;
    const denied = input.authorize?.(this.current);
    if (denied) return { ok: false, kind: 'forbidden', error: denied };

    const ids = input.changes.map((c) => c.id).filter((id): id is string => id !== null);
    if (new Set(ids).size !== ids.length) return { ok: false, kind: 'invalid', error: refusal('duplicate-change-id', 'the change set lists the same change id twice') };
    for (const [i, c] of input.changes.entries()) {
      const type = (c.command as { type?: unknown } | null)?.type;
      if (typeof type === 'string' && LOCAL_ONLY_COMMANDS.has(type)) {
        return { ok: false, kind: 'refused', index: i, changeid: c.id, error: refusal('not-synced', `change ${i + 1} (${type}): records and shares are local preview data and are not synced`) };
      }
    }

    // If-Match first: a stale etag is refused even when the request would change nothing.
    for (const p of input.preconditions ?? []) {
      const m = isSyncTable(p.table) ? this.meta.get(p.table)!.get(p.key) : undefined;
      const now = m && !m.deleted ? m.version : null;
      if (now !== p.version) {
        return { ok: false, kind: 'precondition', error: refusal('precondition-failed', `${p.table} ${p.key} has changed since version ${p.version} (now ${now ?? 'deleted'}); read it again and retry`) };
      }
    }

    // A retry: changes an earlier request applied are reported, not applied again.
    const already = clientid && ids.length ? await appliedChangeIds(tx, clientid, ids) : new Map<string, number>();
    const todo = input.changes.filter((c) => c.id === null || !already.has(c.id));
    if (!todo.length) {
      const result: CommitResult = { ok: true, version: already.size ? Math.max(...already.values()) : this.version, applied: [], duplicates: [...already.keys()], results: [], state: this.current };
      return { ok: true, result, next: null, writes: [], clientid };
    }

    const commands = todo.map((c) => (c.command && typeof c.command === 'object' && 'type' in c.command ? withIds(c.command as { type: string }, randomUUID) : c.command));
    const r = applyAll(this.current, commands);
    if (!r.ok) {
      const c = todo[r.index];
      const position = input.changes.indexOf(c);
      const type = (c.command as { type?: unknown } | null)?.type;
      const label = `change ${position + 1} of ${input.changes.length}${typeof type === 'string' ? ` (${type})` : ''}${c.id ? ` [${c.id}]` : ''}`;
      return { ok: false, kind: 'refused', index: position, changeid: c.id, error: { ...r.error, message: `${label} refused: ${r.error.message}. Nothing was applied.` } };
    }

    // Net row changes: the first before and the last after of every object touched.
    const net = new Map<string, { table: SyncTable; key: string; before: Row | null; after: Row | null; changeids: Set<string> }>();
    r.applied.forEach((a, i) => {
      for (const ch of a.changes) {
        if (!isSyncTable(ch.table)) continue;
        const id = `${ch.table}\u0000${ch.key}`;
        let e = net.get(id);
        if (!e) net.set(id, (e = { table: ch.table, key: ch.key, before: (ch.before as Row | null) ?? null, after: null, changeids: new Set() }));
        e.after = (ch.after as Row | null) ?? null;
        const cid = todo[i].id;
        if (cid) e.changeids.add(cid);
      }
    });

    if (input.baseversion !== undefined) {
      const conflicts = await this.conflicts(tx, net.values(), input.baseversion, clientid, input.acknowledge ?? []);
      if (conflicts.length) {
        const names = conflicts.slice(0, 5).map((c) => `${c.entityset}(${c.key})`).join(', ');
        return {
          ok: false,
          kind: 'conflict',
          conflicts,
          error: refusal('conflict', `${conflicts.length} object(s) were changed on the server since version ${input.baseversion}: ${names}${conflicts.length > 5 ? ', …' : ''}. Nothing was applied; choose per field and push again.`),
        };
      }
    }

    const from = this.version;
    let v = from;
    const writes: RowWrite[] = [];
    for (const e of net.values()) {
      if (e.before === null && e.after === null) continue;
      if (e.before !== null && e.after !== null && sameValue(e.before, e.after)) continue;
      writes.push({ table: e.table, key: e.key, before: e.before, after: e.after, version: ++v });
    }
    if (!writes.length) v = from;
    await writeChangeSet(
      tx,
      {
        account: input.account,
        clientid,
        source: input.source,
        fromversion: from,
        toversion: v,
        commands: r.applied.map((a) => a.command),
        summary: r.applied.map((a) => a.summary),
        resolution: input.resolution,
        changeids: todo.map((c) => c.id).filter((id): id is string => id !== null),
      },
      writes,
    );
    await this.hooks.beforeCommit?.();
    const result: CommitResult = {
      ok: true,
      version: v,
      applied: todo.map((c) => c.id).filter((id): id is string => id !== null),
      duplicates: [...already.keys()],
      results: r.applied,
      state: r.state,
    };
    return { ok: true, result, next: { state: r.state, version: v }, writes, clientid };
  }

  /**
   * Puts a client's organization on this empty server, with the server's accounts placed in it as
   * users holding the role each was added with, in one transaction: either all of it is there or
   * none. A server that holds an organization is never overwritten: the same publish retried is
   * answered as done, any other is refused (not-empty).
   */
  publish(input: PublishInput): Promise<PublishResult> {
    return this.exclusive(async () => {
      let reload = false;
      const out = await this.db.transaction(async (tx): Promise<PublishResult> => {
        await lockVersion(tx);
        await this.catchUp(tx);
        if (this.hasOrganization) {
          const done = await tx.query<{ toversion: string | number; fromversion: string | number }>(
            'select c.fromversion, c.toversion from applied_change a join changeset c on c.id = a.changeset where a.clientid = $1 and a.changeid = $2',
            [input.clientid, input.publishid],
          );
          if (done.length) return { ok: true, duplicate: true, publishedversion: Number(done[0].toversion), version: this.version, organization: this.current.organization.name, unplaced: [] };
          const name = this.current.organization.name;
          return {
            ok: false,
            kind: 'not-empty',
            error: refusal('server-not-empty', `the server already holds the organization "${name}" (${this.current.businessunits.size} business unit(s), ${this.current.systemusers.size} user(s), ${this.current.roles.size} role(s)); it is never overwritten by a publish. Nothing was applied`),
          };
        }
        const published = { ...input.organization, records: new Map(), shares: new Map() } as OrgState;
        if (!published.businessunits.size) return { ok: false, kind: 'invalid', error: refusal('empty-organization', 'the organization to publish has no business unit') };

        // The server's accounts become users of the organization, holding the role each was added with.
        const accounts = await tx.query<{ name: string; systemuserid: string; role: string | null }>('select name, systemuserid, role from account order by name');
        const root = [...published.businessunits.values()].find((b) => b.parentbusinessunitid === null)!;
        const roles = [...published.roles.values()];
        const commands: unknown[] = [];
        const unplaced: { name: string; role: string | null }[] = [];
        for (const a of accounts) {
          if (published.systemusers.has(a.systemuserid)) continue;
          const domainname = `${a.name}@roleatlas.server`.toLowerCase();
          const existing = [...published.systemusers.values()].find((u) => u.domainname.toLowerCase() === domainname);
          if (existing) {
            await tx.query('update account set systemuserid = $2 where name = $1', [a.name, existing.systemuserid]);
            continue;
          }
          const role = a.role === null ? undefined : (published.roles.get(a.role) ?? roles.find((r) => r.name.toLowerCase() === a.role!.trim().toLowerCase()));
          if (!role) {
            unplaced.push({ name: a.name, role: a.role });
            continue;
          }
          commands.push({ type: 'createUser', systemuserid: a.systemuserid, fullname: `Server account ${a.name}`, domainname: `${a.name}@roleatlas.server`, businessunitid: root.businessunitid });
          commands.push({ type: 'assignRole', systemuserid: a.systemuserid, roleid: role.roleid });
        }
        const placed = applyAll(published, commands);
        if (!placed.ok) return { ok: false, kind: 'invalid', error: refusal(placed.error.code, `the server's accounts cannot be placed in the organization: ${placed.error.message}. Nothing was applied`) };
        const denied = input.authorize(placed.state);
        if (denied) return { ok: false, kind: 'forbidden', error: { ...denied, message: `${denied.message}: the publishing account must be able to change security in the organization it publishes. Nothing was applied` } };

        const from = this.version;
        const rows: RowWrite[] = [];
        for (const table of SYNC_TABLES) for (const [key, row] of rowsOf(published, table)) rows.push({ table, key, before: null, after: row, version: from + 1 });
        const name = published.organization.name;
        await writeChangeSet(
          tx,
          {
            account: input.account,
            clientid: input.clientid,
            source: 'sync',
            fromversion: from,
            toversion: from + 1,
            commands: [],
            summary: [`Published the organization ${name}: ${published.businessunits.size} business unit(s), ${published.systemusers.size} user(s), ${published.teams.size} team(s), ${published.roles.size} role(s)`],
            changeids: [input.publishid, ...input.changeids],
          },
          rows,
          { log: false },
        );
        let v = from + 1;
        if (placed.applied.length) {
          const writes: RowWrite[] = [];
          for (const a of placed.applied) for (const ch of a.changes) if (isSyncTable(ch.table)) writes.push({ table: ch.table, key: ch.key, before: (ch.before as Row | null) ?? null, after: (ch.after as Row | null) ?? null, version: ++v });
          await writeChangeSet(
            tx,
            { account: '(server)', clientid: null, source: 'server', fromversion: from + 1, toversion: v, commands: placed.applied.map((a) => a.command), summary: placed.applied.map((a) => a.summary), changeids: [] },
            writes,
          );
        }
        await this.hooks.beforeCommit?.();
        reload = true;
        return { ok: true, duplicate: false, publishedversion: from + 1, version: v, organization: name, unplaced };
      });
      if (reload) this.load(await loadRows(this.db));
      return out;
    });
  }

  private async conflicts(
    tx: Queryable,
    touched: Iterable<{ table: SyncTable; key: string; before: Row | null; after: Row | null; changeids: Set<string> }>,
    base: number,
    clientid: string | null,
    acknowledged: readonly ObjectRef[],
  ): Promise<ObjectConflict[]> {
    const ack = new Map(acknowledged.map((a) => [`${a.table}\u0000${a.key}`, a.version]));
    const out: ObjectConflict[] = [];
    for (const e of touched) {
      const m = this.meta.get(e.table)!.get(e.key);
      if (!m || m.version <= base || (clientid !== null && m.clientid === clientid)) continue;
      if ((ack.get(`${e.table}\u0000${e.key}`) ?? -1) >= m.version) continue;
      const fields = differingFields(e.table, e.before, e.after);
      if (!fields.length) continue;
      const who = await tx.query<{ account: string }>('select c.account from changelog l join changeset c on c.id = l.changeset where l.version = $1', [m.version]);
      out.push({
        table: e.table,
        key: e.key,
        entityset: SPEC_BY_TABLE.get(e.table)!.entitySet,
        version: m.version,
        theirs: e.before,
        mine: e.after,
        fields: fields.map((f) => ({ field: f.field, theirs: f.a, mine: f.b })),
        changeids: [...e.changeids],
        changedby: who[0]?.account ?? null,
      });
    }
    return out;
  }
}

async function seed(db: Db, state: OrgState): Promise<void> {
  const writes: RowWrite[] = [];
  for (const table of SYNC_TABLES) for (const [key, row] of rowsOf(state, table)) writes.push({ table, key, before: null, after: row, version: 1 });
  await db.transaction((tx) =>
    writeChangeSet(tx, { account: '(server)', clientid: null, source: 'server', fromversion: 0, toversion: 1, commands: [], summary: [`Initial organization ${state.organization.name}`], changeids: [] }, writes, { log: false }),
  );
}
