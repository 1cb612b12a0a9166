import { describe, expect, it } from 'vitest';
import { moveTargets, unitForest, visibleUnits } from './selectors';
import type { OrgSummaryDto } from '../../../api';

const summary: OrgSummaryDto = {
  name: 'F',
  counts: { businessunits: 4, users: 0, teams: 4, roles: 0, records: 0 },
  businessunits: [
    { businessunitid: 'root', name: 'Root', parentbusinessunitid: null, isdisabled: false, users: 0 },
    { businessunitid: 'a', name: 'A', parentbusinessunitid: 'root', isdisabled: false, users: 0 },
    { businessunitid: 'a1', name: 'A1', parentbusinessunitid: 'a', isdisabled: false, users: 0 },
    { businessunitid: 'b', name: 'B', parentbusinessunitid: 'root', isdisabled: false, users: 0 },
  ],
  roles: [],
};

describe('the unit tree', () => {
  it('hides the units below a collapsed unit', () => {
    const forest = unitForest(summary);
    expect(visibleUnits(forest, new Set()).map((r) => [r.node.unit.name, r.level])).toEqual([
      ['Root', 1],
      ['A', 2],
      ['A1', 3],
      ['B', 2],
    ]);
    expect(visibleUnits(forest, new Set(['a'])).map((r) => r.node.unit.name)).toEqual(['Root', 'A', 'B']);
  });

  it('offers every unit but the unit itself and those below it as a new parent', () => {
    expect(moveTargets(summary, 'a').map((u) => u.name)).toEqual(['Root', 'B']);
  });
});
