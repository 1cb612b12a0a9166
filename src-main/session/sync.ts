/**
 * Sync as the desktop app uses it: sign in to a sync server (the password is exchanged for a
 * bearer token and dropped; the token is kept in the vault's sync section), sync as a job the
 * screens poll, and the conflicts and pending changes the Sync screen lists. Plain TypeScript:
 * the same SyncClient and VaultSyncStore as `roleatlas sync`, over the vault open in this process.
 */
import { networkReason } from '../sync/networkReason';
import { randomUUID } from 'node:crypto';
import type { PendingChangeDto, SyncConflictDto, SyncProgressDto, SyncStatusDto } from '../bridge/channels/sync';
import { ok, refused, type Result } from '../core/result';
import { SyncClient, SyncError } from '../sync/client';
import { LOCAL_ONLY_COMMANDS } from '../core/sync/dataverse';
import { cleartextProblem, isCleartextRemote } from '../sync/transport';
import { conflictSideText, type Choice, type ConflictRecord, type PendingChange, type RemoteDelta, type SyncAuditEntry, type SyncStatus, type SyncStore } from '../sync/store';
import { RemoteChangeRefused, VaultSyncStore, resolveInVault } from '../sync/vaultSyncStore';
import type { Vault } from '../vault/vault';
import type { OrgState } from '../core/model/org';

/** The open vault; VaultSession in the app (use() throws VaultError('locked') when locked). */
export interface VaultAccess {
  use(): Vault;
  readonly isLocked: boolean;
}

export interface SyncOptions {
  /** null: the organization is held in memory, there is nothing to sync. */
  readonly vaults: VaultAccess | null;
  /** The vault's organization changed under the session (a pull, a conflict taken): the screens reload. */
  readonly onRemoteChange?: () => void;
  readonly fetch?: typeof fetch;
  readonly now?: () => Date;
  readonly newId?: () => string;
  /** Per request of the sync client. */
  readonly timeoutMs?: number;
  readonly attempts?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

interface Job {
  readonly id: string;
  progress: SyncProgressDto;
  readonly finished: Promise<void>;
}

/** Messages that start so mean the server could not be reached: the pill says "offline". */
const UNREACHABLE = 'cannot reach ';
const JOBS_KEPT = 20;

export class SyncService {
  private readonly jobs = new Map<string, Job>();
  private running: Job | null = null;
  /** When the server's side of a conflict was written, by server and object version. */
  private readonly changedAt = new Map<string, string | null>();
  private readonly fetch: typeof fetch;
  private readonly now: () => Date;
  private readonly newId: () => string;

  constructor(private readonly o: SyncOptions) {
    this.fetch = o.fetch ?? ((input, init) => fetch(input, init));
    this.now = o.now ?? (() => new Date());
    this.newId = o.newId ?? randomUUID;
  }

  status(): SyncStatusDto {
    if (!this.o.vaults) {
      return { available: false, connection: null, insecure: false, state: 'never', lastsyncat: null, message: 'the organization is held in memory, not in a vault: there is nothing to sync', offline: false, pending: 0, conflicts: 0, resolved: 0, jobid: null };
    }
    const vault = this.o.vaults.use();
    const s = vault.getSyncState();
    const conflicts = s.conflicts as unknown as ConflictRecord[];
    const message = s.status.message ?? null;
    return {
      available: true,
      connection: s.auth ? { server: s.auth.server, account: s.auth.account } : null,
      insecure: !!s.auth && isCleartextRemote(s.auth.server),
      state: this.running ? 'running' : s.status.state === 'idle' && s.lastsyncat === null ? 'never' : s.status.state,
      lastsyncat: s.lastsyncat,
      message,
      offline: s.status.state === 'error' && !!message?.startsWith(UNREACHABLE),
      pending: vault.pendingChanges().filter((p) => !LOCAL_ONLY_COMMANDS.has(p.command.type)).length,
      conflicts: conflicts.filter((c) => !c.choices).length,
      resolved: conflicts.filter((c) => c.choices).length,
      jobid: this.running?.id ?? null,
    };
  }

  /**
   * Exchanges account name and password for a token (POST /auth/token) and keeps the token in the
   * vault. http:// to another computer is refused unless the admin allows it here; a connection
   * so allowed is shown as insecure for as long as it is kept.
   */
  async connect(server: string, account: string, password: string, o: { allowInsecureHttp?: boolean } = {}): Promise<Result<SyncStatusDto>> {
    const vault = this.vault();
    if (!vault.ok) return vault;
    const base = server.trim().replace(/\/+$/, '');
    const cleartext = cleartextProblem(base, o.allowInsecureHttp ?? false, 'tick “Allow unencrypted http://”');
    if (cleartext) return refused('insecure-http', cleartext, 'server');
    let res: Response;
    try {
      res = await this.fetch(`${base}/auth/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ name: account, password }),
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 15_000),
      });
    } catch (e) {
      return refused('unreachable', `${UNREACHABLE}${base}: ${networkReason(e)}`, 'server');
    }
    const body = (await res.json().catch(() => null)) as { access_token?: unknown; error?: { message?: string } } | null;
    if (res.status === 401) return refused('unauthorized', 'the server does not know this account name and password', 'password');
    if (res.status === 404) return refused('not-a-sync-server', `${base} answered 404 Not Found: is it a RoleAtlas sync server?`, 'server');
    if (!res.ok || typeof body?.access_token !== 'string') return refused('sign-in-failed', `${base} refused the sign-in (${res.status}): ${body?.error?.message ?? res.statusText}`, 'server');
    const v = this.o.vaults!.use();
    const saved = v.setSyncState({ auth: { server: base, account, token: body.access_token } });
    if (!saved.ok) return saved;
    v.note({ summary: `Signed in to the sync server ${base} as ${account}`, detail: { sync: 'signin', server: base, account } });
    return ok(this.status());
  }

  /**
   * Signs out: asks the server to revoke the token (POST /api/auth/revoke), then forgets it. The token
   * is forgotten even when the server cannot be reached, so signing out always works offline; the
   * audit entry says whether the server revoked it. What was synced, the delta token and open
   * conflicts stay.
   */
  async disconnect(): Promise<Result<SyncStatusDto>> {
    const vault = this.vault();
    if (!vault.ok) return vault;
    const auth = vault.value.getSyncState().auth;
    if (auth) {
      const revoked = await this.revoke(auth.server, auth.token);
      const r = vault.value.setSyncState({ auth: undefined });
      if (!r.ok) return r;
      const how = revoked === true ? 'the server revoked the token' : `the token was forgotten here but not revoked on the server (${revoked})`;
      vault.value.note({ summary: `Signed out of the sync server ${auth.server}: ${how}`, detail: { sync: 'signout', server: auth.server, account: auth.account, revoked: revoked === true } });
    }
    return ok(this.status());
  }

  /** true, or why the server did not revoke the token. */
  private async revoke(base: string, token: string): Promise<true | string> {
    try {
      const res = await this.fetch(`${base}/api/auth/revoke`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 15_000),
      });
      // 401: the token had already expired or been revoked, which is what signing out wants.
      if (res.ok || res.status === 401) return true;
      return `${base} answered ${res.status} ${res.statusText}`;
    } catch (e) {
      return `${base} could not be reached: ${networkReason(e)}`;
    }
  }

  /**
   * Starts pull + push in the background; one job at a time (a second start answers the running one).
   * publish: the admin confirmed that an empty server takes this vault's organization.
   */
  start(o: { publish?: boolean } = {}): Result<{ jobid: string }> {
    if (this.running) return ok({ jobid: this.running.id });
    const vault = this.vault();
    if (!vault.ok) return vault;
    const auth = vault.value.getSyncState().auth;
    if (!auth) return refused('not-connected', 'sign in to a sync server first');
    const total = vault.value.pendingChanges().filter((p) => !LOCAL_ONLY_COMMANDS.has(p.command.type)).length;
    const id = this.newId();
    const job: { id: string; progress: SyncProgressDto; finished: Promise<void> } = { id, progress: { phase: 'pulling', pulled: 0, pushed: 0, total }, finished: Promise.resolve() };
    job.finished = this.run(job, vault.value, auth.server, auth.token, o.publish ?? false).finally(() => {
      this.running = null;
    });
    this.running = job;
    this.jobs.set(id, job);
    for (const old of [...this.jobs.keys()].slice(0, Math.max(0, this.jobs.size - JOBS_KEPT))) this.jobs.delete(old);
    return ok({ jobid: id });
  }

  progress(jobid: string): Result<SyncProgressDto> {
    const job = this.jobs.get(jobid);
    return job ? ok({ ...job.progress }) : refused('unknown-job', `no sync job ${jobid} (jobs are kept until the app restarts)`, 'jobid');
  }

  /** Resolves when the running job (if any) has finished; for tests and for shutting down. */
  async idle(): Promise<void> {
    await this.running?.finished;
  }

  /** Every open conflict with both sides per field, who changed the server's side and when. */
  async conflicts(): Promise<SyncConflictDto[]> {
    if (!this.o.vaults) return [];
    const s = this.o.vaults.use().getSyncState();
    const open = s.conflicts as unknown as ConflictRecord[];
    if (s.auth) await this.learnChangedAt(s.auth.server, s.auth.token, open.map((c) => c.version));
    return open.map((c) => conflictDto(c, s.auth ? (this.changedAt.get(`${s.auth.server} ${c.version}`) ?? null) : null));
  }

  /**
   * Keeps mine or takes theirs for one conflicted object (or only the fields named): applied to the
   * vault now and audited there, pushed with the next sync (resolveInVault, as `roleatlas sync resolve`).
   */
  async resolve(conflictid: string, take: Choice, fields?: readonly string[]): Promise<Result<{ conflicts: SyncConflictDto[]; message: string }>> {
    const vault = this.vault();
    if (!vault.ok) return vault;
    if (this.running) return refused('sync-running', 'a sync is running; choose once it has finished');
    let resolved: ReturnType<typeof resolveInVault>;
    try {
      resolved = resolveInVault(vault.value, conflictid, take, fields, this.now());
    } catch (e) {
      return refused('cannot-resolve', (e as Error).message, 'conflictid');
    }
    if (resolved.commands.length) this.o.onRemoteChange?.();
    const c = resolved.conflict;
    const what = fields ? fields.join(', ') : 'every field';
    const message = `${c.entityset}(${c.key}): ${take === 'mine' ? 'kept mine' : 'took theirs'} for ${what}; the next sync pushes it`;
    return ok({ conflicts: await this.conflicts(), message });
  }

  /** Local changes not yet synced, oldest first: when, who, and what the change did. */
  pending(limit: number): { total: number; entries: PendingChangeDto[] } {
    if (!this.o.vaults) return { total: 0, entries: [] };
    const vault = this.o.vaults.use();
    const all = vault.pendingChanges().filter((p) => !LOCAL_ONLY_COMMANDS.has(p.command.type));
    const shown = all.slice(0, limit);
    const wanted = new Set(shown.map((p) => p.clientchangeid));
    // The journal keeps each change's summary in its audit entry.
    const summaries = new Map<string, string>();
    if (wanted.size) for (const e of vault.audit()) if (wanted.has(e.clientchangeid)) summaries.set(e.clientchangeid, e.summary);
    return {
      total: all.length,
      entries: shown.map((p) => ({ seq: p.seq, at: p.at, actor: p.actor, type: p.command.type, summary: summaries.get(p.clientchangeid) ?? p.command.type })),
    };
  }

  // ---- the job --------------------------------------------------------------------------------------

  private async run(job: Job, vault: Vault, server: string, token: string, publish: boolean): Promise<void> {
    let network: string | null = null;
    const store = new VaultSyncStore(vault, { server, now: this.now });
    const observed = new ObservedStore(store, job);
    const client = new SyncClient({
      server,
      token,
      store: observed,
      now: this.now,
      timeoutMs: this.o.timeoutMs,
      attempts: this.o.attempts,
      sleep: this.o.sleep,
      // Stored only when the admin allowed it at sign-in; the status bar keeps saying so.
      allowInsecureHttp: isCleartextRemote(server),
      publish,
      fetch: async (input, init) => {
        try {
          return await this.fetch(input, init);
        } catch (e) {
          network = networkReason(e);
          throw new Error(network, { cause: e });
        }
      },
    });
    try {
      // Let the caller have its job id before the first request goes out.
      await Promise.resolve();
      const report = await client.sync();
      const open = store.conflicts().filter((c) => !c.choices).length;
      const p = report.publish;
      const pushed = report.push.pushed + report.push.duplicates + (p?.changes ?? 0);
      job.progress = {
        ...job.progress,
        phase: open ? 'conflicts' : 'done',
        pushed,
        total: Math.max(job.progress.total, pushed),
        ...(p ? { published: { organization: p.organization, changes: p.changes, duplicate: p.duplicate, unplaced: p.unplaced.map((u) => u.name) } } : {}),
      };
    } catch (e) {
      const message = failure(e, server, network);
      const code = e instanceof SyncError && (e.code === 'server-empty' || e.code === 'server-holds-other-organization') ? e.code : undefined;
      job.progress = { ...job.progress, phase: 'failed', error: message, ...(code ? { code } : {}) };
      // The vault keeps how the sync ended in the admin's words (the pill shows it after a restart).
      if (!vault.isLocked) {
        try {
          store.setStatus({ state: 'error', lastsyncat: vault.getSyncState().lastsyncat, message });
        } catch {
          /* the vault locked meanwhile: the job's answer still says why */
        }
      }
    } finally {
      if (store.appliedFromServer > 0 || job.progress.pushed > 0) this.o.onRemoteChange?.();
    }
  }

  private vault(): Result<Vault> {
    if (!this.o.vaults) return refused('no-vault', 'this organization is held in memory, not in a vault: there is nothing to sync');
    return ok(this.o.vaults.use());
  }

  /** Looks up, once per version, when the server's side was written (GET /api/sync/audit); unknown stays null. */
  private async learnChangedAt(server: string, token: string, versions: readonly number[]): Promise<void> {
    for (const version of new Set(versions)) {
      const key = `${server} ${version}`;
      if (this.changedAt.has(key)) continue;
      let at: string | null = null;
      try {
        const res = await this.fetch(`${server}/api/sync/audit?since=${Math.max(0, version - 1)}`, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' }, signal: AbortSignal.timeout(5_000) });
        if (res.ok) {
          const body = (await res.json()) as { value?: { at?: unknown; fromversion?: number; toversion?: number }[] };
          const hit = body.value?.find((r) => typeof r.fromversion === 'number' && typeof r.toversion === 'number' && r.fromversion < version && version <= r.toversion);
          if (hit && (typeof hit.at === 'string' || hit.at instanceof Date)) at = new Date(hit.at).toISOString();
        }
      } catch {
        /* offline: the conflict still shows who, and when it was seen */
      }
      this.changedAt.set(key, at);
    }
  }
}

/** The vault's store, with the job's progress taken from what the client reports. */
class ObservedStore implements SyncStore {
  constructor(
    private readonly inner: VaultSyncStore,
    private readonly job: Job,
  ) {}
  clientId(): string {
    return this.inner.clientId();
  }
  pending(): PendingChange[] {
    return this.inner.pending();
  }
  markSynced(ids: readonly string[]): void {
    this.inner.markSynced(ids);
  }
  organization(): OrgState {
    return this.inner.organization();
  }
  markPublished(ids: readonly string[]): void {
    this.inner.markPublished(ids);
  }
  applyRemote(delta: RemoteDelta): void {
    this.inner.applyRemote(delta);
    this.job.progress = { ...this.job.progress, pulled: this.job.progress.pulled + delta.changes.length };
  }
  deltaToken(): number | null {
    return this.inner.deltaToken();
  }
  setDeltaToken(version: number): void {
    this.inner.setDeltaToken(version);
  }
  conflicts(): ConflictRecord[] {
    return this.inner.conflicts();
  }
  setConflicts(conflicts: readonly ConflictRecord[]): void {
    this.inner.setConflicts(conflicts);
  }
  status(): SyncStatus {
    return this.inner.status();
  }
  setStatus(status: SyncStatus): void {
    this.inner.setStatus(status);
    const p = this.job.progress;
    if (status.state === 'pulling') this.job.progress = { ...p, phase: 'pulling' };
    else if (status.state === 'pushing') this.job.progress = { ...p, phase: 'pushing', pushed: status.progress?.done ?? p.pushed, total: Math.max(p.total, status.progress?.total ?? 0) };
  }
  audit(entry: SyncAuditEntry): void {
    this.inner.audit(entry);
  }
}

// ---- words for the screens ------------------------------------------------------------------------

function conflictDto(c: ConflictRecord, changedat: string | null): SyncConflictDto {
  const row = (c.theirs ?? c.mine ?? {}) as Record<string, unknown>;
  const name = row.name ?? row.fullname ?? row.displayname;
  return {
    id: c.id,
    entityset: c.entityset,
    key: c.key,
    name: typeof name === 'string' ? name : null,
    changedby: c.changedby,
    changedat,
    detectedat: c.detectedat,
    fields: c.fields.map((f) => ({ field: f.field, mine: conflictSideText(f.field, f.mine), theirs: conflictSideText(f.field, f.theirs), choice: c.choices?.[f.field] ?? null })),
    resolved: !!c.choices,
  };
}



/** One sentence for each way a sync fails. */
function failure(e: unknown, server: string, network: string | null): string {
  if (e instanceof RemoteChangeRefused) return e.message;
  if (e instanceof SyncError && e.code) return e.message;
  if (e instanceof SyncError) {
    if (e.status === null) return network ? `${UNREACHABLE}${server}: ${network}` : e.message;
    if (e.status === 401) return `the server no longer accepts this sign-in (401): sign in again`;
    if (e.status === 403) return `the server refused the change (403): ${e.message}. Nothing was pushed`;
    if (e.status === 404) return `${server} answered 404 Not Found: is it a RoleAtlas sync server?`;
    if (e.status === 400) return `the server refused this vault's changes (400): ${e.message}. Nothing was pushed`;
    return `sync with ${server} failed (${e.status}): ${e.message}`;
  }
  return e instanceof Error ? e.message : String(e);
}
