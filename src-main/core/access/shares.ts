import { ACCESS_RIGHT_MASK, type AccessRight } from '../model/accessRights';
import type { Id } from '../model/org';
import type { OwnerMaps } from './owners';
import { hasItem, type Principals } from './principals';
import type { RecordIndex, ShareIndex } from './recordIndex';
import type { Grant } from './subject';

/**
 * Records shared (principalobjectaccess) with a user or a team reach them for the rights in the
 * share's accessrightsmask, whatever the depth the privilege is held at, as Basic does.
 */

/**
 * Each record of entity `ent` shared for `right` with any of `principals`, once, unless `counted`
 * says its owner or unit is reached already.
 */
export function forEachSharedRecord(
  shares: ShareIndex,
  records: RecordIndex,
  owners: OwnerMaps,
  principals: readonly Id[],
  ent: number,
  right: AccessRight,
  counted: (owner: number, unit: number) => boolean,
  visit: (rec: number, unit: number) => void,
): void {
  const bit = ACCESS_RIGHT_MASK[right];
  let seen: Set<number> | undefined;
  for (const id of principals) {
    const list = shares.byPrincipal.get(id);
    if (!list) continue;
    for (let k = 0; k < list.records.length; k++) {
      const rec = list.records[k];
      if (!(list.masks[k] & bit) || records.entity[rec] !== ent) continue;
      const o = records.owner[rec];
      const unit = owners.unit[o];
      if (unit < 0 || counted(o, unit)) continue;
      seen ??= new Set();
      if (seen.has(rec)) continue;
      seen.add(rec);
      visit(rec, unit);
    }
  }
}

/** The shares of one record through which grant `g` of user `u` reaches it for `right`. */
export function sharesReaching(shares: ShareIndex, p: Principals, rec: number, u: number, g: Grant, right: AccessRight): { sharedwith: Id; accessrightsmask: number }[] {
  const bit = ACCESS_RIGHT_MASK[right];
  const out: { sharedwith: Id; accessrightsmask: number }[] = [];
  for (const s of shares.byRecord.get(rec) ?? []) {
    if (!(s.accessrightsmask & bit)) continue;
    const toUser = s.principalid === p.userIds[u];
    const team = p.teamIndex.get(s.principalid);
    const toTeam = team !== undefined && (g.userContext ? hasItem(p.userTeams, u, team) : team === g.team);
    if ((toUser && g.userContext) || toTeam) out.push({ sharedwith: s.principalid, accessrightsmask: s.accessrightsmask });
  }
  return out;
}
