import { z } from 'zod';
import { refusalFromZod, type Result } from '../result';

/**
 * The name the screen gave a group of staged commands ("Deactivated 2 user(s)"), kept with the
 * staged set so the undo step, the audit and a push name what the admin did even after a restart
 * or from the command line. `id` tells the groups apart; `size` is how many commands it had when
 * staged, so a group partly unstaged or applied is named by its changes instead.
 */
export interface StagedGroup {
  readonly id: number;
  readonly label: string;
  readonly size: number;
}

/** Per staged command, its group (null: staged without a name). */
export const stagedGroupsSchema = z.array(z.object({ id: z.number().int().min(0), label: z.string().trim().min(1).max(500), size: z.number().int().min(1) }).strict().nullable());

/** The groups of a staged set of `n` commands, checked: one per command (absent: none named). */
export function stagedGroupsFor(n: number, groups: unknown): Result<readonly (StagedGroup | null)[]> {
  if (groups === undefined) return { ok: true, value: Array.from({ length: n }, () => null) };
  const parsed = stagedGroupsSchema.length(n, `must name a group (or null) for each of the ${n} staged change(s)`).safeParse(groups);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: refusalFromZod(parsed.error, 'groups') };
}

/** The groups shown in the undo menu and audit before the rest are counted. */
const LABELS_SHOWN = 3;

/**
 * The undo step's label for applied changes: each whole labelled group by its label, any other
 * change by its own summary, and the count when more than one thing was applied.
 */
export function appliedLabel(summaries: readonly string[], groups: readonly (StagedGroup | null)[]): string {
  const parts: string[] = [];
  const counted = new Map<number, number>();
  for (const g of groups) if (g) counted.set(g.id, (counted.get(g.id) ?? 0) + 1);
  const named = new Set<number>();
  summaries.forEach((summary, i) => {
    const g = groups[i];
    if (g && counted.get(g.id) === g.size) {
      if (!named.has(g.id)) parts.push(g.label);
      named.add(g.id);
    } else parts.push(summary);
  });
  if (parts.length === 1) return parts[0];
  const shown = parts.length > LABELS_SHOWN ? [...parts.slice(0, LABELS_SHOWN), `and ${parts.length - LABELS_SHOWN} more`] : parts;
  return `${shown.join('; ')} (${summaries.length} changes)`;
}
