/**
 * The organization as the server holds it: the core's OrgState in memory (rebuilt from the
 * database at start), the version of every row, and the one path every change takes: validate,
 * applyAll with the core, check conflicts and preconditions, then write rows, change log, audit
 * and applied change ids in one transaction. The memory copy changes only after the commit.
 */
import { randomUUID } from 'node:crypto';
import { applyAll, withIds, type Applied } from '../src-main/core/commands/apply';
import { emptyOrg, newOrganization, type OrgState } from '../src-main/core/model/org';
import { PREDEFINED_ROLES, expandPrivileges } from '../src-main/core/catalog/seedRoles';
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
} from '../src-main/sync/dataverse';
import type { ObjectConflict } from '../src-main/sync/protocol';
import type { Db } from './db';
import { appliedChangeIds, loadRows, migrate, writeChangeSet, type RowWrite } from './store';

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
  | { readonly ok: false; readonly kind: 'invalid' | 'forbidden' | 'precondition'; readonly error: Refusal }
  | { readonly ok: false; readonly kind: 'refused'; readonly error: Refusal; readonly index: number; readonly changeid: string | null }
  | { readonly ok: false; readonly kind: 'conflict'; readonly error: Refusal; readonly conflicts: readonly ObjectConflict[] };

export type CommitResult =
  | { readonly ok: true; readonly version: number; readonly applied: readonly string[]; readonly duplicates: readonly string[]; readonly results: readonly Applied[]; readonly state: OrgState }
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

  /** Opens the database, creates the tables, seeds a first organization if there is none, and loads it. */
  static async open(db: Db, options: { seed?: OrgState; hooks?: CommitHooks } = {}): Promise<ServerModel> {
    await migrate(db);
    let loaded = await loadRows(db);
    if (!loaded.rows.some((r) => r.table === 'organization')) {
      await seed(db, options.seed ?? defaultOrganization());
      loaded = await loadRows(db);
    }
    const state = applyRowChanges(emptyOrg(''), loaded.rows.map((r): RowChange => ({ table: r.table, key: r.key, row: r.row })));
    const model = new ServerModel(db, state, loaded.version, options.hooks ?? {});
    for (const r of loaded.rows) model.meta.get(r.table)!.set(r.key, { version: r.version, clientid: r.clientid, deleted: false });
    for (const t of loaded.tombstones) if (isSyncTable(t.table)) model.meta.get(t.table)!.set(t.key, { version: t.version, clientid: t.clientid, deleted: true });
    return model;
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
    const run = this.queue.then(() => this.commitNow(input));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async commitNow(input: CommitInput): Promise<CommitResult> {
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
    const already = clientid && ids.length ? await appliedChangeIds(this.db, clientid, ids) : new Map<string, number>();
    const todo = input.changes.filter((c) => c.id === null || !already.has(c.id));
    if (!todo.length) return { ok: true, version: already.size ? Math.max(...already.values()) : this.version, applied: [], duplicates: [...already.keys()], results: [], state: this.current };

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
      const conflicts = await this.conflicts(net.values(), input.baseversion, clientid, input.acknowledge ?? []);
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
    await this.db.transaction(async (tx) => {
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
    });

    this.current = r.state;
    this.version = v;
    for (const w of writes) this.meta.get(w.table)!.set(w.key, { version: w.version, clientid, deleted: w.after === null });
    return {
      ok: true,
      version: v,
      applied: todo.map((c) => c.id).filter((id): id is string => id !== null),
      duplicates: [...already.keys()],
      results: r.applied,
      state: this.current,
    };
  }

  private async conflicts(
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
      const who = await this.db.query<{ account: string }>('select c.account from changelog l join changeset c on c.id = l.changeset where l.version = $1', [m.version]);
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

/** A new organization with Dataverse's predefined roles, for a server started with no --org. */
export function defaultOrganization(): OrgState {
  const base = newOrganization({ name: 'RoleAtlas', rootbusinessunitid: randomUUID(), defaultteamid: randomUUID() });
  const root = [...base.businessunits.keys()][0];
  const roles = new Map(base.roles);
  for (const seedRole of PREDEFINED_ROLES) {
    roles.set(seedRole.roleid, {
      roleid: seedRole.roleid,
      name: seedRole.name,
      businessunitid: root,
      isinherited: seedRole.isinherited,
      privileges: expandPrivileges(seedRole),
      ...(seedRole.description ? { description: seedRole.description } : {}),
    });
  }
  return { ...base, roles };
}

async function seed(db: Db, state: OrgState): Promise<void> {
  const writes: RowWrite[] = [];
  for (const table of SYNC_TABLES) for (const [key, row] of rowsOf(state, table)) writes.push({ table, key, before: null, after: row, version: 1 });
  await db.transaction((tx) =>
    writeChangeSet(tx, { account: '(server)', clientid: null, source: 'server', fromversion: 0, toversion: 1, commands: [], summary: [`Initial organization ${state.organization.name}`], changeids: [] }, writes, { log: false }),
  );
}
