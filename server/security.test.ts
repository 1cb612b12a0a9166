/**
 * The attacks the security review made against the sync server, over real sockets on loopback:
 * skipping authentication with paths the router reads differently from a string compare, tokens
 * that outlive their revocation, password guessing, floods of bad tokens, weak and frozen
 * password hashes, secrets in the log, and oversized privilege actions.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROLE } from '../test/fixtures/orgCharts';
import { Accounts } from './auth';
import { PUBLIC_ROUTES, buildServer } from './app';
import { MIN_PASSWORD_COST, hashPassword, parseHash, verifyPassword } from './passwords';
import { newStorage, seedOrg, startTestServer, syncedView, TEST_PASSWORD_COST, type TestServer } from './testing';
import type { ServerOptions } from './app';
import type { CommitHooks } from './model';

const servers: TestServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close().catch(() => {});
});

async function start(o: Omit<ServerOptions, 'model'> & { hooks?: CommitHooks } = {}): Promise<TestServer> {
  const server = await startTestServer(newStorage('embedded'), { seed: seedOrg(), ...o });
  servers.push(server);
  await server.accounts.add({ name: 'ada', password: 'ada-secret-pw', role: 'System Administrator' });
  return server;
}

/** One request exactly as written: fetch would normalize the path (.., //, %2e) before sending it. */
function raw(url: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let data = '';
    socket.on('data', (d: Buffer) => (data += d.toString()));
    socket.on('error', reject);
    socket.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1]);
      resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
    const head = [`${method} ${path} HTTP/1.1`, `Host: ${hostname}:${port}`, 'Connection: close', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    if (body !== undefined) head.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`);
    socket.write(`${head.join('\r\n')}\r\n\r\n${body ?? ''}`);
  });
}

const api = async (server: TestServer, method: string, path: string, token: string | null, body?: unknown) => {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
};

describe('authentication belongs to the routes', () => {
  it('answers 401 without a token on every route the server registers, from a table the router generates', async () => {
    const server = await start();
    const app = await buildServer({ model: server.model, accounts: { testPasswordCost: TEST_PASSWORD_COST } });
    await app.ready();
    const routes = app.routeTable;
    await app.close();
    expect(routes).toEqual(expect.arrayContaining(['POST /auth/token', 'GET /api/sync/status', 'HEAD /api/sync/status', 'POST /api/sync/changesets', 'GET /api/sync/audit', 'GET /api/data/v9.2/*', 'PATCH /api/data/v9.2/*']));
    const guarded = routes.filter((r) => !PUBLIC_ROUTES.includes(r));
    expect(guarded.length).toBeGreaterThan(5);
    for (const route of guarded) {
      const [method, path] = route.split(' ');
      const concrete = path.replace('*', `roles(${ROLE.salesperson})`).replace(/:(\w+)/g, 'x');
      for (const headers of [{}, { Authorization: 'Bearer not-a-token' }] as Record<string, string>[]) {
        const r = await raw(server.url, method, concrete, headers, method === 'GET' || method === 'DELETE' || method === 'HEAD' ? undefined : '{}');
        expect(r.status, `${route} with ${JSON.stringify(headers)}`).toBe(401);
      }
    }
  });

  it('refuses encoded, doubled, mixed-case, dotted and traversing paths without a token, and never runs a handler', async () => {
    const server = await start();
    const before = syncedView(server.model.state);
    const version = server.model.currentVersion;
    const paths = [
      '/%61pi/sync/status',
      '/%61pi/sync/audit',
      `/%61pi/data/v9.2/roles(${ROLE.salesperson})`,
      '/%61pi/data/v9.2/roles(00000000-0000-0000-0000-000000000000)',
      '/%41PI/sync/status',
      '/api%2Fsync%2Fstatus',
      '/api/sync%2Fstatus',
      `/api/data/v9.2/roles%2F..%2F..%2Fsync%2Fstatus`,
      '/%2561pi/sync/status',
      '//api/sync/status',
      '/api//sync/status',
      '/api/sync//status',
      '/API/sync/status',
      '/Api/Sync/Status',
      '/api/SYNC/status',
      '/api/sync/status/',
      '/api/sync/status.',
      '/api./sync/status',
      '/api/sync/status%2e',
      '/api/x/../sync/status',
      '/x/../api/sync/status',
      '/api/data/v9.2/../../sync/status',
      '/api/%2e%2e/api/sync/status',
      '/auth/../api/sync/status',
      '/auth/token/../../api/sync/status',
      '/api/sync/status?x=/auth/token',
      '/api/sync/status#/auth/token',
      '/./api/sync/status',
      '/api/./sync/status',
    ];
    for (const path of paths) {
      for (const method of ['GET', 'POST', 'PATCH', 'DELETE']) {
        const r = await raw(server.url, method, path, {}, method === 'GET' || method === 'DELETE' ? undefined : '{"name":"pwned"}');
        // 401 wherever the router found a route; a path it cannot route is 404 (or 400 when malformed): never a handler's answer.
        expect([400, 401, 404], `${method} ${path}: ${r.body}`).toContain(r.status);
        expect(r.body, `${method} ${path}`).not.toMatch(/"version"|"value"|roleid|server-error/);
      }
    }
    expect((await raw(server.url, 'GET', '/%61pi/sync/status')).status).toBe(401);
    expect((await raw(server.url, 'GET', `/%61pi/data/v9.2/roles(${ROLE.salesperson})`)).status).toBe(401);
    expect((await raw(server.url, 'GET', '/%61pi/data/v9.2/roles(no-such-role)')).status).toBe(401);
    const batch = JSON.stringify({ requests: [{ id: '1', method: 'PATCH', url: `roles(${ROLE.salesperson})`, body: { name: 'pwned' } }] });
    expect((await raw(server.url, 'POST', '/%61pi/data/v9.2/$batch', {}, batch)).status).toBe(401);
    expect((await raw(server.url, 'POST', '/%61pi/data/v9.2/%24batch', {}, batch)).status).toBe(401);
    expect(syncedView(server.model.state)).toBe(before);
    expect(server.model.currentVersion).toBe(version);
  });

  it('answers unknown paths under /api with 401 before 404, so routes cannot be probed without a token', async () => {
    const server = await start();
    expect((await raw(server.url, 'GET', '/api/no/such/route')).status).toBe(401);
    const token = await server.token('ada', 'ada-secret-pw');
    expect((await raw(server.url, 'GET', '/api/no/such/route', { Authorization: `Bearer ${token}` })).status).toBe(404);
  });
});

describe('health endpoints', () => {
  it('answers /health and /ready without a token, saying nothing but up and ready', async () => {
    const server = await start();
    expect(PUBLIC_ROUTES).toEqual(['POST /auth/token', 'GET /health', 'HEAD /health', 'GET /ready', 'HEAD /ready']);
    const health = await fetch(`${server.url}/health`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
    const ready = await fetch(`${server.url}/ready`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
    expect((await fetch(`${server.url}/ready`, { method: 'HEAD' })).status).toBe(200);
  });

  it('answers /ready with 503 once the database cannot be reached, while /health still answers', async () => {
    const server = await start();
    await server.model.db.close();
    const ready = await fetch(`${server.url}/ready`);
    expect([ready.status, await ready.json()]).toEqual([503, { status: 'unavailable' }]);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});

describe('tokens are revocable at once', () => {
  it('refuses a revoked token on the very next request (no cache keeps it alive)', async () => {
    const server = await start();
    const token = await server.token('ada', 'ada-secret-pw');
    const other = await server.token('ada', 'ada-secret-pw');
    expect((await api(server, 'GET', '/api/sync/status', token)).status).toBe(200);
    expect(await server.accounts.revokeToken(token)).toBe(true);
    expect((await api(server, 'GET', '/api/sync/status', token)).status).toBe(401);
    expect((await api(server, 'GET', '/api/sync/status', other)).status).toBe(200);
    expect(await server.accounts.revokeTokensOf('ada')).toBe(1);
    expect((await api(server, 'GET', '/api/sync/status', other)).status).toBe(401);
  });

  it('refuses the tokens and the sign-in of a disabled account at once, until it is enabled again', async () => {
    const server = await start();
    const token = await server.token('ada', 'ada-secret-pw');
    expect((await api(server, 'GET', '/api/sync/status', token)).status).toBe(200);
    await server.accounts.setDisabled('ada', true);
    expect((await api(server, 'GET', '/api/sync/status', token)).status).toBe(401);
    const signIn = await api(server, 'POST', '/auth/token', null, { name: 'ada', password: 'ada-secret-pw' });
    expect(signIn.status).toBe(403);
    expect(signIn.json.error.message).toMatch(/account ada is disabled/);
    await server.accounts.setDisabled('ada', false);
    // Enabling does not bring revoked tokens back.
    expect((await api(server, 'GET', '/api/sync/status', token)).status).toBe(401);
    expect((await api(server, 'GET', '/api/sync/status', await server.token('ada', 'ada-secret-pw'))).status).toBe(200);
    await expect(server.accounts.setDisabled('nobody', true)).rejects.toThrow(/no account named "nobody"/);
  });

  it('refuses a token past the lifetime the admin set, even one used a moment before', async () => {
    const server = await start({ accounts: { testPasswordCost: TEST_PASSWORD_COST, tokenTtlSeconds: 600 } });
    const signIn = await api(server, 'POST', '/auth/token', null, { name: 'ada', password: 'ada-secret-pw' });
    expect(signIn.json.expires_in).toBe(600);
    const token = signIn.json.access_token as string;
    expect((await api(server, 'GET', '/api/sync/status', token)).status).toBe(200);
    await server.model.db.query(`update token set expires = now() - interval '1 second'`);
    expect((await api(server, 'GET', '/api/sync/status', token)).status).toBe(401);
    expect(() => new Accounts(server.model, { testPasswordCost: TEST_PASSWORD_COST, tokenTtlSeconds: 10 })).toThrow(/token lifetime must be a whole number of seconds from 60/);
  });

  it('signs out: POST /api/auth/revoke revokes the token it came with', async () => {
    const server = await start();
    const token = await server.token('ada', 'ada-secret-pw');
    expect((await api(server, 'POST', '/api/auth/revoke', token)).status).toBe(204);
    expect((await api(server, 'GET', '/api/sync/status', token)).status).toBe(401);
  });
});

describe('password guessing and floods', () => {
  it('locks an account after repeated wrong passwords, refusing even the right one with 429, and writes the lock to the sign-in audit', async () => {
    const server = await start();
    const admin = await server.token('ada', 'ada-secret-pw');
    await server.accounts.add({ name: 'bob', password: 'bob-secret-pw', role: 'Security Reader' });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await api(server, 'POST', '/auth/token', null, { name: 'bob', password: `guess-${i}` })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401]);
    const right = await api(server, 'POST', '/auth/token', null, { name: 'bob', password: 'bob-secret-pw' });
    expect(right.status).toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(right.json.error.message).toMatch(/too many failed sign-ins for account bob; try again in \d+ s/);
    const audit = await api(server, 'GET', '/api/auth/audit', admin);
    expect(audit.status).toBe(200);
    const events = (audit.json.value as { event: string; account: string; detail: string }[]).filter((e) => e.account === 'bob');
    expect(events.filter((e) => e.event === 'login-failed')).toHaveLength(6);
    expect(events.find((e) => e.event === 'login-locked')?.detail).toMatch(/account bob must wait 1 s after 6 failed sign-ins/);
  });

  it('limits sign-ins per address when the guesses spread over many account names', async () => {
    const server = await start({ loginThrottle: { address: { free: 3, baseMs: 60_000, maxMs: 60_000 } } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await api(server, 'POST', '/auth/token', null, { name: `user${i}`, password: 'password1' })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    const right = await api(server, 'POST', '/auth/token', null, { name: 'ada', password: 'ada-secret-pw' });
    expect(right.status).toBe(429);
    expect(right.json.error.message).toMatch(/from this address/);
  });

  it('answers a flood of bad tokens with 429 before 401: the rate limit runs before authentication', async () => {
    const server = await start({ rateLimit: 20 });
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await api(server, 'GET', '/api/sync/status', `bad-token-${i}`)).status);
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
  });
});

describe('password hashes', () => {
  it('verifies each hash with the cost stored in it, so the cost can change', async () => {
    const low = await hashPassword('correct horse', { N: 2 ** 10, r: 8, p: 1 });
    const other = await hashPassword('correct horse', { N: 2 ** 11, r: 4, p: 2 });
    expect(low.startsWith('scrypt$1024$8$1$')).toBe(true);
    expect(await verifyPassword('correct horse', low)).toBe(true);
    expect(await verifyPassword('correct horse', other)).toBe(true);
    expect(await verifyPassword('wrong', other)).toBe(false);
    // A tampered cost cannot make a sign-in take gigabytes.
    expect(await verifyPassword('correct horse', other.replace('scrypt$2048$', 'scrypt$1073741824$'))).toBe(false);
  });

  it('hashes the passwords of new accounts at N = 2^17, r = 8, p = 1 at least, and takes a lower cost only as the explicit test option', async () => {
    const server = await start();
    expect(() => new Accounts(server.model, { passwordCost: { N: 2 ** 14, r: 8, p: 1 } })).toThrow(/below the minimum N=131072, r=8, p=1/);
    const accounts = new Accounts(server.model);
    expect(accounts.passwordCost).toEqual(MIN_PASSWORD_COST);
    await accounts.add({ name: 'carol', password: 'carol-secret-pw', role: 'Security Reader' });
    const [{ passwordhash }] = await server.model.db.query<{ passwordhash: string }>(`select passwordhash from account where name = 'carol'`);
    expect(parseHash(passwordhash)!.cost).toEqual({ N: 131072, r: 8, p: 1 });
    expect(await verifyPassword('carol-secret-pw', passwordhash)).toBe(true);
  });

  it('rehashes a hash below the current cost on the next successful sign-in, and audits it', async () => {
    const server = await start({ accounts: { testPasswordCost: { N: 2 ** 11, r: 8, p: 1 } } });
    await server.model.db.query(`update account set passwordhash = $1 where name = 'ada'`, [await hashPassword('ada-secret-pw', { N: 2 ** 10, r: 8, p: 1 })]);
    const hashOf = async () => (await server.model.db.query<{ passwordhash: string }>(`select passwordhash from account where name = 'ada'`))[0].passwordhash;
    expect((await api(server, 'POST', '/auth/token', null, { name: 'ada', password: 'wrong-password' })).status).toBe(401);
    expect(parseHash(await hashOf())!.cost.N).toBe(1024);
    const token = await server.token('ada', 'ada-secret-pw');
    expect(parseHash(await hashOf())!.cost.N).toBe(2048);
    expect(await verifyPassword('ada-secret-pw', await hashOf())).toBe(true);
    const audit = await api(server, 'GET', '/api/auth/audit', token);
    expect(audit.json.value).toEqual(expect.arrayContaining([expect.objectContaining({ event: 'rehashed', account: 'ada', detail: 'scrypt N=1024, r=8, p=1 -> N=2048, r=8, p=1' })]));
  });
});

describe('the server log', () => {
  it('logs a failed sign-in and a 500 as JSON lines with request ids, and never a password or token', async () => {
    const lines: string[] = [];
    let fail = false;
    const server = await start({
      logLevel: 'info',
      logStream: { write: (line) => void lines.push(line) },
      hooks: {
        beforeCommit: () => {
          if (fail) throw new Error('the disk is full');
        },
      },
    });
    const token = await server.token('ada', 'ada-secret-pw');
    expect((await api(server, 'POST', '/auth/token', null, { name: 'ada', password: 'hunter2-very-secret' })).status).toBe(401);
    fail = true;
    const broken = await api(server, 'PATCH', `/api/data/v9.2/roles(${ROLE.salesperson})`, token, { name: 'Renamed' });
    expect(broken.status).toBe(500);
    const requestId = broken.headers.get('x-request-id');
    expect(broken.json.error.message).toContain(`request id ${requestId}`);
    expect((await raw(server.url, 'GET', '/api/sync/status', { Authorization: 'Bearer leaked-bearer-value' })).status).toBe(401);

    const entries = lines.map((l) => JSON.parse(l) as { level: number; reqId?: string; event?: string; msg: string; account?: string; err?: { message: string } });
    const failed = entries.find((e) => e.event === 'login-failed');
    expect(failed).toMatchObject({ level: 40, account: 'ada' });
    expect(failed!.reqId).toMatch(/^[0-9a-f-]{36}$/);
    const error = entries.find((e) => e.event === 'server-error');
    expect(error).toMatchObject({ level: 50, reqId: requestId });
    expect(error!.err!.message).toMatch(/the disk is full/);
    const log = lines.join('\n');
    for (const secret of ['hunter2-very-secret', 'ada-secret-pw', token, 'leaked-bearer-value']) expect(log).not.toContain(secret);
  });
});

describe('privilege actions count against the change set limit', () => {
  it('refuses AddPrivilegesRole with more than 1,000 privileges with 400, applying none', async () => {
    const server = await start();
    const token = await server.token('ada', 'ada-secret-pw');
    const before = syncedView(server.model.state);
    const Privileges = Array.from({ length: 1001 }, () => ({ PrivilegeId: 'prvReadAccount', Depth: 3 }));
    for (const action of ['AddPrivilegesRole', 'ReplacePrivilegesRole']) {
      const r = await api(server, 'POST', `/api/data/v9.2/roles(${ROLE.salesperson})/Microsoft.Dynamics.CRM.${action}`, token, { Privileges });
      expect(r.status).toBe(400);
      expect(r.json.error.message).toBe(`${action} holds 1001 privileges; one request may change at most 1000 (the limit of a change set): split it`);
    }
    expect(syncedView(server.model.state)).toBe(before);
    const ok = await api(server, 'POST', `/api/data/v9.2/roles(${ROLE.salesperson})/Microsoft.Dynamics.CRM.AddPrivilegesRole`, token, { Privileges: Privileges.slice(0, 1000) });
    expect(ok.status).toBe(204);
  });

  it('refuses a $batch whose privilege actions come to more than 1,000 changes, applying none', async () => {
    const server = await start();
    const token = await server.token('ada', 'ada-secret-pw');
    const before = syncedView(server.model.state);
    const Privileges = Array.from({ length: 600 }, () => ({ PrivilegeId: 'prvReadAccount', Depth: 3 }));
    const requests = [ROLE.salesperson, ROLE.accountReaderDeep].map((roleid, i) => ({ id: String(i + 1), method: 'POST', url: `roles(${roleid})/Microsoft.Dynamics.CRM.AddPrivilegesRole`, body: { Privileges } }));
    const r = await api(server, 'POST', '/api/data/v9.2/$batch', token, { requests });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/request 2 \(2 of 2\): the change set comes to more than 1000 changes/);
    expect(syncedView(server.model.state)).toBe(before);
  });
});

/** A self-signed certificate for 127.0.0.1, made for this test run by openssl. */
function selfSigned(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'roleatlas-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
}

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('TLS', () => {
  it.skipIf(!hasOpenssl)('serves HTTPS with a certificate and key, so a token never crosses the network in cleartext', async () => {
    const tls = selfSigned();
    const server = await start({ https: tls });
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const post = (body: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpsRequest(`${server.url}/auth/token`, { method: 'POST', ca: tls.cert, headers: { 'Content-Type': 'application/json' } }, (res) => {
          let data = '';
          res.on('data', (d) => (data += d));
          res.on('end', () => resolve({ status: res.statusCode!, body: data }));
        });
        req.on('error', reject);
        req.end(body);
      });
    const r = await post(JSON.stringify({ name: 'ada', password: 'ada-secret-pw' }));
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Cleartext HTTP on the same port gets no answer from the API.
    const plain = await raw(server.url.replace('https:', 'http:'), 'POST', '/auth/token', {}, JSON.stringify({ name: 'ada', password: 'ada-secret-pw' })).catch(() => ({ status: 0, body: '' }));
    expect(plain.body).not.toContain('access_token');
  });
});
