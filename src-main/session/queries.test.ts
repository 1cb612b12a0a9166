import { describe, expect, it } from 'vitest';
import { OrgSession } from './orgSession';
import * as q from './queries';
import { FABRIKAM as F, fabrikam } from './fabrikam.fixture';

const list = (s: OrgSession, query: Partial<Parameters<typeof q.listUsers>[1]> = {}) => q.listUsers(s.current, { query: '', status: 'all', offset: 0, limit: 200, ...query });

describe('the screens’ queries over Fabrikam', () => {
  it('pages users by name with the total of the matches', () => {
    const s = new OrgSession(fabrikam());
    expect(list(s).rows.map((r) => r.fullname)).toEqual(['Ada Admin', 'Nina North', 'Sam Seller']);
    expect(list(s, { offset: 1, limit: 1 })).toMatchObject({ total: 3, offset: 1, rows: [{ fullname: 'Nina North', businessunitname: 'Sales North' }] });
  });

  it('filters users by search text, unit, role, team and status', () => {
    const s = new OrgSession(fabrikam());
    expect(list(s, { query: 'NORTH' }).rows.map((r) => r.fullname)).toEqual(['Nina North']);
    expect(list(s, { query: 'sam@' }).rows.map((r) => r.fullname)).toEqual(['Sam Seller']);
    expect(list(s, { businessunitid: F.sales }).total).toBe(1);
    expect(list(s, { roleid: F.salesperson }).rows.map((r) => r.fullname)).toEqual(['Nina North', 'Sam Seller']);
    expect(list(s, { teamid: F.keyAccounts }).rows.map((r) => r.fullname)).toEqual(['Sam Seller']);
    expect(list(s, { teamid: 'team-sales-north' }).rows.map((r) => r.fullname)).toEqual(['Nina North']);
    s.apply({ type: 'setUserDisabled', systemuserid: F.ada, isdisabled: true });
    expect(list(s, { status: 'disabled' }).rows.map((r) => r.fullname)).toEqual(['Ada Admin']);
    expect(list(s, { status: 'enabled' }).total).toBe(2);
  });

  it('shows a user with direct roles, team roles and teams, the default team first', () => {
    const d = q.userDetail(fabrikam(), F.sam);
    expect(d.roles.map((r) => r.name)).toEqual(['Salesperson']);
    expect(d.teams.map((t) => [t.name, t.isdefault])).toEqual([
      ['Sales', true],
      ['Key Accounts', false],
    ]);
    expect(d.teamroles).toMatchObject([{ name: 'Salesperson', teamname: 'Key Accounts' }]);
  });

  it('lists the roles a move to another unit removes', () => {
    const s = new OrgSession(fabrikam());
    expect(q.moveImpact(s.current, { systemuserids: [F.sam, F.nina], businessunitid: F.root })).toEqual({ users: 2, roles: [{ name: 'Salesperson', holders: 2 }] });
    expect(q.moveImpact(s.current, { systemuserids: [F.sam], businessunitid: F.sales })).toEqual({ users: 0, roles: [] });
  });

  it('lists teams by type with their member counts, a default team counting its unit’s users', () => {
    const s = new OrgSession(fabrikam());
    const all = q.listTeams(s.current, { query: '', offset: 0, limit: 200 });
    expect(all.total).toBe(5);
    expect(all.rows.find((t) => t.name === 'Sales North')).toMatchObject({ isdefault: true, members: 1 });
    expect(q.listTeams(s.current, { query: 'key', offset: 0, limit: 200 }).rows).toMatchObject([{ name: 'Key Accounts', members: 1, roles: 1, isdefault: false }]);
    expect(q.listTeams(s.current, { query: '', teamtype: 1, offset: 0, limit: 200 }).total).toBe(0);
  });

  it('builds the privilege matrix grouped in the role editor’s tabs with allowed depths', () => {
    const m = q.roleMatrix(fabrikam(), F.salesperson);
    expect(m.role.name).toBe('Salesperson');
    const core = m.groups.find((g) => g.group === 'Core Records')!;
    const account = core.entities.find((e) => e.logicalname === 'account')!;
    const read = account.cells[m.rights.indexOf('Read')]!;
    expect(read).toEqual({ name: 'prvReadAccount', depths: ['Basic', 'Local', 'Deep', 'Global'], status: 'known', depth: 'Local' });
    expect(account.cells[m.rights.indexOf('Write')]!.depth).toBeNull();
    expect(core.miscellaneous.find((p) => p.name === 'prvBulkDelete')).toMatchObject({ depths: ['Global'], depth: null });
  });

  it('compares two roles privilege by privilege', () => {
    const c = q.compareRoles(fabrikam(), F.salesperson, F.sysadmin);
    expect(c.rows).toEqual([
      expect.objectContaining({ name: 'prvReadAccount', left: 'Local', right: 'Global' }),
      expect.objectContaining({ name: 'prvWriteAccount', left: null, right: 'Global' }),
    ]);
  });

  it('says where a role is used', () => {
    const u = q.roleUsage(fabrikam(), F.salesperson);
    expect(u.users.map((x) => x.name)).toEqual(['Nina North', 'Sam Seller']);
    expect(u.teams.map((x) => x.name)).toEqual(['Key Accounts']);
  });

  it('finds units, users, teams, roles and tables by name, prefix matches first', () => {
    const hits = q.searchEverything(fabrikam(), { query: 'sales', limit: 40 }).hits;
    expect(hits.slice(0, 4).map((h) => [h.kind, h.name])).toEqual([
      ['businessunit', 'Sales'],
      ['businessunit', 'Sales North'],
      ['team', 'Sales'],
      ['team', 'Sales North'],
    ]);
    expect(hits.some((h) => h.kind === 'role' && h.name === 'Salesperson')).toBe(true);
  });

  it('shows a field security profile over every secured column of the catalog', () => {
    const s = new OrgSession(fabrikam());
    s.apply({ type: 'createFieldSecurityProfile', fieldsecurityprofileid: 'fsp-1', name: 'Secrets' });
    const before = q.fieldProfileDetail(s.current, 'fsp-1');
    expect(before.columns.length).toBeGreaterThan(0);
    const col = before.columns[0];
    s.apply({ type: 'setFieldPermission', fieldsecurityprofileid: 'fsp-1', entityname: col.entityname, attributelogicalname: col.attributelogicalname, canread: 4, cancreate: 0, canupdate: 0 });
    s.apply({ type: 'assignFieldSecurityProfile', fieldsecurityprofileid: 'fsp-1', systemuserid: F.ada });
    const after = q.fieldProfileDetail(s.current, 'fsp-1');
    expect(after.columns[0]).toMatchObject({ canread: 4, set: true });
    expect(after.users).toEqual([{ id: F.ada, name: 'Ada Admin' }]);
    expect(q.listFieldProfiles(s.current).rows).toMatchObject([{ name: 'Secrets', columns: 1, users: 1 }]);
  });
});
