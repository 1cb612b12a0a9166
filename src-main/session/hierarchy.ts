import { preview, type Preview } from '../core/access/preview';
import { catalogFor } from '../core/catalog/catalog';
import { recordIndexOf } from '../core/access/recordIndex';
import { unitChanges } from '../core/access/unitDiff';
import type { Staging } from './staging';
import type { ParsedRequestOf, ResponseOf } from '../bridge/contract';
import type { HierarchyUnitDto } from '../bridge/channels/hierarchy';
import type { AccessRight } from '../core/model/accessRights';
import { depthLevel, type Depth } from '../core/model/depth';
import type { Id, OrgState } from '../core/model/org';
import type { Result } from '../core/result';
import { byName, unitsInTreeOrder, usersByUnit } from './indexes';
import { NotFound } from './queries';

/** Every unit with its user and team counts, parents before children, siblings by name. */
export function hierarchyUnits(s: OrgState): HierarchyUnitDto[] {
  const users = usersByUnit(s.systemusers);
  const teams = new Map<Id, number>();
  for (const t of s.teams.values()) if (!t.isdefault) teams.set(t.businessunitid, (teams.get(t.businessunitid) ?? 0) + 1);
  const records = recordsPerUnit(s);
  return unitsInTreeOrder(s.businessunits).map((bu) => ({
    businessunitid: bu.businessunitid,
    name: bu.name,
    parentbusinessunitid: bu.parentbusinessunitid,
    isdisabled: bu.isdisabled,
    users: users.get(bu.businessunitid)?.length ?? 0,
    teams: teams.get(bu.businessunitid) ?? 0,
    records: records.get(bu.businessunitid) ?? 0,
  }));
}

/** Records per owning unit, counted ones included: a record's unit is its owner's (a user's or a team's). */
function recordsPerUnit(s: OrgState): Map<Id, number> {
  const index = recordIndexOf(s.records, s.recordcounts);
  const out = new Map<Id, number>();
  for (let o = 0; o < index.ownerIds.length; o++) {
    const ownerid = index.ownerIds[o];
    const unit = s.systemusers.get(ownerid)?.businessunitid ?? s.teams.get(ownerid)?.businessunitid;
    if (unit === undefined) continue;
    let n = 0;
    for (const counts of index.ownerCounts) n += counts[o] ?? 0;
    if (n) out.set(unit, (out.get(unit) ?? 0) + n);
  }
  return out;
}

/** Tables whose records have an owner (the overlay and Check access pick from these), by display name. */
export function ownedEntities(s: OrgState): ResponseOf<'hierarchy:units'>['entities'] {
  return [...catalogFor(s).entities.values()]
    .filter((e) => e.ownership === 'UserOwned')
    .map((e) => ({ logicalname: e.logicalname, displayname: e.displayname, rights: [...e.rights] }))
    .sort((a, b) => byName(a.displayname, b.displayname));
}

const MEMBERS_SHOWN = 500;

/** The users (first 500 by name) and teams of one unit, asked for when the unit is opened in the graph. */
export function unitMembers(s: OrgState, businessunitid: Id): ResponseOf<'hierarchy:members'> {
  const bu = s.businessunits.get(businessunitid);
  if (!bu) throw new NotFound('business unit', businessunitid);
  const all = usersByUnit(s.systemusers).get(businessunitid) ?? [];
  const users = [...all]
    .sort((a, b) => byName(a.fullname, b.fullname))
    .slice(0, MEMBERS_SHOWN)
    .map((u) => ({ systemuserid: u.systemuserid, fullname: u.fullname, isdisabled: u.isdisabled }));
  const teams = [...s.teams.values()]
    .filter((t) => t.businessunitid === businessunitid)
    .sort((a, b) => Number(b.isdefault) - Number(a.isdefault) || byName(a.name, b.name))
    .map((t) => ({ teamid: t.teamid, name: t.name, teamtype: t.teamtype, isdefault: t.isdefault }));
  return { businessunitid, totalusers: all.length, users, teams };
}

/** Whose reach, over which table and right. */
export type OverlayQuery = Omit<ParsedRequestOf<'hierarchy:overlay'>, 'staged'>;

export interface OverlayUnit {
  readonly businessunitid: Id;
  readonly depth: Depth | null;
  readonly records: number;
}

export interface OverlaySide {
  readonly depth: Depth | null;
  readonly records: number;
  /** Only units reached at some depth (the rest are None with no records). */
  readonly units: readonly OverlayUnit[];
}

export interface Overlay {
  readonly privilege: string;
  readonly before: OverlaySide;
  /** With the staged set applied, when there is one that applies (the graph shows the difference). */
  readonly after: OverlaySide | null;
}

function side(p: Preview): OverlaySide {
  const units: OverlayUnit[] = [];
  for (const id in p.businessunits) {
    const u = p.businessunits[id];
    if (u.depth !== null || u.records) units.push({ businessunitid: id, depth: u.depth, records: u.records });
  }
  return { depth: p.depth, records: p.records, units };
}

/**
 * The colours of the graph: for every unit, the deepest depth at which the principal reaches it
 * and the records of the entity reached there, from the core's preview(); with `after`, the same
 * over the staged state.
 */
export function overlay(before: OrgState, after: OrgState | null, q: OverlayQuery): Result<Overlay> {
  const b = preview(before, q.principal, q.entity, q.right);
  if (!b.ok) return b;
  if (!after) return { ok: true, value: { privilege: b.value.privilege, before: side(b.value), after: null } };
  const a = preview(after, q.principal, q.entity, q.right);
  // The principal may not exist after the staged set (a staged delete): nothing is reached then.
  return { ok: true, value: { privilege: b.value.privilege, before: side(b.value), after: a.ok ? side(a.value) : { depth: null, records: 0, units: [] } } };
}

/**
 * Where the staged set changes anyone's reach for one table and right: the users of the core's
 * diff() rows for it, compared unit by unit before and after (unitChanges). Empty with nothing
 * staged.
 */
export function stagedUnitChanges(committed: OrgState, staging: Staging, entity: string, right: AccessRight): Result<ResponseOf<'hierarchy:stagedUnits'>> {
  const d = staging.diff();
  if (!d.ok) return d;
  const after = staging.after();
  if (!after || !d.value.rows.length) return { ok: true, value: { users: 0, units: [] } };
  const users = new Set(d.value.rows.filter((r) => r.entity === entity && r.right === right).map((r) => r.systemuserid));
  return { ok: true, value: { users: users.size, units: users.size ? unitChanges(committed, after, users, entity, right) : [] } };
}

/** Every unit as parallel columns (index i is one unit, in tree order): what the overview is sent. */
type UnitColumns = ResponseOf<'hierarchy:units'>['units'];

const columnsCache = new WeakMap<OrgState, { columns: UnitColumns; index: Map<Id, number> }>();

/** hierarchyUnits() as columns, computed once per organization state (a revision). */
export function unitColumns(s: OrgState): { columns: UnitColumns; index: ReadonlyMap<Id, number> } {
  const hit = columnsCache.get(s);
  if (hit) return hit;
  const units = hierarchyUnits(s);
  const n = units.length;
  const index = new Map<Id, number>();
  const idEnds = new Int32Array(n);
  const nameEnds = new Int32Array(n);
  const parents = new Int32Array(n);
  const disabled = new Uint8Array(n);
  const users = new Int32Array(n);
  const teams = new Int32Array(n);
  const records = new Int32Array(n);
  let idLength = 0;
  let nameLength = 0;
  units.forEach((u, i) => {
    index.set(u.businessunitid, i);
    idEnds[i] = idLength += u.businessunitid.length;
    nameEnds[i] = nameLength += u.name.length;
    parents[i] = u.parentbusinessunitid !== null ? (index.get(u.parentbusinessunitid) ?? -1) : -1;
    disabled[i] = u.isdisabled ? 1 : 0;
    users[i] = u.users;
    teams[i] = u.teams;
    records[i] = u.records;
  });
  const columns: UnitColumns = { count: n, ids: units.map((u) => u.businessunitid).join(''), idEnds, names: units.map((u) => u.name).join(''), nameEnds, parents, disabled, users, teams, records };
  const out = { columns, index };
  columnsCache.set(s, out);
  return out;
}

type OverlayColumns = ResponseOf<'hierarchy:overlay'>;
type OverlayColumnsSide = OverlayColumns['before'];

/** overlay() indexed like unitColumns(committed): two typed arrays per side instead of an object per unit. */
export function overlayColumns(o: Overlay, index: ReadonlyMap<Id, number>): OverlayColumns {
  const side = (x: OverlaySide): OverlayColumnsSide => {
    const levels = new Uint8Array(index.size);
    const unitRecords = new Int32Array(index.size);
    for (const u of x.units) {
      const i = index.get(u.businessunitid);
      if (i === undefined) continue;
      levels[i] = depthLevel(u.depth);
      unitRecords[i] = u.records;
    }
    return { depth: x.depth, records: x.records, levels, unitRecords };
  };
  return { privilege: o.privilege, before: side(o.before), after: o.after ? side(o.after) : null };
}
