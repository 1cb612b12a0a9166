import { BUILTIN_CATALOG } from '../catalog/catalog';
import { DEPTHS, type Depth } from '../model/depth';
import { ACCESS_RIGHT_MASK as R } from '../model/accessRights';
import { pairKey, type BusinessUnit, type CustomEntity, type DataRecord, type Id, type OrgState, type Role, type Share, type SystemUser, type SystemUserRole, type Team, type TeamMembership, type TeamRole } from '../model/org';
import { assignmentKey } from '../commands/roles';
import { SeededRandom } from './random';

export interface SyntheticOptions {
  readonly businessunits: number;
  /** The hierarchy is at least this many levels deep. */
  readonly depth: number;
  readonly users: number;
  readonly teams: number;
  readonly teamMembers: number;
  readonly roles: number;
  /** Tables the roles' privileges are spread over; custom tables are added past the catalog's. */
  readonly entities: number;
  readonly records: number;
  readonly shares: number;
  /** Users holding the first role directly: the role the diff benchmark edits. */
  readonly popularRoleHolders: number;
  readonly seed: number;
}

export const BENCH_ORG: SyntheticOptions = {
  businessunits: 2000,
  depth: 8,
  users: 50_000,
  teams: 5000,
  teamMembers: 20,
  roles: 500,
  entities: 100,
  records: 1_000_000,
  shares: 100_000,
  popularRoleHolders: 10_000,
  seed: 1,
};

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/**
 * A large organization for benchmarks and scale tests, built straight into a state (replaying a
 * million commands would measure the generator, not the product). Valid by construction.
 */
export function syntheticOrganization(options: Partial<SyntheticOptions> = {}): OrgState {
  const o: SyntheticOptions = { ...BENCH_ORG, ...options };
  const rnd = new SeededRandom(o.seed);
  const units = new Map<Id, BusinessUnit>();
  const unitIds: Id[] = [];
  const level: number[] = [];
  const nUnits = Math.max(1, o.businessunits);
  for (let i = 0; i < nUnits; i++) {
    const id = `bu-${pad(i, 5)}`;
    // A spine guarantees the depth; the rest hang off random units no deeper than depth + 4.
    let parent: number | null = null;
    if (i > 0 && i < o.depth) parent = i - 1;
    else if (i > 0) {
      do parent = rnd.int(i);
      while (level[parent] >= o.depth + 3);
    }
    level.push(parent === null ? 0 : level[parent] + 1);
    unitIds.push(id);
    units.set(id, { businessunitid: id, name: `Unit ${pad(i, 5)}`, parentbusinessunitid: parent === null ? null : unitIds[parent], isdisabled: false });
  }

  const users = new Map<Id, SystemUser>();
  const userIds: Id[] = [];
  for (let i = 0; i < o.users; i++) {
    const id = `u-${pad(i, 6)}`;
    const unit = unitIds[rnd.int(nUnits)];
    // Managers are earlier users, so the chain has no cycle.
    const manager = i > 0 && rnd.next() < 0.8 ? userIds[rnd.int(i)] : null;
    userIds.push(id);
    users.set(id, { systemuserid: id, fullname: `User ${pad(i, 6)}`, domainname: `user${i}@synthetic.example`, internalemailaddress: null, businessunitid: unit, parentsystemuserid: manager, isdisabled: rnd.next() < 0.01 });
  }

  const teams = new Map<Id, Team>();
  unitIds.forEach((u, i) => {
    const id = `dt-${pad(i, 5)}`;
    teams.set(id, { teamid: id, name: units.get(u)!.name, teamtype: 0, businessunitid: u, administratorid: null, isdefault: true });
  });
  const teamIds: Id[] = [];
  const membership = new Map<string, TeamMembership>();
  for (let i = 0; i < o.teams; i++) {
    const id = `t-${pad(i, 5)}`;
    const r = rnd.next();
    const teamtype = r < 0.7 ? 0 : r < 0.9 ? 1 : r < 0.95 ? 2 : 3;
    teamIds.push(id);
    teams.set(id, { teamid: id, name: `Team ${pad(i, 5)}`, teamtype, businessunitid: unitIds[rnd.int(nUnits)], administratorid: userIds.length ? userIds[rnd.int(userIds.length)] : null, isdefault: false });
    const size = userIds.length ? 1 + rnd.int(2 * o.teamMembers - 1) : 0;
    for (let k = 0; k < size; k++) {
      const u = userIds[rnd.int(userIds.length)];
      membership.set(pairKey(id, u), { teamid: id, systemuserid: u });
    }
  }

  // Entities: the catalog's user-owned tables first, then custom tables if more are asked for.
  const entities = new Map<string, CustomEntity>();
  // The benchmarks' organization keeps its shape as the catalog grows: the first o.entities tables.
  const builtinTables = [...BUILTIN_CATALOG.entities.values()].slice(0, o.entities);
  for (let i = builtinTables.length; i < o.entities; i++) {
    const name = `new_table${pad(i, 3)}`;
    entities.set(name, { logicalname: name, displayname: `Table ${i}`, ownership: 'UserOwned' });
  }
  const tables = [
    ...builtinTables.map((e) => ({ name: e.logicalname, privilegename: e.privilegename, userOwned: e.ownership === 'UserOwned', rights: e.rights })),
    ...[...entities.values()].map((e) => ({ name: e.logicalname, privilegename: e.logicalname, userOwned: true, rights: ['Create', 'Read', 'Write', 'Delete', 'Append', 'AppendTo', 'Assign', 'Share'] as const })),
  ].slice(0, Math.max(o.entities, builtinTables.length));

  const roles = new Map<Id, Role>();
  const roleIds: Id[] = [];
  const shallowUnits = unitIds.filter((_, i) => level[i] <= 1);
  for (let i = 0; i < o.roles; i++) {
    const id = `r-${pad(i, 4)}`;
    const privileges: Record<string, Depth> = {};
    const count = 10 + rnd.int(30);
    for (let k = 0; k < count; k++) {
      const t = tables[(i * 7 + k) % tables.length];
      for (const right of t.rights) {
        if (rnd.next() < 0.3) continue;
        privileges[`prv${right}${t.privilegename}`] = t.userOwned ? DEPTHS[rnd.int(4)] : 'Global';
      }
    }
    if (i === 0) privileges.prvReadAccount = 'Local';
    roleIds.push(id);
    roles.set(id, { roleid: id, name: `Role ${pad(i, 4)}`, businessunitid: i < o.roles * 0.9 ? unitIds[0] : rnd.pick(shallowUnits), isinherited: rnd.next() < 0.8 ? 1 : 0, privileges });
  }
  const isAncestorOrSelf = (anc: Id, u: Id) => {
    for (let cur: Id | null = u; cur !== null; cur = units.get(cur)!.parentbusinessunitid) if (cur === anc) return true;
    return false;
  };

  const systemuserroles = new Map<string, SystemUserRole>();
  userIds.forEach((u, i) => {
    const unit = users.get(u)!.businessunitid;
    if (roleIds.length && i < o.popularRoleHolders) systemuserroles.set(assignmentKey(u, roleIds[0], null), { systemuserid: u, roleid: roleIds[0], businessunitid: null });
    const n = 1 + rnd.int(3);
    for (let k = 0; k < n && roleIds.length > 1; k++) {
      const r = roleIds[1 + rnd.int(roleIds.length - 1)];
      if (isAncestorOrSelf(roles.get(r)!.businessunitid, unit)) systemuserroles.set(assignmentKey(u, r, null), { systemuserid: u, roleid: r, businessunitid: null });
    }
  });
  const teamroles = new Map<string, TeamRole>();
  for (const t of teamIds) {
    const team = teams.get(t)!;
    if (team.teamtype === 1 || rnd.next() < 0.5 || roleIds.length < 2) continue;
    const r = roleIds[1 + rnd.int(roleIds.length - 1)];
    if (isAncestorOrSelf(roles.get(r)!.businessunitid, team.businessunitid)) teamroles.set(assignmentKey(t, r, null), { teamid: t, roleid: r, businessunitid: null });
  }

  const recordTables = tables.filter((t) => t.userOwned).map((t) => t.name);
  const ownerTeams = teamIds.filter((t) => teams.get(t)!.teamtype !== 1);
  const records = new Map<Id, DataRecord>();
  const recordIds = new Array<Id>(o.records);
  for (let i = 0; i < o.records; i++) {
    const id = `rec-${pad(i, 7)}`;
    recordIds[i] = id;
    const owner = ownerTeams.length && rnd.next() < 0.1 ? ownerTeams[rnd.int(ownerTeams.length)] : userIds[rnd.int(userIds.length)];
    // Skewed towards the first tables, as real organizations have far more accounts than quotes.
    const entity = recordTables[Math.floor(recordTables.length * rnd.next() ** 2)];
    records.set(id, { recordid: id, entity, name: null, ownerid: owner });
  }
  const shares = new Map<string, Share>();
  const principals = [...userIds, ...teamIds];
  const masks = [R.Read, R.Read | R.Write, R.Read | R.Write | R.Append | R.AppendTo, R.Read | R.Share | R.Assign];
  for (let i = 0; i < o.shares && recordIds.length && principals.length; i++) {
    const rec = recordIds[rnd.int(recordIds.length)];
    const who = principals[rnd.int(principals.length)];
    shares.set(pairKey(rec, who), { recordid: rec, principalid: who, accessrightsmask: masks[rnd.int(masks.length)] });
  }

  return {
    organization: { name: 'Synthetic', hierarchysecurity: { enabled: false, depth: 3 } },
    entities,
    businessunits: units,
    systemusers: users,
    teams,
    teammembership: membership,
    roles,
    systemuserroles,
    teamroles,
    fieldsecurityprofiles: new Map(),
    systemuserprofiles: new Map(),
    teamprofiles: new Map(),
    records,
    recordcounts: new Map(),
    shares,
  };
}
