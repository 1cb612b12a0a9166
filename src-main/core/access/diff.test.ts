import { describe, expect, it } from 'vitest';
import { diff } from './diff';
import { AccessEngine } from './engine';
import { ACCOUNT, BU, ROLE, USER, assignUser, contoso, reachable } from '../../../test/fixtures/orgCharts';

describe('diff', () => {
  it('lists the users whose access a privilege change alters, most affected first', () => {
    const s = contoso([assignUser(USER.sue, ROLE.accountReaderBasic), assignUser(USER.wes, ROLE.accountReaderBasic)]);
    const d = diff(s, [{ type: 'setRolePrivilege', roleid: ROLE.accountReaderBasic, privilege: 'prvReadAccount', depth: 'Global' }]);
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    // Wes reaches 2 accounts (his own, Key Accounts'), Sue 4 (plus two shares): Wes gains more.
    expect(d.changes.map((c) => [c.systemuserid, c.entity, c.right, c.depthBefore, c.depthAfter, c.recordsBefore, c.recordsAfter])).toEqual([
      [USER.wes, 'account', 'Read', 'Basic', 'Global', 2, 9],
      [USER.sue, 'account', 'Read', 'Basic', 'Global', 4, 9],
    ]);
    expect(d.changes[0].fullname).toBe('Wes West');
    expect(d.changes[0].privilege).toBe('prvReadAccount');
  });

  it('applies nothing: the state passed in is left as it was', () => {
    const s = contoso([assignUser(USER.sue, ROLE.accountReaderBasic)]);
    const roles = s.roles;
    const d = diff(s, [{ type: 'setRolePrivilege', roleid: ROLE.accountReaderBasic, privilege: 'prvReadAccount', depth: 'Global' }, { type: 'setUserDisabled', systemuserid: USER.sam, isdisabled: true }]);
    expect(d.ok).toBe(true);
    expect(s.roles).toBe(roles);
    expect(s.roles.get(ROLE.accountReaderBasic)!.privileges.prvReadAccount).toBe('Basic');
    expect(s.systemusers.get(USER.sam)!.isdisabled).toBe(false);
    expect(AccessEngine.of(s).check(USER.sue, 'account', 'Read', ACCOUNT.wes)).toBe(false);
    if (d.ok) expect(d.after.roles.get(ROLE.accountReaderBasic)!.privileges.prvReadAccount).toBe('Global');
  });

  it('reports what a move does to the moved user and to the users of the new unit', () => {
    const s = contoso([assignUser(USER.sue, ROLE.accountReaderLocal), assignUser(USER.sven, ROLE.accountReaderLocal), assignUser(USER.sam, ROLE.accountReaderLocal)]);
    const d = diff(s, [{ type: 'moveUser', systemuserid: USER.sue, businessunitid: BU.service }]);
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    const row = (u: string) => d.changes.find((c) => c.systemuserid === u && c.entity === 'account' && c.right === 'Read');
    expect(row(USER.sue)).toMatchObject({ depthBefore: 'Local', depthAfter: null, recordsBefore: 5, recordsAfter: 0 });
    expect(row(USER.sven)).toMatchObject({ depthBefore: 'Local', depthAfter: 'Local', recordsBefore: 3, recordsAfter: 4 });
    expect(row(USER.sam)).toMatchObject({ recordsBefore: 3, recordsAfter: 2 });
    expect(d.changes[0].systemuserid).toBe(USER.sue);
  });

  it('reports a new user who inherits the default team\'s roles', () => {
    const s = contoso([{ type: 'assignRole', teamid: 'team-sales', roleid: ROLE.accountReaderLocal }]);
    const d = diff(s, [{ type: 'createUser', systemuserid: 'user-new', fullname: 'New Hire', domainname: 'new@contoso.com', businessunitid: BU.sales }]);
    expect(d.ok && d.changes.map((c) => [c.systemuserid, c.depthAfter, c.recordsAfter])).toEqual([['user-new', 'Local', 3]]);
  });

  it('reports nothing for changes that grant or remove no access', () => {
    const s = contoso([assignUser(USER.sue, ROLE.accountReaderDeep)]);
    const d = diff(s, [{ type: 'updateBusinessUnit', businessunitid: BU.sales, name: 'Sales & Marketing' }, { type: 'updateRole', roleid: ROLE.accountReaderDeep, name: 'Renamed' }]);
    expect(d.ok && d.changes).toEqual([]);
  });

  it('refuses as applyAll does, naming the position of the refused command', () => {
    const s = contoso();
    const d = diff(s, [{ type: 'assignRole', systemuserid: USER.sue, roleid: ROLE.accountReaderBasic }, { type: 'deleteRole', roleid: ROLE.accountReaderBasic }]);
    expect(d.ok).toBe(false);
    if (!d.ok) {
      expect(d.index).toBe(1);
      expect(d.error.message).toMatch(/held by 1 principal\(s\): Sue Sales/);
    }
  });
});

describe('diff of record sets', () => {
  it('shows a user whose reachable records change even when their number stays the same', () => {
    const s = contoso([assignUser(USER.sue, ROLE.salesperson)]);
    const before = reachable(s, USER.sue, 'account', 'Read');
    const r = diff(s, [
      { type: 'assignRecord', recordid: ACCOUNT.sue, ownerid: USER.sam },
      { type: 'assignRecord', recordid: ACCOUNT.sam, ownerid: USER.sue },
    ]);
    if (!r.ok) throw new Error(r.error.message);
    const row = r.changes.find((c) => c.systemuserid === USER.sue && c.entity === 'account' && c.right === 'Read');
    expect(row).toBeDefined();
    expect(row!.recordsBefore).toBe(before.length);
    expect(row!.recordsAfter).toBe(before.length);
  });
});
