/**
 * The double's write side refuses what Dataverse refuses, in Dataverse's words, and changes
 * nothing when it does: through dynamics-web-api, a client nobody here wrote.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamicsWebApi } from 'dynamics-web-api';
import { demoOrganization } from '../../../src-main/core/generate/demo';
import { startDataverseDouble, type RunningDouble } from './app';
import { namedIn } from '../../../test/fixtures/named';

const org = demoOrganization();
let double: RunningDouble;
let api: DynamicsWebApi;

beforeAll(async () => {
  double = await startDataverseDouble(org);
  api = new DynamicsWebApi({ serverUrl: double.url, dataApi: { version: '9.2' }, propagateErrors: true, onTokenRefresh: async () => 'test-token' });
});
afterAll(() => double.close());

const { unit: unitNamed, user: userNamed, team: teamNamed } = namedIn(org);

async function failure(p: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await p;
  } catch (e) {
    return e as { status: number; message: string };
  }
  throw new Error('expected the request to fail');
}

describe('writing to the Dataverse double', () => {
  it('creates a team under the id the client gives, answering its address in OData-EntityId', async () => {
    const id = '0d6c0a52-8f0e-4a31-9d3e-000000000001';
    await api.create({ collection: 'teams', data: { teamid: id, name: 'Deal Desk', teamtype: 1, 'businessunitid@odata.bind': `/businessunits(${unitNamed('Sales').businessunitid})` } });
    expect(await api.retrieve({ collection: 'teams', key: id, select: ['name', 'teamtype', '_businessunitid_value'] })).toMatchObject({ name: 'Deal Desk', teamtype: 1, _businessunitid_value: unitNamed('Sales').businessunitid });
    expect(double.env.log.at(-2)).toMatchObject({ method: 'POST', path: 'teams', status: 204 });
  });

  it('refuses a field permission value other than 0 or 4, naming the column, and creates nothing', async () => {
    const profile = [...org.fieldsecurityprofiles.values()][0];
    const before = double.env.data.fieldpermissions.size;
    const err = await failure(api.create({ collection: 'fieldpermissions', data: { 'fieldsecurityprofileid@odata.bind': `/fieldsecurityprofiles(${profile.fieldsecurityprofileid})`, entityname: 'contact', attributelogicalname: 'new_salary', canread: 2, cancreate: 0, canupdate: 0 } }));
    expect(err).toMatchObject({ status: 400, message: 'canread must be 0 (Not Allowed) or 4 (Allowed); got 2' });
    expect(double.env.data.fieldpermissions.size).toBe(before);
  });

  it("refuses a user's business unit set by an update, pointing at SetBusinessSystemUser", async () => {
    const err = await failure(api.update({ collection: 'systemusers', key: userNamed('Sam Seattle').systemuserid, data: { 'businessunitid@odata.bind': `/businessunits(${unitNamed('Boston').businessunitid})` } }));
    expect(err).toMatchObject({ status: 400, message: "A user's business unit is changed with the SetBusinessSystemUser action, not an update" });
  });

  it('refuses SetBusinessSystemUser without ReassignPrincipal and leaves the user where it was', async () => {
    const sam = userNamed('Sam Seattle');
    const err = await failure(api.callAction({ actionName: 'Microsoft.Dynamics.CRM.SetBusinessSystemUser', collection: 'systemusers', key: sam.systemuserid, action: { BusinessUnit: { '@odata.type': 'Microsoft.Dynamics.CRM.businessunit', businessunitid: unitNamed('Boston').businessunitid } } }));
    expect(err).toMatchObject({ status: 400, message: expect.stringContaining('SetBusinessSystemUser needs ReassignPrincipal') });
    expect(double.env.data.systemusers.get(sam.systemuserid)!._businessunitid_value).toBe(sam.businessunitid);
  });

  it('refuses to delete an enabled business unit or a default team, and to move a unit under its own child', async () => {
    const west = unitNamed('Sales West');
    expect(await failure(api.deleteRecord({ collection: 'businessunits', key: west.businessunitid }))).toMatchObject({ status: 400, message: 'Only a disabled business unit can be deleted' });
    expect(await failure(api.deleteRecord({ collection: 'teams', key: teamNamed('Sales').teamid }))).toMatchObject({ status: 400, message: 'The default team of a business unit cannot be deleted' });
    expect(await failure(api.update({ collection: 'businessunits', key: west.businessunitid, data: { 'parentbusinessunitid@odata.bind': `/businessunits(${unitNamed('Seattle').businessunitid})` } }))).toMatchObject({ status: 400, message: 'The parent business unit cannot be the unit itself or one of its child units' });
    expect(double.env.data.businessunits.get(west.businessunitid)!._parentbusinessunitid_value).toBe(west.parentbusinessunitid);
  });

  it('creates a user with firstname and lastname, in its unit and its default team', async () => {
    const id = '0d6c0a52-8f0e-4a31-9d3e-000000000002';
    const portland = unitNamed('Portland');
    await api.create({ collection: 'systemusers', data: { systemuserid: id, firstname: 'Noor', lastname: 'North', domainname: 'noor@contoso.example', 'businessunitid@odata.bind': `/businessunits(${portland.businessunitid})` } });
    expect(await api.retrieve({ collection: 'systemusers', key: id, select: ['fullname', '_businessunitid_value', 'isdisabled'] })).toMatchObject({ fullname: 'Noor North', _businessunitid_value: portland.businessunitid, isdisabled: false });
    expect(double.env.data.teammembership.byPair.has(`${teamNamed('Portland').teamid}|${id}`)).toBe(true);
    expect(await failure(api.create({ collection: 'systemusers', data: { firstname: 'No', domainname: 'x@contoso.example', 'businessunitid@odata.bind': `/businessunits(${portland.businessunitid})` } }))).toMatchObject({ status: 400, message: 'lastname is required to create a systemuser' });
  });

  it('gives a new role a copy in every unit below its own and a new unit a copy of every role above it and a default team, each under an id of its own', async () => {
    const sales = unitNamed('Sales');
    const role = '0d6c0a52-8f0e-4a31-9d3e-000000000003';
    const unit = '0d6c0a52-8f0e-4a31-9d3e-000000000004';
    await api.create({ collection: 'roles', data: { roleid: role, name: 'Deal Reviewer', 'businessunitid@odata.bind': `/businessunits(${sales.businessunitid})` } });
    await api.create({ collection: 'businessunits', data: { businessunitid: unit, name: 'Sales North', 'parentbusinessunitid@odata.bind': `/businessunits(${sales.businessunitid})` } });
    const copies = (await api.retrieveMultiple<{ roleid: string; _businessunitid_value: string; _parentroleid_value: string | null }>({ collection: 'roles', select: ['roleid', '_businessunitid_value', '_parentroleid_value'], filter: `_parentrootroleid_value eq ${role}` })).value;
    const below = (id: string): string[] => [id, ...[...org.businessunits.values()].filter((u) => u.parentbusinessunitid === id).flatMap((u) => below(u.businessunitid))];
    expect(copies.map((r) => r._businessunitid_value).sort()).toEqual([...below(sales.businessunitid), unit].sort());
    const inNorth = copies.find((r) => r._businessunitid_value === unit)!;
    expect(inNorth.roleid).not.toBe(role);
    expect(inNorth._parentroleid_value).toBe(role);
    // The unit also holds a copy of a role of the root unit, and its default team is named after it.
    const basic = [...org.roles.values()].find((r) => r.name === 'Basic User')!;
    expect((await api.retrieveMultiple({ collection: 'roles', select: ['roleid'], filter: `_parentrootroleid_value eq ${basic.roleid} and _businessunitid_value eq ${unit}` })).value).toHaveLength(1);
    const teams = (await api.retrieveMultiple<{ teamid: string; name: string }>({ collection: 'teams', select: ['teamid', 'name'], filter: `_businessunitid_value eq ${unit} and isdefault eq true` })).value;
    expect(teams).toEqual([expect.objectContaining({ name: 'Sales North' })]);
    expect(teams[0].teamid).not.toBe(unit);
  });
});
