import { z } from 'zod';
import { DEPTHS } from '../model/depth';

/**
 * Every change to the model, as plain data tagged by `type`, with Dataverse's column names.
 * resources/schema/commands.schema.json is generated from these schemas (npm run schemas).
 */
const id = z.string().trim().min(1, 'must not be empty').max(200);
const name = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);
const optionalId = id.optional();
const fieldPermissionValue = z.union([z.literal(0), z.literal(4)]);

/** Exactly one of systemuserid / teamid. */
function principal<K extends string, T extends z.ZodRawShape>(type: K, shape: T) {
  return z
    .object({ type: z.literal(type), systemuserid: optionalId, teamid: optionalId, ...shape })
    .strict()
    .refine((c) => ((c as { systemuserid?: unknown }).systemuserid === undefined) !== ((c as { teamid?: unknown }).teamid === undefined), {
      message: 'give exactly one of systemuserid or teamid',
      path: ['systemuserid'],
    });
}

const cmd = <K extends string, T extends z.ZodRawShape>(type: K, shape: T) => z.object({ type: z.literal(type), ...shape }).strict();

export const commandSchemas = {
  createBusinessUnit: cmd('createBusinessUnit', {
    businessunitid: optionalId,
    name: name(160),
    parentbusinessunitid: id,
    /** Id of the default team created with the unit. */
    defaultteamid: optionalId,
  }),
  updateBusinessUnit: cmd('updateBusinessUnit', { businessunitid: id, name: name(160) }),
  moveBusinessUnit: cmd('moveBusinessUnit', { businessunitid: id, parentbusinessunitid: id }),
  setBusinessUnitDisabled: cmd('setBusinessUnitDisabled', { businessunitid: id, isdisabled: z.boolean() }),
  deleteBusinessUnit: cmd('deleteBusinessUnit', { businessunitid: id }),

  createUser: cmd('createUser', {
    systemuserid: optionalId,
    fullname: name(200),
    domainname: name(1024),
    internalemailaddress: z.string().trim().email().max(100).nullable().optional(),
    businessunitid: id,
    parentsystemuserid: id.nullable().optional(),
  }),
  updateUser: cmd('updateUser', {
    systemuserid: id,
    fullname: name(200).optional(),
    domainname: name(1024).optional(),
    internalemailaddress: z.string().trim().email().max(100).nullable().optional(),
    parentsystemuserid: id.nullable().optional(),
  }),
  moveUser: cmd('moveUser', { systemuserid: id, businessunitid: id }),
  setUserDisabled: cmd('setUserDisabled', { systemuserid: id, isdisabled: z.boolean() }),

  createTeam: cmd('createTeam', {
    teamid: optionalId,
    name: name(160),
    teamtype: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]),
    businessunitid: id,
    administratorid: id.nullable().optional(),
  }),
  updateTeam: cmd('updateTeam', { teamid: id, name: name(160).optional(), administratorid: id.nullable().optional() }),
  deleteTeam: cmd('deleteTeam', { teamid: id }),
  /**
   * The unit's default team is the environment's row `teamid`: Dataverse makes a unit's default
   * team itself, under an id of its own, so a unit created by a push takes that id, keeping the
   * team's roles, profiles, records and shares.
   */
  setDefaultTeamId: cmd('setDefaultTeamId', { businessunitid: id, teamid: id }),
  addTeamMember: cmd('addTeamMember', { teamid: id, systemuserid: id }),
  removeTeamMember: cmd('removeTeamMember', { teamid: id, systemuserid: id }),

  createRole: cmd('createRole', {
    roleid: optionalId,
    name: name(100),
    /** Defaults to the root unit; the role is available in this unit and every unit below it. */
    businessunitid: optionalId,
    isinherited: z.union([z.literal(0), z.literal(1)]).optional(),
    description: z.string().max(2000).nullable().optional(),
    privileges: z.record(z.string(), z.enum(DEPTHS)).optional(),
  }),
  updateRole: cmd('updateRole', {
    roleid: id,
    name: name(100).optional(),
    isinherited: z.union([z.literal(0), z.literal(1)]).optional(),
    description: z.string().max(2000).nullable().optional(),
  }),
  deleteRole: cmd('deleteRole', { roleid: id }),
  /** depth null removes the privilege (None). */
  setRolePrivilege: cmd('setRolePrivilege', { roleid: id, privilege: z.string().min(1), depth: z.enum(DEPTHS).nullable() }),
  /** The whole privilege set at once (Dataverse's ReplacePrivilegesRole), as an export holds it. */
  replaceRolePrivileges: cmd('replaceRolePrivileges', { roleid: id, privileges: z.record(z.string(), z.enum(DEPTHS)) }),
  assignRole: principal('assignRole', { roleid: id, businessunitid: id.nullable().optional() }),
  removeRole: principal('removeRole', { roleid: id, businessunitid: id.nullable().optional() }),

  createFieldSecurityProfile: cmd('createFieldSecurityProfile', {
    fieldsecurityprofileid: optionalId,
    name: name(100),
    description: z.string().max(2000).nullable().optional(),
  }),
  updateFieldSecurityProfile: cmd('updateFieldSecurityProfile', {
    fieldsecurityprofileid: id,
    name: name(100).optional(),
    description: z.string().max(2000).nullable().optional(),
  }),
  deleteFieldSecurityProfile: cmd('deleteFieldSecurityProfile', { fieldsecurityprofileid: id }),
  setFieldPermission: cmd('setFieldPermission', {
    fieldsecurityprofileid: id,
    entityname: z.string().min(1),
    attributelogicalname: z.string().min(1),
    canread: fieldPermissionValue,
    cancreate: fieldPermissionValue,
    canupdate: fieldPermissionValue,
  }),
  removeFieldPermission: cmd('removeFieldPermission', {
    fieldsecurityprofileid: id,
    entityname: z.string().min(1),
    attributelogicalname: z.string().min(1),
  }),
  assignFieldSecurityProfile: principal('assignFieldSecurityProfile', { fieldsecurityprofileid: id }),
  removeFieldSecurityProfile: principal('removeFieldSecurityProfile', { fieldsecurityprofileid: id }),

  createRecord: cmd('createRecord', { recordid: optionalId, entity: z.string().min(1), name: z.string().max(400).nullable().optional(), ownerid: id }),
  assignRecord: cmd('assignRecord', { recordid: id, ownerid: id }),
  deleteRecord: cmd('deleteRecord', { recordid: id }),
  /** Grants (or changes) a share; accessrightsmask uses Dataverse's AccessRights values. */
  shareRecord: cmd('shareRecord', { recordid: id, principalid: id, accessrightsmask: z.number().int().positive() }),
  unshareRecord: cmd('unshareRecord', { recordid: id, principalid: id }),
  /**
   * The environment's record counts of one user-owned table, per owner (a FetchXML aggregate),
   * replacing the table's earlier counts; an owner not listed holds none.
   */
  setRecordCounts: cmd('setRecordCounts', {
    entity: z.string().min(1),
    counts: z.array(z.object({ ownerid: id, owningbusinessunit: id, count: z.number().int().min(0) }).strict()),
  }),

  setHierarchySecurity: cmd('setHierarchySecurity', { enabled: z.boolean(), depth: z.number().int().min(1).max(100).optional() }),
  addCustomEntity: cmd('addCustomEntity', {
    logicalname: z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be a lowercase logical name'),
    displayname: name(100),
    /** null when the table's ownership is not known: its privileges are then unverified. */
    ownership: z.enum(['UserOwned', 'OrganizationOwned']).nullable(),
    /** The schema name its privileges are named after (prvReadcr5db_Project), when it differs from the logical name in case. */
    schemaname: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'must be a schema name').optional(),
  }),
} as const;

export type CommandType = keyof typeof commandSchemas;
export const COMMAND_TYPES = Object.keys(commandSchemas) as CommandType[];

export type CommandOf<T extends CommandType> = z.infer<(typeof commandSchemas)[T]>;
export type Command = { [T in CommandType]: CommandOf<T> }[CommandType];

export const commandSchema = z.discriminatedUnion(
  'type',
  Object.values(commandSchemas) as unknown as [z.ZodObject<{ type: z.ZodLiteral<string> }>],
) as unknown as z.ZodType<Command>;

export const commandListSchema = z.array(commandSchema);
