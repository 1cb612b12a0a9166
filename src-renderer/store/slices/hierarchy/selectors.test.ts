import { describe, expect, it } from 'vitest';
import { ancestorsOf, cellColours, colourAt, coloursOf, decodeUnits, graphUnits, indexUnits, isWithin, openDepthFor, subtreeOf } from './selectors';

const unit = (id: string, parent: string | null) => ({ businessunitid: id, name: id, parentbusinessunitid: parent, isdisabled: false, users: 0, teams: 0, records: 0 });
// root ─ a ─ a1 ─ a11
//      └ b
const UNITS = [unit('root', null), unit('a', 'root'), unit('a1', 'a'), unit('a11', 'a1'), unit('b', 'root')];
const INDEX = indexUnits(UNITS);

describe('the graph’s units', () => {
  it('draws the top three levels by default and counts what a closed unit hides', () => {
    const shown = graphUnits(UNITS, {});
    expect(shown.map((u) => u.businessunitid)).toEqual(['root', 'a', 'a1', 'b']);
    expect(shown.find((u) => u.businessunitid === 'a1')).toMatchObject({ open: false, children: 1, descendants: 1 });
    expect(shown[0].descendants).toBe(4);
  });

  it('opens a closed unit on demand and closes an open one with its whole subtree', () => {
    expect(graphUnits(UNITS, { a1: true }).map((u) => u.businessunitid)).toContain('a11');
    expect(graphUnits(UNITS, { a: false }).map((u) => u.businessunitid)).toEqual(['root', 'a', 'b']);
  });

  it('lists a unit’s ancestors from its parent to the root', () => {
    expect(ancestorsOf(INDEX, 'a11')).toEqual(['a1', 'a', 'root']);
    expect(ancestorsOf(INDEX, 'root')).toEqual([]);
    expect(isWithin(INDEX, 'a11', 'a')).toBe(true);
    expect(isWithin(INDEX, 'a', 'a')).toBe(true);
    expect(isWithin(INDEX, 'b', 'a')).toBe(false);
  });

  it('decodes the bridge’s columns into units in tree order with subtree ranges', () => {
    const ends = (xs: string[]) => Int32Array.from(xs.map((_, i) => xs.slice(0, i + 1).join('').length));
    const ids = UNITS.map((u) => u.businessunitid);
    const index = decodeUnits({
      count: 5,
      ids: ids.join(''),
      idEnds: ends(ids),
      names: ids.join(''),
      nameEnds: ends(ids),
      parents: Int32Array.from([-1, 0, 1, 2, 0]),
      disabled: new Uint8Array(5),
      users: Int32Array.from([1, 2, 3, 4, 5]),
      teams: new Int32Array(5),
      records: Int32Array.from([0, 0, 0, 0, 9]),
    });
    expect(index.at.get('a11')).toBe(3);
    expect(index.units).toEqual(UNITS.map((u, i) => ({ ...u, users: i + 1, records: i === 4 ? 9 : 0 })));
    expect([...index.end]).toEqual([5, 4, 4, 4, 5]);
    expect([...index.parent]).toEqual([-1, 0, 1, 2, 0]);
  });

  it('marks units whose depth or records the staged set changes', () => {
    const overlay = {
      privilege: 'prvReadAccount',
      // Indexed like UNITS: root, a, a1, a11, b.
      before: { depth: 'Local' as const, records: 1, levels: Uint8Array.from([0, 2, 0, 0, 0]), unitRecords: Int32Array.from([0, 1, 0, 0, 0]) },
      after: { depth: 'Deep' as const, records: 1, levels: Uint8Array.from([0, 3, 3, 0, 0]), unitRecords: Int32Array.from([0, 1, 0, 0, 0]) },
    };
    const c = coloursOf(overlay, UNITS);
    expect(colourAt(overlay, 1)).toEqual(c.get('a'));
    expect(coloursOf(overlay, UNITS, 2, 4).has('a')).toBe(false);
    expect(c.get('a')).toEqual({ depth: 'Local', records: 1, after: { depth: 'Deep', records: 1 } });
    expect(c.get('a1')).toEqual({ depth: null, records: 0, after: { depth: 'Deep', records: 0 } });
    expect(c.has('b')).toBe(false);
  });

  it('takes a unit and everything below it as the subtree the detailed graph shows, whole when small', () => {
    expect(subtreeOf(INDEX, 'a').map((u) => u.businessunitid)).toEqual(['a', 'a1', 'a11']);
    expect(subtreeOf(INDEX, 'b').map((u) => u.businessunitid)).toEqual(['b']);
    expect(subtreeOf(INDEX, 'nowhere')).toEqual([]);
    expect(openDepthFor(200)).toBe(Infinity);
    expect(openDepthFor(2000)).toBe(2);
  });

  it('colours the overview by depth, by the principal’s staged change, or by anyone’s', () => {
    const colours = coloursOf(
      {
        privilege: 'prvReadAccount',
        before: { depth: 'Local', records: 2, levels: Uint8Array.from([0, 2, 0, 0, 3]), unitRecords: Int32Array.from([0, 2, 0, 0, 1]) },
        after: { depth: 'Deep', records: 2, levels: Uint8Array.from([0, 3, 0, 0, 3]), unitRecords: Int32Array.from([0, 2, 0, 0, 0]) },
      },
      UNITS,
    );
    expect(Object.fromEntries(cellColours('depth', colours, true, null))).toEqual({ a: 'Deep', b: 'Deep' });
    expect(Object.fromEntries(cellColours('depth', colours, false, null))).toEqual({ a: 'Local', b: 'Deep' });
    expect(Object.fromEntries(cellColours('diff-principal', colours, true, null))).toEqual({ a: 'gains', b: 'loses' });
    const staged = { users: 3, units: [{ businessunitid: 'a', gain: 2, lose: 0 }, { businessunitid: 'b', gain: 1, lose: 1 }, { businessunitid: 'a1', gain: 0, lose: 4 }] };
    expect(Object.fromEntries(cellColours('diff-any', colours, true, staged))).toEqual({ a: 'gains', b: 'both', a1: 'loses' });
  });
});
