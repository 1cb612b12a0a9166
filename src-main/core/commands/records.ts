import type { CommandOf } from './schema';
import type { Draft } from './draft';
import { refuse, requireNewId, type HandlerContext, type Outcome } from './context';
import { pairKey, type DataRecord, type Id, type RecordCount } from '../model/org';
import { ACCESS_RIGHT_MASK, SHAREABLE_MASK, rightsInMask } from '../model/accessRights';
import type { Refusal } from '../result';

/** Users and owner or Entra group teams can own records; access teams cannot. */
export function ownerProblem(d: Draft, ownerid: Id, field = 'ownerid'): Refusal | null {
  if (d.get('systemusers', ownerid)) return null;
  const team = d.get('teams', ownerid);
  if (!team) return refuse('not-found', `owner ${ownerid} is neither a user nor a team`, field);
  if (team.teamtype === 1) return refuse('access-team', `team ${team.name} is an access team; access teams cannot own records`, field);
  return null;
}

function recordOrRefusal(d: Draft, id: Id): DataRecord | Refusal {
  return d.get('records', id) ?? refuse('not-found', `record ${id} does not exist`, 'recordid');
}

export function createRecord(d: Draft, c: CommandOf<'createRecord'>, ctx: HandlerContext): Outcome {
  const bad = requireNewId(d, c.recordid, 'recordid');
  if (bad) return bad;
  const entity = ctx.catalog.entities.get(c.entity);
  if (!entity) return refuse('not-found', `unknown table "${c.entity}"`, 'entity');
  if (entity.ownership !== 'UserOwned') return refuse('organization-owned', `${c.entity} is organization-owned; its records have no owner to preview access by`, 'entity');
  const owner = ownerProblem(d, c.ownerid);
  if (owner) return owner;
  d.put('records', c.recordid!, { recordid: c.recordid!, entity: c.entity, name: c.name ?? null, ownerid: c.ownerid });
  return `Created ${c.entity} record ${c.name ?? c.recordid}`;
}

export function assignRecord(d: Draft, c: CommandOf<'assignRecord'>): Outcome {
  const rec = recordOrRefusal(d, c.recordid);
  if ('code' in rec) return rec;
  const owner = ownerProblem(d, c.ownerid);
  if (owner) return owner;
  if (rec.ownerid === c.ownerid) return `Record ${rec.name ?? rec.recordid} is already owned by ${c.ownerid}`;
  d.put('records', rec.recordid, { ...rec, ownerid: c.ownerid });
  return `Assigned ${rec.entity} record ${rec.name ?? rec.recordid} to ${d.get('systemusers', c.ownerid)?.fullname ?? d.get('teams', c.ownerid)?.name}`;
}

export function deleteRecord(d: Draft, c: CommandOf<'deleteRecord'>): Outcome {
  const rec = recordOrRefusal(d, c.recordid);
  if ('code' in rec) return rec;
  for (const [key, s] of d.table('shares')) if (s.recordid === rec.recordid) d.delete('shares', key);
  d.delete('records', rec.recordid);
  return `Deleted ${rec.entity} record ${rec.name ?? rec.recordid}`;
}

export function shareRecord(d: Draft, c: CommandOf<'shareRecord'>): Outcome {
  const rec = recordOrRefusal(d, c.recordid);
  if ('code' in rec) return rec;
  const principal = d.get('systemusers', c.principalid)?.fullname ?? (d.get('teams', c.principalid) ? `team ${d.get('teams', c.principalid)!.name}` : null);
  if (!principal) return refuse('not-found', `principal ${c.principalid} is neither a user nor a team`, 'principalid');
  if (c.accessrightsmask & ~SHAREABLE_MASK) {
    const extra = c.accessrightsmask & ~SHAREABLE_MASK;
    const why = extra & ACCESS_RIGHT_MASK.Create ? 'CreateAccess (32) cannot be shared' : `unknown AccessRights bits ${extra}`;
    return refuse('invalid-mask', `accessrightsmask ${c.accessrightsmask}: ${why}`, 'accessrightsmask');
  }
  const key = pairKey(rec.recordid, c.principalid);
  const before = d.get('shares', key);
  if (before?.accessrightsmask === c.accessrightsmask) return `Record already shared with ${principal} with these rights`;
  d.put('shares', key, { recordid: rec.recordid, principalid: c.principalid, accessrightsmask: c.accessrightsmask });
  return `Shared ${rec.entity} record ${rec.name ?? rec.recordid} with ${principal}: ${rightsInMask(c.accessrightsmask).join(', ')}`;
}

export function unshareRecord(d: Draft, c: CommandOf<'unshareRecord'>): Outcome {
  const key = pairKey(c.recordid, c.principalid);
  if (!d.get('shares', key)) return refuse('not-found', `record ${c.recordid} is not shared with ${c.principalid}`, 'principalid');
  d.delete('shares', key);
  return `Revoked the share of record ${c.recordid} with ${c.principalid}`;
}

export function setRecordCounts(d: Draft, c: CommandOf<'setRecordCounts'>, ctx: HandlerContext): Outcome {
  const entity = ctx.catalog.entities.get(c.entity);
  if (!entity) return refuse('not-found', `unknown table "${c.entity}"`, 'entity');
  if (entity.ownership !== 'UserOwned') return refuse('organization-owned', `${c.entity} is organization-owned; its records have no owner to count them by`, 'entity');
  const next = new Map<string, RecordCount>();
  for (let i = 0; i < c.counts.length; i++) {
    const row = c.counts[i];
    const owner = ownerProblem(d, row.ownerid, `counts[${i}].ownerid`);
    if (owner) return owner;
    if (!d.get('businessunits', row.owningbusinessunit)) return refuse('not-found', `business unit ${row.owningbusinessunit} does not exist`, `counts[${i}].owningbusinessunit`);
    const key = pairKey(c.entity, row.ownerid);
    if (next.has(key)) return refuse('duplicate', `owner ${row.ownerid} is counted twice`, `counts[${i}].ownerid`);
    if (row.count > 0) next.set(key, { entity: c.entity, ownerid: row.ownerid, owningbusinessunit: row.owningbusinessunit, count: row.count });
  }
  let before = 0;
  for (const [key, r] of d.table('recordcounts')) {
    if (r.entity !== c.entity) continue;
    before += r.count;
    const now = next.get(key);
    if (!now) d.delete('recordcounts', key);
  }
  for (const [key, r] of next) {
    const old = d.get('recordcounts', key);
    if (!old || old.count !== r.count || old.owningbusinessunit !== r.owningbusinessunit) d.put('recordcounts', key, r);
  }
  let total = 0;
  for (const r of next.values()) total += r.count;
  if (!d.changes.length) return `The counts of ${c.entity} records are unchanged (${total.toLocaleString('en-US')})`;
  return `Counted ${total.toLocaleString('en-US')} ${c.entity} record(s) over ${next.size} owner(s) (was ${before.toLocaleString('en-US')})`;
}
