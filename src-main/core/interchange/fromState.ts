import { ORG_FORMAT, type OrgFile } from './schema';
import type { OrgState } from '../model/org';

/** The interchange form of a state. Default-team memberships are derived, so they are not written. */
export function toInterchange(s: OrgState): OrgFile {
  return {
    format: ORG_FORMAT,
    organization: { name: s.organization.name, hierarchysecurity: { ...s.organization.hierarchysecurity } },
    ...(s.entities.size ? { entities: [...s.entities.values()].map((e) => ({ ...e })) } : {}),
    businessunits: [...s.businessunits.values()].map((b) => ({ ...b })),
    systemusers: [...s.systemusers.values()].map((u) => ({ ...u })),
    teams: [...s.teams.values()].map((t) => ({ ...t })),
    teammembership: [...s.teammembership.values()].map((m) => ({ ...m })),
    roles: [...s.roles.values()].map((r) => ({ ...r, privileges: { ...r.privileges } })),
    systemuserroles: [...s.systemuserroles.values()].map((a) => ({ ...a })),
    teamroles: [...s.teamroles.values()].map((a) => ({ ...a })),
    fieldsecurityprofiles: [...s.fieldsecurityprofiles.values()].map((p) => ({ ...p, fieldpermissions: p.fieldpermissions.map((f) => ({ ...f })) })),
    systemuserprofiles: [...s.systemuserprofiles.values()].map((a) => ({ ...a })),
    teamprofiles: [...s.teamprofiles.values()].map((a) => ({ ...a })),
    records: [...s.records.values()].map((r) => {
      const owner = s.systemusers.get(r.ownerid) ?? s.teams.get(r.ownerid);
      return { ...r, owningbusinessunit: owner!.businessunitid };
    }),
    ...(s.recordcounts.size ? { recordcounts: [...s.recordcounts.values()].map((c) => ({ ...c })) } : {}),
    shares: [...s.shares.values()].map((x) => ({ ...x })),
  };
}
