import { describe, expect, it } from 'vitest';
import { applyAll } from '../commands/apply';
import type { Command } from '../commands/schema';
import type { OrgState } from '../model/org';
import { diff } from './diff';
import { preview } from './preview';
import { BU, ROLE, TEAM, USER, assignUser, contoso } from '../../../test/fixtures/orgCharts';

/** Contoso without its sample records, holding instead the environment's counts of accounts per owner. */
function counted(extra: readonly Command[] = []): OrgState {
  const base = contoso(extra);
  const r = applyAll({ ...base, records: new Map(), shares: new Map() }, [
    {
      type: 'setRecordCounts',
      entity: 'account',
      counts: [
        { ownerid: USER.ada, owningbusinessunit: BU.contoso, count: 200 },
        { ownerid: USER.sue, owningbusinessunit: BU.sales, count: 34 },
        { ownerid: TEAM.keyAccounts, owningbusinessunit: BU.sales, count: 400 },
        { ownerid: USER.wes, owningbusinessunit: BU.west, count: 500 },
        { ownerid: USER.sven, owningbusinessunit: BU.service, count: 100 },
      ],
    },
  ]);
  if (!r.ok) throw new Error(r.error.message);
  return r.state;
}

describe('record counts from the environment in previews and diffs', () => {
  it("a user gaining Global read on account sees the environment's 1,234 accounts", () => {
    const d = diff(counted([assignUser(USER.sue, ROLE.accountReaderBasic)]), [{ type: 'setRolePrivilege', roleid: ROLE.accountReaderBasic, privilege: 'prvReadAccount', depth: 'Global' }]);
    if (!d.ok) throw new Error(d.error.message);
    const sue = d.changes.find((c) => c.systemuserid === USER.sue && c.entity === 'account' && c.right === 'Read');
    // Before: her own 34 and the 400 of her owner team; after: every counted account.
    expect(sue).toMatchObject({ depthBefore: 'Basic', depthAfter: 'Global', recordsBefore: 434, recordsAfter: 1234, direction: 'gain' });
  });

  it('a Deep reader in Sales reaches the counted accounts of Sales and Sales West, and no others', () => {
    const p = preview(counted([assignUser(USER.sue, ROLE.accountReaderDeep)]), USER.sue, 'account', 'Read');
    if (!p.ok) throw new Error(p.error.message);
    expect(p.value.records).toBe(934);
    expect(p.value.businessunits[BU.sales]).toEqual({ depth: 'Deep', records: 434 });
    expect(p.value.businessunits[BU.west]).toEqual({ depth: 'Deep', records: 500 });
    expect(p.value.businessunits[BU.contoso]).toEqual({ depth: null, records: 0 });
  });

  it('a new count for the same owners shows in the next preview, and an owner left out holds none', () => {
    const r = applyAll(counted([assignUser(USER.sue, ROLE.accountReaderDeep)]), [{ type: 'setRecordCounts', entity: 'account', counts: [{ ownerid: USER.wes, owningbusinessunit: BU.west, count: 7 }] }]);
    if (!r.ok) throw new Error(r.error.message);
    const p = preview(r.state, USER.sue, 'account', 'Read');
    expect(p.ok && p.value.records).toBe(7);
    expect(r.applied[0].summary).toBe('Counted 7 account record(s) over 1 owner(s) (was 1,234)');
  });

  it('refuses counts of an unknown table, an organization-owned table, a missing owner or an access team, naming the field', () => {
    const s = counted();
    const refusal = (c: Command) => {
      const r = applyAll(s, [c]);
      return r.ok ? null : { message: r.error.message, path: r.error.path };
    };
    expect(refusal({ type: 'setRecordCounts', entity: 'acount', counts: [] })).toEqual({ message: 'unknown table "acount"', path: 'entity' });
    expect(refusal({ type: 'setRecordCounts', entity: 'product', counts: [] })?.message).toMatch(/product is organization-owned/);
    expect(refusal({ type: 'setRecordCounts', entity: 'account', counts: [{ ownerid: 'user-nobody', owningbusinessunit: BU.sales, count: 1 }] })).toEqual({ message: 'owner user-nobody is neither a user nor a team', path: 'counts[0].ownerid' });
    expect(refusal({ type: 'setRecordCounts', entity: 'account', counts: [{ ownerid: TEAM.deal, owningbusinessunit: BU.service, count: 1 }] })?.path).toBe('counts[0].ownerid');
    expect(refusal({ type: 'setRecordCounts', entity: 'account', counts: [{ ownerid: USER.sue, owningbusinessunit: 'bu-gone', count: 1 }] })).toEqual({ message: 'business unit bu-gone does not exist', path: 'counts[0].owningbusinessunit' });
  });

  it('keeps a team that owns counted records from being deleted', () => {
    const r = applyAll(counted(), [{ type: 'deleteTeam', teamid: TEAM.keyAccounts }]);
    expect(r.ok ? null : r.error.message).toMatch(/owns 400 record\(s\)/);
  });
});
