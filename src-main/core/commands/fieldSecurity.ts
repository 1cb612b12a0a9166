import type { CommandOf } from './schema';
import type { Draft } from './draft';
import { isRefusal, refuse, requireNewId, sameName, type HandlerContext, type Outcome } from './context';
import { userOrRefusal } from './users';
import { teamOrRefusal } from './teams';
import { pairKey, type FieldSecurityProfile, type Id } from '../model/org';
import type { Refusal } from '../result';

function profileOrRefusal(d: Draft, id: Id): FieldSecurityProfile | Refusal {
  return d.get('fieldsecurityprofiles', id) ?? refuse('not-found', `field security profile ${id} does not exist`, 'fieldsecurityprofileid');
}

function nameTaken(d: Draft, name: string, except?: Id): boolean {
  for (const p of d.table('fieldsecurityprofiles').values()) if (p.fieldsecurityprofileid !== except && sameName(p.name, name)) return true;
  return false;
}

export function createFieldSecurityProfile(d: Draft, c: CommandOf<'createFieldSecurityProfile'>): Outcome {
  const bad = requireNewId(d, c.fieldsecurityprofileid, 'fieldsecurityprofileid');
  if (bad) return bad;
  if (nameTaken(d, c.name)) return refuse('duplicate-name', `a field security profile named "${c.name}" already exists`, 'name');
  const id = c.fieldsecurityprofileid!;
  d.put('fieldsecurityprofiles', id, { fieldsecurityprofileid: id, name: c.name, description: c.description ?? null, fieldpermissions: [] });
  return `Created field security profile ${c.name}`;
}

export function updateFieldSecurityProfile(d: Draft, c: CommandOf<'updateFieldSecurityProfile'>): Outcome {
  const p = profileOrRefusal(d, c.fieldsecurityprofileid);
  if (isRefusal(p)) return p;
  if (c.name !== undefined && c.name !== p.name && nameTaken(d, c.name, p.fieldsecurityprofileid)) {
    return refuse('duplicate-name', `a field security profile named "${c.name}" already exists`, 'name');
  }
  d.put('fieldsecurityprofiles', p.fieldsecurityprofileid, { ...p, name: c.name ?? p.name, description: c.description === undefined ? p.description : c.description });
  return `Updated field security profile ${c.name ?? p.name}`;
}

export function deleteFieldSecurityProfile(d: Draft, c: CommandOf<'deleteFieldSecurityProfile'>): Outcome {
  const p = profileOrRefusal(d, c.fieldsecurityprofileid);
  if (isRefusal(p)) return p;
  for (const [key, a] of d.table('systemuserprofiles')) if (a.fieldsecurityprofileid === p.fieldsecurityprofileid) d.delete('systemuserprofiles', key);
  for (const [key, a] of d.table('teamprofiles')) if (a.fieldsecurityprofileid === p.fieldsecurityprofileid) d.delete('teamprofiles', key);
  d.delete('fieldsecurityprofiles', p.fieldsecurityprofileid);
  return `Deleted field security profile ${p.name}`;
}

export function setFieldPermission(d: Draft, c: CommandOf<'setFieldPermission'>, ctx: HandlerContext): Outcome {
  const p = profileOrRefusal(d, c.fieldsecurityprofileid);
  if (isRefusal(p)) return p;
  const entity = ctx.catalog.entities.get(c.entityname);
  if (!entity) return refuse('not-found', `unknown table "${c.entityname}"`, 'entityname');
  if (entity.securedattributes.length && !entity.securedattributes.includes(c.attributelogicalname)) {
    return refuse('not-secured', `${c.entityname}.${c.attributelogicalname} is not a secured column (secured: ${entity.securedattributes.join(', ')})`, 'attributelogicalname');
  }
  const row = { entityname: c.entityname, attributelogicalname: c.attributelogicalname, canread: c.canread, cancreate: c.cancreate, canupdate: c.canupdate };
  const rest = p.fieldpermissions.filter((f) => !(f.entityname === c.entityname && f.attributelogicalname === c.attributelogicalname));
  d.put('fieldsecurityprofiles', p.fieldsecurityprofileid, { ...p, fieldpermissions: [...rest, row] });
  return `${p.name}: ${c.entityname}.${c.attributelogicalname} read ${c.canread ? 'yes' : 'no'}, create ${c.cancreate ? 'yes' : 'no'}, update ${c.canupdate ? 'yes' : 'no'}`;
}

export function removeFieldPermission(d: Draft, c: CommandOf<'removeFieldPermission'>): Outcome {
  const p = profileOrRefusal(d, c.fieldsecurityprofileid);
  if (isRefusal(p)) return p;
  const rest = p.fieldpermissions.filter((f) => !(f.entityname === c.entityname && f.attributelogicalname === c.attributelogicalname));
  if (rest.length === p.fieldpermissions.length) return refuse('not-found', `${p.name} has no permission on ${c.entityname}.${c.attributelogicalname}`, 'attributelogicalname');
  d.put('fieldsecurityprofiles', p.fieldsecurityprofileid, { ...p, fieldpermissions: rest });
  return `${p.name}: removed ${c.entityname}.${c.attributelogicalname}`;
}

type ProfileCommand = CommandOf<'assignFieldSecurityProfile'> | CommandOf<'removeFieldSecurityProfile'>;

function resolve(d: Draft, c: ProfileCommand): Refusal | { profile: FieldSecurityProfile; table: 'systemuserprofiles' | 'teamprofiles'; key: string; principalId: Id; name: string } {
  const profile = profileOrRefusal(d, c.fieldsecurityprofileid);
  if (isRefusal(profile)) return profile;
  if (c.systemuserid !== undefined) {
    const u = userOrRefusal(d, c.systemuserid);
    if (isRefusal(u)) return u;
    return { profile, table: 'systemuserprofiles', key: pairKey(profile.fieldsecurityprofileid, u.systemuserid), principalId: u.systemuserid, name: u.fullname };
  }
  const t = teamOrRefusal(d, c.teamid!);
  if (isRefusal(t)) return t;
  return { profile, table: 'teamprofiles', key: pairKey(profile.fieldsecurityprofileid, t.teamid), principalId: t.teamid, name: `team ${t.name}` };
}

export function assignFieldSecurityProfile(d: Draft, c: CommandOf<'assignFieldSecurityProfile'>): Outcome {
  const r = resolve(d, c);
  if ('code' in r) return r;
  if (d.get(r.table, r.key)) return `${r.name} already has ${r.profile.name}`;
  const id = r.profile.fieldsecurityprofileid;
  if (r.table === 'systemuserprofiles') d.put('systemuserprofiles', r.key, { fieldsecurityprofileid: id, systemuserid: r.principalId });
  else d.put('teamprofiles', r.key, { fieldsecurityprofileid: id, teamid: r.principalId });
  return `Added ${r.name} to field security profile ${r.profile.name}`;
}

export function removeFieldSecurityProfile(d: Draft, c: CommandOf<'removeFieldSecurityProfile'>): Outcome {
  const r = resolve(d, c);
  if ('code' in r) return r;
  if (!d.get(r.table, r.key)) return refuse('not-found', `${r.name} does not have ${r.profile.name}`, 'fieldsecurityprofileid');
  d.delete(r.table, r.key);
  return `Removed ${r.name} from field security profile ${r.profile.name}`;
}
