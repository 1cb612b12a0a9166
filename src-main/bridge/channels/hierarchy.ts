import { z } from 'zod';
import { commandSchema, type Command } from '../../core/commands/schema';
import { RIGHTS } from '../../core/model/accessRights';
import { DEPTHS } from '../../core/model/depth';
import { channel } from '../channel';
import { accessPathSchema, explanationSchema } from './access';

const id = z.string().trim().min(1, 'must not be empty').max(200);
const entity = z.string().trim().min(1, 'must not be empty').max(200);
const depth = z.enum(DEPTHS).nullable();
const command = commandSchema as z.ZodType<Command, Command>;

const count = z.number().int().min(0);
const int32s = z.instanceof(Int32Array);
const bytes = z.instanceof(Uint8Array);
/** Where each of `count` strings ends in their concatenation: non-decreasing, the last at its length. */
const checkEnds = (ends: Int32Array, text: string, count: number, path: string, ctx: z.RefinementCtx) => {
  let at = 0;
  for (let i = 0; i < ends.length; i++) {
    if (ends[i] < at) return ctx.addIssue({ code: 'custom', path: [path], message: 'must not go backwards' });
    at = ends[i];
  }
  if (ends.length !== count || at !== text.length) ctx.addIssue({ code: 'custom', path: [path], message: `must end each of the ${count} strings, the last at the text's end` });
};
/**
 * Every unit as parallel columns, index i being one unit in tree order (parents before children,
 * siblings by name). Numbers travel as typed arrays and the ids and names as one string each with
 * where every one ends, so 20,000 units cross the bridge as a dozen values rather than 140,000.
 */
const unitColumnsSchema = z
  .object({
    count,
    /** Every id one after the other; `idEnds[i]` is where the i-th ends. */
    ids: z.string(),
    idEnds: int32s,
    names: z.string(),
    nameEnds: int32s,
    /** The parent's index (below i), -1 for a top unit. */
    parents: int32s,
    /** 1 for a disabled unit. */
    disabled: bytes,
    users: int32s,
    /** Teams other than the unit's default team. */
    teams: int32s,
    /** Records owned in the unit, every table together. */
    records: int32s,
  })
  .superRefine((c, ctx) => {
    const n = c.count;
    for (const k of ['parents', 'disabled', 'users', 'teams', 'records'] as const) {
      if (c[k].length !== n) ctx.addIssue({ code: 'custom', path: [k], message: `must have ${n} entries, one per unit` });
    }
    checkEnds(c.idEnds, c.ids, n, 'idEnds', ctx);
    checkEnds(c.nameEnds, c.names, n, 'nameEnds', ctx);
    for (let i = 0; i < c.parents.length; i++) {
      if (c.parents[i] >= i || c.parents[i] < -1) {
        ctx.addIssue({ code: 'custom', path: ['parents', i], message: 'a parent comes before its children (-1 for none)' });
        return;
      }
    }
    for (const k of ['users', 'teams', 'records'] as const) if (c[k].some((x) => x < 0)) ctx.addIssue({ code: 'custom', path: [k], message: 'must not be negative' });
    if (c.disabled.some((x) => x > 1)) ctx.addIssue({ code: 'custom', path: ['disabled'], message: 'must be 0 or 1' });
  });
export type UnitColumnsDto = z.infer<typeof unitColumnsSchema>;

/** One unit as the renderer holds it (decoded from the columns). */
export interface HierarchyUnitDto {
  readonly businessunitid: string;
  readonly name: string;
  readonly parentbusinessunitid: string | null;
  readonly isdisabled: boolean;
  readonly users: number;
  /** Teams other than the unit's default team. */
  readonly teams: number;
  /** Records owned in the unit, every table together. */
  readonly records: number;
}

/** Whose access the graph is coloured by: a user, a team, or "a holder of this role in unit X". */
export const principalSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('user'), systemuserid: id }).strict(),
  z.object({ kind: z.literal('team'), teamid: id }).strict(),
  z.object({ kind: z.literal('role'), roleid: id, businessunitid: id }).strict(),
]);
export type PrincipalDto = z.infer<typeof principalSchema>;

/** Per unit, indexed like `hierarchy:units`' columns, as typed arrays (one value each on the bridge). */
const overlaySideSchema = z
  .object({
    depth,
    records: z.number().int(),
    /** The depth level reaching each unit: 0 None, 1 Basic, 2 Local, 3 Deep, 4 Global. */
    levels: bytes,
    /** The table's records reached in each unit. */
    unitRecords: int32s,
  })
  .superRefine((x, ctx) => {
    if (x.unitRecords.length !== x.levels.length) ctx.addIssue({ code: 'custom', path: ['unitRecords'], message: 'must have one entry per unit, as levels' });
    if (x.levels.some((l) => l > 4)) ctx.addIssue({ code: 'custom', path: ['levels'], message: 'must be 0 to 4' });
    if (x.unitRecords.some((r) => r < 0)) ctx.addIssue({ code: 'custom', path: ['unitRecords'], message: 'must not be negative' });
  });
const overlaySchema = z
  .object({ privilege: z.string(), before: overlaySideSchema, after: overlaySideSchema.nullable() })
  .refine((o) => !o.after || o.after.levels.length === o.before.levels.length, { message: 'before and after cover the same units', path: ['after'] });
export type OverlayDto = z.infer<typeof overlaySchema>;

/** Users whose access the staged set changes, and per unit how many of them gain and lose there. */
const stagedUnitsSchema = z.object({
  users: z.number().int(),
  units: z.array(z.object({ businessunitid: z.string(), gain: z.number().int(), lose: z.number().int() })).readonly(),
});
export type StagedUnitsDto = z.infer<typeof stagedUnitsSchema>;

const membersSchema = z.object({
  businessunitid: z.string(),
  totalusers: z.number().int(),
  /** The first 500 by name. */
  users: z.array(z.object({ systemuserid: z.string(), fullname: z.string(), isdisabled: z.boolean() })),
  teams: z.array(z.object({ teamid: z.string(), name: z.string(), teamtype: z.number().int(), isdefault: z.boolean() })),
});
export type MembersDto = z.infer<typeof membersSchema>;

const remedySchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('role'),
    roleid: z.string(),
    rolename: z.string(),
    via: z.enum(['direct', 'team']),
    teamid: z.string().optional(),
    teamname: z.string().optional(),
    scopebusinessunitid: z.string(),
    scopebusinessunitname: z.string(),
    /** The depth the role holds the privilege at now. */
    from: depth,
    /** The smallest depth (allowed for the privilege) that reaches the record. */
    depth: z.enum(DEPTHS),
    /** Raising a role's depth changes it for every holder: the Preview panel shows who. */
    command,
  }),
  z.object({
    kind: z.literal('share'),
    /** A share gives access only where a role grants the privilege in the user's own context (any depth). */
    sufficient: z.boolean(),
    /** null for a hypothetical record, which cannot be shared yet. */
    command: command.nullable(),
  }),
]);
export type RemedyDto = z.infer<typeof remedySchema>;

const checkAccessSchema = z.object({
  systemuserid: z.string(),
  fullname: z.string(),
  entity: z.string(),
  record: z.object({
    recordid: z.string().nullable(),
    name: z.string().nullable(),
    ownerid: z.string().nullable(),
    ownername: z.string().nullable(),
    owningbusinessunitid: z.string().nullable(),
    owningbusinessunitname: z.string().nullable(),
  }),
  rights: z.array(
    z.object({
      right: z.enum(RIGHTS),
      privilege: z.string().nullable(),
      allowed: z.boolean(),
      depth,
      paths: z.array(accessPathSchema).readonly(),
      reasons: z.array(z.string()).readonly(),
      remedies: z.array(remedySchema).readonly(),
    }),
  ).readonly(),
});
export type CheckAccessDto = z.infer<typeof checkAccessSchema>;

export const hierarchyChannels = {
  /** Every unit with its user and team counts, parents before children. */
  'hierarchy:units': channel(
    z.object({}).strict(),
    z.object({
      units: unitColumnsSchema,
      /** Tables whose records have an owner, to colour the graph by and to check access on. */
      entities: z.array(z.object({ logicalname: z.string(), displayname: z.string(), rights: z.array(z.enum(RIGHTS)) })).readonly(),
    }),
  ),
  'hierarchy:members': channel(z.object({ businessunitid: id }).strict(), membersSchema),
  /**
   * Per unit, the deepest depth reaching it and the records reached there, as arrays indexed like
   * `hierarchy:units`' columns (units only in the staged state are left out); `after` over the staged set.
   */
  'hierarchy:overlay': channel(z.object({ principal: principalSchema, entity, right: z.enum(RIGHTS), staged: z.boolean().default(true) }).strict(), overlaySchema),
  /**
   * Where the staged set changes anyone's access to a table and right: per unit, how many users
   * gain and lose there ("any user" in the overview's diff); empty with nothing staged.
   */
  'hierarchy:stagedUnits': channel(
    z.object({ entity, right: z.enum(RIGHTS) }).strict(),
    stagedUnitsSchema,
  ),
  /** The paths by which the overlay's principal (a user, a team, or a holder of a role) holds the privilege. */
  'hierarchy:paths': channel(z.object({ principal: principalSchema, entity, right: z.enum(RIGHTS) }).strict(), explanationSchema),
  /** Every right of a user on a record (or a record yet to exist), how each is obtained, and what would grant the others. */
  'checkAccess:check': channel(
    z.union([
      z.object({ systemuserid: id, recordid: id }).strict(),
      z.object({ systemuserid: id, entity, owningbusinessunitid: id.optional(), ownerid: id.optional() }).strict(),
    ]),
    checkAccessSchema,
  ),
  /** Records of a table, by name, to pick one in the Check access dialog. */
  'checkAccess:records': channel(
    z.object({ entity, query: z.string().max(200).default(''), limit: z.number().int().min(1).max(200).default(50) }).strict(),
    z.object({ total: z.number().int(), rows: z.array(z.object({ recordid: z.string(), name: z.string().nullable(), ownername: z.string() })) }),
  ),
} as const;
