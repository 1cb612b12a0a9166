import { describe, expect, it } from 'vitest';
import { preview } from '../core/access/preview';
import { applyAll } from '../core/commands/apply';
import { FABRIKAM as F, fabrikam } from './fabrikam.fixture';
import { hierarchyChannels } from '../bridge/channels/hierarchy';
import { hierarchyUnits, overlay, overlayColumns, stagedUnitChanges, unitColumns, unitMembers } from './hierarchy';
import { OrgSession } from './orgSession';
import { Staging } from './staging';

describe('the business-unit graph', () => {
  it('lists every unit parents first with its users, its teams other than the default, and its disabled state', () => {
    expect(hierarchyUnits(fabrikam()).map((u) => [u.name, u.users, u.teams, u.isdisabled])).toEqual([
      ['Fabrikam', 1, 0, false],
      ['Sales', 1, 1, false],
      ['Sales North', 1, 0, false],
      ['Service', 0, 0, true],
    ]);
  });

  it('gives a unit’s users and teams on demand, the default team first', () => {
    const m = unitMembers(fabrikam(), F.sales);
    expect(m.users.map((u) => u.fullname)).toEqual(['Sam Seller']);
    expect(m.teams.map((t) => [t.name, t.isdefault])).toEqual([
      ['Sales', true],
      ['Key Accounts', false],
    ]);
  });
});

describe('the depth overlay', () => {
  it('colours Sales at Local for Sam reading accounts, with his account counted there, as preview() does', () => {
    const s = fabrikam();
    const r = overlay(s, null, { principal: { kind: 'user', systemuserid: F.sam }, entity: 'account', right: 'Read' });
    if (!r.ok) throw new Error(r.error.message);
    const p = preview(s, F.sam, 'account', 'Read');
    if (!p.ok) throw new Error(p.error.message);
    expect(r.value.before.depth).toBe('Local');
    expect(r.value.before.records).toBe(1);
    for (const [id, u] of Object.entries(p.value.businessunits)) {
      const o = r.value.before.units.find((x) => x.businessunitid === id);
      expect(o ?? { depth: null, records: 0 }).toMatchObject({ depth: u.depth, records: u.records });
    }
    expect(r.value.after).toBeNull();
  });

  it('shows the staged state beside the committed one: Nina reaches every unit once Salesperson reads at Global', () => {
    const s = fabrikam();
    const after = applyAll(s, [{ type: 'setRolePrivilege', roleid: F.salesperson, privilege: 'prvReadAccount', depth: 'Global' }]);
    if (!after.ok) throw new Error('refused');
    const r = overlay(s, after.state, { principal: { kind: 'user', systemuserid: F.nina }, entity: 'account', right: 'Read' });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.before.records).toBe(0);
    expect(r.value.after).toMatchObject({ depth: 'Global', records: 1 });
    expect(r.value.after!.units).toHaveLength(4);
  });

  it('previews a role as held by someone in a unit', () => {
    const r = overlay(fabrikam(), null, { principal: { kind: 'role', roleid: F.salesperson, businessunitid: F.salesNorth }, entity: 'account', right: 'Read' });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.before.units.filter((u) => u.depth === 'Local').map((u) => u.businessunitid)).toEqual([F.salesNorth]);
  });
});

describe('the staged change at a glance', () => {
  it('counts the records owned in each unit, whoever owns them there', () => {
    const s = fabrikam();
    const units = hierarchyUnits(s);
    expect(units.reduce((n, u) => n + u.records, 0)).toBe(s.records.size);
  });

  it('marks every unit where Nina gains once Salesperson reads accounts at Global, and no unit for another table', () => {
    const session = new OrgSession(fabrikam());
    const staging = new Staging(session);
    expect(stagedUnitChanges(session.current, staging, 'account', 'Read')).toEqual({ ok: true, value: { users: 0, units: [] } });
    staging.stage([{ type: 'setRolePrivilege', roleid: F.salesperson, privilege: 'prvReadAccount', depth: 'Global' }]);
    const r = stagedUnitChanges(session.current, staging, 'account', 'Read');
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.users).toBeGreaterThan(0);
    const after = staging.after()!;
    // Every unit whose preview for some changed user differs counts that user as gaining there.
    const gains = new Map<string, number>();
    for (const u of after.systemusers.keys()) {
      const b = preview(session.current, u, 'account', 'Read');
      const a = preview(after, u, 'account', 'Read');
      if (!b.ok || !a.ok) continue;
      for (const [id, x] of Object.entries(a.value.businessunits)) {
        const y = b.value.businessunits[id];
        if (x.depth !== y.depth || x.records !== y.records) gains.set(id, (gains.get(id) ?? 0) + 1);
      }
    }
    expect(new Map(r.value.units.map((u) => [u.businessunitid, u.gain]))).toEqual(gains);
    expect(r.value.units.every((u) => u.lose === 0)).toBe(true);
    expect(stagedUnitChanges(session.current, staging, 'contact', 'Read')).toMatchObject({ ok: true, value: { users: 0, units: [] } });
  });
});

describe('the overview’s compact answers', () => {
  it('sends the units as parallel columns, parents by index, once per organization state', () => {
    const s = fabrikam();
    const units = hierarchyUnits(s);
    const { columns, index } = unitColumns(s);
    expect(unitColumns(s).columns).toBe(columns);
    const split = (text: string, ends: Int32Array) => [...ends].map((e, i) => text.slice(i ? ends[i - 1] : 0, e));
    const ids = split(columns.ids, columns.idEnds);
    expect(columns.count).toBe(units.length);
    expect(ids).toEqual(units.map((u) => u.businessunitid));
    expect(split(columns.names, columns.nameEnds)).toEqual(units.map((u) => u.name));
    expect([...columns.users]).toEqual(units.map((u) => u.users));
    expect([...columns.records]).toEqual(units.map((u) => u.records));
    expect([...columns.disabled]).toEqual(units.map((u) => (u.isdisabled ? 1 : 0)));
    expect([...columns.parents].map((p) => (p >= 0 ? ids[p] : null))).toEqual(units.map((u) => u.parentbusinessunitid));
    expect(index.get(units[1].businessunitid)).toBe(1);
    expect(hierarchyChannels['hierarchy:units'].response.safeParse({ units: columns, entities: [] }).success).toBe(true);
  });

  it('refuses columns of unequal lengths or a parent after its child', () => {
    const schema = hierarchyChannels['hierarchy:units'].response;
    const base = { count: 2, ids: 'ab', idEnds: Int32Array.from([1, 2]), names: 'AB', nameEnds: Int32Array.from([1, 2]), parents: Int32Array.from([-1, 0]), disabled: new Uint8Array(2), users: new Int32Array(2), teams: new Int32Array(2), records: new Int32Array(2) };
    expect(schema.safeParse({ units: base, entities: [] }).success).toBe(true);
    expect(schema.safeParse({ units: { ...base, users: new Int32Array(1) }, entities: [] }).success).toBe(false);
    expect(schema.safeParse({ units: { ...base, nameEnds: Int32Array.from([1, 3]) }, entities: [] }).success).toBe(false);
    expect(schema.safeParse({ units: { ...base, parents: Int32Array.from([1, -1]) }, entities: [] }).success).toBe(false);
    expect(schema.safeParse({ units: { ...base, users: [0, 0] }, entities: [] }).success).toBe(false);
  });

  it('sends the overlay as depth levels and records indexed like the units', () => {
    const s = fabrikam();
    const after = applyAll(s, [{ type: 'setRolePrivilege', roleid: F.salesperson, privilege: 'prvReadAccount', depth: 'Global' }]);
    if (!after.ok) throw new Error('refused');
    const r = overlay(s, after.state, { principal: { kind: 'user', systemuserid: F.nina }, entity: 'account', right: 'Read' });
    if (!r.ok) throw new Error(r.error.message);
    const { columns, index } = unitColumns(s);
    const c = overlayColumns(r.value, index);
    expect([...c.after!.levels]).toEqual(Array.from({ length: columns.count }, () => 4));
    for (const u of r.value.before.units) expect(c.before.unitRecords[index.get(u.businessunitid)!]).toBe(u.records);
    expect(c.before.levels).toHaveLength(columns.count);
    expect(hierarchyChannels['hierarchy:overlay'].response.safeParse(c).success).toBe(true);
  });
});
