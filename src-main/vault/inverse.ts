import type { AppliedStep } from '../core/commands/apply';
import { catalogFor } from '../core/catalog/catalog';
import type { Change } from '../core/commands/draft';
import type { Command, CommandOf } from '../core/commands/schema';
import type { FieldPermission, FieldSecurityProfile, Id, OrgState, Role, Share, SystemUserRole, TeamRole } from '../core/model/org';
import { ok, refused, type Result } from '../core/result';

/**
 * The commands that take a state back from after `applied` to before it, derived from the rows the
 * command wrote (Applied.changes). Undo is therefore an ordinary change: journaled, audited, synced.
 * Two commands have no inverse in Dataverse's vocabulary (a user or a custom table cannot be
 * deleted there); undoing them is refused with the reason.
 */
export function inverseOf(before: OrgState, applied: AppliedStep): Result<Command[]> {
  const { command: c, changes } = applied;
  if (!changes.length) return ok([]);
  const rows = (table: Change['table']) => changes.filter((x) => x.table === table);
  const removed = <T>(table: Change['table']) => rows(table).filter((x) => x.after === null).map((x) => x.before as T);
  const first = <T>(table: Change['table']) => rows(table)[0]?.before as T;
  switch (c.type) {
    case 'createBusinessUnit':
      return ok([
        { type: 'setBusinessUnitDisabled', businessunitid: c.businessunitid!, isdisabled: true },
        { type: 'deleteBusinessUnit', businessunitid: c.businessunitid! },
      ]);
    case 'updateBusinessUnit':
      return ok([{ type: 'updateBusinessUnit', businessunitid: c.businessunitid, name: before.businessunits.get(c.businessunitid)!.name }]);
    case 'moveBusinessUnit':
      return ok([
        { type: 'moveBusinessUnit', businessunitid: c.businessunitid, parentbusinessunitid: before.businessunits.get(c.businessunitid)!.parentbusinessunitid! },
        ...reassign(removed<SystemUserRole>('systemuserroles'), removed<TeamRole>('teamroles')),
      ]);
    case 'setBusinessUnitDisabled':
      return ok([{ type: 'setBusinessUnitDisabled', businessunitid: c.businessunitid, isdisabled: !c.isdisabled }]);
    case 'deleteBusinessUnit':
      return ok(recreateBusinessUnit(before, c.businessunitid, changes));
    case 'createUser':
      return refused('no-inverse', 'a user cannot be deleted (Dataverse has no such command); deactivate the user instead');
    case 'updateUser': {
      const u = before.systemusers.get(c.systemuserid)!;
      return ok([{ type: 'updateUser', systemuserid: u.systemuserid, fullname: u.fullname, domainname: u.domainname, internalemailaddress: u.internalemailaddress, parentsystemuserid: u.parentsystemuserid }]);
    }
    case 'moveUser': {
      const unit = before.systemusers.get(c.systemuserid)!.businessunitid;
      const move: Command = { type: 'moveUser', systemuserid: c.systemuserid, businessunitid: unit };
      return ok([...whileEnabled(before, unit, [move]), ...reassign(removed<SystemUserRole>('systemuserroles'), [])]);
    }
    case 'setUserDisabled':
      return ok([{ type: 'setUserDisabled', systemuserid: c.systemuserid, isdisabled: !c.isdisabled }]);
    case 'createTeam':
      return ok([{ type: 'deleteTeam', teamid: c.teamid! }]);
    case 'updateTeam': {
      const t = before.teams.get(c.teamid)!;
      const after = rows('teams')[0].after as typeof t;
      return ok([{ type: 'updateTeam', teamid: t.teamid, administratorid: t.administratorid, ...(after.name !== t.name ? { name: t.name } : {}) }]);
    }
    case 'deleteTeam': {
      const t = before.teams.get(c.teamid)!;
      return ok([
        { type: 'createTeam', teamid: t.teamid, name: t.name, teamtype: t.teamtype, businessunitid: t.businessunitid, administratorid: t.administratorid },
        ...removed<{ teamid: Id; systemuserid: Id }>('teammembership').map((m): Command => ({ type: 'addTeamMember', teamid: m.teamid, systemuserid: m.systemuserid })),
        ...reassign([], removed<TeamRole>('teamroles')),
        ...removed<{ fieldsecurityprofileid: Id; teamid: Id }>('teamprofiles').map((p): Command => ({ type: 'assignFieldSecurityProfile', fieldsecurityprofileid: p.fieldsecurityprofileid, teamid: p.teamid })),
        ...reshare(removed<Share>('shares')),
      ]);
    }
    case 'setDefaultTeamId':
      return ok([{ type: 'setDefaultTeamId', businessunitid: c.businessunitid, teamid: (rows('teams').find((x) => x.after === null)!.before as { teamid: Id }).teamid }]);
    case 'addTeamMember':
      return ok([{ type: 'removeTeamMember', teamid: c.teamid, systemuserid: c.systemuserid }]);
    case 'removeTeamMember':
      return ok([{ type: 'addTeamMember', teamid: c.teamid, systemuserid: c.systemuserid }]);
    case 'createRole':
      return ok([{ type: 'deleteRole', roleid: c.roleid! }]);
    case 'updateRole': {
      const r = before.roles.get(c.roleid)!;
      return ok([{ type: 'updateRole', roleid: r.roleid, name: r.name, isinherited: r.isinherited, description: r.description ?? null }]);
    }
    case 'deleteRole':
      return ok([recreateRole(before.roles.get(c.roleid)!)]);
    case 'setRolePrivilege': {
      const role = first<Role>('roles');
      const def = catalogFor(before).lookup(c.privilege);
      // A depth only the role itself vouched for (unverified) may not be settable once it is gone: put the whole set back.
      if (def?.status === 'unverified') return ok([{ type: 'replaceRolePrivileges', roleid: c.roleid, privileges: { ...role.privileges } }]);
      return ok([{ type: 'setRolePrivilege', roleid: c.roleid, privilege: c.privilege, depth: (def && role.privileges[def.name]) ?? null }]);
    }
    case 'replaceRolePrivileges':
      return ok([{ type: 'replaceRolePrivileges', roleid: c.roleid, privileges: { ...before.roles.get(c.roleid)!.privileges } }]);
    case 'assignRole':
      return ok(changes.map((x) => unassign(before, x.after as SystemUserRole | TeamRole)));
    case 'removeRole':
      return ok(reassign(removed<SystemUserRole>('systemuserroles'), removed<TeamRole>('teamroles')));
    case 'createFieldSecurityProfile':
      return ok([{ type: 'deleteFieldSecurityProfile', fieldsecurityprofileid: c.fieldsecurityprofileid! }]);
    case 'updateFieldSecurityProfile': {
      const p = first<FieldSecurityProfile>('fieldsecurityprofiles');
      return ok([{ type: 'updateFieldSecurityProfile', fieldsecurityprofileid: p.fieldsecurityprofileid, name: p.name, description: p.description }]);
    }
    case 'deleteFieldSecurityProfile': {
      const p = first<FieldSecurityProfile>('fieldsecurityprofiles');
      return ok([
        { type: 'createFieldSecurityProfile', fieldsecurityprofileid: p.fieldsecurityprofileid, name: p.name, description: p.description },
        ...p.fieldpermissions.map((f) => setPermission(p.fieldsecurityprofileid, f)),
        ...removed<{ fieldsecurityprofileid: Id; systemuserid: Id }>('systemuserprofiles').map((a): Command => ({ type: 'assignFieldSecurityProfile', fieldsecurityprofileid: a.fieldsecurityprofileid, systemuserid: a.systemuserid })),
        ...removed<{ fieldsecurityprofileid: Id; teamid: Id }>('teamprofiles').map((a): Command => ({ type: 'assignFieldSecurityProfile', fieldsecurityprofileid: a.fieldsecurityprofileid, teamid: a.teamid })),
      ]);
    }
    case 'setFieldPermission':
    case 'removeFieldPermission': {
      const x = rows('fieldsecurityprofiles')[0];
      return ok(rebuildPermissions(x.before as FieldSecurityProfile, x.after as FieldSecurityProfile));
    }
    case 'assignFieldSecurityProfile':
      return ok([{ ...principalOf(c), type: 'removeFieldSecurityProfile', fieldsecurityprofileid: c.fieldsecurityprofileid }]);
    case 'removeFieldSecurityProfile':
      return ok([{ ...principalOf(c), type: 'assignFieldSecurityProfile', fieldsecurityprofileid: c.fieldsecurityprofileid }]);
    case 'createRecord':
      return ok([{ type: 'deleteRecord', recordid: c.recordid! }]);
    case 'assignRecord':
      return ok([{ type: 'assignRecord', recordid: c.recordid, ownerid: before.records.get(c.recordid)!.ownerid }]);
    case 'deleteRecord': {
      const r = before.records.get(c.recordid)!;
      return ok([{ type: 'createRecord', recordid: r.recordid, entity: r.entity, name: r.name, ownerid: r.ownerid }, ...reshare(removed<Share>('shares'))]);
    }
    case 'shareRecord': {
      const prior = first<Share | null>('shares');
      return ok([prior ? reshare([prior])[0] : { type: 'unshareRecord', recordid: c.recordid, principalid: c.principalid }]);
    }
    case 'unshareRecord':
      return ok(reshare(removed<Share>('shares')));
    case 'setRecordCounts': {
      const counts = [...before.recordcounts.values()].filter((r) => r.entity === c.entity).map((r) => ({ ownerid: r.ownerid, owningbusinessunit: r.owningbusinessunit, count: r.count }));
      return ok([{ type: 'setRecordCounts', entity: c.entity, counts }]);
    }
    case 'setHierarchySecurity': {
      const hs = before.organization.hierarchysecurity;
      return ok([{ type: 'setHierarchySecurity', enabled: hs.enabled, depth: hs.depth }]);
    }
    case 'addCustomEntity':
      return refused('no-inverse', 'a custom table cannot be removed from the catalog once added');
  }
}

const principalOf = (c: { systemuserid?: Id; teamid?: Id }) => (c.systemuserid !== undefined ? { systemuserid: c.systemuserid } : { teamid: c.teamid! });

/** Stored assignment rows back as assignRole commands; a null scope is the principal's own unit. */
function reassign(users: readonly SystemUserRole[], teams: readonly TeamRole[]): Command[] {
  const scope = (a: { businessunitid: Id | null }) => (a.businessunitid === null ? {} : { businessunitid: a.businessunitid });
  return [
    ...users.map((a): Command => ({ type: 'assignRole', systemuserid: a.systemuserid, roleid: a.roleid, ...scope(a) })),
    ...teams.map((a): Command => ({ type: 'assignRole', teamid: a.teamid, roleid: a.roleid, ...scope(a) })),
  ];
}

function unassign(before: OrgState, a: SystemUserRole | TeamRole): Command {
  if ('systemuserid' in a) {
    return { type: 'removeRole', systemuserid: a.systemuserid, roleid: a.roleid, businessunitid: a.businessunitid ?? before.systemusers.get(a.systemuserid)!.businessunitid };
  }
  return { type: 'removeRole', teamid: a.teamid, roleid: a.roleid, businessunitid: a.businessunitid ?? before.teams.get(a.teamid)!.businessunitid };
}

const reshare = (shares: readonly Share[]): Command[] =>
  shares.map((s) => ({ type: 'shareRecord', recordid: s.recordid, principalid: s.principalid, accessrightsmask: s.accessrightsmask }));

function recreateRole(r: Role): CommandOf<'createRole'> {
  return { type: 'createRole', roleid: r.roleid, name: r.name, businessunitid: r.businessunitid, isinherited: r.isinherited, privileges: { ...r.privileges }, ...(r.description ? { description: r.description } : {}) };
}

const setPermission = (id: Id, f: FieldPermission): Command => ({
  type: 'setFieldPermission',
  fieldsecurityprofileid: id,
  entityname: f.entityname,
  attributelogicalname: f.attributelogicalname,
  canread: f.canread,
  cancreate: f.cancreate,
  canupdate: f.canupdate,
});

/** setFieldPermission moves a row to the end, so the list is rebuilt from the first row that differs. */
function rebuildPermissions(before: FieldSecurityProfile, after: FieldSecurityProfile): Command[] {
  const same = (a: FieldPermission | undefined, b: FieldPermission | undefined) => !!a && !!b && JSON.stringify(a) === JSON.stringify(b);
  let k = 0;
  while (k < before.fieldpermissions.length && same(before.fieldpermissions[k], after.fieldpermissions[k])) k++;
  const id = before.fieldsecurityprofileid;
  return [
    ...after.fieldpermissions.slice(k).map((f): Command => ({ type: 'removeFieldPermission', fieldsecurityprofileid: id, entityname: f.entityname, attributelogicalname: f.attributelogicalname })),
    ...before.fieldpermissions.slice(k).map((f) => setPermission(id, f)),
  ];
}

/** Runs commands that need `unit` enabled (creating or moving into it), then disables it again if it was. */
function whileEnabled(before: OrgState, unit: Id, commands: Command[]): Command[] {
  if (!before.businessunits.get(unit)?.isdisabled) return commands;
  return [{ type: 'setBusinessUnitDisabled', businessunitid: unit, isdisabled: false }, ...commands, { type: 'setBusinessUnitDisabled', businessunitid: unit, isdisabled: true }];
}

function recreateBusinessUnit(before: OrgState, id: Id, changes: readonly Change[]): Command[] {
  const bu = before.businessunits.get(id)!;
  const removed = <T>(table: Change['table']) => changes.filter((x) => x.table === table && x.after === null).map((x) => x.before as T);
  const team = removed<{ teamid: Id; administratorid: Id | null; isdefault: boolean }>('teams').find((t) => t.isdefault)!;
  const body: Command[] = [
    { type: 'createBusinessUnit', businessunitid: id, name: bu.name, parentbusinessunitid: bu.parentbusinessunitid!, defaultteamid: team.teamid },
  ];
  if (team.administratorid) body.push({ type: 'updateTeam', teamid: team.teamid, administratorid: team.administratorid });
  body.push(
    ...removed<Role>('roles').map(recreateRole),
    ...reassign([], removed<TeamRole>('teamroles')),
    ...removed<{ fieldsecurityprofileid: Id; teamid: Id }>('teamprofiles').map((p): Command => ({ type: 'assignFieldSecurityProfile', fieldsecurityprofileid: p.fieldsecurityprofileid, teamid: p.teamid })),
    ...reshare(removed<Share>('shares')),
    // Only a disabled unit can be deleted, so the recreated one is disabled again.
    { type: 'setBusinessUnitDisabled', businessunitid: id, isdisabled: true },
  );
  return whileEnabled(before, bu.parentbusinessunitid!, body);
}
