/**
 * The sync change-set endpoint (POST /api/sync/changesets), shared by server and client: core
 * commands, each with the client's change id, applied all or nothing and at most once.
 */
import { z } from 'zod';
import type { Row, SyncTable } from './dataverse';

/** Operations in one change set, as Dataverse's $batch change sets allow. */
export const MAX_CHANGESET_OPERATIONS = 1000;

const objectRef = { table: z.string().min(1).max(64), key: z.string().min(1).max(1000) };

export const changeSetRequestSchema = z
  .object({
    /** The pushing installation; change ids are unique per client. */
    clientid: z.string().trim().min(1).max(200),
    /** The server version the client last pulled: objects changed by others since then conflict. */
    baseversion: z.number().int().min(0),
    changes: z
      .array(z.object({ id: z.string().min(1).max(200), command: z.unknown() }).strict())
      .min(1, 'a change set needs at least one change')
      .max(MAX_CHANGESET_OPERATIONS, `a change set holds at most ${MAX_CHANGESET_OPERATIONS} changes`),
    /** Conflicts the admin has seen: an object changed by others up to `version` no longer conflicts. */
    acknowledge: z.array(z.object({ ...objectRef, version: z.number().int().min(0) }).strict()).max(10_000).optional(),
    /** The admin's choices for the acknowledged conflicts, kept in the server's audit. */
    resolution: z
      .array(z.object({ ...objectRef, version: z.number().int().min(0), choices: z.record(z.string(), z.enum(['mine', 'theirs'])) }).strict())
      .max(10_000)
      .optional(),
  })
  .strict();
export type ChangeSetRequest = z.infer<typeof changeSetRequestSchema>;

export interface ChangeSetApplied {
  readonly status: 'applied';
  /** Server version after the change set. */
  readonly version: number;
  /** Change ids applied by this request. */
  readonly applied: readonly string[];
  /** Change ids that an earlier request had already applied (a retry): not applied again. */
  readonly duplicates: readonly string[];
}

export interface FieldConflict {
  readonly field: string;
  readonly mine: unknown;
  readonly theirs: unknown;
}

/** One object changed both by this client and, since its last pull, by someone else. */
export interface ObjectConflict {
  readonly table: SyncTable;
  readonly key: string;
  readonly entityset: string;
  /** Server version of the object now ("theirs"). */
  readonly version: number;
  readonly theirs: Row | null;
  /** The object as this change set would leave it. */
  readonly mine: Row | null;
  readonly fields: readonly FieldConflict[];
  /** The client's change ids that touch this object. */
  readonly changeids: readonly string[];
  /** Who changed it on the server. */
  readonly changedby: string | null;
}

/** Body of every 4xx/5xx reply, in the Web API's error shape; `conflicts` on 409, `index` for a refused command. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly index?: number; readonly changeid?: string };
  readonly conflicts?: readonly ObjectConflict[];
}

/** GET /api/sync/status */
export interface SyncStatusReply {
  readonly version: number;
  /** null: the server holds no organization yet; the first client to sync may publish its own. */
  readonly organization: {
    readonly name: string;
    readonly rootbusinessunitid: string;
    readonly businessunits: number;
    readonly systemusers: number;
    readonly roles: number;
  } | null;
}

/** POST /api/sync/publish: this client's organization onto an empty server. */
export const publishRequestSchema = z
  .object({
    clientid: z.string().trim().min(1).max(200),
    /** The same id on a retry: the server answers a publish it already did instead of refusing it. */
    publishid: z.string().min(1).max(200),
    /** The organization as an interchange file (roleatlas/org@1), without records and shares. */
    organization: z.unknown(),
    /** The client's journal entries the organization includes: a later push of them is answered as duplicates. */
    changeids: z.array(z.string().min(1).max(200)).max(10_000_000),
  })
  .strict();
export type PublishRequest = z.infer<typeof publishRequestSchema>;

export interface PublishReply {
  readonly status: 'published';
  /** true: an earlier attempt (whose reply was lost) published it; nothing was applied again. */
  readonly duplicate: boolean;
  /** The version of the published rows: the client pulls from here (the accounts' users come after). */
  readonly publishedversion: number;
  readonly version: number;
  readonly organization: string;
  /** Server accounts whose role the organization lacks: they have no user in it. */
  readonly unplaced: readonly { readonly name: string; readonly role: string | null }[];
}
