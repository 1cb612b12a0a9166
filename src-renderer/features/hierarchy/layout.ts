import type { GraphUnit } from '../../store';
import { elkGraphOf, positionsOf, type LayoutAnswer, type LayoutRequest, type LayoutUnit } from './elkGraph';

export const NODE_WIDTH = 230;
export const NODE_HEIGHT = 96;

/** Where each drawn unit goes; `stacked` for a leaf listed in its parent's column (its edge comes in from the left). */
export type Positions = ReadonlyMap<string, { x: number; y: number; stacked: boolean }>;

/** Layouts already made, by the drawn set (which units, hanging where): opening and closing again is instant. */
const cache = new Map<string, Positions>();
const CACHED = 24;

let worker: Worker | null = null;
let seq = 0;
const waiting = new Map<number, (a: LayoutAnswer) => void>();

function layoutWorker(): Worker | null {
  if (typeof Worker === 'undefined') return null;
  if (!worker) {
    worker = new Worker(new URL('./layout.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (e: MessageEvent<LayoutAnswer>) => {
      waiting.get(e.data.seq)?.(e.data);
      waiting.delete(e.data.seq);
    };
  }
  return worker;
}

/** The key of a drawn set: the units and where each hangs. */
export const layoutKeyOf = (units: readonly GraphUnit[]) => units.map((u) => `${u.businessunitid}<${u.parentbusinessunitid ?? ''}`).join('|');

/**
 * Positions for the drawn units: ELK's layered layout, parents above children, computed in a web
 * worker so the window stays responsive, and cached per drawn set. Where workers are missing
 * (tests in jsdom) ELK runs on the page's thread.
 */
export async function layoutUnits(units: readonly GraphUnit[], key = layoutKeyOf(units)): Promise<Positions> {
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const ids = new Set(units.map((u) => u.businessunitid));
  const request: LayoutRequest = {
    seq: ++seq,
    units: units.map((u): LayoutUnit => ({ id: u.businessunitid, parent: u.parentbusinessunitid !== null && ids.has(u.parentbusinessunitid) ? u.parentbusinessunitid : null })),
    width: NODE_WIDTH,
    height: NODE_HEIGHT,
  };
  const w = layoutWorker();
  const answer = w
    ? await new Promise<LayoutAnswer>((resolve) => {
        waiting.set(request.seq, resolve);
        w.postMessage(request);
      })
    : await inThread(request);
  if (answer.error) throw new Error(answer.error);
  const out = new Map<string, { x: number; y: number; stacked: boolean }>();
  request.units.forEach((u, i) => out.set(u.id, { x: answer.x[i], y: answer.y[i], stacked: answer.stacked[i] === 1 }));
  cache.set(key, out);
  if (cache.size > CACHED) cache.delete(cache.keys().next().value!);
  return out;
}

async function inThread(request: LayoutRequest): Promise<LayoutAnswer> {
  const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
  const graph = await new ELK().layout(elkGraphOf(request.units, request.width, request.height));
  return positionsOf(request.seq, request.units, graph, request.height);
}
