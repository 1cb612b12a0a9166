import { z } from 'zod';
import { commandSchema, type Command } from '../core/commands/schema';
import { RIGHTS } from '../core/model/accessRights';
import { DEPTHS } from '../core/model/depth';
import { apiFromChannels } from './exposeApi';
import { channel } from './channel';
import { vaultChannels } from './channels/vault';
import { explanationSchema } from './channels/access';
import { hierarchyChannels } from './channels/hierarchy';
import { stagingChannels } from './channels/staging';
import { syncChannels } from './channels/sync';
import { transferChannels } from './channels/transfer';
import { reportChannels } from './channels/reports';
import { findingsChannels } from './channels/findings';
import { auditChannels } from './channels/audit';
import { dataverseChannels } from './channels/dataverse';
import { dataverseLinkChannels } from './channels/dataverseLink';

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

export { explanationSchema };


const historySchema = z.object({
  /** Increases with every change, undo and redo: screens refetch their queries when it moves. */
  revision: z.number().int(),
  canUndo: z.boolean(),
  canRedo: z.boolean(),
  /** What Ctrl+Z would take back, in the words of the change it undoes. */
  undoLabel: z.string().nullable(),
  redoLabel: z.string().nullable(),
});
export type HistoryDto = z.infer<typeof historySchema>;

/** What every change (apply, applyAll, undo, redo) answers. */
const changedSchema = z.object({ summary: orgSummarySchema, message: z.string(), history: historySchema });
export type ChangedDto = z.infer<typeof changedSchema>;

const page = { offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(1000).default(200) };
const query = z.string().max(200).default('');

const userRowSchema = z.object({
  systemuserid: z.string(),
  fullname: z.string(),
  domainname: z.string(),
  businessunitid: z.string(),
  businessunitname: z.string(),
  isdisabled: z.boolean(),
  managername: z.string().nullable(),
});
export type UserRowDto = z.infer<typeof userRowSchema>;

const namedSchema = z.object({ id: z.string(), name: z.string() });
const heldRoleSchema = z.object({ roleid: z.string(), name: z.string(), businessunitid: z.string().nullable(), businessunitname: z.string().nullable() });

const userDetailSchema = z.object({
  user: userRowSchema.extend({ internalemailaddress: z.string().nullable(), parentsystemuserid: z.string().nullable() }),
  roles: z.array(heldRoleSchema),
  /** Roles held through the user's teams. */
  teamroles: z.array(heldRoleSchema.extend({ teamid: z.string(), teamname: z.string() })),
  teams: z.array(namedSchema.extend({ isdefault: z.boolean() })),
  directreports: z.number().int(),
  fieldsecurityprofiles: z.array(namedSchema),
});
export type UserDetailDto = z.infer<typeof userDetailSchema>;

const teamRowSchema = z.object({
  teamid: z.string(),
  name: z.string(),
  teamtype: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]),
  businessunitid: z.string(),
  businessunitname: z.string(),
  isdefault: z.boolean(),
  members: z.number().int(),
  administratorname: z.string().nullable(),
  roles: z.number().int(),
});
export type TeamRowDto = z.infer<typeof teamRowSchema>;

const teamDetailSchema = z.object({
  team: teamRowSchema.extend({ administratorid: z.string().nullable() }),
  /** The first members by name (a default team of a big unit has thousands); total is in team.members. */
  members: z.array(namedSchema.extend({ isdisabled: z.boolean() })),
  roles: z.array(heldRoleSchema),
  fieldsecurityprofiles: z.array(namedSchema),
});
export type TeamDetailDto = z.infer<typeof teamDetailSchema>;

const depthOrNone = z.enum(DEPTHS).nullable();
/** status: known (the catalog lists it), inferred (from its name and the table's ownership), unverified (its depth rule is not known: every depth allowed). */
/** depth is the role as it will be once the staged set is applied; `saved` (the applied depth) is there only where a staged change moves the cell. */
const matrixPrivilegeSchema = z.object({ name: z.string(), depths: z.array(z.enum(DEPTHS)), depth: depthOrNone, saved: depthOrNone.optional(), status: z.enum(['known', 'inferred', 'unverified']) });
const roleInfoSchema = z.object({
  roleid: z.string(),
  name: z.string(),
  businessunitid: z.string(),
  businessunitname: z.string(),
  isinherited: z.union([z.literal(0), z.literal(1)]),
  description: z.string().nullable(),
});
export type RoleInfoDto = z.infer<typeof roleInfoSchema>;
const matrixSchema = z.object({
  role: roleInfoSchema,
  rights: z.array(z.enum(RIGHTS)),
  /** The tabs of the role editor, in catalog order. */
  groups: z.array(
    z.object({
      group: z.string(),
      entities: z.array(
        z.object({
          logicalname: z.string(),
          displayname: z.string(),
          /** One cell per right in `rights`; null where the table has no such privilege. */
          cells: z.array(matrixPrivilegeSchema.nullable()),
        }),
      ),
      miscellaneous: z.array(matrixPrivilegeSchema.extend({ displayname: z.string() })),
    }),
  ),
});
export type MatrixDto = z.infer<typeof matrixSchema>;

const compareSchema = z.object({
  left: roleInfoSchema,
  right: roleInfoSchema,
  /** Privileges set in either role, as staged or as applied, catalog order. */
  rows: z.array(
    z.object({
      name: z.string(),
      displayname: z.string(),
      group: z.string(),
      left: depthOrNone,
      right: depthOrNone,
      /** The applied depth, when the staged set (not applied yet) moves the depth shown from it. */
      savedLeft: depthOrNone.optional(),
      savedRight: depthOrNone.optional(),
    }),
  ),
});
export type CompareDto = z.infer<typeof compareSchema>;

/** A holder the staged set (not applied yet) gives the role to, or takes it from. */
const stagedHolder = z.enum(['added', 'removed']).optional();
const usageSchema = z.object({
  users: z.array(namedSchema.extend({ businessunitname: z.string().nullable(), isdisabled: z.boolean(), staged: stagedHolder })),
  teams: z.array(namedSchema.extend({ teamtype: z.number().int(), businessunitname: z.string(), staged: stagedHolder })),
  /** Totals: users and teams are cut at 500 rows each. */
  totalusers: z.number().int(),
  totalteams: z.number().int(),
});
export type UsageDto = z.infer<typeof usageSchema>;

const fieldProfileRowSchema = z.object({ fieldsecurityprofileid: z.string(), name: z.string(), description: z.string().nullable(), columns: z.number().int(), users: z.number().int(), teams: z.number().int() });
export type FieldProfileRowDto = z.infer<typeof fieldProfileRowSchema>;
const fieldPermissionValue = z.union([z.literal(0), z.literal(4)]);
const fieldProfileDetailSchema = z.object({
  profile: fieldProfileRowSchema,
  /** Every secured column of the catalog, with this profile's permission (all 0 when it has none). */
  columns: z.array(
    z.object({ entityname: z.string(), entitydisplayname: z.string(), attributelogicalname: z.string(), canread: fieldPermissionValue, cancreate: fieldPermissionValue, canupdate: fieldPermissionValue, set: z.boolean() }),
  ),
  users: z.array(namedSchema),
  teams: z.array(namedSchema),
});
export type FieldProfileDetailDto = z.infer<typeof fieldProfileDetailSchema>;

const searchHitSchema = z.object({
  kind: z.enum(['businessunit', 'user', 'team', 'role', 'fieldsecurityprofile', 'entity']),
  id: z.string(),
  name: z.string(),
  /** A second line: the unit, the sign-in name, the tab. */
  detail: z.string(),
});
export type SearchHitDto = z.infer<typeof searchHitSchema>;


// ---- the channels -----------------------------------------------------------------------------


export const contract = {
  ...vaultChannels,
  ...hierarchyChannels,
  ...stagingChannels,
  ...syncChannels,
  ...transferChannels,
  ...reportChannels,
  ...findingsChannels,
  ...auditChannels,
  ...dataverseChannels,
  ...dataverseLinkChannels,
  'org:summary': channel(z.object({}).strict(), orgSummarySchema),
  /** Applies one command to the open organization; a refusal comes back as { ok: false }. */
  'org:apply': channel(
    // The core's schema is typed by its output only; a command is sent in the same shape.
    z.object({ command: commandSchema as z.ZodType<Command, Command> }).strict(),
    changedSchema,
  ),
  /** Applies commands in order as one change (one undo step), all or nothing; a refusal names the command by position. */
  'org:applyAll': channel(
    z.object({ commands: z.array(commandSchema as z.ZodType<Command, Command>).min(1).max(5000), label: z.string().max(200).optional() }).strict(),
    changedSchema,
  ),
  /** Would these commands be accepted? Nothing is applied: the screens ask before they confirm. */
  'org:check': channel(z.object({ commands: z.array(commandSchema as z.ZodType<Command, Command>).min(1).max(5000) }).strict(), z.object({ message: z.string() })),
  'history:state': channel(z.object({}).strict(), historySchema),
  'history:undo': channel(z.object({}).strict(), changedSchema),
  'history:redo': channel(z.object({}).strict(), changedSchema),
  'users:list': channel(
    z
      .object({
        query,
        businessunitid: id.optional(),
        roleid: id.optional(),
        teamid: id.optional(),
        status: z.enum(['all', 'enabled', 'disabled']).default('all'),
        ...page,
      })
      .strict(),
    z.object({ total: z.number().int(), offset: z.number().int(), rows: z.array(userRowSchema) }),
  ),
  'users:detail': channel(z.object({ systemuserid: id }).strict(), userDetailSchema),
  /** The roles a user loses on moving to another unit (Dataverse removes them all). */
  'users:moveImpact': channel(z.object({ systemuserids: z.array(id).min(1).max(5000), businessunitid: id }).strict(), z.object({ users: z.number().int(), roles: z.array(z.object({ name: z.string(), holders: z.number().int() })) })),
  'teams:list': channel(
    z.object({ query, teamtype: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]).optional(), ...page }).strict(),
    z.object({ total: z.number().int(), offset: z.number().int(), rows: z.array(teamRowSchema) }),
  ),
  'teams:detail': channel(z.object({ teamid: id }).strict(), teamDetailSchema),
  'roles:matrix': channel(z.object({ roleid: id }).strict(), matrixSchema),
  'roles:compare': channel(z.object({ left: id, right: id }).strict(), compareSchema),
  'roles:usage': channel(z.object({ roleid: id }).strict(), usageSchema),
  'fieldSecurity:list': channel(z.object({}).strict(), z.object({ rows: z.array(fieldProfileRowSchema) })),
  'fieldSecurity:detail': channel(z.object({ fieldsecurityprofileid: id }).strict(), fieldProfileDetailSchema),
  'search:everything': channel(z.object({ query: z.string().trim().min(1, 'must not be empty').max(200), limit: z.number().int().min(1).max(200).default(40) }).strict(), z.object({ hits: z.array(searchHitSchema) })),
  /** The role editor's tabs, and the depth labels the screens show. */
  'catalog:groups': channel(z.object({}).strict(), z.object({ groups: z.array(z.object({ group: z.string(), entities: z.number().int(), miscellaneous: z.number().int() })) })),
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
  return apiFromChannels(CHANNELS, (c, request) => invoke(c as Channel, request)) as unknown as RoleAtlasApi;
}
