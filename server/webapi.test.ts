/**
 * The Dataverse Web API surface (/api/data/v9.2/...) over HTTP against the real server on loopback
 * (embedded PostgreSQL; PostgreSQL too when DATABASE_URL is set): OData collections and rows with
 * etags, writes with If-Match, associations, the role privilege actions, $batch change sets, delta
 * links, and refusals that apply nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BU, DEFAULT_TEAM, ROLE, TEAM, USER } from '../test/fixtures/orgCharts';
import { BACKENDS, newStorage, seedOrg, startTestServer, syncedView, type Backend, type TestServer } from './testing';

const servers: TestServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close().catch(() => {});
});

interface Api {
  readonly server: TestServer;
  readonly base: string;
  readonly token: string;
  req(method: string, path: string, o?: { body?: unknown; headers?: Record<string, string>; token?: string | null }): Promise<{ status: number; headers: Headers; json: any }>;
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; json: any }>;
  /** The synced tables as plain JSON, to prove nothing changed. */
  view(): string;
}

async function start(backend: Backend, account = { name: 'ada', role: 'System Administrator' }): Promise<Api> {
  const server = await startTestServer(newStorage(backend), { seed: seedOrg() });
  servers.push(server);
  await server.accounts.add({ name: account.name, password: `${account.name}-secret-pw`, role: account.role });
  const token = await server.token(account.name, `${account.name}-secret-pw`);
  const base = `${server.url}/api/data/v9.2`;
  const req: Api['req'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { Accept: 'application/json', ...(o.headers ?? {}) };
    const bearer = o.token === undefined ? token : o.token;
    if (bearer !== null) headers.Authorization = `Bearer ${bearer}`;
    if (o.body !== undefined) headers['Content-Type'] ??= 'application/json';
    const res = await fetch(`${base}/${path}`, { method, headers, body: o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
  };
  return { server, base, token, req, get: (path, headers) => req('GET', path, { headers }), view: () => syncedView(server.model.state) };
}

const q = (s: string) => encodeURIComponent(s);
const etagOf = async (api: Api, path: string) => {
  const r = await api.get(path);
  expect(r.status).toBe(200);
  return r.headers.get('etag')!;
};

describe.each(BACKENDS)('the Web API on %s PostgreSQL', (backend) => {
  describe('reads', () => {
    it('returns businessunits, systemusers, teams, roles and privileges as OData collections with an etag on every row', async () => {
      const api = await start(backend);
      for (const set of ['businessunits', 'systemusers', 'teams', 'roles', 'privileges']) {
        const r = await api.get(set);
        expect(r.status, set).toBe(200);
        expect(r.headers.get('odata-version')).toBe('4.0');
        expect(r.json['@odata.context']).toBe(`${api.base}/$metadata#${set}`);
        expect(Array.isArray(r.json.value)).toBe(true);
        expect(r.json.value.length, set).toBeGreaterThan(0);
        for (const row of r.json.value) expect(row['@odata.etag'], `${set} ${JSON.stringify(row).slice(0, 80)}`).toMatch(/^W\/"\d+"$/);
      }
      const units = (await api.get('businessunits')).json.value;
      expect(units.map((u: any) => u.businessunitid).sort()).toEqual([BU.contoso, BU.sales, BU.west, BU.service].sort());
      const west = units.find((u: any) => u.businessunitid === BU.west);
      expect(west._parentbusinessunitid_value).toBe(BU.sales);
      expect(west).not.toHaveProperty('parentbusinessunitid');
      const users = (await api.get('systemusers')).json.value;
      expect(users.find((u: any) => u.systemuserid === USER.sue)).toMatchObject({ fullname: 'Sue Sales', _businessunitid_value: BU.sales, _parentsystemuserid_value: USER.sam });
      const privileges = (await api.get('privileges')).json.value;
      expect(privileges.find((p: any) => p.name === 'prvReadAccount')).toMatchObject({ privilegeid: 'prvReadAccount', canbebasic: true, canbeglobal: true });
    });

    it('applies $select, $filter (column eq value) and $top to a collection', async () => {
      const api = await start(backend);
      const sel = await api.get(`businessunits?$select=name`);
      for (const row of sel.json.value) expect(Object.keys(row).sort()).toEqual(['@odata.etag', 'businessunitid', 'name']);

      const filtered = await api.get(`systemusers?$filter=${q(`_businessunitid_value eq '${BU.sales}'`)}&$select=fullname`);
      expect(filtered.status).toBe(200);
      expect(filtered.json.value.map((u: any) => u.fullname).sort()).toEqual(['Sam Sales', 'Sue Sales']);

      const both = await api.get(`teams?$filter=${q(`teamtype eq 1 and name eq 'Deal Team'`)}`);
      expect(both.json.value.map((t: any) => t.teamid)).toEqual([TEAM.deal]);
      const quoted = await api.get(`roles?$filter=${q(`name eq 'Sales Desk'`)}`);
      expect(quoted.json.value).toHaveLength(1);
      expect(quoted.json.value[0]).toMatchObject({ roleid: ROLE.salesOnly, _businessunitid_value: BU.sales });

      // OData writes a GUID unquoted, in either case.
      const account = await api.get(`systemusers?$filter=${q("domainname eq 'ada@roleatlas.server'")}`);
      const id: string = account.json.value[0].systemuserid;
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      const byGuid = await api.get(`systemusers?$filter=${q(`systemuserid eq ${id.toUpperCase()}`)}`);
      expect(byGuid.status).toBe(200);
      expect(byGuid.json.value.map((u: any) => u.systemuserid)).toEqual([id]);

      const top = await api.get(`roles?$top=2`);
      expect(top.json.value).toHaveLength(2);
      const filteredTop = await api.get(`teams?$filter=${q('isdefault eq true')}&$top=3`);
      expect(filteredTop.json.value).toHaveLength(3);
      for (const t of filteredTop.json.value) expect(t.isdefault).toBe(true);

      const privileges = await api.get(`privileges?$filter=${q("name eq 'prvCreateProduct'")}&$select=canbebasic,canbeglobal`);
      expect(privileges.status).toBe(200);
      expect(privileges.json.value).toEqual([{ '@odata.etag': expect.stringMatching(/^W\/"\d+"$/), privilegeid: 'prvCreateProduct', canbebasic: false, canbeglobal: true }]);
      expect((await api.get('privileges?$top=5')).json.value).toHaveLength(5);

      const unsupported = await api.get(`roles?$filter=${q("contains(name,'Sales')")}`);
      expect(unsupported.status).toBe(400);
      expect(unsupported.json.error.message).toMatch(/unsupported \$filter/);
      expect((await api.get('roles?$top=lots')).status).toBe(400);
    });

    it('returns a single row by id with an ETag header matching its @odata.etag, and 404 for a missing one', async () => {
      const api = await start(backend);
      const r = await api.get(`businessunits(${BU.sales})`);
      expect(r.status).toBe(200);
      expect(r.json['@odata.context']).toBe(`${api.base}/$metadata#businessunits/$entity`);
      expect(r.json).toMatchObject({ businessunitid: BU.sales, name: 'Sales', _parentbusinessunitid_value: BU.contoso });
      expect(r.headers.get('etag')).toMatch(/^W\/"\d+"$/);
      expect(r.headers.get('etag')).toBe(r.json['@odata.etag']);
      const quoted = await api.get(`roles('${ROLE.salesperson}')?$select=name`);
      expect(quoted.status).toBe(200);
      expect(quoted.json).toMatchObject({ roleid: ROLE.salesperson, name: 'Salesperson' });
      expect(quoted.json).not.toHaveProperty('privileges');
      const privilege = await api.get('privileges(prvReadAccount)');
      expect(privilege.status).toBe(200);
      expect(privilege.json.name).toBe('prvReadAccount');
      const missing = await api.get('teams(no-such-team)');
      expect(missing.status).toBe(404);
      expect(missing.json.error.message).toMatch(/teams\(no-such-team\) does not exist/);
    });
  });

  describe('writes', () => {
    it('creates a business unit, a user, a team and a role with POST (204 and OData-EntityId), then reads them back', async () => {
      const api = await start(backend);
      const bu = await api.req('POST', 'businessunits', { body: { businessunitid: 'bu-north', name: 'North', 'parentbusinessunitid@odata.bind': `/businessunits(${BU.contoso})` } });
      expect(bu.status).toBe(204);
      expect(bu.headers.get('odata-entityid')).toBe(`${api.base}/businessunits(bu-north)`);
      const user = await api.req('POST', 'systemusers', { body: { systemuserid: 'user-nora', fullname: 'Nora North', domainname: 'nora@contoso.com', 'businessunitid@odata.bind': `${api.base}/businessunits(bu-north)` } });
      expect(user.status).toBe(204);
      const team = await api.req('POST', 'teams', { body: { name: 'North Desk', teamtype: 0, 'businessunitid@odata.bind': '/businessunits(bu-north)' } });
      expect(team.status).toBe(204);
      const teamUrl = team.headers.get('odata-entityid')!;
      expect(teamUrl).toMatch(/\/teams\([0-9a-f-]{36}\)$/);
      const role = await api.req('POST', 'roles', { body: { roleid: 'role-north', name: 'North Reader', privileges: { prvReadAccount: 'Local' } } });
      expect(role.status).toBe(204);

      expect((await api.get('businessunits(bu-north)')).json).toMatchObject({ name: 'North', _parentbusinessunitid_value: BU.contoso });
      expect((await api.get('systemusers(user-nora)')).json).toMatchObject({ fullname: 'Nora North', _businessunitid_value: 'bu-north' });
      const created = await fetch(teamUrl, { headers: { Authorization: `Bearer ${api.token}` } });
      expect(await created.json()).toMatchObject({ name: 'North Desk', teamtype: 0, _businessunitid_value: 'bu-north' });
      expect((await api.get('roles(role-north)')).json.privileges).toEqual({ prvReadAccount: 'Local' });

      const dup = await api.req('POST', 'roles', { body: { roleid: 'role-north', name: 'Again' } });
      expect(dup.status).toBe(412);
      const unknownColumn = await api.req('POST', 'roles', { body: { name: 'X', colour: 'red' } });
      expect(unknownColumn.status).toBe(400);
      expect(unknownColumn.json.error.message).toMatch(/no writable column "colour"/);
    });

    it('updates with PATCH and deletes with DELETE where the model allows, refusing what Dataverse refuses', async () => {
      const api = await start(backend);
      const patch = await api.req('PATCH', `teams(${TEAM.keyAccounts})`, { body: { name: 'Strategic Accounts' } });
      expect(patch.status).toBe(204);
      expect(server(api).state.teams.get(TEAM.keyAccounts)!.name).toBe('Strategic Accounts');
      const move = await api.req('PATCH', `systemusers(${USER.sven})`, { body: { 'businessunitid@odata.bind': `/businessunits(${BU.sales})` } });
      expect(move.status).toBe(204);
      expect((await api.get(`systemusers(${USER.sven})`)).json._businessunitid_value).toBe(BU.sales);

      const del = await api.req('DELETE', `roles(${ROLE.accountReaderDeep})`);
      expect(del.status).toBe(204);
      expect((await api.get(`roles(${ROLE.accountReaderDeep})`)).status).toBe(404);
      expect((await api.req('DELETE', `roles(${ROLE.accountReaderDeep})`)).status).toBe(404);

      const before = api.view();
      const user = await api.req('DELETE', `systemusers(${USER.sam})`);
      expect(user.status).toBe(400);
      expect(user.json.error.message).toMatch(/users cannot be deleted/);
      const teamType = await api.req('PATCH', `teams(${TEAM.keyAccounts})`, { body: { teamtype: 1 } });
      expect(teamType.status).toBe(400);
      expect(teamType.json.error.message).toMatch(/teamtype/);
      const unitInUse = await api.req('DELETE', `businessunits(${BU.sales})`);
      expect(unitInUse.status).toBe(400);
      expect(api.view()).toBe(before);
    });

    it('refuses PATCH and DELETE with a stale If-Match with 412, changing nothing, and applies them with the current etag', async () => {
      const api = await start(backend);
      const stale = await etagOf(api, `roles(${ROLE.salesperson})`);
      expect((await api.req('PATCH', `roles(${ROLE.salesperson})`, { body: { name: 'Sales Rep' } })).status).toBe(204);
      const current = await etagOf(api, `roles(${ROLE.salesperson})`);
      expect(current).not.toBe(stale);

      const before = api.view();
      const p = await api.req('PATCH', `roles(${ROLE.salesperson})`, { body: { name: 'Sales Agent' }, headers: { 'If-Match': stale } });
      expect(p.status).toBe(412);
      expect(p.json.error.code).toBe('precondition-failed');
      const d = await api.req('DELETE', `roles(${ROLE.salesperson})`, { headers: { 'If-Match': stale } });
      expect(d.status).toBe(412);
      // A PATCH that would change nothing is still refused on a stale etag, as Dataverse does.
      const same = await api.req('PATCH', `roles(${ROLE.salesperson})`, { body: { name: 'Sales Rep' }, headers: { 'If-Match': stale } });
      expect(same.status).toBe(412);
      expect(api.view()).toBe(before);

      const ok = await api.req('PATCH', `roles(${ROLE.salesperson})`, { body: { name: 'Sales Agent' }, headers: { 'If-Match': current } });
      expect(ok.status).toBe(204);
      expect(server(api).state.roles.get(ROLE.salesperson)!.name).toBe('Sales Agent');
      const newer = await etagOf(api, `roles(${ROLE.salesperson})`);
      expect((await api.req('DELETE', `roles(${ROLE.salesperson})`, { headers: { 'If-Match': current } })).status).toBe(412);
      expect(server(api).state.roles.has(ROLE.salesperson)).toBe(true);
      expect((await api.req('DELETE', `roles(${ROLE.salesperson})`, { headers: { 'If-Match': newer } })).status).toBe(204);
      expect(server(api).state.roles.has(ROLE.salesperson)).toBe(false);
      expect((await api.req('PATCH', `roles(${ROLE.salesperson})`, { body: { name: 'x' }, headers: { 'If-Match': 'yesterday' } })).status).toBe(404);
      const bad = await api.req('PATCH', `roles(${ROLE.teamOnlyLocal})`, { body: { name: 'x' }, headers: { 'If-Match': 'yesterday' } });
      expect(bad.status).toBe(400);
      expect(bad.json.error.message).toMatch(/not an etag/);
    });
  });

  describe('associations', () => {
    it('assigns and removes a user role through systemuserroles_association/$ref, with ?$id= and with the key in the path', async () => {
      const api = await start(backend);
      const add = await api.req('POST', `systemusers(${USER.sue})/systemuserroles_association/$ref`, { body: { '@odata.id': `${api.base}/roles(${ROLE.salesperson})` } });
      expect(add.status).toBe(204);
      expect(userHolds(api, USER.sue, ROLE.salesperson)).toBe(true);
      const rows = await api.get(`systemuserrolescollection?$filter=${q(`systemuserid eq '${USER.sue}'`)}`);
      expect(rows.json.value.map((r: any) => r.roleid)).toEqual([ROLE.salesperson]);
      // From the role's side too.
      expect((await api.req('POST', `roles(${ROLE.accountReaderLocal})/systemuserroles_association/$ref`, { body: { '@odata.id': `/systemusers(${USER.sue})` } })).status).toBe(204);
      expect(userHolds(api, USER.sue, ROLE.accountReaderLocal)).toBe(true);

      const del = await api.req('DELETE', `systemusers(${USER.sue})/systemuserroles_association/$ref?$id=${q(`${api.base}/roles(${ROLE.salesperson})`)}`);
      expect(del.status).toBe(204);
      expect(userHolds(api, USER.sue, ROLE.salesperson)).toBe(false);
      const del2 = await api.req('DELETE', `systemusers(${USER.sue})/systemuserroles_association(${ROLE.accountReaderLocal})/$ref`);
      expect(del2.status).toBe(204);
      expect(userHolds(api, USER.sue, ROLE.accountReaderLocal)).toBe(false);

      const wrong = await api.req('POST', `systemusers(${USER.sue})/systemuserroles_association/$ref`, { body: { '@odata.id': `/teams(${TEAM.keyAccounts})` } });
      expect(wrong.status).toBe(400);
      expect(wrong.json.error.message).toMatch(/relates systemusers and roles/);
      const noRole = await api.req('POST', `systemusers(${USER.sue})/systemuserroles_association/$ref`, { body: { '@odata.id': `/roles(no-such-role)` } });
      expect(noRole.status).toBe(404);
    });

    it('assigns and removes a team role through teamroles_association/$ref', async () => {
      const api = await start(backend);
      const add = await api.req('POST', `teams(${TEAM.keyAccounts})/teamroles_association/$ref`, { body: { '@odata.id': `${api.base}/roles(${ROLE.teamOnlyLocal})` } });
      expect(add.status).toBe(204);
      expect(teamHolds(api, TEAM.keyAccounts, ROLE.teamOnlyLocal)).toBe(true);
      const rows = await api.get(`teamrolescollection?$filter=${q(`teamid eq '${TEAM.keyAccounts}'`)}`);
      expect(rows.json.value).toHaveLength(1);
      expect(rows.json.value[0]['@odata.etag']).toMatch(/^W\/"\d+"$/);
      const del = await api.req('DELETE', `teams(${TEAM.keyAccounts})/teamroles_association/$ref?$id=${q(`/roles(${ROLE.teamOnlyLocal})`)}`);
      expect(del.status).toBe(204);
      expect(teamHolds(api, TEAM.keyAccounts, ROLE.teamOnlyLocal)).toBe(false);
    });

    it('adds and removes a team member through teammembership_association/$ref', async () => {
      const api = await start(backend);
      const add = await api.req('POST', `teams(${TEAM.keyAccounts})/teammembership_association/$ref`, { body: { '@odata.id': `/systemusers(${USER.sven})` } });
      expect(add.status).toBe(204);
      expect(server(api).state.teammembership.has(`${TEAM.keyAccounts}|${USER.sven}`)).toBe(true);
      const members = await api.get(`teammemberships?$filter=${q(`teamid eq '${TEAM.keyAccounts}'`)}`);
      expect(members.json.value.map((m: any) => m.systemuserid).sort()).toEqual([USER.sue, USER.sven, USER.wes].sort());
      const del = await api.req('DELETE', `teams(${TEAM.keyAccounts})/teammembership_association(${USER.sven})/$ref`);
      expect(del.status).toBe(204);
      expect(server(api).state.teammembership.has(`${TEAM.keyAccounts}|${USER.sven}`)).toBe(false);
      const del2 = await api.req('DELETE', `teams(${TEAM.keyAccounts})/teammembership_association/$ref?$id=${q(`/systemusers(${USER.sue})`)}`);
      expect(del2.status).toBe(204);
      expect(server(api).state.teammembership.has(`${TEAM.keyAccounts}|${USER.sue}`)).toBe(false);

      const before = api.view();
      const defaultTeam = await api.req('POST', `teams(${DEFAULT_TEAM.sales})/teammembership_association/$ref`, { body: { '@odata.id': `/systemusers(${USER.sven})` } });
      expect(defaultTeam.status).toBe(400);
      const noRef = await api.req('DELETE', `teams(${TEAM.keyAccounts})/teammembership_association/$ref`);
      expect(noRef.status).toBe(400);
      expect(noRef.json.error.message).toMatch(/needs the related row/);
      expect((await api.req('POST', `teams(${TEAM.keyAccounts})/no_such_association/$ref`, { body: { '@odata.id': `/systemusers(${USER.sven})` } })).status).toBe(404);
      expect(api.view()).toBe(before);
    });
  });

  describe('role privilege actions', () => {
    it('adds, removes and replaces a role\'s privileges with Depth 0..3 as Basic..Global', async () => {
      const api = await start(backend);
      const role = `roles(${ROLE.salesperson})`;
      const add = await api.req('POST', `${role}/Microsoft.Dynamics.CRM.AddPrivilegesRole`, {
        body: { Privileges: [{ PrivilegeId: 'prvCreateAccount', Depth: 0 }, { PrivilegeId: 'prvReadContact', Depth: 1 }, { PrivilegeId: 'prvAppendAccount', Depth: 2 }, { PrivilegeId: 'prvReadAccount', Depth: 3 }] },
      });
      expect(add.status).toBe(204);
      expect(server(api).state.roles.get(ROLE.salesperson)!.privileges).toMatchObject({ prvCreateAccount: 'Basic', prvReadContact: 'Local', prvAppendAccount: 'Deep', prvReadAccount: 'Global', prvWriteAccount: 'Basic' });
      const byName = await api.req('POST', `${role}/AddPrivilegesRole`, { body: { Privileges: [{ PrivilegeName: 'prvShareAccount', Depth: 'Local' }] } });
      expect(byName.status).toBe(204);
      expect(server(api).state.roles.get(ROLE.salesperson)!.privileges.prvShareAccount).toBe('Local');

      const remove = await api.req('POST', `${role}/Microsoft.Dynamics.CRM.RemovePrivilegeRole`, { body: { PrivilegeId: 'prvCreateAccount' } });
      expect(remove.status).toBe(204);
      expect(server(api).state.roles.get(ROLE.salesperson)!.privileges).not.toHaveProperty('prvCreateAccount');

      const replace = await api.req('POST', `${role}/Microsoft.Dynamics.CRM.ReplacePrivilegesRole`, { body: { Privileges: [{ PrivilegeId: 'prvReadAccount', Depth: 1 }, { PrivilegeId: 'prvWriteAccount', Depth: 1 }] } });
      expect(replace.status).toBe(204);
      expect(server(api).state.roles.get(ROLE.salesperson)!.privileges).toEqual({ prvReadAccount: 'Local', prvWriteAccount: 'Local' });
      expect((await api.get(role)).json.privileges).toEqual({ prvReadAccount: 'Local', prvWriteAccount: 'Local' });
    });

    it('refuses a depth the privilege does not allow with a 4xx naming it, applying none of the action', async () => {
      const api = await start(backend);
      const role = `roles(${ROLE.salesperson})`;
      const before = api.view();
      const add = await api.req('POST', `${role}/Microsoft.Dynamics.CRM.AddPrivilegesRole`, { body: { Privileges: [{ PrivilegeId: 'prvCreateAccount', Depth: 3 }, { PrivilegeId: 'prvCreateProduct', Depth: 0 }] } });
      expect(add.status).toBe(400);
      expect(add.json.error.message).toMatch(/prvCreateProduct does not allow Basic/);
      const replace = await api.req('POST', `${role}/Microsoft.Dynamics.CRM.ReplacePrivilegesRole`, { body: { Privileges: [{ PrivilegeId: 'prvReadAccount', Depth: 3 }, { PrivilegeId: 'prvReadProduct', Depth: 1 }] } });
      expect(replace.status).toBe(400);
      expect(replace.json.error.message).toMatch(/prvReadProduct does not allow Local/);
      const outOfRange = await api.req('POST', `${role}/Microsoft.Dynamics.CRM.AddPrivilegesRole`, { body: { Privileges: [{ PrivilegeId: 'prvReadAccount', Depth: 4 }] } });
      expect(outOfRange.status).toBe(400);
      expect(outOfRange.json.error.message).toMatch(/Depth must be 0\.\.3/);
      const unknown = await api.req('POST', `${role}/Microsoft.Dynamics.CRM.AddPrivilegesRole`, { body: { Privileges: [{ PrivilegeId: 'prvReadAccount', Depth: 3 }, { PrivilegeId: 'prvFlyAccount', Depth: 0 }] } });
      expect(unknown.status).toBe(404);
      expect(unknown.json.error.message).toMatch(/prvFlyAccount/);
      const onTeam = await api.req('POST', `teams(${TEAM.keyAccounts})/Microsoft.Dynamics.CRM.AddPrivilegesRole`, { body: { Privileges: [{ PrivilegeId: 'prvReadAccount', Depth: 0 }] } });
      expect(onTeam.status).toBe(400);
      expect(api.view()).toBe(before);
      expect((await api.req('POST', `${role}/Microsoft.Dynamics.CRM.AddPrivilegesRole`, { body: { Privileges: [{ PrivilegeId: 'prvCreateProduct', Depth: 3 }] } })).status).toBe(204);
    });
  });

  describe('$batch', () => {
    const batch = (api: Api, requests: unknown[]) => api.req('POST', '$batch', { body: { requests } });

    it('applies a change set of 1,000 operations atomically and answers each', async () => {
      const api = await start(backend);
      const requests = Array.from({ length: 1000 }, (_, i) =>
        i === 0
          ? { id: '1', method: 'POST', url: '/api/data/v9.2/businessunits', body: { businessunitid: 'bu-batch', name: 'Batch', 'parentbusinessunitid@odata.bind': `/businessunits(${BU.contoso})` } }
          : i === 1
            ? { id: '2', method: 'POST', url: `${api.base}/teams(${TEAM.keyAccounts})/teammembership_association/$ref`, body: { '@odata.id': `/systemusers(${USER.sven})` } }
            : { id: String(i + 1), method: 'POST', url: 'roles', body: { roleid: `role-batch-${i}`, name: `Batch role ${i}`, privileges: { prvReadAccount: 'Basic' } } },
      );
      const versionBefore = api.server.model.currentVersion;
      const r = await batch(api, requests);
      expect(r.status).toBe(200);
      expect(r.json.responses).toHaveLength(1000);
      expect(r.json.responses[0]).toMatchObject({ id: '1', status: 204, headers: { 'OData-EntityId': `${api.base}/businessunits(bu-batch)` } });
      const s = server(api).state;
      expect(s.businessunits.has('bu-batch')).toBe(true);
      expect(s.teammembership.has(`${TEAM.keyAccounts}|${USER.sven}`)).toBe(true);
      expect([...s.roles.keys()].filter((k) => k.startsWith('role-batch-'))).toHaveLength(998);
      const [{ n }] = await api.server.model.db.query<{ n: string | number }>(`select count(*) as n from changeset where source = 'webapi' and fromversion = $1`, [versionBefore]);
      expect(Number(n)).toBe(1);
    });

    it('applies nothing of a change set when one operation is refused, naming it', async () => {
      const api = await start(backend);
      const before = api.view();
      const r = await batch(api, [
        { id: 'a', method: 'PATCH', url: `roles(${ROLE.salesperson})`, body: { name: 'Renamed' } },
        { id: 'b', method: 'POST', url: `teams(${TEAM.keyAccounts})/teammembership_association/$ref`, body: { '@odata.id': `/systemusers(${USER.sven})` } },
        { id: 'c', method: 'DELETE', url: `businessunits(${BU.sales})` },
      ]);
      expect(r.status).toBe(400);
      expect(r.json.error.message).toMatch(/change 3 of 3 \(deleteBusinessUnit\) refused/);
      expect(api.view()).toBe(before);

      const planned = await batch(api, [
        { id: 'a', method: 'PATCH', url: `roles(${ROLE.salesperson})`, body: { name: 'Renamed' } },
        { id: 'b', method: 'PATCH', url: `roles(no-such-role)`, body: { name: 'Renamed' } },
      ]);
      expect(planned.status).toBe(404);
      expect(planned.json.error.message).toMatch(/request b \(2 of 2\).*Nothing was applied/);
      const stale = await batch(api, [
        { id: 'a', method: 'PATCH', url: `roles(${ROLE.salesperson})`, body: { name: 'Renamed' } },
        { id: 'b', method: 'PATCH', url: `roles(${ROLE.teamOnlyLocal})`, body: { name: 'Renamed too' }, headers: { 'If-Match': 'W/"0"' } },
      ]);
      expect(stale.status).toBe(412);
      const read = await batch(api, [{ id: 'a', method: 'GET', url: 'roles' }]);
      expect(read.status).toBe(400);
      expect(api.view()).toBe(before);
    });

    it('refuses a change set of 1,001 operations, applying nothing', async () => {
      const api = await start(backend);
      const before = api.view();
      const requests = Array.from({ length: 1001 }, (_, i) => ({ id: String(i + 1), method: 'POST', url: 'roles', body: { roleid: `role-x-${i}`, name: `X ${i}` } }));
      const r = await batch(api, requests);
      expect(r.status).toBe(400);
      expect(r.json.error.message).toMatch(/at most 1000 operations/);
      expect(api.view()).toBe(before);
      const multipart = await api.req('POST', '$batch', { body: '--batch_1--', headers: { 'Content-Type': 'multipart/mixed; boundary=batch_1' } });
      expect(multipart.status).toBe(415);
    });

    it('lets a later operation of a change set use a row an earlier one created', async () => {
      const api = await start(backend);
      const r = await batch(api, [
        { id: '1', method: 'POST', url: 'teams', body: { teamid: 'team-night', name: 'Night shift', teamtype: 0, 'businessunitid@odata.bind': `/businessunits(${BU.sales})` } },
        { id: '2', method: 'POST', url: 'teams(team-night)/teammembership_association/$ref', body: { '@odata.id': `/systemusers(${USER.sam})` } },
        { id: '3', method: 'POST', url: 'teams(team-night)/teamroles_association/$ref', body: { '@odata.id': `/roles(${ROLE.teamOnlyLocal})` } },
        { id: '4', method: 'PATCH', url: 'teams(team-night)', body: { name: 'Night desk' } },
      ]);
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      const s = server(api).state;
      expect(s.teams.get('team-night')!.name).toBe('Night desk');
      expect(s.teammembership.has(`team-night|${USER.sam}`)).toBe(true);
      expect(teamHolds(api, 'team-night', ROLE.teamOnlyLocal)).toBe(true);
    });
  });

  describe('delta', () => {
    it('returns a deltaLink for Prefer: odata.track-changes, then only the rows changed since and the deleted ones as $deletedEntity', async () => {
      const api = await start(backend);
      const first = await api.get('roles', { Prefer: 'odata.track-changes' });
      expect(first.status).toBe(200);
      expect(first.headers.get('preference-applied')).toBe('odata.track-changes');
      const link: string = first.json['@odata.deltaLink'];
      expect(link).toMatch(new RegExp(`^${api.base.replace(/[.]/g, '\\.')}/roles\\?\\$deltatoken=\\d+$`));
      expect(first.json.value.length).toBeGreaterThan(5);
      const plain = await api.get('roles');
      expect(plain.json).not.toHaveProperty('@odata.deltaLink');

      const unchanged = await fetch(link, { headers: { Authorization: `Bearer ${api.token}` } }).then((r) => r.json());
      expect(unchanged.value).toEqual([]);

      expect((await api.req('PATCH', `roles(${ROLE.salesperson})`, { body: { name: 'Sales Rep' } })).status).toBe(204);
      expect((await api.req('DELETE', `roles(${ROLE.accountReaderDeep})`)).status).toBe(204);
      expect((await api.req('POST', 'roles', { body: { roleid: 'role-new', name: 'New role' } })).status).toBe(204);
      expect((await api.req('PATCH', `teams(${TEAM.keyAccounts})`, { body: { name: 'Other table' } })).status).toBe(204);

      const delta = await fetch(link, { headers: { Authorization: `Bearer ${api.token}` } });
      expect(delta.status).toBe(200);
      const body = await delta.json();
      const changed = body.value.filter((r: any) => !String(r['@odata.context'] ?? '').endsWith('$deletedEntity'));
      const deleted = body.value.filter((r: any) => String(r['@odata.context'] ?? '').endsWith('$deletedEntity'));
      expect(changed.map((r: any) => r.roleid).sort()).toEqual(['role-new', ROLE.salesperson].sort());
      expect(changed.find((r: any) => r.roleid === ROLE.salesperson)).toMatchObject({ name: 'Sales Rep', '@odata.etag': expect.stringMatching(/^W\/"\d+"$/) });
      expect(deleted).toEqual([{ '@odata.context': `${api.base}/$metadata#roles/$deletedEntity`, id: ROLE.accountReaderDeep, reason: 'deleted' }]);
      expect(body['@odata.deltaLink']).not.toBe(link);

      const next = await fetch(body['@odata.deltaLink'], { headers: { Authorization: `Bearer ${api.token}` } }).then((r) => r.json());
      expect(next.value).toEqual([]);
      // Associations are tracked too.
      const members = await api.get('teammemberships', { Prefer: 'odata.track-changes' });
      expect((await api.req('DELETE', `teams(${TEAM.keyAccounts})/teammembership_association(${USER.wes})/$ref`)).status).toBe(204);
      const memberDelta = await fetch(members.json['@odata.deltaLink'], { headers: { Authorization: `Bearer ${api.token}` } }).then((r) => r.json());
      expect(memberDelta.value).toEqual([{ '@odata.context': `${api.base}/$metadata#teammemberships/$deletedEntity`, id: `${TEAM.keyAccounts}|${USER.wes}`, reason: 'deleted' }]);
      expect((await api.get('roles?$deltatoken=abc')).status).toBe(400);
    });
  });

  describe('refusals', () => {
    it('refuses moving a business unit under its own descendant with a 4xx and a clear message, applying nothing', async () => {
      const api = await start(backend);
      const before = api.view();
      const r = await api.req('PATCH', `businessunits(${BU.sales})`, { body: { 'parentbusinessunitid@odata.bind': `/businessunits(${BU.west})` } });
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(r.json.error.message).toMatch(/Sales West|descendant|below|cycle|own/i);
      const self = await api.req('PATCH', `businessunits(${BU.sales})`, { body: { 'parentbusinessunitid@odata.bind': `/businessunits(${BU.sales})` } });
      expect(self.status).toBe(400);
      expect(api.view()).toBe(before);
    });

    it('refuses a role for an access team with a 4xx naming the team, applying nothing', async () => {
      const api = await start(backend);
      const before = api.view();
      const r = await api.req('POST', `teams(${TEAM.deal})/teamroles_association/$ref`, { body: { '@odata.id': `/roles(${ROLE.salesperson})` } });
      expect(r.status).toBe(400);
      expect(r.json.error.message).toMatch(/Deal Team is an access team; access teams hold no security roles/);
      expect(api.view()).toBe(before);
    });

    it('answers a request without a token, or with an unknown one, with 401', async () => {
      const api = await start(backend);
      const none = await api.req('GET', 'roles', { token: null });
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      expect(none.json.error.message).toMatch(/bearer token is required/);
      const before = api.view();
      expect((await api.req('PATCH', `roles(${ROLE.salesperson})`, { body: { name: 'x' }, token: null })).status).toBe(401);
      const unknown = await api.req('GET', 'roles', { token: 'not-a-token' });
      expect(unknown.status).toBe(401);
      expect(unknown.json.error.message).toMatch(/unknown or expired/);
      expect((await api.req('POST', '$batch', { body: { requests: [] }, token: null })).status).toBe(401);
      expect(api.view()).toBe(before);
    });

    it('lets a read-only account read but answers its writes with 403 naming the missing privilege', async () => {
      const api = await start(backend, { name: 'reader', role: 'Security Reader' });
      expect((await api.get('roles')).status).toBe(200);
      const before = api.view();
      const writes = [
        api.req('PATCH', `roles(${ROLE.salesperson})`, { body: { name: 'x' } }),
        api.req('POST', 'businessunits', { body: { name: 'Nope', 'parentbusinessunitid@odata.bind': `/businessunits(${BU.contoso})` } }),
        api.req('DELETE', `roles(${ROLE.accountReaderDeep})`),
        api.req('POST', `systemusers(${USER.sue})/systemuserroles_association/$ref`, { body: { '@odata.id': `/roles(${ROLE.salesperson})` } }),
        api.req('POST', `roles(${ROLE.salesperson})/Microsoft.Dynamics.CRM.AddPrivilegesRole`, { body: { Privileges: [{ PrivilegeId: 'prvReadAccount', Depth: 3 }] } }),
        api.req('POST', '$batch', { body: { requests: [{ id: '1', method: 'PATCH', url: `roles(${ROLE.salesperson})`, body: { name: 'x' } }] } }),
      ];
      for (const r of await Promise.all(writes)) {
        expect(r.status).toBe(403);
        expect(r.json.error.message).toMatch(/account reader lacks prvWriteRole at Global depth/);
      }
      expect(api.view()).toBe(before);
    });
  });
});

const server = (api: Api) => api.server.model;
const userHolds = (api: Api, systemuserid: string, roleid: string) => [...server(api).state.systemuserroles.values()].some((a) => a.systemuserid === systemuserid && a.roleid === roleid);
const teamHolds = (api: Api, teamid: string, roleid: string) => [...server(api).state.teamroles.values()].some((a) => a.teamid === teamid && a.roleid === roleid);
