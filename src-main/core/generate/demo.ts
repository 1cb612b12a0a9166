import { applyAll } from '../commands/apply';
import type { Command } from '../commands/schema';
import { newOrganization, type OrgState } from '../model/org';
import { ACCESS_RIGHT_MASK as R } from '../model/accessRights';
import { APP_PACKS, PREDEFINED_ROLES, allFieldPermissions, expandPrivileges } from '../catalog/seedRoles';
import { SeededRandom } from './random';

/** Unit name -> parent name; four levels under Contoso. */
const UNITS: readonly [string, string][] = [
  ['Sales', 'Contoso'],
  ['Customer Service', 'Contoso'],
  ['Marketing', 'Contoso'],
  ['Sales West', 'Sales'],
  ['Sales East', 'Sales'],
  ['Support Tier 1', 'Customer Service'],
  ['Omnichannel Center', 'Customer Service'],
  ['Digital Marketing', 'Marketing'],
  ['Seattle', 'Sales West'],
  ['Portland', 'Sales West'],
  ['Boston', 'Sales East'],
  ['Chat Desk', 'Omnichannel Center'],
];

/** fullname, unit, manager (fullname), roles. */
const USERS: readonly [string, string, string | null, readonly string[]][] = [
  ['Avery Admin', 'Contoso', null, ['System Administrator']],
  ['Morgan Chief', 'Contoso', null, ['CEO-Business Manager', 'Basic User']],
  ['Casey Customizer', 'Contoso', 'Avery Admin', ['System Customizer', 'Basic User']],
  ['Riley Sales', 'Sales', 'Morgan Chief', ['Vice President of Sales', 'Basic User']],
  ['Jordan West', 'Sales West', 'Riley Sales', ['Sales Manager', 'Basic User']],
  ['Sam Seattle', 'Seattle', 'Jordan West', ['Salesperson', 'Basic User']],
  ['Alex Rainier', 'Seattle', 'Jordan West', ['Salesperson', 'Basic User', 'LiveChat4Dynamics User']],
  ['Taylor Sound', 'Seattle', 'Jordan West', ['Salesperson', 'Basic User']],
  ['Jamie Rose', 'Portland', 'Jordan West', ['Salesperson', 'Basic User']],
  ['Drew Hood', 'Portland', 'Jordan West', ['Salesperson', 'Basic User', 'WhatsApp4Dynamics User']],
  ['Quinn East', 'Sales East', 'Riley Sales', ['Sales Manager', 'Basic User']],
  ['Parker Harbor', 'Boston', 'Quinn East', ['Salesperson', 'Basic User']],
  ['Reese Commons', 'Boston', 'Quinn East', ['Salesperson', 'Basic User']],
  ['Emerson Bay', 'Boston', 'Quinn East', ['Salesperson']],
  ['Dakota Service', 'Customer Service', 'Morgan Chief', ['CSR Manager', 'Basic User']],
  ['Skyler Tier', 'Support Tier 1', 'Dakota Service', ['Customer Service Representative', 'Basic User']],
  ['Rowan Help', 'Support Tier 1', 'Skyler Tier', ['Customer Service Representative', 'Basic User']],
  ['Finley Case', 'Support Tier 1', 'Skyler Tier', ['Customer Service Representative', 'Basic User']],
  ['Hayden Support', 'Support Tier 1', 'Skyler Tier', ['Support User', 'Basic User']],
  ['Oakley Omni', 'Omnichannel Center', 'Dakota Service', ['Omnichannel administrator', 'Basic User']],
  ['Sage Super', 'Omnichannel Center', 'Oakley Omni', ['Omnichannel supervisor', 'Basic User']],
  ['Remy Chat', 'Chat Desk', 'Sage Super', ['Omnichannel agent', 'Basic User', 'Customer Service Representative']],
  ['Kai Message', 'Chat Desk', 'Sage Super', ['Omnichannel agent', 'Basic User', 'Customer Service Representative']],
  ['Lane Voice', 'Chat Desk', 'Sage Super', ['Omnichannel agent', 'Omnichannel API access']],
  ['Ellis Queue', 'Chat Desk', 'Sage Super', ['Basic User']],
  ['Arden Script', 'Omnichannel Center', 'Oakley Omni', ['Productivity tools administrator', 'Basic User']],
  ['Blair Macro', 'Chat Desk', 'Sage Super', ['Productivity tools user', 'Basic User']],
  ['Cameron Console', 'Chat Desk', 'Sage Super', ['Admin']],
  ['Devon Operator', 'Chat Desk', 'Cameron Console', ['Operator']],
  ['Eden Operator', 'Chat Desk', 'Cameron Console', ['Operator']],
  ['Marlowe Brand', 'Marketing', 'Morgan Chief', ['Vice President of Marketing', 'Basic User']],
  ['Harper Campaign', 'Marketing', 'Marlowe Brand', ['Marketing Manager', 'Basic User']],
  ['Indigo Digital', 'Digital Marketing', 'Harper Campaign', ['Marketing Professional', 'Basic User']],
  ['Jules Social', 'Digital Marketing', 'Harper Campaign', ['Marketing Professional', 'Basic User', 'WhatsApp4Dynamics Administrator']],
  ['Kendall Events', 'Digital Marketing', 'Harper Campaign', []],
  ['Logan Calendar', 'Customer Service', 'Dakota Service', ['Schedule Manager', 'Basic User']],
  ['Micah Planner', 'Support Tier 1', 'Logan Calendar', ['Scheduler', 'Basic User']],
  ['Noel Assistant', 'Contoso', 'Morgan Chief', ['Delegate', 'Basic User']],
  ['Oden Chat', 'Seattle', 'Jordan West', ['LiveChat4Dynamics Administrator', 'Basic User']],
  ['Pat Former', 'Boston', 'Quinn East', ['Salesperson', 'Basic User']],
];

const ENTITIES = ['account', 'contact', 'lead', 'opportunity', 'incident', 'task', 'phonecall', 'email', 'msdyn_ocliveworkitem'] as const;

/**
 * The demo organization "Contoso": four levels of units, 40 users, teams of every type, the
 * predefined roles and the app packs assigned, a few hundred records and shares. Built through
 * the same commands an admin would run, so it obeys every rule of the model.
 */
export function demoOrganization(): OrgState {
  const rnd = new SeededRandom(20261123);
  const rootId = rnd.guid();
  const state = newOrganization({ name: 'Contoso', rootbusinessunitid: rootId, rootname: 'Contoso', defaultteamid: rnd.guid() });
  const commands: Command[] = [];
  const unitId = new Map<string, string>([['Contoso', rootId]]);
  for (const [name, parent] of UNITS) {
    const id = rnd.guid();
    unitId.set(name, id);
    commands.push({ type: 'createBusinessUnit', businessunitid: id, name, parentbusinessunitid: unitId.get(parent)!, defaultteamid: rnd.guid() });
  }
  const roleId = new Map<string, string>();
  for (const seed of [...PREDEFINED_ROLES, ...APP_PACKS.flatMap((p) => p.roles)]) {
    roleId.set(seed.name, seed.roleid);
    commands.push({ type: 'createRole', roleid: seed.roleid, name: seed.name, businessunitid: rootId, isinherited: seed.isinherited, description: seed.description ?? null, privileges: expandPrivileges(seed) });
  }
  const userId = new Map<string, string>();
  for (const [fullname, unit, manager, roles] of USERS) {
    const id = rnd.guid();
    userId.set(fullname, id);
    const login = fullname.toLowerCase().replace(' ', '.');
    commands.push({ type: 'createUser', systemuserid: id, fullname, domainname: `${login}@contoso.com`, internalemailaddress: `${login}@contoso.com`, businessunitid: unitId.get(unit)!, parentsystemuserid: manager ? userId.get(manager)! : null });
    for (const r of roles) commands.push({ type: 'assignRole', systemuserid: id, roleid: roleId.get(r)! });
  }
  commands.push({ type: 'setUserDisabled', systemuserid: userId.get('Pat Former')!, isdisabled: true });

  const team = (name: string, teamtype: 0 | 1 | 2 | 3, unit: string, admin: string, members: string[], roles: string[] = []) => {
    const id = rnd.guid();
    commands.push({ type: 'createTeam', teamid: id, name, teamtype, businessunitid: unitId.get(unit)!, administratorid: userId.get(admin)! });
    for (const m of members) commands.push({ type: 'addTeamMember', teamid: id, systemuserid: userId.get(m)! });
    for (const r of roles) commands.push({ type: 'assignRole', teamid: id, roleid: roleId.get(r)! });
    return id;
  };
  const keyAccounts = team('Key Accounts', 0, 'Sales', 'Riley Sales', ['Jordan West', 'Sam Seattle', 'Quinn East', 'Parker Harbor'], ['Salesperson']);
  const dealRoom = team('Fabrikam Deal Room', 1, 'Sales East', 'Quinn East', ['Reese Commons', 'Emerson Bay']);
  const agents = team('Omnichannel Agents (Entra)', 2, 'Omnichannel Center', 'Oakley Omni', ['Lane Voice', 'Ellis Queue'], ['Omnichannel agent']);
  team('Campaign Studio (Microsoft 365)', 3, 'Marketing', 'Harper Campaign', ['Indigo Digital', 'Jules Social', 'Kendall Events'], ['Marketing Professional']);
  const escalations = team('Escalations', 0, 'Customer Service', 'Dakota Service', ['Skyler Tier', 'Rowan Help', 'Hayden Support'], []);

  const fls = APP_PACKS.flatMap((p) => p.fieldsecurityprofiles ?? []);
  for (const p of fls) {
    commands.push({ type: 'createFieldSecurityProfile', fieldsecurityprofileid: p.fieldsecurityprofileid, name: p.name, description: p.description ?? null });
    for (const f of p.fieldpermissions) commands.push({ type: 'setFieldPermission', fieldsecurityprofileid: p.fieldsecurityprofileid, ...f });
  }
  const adminProfile = rnd.guid();
  commands.push({ type: 'createFieldSecurityProfile', fieldsecurityprofileid: adminProfile, name: 'System Administrator (all secured columns)', description: 'Every secured column, as System Administrator has in Dataverse.' });
  for (const f of allFieldPermissions()) commands.push({ type: 'setFieldPermission', fieldsecurityprofileid: adminProfile, ...f });
  commands.push({ type: 'assignFieldSecurityProfile', fieldsecurityprofileid: adminProfile, systemuserid: userId.get('Avery Admin')! });
  if (fls[0]) commands.push({ type: 'assignFieldSecurityProfile', fieldsecurityprofileid: fls[0].fieldsecurityprofileid, systemuserid: userId.get('Oakley Omni')! });
  if (fls[1]) commands.push({ type: 'assignFieldSecurityProfile', fieldsecurityprofileid: fls[1].fieldsecurityprofileid, systemuserid: userId.get('Jules Social')! });

  // Records: owned mostly by the people who work them, some by owner teams.
  const owners = [...userId.values(), keyAccounts, escalations, agents];
  const recordIds: string[] = [];
  for (let i = 0; i < 320; i++) {
    const entity = ENTITIES[i % ENTITIES.length];
    const id = rnd.guid();
    recordIds.push(id);
    commands.push({ type: 'createRecord', recordid: id, entity, name: `${entity} ${i + 1}`, ownerid: rnd.pick(owners) });
  }
  const principals = [...userId.values(), keyAccounts, dealRoom, escalations];
  const masks = [R.Read, R.Read | R.Write, R.Read | R.Write | R.Append | R.AppendTo, R.Read | R.Share];
  const shared = new Set<string>();
  for (let i = 0; i < 60; i++) {
    const rec = rnd.pick(recordIds);
    const who = rnd.pick(principals);
    if (shared.has(`${rec}|${who}`)) continue;
    shared.add(`${rec}|${who}`);
    commands.push({ type: 'shareRecord', recordid: rec, principalid: who, accessrightsmask: rnd.pick(masks) });
  }
  const result = applyAll(state, commands);
  if (!result.ok) throw new Error(`demo organization: command ${result.index} (${commands[result.index].type}) refused: ${result.error.message}`);
  return result.state;
}
