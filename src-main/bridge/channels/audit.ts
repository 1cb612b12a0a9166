import { z } from 'zod';
import { channel } from '../channel';

const instant = z.iso.datetime({ offset: true });

export const auditRowSchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  actor: z.string(),
  kind: z.enum(['change', 'baseline', 'note']),
  /** The command's type, or the entry's kind for a baseline or a note. */
  type: z.string(),
  origin: z.enum(['local', 'sync']),
  summary: z.string(),
  changes: z.number().int(),
  /** Set on the commands of an undo or a redo. */
  undoOrRedo: z.enum(['undo', 'redo']).nullable(),
});
export type AuditRowDto = z.infer<typeof auditRowSchema>;

/** One changed row of an entry, field by field: values as short text (JSON for objects). */
export const auditChangeSchema = z.object({
  table: z.string(),
  key: z.string(),
  /** The row's name before or after, when it has one. */
  name: z.string().nullable(),
  effect: z.enum(['created', 'deleted', 'updated']),
  fields: z.array(z.object({ field: z.string(), before: z.string().nullable(), after: z.string().nullable(), changed: z.boolean() })),
});
export type AuditChangeDto = z.infer<typeof auditChangeSchema>;

export const auditVerifySchema = z.object({
  ok: z.boolean(),
  entries: z.number().int(),
  problems: z.array(z.object({ position: z.number().int(), seq: z.number().int().optional(), kind: z.string(), message: z.string() })),
  /** Damaged or missing vault files, by path (journal segments, audit archives, journal.head, snapshot.rav.bak, vault.json's copy). */
  files: z.array(z.object({ file: z.string(), message: z.string() })).optional(),
});
export type AuditVerifyDto = z.infer<typeof auditVerifySchema>;

export const auditChannels = {
  /**
   * The audit log, filtered; `available` is false when the organization is not in a vault (held
   * in memory), which has no audit log.
   */
  'audit:list': channel(
    z
      .object({
        from: instant.optional(),
        to: instant.optional(),
        actor: z.string().max(200).optional(),
        /** Table/id, an id, or a name of a changed row. */
        object: z.string().max(200).optional(),
        type: z.string().max(100).optional(),
      })
      .strict(),
    z.object({
      available: z.boolean(),
      /** Entries in the whole log, before filtering. */
      total: z.number().int(),
      rows: z.array(auditRowSchema),
      /** For the filter menus: every actor and type in the log. */
      actors: z.array(z.string()),
      types: z.array(z.string()),
    }),
  ),
  'audit:entry': channel(z.object({ seq: z.number().int().min(1) }).strict(), z.object({ row: auditRowSchema, prev: z.string(), hash: z.string(), changes: z.array(auditChangeSchema) })),
  /** Checks the whole hash chain; problems are named by position. */
  'audit:verify': channel(z.object({}).strict(), auditVerifySchema),
} as const;
