/**
 * The sync server: Fastify routes over ServerModel. Every /api request needs a bearer token from
 * POST /auth/token; reads need the account's user to read roles, writes to change security
 * (auth.ts). Bad input is a 4xx in the Web API's error shape, {"error": {"code", "message"}}, and
 * nothing is applied.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { applyAll, withIds } from '../src-main/core/commands/apply';
import { refusalFromZod, type Refusal } from '../src-main/core/result';
import { changeSetRequestSchema, MAX_CHANGESET_OPERATIONS, type ChangeSetApplied, type ErrorBody } from '../src-main/sync/protocol';
import { Accounts, privilegeProblem, type Account } from './auth';
import type { CommitFailure, ServerModel } from './model';
import { API_BASE, WebError, plan, type WebResult } from './webapi';

export interface ServerOptions {
  readonly model: ServerModel;
  /** Largest request body, bytes (a change set of 1,000 commands is well under 1 MB). */
  readonly bodyLimit?: number;
  /** Requests per account (per address before sign-in) and minute. */
  readonly rateLimit?: number;
  readonly logger?: boolean;
  /** Test hook: called after a change set is committed, before the reply; true drops the connection. */
  readonly afterCommit?: (clientid: string | null) => boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    account?: Account;
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
      return 409;
    case 'refused':
      return source === 'webapi' && f.error.code === 'not-found' ? 404 : 400;
  }
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const { model } = options;
  const accounts = new Accounts(model);
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: options.bodyLimit ?? 8 * 1024 * 1024 });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, _req, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status === 413) return reply.code(413).send(errorBody('too-large', `the request body is larger than the limit of ${options.bodyLimit ?? 8 * 1024 * 1024} bytes`));
    if (status === 429) return reply.code(429).send(errorBody('rate-limited', error.message));
    if (status < 500) return reply.code(status).send(errorBody(error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || /JSON/.test(error.message) ? 'invalid-json' : 'invalid', error.message));
    app.log.error(error);
    return reply.code(500).send(errorBody('server-error', 'the server failed; nothing of this request was applied'));
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send(errorBody('not-found', `no route ${req.method} ${req.url}`)));

  // Authentication first, then the rate limit keyed by the account it found.
  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/api/')) return;
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const account = m ? await accounts.ofToken(m[1]) : null;
    if (!account) {
      reply.header('WWW-Authenticate', 'Bearer');
      return reply.code(401).send(errorBody('unauthorized', m ? 'the bearer token is unknown or expired; get a new one from POST /auth/token' : 'a bearer token is required (Authorization: Bearer <token> from POST /auth/token)'));
    }
    req.account = account;
  });
  await app.register(rateLimit, {
    hook: 'preHandler',
    max: options.rateLimit ?? 1200,
    timeWindow: 60_000,
    keyGenerator: (req) => (req.account ? `account:${req.account.name}` : `ip:${req.ip}`),
    errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, code: 'rate-limited', error: 'Too Many Requests', message: `rate limit of ${ctx.max} requests per minute reached; retry in ${Math.ceil(ctx.ttl / 1000)} s` }),
  });

  app.post('/auth/token', async (req, reply) => {
    const body = tokenRequest.safeParse(req.body);
    if (!body.success) return reply.code(400).send(errorBody('invalid', refusalFromZod(body.error).message));
    const issued = await accounts.issue(body.data.name, body.data.password);
    if (!issued) return reply.code(401).send(errorBody('unauthorized', 'unknown account name or wrong password'));
    return { access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresIn };
  });

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

  for (const method of ['GET', 'POST', 'PATCH', 'DELETE'] as const) app.route({ method, url: `${API_BASE}/*`, handler: webApi });

  app.post('/api/sync/changesets', async (req, reply) => {
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
  app.get('/api/sync/audit', async (req, reply) => {
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

  app.get('/api/sync/status', async () => ({ version: model.currentVersion }));

  return app;
}

const headerOf = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};
