import { z } from 'zod';
import { commandSchema, type Command } from '../../core/commands/schema';
import { RIGHTS } from '../../core/model/accessRights';
import { DEPTHS } from '../../core/model/depth';
import { channel } from '../channel';

const command = commandSchema as z.ZodType<Command, Command>;
const depth = z.enum(DEPTHS).nullable();
const indexes = z.array(z.number().int().min(0)).min(1).max(5000);

const stagedSchema = z.object({
  commands: z.array(z.object({ command, summary: z.string().nullable() })).readonly(),
  /** Set when the staged set no longer applies on the committed state (after an undo, say). */
  problem: z.object({ index: z.number().int(), code: z.string(), message: z.string() }).nullable(),
});
export type StagedDto = z.infer<typeof stagedSchema>;

const diffRowSchema = z.object({
  systemuserid: z.string(),
  fullname: z.string(),
  entity: z.string().nullable(),
  right: z.enum(RIGHTS).nullable(),
  privilege: z.string(),
  depthBefore: depth,
  depthAfter: depth,
  recordsBefore: z.number().int(),
  recordsAfter: z.number().int(),
  direction: z.enum(['gain', 'lose', 'change']),
});
export type DiffRowDto = z.infer<typeof diffRowSchema>;

export const diffSchema = z.object({
  /** The core's diff() rows, most affected first, cut at `limit` (the groups count them all). */
  rows: z.array(diffRowSchema).readonly(),
  totalRows: z.number().int(),
  groups: z.array(
    z.object({
      entity: z.string().nullable(),
      right: z.string().nullable(),
      privilege: z.string(),
      gain: z.number().int(),
      lose: z.number().int(),
      change: z.number().int(),
      recordsGained: z.number().int(),
      recordsLost: z.number().int(),
    }),
  ).readonly(),
});
export type DiffDto = z.infer<typeof diffSchema>;

/** What applying staged changes answers: the undo step's label and what stays staged (the screens then reload the summary). */
const appliedSchema = z.object({ message: z.string(), staged: stagedSchema });

export const stagingChannels = {
  'staging:list': channel(z.object({}).strict(), stagedSchema),
  /** Adds commands to the change set; refused unless the whole set still applies on the committed state. */
  'staging:stage': channel(z.object({ commands: z.array(command).min(1).max(5000) }).strict(), stagedSchema),
  'staging:unstage': channel(z.object({ indexes }).strict(), stagedSchema),
  'staging:discard': channel(z.object({}).strict(), stagedSchema),
  /** Applies the chosen staged commands (all without `indexes`) as one undo step; the rest stays staged. */
  'staging:apply': channel(z.object({ indexes: indexes.optional() }).strict(), appliedSchema),
  /** The access diff of the staged set: the same rows as `roleatlas diff`. */
  'staging:diff': channel(z.object({ limit: z.number().int().min(0).max(20000).default(5000) }).strict(), diffSchema),
} as const;
