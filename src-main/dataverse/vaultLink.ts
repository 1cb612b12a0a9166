/**
 * A vault linked to the Dataverse environment it was pulled from: the pull imported into it, and
 * the push of its staged change set (plan with the access diff, send, then apply the staged set to
 * the vault once the environment took all of it). `roleatlas dataverse` and the app's Dataverse
 * screen both go through here, so they plan, send and apply the same way.
 */
import { diff as accessDiff, type AccessChange } from '../core/access/diff';
import { batchRefusal } from '../core/commands/apply';
import type { Command } from '../core/commands/schema';
import type { Vault } from '../vault/vault';
import { VaultError } from '../vault/errors';
import type { DataverseLink } from '../vault/syncState';
import { Connection, DataverseError, asDataverseError } from './connection';
import { pullEnvironment, type PullProgress } from './pull';
import { DEFAULT_COUNT_TABLES } from './recordCounts';
import { commandsBetween } from './stateChanges';
import { withoutRows } from './etags';
import { changedRows, namedReader, planPush, PushConflict, pushContext, type PlannedRequest } from './push';
import { inEffect } from './pushReadBack';
import { changeSetsOf, sendPush, type PushReport } from './pushSend';

/** What the pull and the push use of a vault. */
export type LinkedVault = Pick<Vault, 'state' | 'getStaged' | 'getSyncState' | 'setSyncState' | 'replaceState' | 'applyAll' | 'applyRemoteAll' | 'note' | 'setStaged'>;

export interface PulledReport {
  readonly env: string;
  /** The import's audit summary. */
  readonly summary: string;
  readonly pulledat: string;
  readonly businessunits: number;
  readonly systemusers: number;
  readonly teams: number;
  readonly roles: number;
  /** Privileges in the environment's catalog. */
  readonly privileges: number;
  readonly requests: number;
  readonly throttled: number;
  readonly throttledWaitMs: number;
  /** A delta pull: only the environment's changes since the last pull were applied, as commands. */
  readonly delta: boolean;
  /** Commands a delta pull applied. */
  readonly applied: number;
  /** Per entity set read as changes only: rows added or changed, rows deleted. */
  readonly changes: Record<string, { changed: number; deleted: number }>;
  /** Records counted per table. */
  readonly recordCounts: Record<string, number>;
  /** Tables of the default count list the environment does not have. */
  readonly countsMissing: readonly string[];
}

/**
 * Reads the environment and imports it into the vault (journaled and audited like every import),
 * keeping what a push needs to address the environment again. Nothing is written when the read fails.
 */
export interface PullIntoVaultOptions {
  readonly onProgress?: (p: PullProgress) => void;
  readonly now?: () => Date;
  /** Tables whose records are counted per owner; absent: the default list, each skipped when the environment lacks it. */
  readonly counts?: readonly string[];
  /** Replace the whole organization even when the vault holds delta links for this environment. */
  readonly full?: boolean;
}

/**
 * The first pull of an environment imports it whole; later pulls ask the change-tracked tables
 * only for what changed since the delta links kept in the vault, read the others in full, and
 * apply only the differences as commands, journaled and audited with the new link in one write.
 */
export async function pullIntoVault(vault: LinkedVault, connection: Connection, o: PullIntoVaultOptions = {}): Promise<PulledReport> {
  const env = connection.url.origin;
  const previous = vault.getSyncState().dataverse;
  const since = !o.full && previous?.env === env && previous.deltalinks && Object.keys(previous.deltalinks).length ? { state: vault.state, deltaLinks: previous.deltalinks, etags: previous.etags } : undefined;
  const pulled = await pullEnvironment(connection, o.onProgress, { counts: o.counts ?? DEFAULT_COUNT_TABLES, skipMissingCounts: o.counts === undefined, since });
  const pulledat = (o.now?.() ?? new Date()).toISOString();
  // A push not seen through stays marked across the pull: the staged set is kept, and part of it may be in the environment.
  const pushing = previous?.env === env ? previous.pushing : undefined;
  const link: DataverseLink = { env, pulledat, privileges: pulled.privilegeIds, counts: pulled.counts, etags: pulled.etags, recordcounts: { ...(since ? previous?.recordcounts : {}), ...pulled.recordCounts }, deltalinks: pulled.deltaLinks, ...(pushing ? { pushing } : {}) };
  let summary: string;
  let applied = 0;
  if (since) {
    const commands = commandsBetween(vault.state, pulled.state, Object.keys(pulled.recordCounts));
    const changed = Object.entries(pulled.changes).map(([set, c]) => `${set} ${c.changed} changed, ${c.deleted} deleted`).join('; ');
    summary = `Pulled the changes of Dataverse environment ${env}: ${commands.length} change(s) applied${changed ? ` (change tracking: ${changed})` : ''}`;
    const r = vault.applyRemoteAll(commands, { note: { summary, detail: { dataverse: 'pull', env, delta: true, commands: commands.length, changes: pulled.changes } }, sync: { dataverse: link } });
    if (!r.ok) throw new DataverseError(`the environment's changes do not apply to the vault (${r.error.message}); the vault is unchanged. A full pull (roleatlas dataverse pull --full) replaces the organization with the environment's`, null, null);
    applied = commands.length;
  } else {
    summary = vault.replaceState(pulled.state, `Dataverse environment ${env}`).summary;
    const kept = vault.setSyncState({ dataverse: link });
    if (!kept.ok) throw new DataverseError(`the pull was imported but its link to ${env} could not be kept: ${kept.error.message}`, null, null);
  }
  const s = pulled.state;
  return {
    env,
    summary,
    pulledat,
    businessunits: s.businessunits.size,
    systemusers: s.systemusers.size,
    teams: s.teams.size,
    roles: s.roles.size,
    privileges: Object.keys(pulled.privilegeIds).length,
    requests: pulled.requests,
    throttled: pulled.throttled,
    throttledWaitMs: pulled.throttledWaitMs,
    delta: since !== undefined,
    applied,
    changes: pulled.changes,
    recordCounts: pulled.recordCounts,
    countsMissing: pulled.countsMissing,
  };
}

/** The environment a push goes to: the one the vault was pulled from, and only that one. */
export function linkFor(vault: LinkedVault, env: string): DataverseLink {
  const link = vault.getSyncState().dataverse;
  if (!link) throw new DataverseError(`this vault has not been pulled from a Dataverse environment; pull it from ${env} first (its ids are the environment's)`, null, null);
  if (link.env !== env) throw new DataverseError(`this vault was pulled from ${link.env}, not ${env}; a push goes to the environment the vault was pulled from`, null, null);
  return link;
}

export interface PushPlan {
  readonly env: string;
  readonly staged: readonly Command[];
  /** Each staged command in the words of its audit entry. */
  readonly summaries: readonly string[];
  /** Every Web API request, in order. */
  readonly requests: readonly PlannedRequest[];
  /** Per request: the environment already holds it (a push run again, a lost answer), so it is not sent. */
  readonly held: readonly boolean[];
  readonly pending: readonly PlannedRequest[];
  readonly changeSets: number;
  /** The core's diff of the staged set over the vault's organization, most affected first. */
  readonly changes: readonly AccessChange[];
}

/** Plans the push of the staged set: the requests in order, which the environment holds already, and the access diff. Nothing is sent. */
export async function planStagedPush(vault: LinkedVault, connection: Connection): Promise<PushPlan> {
  const env = connection.url.origin;
  const link = linkFor(vault, env);
  const staged = vault.getStaged();
  if (!staged.length) return { env, staged, summaries: [], requests: [], held: [], pending: [], changeSets: 0, changes: [] };
  const d = accessDiff(vault.state, staged);
  if (!d.ok) {
    const r = batchRefusal(staged, d.index, d.error);
    throw new DataverseError(`${r.message}; nothing was sent`, null, r.code);
  }
  const requests = await planPush(staged, pushContext(connection, vault.state, link)).catch((e: unknown) => keepConflict(vault, e));
  // Only a push not seen through can have left part of the set in the environment.
  const held = link.pushing ? await inEffect(connection, requests) : requests.map(() => false);
  const pending = requests.filter((_, i) => !held[i]);
  return { env, staged, summaries: d.applied.map((a) => a.summary), requests, held, pending, changeSets: changeSetsOf(pending).length, changes: d.changes };
}

/**
 * The units the push created, each given the id Dataverse gave its default team (the vault's id
 * for that team was its own), with what the vault holds on the team kept.
 */
async function defaultTeamsNamed(connection: Connection, staged: readonly Command[]): Promise<Command[]> {
  const read = namedReader(connection);
  const out: Command[] = [];
  for (const c of staged) {
    if (c.type !== 'createBusinessUnit' || !c.businessunitid || !c.defaultteamid) continue;
    const teamid = await read({ kind: 'default team', businessunitid: c.businessunitid }).catch((e: unknown) => {
      throw new DataverseError(`the environment took every change, but the default team of the business unit ${c.name} it created could not be read (${asDataverseError(e).message}); the vault is unchanged and pushing again sends nothing twice`, null, null);
    });
    // A unit created and deleted by the same push has no default team left.
    if (teamid && teamid !== c.defaultteamid.toLowerCase()) out.push({ type: 'setDefaultTeamId', businessunitid: c.businessunitid, teamid });
  }
  return out;
}

export interface PushedReport extends PushReport {
  /** Requests the environment held before the push and that were not sent. */
  readonly heldBefore: number;
  /** The undo step's label in the vault. */
  readonly label: string;
}

/**
 * Sends the plan's pending requests as change sets; once the environment has taken every one,
 * applies the staged set to the vault as one undo step (journaled and audited) and clears it. A
 * DataverseError (a change set refused, a PushConflict, no answer) leaves the vault and its staged
 * set as they were; a plain Error means the environment took everything but the vault did not.
 */
export async function pushStaged(vault: LinkedVault, connection: Connection, plan: PushPlan, o: { onBatch?: (done: number, of: number) => void } = {}): Promise<PushedReport> {
  const before = linkFor(vault, plan.env);
  if (!before.pushing) {
    const marked = vault.setSyncState({ dataverse: { ...before, pushing: { since: new Date().toISOString(), requests: plan.pending.length } } });
    if (!marked.ok) throw new DataverseError(`nothing was sent: the vault could not note that a push is under way (${marked.error.message})`, null, null);
  }
  const report = await sendPush(connection, plan.pending, { onBatch: o.onBatch }).catch((e: unknown) => keepConflict(vault, e));
  const n = plan.staged.length;
  const label = `${n === 1 ? plan.summaries[0] : `Applied ${n} staged changes`} (pushed to ${plan.env})`;
  const applied = vault.applyAll([...plan.staged, ...(await defaultTeamsNamed(connection, plan.staged))], label);
  if (!applied.ok) throw new Error(`the environment took every change, but the vault refused them: ${applied.error.message}. Pull ${plan.env} again to bring the vault in line`);
  const heldBefore = plan.requests.length - plan.pending.length;
  vault.note({ summary: `Pushed ${n} staged change(s) to the Dataverse environment ${plan.env}: ${report.sent} request(s) in ${report.batches} change set(s)`, detail: { dataverse: 'push', env: plan.env, staged: n, sent: report.sent, changeSets: report.batches, alreadyInEffect: report.alreadyInEffect + heldBefore } });
  // The rows the push changed have versions newer than the pull's: their next push reads them first.
  const link = vault.getSyncState().dataverse;
  if (link) {
    const { pushing: _seenThrough, ...rest } = link;
    const kept = vault.setSyncState({ dataverse: { ...rest, ...(link.etags ? { etags: withoutRows(link.etags, changedRows(plan.requests)) } : {}) } });
    if (!kept.ok) throw new Error(`the changes were pushed and applied to the vault, but the pulled row versions could not be updated: ${kept.error.message}; pull again before the next push`);
  }
  const cleared = vault.setStaged([]);
  if (!cleared.ok) throw new Error(`the changes were pushed and applied to the vault, but the staged set could not be cleared: ${cleared.error.message}`);
  return { ...report, heldBefore, label };
}

/**
 * Keeps a push's conflict in the vault's link, so it is shown again after a restart, then throws
 * the error on. A vault opened for reading only (a dry run) keeps nothing: the run shows it.
 */
function keepConflict(vault: LinkedVault, e: unknown): never {
  const link = vault.getSyncState().dataverse;
  if (e instanceof PushConflict && link) {
    try {
      vault.setSyncState({ dataverse: { ...link, pushconflict: { detectedat: new Date().toISOString(), message: e.message.slice(0, 20_000), fields: e.fields.slice(0, 10_000).map((f) => ({ ...f })) } } });
    } catch (w) {
      if (!(w instanceof VaultError && w.code === 'read-only')) throw w;
    }
  }
  throw e;
}

/** Forgets the push conflict kept in the vault (the admin has seen it); false when none was kept. */
export function dismissConflict(vault: LinkedVault): boolean {
  const link = vault.getSyncState().dataverse;
  if (!link?.pushconflict) return false;
  const { pushconflict: _dismissed, ...rest } = link;
  const r = vault.setSyncState({ dataverse: rest });
  if (!r.ok) throw new DataverseError(`the push conflict could not be dismissed: ${r.error.message}`, null, null);
  return true;
}
