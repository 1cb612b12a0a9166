import { catalogFor, privilegeName, type Catalog } from '../../core/catalog/catalog';
import { applyAll } from '../../core/commands/apply';
import type { Command, CommandOf } from '../../core/commands/schema';
import { sameName } from '../../core/commands/context';
import { RIGHTS, type AccessRight } from '../../core/model/accessRights';
import type { Depth } from '../../core/model/depth';
import type { CustomEntity, FieldPermission, FieldPermissionValue, FieldSecurityProfile, Id, OrgState, Role } from '../../core/model/org';
import type { ImportProblem } from '../problems';
import type { SolutionContent, SolutionFieldSecurityProfile, SolutionRole } from './readSolution';

/**
 * From what a solution says to what would change in the organization: a preview (new, changed,
 * unchanged; warnings; errors) and the commands for the roles and profiles the admin chose.
 * Pure: the catalog and the state come in, nothing is read or written.
 */
export interface PrivilegeChange {
  readonly privilege: string;
  readonly before: Depth | null;
  readonly after: Depth | null;
}

export interface FieldChange {
  readonly field: string;
  readonly before: unknown;
  readonly after: unknown;
}

export interface RolePreview {
  /** The role's id in the organization: the existing role's when matched, else the file's. */
  readonly roleid: Id;
  /** The id in the file (lowercase, no braces); what a choice is made by. */
  readonly sourceroleid: Id;
  readonly name: string;
  readonly file: string;
  /** How the role was found in the organization; null for a new role. */
  readonly matchedby: 'id' | 'name' | null;
  readonly privileges: Readonly<Record<string, Depth>>;
  /** Per privilege, before → after; empty for new and unchanged roles. */
  readonly changes: readonly PrivilegeChange[];
  /** isinherited, name or description differences. */
  readonly fields: readonly FieldChange[];
}

export interface PermissionChange {
  readonly entityname: string;
  readonly attributelogicalname: string;
  readonly before: Omit<FieldPermission, 'entityname' | 'attributelogicalname'> | null;
  readonly after: Omit<FieldPermission, 'entityname' | 'attributelogicalname'> | null;
}

export interface ProfilePreview {
  readonly fieldsecurityprofileid: Id;
  readonly sourceprofileid: Id;
  readonly name: string;
  readonly file: string;
  readonly matchedby: 'id' | 'name' | null;
  readonly changes: readonly PermissionChange[];
  readonly fields: readonly FieldChange[];
}

export interface Sorted<T> {
  readonly new: readonly T[];
  readonly changed: readonly T[];
  readonly unchanged: readonly T[];
}

export interface ImportPreview {
  readonly roles: Sorted<RolePreview>;
  readonly profiles: Sorted<ProfilePreview>;
  /** Tables met only through their privileges, added to the catalog before the roles. */
  readonly customentities: readonly CustomEntity[];
  readonly warnings: readonly ImportProblem[];
  readonly errors: readonly ImportProblem[];
}

export interface ImportPlan {
  readonly preview: ImportPreview;
  /** Empty when there are errors: an import with errors applies nothing. */
  readonly commands: readonly Command[];
}

/** By the ids in the file (sourceroleid / sourceprofileid); absent means every one. */
export interface ImportChoice {
  readonly roles?: ReadonlySet<Id>;
  readonly profiles?: ReadonlySet<Id>;
}

/** Legacy names still found in older solutions, and the names the role editor shows. */
const LEVEL_ALIASES: Record<string, Depth> = {
  basic: 'Basic',
  user: 'Basic',
  local: 'Local',
  businessunit: 'Local',
  deep: 'Deep',
  parentchildbusinessunits: 'Deep',
  parentchildbusinessunit: 'Deep',
  global: 'Global',
  organization: 'Global',
};

export function depthOfLevel(level: string): Depth | null {
  return LEVEL_ALIASES[level.replace(/[\s:_-]/g, '').toLowerCase()] ?? null;
}

// AppendTo must be tried before Append, or prvAppendToX would read as Append on "ToX".
const RIGHT_PREFIX = new RegExp(`^prv(${[...RIGHTS].sort((a, b) => b.length - a.length).join('|')})(.+)$`, 'i');

/** prvReadcat_UserSetting → { right: Read, table: cat_usersetting }, for names the catalog does not know. */
export function customPrivilege(name: string): { right: AccessRight; table: string } | null {
  const m = RIGHT_PREFIX.exec(name);
  if (!m) return null;
  const right = RIGHTS.find((r) => r.toLowerCase() === m[1].toLowerCase())!;
  const table = m[2].toLowerCase();
  // Custom tables always carry their publisher's prefix (cat_, new_, msdyn_…); a name without
  // one is a Microsoft privilege our catalog does not list, not a table we should invent.
  if (!/^[a-z][a-z0-9]*_[a-z0-9_]+$/.test(table)) return null;
  return { right, table };
}

interface MappedRole {
  readonly source: SolutionRole;
  readonly privileges: Record<string, Depth>;
}

export function planSolutionImport(state: OrgState, content: SolutionContent, choice: ImportChoice = {}): ImportPlan {
  const errors: ImportProblem[] = [...content.errors];
  const warnings: ImportProblem[] = [...content.warnings];

  const roles = dedupe(content.roles, (r) => r.roleid, roleFingerprint, 'role', errors);
  const profiles = dedupe(content.profiles, (p) => p.fieldsecurityprofileid, profileFingerprint, 'field security profile', errors);
  sameNameTwice(roles, 'role', errors);
  sameNameTwice(profiles, 'field security profile', errors);

  const base = catalogFor(state.entities);
  const { catalog, custom } = withCustomTables(base, roles, warnings);
  const mapped = roles.map((r) => mapRole(r, catalog, errors));

  const rolePreviews = mapped.map((m) => previewRole(state, m, errors));
  const profilePreviews = profiles.map((p) => previewProfile(state, p, catalog, errors));

  const chosenRoles = rolePreviews.filter((r) => !choice.roles || choice.roles.has(r.sourceroleid));
  const chosenProfiles = profilePreviews.filter((p) => !choice.profiles || choice.profiles.has(p.sourceprofileid));
  const needed = new Set<string>();
  for (const r of chosenRoles) for (const name of Object.keys(r.privileges)) for (const e of catalog.privilege(name)?.entities ?? []) needed.add(e);
  for (const p of chosenProfiles) for (const c of p.changes) needed.add(c.entityname);
  const entities = custom.filter((c) => needed.has(c.logicalname));

  const commands: Command[] = [];
  const origin: string[] = [];
  for (const e of entities) {
    commands.push({ type: 'addCustomEntity', ...e });
    origin.push(`custom table ${e.logicalname}`);
  }
  for (const r of chosenRoles) for (const c of roleCommands(r, mapped.find((m) => m.source.roleid === r.sourceroleid)!.source)) {
    commands.push(c);
    origin.push(`role ${r.name} (${r.file})`);
  }
  for (const p of chosenProfiles) for (const c of profileCommands(p, profiles.find((x) => x.fieldsecurityprofileid === p.sourceprofileid)!)) {
    commands.push(c);
    origin.push(`field security profile ${p.name} (${p.file})`);
  }

  if (!errors.length && commands.length) {
    // The commands are what gets applied; running them here catches what only the whole model
    // knows (an id already used by a user, a name taken in the unit) before anything is applied.
    const r = applyAll(state, commands);
    if (!r.ok) errors.push({ file: origin[r.index], message: `would be refused: ${r.error.message}` });
  }

  const sortOut = <T extends { matchedby: unknown; changes: readonly unknown[]; fields: readonly unknown[] }>(list: T[]): Sorted<T> => ({
    new: list.filter((x) => x.matchedby === null),
    changed: list.filter((x) => x.matchedby !== null && (x.changes.length || x.fields.length)),
    unchanged: list.filter((x) => x.matchedby !== null && !x.changes.length && !x.fields.length),
  });
  return {
    preview: { roles: sortOut(rolePreviews), profiles: sortOut(profilePreviews), customentities: custom, warnings, errors },
    commands: errors.length ? [] : commands,
  };
}

// ---- the file's own consistency -----------------------------------------------------------------

function roleFingerprint(r: SolutionRole): string {
  const privs = r.privileges.map((p) => `${p.name.toLowerCase()}=${depthOfLevel(p.level) ?? p.level}`).sort();
  return JSON.stringify([r.name, r.isinherited ?? null, privs]);
}

function profileFingerprint(p: SolutionFieldSecurityProfile): string {
  const perms = p.permissions.map((f) => `${f.entityname}.${f.attributelogicalname}=${f.canread}${f.cancreate}${f.canupdate}`).sort();
  return JSON.stringify([p.name, perms]);
}

/** The same role in two files (customizations.xml and Roles/X.xml) is fine when both agree. */
function dedupe<T extends { file: string; line: number }>(items: readonly T[], key: (t: T) => string, fingerprint: (t: T) => string, what: string, errors: ImportProblem[]): T[] {
  const seen = new Map<string, T>();
  for (const item of items) {
    const prev = seen.get(key(item));
    if (!prev) seen.set(key(item), item);
    else if (fingerprint(prev) !== fingerprint(item)) {
      errors.push({ file: item.file, line: item.line, message: `${what} ${key(item)} is also in ${prev.file}:${prev.line}, with different content` });
    }
  }
  return [...seen.values()];
}

function sameNameTwice<T extends { name: string; file: string; line: number }>(items: readonly T[], what: string, errors: ImportProblem[]): void {
  items.forEach((a, i) => {
    const b = items.slice(0, i).find((x) => sameName(x.name, a.name));
    if (b) errors.push({ file: a.file, line: a.line, message: `two different ${what}s are named "${a.name}" (the other is in ${b.file}:${b.line})` });
  });
}

// ---- privileges against the catalog -------------------------------------------------------------

function lowerIndex(catalog: Catalog): Map<string, string> {
  return new Map(catalog.privileges.map((p) => [p.name.toLowerCase(), p.name]));
}

/**
 * Custom tables met through their privileges. Dataverse gives an organization-owned table only
 * Global privileges and no Assign or Share; a user-owned table can hold any depth. A table is
 * taken as organization-owned only when every privilege seen for it says so (Global only, no
 * Assign/Share); one Basic/Local/Deep level or one Assign/Share privilege proves it user-owned.
 * A user-owned table granted only at Global in the imported roles is guessed organization-owned:
 * the warning names the guess so the admin can correct it.
 */
function withCustomTables(base: Catalog, roles: readonly SolutionRole[], warnings: ImportProblem[]): { catalog: Catalog; custom: CustomEntity[] } {
  const known = lowerIndex(base);
  const tables = new Map<string, { displayname: string; userOwned: boolean; firstFile: string }>();
  const unknown = new Map<string, string>();
  for (const r of roles) {
    for (const p of r.privileges) {
      if (known.has(p.name.toLowerCase())) continue;
      const c = customPrivilege(p.name);
      if (!c) {
        if (!unknown.has(p.name.toLowerCase())) unknown.set(p.name.toLowerCase(), `${p.name} (${r.file}:${p.line})`);
        continue;
      }
      const depth = depthOfLevel(p.level);
      const t = tables.get(c.table) ?? { displayname: p.name.slice(3 + c.right.length), userOwned: false, firstFile: r.file };
      if ((depth && depth !== 'Global') || c.right === 'Assign' || c.right === 'Share') t.userOwned = true;
      tables.set(c.table, t);
    }
  }
  const custom: CustomEntity[] = [...tables].map(([logicalname, t]) => ({ logicalname, displayname: t.displayname, ownership: t.userOwned ? 'UserOwned' : 'OrganizationOwned' }));
  if (custom.length) {
    warnings.push({
      file: tables.values().next().value!.firstFile,
      message: `custom tables not in the catalog will be added: ${custom.map((c) => `${c.logicalname} (${c.ownership === 'UserOwned' ? 'user-owned' : 'organization-owned, as only Global privileges without Assign/Share were seen'})`).join(', ')}`,
    });
  }
  if (unknown.size) {
    warnings.push({ file: roles[0].file, message: `privileges not in the catalog are skipped (they are not custom tables): ${[...unknown.values()].join(', ')}` });
  }
  return { catalog: base.withCustomEntities(custom), custom };
}

function mapRole(r: SolutionRole, catalog: Catalog, errors: ImportProblem[]): MappedRole {
  const known = lowerIndex(catalog);
  const privileges: Record<string, Depth> = {};
  const lineOf: Record<string, number> = {};
  for (const p of r.privileges) {
    let name = known.get(p.name.toLowerCase());
    if (!name) {
      const c = customPrivilege(p.name);
      if (!c) continue; // skipped with a warning in withCustomTables
      name = privilegeName(c.right, c.table);
      if (!catalog.privilege(name)) {
        errors.push({ file: r.file, line: p.line, message: `role ${r.name}: ${p.name}: table ${c.table} has no ${c.right} privilege` });
        continue;
      }
    }
    const depth = depthOfLevel(p.level);
    if (!depth) {
      errors.push({ file: r.file, line: p.line, message: `role ${r.name}: ${p.name}: level "${p.level}" is not one of Basic, Local, Deep, Global (or User, BusinessUnit, ParentChildBusinessUnits, Organization)` });
      continue;
    }
    const problem = catalog.depthProblem(name, depth);
    if (problem) {
      errors.push({ file: r.file, line: p.line, message: `role ${r.name}: ${problem}` });
      continue;
    }
    if (privileges[name] && privileges[name] !== depth) {
      errors.push({ file: r.file, line: p.line, message: `role ${r.name}: ${name} is listed twice, at ${privileges[name]} (line ${lineOf[name]}) and at ${depth}` });
      continue;
    }
    privileges[name] = depth;
    lineOf[name] = p.line;
  }
  return { source: r, privileges };
}

// ---- against the organization ------------------------------------------------------------------

function rootUnitId(state: OrgState): Id | undefined {
  for (const b of state.businessunits.values()) if (b.parentbusinessunitid === null) return b.businessunitid;
  return undefined;
}

/** By id (without case), then by name; several roles of that name prefer the root unit's. */
function findRole(state: OrgState, r: SolutionRole, errors: ImportProblem[]): { role: Role; by: 'id' | 'name' } | null {
  for (const role of state.roles.values()) if (role.roleid.toLowerCase() === r.roleid) return { role, by: 'id' };
  const named = [...state.roles.values()].filter((x) => sameName(x.name, r.name));
  if (named.length === 1) return { role: named[0], by: 'name' };
  if (named.length > 1) {
    const root = named.filter((x) => x.businessunitid === rootUnitId(state));
    if (root.length === 1) return { role: root[0], by: 'name' };
    errors.push({ file: r.file, line: r.line, message: `role ${r.name}: ${named.length} roles of the organization have this name and none has id ${r.roleid}; cannot tell which to update` });
  }
  return null;
}

function previewRole(state: OrgState, m: MappedRole, errors: ImportProblem[]): RolePreview {
  const r = m.source;
  const found = findRole(state, r, errors);
  const common = { sourceroleid: r.roleid, name: r.name, file: r.file, privileges: m.privileges };
  if (!found) return { ...common, roleid: r.roleid, matchedby: null, changes: [], fields: [] };
  const before = found.role.privileges;
  const changes: PrivilegeChange[] = [];
  for (const name of new Set([...Object.keys(before), ...Object.keys(m.privileges)])) {
    const b = before[name] ?? null;
    const a = m.privileges[name] ?? null;
    if (b !== a) changes.push({ privilege: name, before: b, after: a });
  }
  changes.sort((x, y) => x.privilege.localeCompare(y.privilege));
  const fields: FieldChange[] = [];
  if (found.role.name !== r.name) fields.push({ field: 'name', before: found.role.name, after: r.name });
  if (r.isinherited !== undefined && r.isinherited !== found.role.isinherited) fields.push({ field: 'isinherited', before: found.role.isinherited, after: r.isinherited });
  if (r.description !== undefined && r.description !== (found.role.description ?? '')) fields.push({ field: 'description', before: found.role.description ?? null, after: r.description });
  return { ...common, roleid: found.role.roleid, matchedby: found.by, changes, fields };
}

function roleCommands(p: RolePreview, r: SolutionRole): Command[] {
  if (p.matchedby === null) {
    return [
      {
        type: 'createRole',
        roleid: p.roleid,
        name: r.name,
        ...(r.isinherited === undefined ? {} : { isinherited: r.isinherited }),
        ...(r.description ? { description: r.description } : {}),
        privileges: { ...p.privileges },
      },
    ];
  }
  const out: Command[] = [];
  if (p.fields.length) {
    const update: CommandOf<'updateRole'> = { type: 'updateRole', roleid: p.roleid };
    for (const f of p.fields) (update as Record<string, unknown>)[f.field] = f.after;
    out.push(update);
  }
  for (const c of p.changes) out.push({ type: 'setRolePrivilege', roleid: p.roleid, privilege: c.privilege, depth: c.after });
  return out;
}

// ---- field security profiles ------------------------------------------------------------------

function permissionValue(text: string): FieldPermissionValue | null {
  const t = text.trim().toLowerCase();
  if (t === '0' || t === 'false') return 0;
  if (t === '4' || t === 'true') return 4;
  return null;
}

type Flags = Omit<FieldPermission, 'entityname' | 'attributelogicalname'>;
const sameFlags = (a: Flags | null, b: Flags | null) => (a === null || b === null ? a === b : a.canread === b.canread && a.cancreate === b.cancreate && a.canupdate === b.canupdate);

function findProfile(state: OrgState, p: SolutionFieldSecurityProfile): { profile: FieldSecurityProfile; by: 'id' | 'name' } | null {
  for (const x of state.fieldsecurityprofiles.values()) if (x.fieldsecurityprofileid.toLowerCase() === p.fieldsecurityprofileid) return { profile: x, by: 'id' };
  for (const x of state.fieldsecurityprofiles.values()) if (sameName(x.name, p.name)) return { profile: x, by: 'name' };
  return null;
}

function previewProfile(state: OrgState, p: SolutionFieldSecurityProfile, catalog: Catalog, errors: ImportProblem[]): ProfilePreview {
  const after = new Map<string, FieldPermission>();
  for (const f of p.permissions) {
    const where = `field security profile ${p.name}: ${f.entityname}.${f.attributelogicalname}`;
    const flags = { canread: permissionValue(f.canread), cancreate: permissionValue(f.cancreate), canupdate: permissionValue(f.canupdate) };
    const bad = (Object.entries(flags) as [string, FieldPermissionValue | null][]).filter(([, v]) => v === null).map(([k]) => k);
    if (bad.length) {
      errors.push({ file: p.file, line: f.line, message: `${where}: ${bad.join(', ')} must be 0 (not allowed) or 4 (allowed)` });
      continue;
    }
    const entity = catalog.entities.get(f.entityname);
    if (!entity) {
      errors.push({ file: p.file, line: f.line, message: `${where}: unknown table "${f.entityname}"` });
      continue;
    }
    if (entity.securedattributes.length && !entity.securedattributes.includes(f.attributelogicalname)) {
      errors.push({ file: p.file, line: f.line, message: `${where}: not a secured column of ${f.entityname} (secured: ${entity.securedattributes.join(', ')})` });
      continue;
    }
    after.set(`${f.entityname}.${f.attributelogicalname}`, { entityname: f.entityname, attributelogicalname: f.attributelogicalname, ...(flags as Flags) });
  }
  const found = findProfile(state, p);
  const before = new Map((found?.profile.fieldpermissions ?? []).map((f) => [`${f.entityname}.${f.attributelogicalname}`, f]));
  const changes: PermissionChange[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(key) ?? null;
    const a = after.get(key) ?? null;
    if (!sameFlags(b, a)) {
      const row = (a ?? b)!;
      const flags = (x: FieldPermission | null): Flags | null => (x ? { canread: x.canread, cancreate: x.cancreate, canupdate: x.canupdate } : null);
      changes.push({ entityname: row.entityname, attributelogicalname: row.attributelogicalname, before: flags(b), after: flags(a) });
    }
  }
  changes.sort((x, y) => `${x.entityname}.${x.attributelogicalname}`.localeCompare(`${y.entityname}.${y.attributelogicalname}`));
  const fields: FieldChange[] = [];
  if (found && found.profile.name !== p.name) fields.push({ field: 'name', before: found.profile.name, after: p.name });
  if (found && p.description !== undefined && p.description !== (found.profile.description ?? '')) fields.push({ field: 'description', before: found.profile.description, after: p.description });
  return {
    fieldsecurityprofileid: found?.profile.fieldsecurityprofileid ?? p.fieldsecurityprofileid,
    sourceprofileid: p.fieldsecurityprofileid,
    name: p.name,
    file: p.file,
    matchedby: found?.by ?? null,
    changes,
    fields,
  };
}

function profileCommands(p: ProfilePreview, source: SolutionFieldSecurityProfile): Command[] {
  const id = p.fieldsecurityprofileid;
  const out: Command[] = [];
  if (p.matchedby === null) out.push({ type: 'createFieldSecurityProfile', fieldsecurityprofileid: id, name: p.name, ...(source.description ? { description: source.description } : {}) });
  else if (p.fields.length) {
    const update: CommandOf<'updateFieldSecurityProfile'> = { type: 'updateFieldSecurityProfile', fieldsecurityprofileid: id };
    for (const f of p.fields) (update as Record<string, unknown>)[f.field] = f.after;
    out.push(update);
  }
  for (const c of p.changes) {
    if (c.after) out.push({ type: 'setFieldPermission', fieldsecurityprofileid: id, entityname: c.entityname, attributelogicalname: c.attributelogicalname, ...c.after });
    else out.push({ type: 'removeFieldPermission', fieldsecurityprofileid: id, entityname: c.entityname, attributelogicalname: c.attributelogicalname });
  }
  return out;
}

