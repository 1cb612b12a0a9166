import { z } from 'zod';
import { channel } from '../channel';

/**
 * Sync with a RoleAtlas sync server. The password crosses only into main, which exchanges it for
 * a bearer token and forgets it; the token stays in the vault and never comes back here.
 */

const serverUrl = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(2000)
  .refine((s) => /^https?:\/\/[^/?#@\s]+(\/[^?#\s]*)?$/i.test(s), 'must be the server’s http:// or https:// address, such as https://roleatlas.example.com');

export const syncStatusSchema = z.object({
  /** false: the organization is held in memory, with no vault to sync. */
  available: z.boolean(),
  /** The server and account signed in to; null until the admin signs in. */
  connection: z.object({ server: z.string(), account: z.string() }).nullable(),
  /** The connection sends its token over unencrypted http:// to another computer (allowed at sign-in). */
  insecure: z.boolean(),
  /** never: no sync has finished yet; running: a sync job is under way. */
  state: z.enum(['never', 'idle', 'running', 'conflict', 'error']),
  lastsyncat: z.string().nullable(),
  /** Why the last sync failed, or what it left to do. */
  message: z.string().nullable(),
  /** The last sync failed because the server could not be reached. */
  offline: z.boolean(),
  /** Journal entries not yet pushed (records and shares, which stay in the vault, not counted). */
  pending: z.number().int(),
  /** Conflicts still waiting for the admin's choice. */
  conflicts: z.number().int(),
  /** Conflicts decided, to be pushed by the next sync. */
  resolved: z.number().int(),
  /** The running job, for a window opened while one runs. */
  jobid: z.string().nullable(),
});
export type SyncStatusDto = z.infer<typeof syncStatusSchema>;

export const syncProgressSchema = z.object({
  phase: z.enum(['pulling', 'pushing', 'done', 'failed', 'conflicts']),
  /** Rows taken from the server so far. */
  pulled: z.number().int(),
  /** Local changes the server has acknowledged so far. */
  pushed: z.number().int(),
  /** Local changes to push when the job started. */
  total: z.number().int(),
  error: z.string().optional(),
  /**
   * A failure the admin answers with a choice: server-empty (publish this vault's organization to
   * the empty server? then sync:start with publish), server-holds-other-organization (never overwritten).
   */
  code: z.enum(['server-empty', 'server-holds-other-organization']).optional(),
  /** What a publish did, when this job published. */
  published: z.object({ organization: z.string(), changes: z.number().int(), duplicate: z.boolean(), unplaced: z.array(z.string()) }).optional(),
});
export type SyncProgressDto = z.infer<typeof syncProgressSchema>;

const fieldSchema = z.object({
  field: z.string(),
  /** Each side as the admin reads it: "(none)", "Global", "deleted", … */
  mine: z.string(),
  theirs: z.string(),
  choice: z.enum(['mine', 'theirs']).nullable(),
});

export const syncConflictSchema = z.object({
  id: z.string(),
  entityset: z.string(),
  key: z.string(),
  /** The object's name when it has one (role, user, team, unit). */
  name: z.string().nullable(),
  /** Who changed the server's side, and when (null when the server cannot say). */
  changedby: z.string().nullable(),
  changedat: z.string().nullable(),
  detectedat: z.string(),
  fields: z.array(fieldSchema),
  /** Decided (every field has a choice), waiting for the next sync to push it. */
  resolved: z.boolean(),
});
export type SyncConflictDto = z.infer<typeof syncConflictSchema>;

export const pendingChangeSchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  actor: z.string(),
  summary: z.string(),
  type: z.string(),
});
export type PendingChangeDto = z.infer<typeof pendingChangeSchema>;

export const syncChannels = {
  'sync:status': channel(z.object({}).strict(), syncStatusSchema),
  /** Signs in: main asks the server for a token; the password is not kept. */
  'sync:connect': channel(
    z
      .object({
        server: serverUrl,
        account: z.string().trim().min(1, 'must not be empty').max(100),
        password: z.string().min(1, 'must not be empty').max(1000),
        /** Allow http:// to another computer (the token then crosses the network in cleartext). */
        allowInsecureHttp: z.boolean().optional(),
      })
      .strict(),
    syncStatusSchema,
  ),
  /** Forgets the token; the bookkeeping (delta token, conflicts) stays. */
  'sync:disconnect': channel(z.object({}).strict(), syncStatusSchema),
  /** Starts pull + push as a job; poll sync:progress with its id. */
  /** publish: the admin confirmed putting this vault's organization on the empty server. */
  'sync:start': channel(z.object({ publish: z.boolean().optional() }).strict(), z.object({ jobid: z.string() })),
  'sync:progress': channel(z.object({ jobid: z.string().min(1).max(200) }).strict(), syncProgressSchema),
  'sync:conflicts': channel(z.object({}).strict(), z.object({ conflicts: z.array(syncConflictSchema) })),
  /** Keeps mine or takes theirs for a conflicted object, or only for the fields named. */
  'sync:resolve': channel(
    z.object({ conflictid: z.string().min(1).max(2000), take: z.enum(['mine', 'theirs']), fields: z.array(z.string().min(1).max(400)).min(1).max(1000).optional() }).strict(),
    z.object({ conflicts: z.array(syncConflictSchema), message: z.string() }),
  ),
  /** Local changes not yet synced, oldest first (the first `limit`). */
  'sync:pending': channel(z.object({ limit: z.number().int().min(1).max(1000).default(200) }).strict(), z.object({ total: z.number().int(), entries: z.array(pendingChangeSchema) })),
} as const;
