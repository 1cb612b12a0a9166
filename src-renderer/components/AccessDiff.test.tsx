// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import { AccessDiffTables } from './AccessDiff';
import { diff } from '../../src-main/core/access/diff';
import { demoOrganization } from '../../src-main/core/generate/demo';
import { groupsOf } from '../../src-main/session/staging';

describe('the access diff', () => {
  it('shows a table and right with no records gained or lost as 0, not +0 or −0', () => {
    const org = demoOrganization();
    const salesperson = [...org.roles.values()].find((r) => r.name === 'Salesperson')!;
    const d = diff(org, [{ type: 'setRolePrivilege', roleid: salesperson.roleid, privilege: 'prvDeleteAccount', depth: 'Global' }]);
    if (!d.ok) throw new Error(d.error.message);
    const groups = groupsOf(d.changes);
    render(<AccessDiffTables diff={{ rows: d.changes, totalRows: d.changes.length, groups }} />);

    const row = within(screen.getByRole('table', { name: 'Changes per table and right' })).getAllByRole('row')[1];
    const cells = within(row).getAllByRole('cell').map((c) => c.textContent);
    const g = groups[0];
    expect(cells).toEqual(['account', 'Delete', String(g.gain), String(g.lose), g.recordsGained ? `+${g.recordsGained.toLocaleString()}` : '0', '0']);
    expect(g.gain).toBeGreaterThan(0);
    expect(g.recordsGained).toBeGreaterThan(0);
    expect(cells).not.toContain('−0');
  });
});
