import type { FieldSecurityProfile, Id, OrgState, Role } from '../../core/model/org';
import { escapeXml } from '../xml/safeXml';
import { safeFileName } from '../../files/fileNames';

/**
 * Roles and field security profiles written back in an unpacked solution's shape: Roles/{name}.xml
 * per role and Other/FieldSecurityProfiles.xml. Reading these files back gives the same roles and
 * profiles (the round-trip test holds that), and a solution packager accepts the same layout.
 */
export interface ExportedFile {
  /** Relative, with forward slashes. */
  readonly path: string;
  readonly text: string;
}

const HEADER = '<?xml version="1.0" encoding="utf-8"?>\n';

/** Solutions write GUIDs in braces and upper case; ids that are not GUIDs are kept as they are. */
export function solutionId(id: Id): string {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id) ? `{${id.toLowerCase()}}` : `{${id}}`;
}

/** Every privilege the role holds, under the name it is held by (the name as the imported file wrote it). */
export function roleXml(role: Role): string {
  const lines = [`${HEADER}<Role id="${escapeXml(solutionId(role.roleid))}" name="${escapeXml(role.name)}" isinherited="${role.isinherited}">`];
  if (role.description) lines.push(`  <Description>${escapeXml(role.description)}</Description>`);
  lines.push('  <RolePrivileges>');
  for (const name of Object.keys(role.privileges).sort()) lines.push(`    <RolePrivilege name="${escapeXml(name)}" level="${role.privileges[name]}" />`);
  lines.push('  </RolePrivileges>', '</Role>', '');
  return lines.join('\n');
}

export function fieldSecurityProfilesXml(profiles: readonly FieldSecurityProfile[]): string {
  const lines = [`${HEADER}<FieldSecurityProfiles>`];
  for (const p of profiles) {
    const description = p.description ? ` description="${escapeXml(p.description)}"` : '';
    lines.push(`  <FieldSecurityProfile fieldsecurityprofileid="${escapeXml(solutionId(p.fieldsecurityprofileid))}" name="${escapeXml(p.name)}"${description}>`);
    lines.push('    <FieldPermissions>');
    const perms = [...p.fieldpermissions].sort((a, b) => `${a.entityname}.${a.attributelogicalname}`.localeCompare(`${b.entityname}.${b.attributelogicalname}`));
    for (const f of perms) {
      lines.push(`      <FieldPermission entityname="${escapeXml(f.entityname)}" attributelogicalname="${escapeXml(f.attributelogicalname)}" canread="${f.canread}" cancreate="${f.cancreate}" canupdate="${f.canupdate}" />`);
    }
    lines.push('    </FieldPermissions>', '  </FieldSecurityProfile>');
  }
  lines.push('</FieldSecurityProfiles>', '');
  return lines.join('\n');
}

/** A file name Windows, macOS and Linux all accept; two roles of one name get their id appended. */
function fileNameFor(role: Role, taken: Set<string>): string {
  const base = safeFileName(role.name) || 'role';
  let name = base;
  if (taken.has(name.toLowerCase())) name = `${base} ${role.roleid}`;
  taken.add(name.toLowerCase());
  return `Roles/${name}.xml`;
}

/** Every role (or those listed) and every field security profile of the organization. */
export function exportSolution(state: OrgState, roleids?: readonly Id[]): ExportedFile[] {
  const roles = roleids ? roleids.map((id) => state.roles.get(id)!).filter(Boolean) : [...state.roles.values()];
  const taken = new Set<string>();
  const files = [...roles].sort((a, b) => a.name.localeCompare(b.name)).map((r) => ({ path: fileNameFor(r, taken), text: roleXml(r) }));
  files.push({ path: 'Other/FieldSecurityProfiles.xml', text: fieldSecurityProfilesXml([...state.fieldsecurityprofiles.values()]) });
  return files;
}
