import { catalogFor, isPrivilegeName, parsePrivilegeName, type Catalog, type PrivilegeStatus } from '../../core/catalog/catalog';
import { applyAll } from '../../core/commands/apply';
import type { Command, CommandOf } from '../../core/commands/schema';
import { sameName } from '../../core/commands/context';
import type { Depth } from '../../core/model/depth';
import type { CustomEntity, FieldPermission, FieldPermissionValue, FieldSecurityProfile, Id, OrgState, Role } from '../../core/model/org';
import type { ImportProblem } from '../problems';
import type { SolutionContent, SolutionEntity, SolutionFieldSecurityProfile, SolutionRole } from './readSolution';

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
  /** How many of its privileges the catalog knows, infers from the name and the solution's tables, or cannot verify. */
  readonly counts: Readonly<Record<PrivilegeStatus, number>>;
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
  /** Tables the solution defines, or first met in a field security profile, added to the catalog before the roles and profiles. */
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

interface MappedRole {
  readonly source: SolutionRole;
  readonly privileges: Record<string, Depth>;
  readonly counts: Record<PrivilegeStatus, number>;
}

export function planSolutionImport(state: OrgState, content: SolutionContent, choice: ImportChoice = {}): ImportPlan {
  const errors: ImportProblem[] = [...content.errors];
  const warnings: ImportProblem[] = [...content.warnings];
  if (content.references.length) {
    const names = [...new Set(content.references.map((r) => r.name))];
    warnings.push({ file: content.references[0].file, message: `system roles the solution names as unmodified are left as the organization has them: ${names.join(', ')}` });
  }

  const roles = dedupe(content.roles, (r) => r.roleid, roleFingerprint, 'role', errors);
  const profiles = dedupe(content.profiles, (p) => p.fieldsecurityprofileid, profileFingerprint, 'field security profile', errors);
  sameNameTwice(roles, 'role', errors);
  sameNameTwice(profiles, 'field security profile', errors);

  const base = catalogFor(state);
  const custom = tablesOf(base, content.entities, roles, profiles);
  const withTables = base.withCustomEntities(custom);
  // The catalog once these roles are in: what they hold beyond it is kept, marked unverified.
  const catalog = withTables.widenedBy(outsideNames(withTables, roles));
  const contradicted = contradictions(withTables, roles);
  if (contradicted.length) {
    warnings.push({
      file: contradicted[0].file,
      message: `kept as written, marked unverified (the catalog's depth rule disagrees with the file): ${contradicted.map((c) => `${c.name} at ${c.depth} (${c.file}:${c.line}; catalog: ${c.allowed})`).join(', ')}`,
    });
  }
  const mapped = roles.map((r) => mapRole(r, catalog, errors));

  const rolePreviews = mapped.map((m) => previewRole(state, m, errors));
  const profilePreviews = profiles.map((p) => previewProfile(state, p, catalog, errors));

  const chosenRoles = rolePreviews.filter((r) => !choice.roles || choice.roles.has(r.sourceroleid));
  const chosenProfiles = profilePreviews.filter((p) => !choice.profiles || choice.profiles.has(p.sourceprofileid));
  const needed = new Set<string>();
  for (const r of chosenRoles) for (const name of Object.keys(r.privileges)) for (const e of catalog.lookup(name)?.entities ?? []) needed.add(e);
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

/**
 * Tables to add to the organization's catalog: those the solution defines (customizations.xml
 * <Entities>, with their ownership and the schema name their privileges are named after) and
 * those first met in a field security profile (ownership unknown), when the catalog lacks them.
 */
function tablesOf(base: Catalog, defined: readonly SolutionEntity[], roles: readonly SolutionRole[], profiles: readonly SolutionFieldSecurityProfile[]): CustomEntity[] {
  const out = new Map<string, CustomEntity>();
  for (const e of defined) {
    if (base.entities.has(e.logicalname) || out.has(e.logicalname)) continue;
    out.set(e.logicalname, { logicalname: e.logicalname, displayname: e.displayname, ownership: e.ownership, ...(e.schemaname !== e.logicalname ? { schemaname: e.schemaname } : {}) });
  }
  for (const p of profiles) {
    for (const f of p.permissions) {
      if (base.entities.has(f.entityname) || out.has(f.entityname)) continue;
      // A table the roles name in their privileges keeps the case Dataverse writes there.
      const schemaname = roles.flatMap((r) => r.privileges).map((x) => parsePrivilegeName(x.name)).find((x) => x?.table === f.entityname)?.schemaname;
      out.set(f.entityname, { logicalname: f.entityname, displayname: schemaname ?? f.entityname, ownership: null, ...(schemaname && schemaname !== f.entityname ? { schemaname } : {}) });
    }
  }
  return [...out.values()];
}

/** Names the roles hold that the catalog does not know, or at a depth its rule does not allow. */
function outsideNames(catalog: Catalog, roles: readonly SolutionRole[]): string[] {
  const out = new Set<string>();
  for (const r of roles) {
    for (const p of r.privileges) {
      const def = catalog.lookup(p.name);
      const depth = depthOfLevel(p.level);
      if (!def || (depth && !def.depths.includes(depth))) out.add(def?.name ?? p.name);
    }
  }
  return [...out];
}

function contradictions(catalog: Catalog, roles: readonly SolutionRole[]): { name: string; depth: Depth; allowed: string; file: string; line: number }[] {
  const out: { name: string; depth: Depth; allowed: string; file: string; line: number }[] = [];
  for (const r of roles) {
    for (const p of r.privileges) {
      const def = catalog.lookup(p.name);
      const depth = depthOfLevel(p.level);
      if (def && def.status !== 'unverified' && depth && !def.depths.includes(depth)) out.push({ name: def.name, depth, allowed: def.depths.join(', '), file: r.file, line: p.line });
    }
  }
  return out;
}

function mapRole(r: SolutionRole, catalog: Catalog, errors: ImportProblem[]): MappedRole {
  const privileges: Record<string, Depth> = {};
  const counts: Record<PrivilegeStatus, number> = { known: 0, inferred: 0, unverified: 0 };
  const lineOf: Record<string, number> = {};
  for (const p of r.privileges) {
    const def = catalog.lookup(p.name);
    const name = def?.name ?? p.name;
    const depth = depthOfLevel(p.level);
    if (!depth) {
      errors.push({ file: r.file, line: p.line, message: `role ${r.name}: ${p.name}: level "${p.level}" is not one of Basic, Local, Deep, Global (or User, BusinessUnit, ParentChildBusinessUnits, Organization)` });
      continue;
    }
    if (!isPrivilegeName(p.name)) {
      errors.push({ file: r.file, line: p.line, message: `role ${r.name}: "${p.name}" is not a privilege name (prv followed by letters, digits or _)` });
      continue;
    }
    if (privileges[name]) {
      if (privileges[name] !== depth) errors.push({ file: r.file, line: p.line, message: `role ${r.name}: ${name} is listed twice, at ${privileges[name]} (line ${lineOf[name]}) and at ${depth}` });
      continue;
    }
    privileges[name] = depth;
    lineOf[name] = p.line;
    counts[def?.status ?? 'unverified']++;
  }
  return { source: r, privileges, counts };
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
  const common = { sourceroleid: r.roleid, name: r.name, file: r.file, privileges: m.privileges, counts: m.counts };
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
  // A role file without isinherited means 1, as Dataverse reads it.
  const isinherited = r.isinherited ?? 1;
  if (isinherited !== found.role.isinherited) fields.push({ field: 'isinherited', before: found.role.isinherited, after: isinherited });
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
  if (p.changes.length) out.push({ type: 'replaceRolePrivileges', roleid: p.roleid, privileges: { ...p.privileges } });
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
    const bad = Object.entries<FieldPermissionValue | null>(flags).filter(([, v]) => v === null).map(([k]) => k);
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

