import { z } from 'zod';

/**
 * The sync bookkeeping kept in the vault, beside (not inside) the admin's settings: it changes on
 * every sync and is written by the sync client only. Unknown keys are refused.
 */
const row = z.record(z.string(), z.unknown()).nullable();
const choice = z.enum(['mine', 'theirs']);

export const syncConflictSchema = z
  .object({
    id: z.string().min(1),
    table: z.string().min(1).max(64),
    key: z.string().min(1).max(1000),
    entityset: z.string().min(1),
    /** Server version of the object when the conflict was seen ("theirs"). */
    version: z.number().int().min(0),
    theirs: row,
    mine: row,
    fields: z.array(z.object({ field: z.string().min(1), mine: z.unknown(), theirs: z.unknown() }).strict()),
    changeids: z.array(z.string()),
    changedby: z.string().nullable(),
    detectedat: z.string().datetime(),
    /** Per field; absent until the admin has chosen. */
    choices: z.record(z.string(), choice).optional(),
    resolvedat: z.string().datetime().optional(),
  })
  .strict();

const etagMap = z.record(z.string(), z.string().max(200));

/** What a push needs to address the environment again, kept from the last pull. */
export const dataverseLinkSchema = z
  .object({
    /** https://ORG.crm.dynamics.com */
    env: z.string().url(),
    pulledat: z.string().datetime(),
    /** Privilege name as the environment spells it -> its privilege id (GUID). */
    privileges: z.record(z.string(), z.string()),
    /** Rows read per entity set at the last pull. */
    counts: z.record(z.string(), z.number().int().min(0)),
    /** Records counted per table (FetchXML aggregates) at the last pull. */
    recordcounts: z.record(z.string(), z.number().int().min(0)).optional(),
    /** Per change-tracked entity set, the @odata.deltaLink the next pull asks for changes with. */
    deltalinks: z.record(z.string(), z.string().url()).optional(),
    /**
     * The vault's audit seq once the last pull (or push) was written: every change after it is in
     * the vault and not in the environment, so the next push sends it and a pull first asks for
     * it to be pushed. Absent in a link kept before RoleAtlas recorded it: pull again.
     */
    journalseq: z.number().int().min(0).optional(),
    /**
     * A push was started and not seen through (an answer lost, the program stopped, a change set
     * refused after others were taken): the environment may hold part of the staged set, so the
     * next push reads back what it holds before sending anything. Absent otherwise, so a push
     * after a clean one sends without reading the environment twice.
     */
    pushing: z.object({ since: z.string().datetime(), requests: z.number().int().min(0) }).strict().optional(),
    /**
     * The last push refused for rows changed in the environment since the pull, per field, kept
     * until a pull brings the vault in line (a pull writes the link without it) or the admin
     * dismisses it. Not the sync server's conflicts: those carry versions and choices to push back,
     * while this one is settled only by reading the environment again.
     */
    pushconflict: z
      .object({
        detectedat: z.string().datetime(),
        /** The refusal as the push worded it, Dataverse's message included. */
        message: z.string().max(20_000),
        fields: z.array(z.object({ command: z.number().int().min(0), what: z.string().max(1000), field: z.string().max(200), environment: z.unknown(), vault: z.unknown() }).strict()).max(10_000),
      })
      .strict()
      .optional(),
    /** Entity set -> row id -> @odata.etag at the pull (the version a push sends with If-Match); a row a push changed is left out. */
    etags: z
      .object({
        ...(Object.fromEntries(['businessunits', 'systemusers', 'teams', 'roles', 'fieldsecurityprofiles'].map((set) => [set, etagMap.optional()])) as Record<'businessunits' | 'systemusers' | 'teams' | 'roles' | 'fieldsecurityprofiles', z.ZodOptional<typeof etagMap>>),
        /** "profileid|entity.attribute" -> the field permission row's id and @odata.etag: the vault knows a field permission by its column only. */
        fieldpermissions: z.record(z.string().max(400), z.object({ id: z.string().min(1).max(100), etag: z.string().max(200) }).strict()).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type DataverseLink = z.infer<typeof dataverseLinkSchema>;

/**
 * A sign-in to Dataverse through Microsoft Entra ID, with the settings it was made under. `cache` is
 * msal's serialized token cache (access, refresh and ID tokens): it is sealed with the rest of the
 * vault and never written anywhere else, so another process can refresh silently.
 */
export const dataverseSignInSchema = z
  .object({
    /** https://ORG.crm.dynamics.com */
    env: z.string().url(),
    clientid: z.string().min(1).max(200),
    authority: z.string().url(),
    username: z.string().min(1).max(400),
    name: z.string().max(400).nullable(),
    /** msal's key of the account in the cache. */
    homeaccountid: z.string().min(1).max(1000),
    cache: z.string().min(2).max(1_000_000),
    /**
     * The identity provider refused to renew the tokens without the admin (Entra's
     * interaction_required: the organization asks for multi-factor authentication, say): why, and
     * the claims challenge the next interactive sign-in passes on. A new sign-in writes the record
     * without it.
     */
    interaction: z.object({ reason: z.string().min(1).max(4000), claims: z.string().max(20_000).nullable() }).strict().optional(),
  })
  .strict();
export type DataverseSignInRecord = z.infer<typeof dataverseSignInSchema>;

export const syncStateSchema = z
  .object({
    /** This installation's id on the server; change ids are unique per client. */
    clientid: z.string().min(1).max(200).nullable().default(null),
    /** The server the delta token belongs to. */
    server: z.string().url().nullable().default(null),
    /** Server version of the last pull; null until the first (whole-organization) pull. */
    deltatoken: z.number().int().min(0).nullable().default(null),
    lastsyncat: z.string().datetime().nullable().default(null),
    /** How the last sync ended (progress states are not kept). */
    status: z.object({ state: z.enum(['idle', 'conflict', 'error']), message: z.string().max(2000).optional() }).strict().default({ state: 'idle' }),
    /** Open conflicts, with the admin's choices once made; cleared when the resolution is pushed. */
    conflicts: z.array(syncConflictSchema).max(10_000).default([]),
    /** The app's sign-in: the account and its bearer token for `server` (never the password); absent until the admin signs in. */
    auth: z.object({ server: z.string().url(), account: z.string().min(1).max(100), token: z.string().min(1).max(4096) }).strict().optional(),
    /** The Dataverse environment this vault was pulled from; absent until the first `dataverse pull`. */
    dataverse: dataverseLinkSchema.optional(),
    /** The Dataverse sign-in (Entra ID): who, where, and msal's token cache; absent until the admin signs in. */
    dataversesignin: dataverseSignInSchema.optional(),
  })
  .strict();
export type VaultSyncState = z.infer<typeof syncStateSchema>;
export type VaultSyncConflict = z.infer<typeof syncConflictSchema>;
export const DEFAULT_SYNC_STATE: VaultSyncState = syncStateSchema.parse({});

/** An audit entry that is not a change: why changes were made (a conflict choice) or what a sync did. */
export interface AuditNote {
  readonly summary: string;
  /** Structured detail (JSON), e.g. the conflict with both sides and the choice per field. */
  readonly detail?: unknown;
}
