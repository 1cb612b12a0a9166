import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AccessEngine } from './engine';
import { preview } from './preview';
import { diff, type AccessChange } from './diff';
import { apply, applyAll } from '../commands/apply';
import type { Command } from '../commands/schema';
import { catalogFor } from '../catalog/catalog';
import { ACCESS_RIGHT_MASK, DIRECT_REPORT_RIGHTS, RIGHTS, type AccessRight } from '../model/accessRights';
import { DEPTHS, depthLevel, type Depth } from '../model/depth';
import { newOrganization, type Id, type OrgState } from '../model/org';
import { reachable } from '../../../test/fixtures/orgCharts';

// ---- a generator of small organizations -------------------------------------------------------

const ENTITIES = ['account', 'contact'] as const;
const PRIVILEGES = ['prvReadAccount', 'prvWriteAccount', 'prvDeleteAccount', 'prvShareAccount', 'prvAppendAccount', 'prvReadContact', 'prvWriteContact'];
const SHARE_BITS = [ACCESS_RIGHT_MASK.Read, ACCESS_RIGHT_MASK.Write, ACCESS_RIGHT_MASK.Delete, ACCESS_RIGHT_MASK.Share, ACCESS_RIGHT_MASK.Append];
const ROOT = 'bu0';

const ix = fc.nat(1000);
const depthArb = fc.constantFrom<Depth>(...DEPTHS);

const orgSpec = fc.record({
  units: fc.array(fc.record({ parent: ix, disabled: fc.integer({ min: 0, max: 7 }).map((n) => n === 0) }), { maxLength: 4 }),
  users: fc.array(fc.record({ unit: ix, manager: fc.option(ix, { nil: null }), disabled: fc.integer({ min: 0, max: 7 }) }), { minLength: 1, maxLength: 5 }),
  teams: fc.array(fc.record({ type: fc.constantFrom(0, 0, 1, 2), unit: ix, members: fc.array(ix, { maxLength: 3 }) }), { maxLength: 3 }),
  roles: fc.array(
    fc.record({
      unit: fc.option(ix, { nil: undefined }),
      isinherited: fc.constantFrom(0 as const, 1 as const),
      privileges: fc.dictionary(fc.constantFrom(...PRIVILEGES), depthArb, { maxKeys: 5 }),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  userRoles: fc.array(fc.record({ who: ix, role: ix, scope: fc.option(ix, { nil: undefined }) }), { maxLength: 6 }),
  teamRoles: fc.array(fc.record({ who: ix, role: ix, scope: fc.option(ix, { nil: undefined }) }), { maxLength: 4 }),
  records: fc.array(fc.record({ entity: fc.constantFrom(...ENTITIES), owner: ix, ownerIsTeam: fc.boolean() }), { maxLength: 8 }),
  shares: fc.array(fc.record({ record: ix, principal: ix, toTeam: fc.boolean(), bits: fc.subarray(SHARE_BITS, { minLength: 1 }) }), { maxLength: 4 }),
  hierarchy: fc.record({ enabled: fc.boolean(), depth: fc.integer({ min: 1, max: 3 }) }),
});
type OrgSpec = typeof orgSpec extends fc.Arbitrary<infer T> ? T : never;

const pick = <T>(list: readonly T[], i: number): T => list[i % list.length];

/** The commands of a spec; some may be refused (a role not available in a unit, ...) and are then skipped. */
function commandsOf(spec: OrgSpec): Command[] {
  const units = [ROOT, ...spec.units.map((_, k) => `bu${k + 1}`)];
  const users = spec.users.map((_, k) => `u${k}`);
  const teams = spec.teams.map((_, k) => `t${k}`);
  const roles = spec.roles.map((_, k) => `r${k}`);
  const cmds: Command[] = [];
  spec.units.forEach((x, k) =>
    cmds.push({ type: 'createBusinessUnit', businessunitid: units[k + 1], name: `Unit ${k + 1}`, parentbusinessunitid: units[x.parent % (k + 1)], defaultteamid: `dt${k + 1}` }),
  );
  spec.users.forEach((x, k) =>
    cmds.push({
      type: 'createUser',
      systemuserid: users[k],
      fullname: `User ${k}`,
      domainname: `u${k}@example.com`,
      businessunitid: pick(units, x.unit),
      parentsystemuserid: x.manager === null || k === 0 ? null : users[x.manager % k],
    }),
  );
  spec.teams.forEach((x, k) => {
    cmds.push({ type: 'createTeam', teamid: teams[k], name: `Team ${k}`, teamtype: x.type, businessunitid: pick(units, x.unit) });
    for (const m of x.members) cmds.push({ type: 'addTeamMember', teamid: teams[k], systemuserid: pick(users, m) });
  });
  spec.roles.forEach((x, k) =>
    cmds.push({ type: 'createRole', roleid: roles[k], name: `Role ${k}`, businessunitid: x.unit === undefined ? undefined : pick(units, x.unit), isinherited: x.isinherited, privileges: x.privileges }),
  );
  for (const a of spec.userRoles) {
    cmds.push({ type: 'assignRole', systemuserid: pick(users, a.who), roleid: pick(roles, a.role), ...(a.scope === undefined ? {} : { businessunitid: pick(units, a.scope) }) });
  }
  // Team roles also go to default teams: every unit's default team is a candidate.
  const roleHolders = [...teams, 'dt0', ...spec.units.map((_, k) => `dt${k + 1}`)];
  for (const a of spec.teamRoles) {
    cmds.push({ type: 'assignRole', teamid: pick(roleHolders, a.who), roleid: pick(roles, a.role), ...(a.scope === undefined ? {} : { businessunitid: pick(units, a.scope) }) });
  }
  const owners = (isTeam: boolean) => (isTeam && teams.length ? [...teams, 'dt0'] : users);
  spec.records.forEach((x, k) => cmds.push({ type: 'createRecord', recordid: `rec${k}`, entity: x.entity, name: null, ownerid: pick(owners(x.ownerIsTeam), x.owner) }));
  if (spec.records.length) {
    for (const sh of spec.shares) {
      const principals = sh.toTeam && teams.length ? [...teams, 'dt0'] : users;
      cmds.push({ type: 'shareRecord', recordid: `rec${sh.record % spec.records.length}`, principalid: pick(principals, sh.principal), accessrightsmask: sh.bits.reduce((a, b) => a | b, 0) });
    }
  }
  cmds.push({ type: 'setHierarchySecurity', enabled: spec.hierarchy.enabled, depth: spec.hierarchy.depth });
  // Disable last: a disabled unit accepts no new users.
  spec.users.forEach((x, k) => x.disabled === 0 && cmds.push({ type: 'setUserDisabled', systemuserid: users[k], isdisabled: true }));
  spec.units.forEach((x, k) => x.disabled && cmds.push({ type: 'setBusinessUnitDisabled', businessunitid: units[k + 1], isdisabled: true }));
  return cmds;
}

function buildOrg(spec: OrgSpec): OrgState {
  let s = newOrganization({ name: 'Generated', rootbusinessunitid: ROOT, rootname: 'Root', defaultteamid: 'dt0' });
  for (const c of commandsOf(spec)) {
    const r = apply(s, c);
    if (r.ok) s = r.value.state;
  }
  return s;
}

const orgArb = orgSpec.map(buildOrg);

// ---- the reference checker: the rules, written out naively -------------------------------------

function unitChain(s: OrgState, unit: Id): Id[] {
  const out: Id[] = [];
  for (let cur: Id | null = unit; cur !== null; cur = s.businessunits.get(cur)?.parentbusinessunitid ?? null) out.push(cur);
  return out;
}
const isBelowOrSelf = (s: OrgState, unit: Id, scope: Id) => unitChain(s, unit).includes(scope);

function teamsOf(s: OrgState, userId: Id): Id[] {
  const user = s.systemusers.get(userId)!;
  const out: Id[] = [];
  for (const t of s.teams.values()) {
    if (t.isdefault ? t.businessunitid === user.businessunitid : s.teammembership.has(`${t.teamid}|${userId}`)) out.push(t.teamid);
  }
  return out;
}

interface RefGrant {
  roleid: Id;
  scope: Id;
  /** null: acts as the user; a team id: acts only as that team. */
  team: Id | null;
}

function grantsOf(s: OrgState, userId: Id): RefGrant[] {
  const user = s.systemusers.get(userId)!;
  const out: RefGrant[] = [];
  for (const a of s.systemuserroles.values()) if (a.systemuserid === userId) out.push({ roleid: a.roleid, scope: a.businessunitid ?? user.businessunitid, team: null });
  for (const teamid of teamsOf(s, userId)) {
    const team = s.teams.get(teamid)!;
    for (const a of s.teamroles.values()) {
      if (a.teamid !== teamid) continue;
      out.push({ roleid: a.roleid, scope: a.businessunitid ?? team.businessunitid, team: teamid });
      if (s.roles.get(a.roleid)!.isinherited === 1) out.push({ roleid: a.roleid, scope: user.businessunitid, team: null });
    }
  }
  return out;
}

function ownerUnit(s: OrgState, ownerid: Id): Id {
  return s.systemusers.get(ownerid)?.businessunitid ?? s.teams.get(ownerid)!.businessunitid;
}

function isActive(s: OrgState, userId: Id): boolean {
  const user = s.systemusers.get(userId)!;
  return !user.isdisabled && unitChain(s, user.businessunitid).every((b) => !s.businessunits.get(b)!.isdisabled);
}

function refCheck(s: OrgState, userId: Id, recordId: Id, right: AccessRight): boolean {
  if (!isActive(s, userId)) return false;
  const rec = s.records.get(recordId)!;
  const priv = catalogFor(s).privilegeFor(rec.entity, right);
  if (!priv) return false;
  const unit = ownerUnit(s, rec.ownerid);
  const myTeams = teamsOf(s, userId);
  const sharedWith = (principal: Id) => ((s.shares.get(`${recordId}|${principal}`)?.accessrightsmask ?? 0) & ACCESS_RIGHT_MASK[right]) !== 0;
  const hs = s.organization.hierarchysecurity;
  for (const g of grantsOf(s, userId)) {
    const depth = s.roles.get(g.roleid)!.privileges[priv.name];
    if (!depth) continue;
    if (depth === 'Global') return true;
    if (depth === 'Deep' && isBelowOrSelf(s, unit, g.scope)) return true;
    if (depth === 'Local' && unit === g.scope) return true;
    // Basic reach, included in every depth.
    if (g.team === null) {
      if (rec.ownerid === userId || myTeams.includes(rec.ownerid)) return true;
      if (sharedWith(userId) || myTeams.some(sharedWith)) return true;
      if (hs.enabled && s.systemusers.has(rec.ownerid)) {
        let m = s.systemusers.get(rec.ownerid)!.parentsystemuserid;
        for (let level = 1; level <= hs.depth && m !== null; level++, m = s.systemusers.get(m)!.parentsystemuserid) {
          if (m === userId) {
            if (level === 1 ? DIRECT_REPORT_RIGHTS.includes(right) : right === 'Read') return true;
            break;
          }
        }
      }
    } else {
      if (rec.ownerid === g.team || sharedWith(g.team)) return true;
    }
  }
  return false;
}

/** Every (user, record, right) the engine allows, as strings. */
function accessSet(s: OrgState): Set<string> {
  const e = AccessEngine.of(s);
  const out = new Set<string>();
  for (const u of s.systemusers.keys()) for (const r of s.records.values()) for (const right of RIGHTS) if (e.check(u, r.entity, right, r.recordid)) out.add(`${u}|${r.recordid}|${right}`);
  return out;
}

const RUNS = { numRuns: Number(process.env.FC_RUNS ?? 300) };

// ---- properties ---------------------------------------------------------------------------------

describe('the access engine over random small organizations', () => {
  it('agrees with a brute-force reference checker for every user × record × right', () => {
    fc.assert(
      fc.property(orgArb, (s) => {
        const e = AccessEngine.of(s);
        for (const u of s.systemusers.keys()) {
          for (const r of s.records.values()) {
            for (const right of RIGHTS) {
              const x = e.explain(u, r.entity, right, r.recordid);
              expect(e.check(u, r.entity, right, r.recordid)).toBe(x.allowed);
              expect(x.allowed, `${u} ${right} ${r.recordid}`).toBe(refCheck(s, u, r.recordid, right));
              expect(x.allowed ? x.reasons.length === 0 && x.paths.length > 0 : x.paths.length === 0 && x.reasons.length > 0).toBe(true);
            }
          }
        }
      }),
      RUNS,
    );
  });

  it('never removes access when a depth on a role is raised (Global ⊇ Deep ⊇ Local ⊇ Basic)', () => {
    fc.assert(
      fc.property(orgArb, ix, fc.constantFrom(...PRIVILEGES), depthArb, (s, r, privilege, depth) => {
        const roleid = pick([...s.roles.keys()], r);
        const current = s.roles.get(roleid)!.privileges[privilege];
        fc.pre(depthLevel(depth) > depthLevel(current));
        const res = apply(s, { type: 'setRolePrivilege', roleid, privilege, depth });
        expect(res.ok).toBe(true);
        if (!res.ok) return;
        const after = accessSet(res.value.state);
        for (const k of accessSet(s)) expect(after.has(k), k).toBe(true);
      }),
      RUNS,
    );
  });

  it('never removes access when a role is assigned to a user or a team', () => {
    fc.assert(
      fc.property(orgArb, ix, ix, fc.option(ix, { nil: undefined }), fc.boolean(), (s, who, r, scope, toTeam) => {
        const roleid = pick([...s.roles.keys()], r);
        const units = [...s.businessunits.keys()];
        const teams = [...s.teams.values()].filter((t) => t.teamtype !== 1).map((t) => t.teamid);
        const principal = toTeam ? { teamid: pick(teams, who) } : { systemuserid: pick([...s.systemusers.keys()], who) };
        const res = apply(s, { type: 'assignRole', roleid, ...principal, ...(scope === undefined ? {} : { businessunitid: pick(units, scope) }) });
        fc.pre(res.ok);
        if (!res.ok) return;
        const after = accessSet(res.value.state);
        for (const k of accessSet(s)) expect(after.has(k), k).toBe(true);
      }),
      RUNS,
    );
  });

  it('previews as many records, in total and per unit, as check() allows', () => {
    fc.assert(
      fc.property(orgArb, (s) => {
        const e = AccessEngine.of(s);
        for (const u of s.systemusers.keys()) {
          for (const entity of ENTITIES) {
            for (const right of ['Read', 'Write', 'Delete', 'Share', 'Append'] as const) {
              const p = preview(s, u, entity, right);
              expect(p.ok).toBe(true);
              if (!p.ok) return;
              const perUnit = new Map<Id, number>();
              let total = 0;
              for (const r of s.records.values()) {
                if (r.entity !== entity || !e.check(u, entity, right, r.recordid)) continue;
                total++;
                const unit = ownerUnit(s, r.ownerid);
                perUnit.set(unit, (perUnit.get(unit) ?? 0) + 1);
              }
              expect(p.value.records, `${u} ${right} ${entity}`).toBe(total);
              for (const [bu, x] of Object.entries(p.value.businessunits)) {
                expect(x.records, `${u} ${right} ${entity} in ${bu}`).toBe(perUnit.get(bu) ?? 0);
                if (x.records > 0) expect(x.depth).not.toBeNull();
              }
              expect(p.value.depth).toBe(e.explain(u, entity, right).depth);
            }
          }
        }
      }),
      RUNS,
    );
  });

  it('diffs a command exactly as comparing depths and reachable record sets before and after for every user', () => {
    fc.assert(
      fc.property(orgArb, commandArb, (s, pick) => {
        const cmd = commandFor(s, pick);
        const d = diff(s, [cmd]);
        const applied = apply(s, cmd);
        expect(d.ok).toBe(applied.ok);
        if (!d.ok || !applied.ok) return;
        expectExactDiff(s, applied.value.state, d.changes, JSON.stringify(cmd));
      }),
      RUNS,
    );
  });

  it('diffs a sequence of commands exactly as comparing the first state with the last, whatever happened between', () => {
    fc.assert(
      fc.property(orgArb, fc.array(commandArb, { minLength: 2, maxLength: 5 }), (s, picks) => {
        // Each command is picked from the state the ones before it leave; a refused one is left out.
        const commands: Command[] = [];
        let state = s;
        for (const pick of picks) {
          const cmd = commandFor(state, pick);
          const r = apply(state, cmd);
          if (!r.ok) continue;
          commands.push(cmd);
          state = r.value.state;
        }
        const d = diff(s, commands);
        expect(d.ok).toBe(true);
        if (!d.ok) return;
        expectExactDiff(s, state, d.changes, JSON.stringify(commands));
      }),
      RUNS,
    );
  });
});

const commandArb = fc.tuple(fc.nat(40), ix, ix, ix, fc.constantFrom(...PRIVILEGES), fc.option(depthArb, { nil: null }), fc.subarray(SHARE_BITS, { minLength: 1 }));
type CommandPick = typeof commandArb extends fc.Arbitrary<infer T> ? T : never;

/** One command of every kind that changes access, its targets picked from the organization. */
function commandFor(s: OrgState, [kind, a, b, c, privilege, depth, bits]: CommandPick): Command {
  const users = [...s.systemusers.keys()];
  const teams = [...s.teams.keys()];
  const units = [...s.businessunits.keys()];
  const roles = [...s.roles.keys()];
  const records = [...s.records.keys()];
  const principals = [...users, ...teams];
  const mask = bits.reduce((x, y) => x | y, 0);
  const commands: Command[] = [
    { type: 'setRolePrivilege', roleid: pick(roles, a), privilege, depth },
    { type: 'assignRole', systemuserid: pick(users, a), roleid: pick(roles, b) },
    { type: 'assignRole', teamid: pick(teams, a), roleid: pick(roles, b), businessunitid: pick(units, c) },
    { type: 'removeRole', systemuserid: pick(users, a), roleid: pick(roles, b) },
    { type: 'addTeamMember', teamid: pick(teams, a), systemuserid: pick(users, b) },
    { type: 'removeTeamMember', teamid: pick(teams, a), systemuserid: pick(users, b) },
    { type: 'moveUser', systemuserid: pick(users, a), businessunitid: pick(units, b) },
    { type: 'setUserDisabled', systemuserid: pick(users, a), isdisabled: b % 2 === 0 },
    { type: 'updateRole', roleid: pick(roles, a), isinherited: (b % 2) as 0 | 1 },
    { type: 'setHierarchySecurity', enabled: b % 2 === 0, depth: 1 + (c % 3) },
    { type: 'updateUser', systemuserid: pick(users, a), parentsystemuserid: b % 3 === 0 ? null : pick(users, b) },
    { type: 'createUser', systemuserid: 'u-new', fullname: 'New User', domainname: 'new@example.com', businessunitid: pick(units, a) },
    { type: 'setBusinessUnitDisabled', businessunitid: pick(units, a), isdisabled: b % 2 === 0 },
    { type: 'moveBusinessUnit', businessunitid: pick(units, a), parentbusinessunitid: pick(units, b) },
    { type: 'deleteTeam', teamid: pick(teams, a) },
    { type: 'createRecord', recordid: 'rec-new', entity: ENTITIES[c % 2], ownerid: pick(principals, b) },
    ...(records.length
      ? ([
          { type: 'shareRecord', recordid: pick(records, a), principalid: pick(principals, b), accessrightsmask: mask },
          { type: 'assignRecord', recordid: pick(records, a), ownerid: pick(principals, b) },
          { type: 'deleteRecord', recordid: pick(records, a) },
          { type: 'unshareRecord', recordid: pick(records, a), principalid: pick(principals, b) },
        ] as Command[])
      : []),
  ];
  return pick(commands, kind);
}

/** The diff's rows are exactly the users × tables × rights whose depth (preview) or record set (check) differs, most affected first. */
function expectExactDiff(s: OrgState, after: OrgState, changes: readonly AccessChange[], what: string): void {
  const expected: string[] = [];
  const everyone = new Set([...s.systemusers.keys(), ...after.systemusers.keys()]);
  const look = (st: OrgState, u: Id, entity: string, right: AccessRight) => {
    const p = preview(st, u, entity, right);
    const set = st.systemusers.has(u) ? reachable(st, u, entity, right).join(',') : '';
    return { depth: p.ok ? p.value.depth : null, records: set ? set.split(',').length : 0, set };
  };
  for (const u of everyone) {
    for (const entity of ENTITIES) {
      for (const right of RIGHTS) {
        const x = look(s, u, entity, right);
        const y = look(after, u, entity, right);
        if (x.depth !== y.depth || x.set !== y.set) expected.push(`${u}|${entity}|${right}|${x.depth}>${y.depth}|${x.records}>${y.records}`);
      }
    }
  }
  const got = changes.map((ch) => `${ch.systemuserid}|${ch.entity}|${ch.right}|${ch.depthBefore}>${ch.depthAfter}|${ch.recordsBefore}>${ch.recordsAfter}`);
  expect(got.sort(), what).toEqual(expected.sort());
  const deltas = changes.map((ch) => Math.abs(ch.recordsAfter - ch.recordsBefore));
  for (let i = 1; i < deltas.length; i++) expect(deltas[i - 1]).toBeGreaterThanOrEqual(deltas[i]);
}

describe('commands over random small organizations', () => {
  const anyCommand = fc.tuple(fc.nat(12), ix, ix, fc.constantFrom(...PRIVILEGES), depthArb).map(([k, a, b, privilege, depth]) => ({ k, a, b, privilege, depth }));

  function commandFor(s: OrgState, x: { k: number; a: number; b: number; privilege: string; depth: Depth }): Command {
    const users = [...s.systemusers.keys()];
    const teams = [...s.teams.keys()];
    const units = [...s.businessunits.keys()];
    const roles = [...s.roles.keys()];
    const all: Command[] = [
      { type: 'moveBusinessUnit', businessunitid: pick(units, x.a), parentbusinessunitid: pick(units, x.b) },
      { type: 'deleteBusinessUnit', businessunitid: pick(units, x.a) },
      { type: 'setBusinessUnitDisabled', businessunitid: pick(units, x.a), isdisabled: true },
      { type: 'moveUser', systemuserid: pick(users, x.a), businessunitid: pick(units, x.b) },
      { type: 'updateUser', systemuserid: pick(users, x.a), domainname: `u${x.b % 6}@EXAMPLE.com` },
      { type: 'updateUser', systemuserid: pick(users, x.a), parentsystemuserid: pick(users, x.b) },
      { type: 'deleteTeam', teamid: pick(teams, x.a) },
      { type: 'addTeamMember', teamid: pick(teams, x.a), systemuserid: pick(users, x.b) },
      { type: 'deleteRole', roleid: pick(roles, x.a) },
      { type: 'setRolePrivilege', roleid: pick(roles, x.a), privilege: x.privilege, depth: x.depth },
      { type: 'assignRole', teamid: pick(teams, x.a), roleid: pick(roles, x.b) },
      { type: 'assignRole', systemuserid: pick(users, x.a), roleid: pick(roles, x.b), businessunitid: pick(units, x.b + x.a) },
      { type: 'createRecord', recordid: 'rec-new', entity: 'account', ownerid: pick(teams, x.b) },
    ];
    return pick(all, x.k);
  }

  it('applies deterministically, and a refused command leaves the state untouched', () => {
    fc.assert(
      fc.property(orgArb, anyCommand, (s, x) => {
        const cmd = commandFor(s, x);
        const snapshot = structuredClone(s);
        const r1 = apply(s, cmd);
        const r2 = apply(s, cmd);
        expect(s).toEqual(snapshot); // the input state is never mutated
        expect(r1.ok).toBe(r2.ok);
        if (r1.ok && r2.ok) {
          expect(r1.value.state).toEqual(r2.value.state);
          expect(r1.value.summary).toBe(r2.value.summary);
          if (r1.value.changes.length === 0) expect(r1.value.state).toBe(s);
        } else if (!r1.ok && !r2.ok) {
          expect(r1.error).toEqual(r2.error);
          expect(r1.error.message.length).toBeGreaterThan(0);
        }
      }),
      RUNS,
    );
  });

  it('applies a batch exactly as its commands one by one: the same organization, the same rows written, and each command sees the organization just before it', () => {
    fc.assert(
      fc.property(orgArb, fc.array(anyCommand, { minLength: 1, maxLength: 6 }), (s0, xs) => {
        const snapshot = structuredClone(s0);
        // One by one, each command picked from the state the ones before leave; refused ones left out.
        const commands: Command[] = [];
        const befores: OrgState[] = [];
        const steps: { changes: unknown; summary: string }[] = [];
        let s = s0;
        for (const x of xs) {
          const cmd = commandFor(s, x);
          const r = apply(s, cmd);
          if (!r.ok) continue;
          commands.push(cmd);
          befores.push(s);
          steps.push({ changes: r.value.changes, summary: r.value.summary });
          s = r.value.state;
        }
        const isTable = (v: unknown): v is ReadonlyMap<string, unknown> => typeof v === 'object' && v !== null && typeof (v as ReadonlyMap<string, unknown>).get === 'function';
        const tables = (st: OrgState) => Object.fromEntries(Object.entries(st).map(([k, v]) => [k, isTable(v) ? [...v.entries()].sort(([a], [b]) => (a < b ? -1 : 1)) : v]));
        const seen: unknown[] = [];
        const batch = applyAll(s0, commands, (step, i, before) => {
          // Read at once: the view is valid only until the next command writes.
          seen.push(tables(before()));
          expect(tables(before()), `before command ${i + 1}`).toEqual(tables(befores[i]));
        });
        expect(batch.ok).toBe(true);
        if (!batch.ok) return;
        expect(batch.applied.map((a) => ({ changes: a.changes, summary: a.summary }))).toEqual(steps);
        expect(tables(batch.state)).toEqual(tables(s));
        expect(seen).toHaveLength(commands.length);
        expect(s0).toEqual(snapshot);
      }),
      RUNS,
    );
  });

  it('keeps every reference intact after any accepted command', () => {
    fc.assert(
      fc.property(orgArb, fc.array(anyCommand, { maxLength: 4 }), (s0, xs) => {
        let s = s0;
        for (const x of xs) {
          const r = apply(s, commandFor(s, x));
          if (r.ok) s = r.value.state;
        }
        for (const r of s.records.values()) expect(s.systemusers.has(r.ownerid) || s.teams.has(r.ownerid), `owner of ${r.recordid}`).toBe(true);
        for (const a of s.systemuserroles.values()) expect(s.roles.has(a.roleid) && s.systemusers.has(a.systemuserid)).toBe(true);
        for (const a of s.teamroles.values()) expect(s.roles.has(a.roleid) && s.teams.has(a.teamid), `team role ${JSON.stringify(a)}`).toBe(true);
        for (const m of s.teammembership.values()) expect(s.teams.has(m.teamid) && s.systemusers.has(m.systemuserid)).toBe(true);
        for (const sh of s.shares.values()) expect(s.records.has(sh.recordid)).toBe(true);
        for (const u of s.systemusers.values()) expect(s.businessunits.has(u.businessunitid)).toBe(true);
        for (const t of s.teams.values()) expect(s.businessunits.has(t.businessunitid)).toBe(true);
        // Exactly one default team per unit, and no unit below itself.
        for (const bu of s.businessunits.values()) {
          expect([...s.teams.values()].filter((t) => t.isdefault && t.businessunitid === bu.businessunitid)).toHaveLength(1);
          expect(unitChain(s, bu.businessunitid).length).toBeLessThanOrEqual(s.businessunits.size);
        }
      }),
      RUNS,
    );
  });
});
