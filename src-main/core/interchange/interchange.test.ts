import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020';
import { demoOrganization } from '../generate/demo';
import { toInterchange } from './fromState';
import { fromInterchange } from './toState';
import { jsonSchemas } from './jsonSchemas';
import type { OrgFile } from './schema';

const demo = demoOrganization();
const file = (): OrgFile => JSON.parse(JSON.stringify(toInterchange(demo)));

function refusal(f: unknown) {
  const r = fromInterchange(f);
  if (r.ok) throw new Error('expected the file to be refused');
  return r.error;
}

describe('the organization interchange file', () => {
  it('brings the demo organization out and back in unchanged', () => {
    const back = fromInterchange(file());
    expect(back.ok).toBe(true);
    if (!back.ok) return;
    expect(toInterchange(back.value)).toEqual(toInterchange(demo));
    expect(back.value.records.size).toBe(demo.records.size);
  });

  it('writes every record with its owning business unit, the owner\'s', () => {
    const f = file();
    const r = f.records[0];
    const owner = f.systemusers.find((u) => u.systemuserid === r.ownerid) ?? f.teams.find((t) => t.teamid === r.ownerid);
    expect(r.owningbusinessunit).toBe(owner!.businessunitid);
  });

  it('refuses a file that is not an organization, naming the format', () => {
    expect(refusal({ format: 'something/else' }).message).toMatch(/^format: /);
  });

  it('names the first bad value by its path', () => {
    const f = file();
    (f.systemusers[3] as { fullname: unknown }).fullname = 42;
    expect(refusal(f).path).toBe('systemusers[3].fullname');
  });

  it('keeps a privilege at a depth the catalog disputes, and a privilege it does not know, as the file holds them', () => {
    const f = file();
    const role = f.roles.find((r) => r.name === 'Salesperson')!;
    role.privileges.prvBulkDelete = 'Basic';
    role.privileges.prvReadNoSuchTable = 'Global';
    const r = fromInterchange(f);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.roles.get(role.roleid)!.privileges).toMatchObject({ prvBulkDelete: 'Basic', prvReadNoSuchTable: 'Global' });
  });

  it('refuses a bad record or share row naming it, and still takes an id with spaces around it trimmed, as before', () => {
    const f = file();
    const good = f.records[0];
    f.records[1] = { ...f.records[1], recordid: '' };
    expect(refusal(f)).toMatchObject({ path: 'records[1].recordid', message: expect.stringContaining('must not be empty') });
    const g = file();
    g.shares[0] = { ...g.shares[0], accessrightsmask: 0 };
    expect(refusal(g).path).toBe('shares[0].accessrightsmask');
    const h = file();
    h.records[2] = { ...h.records[2], recordid: good.recordid };
    expect(refusal(h)).toMatchObject({ path: 'records[2]', message: expect.stringContaining(`id ${good.recordid} is already used`) });
    const k = file();
    const id = k.records[3].recordid;
    k.records[3] = { ...k.records[3], recordid: `  ${id} ` };
    k.shares = k.shares.filter((sh) => sh.recordid !== id);
    const r = fromInterchange(k);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.records.get(id)?.recordid).toBe(id);
  });

  it('refuses a malformed privilege name, naming it', () => {
    const f = file();
    f.roles[0].privileges['prvRead Account'] = 'Global';
    const e = refusal(f);
    expect(e.path).toBe('roles[0].privileges.prvRead Account');
    expect(e.message).toContain('is not a privilege name');
  });

  it('refuses a business-unit cycle and a second root', () => {
    const f = file();
    const sales = f.businessunits.find((b) => b.name === 'Sales')!;
    const seattle = f.businessunits.find((b) => b.name === 'Seattle')!;
    sales.parentbusinessunitid = seattle.businessunitid;
    expect(refusal(f).message).toContain('cycle');
    const g = file();
    g.businessunits[1].parentbusinessunitid = null;
    expect(refusal(g).message).toContain('2 root business units');
  });

  it('refuses ids used twice across tables', () => {
    const f = file();
    f.roles[0].roleid = f.systemusers[0].systemuserid;
    const e = refusal(f);
    expect(e.path).toBe('roles[0]');
    expect(e.message).toContain('already used at systemusers[0]');
  });

  it('refuses a record owned by an access team and a share of CreateAccess', () => {
    const f = file();
    const access = f.teams.find((t) => t.teamtype === 1)!;
    f.records[5].ownerid = access.teamid;
    delete f.records[5].owningbusinessunit;
    expect(refusal(f).message).toContain('access teams cannot own records');
    const g = file();
    g.shares[0].accessrightsmask = 32 | 1;
    expect(refusal(g).path).toBe('shares[0].accessrightsmask');
  });

  it('refuses a record whose owning business unit is not its owner\'s', () => {
    const f = file();
    f.records[0].owningbusinessunit = f.businessunits.find((b) => b.businessunitid !== f.records[0].owningbusinessunit)!.businessunitid;
    expect(refusal(f).path).toBe('records[0].owningbusinessunit');
  });

  it('refuses a unit without its default team and a default-team row for a user of another unit', () => {
    const f = file();
    f.teams = f.teams.filter((t) => !(t.isdefault && t.name === 'Boston'));
    expect(refusal(f).message).toContain('has no default team');
    const g = file();
    const bostonTeam = g.teams.find((t) => t.isdefault && t.name === 'Boston')!;
    const seattleUser = g.systemusers.find((u) => u.fullname === 'Sam Seattle')!;
    g.teammembership.push({ teamid: bostonTeam.teamid, systemuserid: seattleUser.systemuserid });
    expect(refusal(g).message).toContain('cannot be in its default team');
  });

  it('refuses a role held by an access team and a role of another branch', () => {
    const f = file();
    const access = f.teams.find((t) => t.teamtype === 1)!;
    f.teamroles.push({ teamid: access.teamid, roleid: f.roles[0].roleid });
    expect(refusal(f).message).toContain('access teams hold no security roles');
  });
});

describe('the published JSON Schemas', () => {
  const ajv = new Ajv2020({ strict: false, validateFormats: false });

  it('are the ones generated from the schemas the product validates with (run npm run schemas)', () => {
    for (const [name, schema] of Object.entries(jsonSchemas())) {
      const committed = JSON.parse(readFileSync(new URL(`../../../resources/schema/${name}`, import.meta.url), 'utf8'));
      expect(committed, name).toEqual(JSON.parse(JSON.stringify(schema)));
    }
  });

  it('accept the demo organization file and reject a file without business units', () => {
    const schemas = jsonSchemas();
    const validate = ajv.compile(schemas['org.schema.json'] as object);
    expect(validate(file())).toBe(true);
    const { businessunits: _gone, ...broken } = file();
    void _gone;
    expect(validate(broken)).toBe(false);
  });

  it('accept a commands file and reject a command with a depth that does not exist', () => {
    const schemas = jsonSchemas();
    ajv.addSchema(schemas['command.schema.json'] as object);
    const validate = ajv.compile(schemas['commands.schema.json'] as object);
    expect(validate([{ type: 'setRolePrivilege', roleid: 'r', privilege: 'prvReadAccount', depth: 'Deep' }, { type: 'assignRole', systemuserid: 'u', roleid: 'r' }])).toBe(true);
    expect(validate([{ type: 'setRolePrivilege', roleid: 'r', privilege: 'prvReadAccount', depth: 'Everything' }])).toBe(false);
  });
});
