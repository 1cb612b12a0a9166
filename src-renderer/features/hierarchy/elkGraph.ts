import type { ElkNode } from 'elkjs/lib/elk-api.js';

/** One drawn unit as the layout sees it: its id and its parent's (null when its parent is not drawn). */
export interface LayoutUnit {
  readonly id: string;
  readonly parent: string | null;
}

export interface LayoutRequest {
  readonly seq: number;
  readonly units: readonly LayoutUnit[];
  readonly width: number;
  readonly height: number;
}

/** Positions in the order of the request's units. */
export interface LayoutAnswer {
  readonly seq: number;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly error?: string;
}

/** ELK's layered layout of the drawn units, parents above children (shared by the worker and the fallback). */
export function elkGraphOf(units: readonly LayoutUnit[], width: number, height: number): ElkNode {
  const ids = new Set(units.map((u) => u.id));
  return {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.spacing.nodeNode': '18',
      'elk.layered.spacing.nodeNodeBetweenLayers': '46',
      // Keeps siblings in name order; ELK's model-order pass costs ~10x on the whole 2,000-unit tree.
      ...(units.length <= 300 ? { 'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES' } : {}),
    },
    children: units.map((u) => ({ id: u.id, width, height })),
    edges: units.filter((u) => u.parent !== null && ids.has(u.parent)).map((u) => ({ id: `e-${u.id}`, sources: [u.parent!], targets: [u.id] })),
  };
}

/** The answer's arrays from ELK's laid-out graph, in the order of `units`. */
export function positionsOf(seq: number, units: readonly LayoutUnit[], graph: ElkNode): LayoutAnswer {
  const at = new Map<string, ElkNode>();
  for (const c of graph.children ?? []) at.set(c.id, c);
  const x = new Float64Array(units.length);
  const y = new Float64Array(units.length);
  units.forEach((u, i) => {
    const c = at.get(u.id);
    x[i] = c?.x ?? 0;
    y[i] = c?.y ?? 0;
  });
  return { seq, x, y };
}
