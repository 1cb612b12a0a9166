import { describe, expect, it } from 'vitest';
import { apply, applyAll } from '../core/commands/apply';
import { COMMAND_TYPES, type Command, type CommandType } from '../core/commands/schema';
import { demoOrganization } from '../core/generate/demo';
import { toInterchange } from '../core/interchange/fromState';
import type { OrgState } from '../core/model/org';
import { inverseOf } from './inverse';

const base = demoOrganization();
const first = <T>(m: ReadonlyMap<string, T>, ok: (v: T) => boolean = () => true) => [...m.values()].find(ok)!;
const root = first(base.businessunits, (b) => b.parentbusinessunitid === null).businessunitid;
const child = first(base.businessunits, (b) => b.parentbusinessunitid !== null);
const user = first(base.systemusers);
const otherUnit = first(base.businessunits, (b) => b.businessunitid !== user.businessunitid && !b.isdisabled).businessunitid;
const ownerTeam = first(base.teams, (t) => !t.isdefault && t.teamtype === 0);
const member = first(base.teammembership);
const held = first(base.systemuserroles);
const record = first(base.records);
const share = first(base.shares);

/** A state prepared for a command type, and the command; each row of the truth table. */
function scenario(type: CommandType): { state: OrgState; command: Command } {
  const prep = (commands: unknown[]) => {
    const r = applyAll(base, commands);
    if (!r.ok) throw new Error(`${type}: ${r.error.message}`);
    return r.state;
  };
  const fsp = { type: 'createFieldSecurityProfile', fieldsecurityprofileid: 'fsp-1', name: 'Secret' } as const;
  const perm = (attr: string, canread: 0 | 4) => ({ type: 'setFieldPermission', fieldsecurityprofileid: 'fsp-1', entityname: 'contact', attributelogicalname: attr, canread, cancreate: 0, canupdate: 0 });
  const sec = ['emailaddress1', 'telephone1', 'birthdate'];
  const emptyUnit = [{ type: 'createBusinessUnit', businessunitid: 'bu-x', defaultteamid: 't-x', name: 'Doomed', parentbusinessunitid: child.businessunitid }];
  const commands: Record<CommandType, () => { state: OrgState; command: unknown }> = {
    createBusinessUnit: () => ({ state: base, command: { type, businessunitid: 'bu-new', defaultteamid: 't-new', name: 'New unit', parentbusinessunitid: root } }),
    updateBusinessUnit: () => ({ state: base, command: { type, businessunitid: child.businessunitid, name: 'Renamed unit' } }),
    moveBusinessUnit: () => ({ state: prep([...emptyUnit, { type: 'createBusinessUnit', businessunitid: 'bu-y', defaultteamid: 't-y', name: 'Other', parentbusinessunitid: root }, { type: 'createRole', roleid: 'r-y', name: 'Local role', businessunitid: child.businessunitid }, { type: 'assignRole', teamid: 't-x', roleid: 'r-y' }]), command: { type, businessunitid: 'bu-x', parentbusinessunitid: 'bu-y' } }),
    setBusinessUnitDisabled: () => ({ state: base, command: { type, businessunitid: child.businessunitid, isdisabled: true } }),
    deleteBusinessUnit: () => ({
      state: prep([...emptyUnit, { type: 'createRole', roleid: 'r-x', name: 'Unit role', businessunitid: 'bu-x', privileges: { prvReadAccount: 'Local' } }, { type: 'assignRole', teamid: 't-x', roleid: held.roleid, businessunitid: 'bu-x' }, fsp, { type: 'assignFieldSecurityProfile', fieldsecurityprofileid: 'fsp-1', teamid: 't-x' }, { type: 'shareRecord', recordid: record.recordid, principalid: 't-x', accessrightsmask: 1 }, { type: 'setBusinessUnitDisabled', businessunitid: 'bu-x', isdisabled: true }, { type: 'setBusinessUnitDisabled', businessunitid: child.businessunitid, isdisabled: true }]),
      command: { type, businessunitid: 'bu-x' },
    }),
    createUser: () => ({ state: base, command: { type, systemuserid: 'u-new', fullname: 'New', domainname: 'new@x.com', businessunitid: root } }),
    updateUser: () => ({ state: base, command: { type, systemuserid: user.systemuserid, fullname: 'Changed Name', internalemailaddress: null } }),
    moveUser: () => ({ state: base, command: { type, systemuserid: held.systemuserid, businessunitid: otherUnit === base.systemusers.get(held.systemuserid)!.businessunitid ? root : otherUnit } }),
    setUserDisabled: () => ({ state: base, command: { type, systemuserid: user.systemuserid, isdisabled: true } }),
    createTeam: () => ({ state: base, command: { type, teamid: 't-new', name: 'New team', teamtype: 1, businessunitid: root } }),
    updateTeam: () => ({ state: base, command: { type, teamid: ownerTeam.teamid, name: 'Renamed team', administratorid: user.systemuserid } }),
    deleteTeam: () => ({ state: prep([{ type: 'createTeam', teamid: 't-d', name: 'Doomed', teamtype: 0, businessunitid: root }, { type: 'addTeamMember', teamid: 't-d', systemuserid: user.systemuserid }, { type: 'assignRole', teamid: 't-d', roleid: held.roleid, businessunitid: root }, fsp, { type: 'assignFieldSecurityProfile', fieldsecurityprofileid: 'fsp-1', teamid: 't-d' }, { type: 'shareRecord', recordid: record.recordid, principalid: 't-d', accessrightsmask: 3 }]), command: { type, teamid: 't-d' } }),
    setDefaultTeamId: () => ({
      state: prep([...emptyUnit, { type: 'assignRole', teamid: 't-x', roleid: held.roleid, businessunitid: 'bu-x' }, fsp, { type: 'assignFieldSecurityProfile', fieldsecurityprofileid: 'fsp-1', teamid: 't-x' }, { type: 'shareRecord', recordid: record.recordid, principalid: 't-x', accessrightsmask: 1 }, { type: 'assignRecord', recordid: record.recordid, ownerid: 't-x' }]),
      command: { type, businessunitid: 'bu-x', teamid: 't-environment' },
    }),
    addTeamMember: () => ({ state: base, command: { type, teamid: ownerTeam.teamid, systemuserid: first(base.systemusers, (u) => !base.teammembership.has(`${ownerTeam.teamid}|${u.systemuserid}`)).systemuserid } }),
    removeTeamMember: () => ({ state: base, command: { type, teamid: member.teamid, systemuserid: member.systemuserid } }),
    createRole: () => ({ state: base, command: { type, roleid: 'r-new', name: 'New role', privileges: { prvReadAccount: 'Deep' } } }),
    updateRole: () => ({ state: base, command: { type, roleid: held.roleid, name: 'Renamed role', isinherited: 0, description: 'now described' } }),
    deleteRole: () => ({ state: prep([{ type: 'createRole', roleid: 'r-d', name: 'Doomed role', description: 'd', privileges: { prvReadAccount: 'Deep' } }]), command: { type, roleid: 'r-d' } }),
    setRolePrivilege: () => ({ state: base, command: { type, roleid: held.roleid, privilege: 'prvDeleteAccount', depth: base.roles.get(held.roleid)!.privileges.prvDeleteAccount ? null : 'Global' } }),
    replaceRolePrivileges: () => ({ state: base, command: { type, roleid: held.roleid, privileges: { prvReadAccount: 'Global', prvReadcr5db_Project: 'Basic', prvBulkDelete: 'Basic' } } }),
    assignRole: () => ({ state: base, command: { type, teamid: ownerTeam.teamid, roleid: held.roleid } }),
    removeRole: () => ({ state: base, command: { type, systemuserid: held.systemuserid, roleid: held.roleid } }),
    createFieldSecurityProfile: () => ({ state: base, command: fsp }),
    updateFieldSecurityProfile: () => ({ state: prep([fsp]), command: { type, fieldsecurityprofileid: 'fsp-1', name: 'Renamed', description: 'x' } }),
    deleteFieldSecurityProfile: () => ({ state: prep([fsp, perm(sec[0], 4), perm(sec[1], 0), { type: 'assignFieldSecurityProfile', fieldsecurityprofileid: 'fsp-1', systemuserid: user.systemuserid }, { type: 'assignFieldSecurityProfile', fieldsecurityprofileid: 'fsp-1', teamid: ownerTeam.teamid }]), command: { type, fieldsecurityprofileid: 'fsp-1' } }),
    setFieldPermission: () => ({ state: prep([fsp, perm(sec[0], 4), perm(sec[1], 0), perm(sec[2], 4)]), command: perm(sec[0], 0) }),
    removeFieldPermission: () => ({ state: prep([fsp, perm(sec[0], 4), perm(sec[1], 0)]), command: { type, fieldsecurityprofileid: 'fsp-1', entityname: 'contact', attributelogicalname: sec[0] } }),
    assignFieldSecurityProfile: () => ({ state: prep([fsp]), command: { type, fieldsecurityprofileid: 'fsp-1', systemuserid: user.systemuserid } }),
    removeFieldSecurityProfile: () => ({ state: prep([fsp, { type: 'assignFieldSecurityProfile', fieldsecurityprofileid: 'fsp-1', teamid: ownerTeam.teamid }]), command: { type, fieldsecurityprofileid: 'fsp-1', teamid: ownerTeam.teamid } }),
    createRecord: () => ({ state: base, command: { type, recordid: 'rec-new', entity: 'account', name: 'New', ownerid: user.systemuserid } }),
    assignRecord: () => ({ state: base, command: { type, recordid: record.recordid, ownerid: first(base.systemusers, (u) => u.systemuserid !== record.ownerid).systemuserid } }),
    deleteRecord: () => ({ state: base, command: { type, recordid: share.recordid } }),
    shareRecord: () => ({ state: base, command: { type, recordid: share.recordid, principalid: share.principalid, accessrightsmask: share.accessrightsmask === 1 ? 3 : 1 } }),
    unshareRecord: () => ({ state: base, command: { type, recordid: share.recordid, principalid: share.principalid } }),
    setRecordCounts: () => ({
      state: prep([{ type, entity: 'account', counts: [{ ownerid: user.systemuserid, owningbusinessunit: user.businessunitid, count: 40 }] }]),
      command: { type, entity: 'account', counts: [{ ownerid: user.systemuserid, owningbusinessunit: user.businessunitid, count: 12 }] },
    }),
    setHierarchySecurity: () => ({ state: base, command: { type, enabled: !base.organization.hierarchysecurity.enabled, depth: 5 } }),
    addCustomEntity: () => ({ state: base, command: { type, logicalname: 'new_thing', displayname: 'Thing', ownership: 'UserOwned' } }),
  };
  const s = commands[type]();
  return { state: s.state, command: s.command as Command };
}

/** Canonical form: rows sorted, so a row put back at the end of a table compares equal. */
const canonical = (s: OrgState) => {
  const f = toInterchange(s) as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(f)) if (Array.isArray(v)) f[k] = v.map((r) => JSON.stringify(r, Object.keys(r).sort())).sort();
  return f;
};

describe('the inverse of a command', () => {
  const NO_INVERSE: CommandType[] = ['createUser', 'addCustomEntity'];
  for (const type of COMMAND_TYPES.filter((t) => !NO_INVERSE.includes(t))) {
    it(`puts the state back after ${type}`, () => {
      const { state, command } = scenario(type);
      const r = apply(state, command);
      if (!r.ok) throw new Error(r.error.message);
      expect(r.value.changes.length, 'the scenario changes something').toBeGreaterThan(0);
      const inverse = inverseOf(state, r.value);
      if (!inverse.ok) throw new Error(inverse.error.message);
      const back = applyAll(r.value.state, inverse.value);
      if (!back.ok) throw new Error(`inverse command ${back.index + 1}: ${back.error.message}`);
      expect(canonical(back.state)).toEqual(canonical(state));
    });
  }
  for (const type of NO_INVERSE) {
    it(`refuses to invert ${type}, with the reason`, () => {
      const { state, command } = scenario(type);
      const r = apply(state, command);
      if (!r.ok) throw new Error(r.error.message);
      expect(inverseOf(state, r.value)).toMatchObject({ ok: false, error: { code: 'no-inverse' } });
    });
  }
  it('is empty for a command that changed nothing', () => {
    const r = apply(base, { type: 'setHierarchySecurity', enabled: base.organization.hierarchysecurity.enabled });
    if (!r.ok) throw new Error(r.error.message);
    expect(inverseOf(base, r.value)).toEqual({ ok: true, value: [] });
  });
});
