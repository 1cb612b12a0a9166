import type { OrgSummaryDto } from '../bridge/contract';
import type { Id, OrgState } from '../core/model/org';
import { unitsInTreeOrder, usersByUnit } from './indexes';

/** What every screen's frame shows of the organization: counts, the units in tree order with their users, the roles with their holders. */
export function orgSummary(s: OrgState): OrgSummaryDto {
  const users = usersByUnit(s.systemusers);
  const holders = new Map<Id, Set<Id>>();
  const hold = (roleid: Id, principal: Id) => {
    let set = holders.get(roleid);
    if (!set) holders.set(roleid, (set = new Set()));
    set.add(principal);
  };
  for (const a of s.systemuserroles.values()) hold(a.roleid, a.systemuserid);
  for (const a of s.teamroles.values()) hold(a.roleid, a.teamid);

  return {
    name: s.organization.name,
    counts: {
      businessunits: s.businessunits.size,
      users: s.systemusers.size,
      teams: s.teams.size,
      roles: s.roles.size,
      records: s.records.size,
    },
    businessunits: unitsInTreeOrder(s.businessunits).map((bu) => ({
      businessunitid: bu.businessunitid,
      name: bu.name,
      parentbusinessunitid: bu.parentbusinessunitid,
      isdisabled: bu.isdisabled,
      users: users.get(bu.businessunitid)?.length ?? 0,
    })),
    roles: [...s.roles.values()].sort((a, b) => a.name.localeCompare(b.name)).map((r) => ({
      roleid: r.roleid,
      name: r.name,
      businessunitid: r.businessunitid,
      holders: holders.get(r.roleid)?.size ?? 0,
    })),
  };
}
