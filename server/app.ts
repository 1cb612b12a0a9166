/**
 * The sync server: Fastify routes over ServerModel. Every route under /api is registered inside
 * one encapsulated plugin whose onRequest hook demands a bearer token from POST /auth/token, so
 * the check belongs to the routes as the router matched them (decoded, normalized), not to the
 * raw URL. Reads need the account's user to read roles, writes to change security (auth.ts).
 * The request rate limit runs before it, per address; sign-ins are throttled per account and
 * address (loginThrottle.ts). Bad input is a 4xx in the Web API's error shape,
 * {"error": {"code", "message"}}, and nothing is applied.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type RouteOptions } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { applyAll, withIds } from '../src-main/core/commands/apply';
import { refusalFromZod, type Refusal } from '../src-main/core/result';
import { fromInterchange } from '../src-main/core/interchange/toState';
import type { OrgState } from '../src-main/core/model/org';
import { changeSetRequestSchema, publishRequestSchema, MAX_CHANGESET_OPERATIONS, type ChangeSetApplied, type ErrorBody, type PublishReply, type SyncStatusReply } from '../src-main/core/sync/protocol';
import { Accounts, privilegeProblem, type Account, type AccountOptions } from './auth';
import { LoginThrottle, type ThrottleRule } from './loginThrottle';
import type { CommitFailure, ServerModel } from './model';
import { API_BASE, WebError, plan, type WebResult } from './webapi';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface ServerOptions {
  readonly model: ServerModel;
  /** Largest request body, bytes (a change set of 1,000 commands is well under 1 MB). */
  readonly bodyLimit?: number;
  /** Requests per address and minute, counted before authentication (a flood of bad tokens gets 429). */
  readonly rateLimit?: number;
  /** Level of the JSON log (pino); default silent here, info from npm run server. */
  readonly logLevel?: LogLevel;
  /** Where the log goes (default stdout); tests read it. */
  readonly logStream?: { write(line: string): void };
  /** Serve HTTPS with this certificate and key (PEM). */
  readonly https?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** Password hashing cost and token lifetime (auth.ts). */
  readonly accounts?: AccountOptions;
  /** Failed sign-ins allowed per account and per address before the waits start. */
  readonly loginThrottle?: { readonly account?: ThrottleRule; readonly address?: ThrottleRule };
  /** Largest publish body, bytes (an organization of 50,000 users is about 60 MB as JSON). */
  readonly publishBodyLimit?: number;
  /** Test hook: called after a change set (or a publish) is committed, before the reply; true drops the connection. */
  readonly afterCommit?: (clientid: string | null) => boolean;
}

/** Routes that answer without a token; every other route the server registers demands one. */
export const PUBLIC_ROUTES: readonly string[] = ['POST /auth/token', 'GET /health', 'HEAD /health', 'GET /ready', 'HEAD /ready'];

/** Never written to the log: bearer tokens, passwords, the Authorization header. */
export const LOG_REDACT: readonly string[] = [
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
  'password',
  '*.password',
  'token',
  '*.token',
  'access_token',
  '*.access_token',
  'body',
  '*.body',
];

declare module 'fastify' {
  interface FastifyRequest {
    account?: Account;
  }
  interface FastifyInstance {
    /** Every route registered, as "METHOD /path" (the onRoute hook sees each one). */
    readonly routeTable: readonly string[];
  }
}

const errorBody = (code: string, message: string, extra: Partial<ErrorBody['error']> = {}): ErrorBody => ({ error: { code, message, ...extra } });

const tokenRequest = z.object({ name: z.string().min(1).max(100), password: z.string().min(1).max(1000) }).strict();

export function failureStatus(f: CommitFailure, source: 'sync' | 'webapi'): number {
  switch (f.kind) {
    case 'invalid':
      return 400;
    case 'forbidden':
      return 403;
    case 'precondition':
      return 412;
    case 'conflict':
    case 'not-empty':
      return 409;
    case 'refused':
      return source === 'webapi' && f.error.code === 'not-found' ? 404 : 400;
  }
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const { model } = options;
  const accounts = new Accounts(model, options.accounts);
  const throttle = new LoginThrottle(model.db, options.loginThrottle);
  const app = Fastify({
    logger: {
      level: options.logLevel ?? 'silent',
      redact: { paths: [...LOG_REDACT], censor: '[redacted]' },
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    genReqId: () => randomUUID(),
    bodyLimit: options.bodyLimit ?? 8 * 1024 * 1024,
    ...(options.https ? { https: { cert: options.https.cert, key: options.https.key } } : {}),
  }) as unknown as FastifyInstance;

  const routeTable: string[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (r: RouteOptions) => {
    for (const m of [r.method].flat()) routeTable.push(`${m} ${r.url}`);
  });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status === 413) return reply.code(413).send(errorBody('too-large', `the request body is larger than the limit of ${options.bodyLimit ?? 8 * 1024 * 1024} bytes`));
    if (status === 429) {
      req.log.warn({ event: 'rate-limited' }, error.message);
      return reply.code(429).send(errorBody('rate-limited', error.message));
    }
    if (status < 500) return reply.code(status).send(errorBody(error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || /JSON/.test(error.message) ? 'invalid-json' : 'invalid', error.message));
    req.log.error({ err: error, event: 'server-error' }, 'the request failed with a server error');
    return reply.code(500).send(errorBody('server-error', `the server failed; nothing of this request was applied (request id ${req.id} in the server log)`));
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send(errorBody('not-found', `no route ${req.method} ${req.url}`)));

  // The request rate limit first, per address, so a flood is answered 429 before any token lookup.
  await app.register(rateLimit, {
    global: false,
    max: options.rateLimit ?? 1200,
    timeWindow: 60_000,
    keyGenerator: (req) => req.ip,
    errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, code: 'rate-limited', error: 'Too Many Requests', message: `rate limit of ${ctx.max} requests per minute reached; retry in ${Math.ceil(ctx.ttl / 1000)} s` }),
  });
  app.addHook('onRequest', app.rateLimit());
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  // Stopping: a reply still under way closes its connection after it, so a kept-alive client
  // connection cannot hold the stop open (idle ones are closed by close() itself).
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_req, reply) => {
    if (closing) reply.header('Connection', 'close');
  });

  // For load balancers and supervisors: no token, and nothing said but up / ready.
  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async (_req, reply) => {
    try {
      await model.db.query('select 1');
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ status: 'unavailable' });
    }
  });

  app.post('/auth/token', async (req, reply) => {
    const body = tokenRequest.safeParse(req.body);
    if (!body.success) return reply.code(400).send(errorBody('invalid', refusalFromZod(body.error).message));
    const { name, password } = body.data;
    const lock = await throttle.locked(name, req.ip);
    if (lock) {
      const seconds = Math.ceil(lock.retryAfterMs / 1000);
      req.log.warn({ event: 'login-locked', account: name, by: lock.by }, 'sign-in refused: too many failed sign-ins');
      reply.header('Retry-After', String(seconds));
      return reply.code(429).send(errorBody('sign-in-locked', `too many failed sign-ins ${lock.by === 'account' ? `for account ${name}` : 'from this address'}; try again in ${seconds} s`));
    }
    const issued = await accounts.issue(name, password, req.ip);
    if ('refused' in issued) {
      if (issued.refused === 'disabled') {
        req.log.warn({ event: 'login-refused-disabled', account: name }, 'sign-in refused: the account is disabled');
        return reply.code(403).send(errorBody('account-disabled', `account ${name} is disabled; an administrator can enable it with roleatlas server account enable`));
      }
      req.log.warn({ event: 'login-failed', account: name }, 'sign-in failed: unknown account name or wrong password');
      for (const l of await throttle.failed(name, req.ip)) {
        const detail = `${l.by} ${l.by === 'account' ? name : req.ip} must wait ${Math.ceil(l.retryAfterMs / 1000)} s after ${l.failures} failed sign-ins`;
        req.log.warn({ event: 'login-locked', account: name, by: l.by }, detail);
        await accounts.audit('login-locked', name, req.ip, detail);
      }
      return reply.code(401).send(errorBody('unauthorized', 'unknown account name or wrong password'));
    }
    await throttle.succeeded(name);
    return { access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresIn };
  });

  await app.register(async (api) => apiRoutes(api, { ...options, accounts }), { prefix: '/api' });

  return app;
}

/** Everything under /api: the token check is this plugin's onRequest hook, so it covers each route here and this prefix's 404s. */
async function apiRoutes(app: FastifyInstance, options: Omit<ServerOptions, 'accounts'> & { accounts: Accounts }): Promise<void> {
  const { model, accounts } = options;
  app.addHook('onRequest', async (req, reply) => {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const account = m ? await accounts.ofToken(m[1]) : null;
    if (!account) {
      req.log.info({ event: 'unauthorized', token: m ? 'unknown' : 'none' }, 'request without a valid bearer token');
      reply.header('WWW-Authenticate', 'Bearer');
      return reply.code(401).send(errorBody('unauthorized', m ? 'the bearer token is unknown or expired, or was revoked; get a new one from POST /auth/token' : 'a bearer token is required (Authorization: Bearer <token> from POST /auth/token)'));
    }
    req.account = account;
    // Other instances over the same PostgreSQL may have committed since: answer from the database's version.
    await model.refresh();
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send(errorBody('not-found', `no route ${req.method} ${req.url}`)));

  const forbidden = (reply: FastifyReply, r: Refusal) => reply.code(403).send(errorBody('forbidden', r.message));
  const baseUrl = (req: FastifyRequest) => `${req.protocol}://${req.host}${API_BASE}`;
  const send = (reply: FastifyReply, r: WebResult) => {
    reply.code(r.status);
    for (const [k, v] of Object.entries(r.headers ?? {})) reply.header(k, v);
    reply.header('OData-Version', '4.0');
    return r.body === undefined ? reply.send() : reply.send(r.body);
  };
  const commitFailure = (reply: FastifyReply, f: CommitFailure, source: 'sync' | 'webapi') =>
    reply.code(failureStatus(f, source)).send({
      ...errorBody(f.error.code, f.error.message, f.kind === 'refused' ? { index: f.index, ...(f.changeid ? { changeid: f.changeid } : {}) } : {}),
      ...(f.kind === 'conflict' ? { conflicts: f.conflicts } : {}),
    });

  const webApi = async (req: FastifyRequest, reply: FastifyReply) => {
    const account = req.account!;
    const path = (req.params as { '*': string })['*'];
    const query = req.query as Record<string, string | undefined>;
    if (path === '$batch') return batch(req, reply);
    try {
      const p = plan(model, { method: req.method, path: decodeURI(path), query, ifMatch: headerOf(req, 'if-match'), prefer: headerOf(req, 'prefer'), body: req.body }, baseUrl(req));
      if (p.kind === 'read') {
        const denied = privilegeProblem(model.state, account, 'read');
        return denied ? forbidden(reply, denied) : send(reply, p.result);
      }
      const r = await model.commit({
        account: account.name,
        source: 'webapi',
        changes: p.commands.map((command) => ({ id: null, command })),
        preconditions: p.preconditions,
        authorize: (s) => privilegeProblem(s, account, 'write'),
      });
      return r.ok ? send(reply, p.result) : commitFailure(reply, r, 'webapi');
    } catch (e) {
      if (e instanceof WebError) return reply.code(e.status).send(errorBody(e.code, e.message));
      throw e;
    }
  };

  /** The JSON form of $batch: {"requests": [{id, method, url, body, headers}]}, one atomic change set. */
  const batchRequest = z
    .object({
      requests: z
        .array(z.object({ id: z.string().min(1), method: z.string(), url: z.string(), body: z.unknown().optional(), headers: z.record(z.string(), z.string()).optional(), atomicityGroup: z.string().optional() }))
        .min(1)
        .max(MAX_CHANGESET_OPERATIONS, `a change set holds at most ${MAX_CHANGESET_OPERATIONS} operations`),
    })
    .strict();
  const batch = async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.method !== 'POST') return reply.code(405).send(errorBody('method', '$batch takes POST'));
    if (!/application\/json/i.test(req.headers['content-type'] ?? '')) {
      return reply.code(415).send(errorBody('unsupported-media-type', 'this server takes $batch in OData JSON batch format (Content-Type: application/json, {"requests": [...]}); multipart batches are not supported'));
    }
    const parsed = batchRequest.safeParse(req.body);
    if (!parsed.success) return reply.code(400).send(errorBody('invalid', refusalFromZod(parsed.error).message));
    const account = req.account!;
    const commands: { id: null; command: unknown }[] = [];
    const preconditions = [];
    const results: { id: string; result: WebResult }[] = [];
    // Each request is planned against the state after the earlier ones, as in a Dataverse change set;
    // the commit applies them all again to the state it finds, whole or not at all.
    let running = model.state;
    for (const [i, r] of parsed.data.requests.entries()) {
      const path = r.url.replace(/^https?:\/\/[^/]+/, '').replace(/^\/?api\/data\/v9\.2\//, '').replace(/^\//, '');
      const [p0, qs] = path.split('?');
      try {
        const p = plan(model, { method: r.method, path: decodeURI(p0), query: Object.fromEntries(new URLSearchParams(qs ?? '')), ifMatch: r.headers?.['If-Match'] ?? r.headers?.['if-match'], body: r.body }, baseUrl(req), running);
        if (p.kind === 'read') return reply.code(400).send(errorBody('invalid', `request ${r.id}: a change set holds only writes (POST, PATCH, DELETE)`));
        // New ids are chosen once, so the commit creates the same rows the later requests were planned against.
        const planned = p.commands.map((c) => (c && typeof c === 'object' && 'type' in c ? withIds(c as { type: string }, randomUUID) : c));
        if (commands.length + planned.length > MAX_CHANGESET_OPERATIONS) {
          return reply.code(400).send(errorBody('too-many-operations', `request ${r.id} (${i + 1} of ${parsed.data.requests.length}): the change set comes to more than ${MAX_CHANGESET_OPERATIONS} changes (privileges of privilege actions count one each); split it. Nothing was applied.`));
        }
        const applied = applyAll(running, planned);
        if (applied.ok) running = applied.state;
        commands.push(...planned.map((command) => ({ id: null, command })));
        preconditions.push(...p.preconditions);
        results.push({ id: r.id, result: p.result });
      } catch (e) {
        if (e instanceof WebError) return reply.code(e.status).send(errorBody(e.code, `request ${r.id} (${i + 1} of ${parsed.data.requests.length}): ${e.message}. Nothing was applied.`));
        throw e;
      }
    }
    const r = await model.commit({ account: account.name, source: 'webapi', changes: commands, preconditions, authorize: (s) => privilegeProblem(s, account, 'write') });
    if (!r.ok) return commitFailure(reply, r, 'webapi');
    return reply.code(200).send({ responses: results.map((x) => ({ id: x.id, status: x.result.status, headers: x.result.headers ?? {}, ...(x.result.body === undefined ? {} : { body: x.result.body }) })) });
  };

  for (const method of ['GET', 'POST', 'PATCH', 'DELETE'] as const) app.route({ method, url: `${API_BASE.slice('/api'.length)}/*`, handler: webApi });

  app.post('/sync/changesets', async (req, reply) => {
    const parsed = changeSetRequestSchema.safeParse(req.body);
    if (!parsed.success) return reply.code(400).send(errorBody('invalid', refusalFromZod(parsed.error).message));
    const body = parsed.data;
    const account = req.account!;
    const r = await model.commit({
      account: account.name,
      source: 'sync',
      clientid: body.clientid,
      changes: body.changes,
      baseversion: body.baseversion,
      acknowledge: body.acknowledge,
      resolution: body.resolution ? { acknowledge: body.acknowledge ?? [], choices: body.resolution } : undefined,
      authorize: (s) => privilegeProblem(s, account, 'write'),
    });
    if (!r.ok) return commitFailure(reply, r, 'sync');
    if (options.afterCommit?.(body.clientid)) {
      req.raw.socket.destroy();
      return reply.hijack();
    }
    return { status: 'applied', version: r.version, applied: r.applied, duplicates: r.duplicates } satisfies ChangeSetApplied;
  });

  /** The server's audit: change sets with the account, client, commands and resolutions. */
  app.get('/sync/audit', async (req, reply) => {
    const denied = privilegeProblem(model.state, req.account!, 'read');
    if (denied) return forbidden(reply, denied);
    const since = Number((req.query as { since?: string }).since ?? 0);
    if (!Number.isSafeInteger(since) || since < 0) return reply.code(400).send(errorBody('invalid', 'since must be a whole number'));
    const rows = await model.db.query(
      `select id, at, account, clientid, source, fromversion, toversion, commands, summary, resolution from changeset where toversion > $1 or (toversion = $1 and fromversion = $1 and $1 > 0) order by id limit 1000`,
      [since],
    );
    return { value: rows.map((r) => ({ ...r, id: Number(r.id), fromversion: Number(r.fromversion), toversion: Number(r.toversion) })) };
  });

  /** The version, and the organization held (null: an empty server, waiting for a publish). */
  app.get('/sync/status', async (req, reply) => {
    if (!model.hasOrganization) return { version: model.currentVersion, organization: null } satisfies SyncStatusReply;
    // Which organization the server holds is for accounts that may read it.
    const denied = privilegeProblem(model.state, req.account!, 'read');
    if (denied) return forbidden(reply, denied);
    return { version: model.currentVersion, organization: organizationOf(model.state) } satisfies SyncStatusReply;
  });

  /**
   * Publishes the client's organization to this empty server (sync --publish, or the app's
   * confirmation): all of it or nothing; the same publish id again is answered as done; a server
   * that holds an organization is never overwritten (409 server-not-empty).
   */
  app.post('/sync/publish', { bodyLimit: options.publishBodyLimit ?? 256 * 1024 * 1024 }, async (req, reply) => {
    const parsed = publishRequestSchema.safeParse(req.body);
    if (!parsed.success) return reply.code(400).send(errorBody('invalid', refusalFromZod(parsed.error).message));
    const org = fromInterchange(parsed.data.organization);
    if (!org.ok) return reply.code(400).send(errorBody('invalid-organization', `the organization to publish is not valid: ${org.error.message}`));
    const account = req.account!;
    const r = await model.publish({
      account: account.name,
      clientid: parsed.data.clientid,
      publishid: parsed.data.publishid,
      organization: org.value,
      changeids: parsed.data.changeids,
      authorize: (s) => privilegeProblem(s, account, 'write'),
    });
    if (!r.ok) {
      if (r.kind === 'not-empty') req.log.warn({ event: 'publish-refused', account: account.name }, r.error.message);
      return commitFailure(reply, r, 'sync');
    }
    if (!r.duplicate) req.log.info({ event: 'published', account: account.name, organization: r.organization, unplaced: r.unplaced.map((u) => u.name) }, 'organization published');
    if (options.afterCommit?.(parsed.data.clientid)) {
      req.raw.socket.destroy();
      return reply.hijack();
    }
    return { status: 'published', duplicate: r.duplicate, publishedversion: r.publishedversion, version: r.version, organization: r.organization, unplaced: r.unplaced } satisfies PublishReply;
  });

  /** The sign-in audit: failed sign-ins, lockouts, rehashes, revocations; for accounts that may change security. */
  app.get('/auth/audit', async (req, reply) => {
    const denied = privilegeProblem(model.state, req.account!, 'write');
    if (denied) return forbidden(reply, denied);
    const since = Number((req.query as { since?: string }).since ?? 0);
    if (!Number.isSafeInteger(since) || since < 0) return reply.code(400).send(errorBody('invalid', 'since must be a whole number'));
    return { value: await accounts.auditLog(since) };
  });

  /**
   * Adds a server account while the server runs (roleatlas server account add --server URL): for
   * accounts that may change security, as they could grant any role anyway. With an embedded
   * database this is the way, since one process at a time may open it.
   */
  const accountRequest = z.object({ name: z.string().min(1).max(100), password: z.string().min(8, 'the password must have at least 8 characters').max(1000), role: z.string().trim().min(1).max(200) }).strict();
  app.post('/admin/accounts', async (req, reply) => {
    const denied = privilegeProblem(model.state, req.account!, 'write');
    if (denied) return forbidden(reply, denied);
    const body = accountRequest.safeParse(req.body);
    if (!body.success) return reply.code(400).send(errorBody('invalid', refusalFromZod(body.error).message));
    try {
      const added = await accounts.add({ ...body.data, by: req.account!.name });
      req.log.info({ event: 'account-added', account: added.name, by: req.account!.name }, 'account added');
      return reply.code(201).send({ name: added.name, systemuserid: added.systemuserid, placed: added.placed, role: body.data.role });
    } catch (e) {
      const m = (e as Error).message;
      return reply.code(/already exists/.test(m) ? 409 : 400).send(errorBody(/already exists/.test(m) ? 'account-exists' : 'invalid', m));
    }
  });

  /** Signs out: revokes the token of this request. */
  app.post('/auth/revoke', async (req, reply) => {
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')![1];
    await accounts.revokeToken(token);
    return reply.code(204).send();
  });
}

/** What identifies an organization to a client: its name and root business unit. */
function organizationOf(s: OrgState): NonNullable<SyncStatusReply['organization']> {
  const root = [...s.businessunits.values()].find((b) => b.parentbusinessunitid === null)!;
  return { name: s.organization.name, rootbusinessunitid: root.businessunitid, businessunits: s.businessunits.size, systemusers: s.systemusers.size, roles: s.roles.size };
}

const headerOf = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};
