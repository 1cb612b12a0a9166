/**
 * The double answers a client nobody here wrote (dynamics-web-api) with the documented shapes:
 * if it only pleased our own connector, its tests would prove nothing about Dataverse.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamicsWebApi } from 'dynamics-web-api';
import { demoOrganization } from '../../../src-main/core/generate/demo';
import { startDataverseDouble, type RunningDouble } from './app';
import { addRecords, guidFor, privilegeIdOf } from './seed';

const org = demoOrganization();
let double: RunningDouble;
let api: DynamicsWebApi;

beforeAll(async () => {
  double = await startDataverseDouble(org);
  api = new DynamicsWebApi({ serverUrl: double.url, dataApi: { version: '9.2' }, propagateErrors: true, onTokenRefresh: async () => 'test-token' });
});
afterAll(() => double.close());

const byName = (name: string) => [...org.roles.values()].find((r) => r.name === name)!;
const userNamed = (name: string) => [...org.systemusers.values()].find((u) => u.fullname === name)!;

async function failure(p: Promise<unknown>): Promise<{ status: number; message: string; headers: Record<string, string> }> {
  try {
    await p;
  } catch (e) {
    const err = e as { status: number; message: string; headers: Record<string, string> };
    return err;
  }
  throw new Error('expected the request to fail');
}

describe('the Dataverse double, through dynamics-web-api', () => {
  it('pages business units by odata.maxpagesize and follows @odata.nextLink to the last one', async () => {
    const first = await api.retrieveMultiple({ collection: 'businessunits', select: ['businessunitid', 'name', '_parentbusinessunitid_value'], maxPageSize: 5 });
    expect(first.value).toHaveLength(5);
    expect(first.oDataNextLink).toMatch(/\$skiptoken=/);
    const all = await api.retrieveAll({ collection: 'businessunits', select: ['businessunitid', 'name'], maxPageSize: 5 });
    expect(all.value.map((u) => u.name).sort()).toEqual([...org.businessunits.values()].map((u) => u.name).sort());
    expect(all.value[0]['@odata.etag']).toMatch(/^W\/"\d+"$/);
  });

  // Join tables using FetchXml (link-entity) and Page results using FetchXml, on Microsoft Learn.
  const ASSIGNMENTS_JOINED = (count: number) =>
    `<fetch count="${count}"><entity name="systemuserroles"><attribute name="systemuserid"/><attribute name="roleid"/><link-entity name="role" from="roleid" to="roleid" link-type="inner" alias="role"><attribute name="parentrootroleid"/><attribute name="businessunitid"/></link-entity></entity></fetch>`;

  it('returns user role assignments joined to their role copy as role.column, with the lookup annotations asked for', async () => {
    const first = await api.fetch<Record<string, unknown>>({ collection: 'systemuserrolescollection', fetchXml: ASSIGNMENTS_JOINED(3), includeAnnotations: '*' });
    expect(first.value).toHaveLength(3);
    const row = first.value[0];
    expect(row.systemuserroleid).toMatch(/^[0-9a-f-]{36}$/);
    expect(row['role.parentrootroleid@Microsoft.Dynamics.CRM.lookuplogicalname']).toBe('role');
    expect(row['role.businessunitid@Microsoft.Dynamics.CRM.lookuplogicalname']).toBe('businessunit');
    const root = [...org.roles.values()].find((r) => guidFor(r.roleid) === row['role.parentrootroleid'])!;
    expect(row['role.parentrootroleid@OData.Community.Display.V1.FormattedValue']).toBe(root.name);
    expect((first as unknown as Record<string, unknown>)['@Microsoft.Dynamics.CRM.morerecords']).toBe(true);
  });

  it('pages the joined assignments by the fetchxmlpagingcookie it hands out, every assignment once with its root role and the unit of the copy held', async () => {
    const all = await api.fetchAll<Record<string, unknown>>({ collection: 'systemuserrolescollection', fetchXml: ASSIGNMENTS_JOINED(4), includeAnnotations: 'Microsoft.Dynamics.CRM.fetchxmlpagingcookie' });
    const held = (a: { systemuserid: string; roleid: string; businessunitid: string | null }) => `${guidFor(a.systemuserid)} ${guidFor(a.roleid)} ${guidFor(a.businessunitid ?? org.systemusers.get(a.systemuserid)!.businessunitid)}`;
    expect(all.value.map((r) => `${String(r.systemuserid)} ${String(r['role.parentrootroleid'])} ${String(r['role.businessunitid'])}`).sort()).toEqual([...org.systemuserroles.values()].map(held).sort());
    expect(double.env.log.filter((r) => r.path.startsWith('systemuserrolescollection?fetchXml=')).length).toBeGreaterThan(2);
  });

  it('ignores a paging cookie sent for another page than the one after it, and refuses a column the table does not have', async () => {
    const first = await api.fetch<Record<string, unknown>>({ collection: 'systemuserrolescollection', fetchXml: ASSIGNMENTS_JOINED(2), includeAnnotations: 'Microsoft.Dynamics.CRM.fetchxmlpagingcookie' });
    const byNumber = await api.fetch<Record<string, unknown>>({ collection: 'systemuserrolescollection', fetchXml: ASSIGNMENTS_JOINED(2), pageNumber: 3 });
    const staleCookie = await api.fetch<Record<string, unknown>>({ collection: 'systemuserrolescollection', fetchXml: ASSIGNMENTS_JOINED(2), pageNumber: 3, pagingCookie: first.PagingInfo!.cookie });
    expect(staleCookie.value.map((r) => r.systemuserroleid)).toEqual(byNumber.value.map((r) => r.systemuserroleid));
    const err = await failure(api.fetch({ collection: 'systemuserrolescollection', fetchXml: '<fetch><entity name="systemuserroles"><attribute name="fullname"/></entity></fetch>' }));
    expect(err.status).toBe(400);
    expect(err.message).toContain("'systemuserroles' entity doesn't contain attribute with Name = 'fullname'");
  });

  it('keeps a copy of every role in each business unit below its own, pointing at the root role', async () => {
    const root = byName('Salesperson');
    const copies = await api.retrieveAll({ collection: 'roles', select: ['roleid', '_businessunitid_value', '_parentrootroleid_value', '_parentroleid_value'], filter: `_parentrootroleid_value eq ${guidFor(root.roleid)}` });
    expect(copies.value).toHaveLength(org.businessunits.size);
    expect(copies.value.filter((c) => c._parentroleid_value === null).map((c) => c.roleid)).toEqual([guidFor(root.roleid)]);
  });

  it('returns a role privileges with their PrivilegeDepth names from RetrieveRolePrivilegesRole', async () => {
    const role = byName('Salesperson');
    const res = await api.callFunction<{ RolePrivileges: { Depth: string; PrivilegeId: string; BusinessUnitId: string }[] }>({ name: 'RetrieveRolePrivilegesRole', parameters: { RoleId: guidFor(role.roleid) } });
    expect(res.RolePrivileges).toHaveLength(Object.keys(role.privileges).length);
    const read = res.RolePrivileges.find((p) => p.PrivilegeId === privilegeIdOf('prvReadAccount'));
    expect(read?.Depth).toBe(role.privileges.prvReadAccount);
  });

  it('adds a privilege at Global with AddPrivilegesRole and removes it with RemovePrivilegeRole', async () => {
    const role = byName('Salesperson');
    const rootUnit = [...org.businessunits.values()].find((u) => u.parentbusinessunitid === null)!;
    const pid = privilegeIdOf('prvDeleteAccount');
    await api.callAction({ actionName: 'Microsoft.Dynamics.CRM.AddPrivilegesRole', collection: 'roles', key: guidFor(role.roleid), action: { Privileges: [{ Depth: 'Global', PrivilegeId: pid, BusinessUnitId: guidFor(rootUnit.businessunitid) }] } });
    const after = await api.callFunction<{ RolePrivileges: { Depth: string; PrivilegeId: string }[] }>({ name: 'RetrieveRolePrivilegesRole', parameters: { RoleId: guidFor(role.roleid) } });
    expect(after.RolePrivileges.find((p) => p.PrivilegeId === pid)?.Depth).toBe('Global');
    await api.callAction({ actionName: 'Microsoft.Dynamics.CRM.RemovePrivilegeRole', collection: 'roles', key: guidFor(role.roleid), action: { PrivilegeId: pid } });
    const removed = await api.callFunction<{ RolePrivileges: { PrivilegeId: string }[] }>({ name: 'RetrieveRolePrivilegesRole', parameters: { RoleId: guidFor(role.roleid) } });
    expect(removed.RolePrivileges.some((p) => p.PrivilegeId === pid)).toBe(false);
  });

  it('assigns a role to a user with $ref and takes it away again', async () => {
    const user = userNamed('Kendall Events');
    const role = byName('Basic User');
    const copy = double.env.roleCopyId(guidFor(role.roleid), guidFor(user.businessunitid))!;
    await api.associate({ collection: 'systemusers', primaryKey: guidFor(user.systemuserid), relationshipName: 'systemuserroles_association', relatedCollection: 'roles', relatedKey: copy });
    const held = await api.retrieveAll({ collection: 'systemuserrolescollection', filter: `systemuserid eq ${guidFor(user.systemuserid)}` });
    expect(held.value.map((r) => r.roleid)).toEqual([copy]);
    await api.disassociate({ collection: 'systemusers', primaryKey: guidFor(user.systemuserid), relationshipName: 'systemuserroles_association', relatedKey: copy });
    expect((await api.retrieveAll({ collection: 'systemuserrolescollection', filter: `systemuserid eq ${guidFor(user.systemuserid)}` })).value).toEqual([]);
  });

  it('refuses an update whose If-Match names an older version with 412', async () => {
    const team = [...org.teams.values()].find((t) => t.name === 'Escalations')!;
    const row = await api.retrieve({ collection: 'teams', key: guidFor(team.teamid), select: ['name'] });
    await api.update({ collection: 'teams', key: guidFor(team.teamid), data: { name: 'Escalations (tier 2)' }, ifmatch: row['@odata.etag'] });
    const stale = await failure(api.update({ collection: 'teams', key: guidFor(team.teamid), data: { name: 'Escalations again' }, ifmatch: row['@odata.etag'] }));
    expect(stale.status).toBe(412);
    expect((await api.retrieve({ collection: 'teams', key: guidFor(team.teamid), select: ['name'] })).name).toBe('Escalations (tier 2)');
  });

  it('applies nothing of a $batch change set when one of its requests is refused, and says why', async () => {
    const user = userNamed('Kendall Events');
    const role = byName('Basic User');
    const copy = double.env.roleCopyId(guidFor(role.roleid), guidFor(user.businessunitid))!;
    // In batch mode a request only joins the batch: its outcome comes back from executeBatch().
    api.startBatch();
    void api.associate({ collection: 'systemusers', primaryKey: guidFor(user.systemuserid), relationshipName: 'systemuserroles_association', relatedCollection: 'roles', relatedKey: copy });
    void api.callAction({ actionName: 'Microsoft.Dynamics.CRM.AddPrivilegesRole', collection: 'roles', key: guidFor(role.roleid), action: { Privileges: [{ Depth: 'Global', PrivilegeId: '00000000-0000-0000-0000-000000000001', BusinessUnitId: guidFor(user.businessunitid) }] } });
    const refused = await failure(api.executeBatch());
    // dynamics-web-api hands back the parsed error parts of the batch response.
    const errors = (Array.isArray(refused) ? refused : [refused]) as { status: number; error: { code: string; message: string } }[];
    expect(errors).toHaveLength(1);
    expect(errors[0].status).toBe(404);
    expect(errors[0].error.message).toBe('privilege With Id = 00000000-0000-0000-0000-000000000001 Does Not Exist');
    expect((await api.retrieveAll({ collection: 'systemuserrolescollection', filter: `systemuserid eq ${guidFor(user.systemuserid)}` })).value).toEqual([]);
  });

  it('applies every request of a $batch change set that Dataverse accepts, answering each in order', async () => {
    const user = userNamed('Kendall Events');
    const basic = double.env.roleCopyId(guidFor(byName('Basic User').roleid), guidFor(user.businessunitid))!;
    const pro = double.env.roleCopyId(guidFor(byName('Marketing Professional').roleid), guidFor(user.businessunitid))!;
    api.startBatch();
    void api.associate({ collection: 'systemusers', primaryKey: guidFor(user.systemuserid), relationshipName: 'systemuserroles_association', relatedCollection: 'roles', relatedKey: basic });
    void api.associate({ collection: 'systemusers', primaryKey: guidFor(user.systemuserid), relationshipName: 'systemuserroles_association', relatedCollection: 'roles', relatedKey: pro });
    const responses = await api.executeBatch();
    expect(responses).toHaveLength(2);
    const held = await api.retrieveAll({ collection: 'systemuserrolescollection', filter: `systemuserid eq ${guidFor(user.systemuserid)}` });
    expect(held.value.map((r) => r.roleid).sort()).toEqual([basic, pro].sort());
  });

  it('answers a throttled request with 429, a Retry-After in seconds and the service protection error code', async () => {
    double.env.throttle = { every: 1, retryAfterSeconds: 7 };
    try {
      const err = await failure(api.retrieveMultiple({ collection: 'teams', select: ['name'] }));
      expect(err.status).toBe(429);
      expect(err.headers['retry-after']).toBe('7');
      expect((err as unknown as { code: string }).code).toBe('0x80072322');
    } finally {
      double.env.throttle = undefined;
    }
  });

  it('lists the privilege table with GUID ids, access rights and the depths each allows', async () => {
    const all = await api.retrieveAll({ collection: 'privileges', select: ['privilegeid', 'name', 'accessright', 'canbebasic', 'canbelocal', 'canbedeep', 'canbeglobal'] });
    const readAccount = all.value.find((p) => p.name === 'prvReadAccount')!;
    expect(readAccount).toMatchObject({ privilegeid: privilegeIdOf('prvReadAccount'), accessright: 1, canbebasic: true, canbeglobal: true });
    expect(all.value.length).toBeGreaterThan(2000);
  });

  it('answers an aggregate FetchXML (count grouped by owner and owning unit) with each value under its alias', async () => {
    const fetchXml = `<fetch aggregate="true"><entity name="account"><attribute name="ownerid" alias="owner" groupby="true"/><attribute name="owningbusinessunit" alias="unit" groupby="true"/><attribute name="accountid" alias="n" aggregate="count"/><order alias="owner"/></entity></fetch>`;
    const answer = await api.fetch<{ owner: string; unit: string; n: number; owner_LogicalName?: string }>({ collection: 'accounts', fetchXml, includeAnnotations: 'Microsoft.Dynamics.CRM.lookuplogicalname' });
    const want = new Map<string, number>();
    for (const r of org.records.values()) if (r.entity === 'account') want.set(guidFor(r.ownerid), (want.get(guidFor(r.ownerid)) ?? 0) + 1);
    expect(new Map(answer.value.map((r) => [r.owner, r.n]))).toEqual(want);
    const first = answer.value[0];
    const owner = org.systemusers.get([...org.records.values()].find((r) => guidFor(r.ownerid) === first.owner)!.ownerid);
    expect(first.unit).toBe(guidFor(owner ? owner.businessunitid : org.teams.get([...org.records.values()].find((r) => guidFor(r.ownerid) === first.owner)!.ownerid)!.businessunitid));
    // dynamics-web-api reads the lookup annotation as <alias>_LogicalName.
    expect(['systemuser', 'team']).toContain(first.owner_LogicalName);
    const total = await api.fetch<{ n: number }>({ collection: 'accounts', fetchXml: '<fetch aggregate="true"><entity name="account"><attribute name="accountid" alias="n" aggregate="count"/></entity></fetch>' });
    expect(total.value).toEqual([{ n: want.size ? [...want.values()].reduce((a, b) => a + b) : 0 }]);
  });

  it('refuses an aggregate over more than 50,000 records with AggregateQueryRecordLimit, as documented', async () => {
    const u = [...org.systemusers.values()][0];
    addRecords(double.env.data.records, 'contact', { ownerid: guidFor(u.systemuserid), owneridtype: 'systemuser', owningbusinessunit: guidFor(u.businessunitid) }, 50_001);
    try {
      const err = await failure(api.fetch({ collection: 'contacts', fetchXml: '<fetch aggregate="true"><entity name="contact"><attribute name="contactid" alias="n" aggregate="count"/></entity></fetch>' }));
      expect(err.status).toBe(400);
      expect(err.message).toBe('AggregateQueryRecordLimit exceeded. Cannot perform this operation.');
      expect((err as unknown as { code: string }).code).toBe('0x8004E023');
      // A query's own lower aggregatelimit is refused the same way.
      const low = await failure(api.fetch({ collection: 'accounts', fetchXml: '<fetch aggregate="true" aggregatelimit="3"><entity name="account"><attribute name="accountid" alias="n" aggregate="count"/></entity></fetch>' }));
      expect(low.message).toMatch(/AggregateQueryRecordLimit/);
    } finally {
      addRecords(double.env.data.records, 'contact', { ownerid: guidFor(u.systemuserid), owneridtype: 'systemuser', owningbusinessunit: guidFor(u.businessunitid) }, -50_001);
    }
  });

  it("answers a table's definition (EntitySetName, OwnershipType), and 404 for a table it does not have", async () => {
    const def = await api.retrieve<{ EntitySetName: string; OwnershipType: string }>({ collection: 'EntityDefinitions', key: "LogicalName='opportunity'", select: ['EntitySetName', 'OwnershipType'] });
    expect(def).toMatchObject({ EntitySetName: 'opportunities', OwnershipType: 'UserOwned' });
    expect((await failure(api.retrieve({ collection: 'EntityDefinitions', key: "LogicalName='nosuchtable'" }))).status).toBe(404);
  });
});
