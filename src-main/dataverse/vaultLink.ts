/**
 * A vault linked to the Dataverse environment it was pulled from: the pull imported into it, and
 * the push of what the environment lacks: the changes applied to the vault since the pull, then the
 * staged change set (plan with the access diff, send, then apply the staged set to the vault once
 * the environment took all of it). `roleatlas dataverse` and the app's Dataverse
 * screen both go through here, so they plan, send and apply the same way.
 */
import { diff as accessDiff, type AccessChange } from '../core/access/diff';
import { batchRefusal } from '../core/commands/apply';
import type { Command } from '../core/commands/schema';
import { appliedLabel, type StagedGroup } from '../core/commands/stagedLabels';
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
import { firstFew, sincePull, type AppliedChange } from './sincePull';

/** What the pull and the push use of a vault. */
export type LinkedVault = Pick<Vault, 'state' | 'seq' | 'changesSince' | 'getStaged' | 'getStagedGroups' | 'getSyncState' | 'setSyncState' | 'replaceState' | 'applyAll' | 'applyRemoteAll'>;

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
  /**
   * Replace the whole organization even when the vault holds delta links for this environment;
   * changes applied since the last pull and not pushed are discarded (and the audit says so).
   */
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
  // Asked before reading the environment: a pull over changes it lacks would revert them.
  const unpushed = previous ? unpushedBefore(vault, previous, o.full === true) : [];
  if (unpushed.length && !o.full) throw new DataverseError(`${unpushed.length} change(s) applied to the vault since the pull of ${previous!.env} are not in the environment (${firstFew(unpushed)}); push them first, or discard them with a full pull (roleatlas dataverse pull --full, the app's Discard and pull), which replaces the organization with the environment's`, null, 'unpushed-changes');
  const since = !o.full && previous?.env === env && previous.deltalinks && Object.keys(previous.deltalinks).length ? { state: vault.state, deltaLinks: previous.deltalinks, etags: previous.etags } : undefined;
  const pulled = await pullEnvironment(connection, o.onProgress, { counts: o.counts ?? DEFAULT_COUNT_TABLES, skipMissingCounts: o.counts === undefined, since });
  const pulledat = (o.now?.() ?? new Date()).toISOString();
  // A push not seen through stays marked across the pull: the staged set is kept, and part of it may be in the environment.
  const pushing = previous?.env === env ? previous.pushing : undefined;
  const link = (journalseq: number): { dataverse: DataverseLink } => ({ dataverse: { env, pulledat, privileges: pulled.privilegeIds, counts: pulled.counts, etags: pulled.etags, recordcounts: { ...(since ? previous?.recordcounts : {}), ...pulled.recordCounts }, deltalinks: pulled.deltaLinks, journalseq, ...(pushing ? { pushing } : {}) } });
  let summary: string;
  let applied = 0;
  if (since) {
    const commands = commandsBetween(vault.state, pulled.state, Object.keys(pulled.recordCounts));
    const changed = Object.entries(pulled.changes).map(([set, c]) => `${set} ${c.changed} changed, ${c.deleted} deleted`).join('; ');
    summary = `Pulled the changes of Dataverse environment ${env}: ${commands.length} change(s) applied${changed ? ` (change tracking: ${changed})` : ''}`;
    const r = vault.applyRemoteAll(commands, { note: { summary, detail: { dataverse: 'pull', env, delta: true, commands: commands.length, changes: pulled.changes } }, sync: link });
    if (!r.ok) throw new DataverseError(`the environment's changes do not apply to the vault (${r.error.message}); the vault is unchanged. A full pull (roleatlas dataverse pull --full) replaces the organization with the environment's`, null, null);
    applied = commands.length;
  } else {
    summary = vault.replaceState(pulled.state, `Dataverse environment ${env}`).summary;
    const discarded = unpushed.length ? { summary: `Discarded ${unpushed.length} change(s) applied since the pull of ${previous!.env} and never pushed (${firstFew(unpushed)}): the organization was replaced with the environment's`, detail: { dataverse: 'discard', env: previous!.env, changes: unpushed.map((u) => ({ seq: u.seq, summary: u.summary })) } } : undefined;
    const kept = vault.applyRemoteAll([], { ...(discarded ? { note: discarded } : {}), sync: link });
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

/**
 * The changes a pull would lose. A full pull replaces the organization whatever the journal holds,
 * so a journal that cannot tell (an old link, an import since) does not stop it.
 */
function unpushedBefore(vault: LinkedVault, link: DataverseLink, full: boolean): readonly AppliedChange[] {
  if (link.journalseq === undefined) return [];
  try {
    return sincePull(vault, link).applied;
  } catch (e) {
    if (full && e instanceof DataverseError) return [];
    throw e;
  }
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
  /** The changes applied to the vault since the pull that the push sends, in order: commands 0..applied.length-1. */
  readonly applied: readonly AppliedChange[];
  /** Changes applied since the pull that Dataverse has no equivalent for: they stay in the vault only, and block nothing. */
  readonly kept: readonly (AppliedChange & { readonly why: string })[];
  readonly staged: readonly Command[];
  /** Per staged command, the named group the screen staged it in: the push's undo step is named after them. */
  readonly stagedGroups: readonly (StagedGroup | null)[];
  /** What the requests are planned from: the applied changes, then the staged set. */
  readonly commands: readonly Command[];
  /** Each command in the words of its audit entry. */
  readonly summaries: readonly string[];
  /** Every Web API request, in order. */
  readonly requests: readonly PlannedRequest[];
  /** Per request: the environment already holds it (a push run again, a lost answer), so it is not sent. */
  readonly held: readonly boolean[];
  readonly pending: readonly PlannedRequest[];
  readonly changeSets: number;
  /** The core's diff from the organization as pulled to the vault's with the staged set applied, most affected first. */
  readonly changes: readonly AccessChange[];
  /** The vault's audit seq when planned: changes applied after it (while the push sends) are not part of it. */
  readonly seq: number;
}

/**
 * Plans the push of what the environment lacks: the changes applied since the pull, then the staged
 * set. The requests in order, which the environment holds already, and the access diff. Nothing is sent.
 */
export async function planVaultPush(vault: LinkedVault, connection: Connection): Promise<PushPlan> {
  const env = connection.url.origin;
  const link = linkFor(vault, env);
  const since = sincePull(vault, link);
  const staged = vault.getStaged();
  const stagedGroups = vault.getStagedGroups();
  const commands = [...since.applied.map((a) => a.command), ...staged];
  const empty = { env, applied: since.applied, kept: since.kept, staged, stagedGroups, commands, summaries: [], requests: [], held: [], pending: [], changeSets: 0, changes: [], seq: vault.seq };
  if (!commands.length) return empty;
  // The changes since the pull (those kept in the vault too: they change who sees what) and the staged set, over the organization as pulled.
  const pulled = since.pulled();
  const d = accessDiff(pulled, [...since.commands, ...staged]);
  if (!d.ok) {
    if (d.index < since.commands.length) throw new DataverseError(`the changes applied since the pull do not apply again to the organization as pulled (change ${d.index + 1}: ${d.error.message}); pull ${env} again with a full pull; nothing was sent`, null, d.error.code);
    const r = batchRefusal(staged, d.index - since.commands.length, d.error);
    throw new DataverseError(`${r.message}; nothing was sent`, null, r.code);
  }
  const summaries = [...since.applied.map((a) => a.summary), ...d.applied.slice(since.commands.length).map((a) => a.summary)];
  const requests = await planPush(commands, pushContext(connection, pulled, link)).catch((e: unknown) => keepConflict(vault, e));
  // Only a push not seen through can have left part of the set in the environment.
  const held = link.pushing ? await inEffect(connection, requests) : requests.map(() => false);
  const pending = requests.filter((_, i) => !held[i]);
  return { ...empty, summaries, requests, held, pending, changeSets: changeSetsOf(pending).length, changes: d.changes };
}

/** A planned command's place: among the changes applied since the pull, or the staged ones (1-based within its part). */
export function commandPart(plan: PushPlan, command: number): { part: 'applied' | 'staged'; change: number } {
  return command < plan.applied.length ? { part: 'applied', change: command + 1 } : { part: 'staged', change: command - plan.applied.length + 1 };
}

/** "2 change(s) applied since the pull and 3 staged change(s)". */
export function pushedWhat(plan: Pick<PushPlan, 'applied' | 'staged'>): string {
  return [...(plan.applied.length ? [`${plan.applied.length} change(s) applied since the pull`] : []), ...(plan.staged.length ? [`${plan.staged.length} staged change(s)`] : [])].join(' and ');
}

/**
 * The units the push created (applied since the pull or staged), each given the id Dataverse gave
 * its default team (the vault's id for that team was its own), with what the vault holds on the team kept.
 */
async function defaultTeamsNamed(connection: Connection, pushed: readonly Command[]): Promise<Command[]> {
  const read = namedReader(connection);
  const out: Command[] = [];
  for (const c of pushed) {
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
  /** The undo step's label in the vault; null when nothing was staged. */
  readonly label: string | null;
  /** Changes applied to the vault while the push was sending: not in the environment, the next push sends them. */
  readonly meanwhile: number;
}

/**
 * Sends the plan's pending requests as change sets; once the environment has taken every one,
 * applies the staged set to the vault as one undo step and records that the environment now holds
 * everything up to it (audited, with the staged set cleared, in one write). A DataverseError (a
 * change set refused, a PushConflict, no answer) leaves the vault, its changes since the pull and
 * its staged set as they were; a plain Error means the environment took everything but the vault did not.
 */
export async function pushVault(vault: LinkedVault, connection: Connection, plan: PushPlan, o: { onBatch?: (done: number, of: number) => void } = {}): Promise<PushedReport> {
  const before = linkFor(vault, plan.env);
  if (!plan.commands.length) throw new DataverseError('there are no changes applied since the pull and no staged changes to push; nothing was sent', null, null);
  if (!before.pushing) {
    const marked = vault.setSyncState({ dataverse: { ...before, pushing: { since: new Date().toISOString(), requests: plan.pending.length } } });
    if (!marked.ok) throw new DataverseError(`nothing was sent: the vault could not note that a push is under way (${marked.error.message})`, null, null);
  }
  const report = await sendPush(connection, plan.pending, { onBatch: o.onBatch }).catch((e: unknown) => keepConflict(vault, e));
  const n = plan.staged.length;
  const named = await defaultTeamsNamed(connection, plan.commands);
  const heldBefore = plan.requests.length - plan.pending.length;
  const note = { summary: `Pushed ${pushedWhat(plan)} to the Dataverse environment ${plan.env}: ${report.sent} request(s) in ${report.batches} change set(s)`, detail: { dataverse: 'push', env: plan.env, applied: plan.applied.length, staged: n, sent: report.sent, changeSets: report.batches, alreadyInEffect: report.alreadyInEffect + heldBefore } };
  const link = vault.getSyncState().dataverse ?? before;
  // Changes applied while the push was sending are not in the environment: the link stays as it was
  // (journal position, pulled versions, the push marked), so the next push sends them and reads back
  // what this one sent, as after a push not seen through.
  const meanwhile = vault.changesSince(plan.seq).length;
  const raced = meanwhile > 0;
  const { pushing: _seenThrough, ...rest } = link;
  // The rows the push changed have versions newer than the pull's: their next push reads them first.
  const etags = link.etags ? { etags: withoutRows(link.etags, changedRows(plan.requests)) } : {};
  const sync = (journalseq: number) => ({ dataverse: raced ? link : { ...rest, journalseq, ...etags } });
  const left = remainder(vault.getStaged(), vault.getStagedGroups(), plan.staged);
  if (!n) {
    // The default teams' ids come from the environment, as a pull would bring them: not an undo step.
    const kept = vault.applyRemoteAll(named, { note, sync });
    if (!kept.ok) throw new Error(`the changes were pushed, but the vault could not record it: ${kept.error.message}; pushing again reads back what the environment holds and sends nothing twice`);
    return { ...report, heldBefore, label: null, meanwhile };
  }
  const label = `${appliedLabel(plan.summaries.slice(plan.applied.length), plan.stagedGroups)} (pushed to ${plan.env})`;
  const applied = vault.applyAll([...plan.staged, ...named], label, { note, sync, staged: left.commands, stagedGroups: left.groups });
  if (!applied.ok) throw new Error(`the environment took every change, but the vault refused them: ${applied.error.message}. Pull ${plan.env} again to bring the vault in line`);
  return { ...report, heldBefore, label, meanwhile };
}

/** The staged set less the commands a push applied (each once): what was staged while it was sending stays staged. */
function remainder(current: readonly Command[], groups: readonly (StagedGroup | null)[], pushed: readonly Command[]): { commands: Command[]; groups: (StagedGroup | null)[] } {
  const left = [...pushed.map((c) => JSON.stringify(c))];
  const keep = current.map((c) => {
    const at = left.indexOf(JSON.stringify(c));
    if (at < 0) return true;
    left.splice(at, 1);
    return false;
  });
  return { commands: current.filter((_, i) => keep[i]), groups: current.map((_, i) => groups[i] ?? null).filter((_, i) => keep[i]) };
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
