/**
 * The Dataverse screen's side in main: the environment it works with (kept in the vault's
 * settings), pulling it into the open vault as a job the screen polls, and pushing what the
 * environment lacks (the changes applied since the pull, then the staged change set) after the
 * admin reviewed its requests and access diff. The pull, the plan and the
 * push are src-main/dataverse/vaultLink.ts, the same as `roleatlas dataverse`; the token comes
 * from whoever signed in (injected), and never leaves main.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { DataverseConflictDto, DataversePlanDto, DataversePullJobDto, DataversePushDto, DataverseSettingsDto, DataverseStatusDto } from '../bridge/channels/dataverseLink';
import { ok, refused, type Result } from '../core/result';
import { Connection, DataverseError, NoToken, type ConnectionOptions } from '../dataverse/connection';
import { PushConflict, show, type PlannedRequest } from '../dataverse/push';
import { changeSetsOf, NotSent, unanswered } from '../dataverse/pushSend';
import { sincePullStatus } from '../dataverse/sincePull';
import { commandPart, dismissConflict, planVaultPush, pullIntoVault, pushedWhat, pushVault, type PushPlan } from '../dataverse/vaultLink';
import type { Vault } from '../vault/vault';
import type { VaultAccess } from './sync';
import { groupsOf } from './staging';

export interface DataverseOptions {
  /** null: the organization is held in memory, there is nothing to pull into. */
  readonly vaults: VaultAccess | null;
  /** A bearer token for the environment, from the Dataverse sign-in; rejects when nobody is signed in. */
  readonly token: (env: string) => Promise<string>;
  /** Who is signed in to the environment, when the sign-in can tell. */
  readonly account?: (env: string) => Promise<string | null>;
  /** Why the sign-in to the environment must be made again before a token can be had (the organization asks for multi-factor authentication); null when it need not. */
  readonly signInRequired?: (env: string) => string | null;
  /** The vault's organization changed under the session (a pull, a push applied): the screens reload. */
  readonly onChange?: () => void;
  /** Connection settings for tests (a fake clock for Retry-After, smaller pages). */
  readonly connection?: Pick<ConnectionOptions, 'sleep' | 'pageSize' | 'concurrency' | 'maxAttempts'>;
  readonly now?: () => Date;
}

/** Bodies are shown on one line of the review; the full body is what `roleatlas dataverse push --json` prints. */
const BODY_CHARS = 240;

/** Pull jobs answered after they end, so a window that polls late still reads how one ended. */
const JOBS_KEPT = 20;

/** The push read against the environment, or the fields it changed since the pull (then nothing can be sent). */
type Planned = { readonly kind: 'planned'; readonly plan: PushPlan; readonly vault: Vault; readonly connection: Connection } | { readonly kind: 'conflict'; readonly env: string; readonly message: string; readonly conflicts: PushConflict['fields']; readonly staged: number };

export class DataverseService {
  private readonly jobs = new Map<string, DataversePullJobDto>();
  private running: DataversePullJobDto | null = null;
  private pushing = false;
  /** The last count of the changes since the pull, by where the journal and the pull ended: the screen asks on every change. */
  private since: { readonly key: string; readonly value: ReturnType<typeof sincePullStatus> } | null = null;

  constructor(private readonly o: DataverseOptions) {}

  settings(): Result<DataverseSettingsDto> {
    const vault = this.vault();
    if (!vault.ok) return vault;
    return ok(settingsOf(vault.value));
  }

  setSettings(settings: DataverseSettingsDto & { env: string }): Result<DataverseSettingsDto> {
    const vault = this.vault();
    if (!vault.ok) return vault;
    const r = vault.value.setSettings({ dataverse: { env: settings.env, clientid: settings.clientid, authority: settings.authority } });
    return r.ok ? ok(settingsOf(vault.value)) : r;
  }

  async status(): Promise<DataverseStatusDto> {
    if (!this.o.vaults) return { available: false, message: 'the organization is held in memory, not in a vault: there is nothing to pull into', settings: { env: null, clientid: null, authority: null }, link: null, staged: 0, applied: 0, kept: 0, sincePull: null, account: null, job: null, conflict: null, signInRequired: null };
    const vault = this.o.vaults.use();
    const settings = settingsOf(vault);
    const link = vault.getSyncState().dataverse ?? null;
    const key = `${vault.dir}|${vault.seq}|${link?.env}|${link?.journalseq}`;
    if (this.since?.key !== key) this.since = { key, value: sincePullStatus(vault, link ?? undefined) };
    const since = this.since.value;
    let account: string | null = null;
    if (settings.env && this.o.account) account = await this.o.account(settings.env).catch(() => null);
    return {
      available: true,
      message: null,
      settings,
      link: link && { env: link.env, pulledat: link.pulledat, counts: link.counts, privileges: Object.keys(link.privileges).length },
      staged: vault.getStaged().length,
      applied: since.applied,
      kept: since.kept,
      sincePull: since.problem,
      account,
      job: this.running ? { ...this.running } : null,
      conflict: link?.pushconflict ? { detectedat: link.pushconflict.detectedat, message: link.pushconflict.message, fields: link.pushconflict.fields.map(conflictDto) } : null,
      signInRequired: settings.env ? (this.o.signInRequired?.(settings.env) ?? null) : null,
    };
  }

  /** Forgets the push conflict kept in the vault: the admin has seen it, and will pull when they choose. */
  async dismissConflict(): Promise<Result<DataverseStatusDto>> {
    const vault = this.vault();
    if (!vault.ok) return vault;
    if (!dismissConflict(vault.value)) return refused('no-conflict', 'there is no push conflict to dismiss');
    return ok(await this.status());
  }

  /**
   * Starts the pull of the settings' environment; one at a time (a second start answers the running
   * job). `discard`: a full pull, discarding the changes applied since the last pull and not pushed.
   */
  pull(o: { discard?: boolean } = {}): Result<DataversePullJobDto> {
    if (this.running) return ok({ ...this.running });
    const vault = this.vault();
    if (!vault.ok) return vault;
    if (this.pushing) return refused('push-running', 'a push is under way; pull once it has finished');
    const env = settingsOf(vault.value).env;
    if (!env) return refused('no-environment', 'set the environment URL first (https://ORG.crm.dynamics.com)', 'env');
    const job: DataversePullJobDto = { jobid: randomUUID(), env, state: 'running', table: null, done: 0, of: 0, rows: 0, error: null, result: null };
    this.running = job;
    this.jobs.set(job.jobid, job);
    for (const old of [...this.jobs.keys()].slice(0, Math.max(0, this.jobs.size - JOBS_KEPT))) this.jobs.delete(old);
    void this.runPull(job, vault.value, o.discard === true);
    return ok({ ...job });
  }

  pullProgress(jobid: string): Result<DataversePullJobDto> {
    const job = this.jobs.get(jobid);
    return job ? ok({ ...job }) : refused('unknown-job', `no Dataverse pull ${jobid} (jobs are kept until the app restarts)`, 'jobid');
  }

  /** The requests of the changes since the pull and the staged set in order, and the access diff, read against the environment; nothing is sent. */
  async pushPlan(limit: number): Promise<Result<DataversePlanDto>> {
    const planned = await this.plan();
    if (!planned.ok) return planned;
    const p = planned.value;
    if (p.kind === 'conflict') return ok({ env: p.env, planid: null, staged: p.staged, applied: [], kept: [], changeSets: 0, requests: [], conflicts: p.conflicts.map(conflictDto), message: `${p.message}.`, diff: { rows: [], totalRows: 0, groups: [] } });
    const { plan } = p;
    const changes = plan.changes;
    return ok({
      env: plan.env,
      planid: plan.commands.length ? planId(plan) : null,
      staged: plan.staged.length,
      applied: plan.applied.map((a) => ({ step: a.step, summary: a.summary })),
      kept: plan.kept.map((a) => ({ step: a.step, summary: a.summary, why: a.why })),
      changeSets: plan.changeSets,
      requests: plan.requests.map((r, i) => ({ ...commandPart(plan, r.command), summary: plan.summaries[r.command] ?? '', method: r.method, path: r.path, body: bodyText(r), ifMatch: r.ifMatch?.etag ?? null, inEffect: plan.held[i] })),
      conflicts: [],
      message: null,
      diff: { rows: changes.length > limit ? changes.slice(0, limit) : [...changes], totalRows: changes.length, groups: groupsOf(changes) },
    });
  }

  /**
   * Sends the push the admin reviewed (planid), as change sets in order. Once the environment took
   * every one, the staged set is applied to the vault and cleared, and the changes since the pull
   * count as in the environment; a refused change set stops the push with Dataverse's message, and
   * the vault keeps both as they were.
   */
  async push(planid: string): Promise<Result<DataversePushDto>> {
    if (this.running) return refused('pull-running', 'a pull is under way; push once it has finished');
    if (this.pushing) return refused('push-running', 'a push is already under way');
    this.pushing = true;
    try {
      const planned = await this.plan();
      if (!planned.ok) return planned;
      const p = planned.value;
      if (p.kind === 'conflict') return ok({ env: p.env, outcome: 'conflict', message: `${p.message}.`, changeSets: [], conflicts: p.conflicts.map(conflictDto), sent: 0, alreadyInEffect: 0, staged: p.staged });
      const { plan, vault, connection } = p;
      if (!plan.commands.length) return refused('nothing-to-push', 'there are no changes applied since the pull and no staged changes to push', 'planid');
      if (planId(plan) !== planid) return refused('plan-changed', 'the changes to push or the environment changed since the review; review the push again before sending it', 'planid');
      const sets = changeSetsShown(plan.pending);
      const base = { env: plan.env, sent: 0, alreadyInEffect: plan.requests.length - plan.pending.length, conflicts: [] as DataverseConflictDto[] };
      let applied = 0;
      try {
        const report = await pushVault(vault, connection, plan, { onBatch: (done) => (applied = done) });
        this.o.onChange?.();
        return ok({
          ...base,
          outcome: 'pushed',
          message: `Pushed ${pushedWhat(plan)} to ${plan.env}: ${report.sent} request(s) in ${report.batches} change set(s)${report.alreadyInEffect + report.heldBefore ? `; ${report.alreadyInEffect + report.heldBefore} already in effect, not sent twice` : ''}. ${report.meanwhile ? `${report.meanwhile} change(s) applied while it was sending are not in the environment yet: push again to send them.` : 'The vault now matches the environment.'}`,
          changeSets: sets.map((s) => ({ ...s, state: 'applied' as const, message: null })),
          sent: report.sent,
          alreadyInEffect: report.alreadyInEffect + report.heldBefore,
          staged: vault.getStaged().length,
        });
      } catch (e) {
        // Only Dataverse's answers stop a change set; anything else came after the environment took every one.
        if (!(e instanceof DataverseError)) return refused('push-failed', e instanceof Error ? e.message : String(e));
        // sendPush sends the change sets in order and stops at the first it cannot finish: the one after those applied.
        const at = applied;
        const state = e instanceof NotSent ? ('not-sent' as const) : e instanceof PushConflict ? ('refused' as const) : unanswered(e) ? ('unknown' as const) : ('refused' as const);
        return ok({
          ...base,
          outcome: e instanceof PushConflict ? 'conflict' : state === 'not-sent' ? 'refused' : state,
          message: `${e.message}. The vault is unchanged and keeps ${pushedWhat(plan)} to push; pushing again sends only what the environment does not hold yet.`,
          changeSets: sets.map((s, i) => ({ ...s, state: i < at ? ('applied' as const) : i === at ? state : ('not-sent' as const), message: i === at ? e.message : null })),
          conflicts: e instanceof PushConflict ? e.fields.map(conflictDto) : [],
          sent: sets.slice(0, at).reduce((n, s) => n + s.requests, 0),
          staged: vault.getStaged().length,
        });
      }
    } finally {
      this.pushing = false;
    }
  }

  // ---- the parts ------------------------------------------------------------------------------

  /** The push planned against the environment, or the fields it changed since the pull (then nothing can be sent). */
  private async plan(): Promise<Result<Planned>> {
    const vault = this.vault();
    if (!vault.ok) return vault;
    const link = vault.value.getSyncState().dataverse;
    if (!link) return refused('not-pulled', 'this vault has not been pulled from a Dataverse environment yet: pull it first (a push addresses the rows by the ids the pull read)');
    const env = settingsOf(vault.value).env;
    if (env && env !== link.env) return refused('other-environment', `this vault was pulled from ${link.env}, not ${env}; a push goes to the environment the vault was pulled from (pull ${env} first, or set the environment back)`, 'env');
    const connection = this.connect(link.env);
    try {
      return ok({ kind: 'planned', plan: await planVaultPush(vault.value, connection), vault: vault.value, connection });
    } catch (e) {
      if (e instanceof PushConflict) return ok({ kind: 'conflict', env: link.env, message: e.message, conflicts: e.fields, staged: vault.value.getStaged().length });
      return refused(e instanceof NoToken ? (e.code ?? 'sign-in-required') : e instanceof DataverseError && e.status === 401 ? 'unauthorized' : 'push-plan-failed', `planning the push to ${link.env}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async runPull(job: DataversePullJobDto, vault: Vault, full: boolean): Promise<void> {
    try {
      // Let the caller have its job id before the first request goes out.
      await Promise.resolve();
      const report = await pullIntoVault(vault, this.connect(job.env), {
        now: this.o.now,
        full,
        onProgress: (p) => Object.assign(job, { table: p.table, done: p.done, of: p.of, rows: p.rows }),
      });
      Object.assign(job, { state: 'done', done: job.of, result: { summary: report.summary, businessunits: report.businessunits, systemusers: report.systemusers, teams: report.teams, roles: report.roles, privileges: report.privileges, requests: report.requests, throttled: report.throttled } });
      this.o.onChange?.();
    } catch (e) {
      Object.assign(job, { state: 'failed', error: `pulling ${job.env}: ${e instanceof Error ? e.message : String(e)}. The vault is unchanged.` });
    } finally {
      this.running = null;
    }
  }

  private connect(env: string): Connection {
    return new Connection({ url: env, token: () => this.o.token(env), ...this.o.connection });
  }

  private vault(): Result<Vault> {
    if (!this.o.vaults) return refused('no-vault', 'this organization is held in memory, not in a vault: there is nothing to pull into or push from');
    return ok(this.o.vaults.use());
  }
}

function settingsOf(vault: Vault): DataverseSettingsDto {
  const s = vault.getSettings().dataverse;
  return { env: s?.env ?? null, clientid: s?.clientid ?? null, authority: s?.authority ?? null };
}

/** Names a reviewed push: the environment, the changes since the pull, the staged set and every request as planned (with the versions read). */
function planId(plan: PushPlan): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([plan.env, plan.applied.map((a) => a.seq), plan.staged, plan.requests.map((r, i) => [r.method, r.path, r.body ?? null, r.ifMatch?.etag ?? null, plan.held[i]])]));
  return h.digest('hex').slice(0, 32);
}

function bodyText(r: PlannedRequest): string | null {
  if (!r.body) return null;
  const text = JSON.stringify(r.body);
  return text.length > BODY_CHARS ? `${text.slice(0, BODY_CHARS - 1)}…` : text;
}

/** The change sets sendPush makes of the pending requests, as the push screen lists them. */
function changeSetsShown(pending: readonly PlannedRequest[]): { index: number; firstChange: number; lastChange: number; requests: number }[] {
  return changeSetsOf(pending).map((set, b) => ({ index: b + 1, firstChange: set[0].command + 1, lastChange: set.at(-1)!.command + 1, requests: set.length }));
}

const conflictDto = (c: PushConflict['fields'][number]): DataverseConflictDto => ({ what: c.what, field: c.field, environment: show(c.environment), vault: show(c.vault) });
