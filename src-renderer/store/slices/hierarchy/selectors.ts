import type { HierarchyUnitDto, OverlayDto, StagedUnitsDto } from '../../../../src-main/bridge/channels/hierarchy';
import type { Depth } from '../../../api';
import type { AppStore } from '../../index';

export const hierarchySelectors = {
  units: (s: AppStore) => s.hierarchyUnits,
  entities: (s: AppStore) => s.graphEntities,
  paths: (s: AppStore) => s.graphPaths,
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

/** The unit and every unit below it, in tree order (`units` is in tree order, so they follow it). */
export function subtreeOf(units: readonly HierarchyUnitDto[], rootId: string): HierarchyUnitDto[] {
  const start = units.findIndex((u) => u.businessunitid === rootId);
  if (start < 0) return [];
  const inside = new Set([rootId]);
  const out = [units[start]];
  for (let i = start + 1; i < units.length; i++) {
    const p = units[i].parentbusinessunitid;
    if (p === null || !inside.has(p)) break;
    inside.add(units[i].businessunitid);
    out.push(units[i]);
  }
  return out;
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
export function ancestorsOf(units: readonly HierarchyUnitDto[], id: string): string[] {
  const parent = new Map<string, string | null>();
  for (const u of units) parent.set(u.businessunitid, u.parentbusinessunitid);
  const out: string[] = [];
  const seen = new Set<string>([id]);
  for (let p = parent.get(id) ?? null; p !== null && parent.has(p) && !seen.has(p); p = parent.get(p) ?? null) {
    out.push(p);
    seen.add(p);
  }
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

/** The overlay per unit id: committed depth and records, and the staged ones where they differ. */
export function coloursOf(overlay: OverlayDto | null): Map<string, UnitColour> {
  const out = new Map<string, UnitColour>();
  if (!overlay) return out;
  for (const u of overlay.before.units) out.set(u.businessunitid, { depth: u.depth, records: u.records });
  if (!overlay.after) return out;
  const after = new Map(overlay.after.units.map((u) => [u.businessunitid, u]));
  const ids = new Set([...out.keys(), ...after.keys()]);
  for (const id of ids) {
    const b = out.get(id) ?? { depth: null, records: 0 };
    const a = after.get(id) ?? { depth: null, records: 0 };
    if (a.depth !== b.depth || a.records !== b.records) out.set(id, { depth: b.depth, records: b.records, after: { depth: a.depth, records: a.records } });
  }
  return out;
}
