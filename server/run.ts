/** Opening the server's database and model, and listening: shared by npm run server, the CLI and tests. */
import type { OrgState } from '../src-main/core/model/org';
import { openDb } from './db';
import { ServerModel, type CommitHooks } from './model';
import { buildServer, type ServerOptions } from './app';

export interface OpenOptions {
  readonly dataDir?: string;
  /** Defaults to the DATABASE_URL environment variable. */
  readonly databaseUrl?: string;
  readonly schema?: string;
  readonly seed?: OrgState;
  readonly hooks?: CommitHooks;
  /**
   * ROLEATLAS_FAULT=kill-before-commit: the process kills itself (SIGKILL) inside the
   * transaction of the next change set, before COMMIT; slow-commit: each change set waits 1.5 s
   * before COMMIT. For the crash and stop tests only.
   */
  readonly faultFromEnv?: boolean;
}

export async function openServerModel(o: OpenOptions): Promise<ServerModel> {
  const db = await openDb({ dataDir: o.dataDir, databaseUrl: o.databaseUrl ?? process.env.DATABASE_URL, schema: o.schema });
  const hooks: CommitHooks = { ...o.hooks };
  if (o.faultFromEnv && process.env.ROLEATLAS_FAULT === 'kill-before-commit') hooks.beforeCommit = () => void process.kill(process.pid, 'SIGKILL');
  // A change set that takes a second to commit: the graceful-stop test sends its signal meanwhile.
  if (o.faultFromEnv && process.env.ROLEATLAS_FAULT === 'slow-commit') hooks.beforeCommit = () => new Promise((r) => setTimeout(r, 1500));
  try {
    return await ServerModel.open(db, { seed: o.seed, hooks });
  } catch (e) {
    await db.close().catch(() => {});
    throw e;
  }
}

export async function startServer(model: ServerModel, o: Omit<ServerOptions, 'model'> & { port?: number; host?: string } = {}) {
  const app = await buildServer({ ...o, model });
  const url = await app.listen({ port: o.port ?? 0, host: o.host ?? '127.0.0.1' });
  return {
    app,
    url,
    close: async () => {
      await app.close();
      await model.db.close();
    },
  };
}
