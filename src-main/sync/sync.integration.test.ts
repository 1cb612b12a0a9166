/**
 * The sync client against the real server on loopback (embedded PostgreSQL; PostgreSQL too when
 * DATABASE_URL is set): faults, restarts, conflicts, refusals. Afterwards server and client agree
 * and every change is applied exactly once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BU, ROLE, USER } from '../../test/fixtures/orgCharts';
import { BACKENDS, newStorage, seedOrg, startTestServer, syncedView, type TestServer, type TestStorage } from '../../server/testing';
import { SyncClient, SyncError } from './client';
import { MemorySyncStore } from './store';

const servers: TestServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close().catch(() => {});
});

async function start(storage: TestStorage, o: Parameters<typeof startTestServer>[1] = {}) {
  const s = await startTestServer(storage, { seed: seedOrg(), ...o });
  servers.push(s);
  return s;
}

async function admin(server: TestServer, name = 'ada', role = 'System Administrator') {
  await server.accounts.add({ name, password: `${name}-secret-pw`, role });
  return server.token(name, `${name}-secret-pw`);
}

const client = (server: { url: string }, token: string, store: MemorySyncStore, extra: Partial<ConstructorParameters<typeof SyncClient>[0]> = {}) =>
  new SyncClient({ server: server.url, token, store, sleep: async () => {}, attempts: 3, timeoutMs: 10_000, ...extra });

async function changeSetCount(server: TestServer): Promise<number> {
  const [{ n }] = await server.model.db.query<{ n: string | number }>("select count(*) as n from changeset where source = 'sync'");
  return Number(n);
}

describe.each(BACKENDS)('sync on %s PostgreSQL', (backend) => {
  it('pushes the journal, pulls it into a second vault, and both agree with the server', async () => {
    const server = await start(newStorage(backend));
    const token = await admin(server);
    const a = new MemorySyncStore('vault-a');
    const b = new MemorySyncStore('vault-b');
    await client(server, token, a).sync();
    await client(server, token, b).sync();
    a.record({ type: 'setRolePrivilege', roleid: ROLE.salesperson, privilege: 'prvReadAccount', depth: 'Global' });
    a.record({ type: 'createBusinessUnit', businessunitid: 'bu-north', defaultteamid: 'team-north', name: 'North', parentbusinessunitid: BU.contoso });
    a.record({ type: 'moveUser', systemuserid: USER.sue, businessunitid: 'bu-north' });
    a.record({ type: 'createRecord', recordid: 'rec-local', entity: 'account', name: 'Local only', ownerid: USER.sue });
    const report = await client(server, token, a).sync();
    expect(report.push).toMatchObject({ pushed: 3, localOnly: 1, conflicts: 0 });
    expect(a.journal).toEqual([]);
    await client(server, token, b).sync();
    expect(syncedView(b.state)).toBe(syncedView(server.model.state));
    expect(syncedView(a.state)).toBe(syncedView(server.model.state));
    expect(server.model.state.roles.get(ROLE.salesperson)!.privileges.prvReadAccount).toBe('Global');
    expect(a.state.records.has('rec-local')).toBe(true);
    expect(server.model.state.records.size).toBe(0);
    const audit = await server.model.db.query<{ account: string; summary: string[] }>("select account, summary from changeset where source = 'sync'");
    expect(audit).toHaveLength(1);
    expect(audit[0].account).toBe('ada');
  });

  it('applies a change set once when the connection drops after the server applied it', async () => {
    let drops = 1;
    const server = await start(newStorage(backend), { afterCommit: () => drops-- > 0 });
    const token = await admin(server);
    const a = new MemorySyncStore('vault-a');
    await client(server, token, a).sync();
    a.record({ type: 'createTeam', teamid: 'team-new', name: 'Night shift', teamtype: 0, businessunitid: BU.sales });
    a.record({ type: 'addTeamMember', teamid: 'team-new', systemuserid: USER.sam });
    const report = await client(server, token, a).sync();
    expect(report.push).toMatchObject({ pushed: 0, duplicates: 2 });
    expect(await changeSetCount(server)).toBe(1);
    expect(a.journal).toEqual([]);
    expect(syncedView(a.state)).toBe(syncedView(server.model.state));
    expect(server.model.state.teammembership.has(`team-new|${USER.sam}`)).toBe(true);
  });

  it('keeps every pushed change across a server restart and continues from the delta token', async () => {
    const storage = newStorage(backend);
    let server = await start(storage);
    const token = await admin(server);
    const a = new MemorySyncStore('vault-a');
    await client(server, token, a).sync();
    a.record({ type: 'updateRole', roleid: ROLE.salesperson, name: 'Sales Associate' });
    await client(server, token, a).sync();
    const before = syncedView(server.model.state);
    await servers.pop()!.close();
    server = await start(storage, { seed: undefined });
    expect(syncedView(server.model.state)).toBe(before);
    const token2 = await server.token('ada', 'ada-secret-pw');
    a.record({ type: 'setUserDisabled', systemuserid: USER.wes, isdisabled: true });
    const report = await client(server, token2, a).sync();
    expect(report.pull.full).toBe(false);
    expect(syncedView(a.state)).toBe(syncedView(server.model.state));
    expect(server.model.state.roles.get(ROLE.salesperson)!.name).toBe('Sales Associate');
  });

  it('shows two admins editing the same role and user both sides per field, and applies the choices', async () => {
    const server = await start(newStorage(backend));
    const t1 = await admin(server, 'ada');
    const t2 = await admin(server, 'bob');
    const a = new MemorySyncStore('vault-a');
    const b = new MemorySyncStore('vault-b');
    await client(server, t1, a).sync();
    await client(server, t2, b).sync();
    a.record({ type: 'setRolePrivilege', roleid: ROLE.salesperson, privilege: 'prvReadAccount', depth: 'Global' });
    a.record({ type: 'updateUser', systemuserid: USER.sam, fullname: 'Samuel A' });
    b.record({ type: 'setRolePrivilege', roleid: ROLE.salesperson, privilege: 'prvReadAccount', depth: 'Local' });
    b.record({ type: 'setRolePrivilege', roleid: ROLE.salesperson, privilege: 'prvWriteAccount', depth: 'Deep' });
    b.record({ type: 'updateUser', systemuserid: USER.sam, fullname: 'Samuel B' });
    await client(server, t1, a).sync();
    const cb = client(server, t2, b);
    const r = await cb.sync();
    expect(r.push.conflicts).toBe(2);
    expect(b.journal).toHaveLength(3);
    expect(b.current.state).toBe('conflict');
    const [role, user] = [b.open.find((c) => c.table === 'roles')!, b.open.find((c) => c.table === 'systemusers')!];
    expect(role.fields).toEqual(
      expect.arrayContaining([
        { field: 'privileges/prvReadAccount', theirs: 'Global', mine: 'Local' },
        { field: 'privileges/prvWriteAccount', theirs: expect.anything(), mine: 'Deep' },
      ]),
    );
    expect(user.fields).toEqual([{ field: 'fullname', theirs: 'Samuel A', mine: 'Samuel B' }]);
    expect(role.changedby).toBe('ada');
    // Nothing of bob's change set was applied.
    expect(server.model.state.systemusers.get(USER.sam)!.fullname).toBe('Samuel A');

    await cb.resolve(role.id, { 'privileges/prvReadAccount': 'theirs', 'privileges/prvWriteAccount': 'mine' });
    await cb.resolve(user.id, 'mine');
    const r2 = await cb.sync();
    expect(r2.push.conflicts).toBe(0);
    const s = server.model.state;
    expect(s.roles.get(ROLE.salesperson)!.privileges.prvReadAccount).toBe('Global');
    expect(s.roles.get(ROLE.salesperson)!.privileges.prvWriteAccount).toBe('Deep');
    expect(s.systemusers.get(USER.sam)!.fullname).toBe('Samuel B');
    expect(b.open).toEqual([]);
    expect(b.journal).toEqual([]);
    expect(b.log.some((e) => e.kind === 'resolved')).toBe(true);
    const audit = await server.model.db.query<{ account: string; resolution: { choices: { table: string; choices: Record<string, string> }[] } | null }>(
      "select account, resolution from changeset where resolution is not null",
    );
    expect(audit).toHaveLength(1);
    expect(audit[0].account).toBe('bob');
    expect(audit[0].resolution!.choices.find((c) => c.table === 'roles')!.choices['privileges/prvReadAccount']).toBe('theirs');
    await client(server, t1, a).sync();
    expect(syncedView(a.state)).toBe(syncedView(server.model.state));
    expect(syncedView(b.state)).toBe(syncedView(server.model.state));
  });

  it('refuses a push from an account without the privileges to change security, naming the missing one', async () => {
    const server = await start(newStorage(backend));
    const token = await admin(server, 'reader', 'Security Reader');
    const a = new MemorySyncStore('vault-r');
    await client(server, token, a).sync();
    a.record({ type: 'setRolePrivilege', roleid: ROLE.salesperson, privilege: 'prvReadAccount', depth: 'Global' });
    const before = syncedView(server.model.state);
    const err = await client(server, token, a).sync().catch((e: SyncError) => e);
    expect(err).toBeInstanceOf(SyncError);
    expect((err as SyncError).status).toBe(403);
    expect((err as SyncError).message).toMatch(/lacks prvWriteRole at Global/);
    expect(syncedView(server.model.state)).toBe(before);
    expect(a.journal).toHaveLength(1);
    expect(a.current.state).toBe('error');
  });

  it('answers malformed, oversized and unauthenticated requests with a 4xx and a clear message, applying nothing', async () => {
    const server = await start(newStorage(backend), { bodyLimit: 256 * 1024 });
    const token = await admin(server);
    const before = syncedView(server.model.state);
    const post = (body: string, auth = true) =>
      fetch(`${server.url}/api/sync/changesets`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...(auth ? { Authorization: `Bearer ${token}` } : {}) }, body });
    const cases: [string, number, RegExp, boolean?][] = [
      ['{"clientid": "x", "baseversion": 0, "changes": [', 400, /JSON/i],
      [JSON.stringify({ clientid: 'x', baseversion: 0, changes: [] }), 400, /at least one change/],
      [JSON.stringify({ clientid: 'x', baseversion: 0, changes: [{ id: '1', command: { type: 'explode' } }] }), 400, /change 1 of 1.*refused/],
      [JSON.stringify({ clientid: 'x', baseversion: 0, changes: [{ id: '1', command: { type: 'moveBusinessUnit', businessunitid: BU.contoso, parentbusinessunitid: BU.west } }] }), 400, /refused/],
      [JSON.stringify({ clientid: 'x', baseversion: 0, changes: Array.from({ length: 1001 }, (_, i) => ({ id: `${i}`, command: { type: 'updateRole', roleid: ROLE.salesperson, name: `n${i}` } })) }), 400, /at most 1000/],
      [JSON.stringify({ clientid: 'x', baseversion: 0, changes: [{ id: '1', command: { type: 'updateRole', roleid: ROLE.salesperson, name: 'x'.repeat(300_000) } }] }), 413, /larger than the limit/],
      [JSON.stringify({ clientid: 'x', baseversion: 0, changes: [{ id: '1', command: { type: 'updateRole', roleid: ROLE.salesperson, name: 'y' } }] }), 401, /bearer token is required/, false],
      [
        JSON.stringify({
          clientid: 'x',
          baseversion: 0,
          changes: [
            { id: '1', command: { type: 'updateRole', roleid: ROLE.salesperson, name: 'Fine' } },
            { id: '2', command: { type: 'deleteRole', roleid: 'no-such-role' } },
          ],
        }),
        400,
        /change 2 of 2 \(deleteRole\) \[2\] refused: role no-such-role does not exist/,
      ],
    ];
    for (const [body, status, message, auth] of cases) {
      const res = await post(body, auth ?? true);
      const json = (await res.json()) as { error: { message: string } };
      expect(res.status, body.slice(0, 80)).toBe(status);
      expect(json.error.message).toMatch(message);
    }
    expect(syncedView(server.model.state)).toBe(before);
    expect(await changeSetCount(server)).toBe(0);
  });
});
