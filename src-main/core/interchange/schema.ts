import { z } from 'zod';
import { DEPTHS } from '../model/depth';

/**
 * The organization interchange file, "roleatlas/org@1": every table in Dataverse's column names.
 * resources/schema/org.schema.json is generated from this (npm run schemas).
 */
export const ORG_FORMAT = 'roleatlas/org@1';

const id = z.string().trim().min(1, 'must not be empty').max(200);
const fp = z.union([z.literal(0), z.literal(4)]);

export const fieldPermissionSchema = z.object({
  entityname: z.string().min(1),
  attributelogicalname: z.string().min(1),
  canread: fp,
  cancreate: fp,
  canupdate: fp,
});

export const orgFileSchema = z.object({
  format: z.literal(ORG_FORMAT),
  organization: z.object({
    name: z.string().trim().min(1),
    hierarchysecurity: z.object({ enabled: z.boolean(), depth: z.number().int().min(1).max(100) }).optional(),
  }),
  /** Custom tables added to the built-in catalog. */
  entities: z
    .array(
      z.object({
        logicalname: z.string().regex(/^[a-z][a-z0-9_]*$/),
        displayname: z.string().min(1),
        ownership: z.enum(['UserOwned', 'OrganizationOwned']).nullable(),
        schemaname: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/).optional(),
      }),
    )
    .optional(),
  businessunits: z.array(z.object({ businessunitid: id, name: z.string().trim().min(1).max(160), parentbusinessunitid: id.nullable(), isdisabled: z.boolean().optional() })),
  systemusers: z.array(
    z.object({
      systemuserid: id,
      fullname: z.string().trim().min(1).max(200),
      domainname: z.string().trim().min(1).max(1024),
      internalemailaddress: z.string().nullable().optional(),
      businessunitid: id,
      parentsystemuserid: id.nullable().optional(),
      isdisabled: z.boolean().optional(),
    }),
  ),
  teams: z.array(
    z.object({
      teamid: id,
      name: z.string().trim().min(1).max(160),
      teamtype: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]),
      businessunitid: id,
      administratorid: id.nullable().optional(),
      isdefault: z.boolean().optional(),
    }),
  ),
  teammembership: z.array(z.object({ teamid: id, systemuserid: id })),
  roles: z.array(
    z.object({
      roleid: id,
      name: z.string().trim().min(1).max(100),
      businessunitid: id,
      isinherited: z.union([z.literal(0), z.literal(1)]).optional(),
      description: z.string().nullable().optional(),
      privileges: z.record(z.string(), z.enum(DEPTHS)),
    }),
  ),
  systemuserroles: z.array(z.object({ systemuserid: id, roleid: id, businessunitid: id.nullable().optional() })),
  teamroles: z.array(z.object({ teamid: id, roleid: id, businessunitid: id.nullable().optional() })),
  fieldsecurityprofiles: z.array(
    z.object({ fieldsecurityprofileid: id, name: z.string().trim().min(1).max(100), description: z.string().nullable().optional(), fieldpermissions: z.array(fieldPermissionSchema) }),
  ),
  systemuserprofiles: z.array(z.object({ fieldsecurityprofileid: id, systemuserid: id })).optional(),
  teamprofiles: z.array(z.object({ fieldsecurityprofileid: id, teamid: id })).optional(),
  records: z.array(z.lazy(() => recordSchema)),
  /** Records counted in the environment per table and owner (FetchXML aggregates), not pulled one by one. */
  recordcounts: z.array(z.lazy(() => recordCountSchema)).optional(),
  shares: z.array(z.lazy(() => shareSchema)),
});

export const recordSchema = z.object({ recordid: id, entity: z.string().min(1), name: z.string().nullable().optional(), ownerid: id, owningbusinessunit: id.optional() });
export const recordCountSchema = z.object({ entity: z.string().min(1), ownerid: id, owningbusinessunit: id, count: z.number().int().min(0) });
export const shareSchema = z.object({ recordid: id, principalid: id, accessrightsmask: z.number().int().positive() });

/**
 * The file's shape with the two tables of a million rows taken as they are: each row is then
 * checked by fastRow() and, only when that does not accept it, by its schema, which words the
 * problem. zod's per-row copies of a million records cost seconds of garbage collection.
 */
export const orgFileShapeSchema = orgFileSchema.extend({ records: z.array(z.unknown()), shares: z.array(z.unknown()) });

const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 200 && v.trim() === v;

/** Whether a row is one its schema accepts unchanged (ids already trimmed): a strict subset of what the schema accepts. */
export function isPlainRecord(r: unknown): r is z.output<typeof recordSchema> {
  if (typeof r !== 'object' || r === null) return false;
  const x = r as Record<string, unknown>;
  return isId(x.recordid) && typeof x.entity === 'string' && x.entity.length > 0 && isId(x.ownerid) && (x.name === undefined || x.name === null || typeof x.name === 'string') && (x.owningbusinessunit === undefined || isId(x.owningbusinessunit));
}

export function isPlainShare(r: unknown): r is z.output<typeof shareSchema> {
  if (typeof r !== 'object' || r === null) return false;
  const x = r as Record<string, unknown>;
  return isId(x.recordid) && isId(x.principalid) && typeof x.accessrightsmask === 'number' && Number.isInteger(x.accessrightsmask) && x.accessrightsmask > 0;
}

export type OrgFile = z.infer<typeof orgFileSchema>;
