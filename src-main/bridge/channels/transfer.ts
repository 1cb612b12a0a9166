import { z } from 'zod';
import { DEPTHS } from '../../core/model/depth';
import { channel } from '../channel';

/**
 * Import & export: solution files and user CSVs are picked and read in main (the renderer never
 * sees a path it could make up); a preview is kept in main under a short-lived `importid` until
 * it is applied, so what is applied is what the admin saw.
 */

const importid = z.string().trim().min(1, 'must not be empty').max(100);
const depth = z.enum(DEPTHS).nullable();

/** Something wrong (or worth knowing) in an imported file, with where it is. */
const problemSchema = z.object({ file: z.string(), line: z.number().int().optional(), message: z.string() });
export type ImportProblemDto = z.infer<typeof problemSchema>;

/** A name, description or isinherited difference; values as text (null: not set). */
const fieldChangeSchema = z.object({ field: z.string(), before: z.string().nullable(), after: z.string().nullable() });

const rolePreviewSchema = z.object({
  /** The role's id in the organization (the matched role's, or the file's for a new role). */
  roleid: z.string(),
  /** The id in the file: what the admin's choice is made by. */
  sourceroleid: z.string(),
  name: z.string(),
  file: z.string(),
  matchedby: z.enum(['id', 'name']).nullable(),
  /** Privileges the role holds in the file. */
  privileges: z.number().int(),
  /** Of those: listed in the catalog, inferred from the name and the solution's tables, or with a depth rule nobody verified. */
  counts: z.object({ known: z.number().int(), inferred: z.number().int(), unverified: z.number().int() }),
  /** Per privilege, before → after; empty for new and unchanged roles. */
  changes: z.array(z.object({ privilege: z.string(), displayname: z.string(), before: depth, after: depth })),
  fields: z.array(fieldChangeSchema),
});
export type RolePreviewDto = z.infer<typeof rolePreviewSchema>;

const flagsSchema = z.object({ canread: z.number().int(), cancreate: z.number().int(), canupdate: z.number().int() }).nullable();
const profilePreviewSchema = z.object({
  fieldsecurityprofileid: z.string(),
  sourceprofileid: z.string(),
  name: z.string(),
  file: z.string(),
  matchedby: z.enum(['id', 'name']).nullable(),
  changes: z.array(z.object({ entityname: z.string(), attributelogicalname: z.string(), before: flagsSchema, after: flagsSchema })),
  fields: z.array(fieldChangeSchema),
});
export type ProfilePreviewDto = z.infer<typeof profilePreviewSchema>;

const sorted = <T extends z.ZodType>(item: T) => z.object({ new: z.array(item), changed: z.array(item), unchanged: z.array(item) });

const rolesPreviewSchema = z.object({
  importid: z.string(),
  /** What the admin picked, as file or folder names. */
  sources: z.array(z.string()),
  roles: sorted(rolePreviewSchema),
  profiles: sorted(profilePreviewSchema),
  customentities: z.array(z.object({ logicalname: z.string(), displayname: z.string(), ownership: z.string().nullable() })),
  warnings: z.array(problemSchema),
  /** Any error blocks applying. */
  errors: z.array(problemSchema),
});
export type RolesPreviewDto = z.infer<typeof rolesPreviewSchema>;

const usersPreviewSchema = z.object({
  importid: z.string(),
  file: z.string(),
  users: z.array(
    z.object({
      row: z.number().int(),
      fullname: z.string(),
      domainname: z.string(),
      businessunit: z.string(),
      manager: z.string().nullable(),
      roles: z.array(z.string()),
      teams: z.array(z.string()),
    }),
  ),
  /** Every bad cell: spreadsheet row (header = 1), column as named in the header, reason. Any blocks applying. */
  errors: z.array(z.object({ row: z.number().int(), column: z.string(), reason: z.string() })),
});
export type UsersPreviewDto = z.infer<typeof usersPreviewSchema>;

/** What applying an import answers; the screens then reload the summary and history. */
const importedSchema = z.object({ message: z.string(), commands: z.number().int() });
export type ImportedDto = z.infer<typeof importedSchema>;

const exportedOrgSchema = z.object({ path: z.string(), bytes: z.number().int() });
export type ExportedOrgDto = z.infer<typeof exportedOrgSchema>;

const exportedSolutionSchema = z.object({
  folder: z.string(),
  roles: z.number().int(),
  profiles: z.number().int(),
  /** Relative paths written (Roles/*.xml, Other/FieldSecurityProfiles.xml). */
  files: z.array(z.string()),
  /** Role files already in the folder that this export did not write: an import of the folder would read them too. */
  stale: z.array(z.string()),
});
export type ExportedSolutionDto = z.infer<typeof exportedSolutionSchema>;

const ids = z.array(z.string().max(200)).max(20_000);

export const transferChannels = {
  /** Opens the file (or folder) dialog in main, reads the solution safely and previews it; null when cancelled. */
  'transfer:previewRoles': channel(z.object({ pick: z.enum(['files', 'folder']) }).strict(), rolesPreviewSchema.nullable()),
  /** Applies the chosen roles and profiles of a preview as one undo step; refused when the organization changed since. */
  'transfer:applyRoles': channel(z.object({ importid, roles: ids, profiles: ids }).strict(), importedSchema),
  /** Opens the CSV dialog in main and checks every row; null when cancelled. */
  'transfer:previewUsers': channel(z.object({}).strict(), usersPreviewSchema.nullable()),
  /** Adds every user of a preview without errors, all or nothing, as one undo step. */
  'transfer:applyUsers': channel(z.object({ importid }).strict(), importedSchema),
  /** Forgets a preview the admin closed. */
  'transfer:discard': channel(z.object({ importid }).strict(), z.object({})),
  /** The whole organization as roleatlas/org@1 JSON, to a file chosen in the save dialog; null when cancelled. */
  'transfer:exportOrganization': channel(z.object({}).strict(), exportedOrgSchema.nullable()),
  /** Roles and field security profiles as an unpacked solution into a chosen folder; null when cancelled. */
  'transfer:exportSolution': channel(z.object({}).strict(), exportedSolutionSchema.nullable()),
  /** Shows a file or folder this window exported in the system's file manager (no other path is accepted). */
  'transfer:reveal': channel(z.object({ path: z.string().min(1).max(4000) }).strict(), z.object({})),
} as const;
