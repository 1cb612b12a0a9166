import { attr, attrOrChild, child, childrenNamed, isNamed, type XmlElement } from '../xml/safeXml';
import type { ImportProblem } from '../problems';

/**
 * Security roles and field security profiles as a Dynamics 365 solution writes them, before they
 * meet the catalog: names and levels are kept as written, with where they came from.
 */
export interface SolutionPrivilege {
  readonly name: string;
  readonly level: string;
  readonly line: number;
}

export interface SolutionRole {
  /** Lowercase, without braces. */
  readonly roleid: string;
  readonly name: string;
  readonly isinherited?: 0 | 1;
  readonly description?: string;
  readonly privileges: readonly SolutionPrivilege[];
  readonly file: string;
  readonly line: number;
}

export interface SolutionFieldPermission {
  readonly entityname: string;
  readonly attributelogicalname: string;
  readonly canread: string;
  readonly cancreate: string;
  readonly canupdate: string;
  readonly line: number;
}

export interface SolutionFieldSecurityProfile {
  readonly fieldsecurityprofileid: string;
  readonly name: string;
  readonly description?: string;
  readonly permissions: readonly SolutionFieldPermission[];
  readonly file: string;
  readonly line: number;
}

/** A table a customizations.xml defines (<Entities>): what its privileges are named after and who owns its rows. */
export interface SolutionEntity {
  readonly logicalname: string;
  /** As Dataverse writes it, and names the table's privileges after: cr5db_Project. */
  readonly schemaname: string;
  readonly displayname: string;
  /** From OwnershipTypeMask; null when the file says none we know. */
  readonly ownership: 'UserOwned' | 'OrganizationOwned' | null;
  readonly file: string;
  readonly line: number;
}

export interface SolutionContent {
  readonly entities: SolutionEntity[];
  /** System roles a customizations.xml names as unmodified: left as the organization has them. */
  readonly references: { readonly name: string; readonly file: string; readonly line: number }[];
  readonly roles: SolutionRole[];
  readonly profiles: SolutionFieldSecurityProfile[];
  readonly errors: ImportProblem[];
  readonly warnings: ImportProblem[];
}

export const emptyContent = (): SolutionContent => ({ entities: [], references: [], roles: [], profiles: [], errors: [], warnings: [] });

/** "{8A5D…}" → "8a5d…": solutions write ids in braces and upper case, the Web API in neither. */
export function normalizeId(id: string): string {
  return id.trim().replace(/^\{(.*)\}$/, '$1').toLowerCase();
}

/**
 * Reads one parsed document into `into`. The document is told apart by its root element: a role
 * (Roles/*.xml of an unpacked solution), FieldSecurityProfiles (Other/FieldSecurityProfiles.xml)
 * or ImportExportXml (customizations.xml, where only the top-level <Roles> and
 * <FieldSecurityProfiles> count: ribbon display rules also carry <Role Id=…/> elements, which
 * name roles but are not security roles).
 */
export function readSolutionDocument(root: XmlElement, file: string, into: SolutionContent): void {
  if (isNamed(root, 'Role')) readRole(root, file, into);
  else if (isNamed(root, 'Roles')) for (const r of childrenNamed(root, 'Role')) readRole(r, file, into);
  else if (isNamed(root, 'FieldSecurityProfiles')) readProfiles(root, file, into);
  else if (isNamed(root, 'FieldSecurityProfile')) readProfile(root, file, into);
  else if (isNamed(root, 'ImportExportXml')) {
    const entities = child(root, 'Entities');
    const roles = child(root, 'Roles');
    const profiles = child(root, 'FieldSecurityProfiles');
    if (entities) for (const e of childrenNamed(entities, 'Entity')) readEntity(e, file, into);
    if (roles) for (const r of childrenNamed(roles, 'Role')) readRole(r, file, into);
    if (profiles) readProfiles(profiles, file, into);
  } else {
    into.errors.push({ file, line: root.line, message: `<${root.name}> is not a security role, field security profiles or customizations.xml document` });
  }
}

function readRole(e: XmlElement, file: string, into: SolutionContent): void {
  // A customizations.xml lists the system roles it only refers to as <Role … unmodified="1" />:
  // importing one would turn a predefined role into an empty one.
  if (attr(e, 'unmodified') === '1' && !child(e, 'RolePrivileges')) {
    into.references.push({ name: attr(e, 'name') ?? attr(e, 'id') ?? '(unnamed)', file, line: e.line });
    return;
  }
  const id = attr(e, 'id', 'roleid');
  const name = attr(e, 'name');
  if (!id || !normalizeId(id)) return void into.errors.push({ file, line: e.line, message: '<Role> has no id' });
  if (!name || !name.trim()) return void into.errors.push({ file, line: e.line, message: `role ${id} has no name` });
  const inheritedText = attrOrChild(e, 'isinherited');
  let isinherited: 0 | 1 | undefined;
  if (inheritedText !== undefined) {
    if (inheritedText === '0' || inheritedText === '1') isinherited = Number(inheritedText) as 0 | 1;
    else into.errors.push({ file, line: e.line, message: `role ${name}: isinherited must be 0 or 1 (got "${inheritedText}")` });
  }
  const description = attrOrChild(e, 'description');
  const privileges: SolutionPrivilege[] = [];
  const container = child(e, 'RolePrivileges');
  for (const p of container ? childrenNamed(container, 'RolePrivilege') : []) {
    const pname = attr(p, 'name');
    const level = attr(p, 'level');
    if (!pname) into.errors.push({ file, line: p.line, message: `role ${name}: <RolePrivilege> without a name` });
    else if (!level) into.errors.push({ file, line: p.line, message: `role ${name}: ${pname} has no level` });
    else privileges.push({ name: pname.trim(), level: level.trim(), line: p.line });
  }
  into.roles.push({
    roleid: normalizeId(id),
    name: name.trim(),
    ...(isinherited === undefined ? {} : { isinherited }),
    ...(description ? { description } : {}),
    privileges,
    file,
    line: e.line,
  });
}

function readProfiles(e: XmlElement, file: string, into: SolutionContent): void {
  for (const p of childrenNamed(e, 'FieldSecurityProfile')) readProfile(p, file, into);
}

function readProfile(e: XmlElement, file: string, into: SolutionContent): void {
  const id = attrOrChild(e, 'fieldsecurityprofileid', 'id');
  const name = attrOrChild(e, 'name');
  if (!id || !normalizeId(id)) return void into.errors.push({ file, line: e.line, message: '<FieldSecurityProfile> has no fieldsecurityprofileid' });
  if (!name) return void into.errors.push({ file, line: e.line, message: `field security profile ${id} has no name` });
  const description = attrOrChild(e, 'description');
  const container = child(e, 'FieldPermissions') ?? e;
  const permissions: SolutionFieldPermission[] = [];
  for (const f of childrenNamed(container, 'FieldPermission')) {
    const entityname = attrOrChild(f, 'entityname');
    const attributelogicalname = attrOrChild(f, 'attributelogicalname', 'attributename');
    if (!entityname || !attributelogicalname) {
      into.errors.push({ file, line: f.line, message: `field security profile ${name}: <FieldPermission> needs EntityName and AttributeName` });
      continue;
    }
    permissions.push({
      entityname: entityname.trim().toLowerCase(),
      attributelogicalname: attributelogicalname.trim().toLowerCase(),
      canread: attrOrChild(f, 'canread') ?? '0',
      cancreate: attrOrChild(f, 'cancreate') ?? '0',
      canupdate: attrOrChild(f, 'canupdate') ?? '0',
      line: f.line,
    });
  }
  into.profiles.push({ fieldsecurityprofileid: normalizeId(id), name: name.trim(), ...(description ? { description } : {}), permissions, file, line: e.line });
}

/** OwnershipTypeMask as solutions write it. Business- and team-owned rows also hold every depth. */
const OWNERSHIP: Record<string, SolutionEntity['ownership']> = {
  userowned: 'UserOwned',
  teamowned: 'UserOwned',
  businessowned: 'UserOwned',
  orgowned: 'OrganizationOwned',
  organizationowned: 'OrganizationOwned',
};

function readEntity(e: XmlElement, file: string, into: SolutionContent): void {
  const info = child(e, 'EntityInfo');
  const entity = info ? child(info, 'entity') : undefined;
  const schemaname = (entity ? attr(entity, 'Name') : undefined) ?? child(e, 'Name')?.text;
  if (!schemaname || !/^[A-Za-z][A-Za-z0-9_]*$/.test(schemaname.trim())) return;
  const mask = entity ? child(entity, 'OwnershipTypeMask')?.text?.trim() : undefined;
  const nameEl = child(e, 'Name');
  const displayname = (nameEl ? attr(nameEl, 'LocalizedName') : undefined)?.trim() || schemaname.trim();
  into.entities.push({
    logicalname: schemaname.trim().toLowerCase(),
    schemaname: schemaname.trim(),
    displayname,
    ownership: mask ? (OWNERSHIP[mask.toLowerCase()] ?? null) : null,
    file,
    line: e.line,
  });
}
