import { describe, expect, it } from 'vitest';
import { applyAll } from '../core/commands/apply';
import type { Command } from '../core/commands/schema';
import type { OrgState } from '../core/model/org';
import { toInterchange } from '../core/interchange/fromState';
import { BU, ROLE, TEAM, USER, assignUser, contoso } from '../../test/fixtures/orgCharts';
import { commandsBetween } from './stateChanges';

function after(base: OrgState, commands: Command[]): OrgState {
  const r = applyAll(base, commands);
  if (!r.ok) throw new Error(r.error.message);
  return r.state;
}

/** What a delta pull must reach: the commands between two states, applied to the first, give the second. */
function roundTrip(before: OrgState, target: OrgState, counted: string[] = []) {
  const commands = commandsBetween(before, target, counted);
  const reached = after(before, commands);
  expect(toInterchange(reached)).toEqual(toInterchange(target));
  return commands;
}

describe('the changes a delta pull applies', () => {
  it('nothing changed in the environment: no command', () => {
    const s = contoso();
    expect(commandsBetween(s, s)).toEqual([]);
  });

  it('a new business unit with its default team, a user moved into it under a new manager, a role held there', () => {
    const s = contoso([assignUser(USER.sue, ROLE.accountReaderBasic)]);
    const target = after(s, [
      { type: 'createBusinessUnit', businessunitid: 'bu-north', defaultteamid: 'team-north', name: 'North', parentbusinessunitid: BU.sales },
      { type: 'moveUser', systemuserid: USER.wes, businessunitid: 'bu-north' },
      { type: 'updateUser', systemuserid: USER.wes, parentsystemuserid: USER.ada },
      { type: 'assignRole', systemuserid: USER.wes, roleid: ROLE.accountReaderDeep },
      { type: 'setRolePrivilege', roleid: ROLE.accountReaderBasic, privilege: 'prvWriteAccount', depth: 'Local' },
    ]);
    const commands = roundTrip(s, target);
    expect(commands.map((c) => c.type)).toEqual(['createBusinessUnit', 'updateUser', 'moveUser', 'replaceRolePrivileges', 'assignRole']);
  });

  it('a user the environment no longer lists is kept and disabled: Dataverse never deletes users', () => {
    const s = contoso();
    const { [USER.sven]: _gone, ...rest } = Object.fromEntries(s.systemusers);
    void _gone;
    const target = { ...s, systemusers: new Map(Object.entries(rest)) };
    expect(commandsBetween(s, target)).toEqual([{ type: 'setUserDisabled', systemuserid: USER.sven, isdisabled: true }]);
  });

  it('a deleted team takes its members and roles with it; a renamed one is renamed', () => {
    const s = contoso([{ type: 'assignRole', teamid: TEAM.keyAccounts, roleid: ROLE.accountReaderDeep }]);
    const target = after(s, [
      { type: 'updateTeam', teamid: TEAM.supportGroup, name: 'Support (Entra)' },
      { type: 'assignRecord', recordid: 'acc-key', ownerid: USER.sue },
      { type: 'deleteTeam', teamid: TEAM.keyAccounts },
    ]);
    // The sample record's owner is not something a pull reads: compare without records.
    const plain = (x: OrgState) => ({ ...x, records: new Map(), shares: new Map() });
    const commands = roundTrip(plain(s), plain(target));
    expect(commands).toEqual([
      { type: 'updateTeam', teamid: TEAM.supportGroup, name: 'Support (Entra)' },
      { type: 'deleteTeam', teamid: TEAM.keyAccounts },
    ]);
  });

  it("a unit's default team held under the vault's own id takes the environment's, keeping its role", () => {
    const s = after(contoso(), [{ type: 'createBusinessUnit', businessunitid: 'bu-north', defaultteamid: 'team-north-vault', name: 'North', parentbusinessunitid: BU.sales }, { type: 'assignRole', teamid: 'team-north-vault', roleid: ROLE.accountReaderBasic }]);
    const target = after(s, [{ type: 'setDefaultTeamId', businessunitid: 'bu-north', teamid: 'team-north-environment' }]);
    expect(roundTrip(s, target)).toEqual([{ type: 'setDefaultTeamId', businessunitid: 'bu-north', teamid: 'team-north-environment' }]);
  });

  it('record counts change only for the tables counted this time', () => {
    const s = after(contoso(), [{ type: 'setRecordCounts', entity: 'contact', counts: [{ ownerid: USER.sue, owningbusinessunit: BU.sales, count: 5 }] }]);
    const target = after(s, [{ type: 'setRecordCounts', entity: 'account', counts: [{ ownerid: USER.ada, owningbusinessunit: BU.contoso, count: 9 }] }]);
    const noContact = { ...target, recordcounts: new Map([...target.recordcounts].filter(([, r]) => r.entity !== 'contact')) };
    expect(commandsBetween(s, noContact, ['account'])).toEqual([{ type: 'setRecordCounts', entity: 'account', counts: [{ ownerid: USER.ada, owningbusinessunit: BU.contoso, count: 9 }] }]);
  });
});
