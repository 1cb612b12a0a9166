/**
 * The sync client: pushes the vault's journal as idempotent change sets, pulls Dataverse deltas,
 * and turns conflicts into choices for the admin. Talks HTTP only (fetch is injectable), so the
 * same client runs in the main process, the command line and tests.
 */
import type { Command } from '../core/commands/schema';
import { LOCAL_ONLY_COMMANDS, SPEC_BY_SET, TABLE_SPECS, fieldsOf, fromODataRow, rowOfFields, transition, type Row, type RowChange } from '../core/sync/dataverse';
import { toInterchange } from '../core/interchange/fromState';
import { MAX_CHANGESET_OPERATIONS, type ChangeSetApplied, type ChangeSetRequest, type ErrorBody, type ObjectConflict, type PublishReply, type PublishRequest, type SyncStatusReply } from '../core/sync/protocol';
import type { Choice, ConflictRecord, PendingChange, SyncStore } from './store';
import { cleartextProblem } from './transport';

/**
 * Why a sync stopped. `code` names the cases a screen or the command line answers with a choice:
 * server-empty (the server holds no organization: publish this one?), server-holds-other-organization
 * (never overwritten; the admin chooses another server or a vault of that organization).
 */
export class SyncError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly code?: 'server-empty' | 'server-holds-other-organization' | 'nothing-to-publish',
  ) {
    super(message);
  }
}

export interface SyncClientOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:8080 */
  readonly server: string;
  readonly token: string;
  readonly store: SyncStore;
  readonly fetch?: typeof fetch;
  /** Per request; a timed-out push is retried with the same change ids. */
  readonly timeoutMs?: number;
  /** Attempts per request on a network error, timeout, 429 or 5xx. */
  readonly attempts?: number;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Send the token over http:// to a host other than this computer (the admin's explicit choice). */
  readonly allowInsecureHttp?: boolean;
  /**
   * The admin confirmed: a first sync against a server that holds no organization publishes this
   * one (sync --publish, or the app's confirmation). Without it such a sync stops with server-empty.
   */
  readonly publish?: boolean;
}

export interface PublishReport {
  readonly organization: string;
  /** Version of the published rows. */
  readonly version: number;
  /** An earlier attempt had done it (its reply was lost): nothing applied twice. */
  readonly duplicate: boolean;
  /** Journal entries the published organization included. */
  readonly changes: number;
  /** Server accounts left without a user: the organization has no role of the name they were added with. */
  readonly unplaced: readonly { readonly name: string; readonly role: string | null }[];
}

export interface PushReport {
  readonly pushed: number;
  readonly duplicates: number;
  readonly requests: number;
  readonly conflicts: number;
  readonly localOnly: number;
}
export interface PullReport {
  readonly full: boolean;
  readonly rows: number;
  readonly deleted: number;
  readonly version: number;
  readonly requests: number;
}

const API = '/api/data/v9.2';

export class SyncClient {
  private readonly fetch: typeof fetch;
  private readonly now: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly o: SyncClientOptions) {
    this.fetch = o.fetch ?? fetch;
    this.now = o.now ?? (() => new Date());
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /**
   * The first time: publish this organization to an empty server (when allowed), or pull the
   * server's whole organization; then push the journal and pull what changed meanwhile. The pull
   * reported is the first one (full on a first sync), with the rows of both pulls.
   */
  async sync(): Promise<{ push: PushReport; pull: PullReport; publish?: PublishReport }> {
    const store = this.o.store;
    try {
      let first: PullReport | null = null;
      let publish: PublishReport | undefined;
      if ((await store.deltaToken()) === null) {
        const server = await this.serverStatus();
        if (server.organization === null) publish = await this.publishIfAllowed();
        else {
          await this.sameOrganization(server.organization);
          first = await this.pull();
        }
      }
      const push = await this.push();
      const last = await this.pull();
      const pull = first ? { ...last, full: first.full, rows: first.rows + last.rows, deleted: first.deleted + last.deleted, requests: first.requests + last.requests } : last;
      const at = this.now().toISOString();
      await store.setStatus(push.conflicts ? { state: 'conflict', lastsyncat: at, message: `${push.conflicts} conflict(s) to resolve` } : { state: 'idle', lastsyncat: at });
      return publish ? { push, pull, publish } : { push, pull };
    } catch (e) {
      const prev = await store.status();
      await store.setStatus({ state: 'error', lastsyncat: prev.lastsyncat, message: (e as Error).message });
      throw e;
    }
  }

  // ---- a first sync: publish or pull ---------------------------------------------------------------

  /** What the server holds: its version and organization (null: empty). */
  async serverStatus(): Promise<SyncStatusReply> {
    const body = (await this.request('GET', '/api/sync/status')) as Partial<SyncStatusReply> | undefined;
    if (!body || typeof body.version !== 'number') throw new SyncError('the server did not say its version (GET /api/sync/status): is it a RoleAtlas sync server?', 200);
    return { version: body.version, organization: body.organization ?? null };
  }

  private async publishIfAllowed(): Promise<PublishReport> {
    const local = await this.o.store.organization();
    const name = local.organization.name || '(unnamed)';
    if (!local.businessunits.size) {
      throw new SyncError(`the server at ${this.o.server} holds no organization, and neither does this vault: create or import one first, then sync to publish it`, null, 'nothing-to-publish');
    }
    if (!this.o.publish) {
      throw new SyncError(
        `the server at ${this.o.server} holds no organization yet. Publishing puts this vault's organization "${name}" (${local.businessunits.size} business unit(s), ${local.systemusers.size} user(s), ${local.roles.size} role(s)) on it for everyone who syncs with it; confirm to publish`,
        null,
        'server-empty',
      );
    }
    return this.publish();
  }

  /**
   * Puts this vault's organization (without records, record counts and shares) on the empty server, in one
   * request under one id: a retry after a lost reply is answered as done, never applied twice.
   */
  async publish(): Promise<PublishReport> {
    const store = this.o.store;
    const clientid = await store.clientId();
    const local = await store.organization();
    const included = (await store.pending()).filter((p) => !LOCAL_ONLY_COMMANDS.has(p.command.type)).map((p) => p.id);
    const body: PublishRequest = {
      clientid,
      publishid: `publish:${clientid}`,
      organization: toInterchange({ ...local, records: new Map(), recordcounts: new Map(), shares: new Map() }),
      changeids: included,
    };
    await store.setStatus({ state: 'pushing', lastsyncat: (await store.status()).lastsyncat, progress: { done: 0, total: included.length } });
    const reply = (await this.request('POST', '/api/sync/publish', body)) as PublishReply;
    await store.markPublished(included);
    await store.setDeltaToken(reply.publishedversion);
    await store.audit({
      at: this.now().toISOString(),
      kind: 'published',
      detail: `organization ${reply.organization} published at version ${reply.publishedversion}${reply.duplicate ? ' (by an earlier attempt whose reply was lost)' : ''}, including ${included.length} local change(s)${reply.unplaced.length ? `; accounts without a user (no such role): ${reply.unplaced.map((u) => `${u.name} (${u.role ?? 'no role'})`).join(', ')}` : ''}`,
    });
    return { organization: reply.organization, version: reply.publishedversion, duplicate: reply.duplicate, changes: included.length, unplaced: reply.unplaced };
  }

  /** A vault that holds an organization syncs only with a server holding the same one (same root business unit). */
  private async sameOrganization(server: NonNullable<SyncStatusReply['organization']>): Promise<void> {
    const local = await this.o.store.organization();
    if (!local.businessunits.size) return;
    const root = [...local.businessunits.values()].find((b) => b.parentbusinessunitid === null);
    if (root?.businessunitid === server.rootbusinessunitid) return;
    throw new SyncError(
      `the server at ${this.o.server} already holds another organization, "${server.name}" (${server.businessunits} business unit(s), ${server.systemusers} user(s), ${server.roles} role(s)), and this vault holds "${local.organization.name}". ` +
        `Nothing was changed on either side: the server is never overwritten. Sync this vault with an empty server to publish it there, or start a new vault with no organization and sync it to take the server's`,
      409,
      'server-holds-other-organization',
    );
  }

  // ---- pull ---------------------------------------------------------------------------------------

  async pull(): Promise<PullReport> {
    const store = this.o.store;
    const start = await store.deltaToken();
    const full = start === null;
    const prev = await store.status();
    const changes = new Map<string, RowChange>();
    const tokens = new Map<string, number | null>(TABLE_SPECS.map((s) => [s.entitySet, start]));
    let requests = 0;
    let deleted = 0;
    // Each set answers at its own moment; sets behind the newest token are asked again from
    // their own token until all agree, so the rows applied are one consistent version.
    for (let round = 0; round < 20; round++) {
      const target = round === 0 ? Infinity : Math.max(...[...tokens.values()].map((t) => t ?? 0));
      const sets = [...tokens].filter(([, t]) => round === 0 || (t ?? 0) < target).map(([s]) => s);
      if (!sets.length) break;
      let done = 0;
      for (const set of sets) {
        await store.setStatus({ state: 'pulling', lastsyncat: prev.lastsyncat, progress: { done: done++, total: sets.length } });
        const spec = SPEC_BY_SET.get(set)!;
        const t = tokens.get(set) ?? null;
        const body = (await this.request('GET', `${API}/${set}${t === null ? '' : `?$deltatoken=${t}`}`, undefined, { Prefer: 'odata.track-changes' })) as { value: Record<string, unknown>[]; '@odata.deltaLink'?: string };
        requests++;
        const link = /\$deltatoken=(\d+)/.exec(body['@odata.deltaLink'] ?? '');
        if (!link) throw new SyncError(`${set}: the server sent no delta link`, 200);
        tokens.set(set, Number(link[1]));
        for (const o of body.value) {
          if (o.reason === 'deleted' && typeof o.id === 'string') {
            changes.set(`${spec.table}\u0000${o.id}`, { table: spec.table, key: o.id, row: null });
            deleted++;
          } else {
            const { key, row } = fromODataRow(spec, o);
            changes.set(`${spec.table}\u0000${key}`, { table: spec.table, key, row });
          }
        }
      }
    }
    const version = Math.max(...[...tokens.values()].map((t) => t ?? 0));
    await store.applyRemote({ full, changes: [...changes.values()], version });
    await store.setDeltaToken(version);
    const rows = changes.size - deleted;
    if (changes.size) await store.audit({ at: this.now().toISOString(), kind: 'pulled', detail: `${full ? 'full pull' : 'delta'}: ${rows} row(s), ${deleted} deleted, version ${version}` });
    return { full, rows, deleted, version, requests };
  }

  // ---- push ---------------------------------------------------------------------------------------

  async push(): Promise<PushReport> {
    const store = this.o.store;
    const clientid = await store.clientId();
    const pending = await store.pending();
    const localOnly = pending.filter((p) => LOCAL_ONLY_COMMANDS.has(p.command.type));
    // Records and shares are preview data of this vault; they never leave it.
    if (localOnly.length) await store.markSynced(localOnly.map((p) => p.id));
    const toPush = pending.filter((p) => !LOCAL_ONLY_COMMANDS.has(p.command.type));

    const open = await store.conflicts();
    const unresolved = open.filter((c) => !c.choices);
    if (unresolved.length) {
      await store.setStatus({ state: 'conflict', lastsyncat: (await store.status()).lastsyncat, message: `${unresolved.length} conflict(s) to resolve before pushing` });
      return { pushed: 0, duplicates: 0, requests: 0, conflicts: unresolved.length, localOnly: localOnly.length };
    }
    const fixups = open.flatMap((c) => resolutionCommands(c).map((command, i): PendingChange => ({ id: `resolution:${c.id}:${i}`, command })));
    const acknowledge = open.map((c) => ({ table: c.table, key: c.key, version: c.version }));
    const resolution = open.map((c) => ({ table: c.table, key: c.key, version: c.version, choices: { ...c.choices! } }));

    const all = [...toPush, ...fixups];
    const chunks: PendingChange[][] = [];
    for (let i = 0; i < all.length; i += MAX_CHANGESET_OPERATIONS) chunks.push(all.slice(i, i + MAX_CHANGESET_OPERATIONS));
    let pushed = 0;
    let duplicates = 0;
    let requests = 0;
    const lastsyncat = (await store.status()).lastsyncat;
    for (const [n, chunk] of chunks.entries()) {
      await store.setStatus({ state: 'pushing', lastsyncat, progress: { done: pushed + duplicates, total: all.length } });
      const body: ChangeSetRequest = {
        clientid,
        baseversion: (await store.deltaToken()) ?? 0,
        changes: chunk.map((p) => ({ id: p.id, command: p.command })),
        ...(acknowledge.length ? { acknowledge, resolution } : {}),
      };
      let reply: ChangeSetApplied;
      try {
        reply = (await this.request('POST', '/api/sync/changesets', body)) as ChangeSetApplied;
        requests++;
      } catch (e) {
        if (e instanceof ConflictReply) {
          const at = this.now().toISOString();
          const records = e.conflicts.map((c): ConflictRecord => ({ ...c, id: `${c.table}:${c.key}:${c.version}`, detectedat: at }));
          await store.setConflicts(records);
          await store.audit({ at, kind: 'conflict', detail: records.map((c) => `${c.entityset}(${c.key}): ${c.fields.map((f) => f.field).join(', ')} changed by ${c.changedby ?? 'another client'}`).join('; ') });
          await store.setStatus({ state: 'conflict', lastsyncat, message: e.message });
          return { pushed, duplicates, requests: requests + 1, conflicts: records.length, localOnly: localOnly.length };
        }
        throw e;
      }
      await store.markSynced(chunk.filter((p) => !p.id.startsWith('resolution:')).map((p) => p.id));
      pushed += reply.applied.length;
      duplicates += reply.duplicates.length;
      void n;
    }
    if (open.length) {
      await store.setConflicts([]);
      await store.audit({ at: this.now().toISOString(), kind: 'resolved', detail: open.map((c) => `${c.entityset}(${c.key}): ${Object.entries(c.choices!).map(([f, ch]) => `${f}=${ch}`).join(', ')}`).join('; ') });
    }
    if (pushed) await store.audit({ at: this.now().toISOString(), kind: 'pushed', detail: `${pushed} change(s) in ${requests} request(s)` });
    return { pushed, duplicates, requests, conflicts: 0, localOnly: localOnly.length };
  }

  /**
   * The admin's choice for one conflict: 'mine' or 'theirs' for the whole object, or per field.
   * Fields not named keep "mine". Takes effect on the next push, which is audited on the server.
   */
  async resolve(conflictId: string, choice: Choice | Readonly<Record<string, Choice>>): Promise<void> {
    const store = this.o.store;
    const open = await store.conflicts();
    const c = open.find((x) => x.id === conflictId);
    if (!c) throw new SyncError(`no open conflict ${conflictId}`, null);
    const choices: Record<string, Choice> = {};
    for (const f of c.fields) choices[f.field] = typeof choice === 'string' ? choice : (choice[f.field] ?? 'mine');
    if (typeof choice !== 'string') for (const k of Object.keys(choice)) if (!c.fields.some((f) => f.field === k)) throw new SyncError(`conflict ${conflictId} has no field ${k}`, null);
    await store.setConflicts(open.map((x) => (x.id === conflictId ? { ...x, choices, resolvedat: this.now().toISOString() } : x)));
  }

  // ---- HTTP ---------------------------------------------------------------------------------------

  private async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<unknown> {
    const cleartext = cleartextProblem(this.o.server, this.o.allowInsecureHttp ?? false, 'allow insecure http explicitly');
    if (cleartext) throw new SyncError(cleartext, null);
    const attempts = this.o.attempts ?? 5;
    let last: Error = new SyncError('no attempt made', null);
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt) await this.sleep(Math.min(2000, 100 * 2 ** (attempt - 1)));
      let res: Response;
      try {
        res = await this.fetch(`${this.o.server.replace(/\/$/, '')}${path}`, {
          method,
          headers: { Authorization: `Bearer ${this.o.token}`, Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(this.o.timeoutMs ?? 30_000),
        });
      } catch (e) {
        last = new SyncError(`${method} ${path}: ${(e as Error).message}`, null);
        continue; // the server may have applied it: the retry carries the same change ids
      }
      const text = await res.text().catch(() => '');
      let json: unknown = undefined;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        /* not JSON */
      }
      if (res.ok) return json;
      const err = (json as ErrorBody | undefined)?.error;
      const message = err?.message ?? `${res.status} ${res.statusText}`;
      if (res.status === 409 && (json as ErrorBody).conflicts) throw new ConflictReply(message, (json as ErrorBody).conflicts!);
      if (res.status === 429 || res.status >= 500) {
        last = new SyncError(`${method} ${path}: ${message}`, res.status);
        continue;
      }
      throw new SyncError(message, res.status);
    }
    throw last;
  }
}

class ConflictReply extends Error {
  constructor(
    message: string,
    readonly conflicts: readonly ObjectConflict[],
  ) {
    super(message);
  }
}

/**
 * Commands that, after "mine" is applied on top of "theirs", put back "theirs" on the fields the
 * admin chose it for. Whole-object choices ("(row)") create or delete the object.
 */
export function resolutionCommands(c: ConflictRecord): Command[] {
  const choices = c.choices ?? {};
  if (!Object.values(choices).includes('theirs')) return [];
  let target: Row | null;
  if ('(row)' in choices) target = choices['(row)'] === 'theirs' ? c.theirs : c.mine;
  else {
    const fields = fieldsOf(c.table, c.mine);
    const theirs = fieldsOf(c.table, c.theirs);
    for (const [f, ch] of Object.entries(choices)) {
      if (ch !== 'theirs') continue;
      if (theirs.has(f)) fields.set(f, theirs.get(f));
      else fields.delete(f);
    }
    target = rowOfFields(c.table, fields);
  }
  const t = transition(c.table, c.key, c.mine, target);
  if (!t.ok) throw new SyncError(`cannot take theirs for ${c.entityset}(${c.key}): ${t.error.message}`, null);
  return t.commands;
}
