import { describe, expect, it } from 'vitest';
import { cellAt, partitionUnits } from './partition';

const unit = (id: string, parent: string | null, users = 0, records = 0) => ({ businessunitid: id, name: id, parentbusinessunitid: parent, isdisabled: false, users, teams: 0, records });
// root ─ a ─ a1
//      │   └ a2
//      └ b ─ b1 ─ b11
const UNITS = [unit('root', null, 1, 10), unit('a', 'root', 3), unit('a1', 'a', 5, 100), unit('a2', 'a'), unit('b', 'root', 1), unit('b1', 'b', 10), unit('b11', 'b1', 0, 7)];

describe('the overview of the whole hierarchy', () => {
  it('gives every unit a cell, one column per level', () => {
    const l = partitionUnits(UNITS, 'users');
    expect(l.cells.map((c) => c.id)).toEqual(UNITS.map((u) => u.businessunitid));
    expect(l.levels).toBe(4);
    expect(Object.fromEntries(l.cells.map((c) => [c.id, c.level]))).toEqual({ root: 0, a: 1, a1: 2, a2: 2, b: 1, b1: 2, b11: 3 });
  });

  it('draws a unit’s cell around its children’s cells, in name order, without overlaps', () => {
    for (const size of ['users', 'records'] as const) {
      const { cells } = partitionUnits(UNITS, size);
      for (const c of cells) {
        expect(c.x1).toBeGreaterThan(c.x0);
        const kids = cells.filter((k) => k.parent === c.index);
        for (const k of kids) {
          expect(k.x0).toBeGreaterThanOrEqual(c.x0 - 1e-12);
          expect(k.x1).toBeLessThanOrEqual(c.x1 + 1e-12);
          expect(k.level).toBe(c.level + 1);
        }
        for (let i = 1; i < kids.length; i++) expect(kids[i].x0).toBeGreaterThanOrEqual(kids[i - 1].x1 - 1e-12);
      }
      expect(cells[0]).toMatchObject({ x0: 0, x1: 1 });
    }
  });

  it('sizes a subtree by its users or by its records, each unit counting one more so empty units still show', () => {
    const byUsers = partitionUnits(UNITS, 'users');
    const w = (id: string) => byUsers.cells[byUsers.byId.get(id)!].x1 - byUsers.cells[byUsers.byId.get(id)!].x0;
    // Users + 1 per unit: a = 4 + 6 + 1 = 11, b = 2 + 11 + 1 = 14, total 27.
    expect(w('a')).toBeCloseTo(11 / 27);
    expect(w('b')).toBeCloseTo(14 / 27);
    const byRecords = partitionUnits(UNITS, 'records');
    const r = (id: string) => byRecords.cells[byRecords.byId.get(id)!].x1 - byRecords.cells[byRecords.byId.get(id)!].x0;
    // Records + 1 per unit: a = 1 + 101 + 1 = 103, b = 1 + 1 + 8 = 10, total 124.
    expect(r('a')).toBeCloseTo(103 / 124);
    expect(r('a2')).toBeGreaterThan(0);
  });

  it('keeps a subtree together, so a unit and everything below it are one range of cells', () => {
    const l = partitionUnits(UNITS, 'users');
    const b = l.cells[l.byId.get('b')!];
    expect(l.cells.slice(b.index, b.index + b.size).map((c) => c.id)).toEqual(['b', 'b1', 'b11']);
  });

  it('finds the unit under the pointer at any level, and nothing where no unit is', () => {
    const l = partitionUnits(UNITS, 'users');
    for (const c of l.cells) expect(l.cells[cellAt(l, (c.x0 + c.x1) / 2, c.level)]?.id).toBe(c.id);
    const a2 = l.cells[l.byId.get('a2')!];
    expect(cellAt(l, (a2.x0 + a2.x1) / 2, 3)).toBe(-1);
  });

  it('hangs a unit whose parent is missing at the top, beside the root', () => {
    const l = partitionUnits([...UNITS, unit('orphan', 'gone', 2)], 'users');
    expect(l.cells[l.byId.get('orphan')!]).toMatchObject({ level: 0, parent: -1 });
  });
});
