import { describe, expect, it } from 'vitest';
import { OrgSession } from './orgSession';
import { AccessEngine } from '../core/access/engine';
import { FABRIKAM as F, fabrikam } from './fabrikam.fixture';

describe('OrgSession over Fabrikam', () => {
  it('summarises the organization with its name and the size of every table', () => {
    const s = new OrgSession(fabrikam()).summary();
    expect(s.name).toBe('Fabrikam');
    expect(s.counts).toEqual({ businessunits: 4, users: 3, teams: 5, roles: 2, records: 1 });
  });

  it('lists business units parents first, siblings by name, with their own users and disabled flag', () => {
    const s = new OrgSession(fabrikam()).summary();
    expect(s.businessunits.map((u) => [u.name, u.parentbusinessunitid, u.isdisabled, u.users])).toEqual([
      ['Fabrikam', null, false, 1],
      ['Sales', F.root, false, 1],
      ['Sales North', F.sales, false, 1],
      ['Service', F.root, true, 0],
    ]);
  });

  it('counts each user or team holding a role once', () => {
    const s = new OrgSession(fabrikam()).summary();
    expect(s.roles).toEqual([
      { roleid: F.salesperson, name: 'Salesperson', businessunitid: F.root, holders: 3 },
      { roleid: F.sysadmin, name: 'System Administrator', businessunitid: F.root, holders: 1 },
    ]);
  });

  it('applies a valid command and reports the new summary with what changed', () => {
    const session = new OrgSession(fabrikam());
    const r = session.apply({ type: 'createBusinessUnit', businessunitid: 'bu-marketing', defaultteamid: 'team-marketing', name: 'Marketing', parentbusinessunitid: F.root });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.message).toMatch(/Marketing/);
    expect(r.value.summary.businessunits.map((u) => u.name)).toEqual(['Fabrikam', 'Marketing', 'Sales', 'Sales North', 'Service']);
    expect(session.summary().counts.businessunits).toBe(5);
  });

  it('returns a refusal naming the bad field and leaves the organization unchanged', () => {
    const session = new OrgSession(fabrikam());
    const before = session.current;
    const r = session.apply({ type: 'createBusinessUnit', businessunitid: 'bu-x', defaultteamid: 'team-x', name: 'Sales', parentbusinessunitid: F.root });
    expect(r).toMatchObject({ ok: false, error: { code: 'duplicate-name', path: 'name' } });
    expect(session.current).toBe(before);
  });

  it('refuses a command that is not a command at all', () => {
    const r = new OrgSession(fabrikam()).apply({ type: 'launchRockets' });
    expect(r.ok).toBe(false);
  });

  it('explains that a Local Salesperson reads accounts across their own business unit', () => {
    const e = AccessEngine.of(new OrgSession(fabrikam()).current).explain(F.sam, 'account', 'Read');
    expect(e.allowed).toBe(true);
    expect(e.depth).toBe('Local');
    expect(e.paths.some((p) => p.rolename === 'Salesperson' && p.via === 'direct' && p.reach === 'businessunit')).toBe(true);
    expect(e.paths.some((p) => p.via === 'team' && p.teamname === 'Key Accounts')).toBe(true);
  });

  it('explains why a Salesperson in a child unit cannot read an account of the parent unit', () => {
    const e = AccessEngine.of(new OrgSession(fabrikam()).current).explain(F.nina, 'account', 'Read', F.samsAccount);
    expect(e.allowed).toBe(false);
    expect(e.reasons.length).toBeGreaterThan(0);
  });

  it('explains after a change against the new state', () => {
    const session = new OrgSession(fabrikam());
    expect(AccessEngine.of(session.current).explain(F.nina, 'account', 'Read', F.samsAccount).allowed).toBe(false);
    session.apply({ type: 'assignRole', systemuserid: F.nina, roleid: F.sysadmin });
    expect(AccessEngine.of(session.current).explain(F.nina, 'account', 'Read', F.samsAccount).allowed).toBe(true);
  });
});
