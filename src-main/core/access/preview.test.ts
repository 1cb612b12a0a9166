import { describe, expect, it } from 'vitest';
import { preview } from './preview';
import { AccessEngine } from './engine';
import { ACCOUNT, BU, ROLE, TEAM, USER, assignTeam, assignUser, contoso } from '../../../test/fixtures/orgCharts';

function previewOf(...args: Parameters<typeof preview>) {
  const r = preview(...args);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('preview', () => {
  it('counts, per unit, the accounts a Deep reader reaches: the unit and below whole, shares elsewhere', () => {
    const p = previewOf(contoso([assignUser(USER.sue, ROLE.accountReaderDeep)]), USER.sue, 'account', 'Read');
    expect(p.privilege).toBe('prvReadAccount');
    expect(p.depth).toBe('Deep');
    expect(p.records).toBe(7);
    expect(p.businessunits).toEqual({
      [BU.contoso]: { depth: null, records: 0 },
      [BU.sales]: { depth: 'Deep', records: 3 },
      [BU.west]: { depth: 'Deep', records: 2 },
      [BU.service]: { depth: 'Basic', records: 2 }, // acc-shared and acc-deal
    });
  });

  it('counts only the user\'s unit at Local', () => {
    const p = previewOf(contoso([assignUser(USER.sue, ROLE.accountReaderLocal)]), USER.sue, 'account', 'Read');
    expect(p.depth).toBe('Local');
    expect(p.records).toBe(5);
    expect(p.businessunits[BU.sales]).toEqual({ depth: 'Local', records: 3 });
    expect(p.businessunits[BU.west]).toEqual({ depth: null, records: 0 });
    expect(p.businessunits[BU.service]).toEqual({ depth: 'Basic', records: 2 });
  });

  it('counts own, team-owned and shared accounts at Basic, and only the shares carrying the right', () => {
    const s = contoso([assignUser(USER.sue, ROLE.salesperson)]);
    const read = previewOf(s, USER.sue, 'account', 'Read');
    expect(read.depth).toBe('Basic');
    expect(read.records).toBe(4);
    expect(read.businessunits[BU.sales]).toEqual({ depth: 'Basic', records: 2 });
    expect(read.businessunits[BU.service]).toEqual({ depth: 'Basic', records: 2 });
    const write = previewOf(s, USER.sue, 'account', 'Write');
    expect(write.records).toBe(3);
    expect(write.businessunits[BU.service]).toEqual({ depth: 'Basic', records: 1 });
    expect(previewOf(s, USER.sue, 'account', 'Delete').records).toBe(2);
  });

  it('counts every account of every unit at Global', () => {
    const p = previewOf(contoso([assignUser(USER.sue, ROLE.accountReaderGlobal)]), USER.sue, 'account', 'Read');
    expect(p.records).toBe(Object.keys(ACCOUNT).length);
    expect(p.businessunits).toEqual({
      [BU.contoso]: { depth: 'Global', records: 1 },
      [BU.sales]: { depth: 'Global', records: 3 },
      [BU.west]: { depth: 'Global', records: 2 },
      [BU.service]: { depth: 'Global', records: 3 },
    });
  });

  it('scopes a team-only role to the team\'s unit', () => {
    const p = previewOf(contoso([assignTeam(TEAM.keyAccounts, ROLE.teamOnlyLocal)]), USER.wes, 'account', 'Read');
    expect(p.records).toBe(3);
    expect(p.businessunits[BU.sales]).toEqual({ depth: 'Local', records: 3 });
    expect(p.businessunits[BU.west].records).toBe(0);
  });

  it('reports nothing for a user without the privilege, or a disabled user', () => {
    expect(previewOf(contoso(), USER.sue, 'account', 'Read')).toMatchObject({ depth: null, records: 0 });
    const s = contoso([assignUser(USER.sue, ROLE.accountReaderGlobal), { type: 'setUserDisabled', systemuserid: USER.sue, isdisabled: true }]);
    const p = previewOf(s, USER.sue, 'account', 'Read');
    expect(p).toMatchObject({ depth: null, records: 0 });
    expect(Object.values(p.businessunits).every((x) => x.records === 0 && x.depth === null)).toBe(true);
  });

  it('refuses an unknown user, an unknown table and a right the table does not have', () => {
    const s = contoso();
    const ghost = preview(s, 'user-ghost', 'account', 'Read');
    expect(ghost.ok).toBe(false);
    if (!ghost.ok) expect(ghost.error.message).toMatch(/user user-ghost does not exist/);
    const table = preview(s, USER.sue, 'nosuchtable', 'Read');
    expect(!table.ok && table.error.message).toMatch(/unknown table "nosuchtable"/);
    const right = preview(s, USER.sue, 'queueitem', 'Share');
    expect(!right.ok && right.error.message).toMatch(/queueitem has no Share privilege/);
  });
});

describe('preview of a team or of a role', () => {
  it('shows what a team reaches acting as the team: its unit at Local, its own records at Basic', () => {
    const s = contoso([assignTeam(TEAM.keyAccounts, ROLE.accountReaderBasic)]);
    const basic = previewOf(s, { kind: 'team', teamid: TEAM.keyAccounts }, 'account', 'Read');
    expect(basic.depth).toBe('Basic');
    expect(basic.records).toBe(1); // the Key Accounts team's own account
    expect(basic.businessunits[BU.sales]).toEqual({ depth: 'Basic', records: 1 });
    const local = previewOf(contoso([assignTeam(TEAM.keyAccounts, ROLE.accountReaderLocal)]), { kind: 'team', teamid: TEAM.keyAccounts }, 'account', 'Read');
    expect(local.businessunits[BU.sales]).toEqual({ depth: 'Local', records: 3 });
    expect(local.records).toBe(3);
  });

  it('shows a holder of a role in a unit: Deep from that unit down, nothing of their own', () => {
    const p = previewOf(contoso(), { kind: 'role', roleid: ROLE.accountReaderDeep, businessunitid: BU.sales }, 'account', 'Read');
    expect(p.depth).toBe('Deep');
    expect(p.records).toBe(5);
    expect(p.businessunits[BU.contoso]).toEqual({ depth: null, records: 0 });
    expect(p.businessunits[BU.service]).toEqual({ depth: null, records: 0 });
    const basic = previewOf(contoso(), { kind: 'role', roleid: ROLE.accountReaderBasic, businessunitid: BU.west }, 'account', 'Read');
    expect(basic.businessunits[BU.west]).toEqual({ depth: 'Basic', records: 0 });
    expect(basic.records).toBe(0);
  });

  it('refuses a principal that does not exist, naming it', () => {
    const r = preview(contoso(), { kind: 'team', teamid: 'no-such-team' }, 'account', 'Read');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toBe('team no-such-team does not exist');
  });
});

describe('the paths of a team or a role holder', () => {
  it('lists a team role at the team\'s unit, and a role held in a unit at that unit', () => {
    const s = contoso([assignTeam(TEAM.keyAccounts, ROLE.accountReaderLocal)]);
    const engine = AccessEngine.of(s);
    const team = engine.explainPrincipal({ kind: 'team', teamid: TEAM.keyAccounts }, 'account', 'Read');
    expect(team.allowed).toBe(true);
    expect(team.paths).toEqual([expect.objectContaining({ roleid: ROLE.accountReaderLocal, via: 'team', teamid: TEAM.keyAccounts, depth: 'Local', scopebusinessunitid: BU.sales, reach: 'businessunit' })]);
    const role = engine.explainPrincipal({ kind: 'role', roleid: ROLE.accountReaderDeep, businessunitid: BU.west }, 'account', 'Read');
    expect(role.paths).toEqual([expect.objectContaining({ via: 'direct', depth: 'Deep', scopebusinessunitid: BU.west, reach: 'businessunit-and-below' })]);
    const none = engine.explainPrincipal({ kind: 'team', teamid: TEAM.deal }, 'account', 'Read');
    expect(none.allowed).toBe(false);
    expect(none.reasons[0]).toContain('holds no roles');
  });
});
