import { z } from 'zod';
import { channel } from '../channel';
import { authority, clientId, environment } from './dataverse';
import { diffSchema } from './staging';

/**
 * The app's link to a Dataverse environment: where it is (kept in the vault's settings), pulling
 * it into the vault, and pushing the staged change set back. The sign-in is another area's
 * (dataverse:signIn…): these channels only ever use its token in main, never see it.
 */

export const dataverseSettingsSchema = z.object({
  /** https://ORG.crm.dynamics.com; null until the admin sets it. */
  env: z.string().nullable(),
  /** null: sign in with the default application. */
  clientid: z.string().nullable(),
  /** Who signs in: null for work and school accounts of any tenant; a single-tenant app registration names its tenant. */
  authority: z.string().nullable(),
});
export type DataverseSettingsDto = z.infer<typeof dataverseSettingsSchema>;

const pulledSchema = z.object({
  /** The import's audit summary: "Imported Dataverse environment …: 13 business unit(s), …". */
  summary: z.string(),
  businessunits: z.number().int(),
  systemusers: z.number().int(),
  teams: z.number().int(),
  roles: z.number().int(),
  privileges: z.number().int(),
  requests: z.number().int(),
  throttled: z.number().int(),
});

export const dataversePullJobSchema = z.object({
  jobid: z.string(),
  env: z.string(),
  state: z.enum(['running', 'done', 'failed']),
  /** The table being read (its entity set), and tables done of all there are. */
  table: z.string().nullable(),
  done: z.number().int(),
  of: z.number().int(),
  /** Rows read of the current table so far. */
  rows: z.number().int(),
  error: z.string().nullable(),
  result: pulledSchema.nullable(),
});
export type DataversePullJobDto = z.infer<typeof dataversePullJobSchema>;

const conflictSchema = z.object({
  /** "team Escalations". */
  what: z.string(),
  field: z.string(),
  /** Each side as JSON text: "\"Escalations EMEA\"", "null". */
  environment: z.string(),
  vault: z.string(),
});
export type DataverseConflictDto = z.infer<typeof conflictSchema>;

const keptConflictSchema = z.object({
  detectedat: z.string(),
  message: z.string(),
  fields: z.array(conflictSchema),
});
export type DataverseKeptConflictDto = z.infer<typeof keptConflictSchema>;

export const dataverseStatusSchema = z.object({
  /** false: the organization is held in memory, with no vault to pull into. */
  available: z.boolean(),
  /** Why it is not available. */
  message: z.string().nullable(),
  settings: dataverseSettingsSchema,
  /** What the vault was last pulled from, when, and how many rows of each entity set it held. */
  link: z.object({ env: z.string(), pulledat: z.string(), counts: z.record(z.string(), z.number().int()), privileges: z.number().int() }).nullable(),
  /** Changes staged, which a push would send. */
  staged: z.number().int(),
  /** Changes applied to the vault since the pull that the environment does not hold: a push sends them before the staged set. */
  applied: z.number().int(),
  /** Changes applied since the pull that Dataverse has no equivalent for (records, shares): kept in the vault only. */
  kept: z.number().int(),
  /** Why the changes since the pull cannot be told (a link kept before RoleAtlas recorded the pull's place: pull again), or null. */
  sincePull: z.string().nullable(),
  /** Who is signed in to the settings' environment; null when nobody is (or the app cannot tell). */
  account: z.string().nullable(),
  /** The pull under way, for a window opened while one runs. */
  job: dataversePullJobSchema.nullable(),
  /** The last push refused for fields the environment changed since the pull, kept in the vault until a pull or a dismissal. */
  conflict: keptConflictSchema.nullable(),
  /** Why the sign-in must be made again before a pull or push (the organization asks for multi-factor authentication, say); null when it need not. */
  signInRequired: z.string().nullable(),
});
export type DataverseStatusDto = z.infer<typeof dataverseStatusSchema>;

const requestSchema = z.object({
  /** What it comes from: a change applied since the pull, or a staged one. */
  part: z.enum(['applied', 'staged']),
  /** The change it comes from, 1-based within its part, and that change in words. */
  change: z.number().int(),
  summary: z.string(),
  method: z.enum(['POST', 'DELETE', 'PATCH']),
  /** Relative to /api/data/v9.2/. */
  path: z.string(),
  /** The JSON body, cut to a line. */
  body: z.string().nullable(),
  /** Sent with If-Match: the row's version read when the push planned. */
  ifMatch: z.string().nullable(),
  /** The environment already holds it: not sent again. */
  inEffect: z.boolean(),
});
export type DataverseRequestDto = z.infer<typeof requestSchema>;


export const dataversePlanSchema = z.object({
  env: z.string(),
  /** Names this push as reviewed; dataverse:push sends it only while the changes since the pull and the staged set are still these. */
  planid: z.string().nullable(),
  staged: z.number().int(),
  /** The changes applied since the pull that the push sends first, each with the undo step it was applied in. */
  applied: z.array(z.object({ step: z.string(), summary: z.string() })),
  /** Changes applied since the pull that stay in the vault only (no Dataverse equivalent), and why. */
  kept: z.array(z.object({ step: z.string(), summary: z.string(), why: z.string() })),
  changeSets: z.number().int(),
  requests: z.array(requestSchema),
  /** Fields the environment changed since the pull that the push would change: nothing can be sent until the vault is pulled again. */
  conflicts: z.array(conflictSchema),
  /** Why nothing can be sent (the conflicts in a sentence), or null. */
  message: z.string().nullable(),
  diff: diffSchema,
});
export type DataversePlanDto = z.infer<typeof dataversePlanSchema>;


export const dataversePushSchema = z.object({
  env: z.string(),
  /** pushed: every change set taken and the staged set applied to the vault; conflict: nothing sent, a field moved in the environment. */
  outcome: z.enum(['pushed', 'refused', 'unknown', 'conflict']),
  message: z.string(),
  changeSets: z.array(
    z.object({
      /** 1-based, and the changes it carries (positions among the applied changes, then the staged ones). */
      index: z.number().int(),
      firstChange: z.number().int(),
      lastChange: z.number().int(),
      requests: z.number().int(),
      state: z.enum(['applied', 'refused', 'unknown', 'not-sent']),
      /** Dataverse's own message for a refused change set. */
      message: z.string().nullable(),
    }),
  ),
  conflicts: z.array(conflictSchema),
  sent: z.number().int(),
  /** Requests the environment already held, not sent twice. */
  alreadyInEffect: z.number().int(),
  /** Changes still staged afterwards (0 once pushed). */
  staged: z.number().int(),
});
export type DataversePushDto = z.infer<typeof dataversePushSchema>;

export const dataverseLinkChannels = {
  'dataverse:settings': channel(z.object({}).strict(), dataverseSettingsSchema),
  /** Keeps the environment URL and client id in the vault's settings. */
  'dataverse:setSettings': channel(z.object({ env: environment, clientid: clientId.transform((s) => s.toLowerCase()).nullable().default(null), authority: authority.nullable().default(null) }).strict(), dataverseSettingsSchema),
  'dataverse:status': channel(z.object({}).strict(), dataverseStatusSchema),
  /**
   * Starts pulling the settings' environment into the vault; poll dataverse:pullProgress. A second
   * start answers the running job. `discard`: the changes applied since the pull and not pushed are
   * discarded, the organization replaced with the environment's (a full pull); otherwise they stop the pull.
   */
  'dataverse:pull': channel(z.object({ discard: z.boolean().default(false) }).strict(), dataversePullJobSchema),
  'dataverse:pullProgress': channel(z.object({ jobid: z.string().trim().min(1, 'must not be empty').max(200) }).strict(), dataversePullJobSchema),
  /** Every Web API request of the changes since the pull and the staged set in order, and the access diff; nothing is sent. */
  'dataverse:pushPlan': channel(z.object({ limit: z.number().int().min(0).max(20000).default(5000) }).strict(), dataversePlanSchema),
  /** Sends the reviewed push (planid from dataverse:pushPlan) as change sets; answers per change set. */
  'dataverse:push': channel(z.object({ planid: z.string().trim().min(1, 'must not be empty').max(200) }).strict(), dataversePushSchema),
  /** Forgets the push conflict kept in the vault; answers the status without it. */
  'dataverse:dismissConflict': channel(z.object({}).strict(), dataverseStatusSchema),
} as const;
