/**
 * The sync client: pushes the vault's journal as idempotent change sets, pulls Dataverse deltas,
 * and turns conflicts into choices for the admin. Talks HTTP only (fetch is injectable), so the
 * same client runs in the main process, the command line and tests.
 */
import type { Command } from '../core/commands/schema';
import { LOCAL_ONLY_COMMANDS, SPEC_BY_SET, TABLE_SPECS, fieldsOf, fromODataRow, rowOfFields, transition, type Row, type RowChange } from './dataverse';
import { MAX_CHANGESET_OPERATIONS, type ChangeSetApplied, type ChangeSetRequest, type ErrorBody, type ObjectConflict } from './protocol';
import type { Choice, ConflictRecord, PendingChange, SyncStore } from './store';
import { cleartextProblem } from './transport';

export class SyncError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
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

  /** Pull (whole organization the first time), push the journal, pull what changed meanwhile. */
  async sync(): Promise<{ push: PushReport; pull: PullReport }> {
    const store = this.o.store;
    try {
      if ((await store.deltaToken()) === null) await this.pull();
      const push = await this.push();
      const pull = await this.pull();
      const at = this.now().toISOString();
      await store.setStatus(push.conflicts ? { state: 'conflict', lastsyncat: at, message: `${push.conflicts} conflict(s) to resolve` } : { state: 'idle', lastsyncat: at });
      return { push, pull };
    } catch (e) {
      const prev = await store.status();
      await store.setStatus({ state: 'error', lastsyncat: prev.lastsyncat, message: (e as Error).message });
      throw e;
    }
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
