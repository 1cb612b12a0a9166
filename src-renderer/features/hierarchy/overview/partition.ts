import { hierarchy, partition, type HierarchyNode } from 'd3-hierarchy';
import type { HierarchyUnitDto } from '../../../../src-main/bridge/channels/hierarchy';
import type { CellSize } from '../../../store';


/**
 * One unit's cell of the icicle, in layout units: `x0..x1` across the breadth (the whole tree
 * spans 0..1), `level` its distance from the top unit (one column per level).
 */
export interface OverviewCell {
  readonly index: number;
  readonly id: string;
  readonly name: string;
  readonly level: number;
  readonly x0: number;
  readonly x1: number;
  /** Index of the parent cell, -1 for a top unit. */
  readonly parent: number;
  /** Units in the subtree, the unit itself included. */
  readonly size: number;
  readonly unit: HierarchyUnitDto;
}

export interface OverviewLayout {
  /** In tree order: a subtree follows its root, so a subtree is the range index..index+size-1. */
  readonly cells: readonly OverviewCell[];
  readonly byId: ReadonlyMap<string, number>;
  /** Columns: the deepest level + 1. */
  readonly levels: number;
}

interface Datum {
  readonly unit: HierarchyUnitDto | null;
  readonly children: Datum[];
}

/**
 * The icicle partition of the business-unit tree (d3-hierarchy's partition): every unit gets a
 * cell whose breadth is its subtree's share of users or records (CellSize: its own users, or the
 * records owned in it). Each unit weighs its own figure
 * plus one, so a unit without users or records keeps a sliver and every unit has a cell.
 * Units whose parent is missing hang at the top, next to the root.
 */
export function partitionUnits(units: readonly HierarchyUnitDto[], size: CellSize): OverviewLayout {
  const top: Datum = { unit: null, children: [] };
  const data = new Map<string, Datum>();
  for (const u of units) data.set(u.businessunitid, { unit: u, children: [] });
  for (const u of units) {
    const parent = u.parentbusinessunitid !== null ? data.get(u.parentbusinessunitid) : undefined;
    (parent ?? top).children.push(data.get(u.businessunitid)!);
  }
  const root = hierarchy<Datum>(top, (d) => d.children).sum((d) => (d.unit ? (size === 'users' ? d.unit.users : d.unit.records) + 1 : 0));
  partition<Datum>().size([1, root.height + 1])(root);

  const cells: OverviewCell[] = [];
  const byId = new Map<string, number>();
  let levels = 0;
  // Pre-order, children in the order given (siblings by name), so subtrees are contiguous.
  const visit = (node: HierarchyNode<Datum>, parent: number) => {
    const n = node as HierarchyNode<Datum> & { x0: number; x1: number };
    let index = parent;
    if (node.data.unit) {
      index = cells.length;
      const u = node.data.unit;
      const level = node.depth - 1;
      levels = Math.max(levels, level + 1);
      byId.set(u.businessunitid, index);
      cells.push({ index, id: u.businessunitid, name: u.name, level, x0: n.x0, x1: n.x1, parent, size: 0, unit: u });
    }
    for (const c of node.children ?? []) visit(c, index);
    if (node.data.unit) (cells[index] as { size: number }).size = cells.length - index;
  };
  // Recursion is as deep as the tree: a few dozen levels at most.
  visit(root, -1);
  return { cells, byId, levels };
}

/** The cell at a layout point (breadth 0..1, level), found by descending from the top units. */
export function cellAt(layout: OverviewLayout, x: number, level: number): number {
  const { cells } = layout;
  let i = 0;
  let parent = -1;
  while (i < cells.length) {
    const c = cells[i];
    if (c.parent !== parent) return -1;
    if (x >= c.x0 && x < c.x1) {
      if (c.level === level) return i;
      parent = i;
      i = i + 1;
      // The first child, if any, follows its parent directly.
      if (i >= cells.length || cells[i].parent !== parent) return -1;
      continue;
    }
    // The next sibling follows this one's subtree.
    i += c.size;
  }
  return -1;
}
