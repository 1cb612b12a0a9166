import ELK from 'elkjs/lib/elk.bundled.js';
import { elkGraphOf, positionsOf, type LayoutAnswer, type LayoutRequest } from './elkGraph';

/**
 * The graph's layout off the window's thread: ELK (its bundled build runs here without a
 * further worker) lays out what the window sends and answers with positions.
 */
const elk = new ELK();
// ELK's bundled build takes over onmessage when it starts inside a worker; this handler replaces it.
const scope = self as unknown as { onmessage: ((e: MessageEvent<LayoutRequest>) => void) | null; postMessage(m: LayoutAnswer, transfer: Transferable[]): void };
scope.onmessage = (e) => {
  const { seq, units, width, height } = e.data;
  elk.layout(elkGraphOf(units, width, height)).then(
    (graph) => {
      const a = positionsOf(seq, units, graph, height);
      scope.postMessage(a, [a.x.buffer, a.y.buffer, a.stacked.buffer]);
    },
    (error: unknown) => scope.postMessage({ seq, x: new Float64Array(0), y: new Float64Array(0), stacked: new Uint8Array(0), error: String(error) }, []),
  );
};
