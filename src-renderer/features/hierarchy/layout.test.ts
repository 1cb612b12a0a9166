import { describe, expect, it } from 'vitest';
import { NODE_HEIGHT, NODE_WIDTH, viewportFitting, type Positions } from './layout';

const at = (entries: [string, number, number][]): Positions => new Map(entries.map(([id, x, y]) => [id, { x, y, stacked: false }]));

describe('fitting the detailed graph to its drawn units', () => {
  it('centres a graph that fits at a readable zoom', () => {
    const v = viewportFitting(at([['top', 0, 0], ['a', 300, 150]]), { x: 0, y: 0 }, 1000, 800);
    expect(v.zoom).toBe(1);
    // The drawing (530 × 246) sits in the middle of the pane.
    expect(v.x + (530 / 2) * v.zoom).toBeCloseTo(500);
    expect(v.y + (246 / 2) * v.zoom).toBeCloseTo(400);
  });

  it('puts a big graph’s top at the top of the pane, no empty space above or beside it', () => {
    const units: [string, number, number][] = [['top', 2000, 0]];
    for (let i = 0; i < 40; i++) units.push([`u${i}`, i * 250, 200 + (i % 5) * 120]);
    const v = viewportFitting(at(units), { x: 2000, y: 0 }, 800, 600);
    expect(v.zoom).toBe(0.8);
    expect(v.y).toBe(24);
    // The top unit is centred across.
    expect(v.x + (2000 + NODE_WIDTH / 2) * v.zoom).toBeCloseTo(400);
    // Near the left edge of the drawing, the view stops at it.
    const left = viewportFitting(at(units), { x: 0, y: 0 }, 800, 600);
    expect(left.x).toBe(24);
    expect(NODE_HEIGHT).toBeGreaterThan(0);
  });
});
