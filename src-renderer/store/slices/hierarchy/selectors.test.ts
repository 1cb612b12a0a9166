import { describe, expect, it } from 'vitest';
import { ancestorsOf, cellColours, coloursOf, graphUnits, openDepthFor, subtreeOf } from './selectors';

const unit = (id: string, parent: string | null) => ({ businessunitid: id, name: id, parentbusinessunitid: parent, isdisabled: false, users: 0, teams: 0, records: 0 });
// root ─ a ─ a1 ─ a11
//      └ b
const UNITS = [unit('root', null), unit('a', 'root'), unit('a1', 'a'), unit('a11', 'a1'), unit('b', 'root')];

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
    expect(ancestorsOf(UNITS, 'a11')).toEqual(['a1', 'a', 'root']);
  });

  it('marks units whose depth or records the staged set changes', () => {
    const c = coloursOf({
      privilege: 'prvReadAccount',
      before: { depth: 'Local', records: 1, units: [{ businessunitid: 'a', depth: 'Local', records: 1 }] },
      after: { depth: 'Deep', records: 1, units: [{ businessunitid: 'a', depth: 'Deep', records: 1 }, { businessunitid: 'a1', depth: 'Deep', records: 0 }] },
    });
    expect(c.get('a')).toEqual({ depth: 'Local', records: 1, after: { depth: 'Deep', records: 1 } });
    expect(c.get('a1')).toEqual({ depth: null, records: 0, after: { depth: 'Deep', records: 0 } });
    expect(c.has('b')).toBe(false);
  });

  it('takes a unit and everything below it as the subtree the detailed graph shows, whole when small', () => {
    expect(subtreeOf(UNITS, 'a').map((u) => u.businessunitid)).toEqual(['a', 'a1', 'a11']);
    expect(subtreeOf(UNITS, 'b').map((u) => u.businessunitid)).toEqual(['b']);
    expect(openDepthFor(200)).toBe(Infinity);
    expect(openDepthFor(2000)).toBe(2);
  });

  it('colours the overview by depth, by the principal’s staged change, or by anyone’s', () => {
    const colours = coloursOf({
      privilege: 'prvReadAccount',
      before: { depth: 'Local', records: 2, units: [{ businessunitid: 'a', depth: 'Local', records: 2 }, { businessunitid: 'b', depth: 'Deep', records: 1 }] },
      after: { depth: 'Deep', records: 2, units: [{ businessunitid: 'a', depth: 'Deep', records: 2 }, { businessunitid: 'b', depth: 'Deep', records: 0 }] },
    });
    expect(Object.fromEntries(cellColours('depth', colours, true, null))).toEqual({ a: 'Deep', b: 'Deep' });
    expect(Object.fromEntries(cellColours('depth', colours, false, null))).toEqual({ a: 'Local', b: 'Deep' });
    expect(Object.fromEntries(cellColours('diff-principal', colours, true, null))).toEqual({ a: 'gains', b: 'loses' });
    const staged = { users: 3, units: [{ businessunitid: 'a', gain: 2, lose: 0 }, { businessunitid: 'b', gain: 1, lose: 1 }, { businessunitid: 'a1', gain: 0, lose: 4 }] };
    expect(Object.fromEntries(cellColours('diff-any', colours, true, staged))).toEqual({ a: 'gains', b: 'both', a1: 'loses' });
  });
});
