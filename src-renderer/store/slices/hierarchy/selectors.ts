import type { HierarchyUnitDto, OverlayDto, StagedUnitsDto, UnitColumnsDto } from '../../../../src-main/bridge/channels/hierarchy';
import type { Depth } from '../../../api';
import type { AppStore } from '../../index';

export const hierarchySelectors = {
  units: (s: AppStore) => s.hierarchyUnits,
  unitIndex: (s: AppStore) => s.hierarchyIndex,
  entities: (s: AppStore) => s.graphEntities,
  paths: (s: AppStore) => s.graphPaths,
  pathsFor: (s: AppStore) => s.graphPathsFor,
  expanded: (s: AppStore) => s.graphExpanded,
  selected: (s: AppStore) => s.graphSelected,
  members: (s: AppStore) => s.graphMembers,
  overlayQuery: (s: AppStore) => s.overlayQuery,
  overlay: (s: AppStore) => s.overlay,
  overlayFor: (s: AppStore) => s.overlayFor,
  overlayError: (s: AppStore) => s.overlayError,
  showAfter: (s: AppStore) => s.graphShowAfter,
  graphRoot: (s: AppStore) => s.graphRoot,
  overviewFocus: (s: AppStore) => s.overviewFocus,
  overviewSize: (s: AppStore) => s.overviewSize,
  overviewColour: (s: AppStore) => s.overviewColour,
  stagedUnits: (s: AppStore) => s.stagedUnits,
};

/** A subtree this small opens whole in the detailed graph; a bigger one opens on its top levels. */
export const OPEN_WHOLE_SUBTREE = 300;

/**
 * The tree indexed once per revision: a unit's position by id, its parent's position, and where
 * its subtree ends. `units` is in tree order (a depth-first walk), so a unit's subtree is the run
 * [i, end[i]) that follows it (the Euler tour's entry and exit): ancestors, subtrees and "is below"
 * are answered without a pass over the whole tree.
 */
export interface UnitIndex {
  readonly units: readonly HierarchyUnitDto[];
  readonly at: ReadonlyMap<string, number>;
  /** The parent's position, -1 for a top unit. */
  readonly parent: Int32Array;
  /** One past the last unit of the subtree. */
  readonly end: Int32Array;
}

/** Units from the bridge's columns, and their index. */
export function decodeUnits(c: UnitColumnsDto): UnitIndex {
  const n = c.count;
  const units = new Array<HierarchyUnitDto>(n);
  const parent = new Int32Array(n);
  const at = new Map<string, number>();
  let id0 = 0;
  let name0 = 0;
  for (let i = 0; i < n; i++) {
    const p = c.parents[i];
    parent[i] = p;
    const id = c.ids.slice(id0, (id0 = c.idEnds[i]));
    at.set(id, i);
    units[i] = { businessunitid: id, name: c.names.slice(name0, (name0 = c.nameEnds[i])), parentbusinessunitid: p >= 0 ? units[p].businessunitid : null, isdisabled: c.disabled[i] === 1, users: c.users[i], teams: c.teams[i], records: c.records[i] };
  }
  return indexOf(units, parent, at);
}

/** The index of units in tree order (parents before children, each subtree contiguous). */
export function indexUnits(units: readonly HierarchyUnitDto[]): UnitIndex {
  const at = new Map<string, number>();
  const parent = new Int32Array(units.length);
  units.forEach((u, i) => {
    at.set(u.businessunitid, i);
    parent[i] = u.parentbusinessunitid !== null ? (at.get(u.parentbusinessunitid) ?? -1) : -1;
  });
  return indexOf(units, parent, at);
}

function indexOf(units: readonly HierarchyUnitDto[], parent: Int32Array, known?: Map<string, number>): UnitIndex {
  const n = units.length;
  const at = known ?? new Map(units.map((u, i) => [u.businessunitid, i]));
  const end = new Int32Array(n);
  for (let i = 0; i < n; i++) end[i] = i + 1;
  // Backwards, a child's subtree is complete before its parent's is widened to cover it.
  for (let i = n - 1; i >= 0; i--) if (parent[i] >= 0 && end[i] > end[parent[i]]) end[parent[i]] = end[i];
  return { units, at, parent, end };
}

/** The unit and every unit below it, in tree order. */
export function subtreeOf(index: UnitIndex, rootId: string): readonly HierarchyUnitDto[] {
  const i = index.at.get(rootId);
  return i === undefined ? [] : index.units.slice(i, index.end[i]);
}

/** Whether `id` is `ancestor` or lies below it. */
export function isWithin(index: UnitIndex, id: string, ancestor: string): boolean {
  const i = index.at.get(id);
  const a = index.at.get(ancestor);
  return i !== undefined && a !== undefined && i >= a && i < index.end[a];
}

/** How many levels of a subtree the graph opens by default: all of a small one, the top ones of a big one. */
export const openDepthFor = (subtreeUnits: number) => (subtreeUnits <= OPEN_WHOLE_SUBTREE ? Infinity : DEFAULT_OPEN_DEPTH);

/** What a cell of the overview shows: a depth (depth colouring) or a change (diff colouring). */
export type CellColour = Depth | 'None' | 'gains' | 'loses' | 'both' | 'same';

const RANK: Record<string, number> = { Basic: 1, Local: 2, Deep: 3, Global: 4 };

/**
 * The overview's colour per unit id. Depth: the overlay's depth (the staged one when shown).
 * Diff for the principal: gains or loses where its depth or records there change. Diff for any
 * user: where some user gains, loses, or both (hierarchy:stagedUnits). Units not listed are None
 * (depth) or same (diff).
 */
export function cellColours(mode: 'depth' | 'diff-principal' | 'diff-any', colours: ReadonlyMap<string, UnitColour>, showAfter: boolean, staged: StagedUnitsDto | null): Map<string, CellColour> {
  const out = new Map<string, CellColour>();
  if (mode === 'depth') {
    for (const [id, c] of colours) {
      const d = c.after && showAfter ? c.after.depth : c.depth;
      if (d) out.set(id, d);
    }
    return out;
  }
  if (mode === 'diff-principal') {
    for (const [id, c] of colours) if (c.after) out.set(id, changeOf(c));
    return out;
  }
  for (const u of staged?.units ?? []) out.set(u.businessunitid, u.gain && u.lose ? 'both' : u.gain ? 'gains' : 'loses');
  return out;
}

/** Whether a unit's overlay rises or falls with the staged set: depth first, then records. */
export function changeOf(c: UnitColour): 'gains' | 'loses' | 'same' {
  if (!c.after) return 'same';
  const a = RANK[c.after.depth ?? ''] ?? 0;
  const b = RANK[c.depth ?? ''] ?? 0;
  if (a !== b) return a > b ? 'gains' : 'loses';
  if (c.after.records !== c.records) return c.after.records > c.records ? 'gains' : 'loses';
  return 'same';
}

/** Units below this level start closed: a 2,000-unit tree opens on its top three levels. */
export const DEFAULT_OPEN_DEPTH = 2;

/** Ids from the unit's parent up to the root. */
export function ancestorsOf(index: UnitIndex, id: string): string[] {
  const out: string[] = [];
  const i = index.at.get(id);
  if (i === undefined) return out;
  for (let p = index.parent[i]; p >= 0; p = index.parent[p]) out.push(index.units[p].businessunitid);
  return out;
}

export interface GraphUnit extends HierarchyUnitDto {
  readonly depth: number;
  /** Units directly below, drawn or not. */
  readonly children: number;
  /** All units in the subtree below, for the "+N" of a closed unit. */
  readonly descendants: number;
  readonly open: boolean;
}

/**
 * The units the graph draws: every unit whose ancestors are all open. A unit is open when the
 * admin opened it, or by default when it lies above DEFAULT_OPEN_DEPTH. `units` is in tree order.
 */
export function graphUnits(units: readonly HierarchyUnitDto[], graphExpanded: Readonly<Record<string, boolean>>, openDepth = DEFAULT_OPEN_DEPTH): GraphUnit[] {
  const depth = new Map<string, number>();
  const children = new Map<string, number>();
  for (const u of units) {
    const d = u.parentbusinessunitid !== null && depth.has(u.parentbusinessunitid) ? depth.get(u.parentbusinessunitid)! + 1 : 0;
    depth.set(u.businessunitid, d);
    if (u.parentbusinessunitid !== null) children.set(u.parentbusinessunitid, (children.get(u.parentbusinessunitid) ?? 0) + 1);
  }
  // Tree order puts a subtree right after its root, so descendants are counted backwards.
  const descendants = new Map<string, number>();
  for (let i = units.length - 1; i >= 0; i--) {
    const u = units[i];
    const mine = descendants.get(u.businessunitid) ?? 0;
    if (u.parentbusinessunitid !== null) descendants.set(u.parentbusinessunitid, (descendants.get(u.parentbusinessunitid) ?? 0) + mine + 1);
  }
  const shown = new Set<string>();
  const open = new Set<string>();
  const out: GraphUnit[] = [];
  for (const u of units) {
    const d = depth.get(u.businessunitid)!;
    const p = u.parentbusinessunitid;
    if (p !== null && depth.has(p) && !(shown.has(p) && open.has(p))) continue;
    shown.add(u.businessunitid);
    const isOpen = graphExpanded[u.businessunitid] ?? d < openDepth;
    if (isOpen) open.add(u.businessunitid);
    out.push({ ...u, depth: d, children: children.get(u.businessunitid) ?? 0, descendants: descendants.get(u.businessunitid) ?? 0, open: isOpen });
  }
  return out;
}

export interface UnitColour {
  readonly depth: Depth | null;
  readonly records: number;
  /** Set when the staged set changes the unit's depth or records. */
  readonly after?: { readonly depth: Depth | null; readonly records: number };
}

const DEPTH_AT: readonly (Depth | null)[] = [null, 'Basic', 'Local', 'Deep', 'Global'];

/** The overlay at the unit in position i (indexed like the units): undefined where nothing reaches it before or after. */
export function colourAt(overlay: OverlayDto | null, i: number): UnitColour | undefined {
  if (!overlay || i < 0 || i >= overlay.before.levels.length) return undefined;
  const depth = DEPTH_AT[overlay.before.levels[i]];
  const records = overlay.before.unitRecords[i];
  const a = overlay.after;
  if (a) {
    const ad = DEPTH_AT[a.levels[i]];
    const ar = a.unitRecords[i];
    if (ad !== depth || ar !== records) return { depth, records, after: { depth: ad, records: ar } };
  }
  return depth !== null || records ? { depth, records } : undefined;
}

/**
 * The overlay per unit id, committed depth and records and the staged ones where they differ, for
 * the units in positions [from, to) (all of them by default).
 */
export function coloursOf(overlay: OverlayDto | null, units: readonly HierarchyUnitDto[], from = 0, to = units.length): Map<string, UnitColour> {
  const out = new Map<string, UnitColour>();
  if (!overlay) return out;
  for (let i = from; i < to; i++) {
    const c = colourAt(overlay, i);
    if (c) out.set(units[i].businessunitid, c);
  }
  return out;
}
