import { describe, expect, it } from 'vitest';
import { fitDepth, nextDepth, visibleGroups, grantedIn } from './selectors';
import type { MatrixDto } from '../../../api';

describe('matrix cells', () => {
  it('cycles None → Basic → Local → Deep → Global → None for a user-owned table', () => {
    const all = ['Basic', 'Local', 'Deep', 'Global'] as const;
    expect([null, 'Basic', 'Local', 'Deep', 'Global'].map((d) => nextDepth(d as never, all))).toEqual(['Basic', 'Local', 'Deep', 'Global', null]);
  });

  it('cycles only between None and Organization for an organization-owned privilege', () => {
    expect(nextDepth(null, ['Global'])).toBe('Global');
    expect(nextDepth('Global', ['Global'])).toBeNull();
  });

  it('sets a whole column to the deepest allowed depth not deeper than asked', () => {
    expect(fitDepth('Deep', ['Basic', 'Local', 'Deep', 'Global'])).toBe('Deep');
    expect(fitDepth('Deep', ['Global'])).toBeNull();
    expect(fitDepth('Global', ['Global'])).toBe('Global');
    expect(fitDepth('Deep', ['Basic', 'Local'])).toBe('Local');
    expect(fitDepth(null, ['Global'])).toBeNull();
  });
});

const matrix: MatrixDto = {
  role: { roleid: 'r', name: 'R', businessunitid: 'b', businessunitname: 'B', isinherited: 1, description: null },
  rights: ['Create', 'Read', 'Write', 'Delete', 'Append', 'AppendTo', 'Assign', 'Share'],
  groups: [
    {
      group: 'Core Records',
      entities: [{ logicalname: 'account', displayname: 'Account', cells: [null, { name: 'prvReadAccount', depths: ['Basic', 'Local', 'Deep', 'Global'], depth: 'Local', status: 'known' }, null, null, null, null, null, null] }],
      miscellaneous: [{ name: 'prvBulkDelete', displayname: 'Bulk Delete', depths: ['Global'], depth: 'Global', status: 'known' }],
    },
    { group: 'Sales', entities: [{ logicalname: 'lead', displayname: 'Lead', cells: [null, null, null, null, null, null, null, null] }], miscellaneous: [] },
  ],
};

describe('matrix tabs', () => {
  it('shows the chosen tab, or the first', () => {
    expect(visibleGroups(matrix, null, '').map((g) => g.group)).toEqual(['Core Records']);
    expect(visibleGroups(matrix, 'Sales', '').map((g) => g.group)).toEqual(['Sales']);
  });

  it('searches across every tab while a search is typed', () => {
    expect(visibleGroups(matrix, 'Sales', 'acc').map((g) => [g.group, g.entities.length, g.miscellaneous.length])).toEqual([['Core Records', 1, 0]]);
    expect(visibleGroups(matrix, null, 'bulk')[0].miscellaneous.map((m) => m.name)).toEqual(['prvBulkDelete']);
  });

  it('counts the privileges granted in a tab', () => {
    expect(grantedIn(matrix.groups[0])).toBe(2);
  });
});
