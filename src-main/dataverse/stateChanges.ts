/**
 * The commands that take the vault's organization to the one just pulled: what a delta pull
 * applies (journaled like any change) instead of replacing the whole state. Pure: no IO.
 *
 * Dataverse has no way to delete a user, so a user the environment no longer lists is kept and
 * disabled. A business unit's default team comes and goes with its unit, and has the environment's id.
 */
import { applyAll } from '../core/commands/apply';
import type { Command } from '../core/commands/schema';
import { assignmentKey } from '../core/commands/roles';
import type { FieldPermission, Id, OrgState } from '../core/model/org';

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Units in tree order (parents before children), so creating them in this order always finds the parent. */
function treeOrder(s: OrgState, ids: ReadonlySet<Id>): Id[] {
  const out: Id[] = [];
  const placed = new Set<Id>();
  const place = (id: Id) => {
    if (placed.has(id)) return;
    const parent = s.businessunits.get(id)!.parentbusinessunitid;
    if (parent && ids.has(parent)) place(parent);
    placed.add(id);
    out.push(id);
  };
  for (const id of ids) place(id);
  return out;
}

/**
 * `countedTables`: the tables whose record counts this pull read; the others keep the counts the
 * vault holds.
 */
export function commandsBetween(before: OrgState, after: OrgState, countedTables: readonly string[] = []): Command[] {
  const out: Command[] = [];
  for (const e of after.entities.values()) {
    if (before.entities.has(e.logicalname)) continue;
    out.push({ type: 'addCustomEntity', logicalname: e.logicalname, displayname: e.displayname, ownership: e.ownership, ...(e.schemaname ? { schemaname: e.schemaname } : {}) });
  }

  // Business units: new ones (parents first) with their default team's id, then renames, moves, enabling.
  const defaultTeamOf = new Map<Id, Id>();
  for (const t of after.teams.values()) if (t.isdefault) defaultTeamOf.set(t.businessunitid, t.teamid);
  const newUnits = new Set([...after.businessunits.keys()].filter((id) => !before.businessunits.has(id)));
  for (const id of treeOrder(after, newUnits)) {
    const u = after.businessunits.get(id)!;
    out.push({ type: 'createBusinessUnit', businessunitid: id, name: u.name, parentbusinessunitid: u.parentbusinessunitid!, ...(defaultTeamOf.has(id) ? { defaultteamid: defaultTeamOf.get(id)! } : {}) });
  }
  // A unit whose default team the vault holds under another id than the environment (one a push made before it took the environment's) takes the environment's, with what is on it; the rest is compared with that done.
  const rekeyed: Command[] = [];
  for (const t of before.teams.values()) {
    const now = t.isdefault ? defaultTeamOf.get(t.businessunitid) : undefined;
    if (now !== undefined && now !== t.teamid && !before.teams.has(now)) rekeyed.push({ type: 'setDefaultTeamId', businessunitid: t.businessunitid, teamid: now });
  }
  const rekey = rekeyed.length ? applyAll(before, rekeyed) : null;
  if (rekey?.ok) {
    out.push(...rekeyed);
    before = rekey.state;
  }
  for (const u of after.businessunits.values()) {
    const b = before.businessunits.get(u.businessunitid);
    if (!b) {
      if (u.isdisabled) out.push({ type: 'setBusinessUnitDisabled', businessunitid: u.businessunitid, isdisabled: true });
      continue;
    }
    if (b.name !== u.name) out.push({ type: 'updateBusinessUnit', businessunitid: u.businessunitid, name: u.name });
    if (b.parentbusinessunitid !== u.parentbusinessunitid && u.parentbusinessunitid) out.push({ type: 'moveBusinessUnit', businessunitid: u.businessunitid, parentbusinessunitid: u.parentbusinessunitid });
    if (b.isdisabled !== u.isdisabled && !u.isdisabled) out.push({ type: 'setBusinessUnitDisabled', businessunitid: u.businessunitid, isdisabled: false });
  }

  // Users: created without a manager (who may be new too), then every changed field.
  for (const u of after.systemusers.values()) {
    if (before.systemusers.has(u.systemuserid)) continue;
    out.push({ type: 'createUser', systemuserid: u.systemuserid, fullname: u.fullname, domainname: u.domainname, internalemailaddress: u.internalemailaddress, businessunitid: u.businessunitid });
  }
  for (const u of after.systemusers.values()) {
    const b = before.systemusers.get(u.systemuserid);
    const fields: { fullname?: string; domainname?: string; internalemailaddress?: string | null; parentsystemuserid?: string | null } = {};
    if (b && b.fullname !== u.fullname) fields.fullname = u.fullname;
    if (b && b.domainname !== u.domainname) fields.domainname = u.domainname;
    if (b && b.internalemailaddress !== u.internalemailaddress) fields.internalemailaddress = u.internalemailaddress;
    if ((b?.parentsystemuserid ?? null) !== u.parentsystemuserid) fields.parentsystemuserid = u.parentsystemuserid;
    if (Object.keys(fields).length) out.push({ type: 'updateUser', systemuserid: u.systemuserid, ...fields });
    if (b && b.businessunitid !== u.businessunitid) out.push({ type: 'moveUser', systemuserid: u.systemuserid, businessunitid: u.businessunitid });
    if ((b?.isdisabled ?? false) !== u.isdisabled) out.push({ type: 'setUserDisabled', systemuserid: u.systemuserid, isdisabled: u.isdisabled });
  }
  for (const b of before.systemusers.values()) if (!after.systemusers.has(b.systemuserid) && !b.isdisabled) out.push({ type: 'setUserDisabled', systemuserid: b.systemuserid, isdisabled: true });

  // Teams (default teams follow their units).
  for (const t of after.teams.values()) {
    if (t.isdefault) continue;
    const b = before.teams.get(t.teamid);
    if (!b) out.push({ type: 'createTeam', teamid: t.teamid, name: t.name, teamtype: t.teamtype, businessunitid: t.businessunitid, administratorid: t.administratorid });
    else if (b.name !== t.name || b.administratorid !== t.administratorid) out.push({ type: 'updateTeam', teamid: t.teamid, ...(b.name !== t.name ? { name: t.name } : {}), ...(b.administratorid !== t.administratorid ? { administratorid: t.administratorid } : {}) });
  }
  const memberships = (s: OrgState) => new Set([...s.teammembership.values()].map((m) => `${m.teamid}|${m.systemuserid}`));
  const [mBefore, mAfter] = [memberships(before), memberships(after)];
  for (const k of mBefore) {
    const [teamid, systemuserid] = k.split('|');
    if (!mAfter.has(k) && after.teams.has(teamid)) out.push({ type: 'removeTeamMember', teamid, systemuserid });
  }
  for (const k of mAfter) {
    const [teamid, systemuserid] = k.split('|');
    if (!mBefore.has(k)) out.push({ type: 'addTeamMember', teamid, systemuserid });
  }

  // Roles and their privileges.
  for (const r of after.roles.values()) {
    const b = before.roles.get(r.roleid);
    if (!b) {
      out.push({ type: 'createRole', roleid: r.roleid, name: r.name, businessunitid: r.businessunitid, isinherited: r.isinherited, description: r.description ?? null, privileges: { ...r.privileges } });
      continue;
    }
    if (b.name !== r.name || b.isinherited !== r.isinherited || (b.description ?? null) !== (r.description ?? null)) out.push({ type: 'updateRole', roleid: r.roleid, name: r.name, isinherited: r.isinherited, description: r.description ?? null });
    if (!same(Object.entries(b.privileges).sort(), Object.entries(r.privileges).sort())) out.push({ type: 'replaceRolePrivileges', roleid: r.roleid, privileges: { ...r.privileges } });
  }

  // Role assignments.
  const holder = (a: { systemuserid?: Id; teamid?: Id }) => (a.systemuserid !== undefined ? { systemuserid: a.systemuserid } : { teamid: a.teamid! });
  const assignments = (s: OrgState) => {
    const m = new Map<string, Command & { type: 'assignRole' }>();
    for (const a of s.systemuserroles.values()) m.set(assignmentKey(a.systemuserid, a.roleid, a.businessunitid), { type: 'assignRole', systemuserid: a.systemuserid, roleid: a.roleid, businessunitid: a.businessunitid });
    for (const a of s.teamroles.values()) m.set(assignmentKey(a.teamid, a.roleid, a.businessunitid), { type: 'assignRole', teamid: a.teamid, roleid: a.roleid, businessunitid: a.businessunitid });
    return m;
  };
  const [aBefore, aAfter] = [assignments(before), assignments(after)];
  for (const [k, a] of aBefore) if (!aAfter.has(k) && (a.systemuserid !== undefined || after.teams.has(a.teamid!)) && after.roles.has(a.roleid)) out.push({ type: 'removeRole', ...holder(a), roleid: a.roleid, businessunitid: a.businessunitid });
  for (const [k, a] of aAfter) if (!aBefore.has(k)) out.push(a);

  // Field security profiles, their permissions and holders.
  const permKey = (f: FieldPermission) => `${f.entityname}.${f.attributelogicalname}`;
  for (const p of after.fieldsecurityprofiles.values()) {
    const b = before.fieldsecurityprofiles.get(p.fieldsecurityprofileid);
    if (!b) out.push({ type: 'createFieldSecurityProfile', fieldsecurityprofileid: p.fieldsecurityprofileid, name: p.name, description: p.description });
    else if (b.name !== p.name || b.description !== p.description) out.push({ type: 'updateFieldSecurityProfile', fieldsecurityprofileid: p.fieldsecurityprofileid, name: p.name, description: p.description });
    const had = new Map((b?.fieldpermissions ?? []).map((f) => [permKey(f), f]));
    const has = new Map(p.fieldpermissions.map((f) => [permKey(f), f]));
    for (const [k, f] of had) if (!has.has(k)) out.push({ type: 'removeFieldPermission', fieldsecurityprofileid: p.fieldsecurityprofileid, entityname: f.entityname, attributelogicalname: f.attributelogicalname });
    for (const [k, f] of has) if (!same(had.get(k), f)) out.push({ type: 'setFieldPermission', fieldsecurityprofileid: p.fieldsecurityprofileid, ...f });
  }
  const profileHolders = (s: OrgState) => {
    const m = new Map<string, Command & { type: 'assignFieldSecurityProfile' }>();
    for (const a of s.systemuserprofiles.values()) m.set(`${a.fieldsecurityprofileid}|${a.systemuserid}`, { type: 'assignFieldSecurityProfile', fieldsecurityprofileid: a.fieldsecurityprofileid, systemuserid: a.systemuserid });
    for (const a of s.teamprofiles.values()) m.set(`${a.fieldsecurityprofileid}|${a.teamid}`, { type: 'assignFieldSecurityProfile', fieldsecurityprofileid: a.fieldsecurityprofileid, teamid: a.teamid });
    return m;
  };
  const [pBefore, pAfter] = [profileHolders(before), profileHolders(after)];
  for (const [k, a] of pBefore) if (!pAfter.has(k) && after.fieldsecurityprofiles.has(a.fieldsecurityprofileid) && (a.systemuserid !== undefined || after.teams.has(a.teamid!))) out.push({ type: 'removeFieldSecurityProfile', fieldsecurityprofileid: a.fieldsecurityprofileid, ...holder(a) });
  for (const [k, a] of pAfter) if (!pBefore.has(k)) out.push(a);

  // Record counts of the tables counted this time.
  for (const entity of countedTables) {
    const rows = (s: OrgState) => [...s.recordcounts.values()].filter((r) => r.entity === entity).sort((x, y) => (x.ownerid < y.ownerid ? -1 : 1));
    const now = rows(after);
    if (!same(rows(before), now)) out.push({ type: 'setRecordCounts', entity, counts: now.map((r) => ({ ownerid: r.ownerid, owningbusinessunit: r.owningbusinessunit, count: r.count })) });
  }

  // What went: teams, roles and profiles before their units; units children first, disabled before deleted.
  for (const p of before.fieldsecurityprofiles.values()) if (!after.fieldsecurityprofiles.has(p.fieldsecurityprofileid)) out.push({ type: 'deleteFieldSecurityProfile', fieldsecurityprofileid: p.fieldsecurityprofileid });
  for (const t of before.teams.values()) if (!t.isdefault && !after.teams.has(t.teamid)) out.push({ type: 'deleteTeam', teamid: t.teamid });
  for (const r of before.roles.values()) if (!after.roles.has(r.roleid)) out.push({ type: 'deleteRole', roleid: r.roleid });
  const goneUnits = new Set([...before.businessunits.keys()].filter((id) => !after.businessunits.has(id)));
  for (const id of treeOrder(before, goneUnits).reverse()) {
    if (!before.businessunits.get(id)!.isdisabled) out.push({ type: 'setBusinessUnitDisabled', businessunitid: id, isdisabled: true });
    out.push({ type: 'deleteBusinessUnit', businessunitid: id });
  }
  for (const u of after.businessunits.values()) if (before.businessunits.get(u.businessunitid)?.isdisabled === false && u.isdisabled) out.push({ type: 'setBusinessUnitDisabled', businessunitid: u.businessunitid, isdisabled: true });
  return out;
}
