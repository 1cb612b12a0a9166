/**
 * The Dataverse double as its own small Fastify app: /api/data/v9.2/* answered by a
 * DataverseEnvironment. Listen on loopback only; tests and the benchmark start one per run.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { OrgState } from '../../../src-main/core/model/org';
import { API_PATH, DataverseEnvironment, type EnvironmentOptions } from './environment';

export interface DoubleOptions extends EnvironmentOptions {
  /** Accepts or refuses a bearer token; absent: any bearer token is accepted. */
  readonly verifyToken?: (token: string) => boolean | Promise<boolean>;
}

export interface RunningDouble {
  readonly url: string;
  readonly env: DataverseEnvironment;
  readonly app: FastifyInstance;
  /**
   * Faults a test sets: the next n $batch requests are carried out, then their answer is lost (the
   * connection is cut); after `cutAfter` more requests every connection is cut (null: never).
   */
  readonly faults: { loseBatchReplies: number; cutAfter: number | null };
  close(): Promise<void>;
}

export async function startDataverseDouble(state: OrgState, options: DoubleOptions = {}): Promise<RunningDouble> {
  const env = new DataverseEnvironment(state, options);
  const faults: RunningDouble['faults'] = { loseBatchReplies: 0, cutAfter: null };
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.all(`${API_PATH}*`, async (req, reply) => {
    // The network goes away: after `cutAfter` more requests every connection is cut unanswered.
    if (faults.cutAfter !== null && faults.cutAfter-- <= 0) {
      req.raw.socket.destroy();
      return reply.hijack();
    }
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : null;
    if (!token || (options.verifyToken && !(await options.verifyToken(token)))) {
      return reply.code(401).header('WWW-Authenticate', 'Bearer').send({ error: { code: '0x80072560', message: 'The user is not authenticated: a valid bearer token is required' } });
    }
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const res = env.handleHttp({ method: req.method, path: req.url.slice(API_PATH.length), headers, body: typeof req.body === 'string' ? req.body : '' });
    if (faults.loseBatchReplies > 0 && req.method === 'POST' && req.url.slice(API_PATH.length).startsWith('$batch')) {
      faults.loseBatchReplies--;
      req.raw.socket.destroy();
      return reply.hijack();
    }
    reply.code(res.status).headers(res.headers);
    return reply.send(res.body);
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  env.baseUrl = address;
  return { url: address, env, app, faults, close: () => app.close() };
}
