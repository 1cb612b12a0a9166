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

/**
 * Starts the layout worker and has ELK lay out a tiny graph there, off the window's thread, while
 * the overview is shown: the first detailed graph then skips loading and warming ELK up.
 */
export function warmLayout(): void {
  const w = worker ?? layoutWorker();
  if (!w || warmed) return;
  warmed = true;
  const units: LayoutUnit[] = [{ id: 'a', parent: null }, { id: 'b', parent: 'a' }, { id: 'c', parent: 'a' }];
  w.postMessage({ seq: ++seq, units, width: NODE_WIDTH, height: NODE_HEIGHT } satisfies LayoutRequest);
}
let warmed = false;

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

/** Zoom at which a unit's name and figures can be read, and the most a fit zooms in. */
const READABLE_ZOOM = 0.8;
const FIT_MAX_ZOOM = 1;
const FIT_PADDING = 24;

/**
 * The viewport that fits the drawn units in a pane of w × h: all of them when they fit at a
 * readable zoom (centred), else their top edge at the top of the pane and, across, the top unit
 * centred but never leaving empty space beside the drawing.
 */
export function viewportFitting(positions: Positions, top: { x: number; y: number }, w: number, h: number): { x: number; y: number; zoom: number } {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const p of positions.values()) {
    x0 = Math.min(x0, p.x);
    y0 = Math.min(y0, p.y);
    x1 = Math.max(x1, p.x + NODE_WIDTH);
    y1 = Math.max(y1, p.y + NODE_HEIGHT);
  }
  const pw = w - 2 * FIT_PADDING;
  const ph = h - 2 * FIT_PADDING;
  const zoom = Math.min(FIT_MAX_ZOOM, Math.max(READABLE_ZOOM, Math.min(pw / (x1 - x0), ph / (y1 - y0))));
  const across = (lo: number, hi: number, centre: number, size: number, inner: number) => {
    if ((hi - lo) * zoom <= inner) return FIT_PADDING + (inner - (hi - lo) * zoom) / 2 - lo * zoom;
    const wanted = size / 2 - centre * zoom;
    return Math.min(FIT_PADDING - lo * zoom, Math.max(size - FIT_PADDING - hi * zoom, wanted));
  };
  const x = across(x0, x1, top.x + NODE_WIDTH / 2, w, pw);
  const y = (y1 - y0) * zoom <= ph ? FIT_PADDING + (ph - (y1 - y0) * zoom) / 2 - y0 * zoom : FIT_PADDING - y0 * zoom;
  return { x, y, zoom };
}
