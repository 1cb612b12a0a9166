import { useCallback, useEffect, useLayoutEffect, useRef, useState, type PointerEvent as ReactPointerEvent, type ReactNode } from 'react';
import type { CellColour } from '../../../store';
import { cellAt, type OverviewCell, type OverviewLayout } from './partition';
import { gridLine, paletteFor } from './palette';

/** Marks on window for the end-to-end run: first draw after mounting, and the last draw's cost. */
declare global {
  interface Window {
    __roleatlasOverview?: { firstDrawMs?: number; draws?: number; lastDrawMs?: number; drawnAt?: number; overlayAt?: number; queryAt?: number; sentAt?: number; answerAt?: number; firstDrawAt?: number };
  }
}

export interface OverviewCanvasProps {
  readonly layout: OverviewLayout;
  readonly colours: ReadonlyMap<string, CellColour>;
  /** The colour of a unit missing from `colours` (None, or "same" in a diff). */
  readonly fallback: CellColour;
  /** What the colours answer (mode, principal, table, right); written on the colour list once drawn. */
  readonly drawnFor: string;
  readonly selected: string | null;
  /** The search hit, outlined and brought into view. */
  readonly highlighted: string | null;
  /** The unit the view is zoomed on (null: the whole organization). */
  readonly focus: string | null;
  readonly describe: (cell: OverviewCell) => ReactNode;
  readonly onSelect: (id: string | null) => void;
  readonly onFocus: (id: string | null) => void;
}

/** Columns are at least this wide, so names can be read; deeper levels are reached by dragging sideways. */
const MIN_COLUMN = 150;
/** The narrowest breadth a zoom reaches: a millionth of the tree. */
const MIN_SPAN = 1e-6;

interface View {
  /** Breadth shown, top to bottom (0..1 is the whole tree). */
  b0: number;
  b1: number;
  /** Level at the left edge (fractional while dragging). */
  d0: number;
}

const clampView = (v: View, levels: number): View => {
  const span = Math.min(1, Math.max(MIN_SPAN, v.b1 - v.b0));
  const b0 = Math.min(1 - span, Math.max(0, v.b0));
  return { b0, b1: b0 + span, d0: Math.min(Math.max(0, levels - 1), Math.max(0, v.d0)) };
};

const viewOf = (cell: OverviewCell | undefined): View => (cell ? { b0: cell.x0, b1: cell.x1, d0: cell.level } : { b0: 0, b1: 1, d0: 0 });

/**
 * Every business unit at once: an icicle on a canvas, the top unit on the left and each level a
 * column to the right, a unit's height its share of users or records. Wheel zooms around the
 * pointer, dragging pans, a double click zooms on a unit, a click selects it. Labels are drawn
 * where a cell is tall enough to hold them.
 */
export function OverviewCanvas(props: OverviewCanvasProps) {
  const { layout, focus, highlighted } = props;
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const list = useRef<HTMLDivElement>(null);
  const view = useRef<View>(viewOf(undefined));
  const size = useRef({ w: 0, h: 0, dpr: 1 });
  const latest = useRef(props);
  latest.current = props;
  const frame = useRef(0);
  const mountedAt = useRef(performance.now());
  const written = useRef<{ colours: ReadonlyMap<string, CellColour> | null; drawnFor: string }>({ colours: null, drawnFor: '' });
  const [dark, setDark] = useState(() => typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches);
  const [tip, setTip] = useState<{ x: number; y: number; index: number } | null>(null);

  useEffect(() => {
    if (typeof matchMedia !== 'function') return;
    const m = matchMedia('(prefers-color-scheme: dark)');
    const on = () => setDark(m.matches);
    m.addEventListener('change', on);
    return () => m.removeEventListener('change', on);
  }, []);

  const draw = useCallback(() => {
    frame.current = 0;
    const c = canvas.current;
    const ctx = c?.getContext('2d');
    const { w: W, h: H, dpr } = size.current;
    if (!c || !ctx || !W || !H) return;
    const started = performance.now();
    const p = latest.current;
    const { cells, levels } = p.layout;
    const v = view.current;
    const palette = paletteFor(dark);
    const scale = H / (v.b1 - v.b0);
    const colW = Math.max(MIN_COLUMN, W / Math.max(1, levels - Math.floor(v.d0)));
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = gridLine(dark);
    ctx.fillRect(0, 0, W, H);
    const labels: number[] = [];
    let selectedAt = -1;
    let highlightAt = -1;
    for (let i = 0; i < cells.length; ) {
      const cell = cells[i];
      const y0 = (cell.x0 - v.b0) * scale;
      const y1 = (cell.x1 - v.b0) * scale;
      const x = (cell.level - v.d0) * colW;
      // Out of view: so is the whole subtree (it lies within the cell's breadth, further right).
      if (y1 < 0 || y0 > H || x > W) {
        i += cell.size;
        continue;
      }
      if (x + colW > 0) {
        const h = y1 - y0;
        ctx.fillStyle = palette[p.colours.get(cell.id) ?? p.fallback].fill;
        const gap = h >= 3 ? 1 : 0;
        ctx.fillRect(x, y0, colW - 1, Math.max(h - gap, 0.35));
        if (h >= 15) labels.push(i);
        if (cell.id === p.selected) selectedAt = i;
        if (cell.id === p.highlighted) highlightAt = i;
      }
      i++;
    }
    ctx.textBaseline = 'middle';
    for (const i of labels) {
      const cell = cells[i];
      const y0 = (cell.x0 - v.b0) * scale;
      const h = (cell.x1 - cell.x0) * scale;
      const x = (cell.level - v.d0) * colW;
      const top = Math.max(y0, 0);
      const bottom = Math.min(y0 + h, H);
      if (bottom - top < 15) continue;
      ctx.fillStyle = palette[p.colours.get(cell.id) ?? p.fallback].text;
      const two = bottom - top >= 32;
      const mid = two ? top + Math.min((bottom - top) / 2 - 7, 10) + 2 : (top + bottom) / 2;
      ctx.font = '600 12px system-ui, sans-serif';
      ctx.fillText(fit(cell.name, colW - 10, 7), x + 5, mid);
      if (two) {
        ctx.font = '11px system-ui, sans-serif';
        ctx.fillText(fit(`${cell.unit.users.toLocaleString()} users · ${cell.unit.records.toLocaleString()} records`, colW - 10, 6), x + 5, mid + 15);
      }
    }
    const outline = (i: number, colour: string, width: number) => {
      if (i < 0) return;
      const cell = cells[i];
      const y0 = (cell.x0 - v.b0) * scale;
      const h = Math.max((cell.x1 - cell.x0) * scale, 4);
      const x = (cell.level - v.d0) * colW;
      ctx.strokeStyle = colour;
      ctx.lineWidth = width;
      ctx.strokeRect(x + width / 2, y0 + (cell.x1 - cell.x0) * scale / 2 - h / 2, colW - 1 - width, h);
    };
    outline(selectedAt, dark ? '#74a7ff' : '#1d4ed8', 2);
    outline(highlightAt, '#f59f00', 3);

    if (written.current.colours !== p.colours || written.current.drawnFor !== p.drawnFor) {
      written.current = { colours: p.colours, drawnFor: p.drawnFor };
      const el = list.current;
      if (el) {
        let s = '';
        for (const [id, colour] of p.colours) s += `${id}:${colour} `;
        el.dataset.colours = s.trimEnd();
        el.dataset.fallback = p.fallback;
        el.dataset.drawnFor = p.drawnFor;
      }
      (window.__roleatlasOverview ??= {}).drawnAt = performance.now();
    }
    const marks = (window.__roleatlasOverview ??= {});
    marks.draws = (marks.draws ?? 0) + 1;
    marks.lastDrawMs = performance.now() - started;
    if (marks.firstDrawMs === undefined) {
      marks.firstDrawAt = performance.now();
      marks.firstDrawMs = marks.firstDrawAt - mountedAt.current;
    }
  }, [dark]);

  const redraw = useCallback(() => {
    if (!frame.current) frame.current = requestAnimationFrame(draw);
  }, [draw]);
  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  useLayoutEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const fit = () => {
      const r = el.getBoundingClientRect();
      const dpr = window.devicePixelRatio || 1;
      size.current = { w: r.width, h: r.height, dpr };
      if (canvas.current) {
        canvas.current.width = Math.round(r.width * dpr);
        canvas.current.height = Math.round(r.height * dpr);
      }
      // Drawn at once (not on the next frame) so the first paint already shows every unit.
      draw();
    };
    fit();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(fit);
    ro.observe(el);
    return () => ro.disconnect();
  }, [draw]);

  // Zoom on the focused unit; bring the search hit into view, its parent's subtree around it.
  useEffect(() => {
    view.current = viewOf(focus === null ? undefined : layout.cells[layout.byId.get(focus) ?? -1]);
    redraw();
  }, [focus, layout, redraw]);
  useEffect(() => {
    if (highlighted === null) return;
    const cell = layout.cells[layout.byId.get(highlighted) ?? -1];
    if (!cell) return;
    const v = view.current;
    const H = size.current.h || 1;
    const tall = ((cell.x1 - cell.x0) / (v.b1 - v.b0)) * H;
    const visible = cell.x0 >= v.b0 && cell.x1 <= v.b1 && cell.level >= v.d0;
    if (!visible || tall < 15) {
      const around = cell.parent >= 0 ? layout.cells[cell.parent] : cell;
      // Tall enough to read the hit: its parent's subtree, or a window around the hit if that is still too thin.
      const want = Math.min(around.x1 - around.x0, ((cell.x1 - cell.x0) * H) / 24);
      const span = Math.max(want, cell.x1 - cell.x0);
      const mid = (cell.x0 + cell.x1) / 2;
      view.current = clampView({ b0: mid - span / 2, b1: mid + span / 2, d0: Math.max(0, around.level) }, layout.levels);
    }
    redraw();
  }, [highlighted, layout, redraw]);
  useEffect(redraw, [props.colours, props.fallback, props.selected, props.drawnFor, layout, redraw]);

  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = el.getBoundingClientRect();
      const v = view.current;
      const span = v.b1 - v.b0;
      const at = (e.clientY - r.top) / r.height;
      const pivot = v.b0 + at * span;
      const next = Math.min(1, Math.max(MIN_SPAN, span * Math.exp(e.deltaY * 0.002)));
      view.current = clampView({ b0: pivot - at * next, b1: pivot - at * next + next, d0: v.d0 }, latest.current.layout.levels);
      setTip(null);
      redraw();
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [redraw]);

  const drag = useRef<{ x: number; y: number; view: View; moved: boolean } | null>(null);
  const cellUnder = (e: { clientX: number; clientY: number }): number => {
    const el = canvas.current!;
    const r = el.getBoundingClientRect();
    const v = view.current;
    const colW = Math.max(MIN_COLUMN, r.width / Math.max(1, layout.levels - Math.floor(v.d0)));
    const b = v.b0 + ((e.clientY - r.top) / r.height) * (v.b1 - v.b0);
    const level = Math.floor((e.clientX - r.left) / colW + v.d0);
    return cellAt(layout, b, level);
  };
  const onPointerDown = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    if (e.button !== 0) return;
    e.currentTarget.setPointerCapture?.(e.pointerId);
    drag.current = { x: e.clientX, y: e.clientY, view: view.current, moved: false };
  };
  const onPointerMove = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    const d = drag.current;
    if (d) {
      const dx = e.clientX - d.x;
      const dy = e.clientY - d.y;
      if (!d.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
      d.moved = true;
      const r = e.currentTarget.getBoundingClientRect();
      const span = d.view.b1 - d.view.b0;
      const colW = Math.max(MIN_COLUMN, r.width / Math.max(1, layout.levels - Math.floor(d.view.d0)));
      const shift = (dy / r.height) * span;
      view.current = clampView({ b0: d.view.b0 - shift, b1: d.view.b1 - shift, d0: d.view.d0 - dx / colW }, layout.levels);
      setTip(null);
      redraw();
      return;
    }
    const i = cellUnder(e);
    const r = wrap.current!.getBoundingClientRect();
    setTip(i < 0 ? null : { x: e.clientX - r.left, y: e.clientY - r.top, index: i });
  };
  const onPointerUp = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    const d = drag.current;
    drag.current = null;
    if (!d || d.moved) return;
    const i = cellUnder(e);
    props.onSelect(i < 0 ? null : layout.cells[i].id);
  };
  const onDoubleClick = (e: { clientX: number; clientY: number }) => {
    const i = cellUnder(e);
    if (i >= 0) props.onFocus(layout.cells[i].id);
  };

  const tipCell = tip ? layout.cells[tip.index] : undefined;
  return (
    <div className="unit-overview" ref={wrap}>
      <canvas
        ref={canvas}
        className="overview-canvas"
        role="img"
        aria-label="Every business unit: the top unit on the left, each level a column to the right"
        tabIndex={0}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerLeave={() => setTip(null)}
        onDoubleClick={onDoubleClick}
        onKeyDown={(e) => {
          if (e.key === 'Escape' && focus !== null) {
            const cell = layout.cells[layout.byId.get(focus) ?? -1];
            props.onFocus(cell && cell.parent >= 0 ? layout.cells[cell.parent].id : null);
          }
        }}
      />
      {/* The colour of every unit as drawn, for assistive checks and the end-to-end tests. */}
      <div ref={list} hidden data-testid="overview-colours" />
      {tip && tipCell && (
        <div className="overview-tip" role="tooltip" style={{ left: Math.min(tip.x + 14, (size.current.w || 0) - 280), top: tip.y + 14 }}>
          {props.describe(tipCell)}
        </div>
      )}
    </div>
  );
}

/** The text cut to fit `width` pixels, at about `charWidth` pixels a character, with an ellipsis. */
function fit(text: string, width: number, charWidth: number): string {
  const max = Math.floor(width / charWidth);
  if (text.length <= max) return text;
  return max <= 1 ? '' : `${text.slice(0, max - 1)}…`;
}
