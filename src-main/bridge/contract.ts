import { z } from 'zod';
import { commandSchema, type Command } from '../core/commands/schema';
import { RIGHTS } from '../core/model/accessRights';
import { DEPTHS } from '../core/model/depth';

/**
 * The one contract between main and renderer. Every channel is declared here once; the preload's
 * window.api, main's handler map and the renderer's types are all derived from it.
 * Recipe for a new channel: ./README.md.
 */

// ---- shared shapes ----------------------------------------------------------------------------

const id = z.string().trim().min(1, 'must not be empty').max(200);

/** Why a request was refused; `path` names the offending field when there is one (command.name). */
export const bridgeErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  path: z.string().optional(),
});
export type BridgeError = z.infer<typeof bridgeErrorSchema>;

/** What every call resolves to: errors cross as values, never as rejected promises. */
export type BridgeResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: BridgeError };

const unitRowSchema = z.object({
  businessunitid: z.string(),
  name: z.string(),
  parentbusinessunitid: z.string().nullable(),
  isdisabled: z.boolean(),
  /** Users whose business unit this is (not counting units below). */
  users: z.number().int(),
});

const roleRowSchema = z.object({
  roleid: z.string(),
  name: z.string(),
  businessunitid: z.string(),
  /** Distinct users and teams holding the role directly. */
  holders: z.number().int(),
});

export const orgSummarySchema = z.object({
  name: z.string(),
  counts: z.object({
    businessunits: z.number().int(),
    users: z.number().int(),
    teams: z.number().int(),
    roles: z.number().int(),
    records: z.number().int(),
  }),
  /** Parents before children, siblings by name. */
  businessunits: z.array(unitRowSchema).readonly(),
  /** By name. */
  roles: z.array(roleRowSchema).readonly(),
});
export type OrgSummaryDto = z.infer<typeof orgSummarySchema>;

const accessPathSchema = z.object({
  roleid: z.string(),
  rolename: z.string(),
  depth: z.enum(DEPTHS),
  via: z.enum(['direct', 'team']),
  teamid: z.string().optional(),
  teamname: z.string().optional(),
  inheritedfromteam: z.boolean().optional(),
  scopebusinessunitid: z.string(),
  scopebusinessunitname: z.string(),
  reach: z.enum(['organization', 'businessunit-and-below', 'businessunit', 'owner', 'team-owner', 'share', 'hierarchy']),
  sharedwith: z.string().optional(),
  accessrightsmask: z.number().optional(),
  reportid: z.string().optional(),
  managerlevel: z.number().optional(),
});

export const explanationSchema = z.object({
  allowed: z.boolean(),
  depth: z.enum(DEPTHS).nullable(),
  privilege: z.string().nullable(),
  paths: z.array(accessPathSchema).readonly(),
  reasons: z.array(z.string()).readonly(),
});

// ---- the channels -----------------------------------------------------------------------------

const channel = <Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res) => ({ request, response });

export const contract = {
  'org:summary': channel(z.object({}).strict(), orgSummarySchema),
  /** Applies one command to the open organization; a refusal comes back as { ok: false }. */
  'org:apply': channel(
    // The core's schema is typed by its output only; a command is sent in the same shape.
    z.object({ command: commandSchema as z.ZodType<Command, Command> }).strict(),
    z.object({ summary: orgSummarySchema, message: z.string() }),
  ),
  'access:explain': channel(
    z
      .object({
        systemuserid: id,
        /** Table logical name: account, contact, ... */
        entity: z.string().trim().min(1, 'must not be empty'),
        right: z.enum(RIGHTS),
        recordid: id.optional(),
      })
      .strict(),
    explanationSchema,
  ),
} as const;

export type Contract = typeof contract;
export type Channel = keyof Contract;
export const CHANNELS = Object.keys(contract) as Channel[];

/** What the renderer sends (before defaults and trimming). */
export type RequestOf<C extends Channel> = z.input<Contract[C]['request']>;
/** What main's handler receives, after validation. */
export type ParsedRequestOf<C extends Channel> = z.output<Contract[C]['request']>;
export type ResponseOf<C extends Channel> = z.output<Contract[C]['response']>;

/** window.api: one method per channel, named as the channel. */
export type RoleAtlasApi = { readonly [C in Channel]: (request: RequestOf<C>) => Promise<BridgeResult<ResponseOf<C>>> };

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && Object.hasOwn(contract, value);
}

/**
 * Builds window.api from the channel list over any transport: ipcRenderer.invoke in the preload,
 * an in-process dispatcher in tests. The transport must resolve to a BridgeResult.
 */
export function buildApi(invoke: (channel: Channel, request: unknown) => Promise<unknown>): RoleAtlasApi {
  const api: Record<string, (request: unknown) => Promise<unknown>> = {};
  for (const c of CHANNELS) api[c] = (request: unknown) => invoke(c, request);
  return Object.freeze(api) as unknown as RoleAtlasApi;
}
