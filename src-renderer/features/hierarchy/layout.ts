import ELK from 'elkjs/lib/elk.bundled.js';
import type { GraphUnit } from '../../store';

export const NODE_WIDTH = 210;
export const NODE_HEIGHT = 76;

/** One ELK for the window: its bundled build runs on the page's thread, without a worker or eval. */
let elk: InstanceType<typeof ELK> | null = null;

/**
 * Positions for the drawn units: ELK's layered layout, parents above children. Only the drawn
 * units are laid out, so a 2,000-unit tree opened on its top levels lays out in milliseconds.
 */
export async function layoutUnits(units: readonly GraphUnit[]): Promise<Map<string, { x: number; y: number }>> {
  elk ??= new ELK();
  const ids = new Set(units.map((u) => u.businessunitid));
  const graph = await elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.spacing.nodeNode': '18',
      'elk.layered.spacing.nodeNodeBetweenLayers': '46',
      // Keeps siblings in name order; ELK's model-order pass costs ~10x on the whole 2,000-unit tree.
      ...(units.length <= 300 ? { 'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES' } : {}),
    },
    children: units.map((u) => ({ id: u.businessunitid, width: NODE_WIDTH, height: NODE_HEIGHT })),
    edges: units
      .filter((u) => u.parentbusinessunitid !== null && ids.has(u.parentbusinessunitid))
      .map((u) => ({ id: `e-${u.businessunitid}`, sources: [u.parentbusinessunitid!], targets: [u.businessunitid] })),
  });
  const out = new Map<string, { x: number; y: number }>();
  for (const c of graph.children ?? []) out.set(c.id, { x: c.x ?? 0, y: c.y ?? 0 });
  return out;
}
