/**
 * The changes applied to the vault since the last pull (or push) of its environment: what the
 * environment does not hold yet. A push sends them before the staged set; a pull waits until they
 * are pushed (or discarded), so that it never reverts them silently. Read from the vault's journal
 * after the link's `journalseq`.
 */
import { batchLabel } from '../core/commands/apply';
import { takenBack } from '../core/commands/draft';
import type { Command } from '../core/commands/schema';
import type { OrgState } from '../core/model/org';
import type { LoggedChange, Vault } from '../vault/vault';
import type { DataverseLink } from '../vault/syncState';
import { VaultError } from '../vault/errors';
import { DataverseError } from './connection';
import { NOT_PUSHED } from './push';

type LoggedCommand = Extract<LoggedChange, { kind: 'change' }>;

/** One change applied since the pull, as its batch (the undo step) names it. */
export interface AppliedChange {
  readonly seq: number;
  readonly command: Command;
  readonly summary: string;
  /** The undo menu's name of the batch it was applied in ("Deactivated 2 user(s)"), or its changes' summaries. */
  readonly step: string;
}

export interface SincePull {
  /** Changes with a Dataverse equivalent, in the order applied: what the push sends before the staged set. */
  readonly applied: readonly AppliedChange[];
  /** Changes Dataverse has no equivalent for (records, shares, hierarchy security, tables), kept in the vault only, with why. */
  readonly kept: readonly (AppliedChange & { readonly why: string })[];
  /** Every change since the pull that still counts (a batch undone within the range drops out with its undo), in order. */
  readonly commands: readonly Command[];
  /** The organization as the pull (or the last push) left it: the vault's state with every change since taken back. */
  readonly pulled: () => OrgState;
}

/** The vault's journal, as this module reads it. */
export type JournaledVault = Pick<Vault, 'state' | 'seq' | 'changesSince'>;

/**
 * The changes since the link's journal position. A link kept before the position was recorded, a
 * journal that ends before it, or an organization replaced since (an import) cannot say what the
 * environment lacks: each is refused with what to do.
 */
export function sincePull(vault: JournaledVault, link: DataverseLink): SincePull {
  if (link.journalseq === undefined) throw new DataverseError(`this vault's link to ${link.env} was kept before RoleAtlas recorded where the pull ended in the journal, so it cannot tell which changes the environment lacks; pull ${link.env} again first (changes staged are kept across a pull)`, null, null);
  if (vault.seq < link.journalseq) throw new DataverseError(`the vault's journal ends at entry ${vault.seq}, before the pull of ${link.env} (entry ${link.journalseq}): it was restored from a backup since; pull ${link.env} again with a full pull to bring the vault in line`, null, null);
  const logged = vault.changesSince(link.journalseq);
  const replaced = logged.find((e) => e.kind === 'baseline');
  if (replaced) throw new DataverseError(`the organization was replaced after the pull of ${link.env} (audit entry ${replaced.seq}: ${replaced.summary}), so the changes since cannot be sent as requests; pull ${link.env} again with a full pull`, null, null);
  const changes = logged as LoggedCommand[];
  const counted = withoutUndone(changes);
  const applied: AppliedChange[] = [];
  const kept: (AppliedChange & { why: string })[] = [];
  for (const { entry, step } of counted) {
    const a = { seq: entry.seq, command: entry.command, summary: entry.summary, step };
    const why = NOT_PUSHED[entry.command.type];
    if (why) kept.push({ ...a, why });
    else applied.push(a);
  }
  return { applied, kept, commands: counted.map((c) => c.entry.command), pulled: () => takenBack(vault.state, changes.flatMap((c) => c.changes)) };
}

/**
 * The changes in order, less every batch undone within the range together with its undo: the
 * environment needs neither. Undo is a stack, so a batch's undo follows every later batch's undo.
 */
function withoutUndone(changes: readonly LoggedCommand[]): { entry: LoggedCommand; step: string }[] {
  const batches: LoggedCommand[][] = [];
  for (const c of changes) {
    const last = batches.at(-1);
    if (last && last[0].batch === c.batch) last.push(c);
    else batches.push([c]);
  }
  const dropped = new Set<string>();
  const seen = new Set(batches.map((b) => b[0].batch));
  for (const b of batches) {
    const undone = b[0].undoes;
    if (undone && seen.has(undone) && !dropped.has(undone)) {
      dropped.add(undone);
      dropped.add(b[0].batch);
    }
  }
  return batches
    .filter((b) => !dropped.has(b[0].batch))
    .flatMap((b) => {
      const named = b[0].label ?? batchLabel(b.map((c) => c.summary));
      const step = b[0].undoes ? `Undo: ${named}` : named;
      return b.map((entry) => ({ entry, step }));
    });
}

/** "3 change(s) … : "A", "B", "C" and 4 more": the first few named. */
export function firstFew(applied: readonly AppliedChange[], few = 3): string {
  const named = applied.slice(0, few).map((a) => `"${a.summary}"`).join(', ');
  return applied.length > few ? `${named} and ${applied.length - few} more` : named;
}

/** What the Dataverse status tells of the changes since the pull: counted, or why they cannot be (an old link: pull again; a damaged journal). */
export function sincePullStatus(vault: JournaledVault, link: DataverseLink | undefined): { readonly applied: number; readonly kept: number; readonly problem: string | null } {
  if (!link) return { applied: 0, kept: 0, problem: null };
  try {
    const s = sincePull(vault, link);
    return { applied: s.applied.length, kept: s.kept.length, problem: null };
  } catch (e) {
    if (e instanceof DataverseError || e instanceof VaultError) return { applied: 0, kept: 0, problem: e.message };
    throw e;
  }
}
