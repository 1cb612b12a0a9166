/**
 * npm run server -- --data DIR --port N [--host H] [--org FILE]
 * Starts the sync server on the embedded PostgreSQL in DIR, or on DATABASE_URL when it is set.
 * --org seeds a new database with an organization file (default: a new organization with
 * Dataverse's predefined roles). Create accounts first: roleatlas server account add.
 */
import { parseArgs } from 'node:util';
import { fromInterchange } from '../src-main/core/interchange/toState';
import { readFileSync } from 'node:fs';
import { openServerModel, startServer } from './run';

export async function serverMain(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { data: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, org: { type: 'string' } }, strict: true });
  if (!values.data && !process.env.DATABASE_URL) throw new Error('--data DIR is required (or set DATABASE_URL to use a PostgreSQL server)');
  const port = Number(values.port ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535 (got ${values.port})`);
  let seed;
  if (values.org) {
    const r = fromInterchange(JSON.parse(readFileSync(values.org, 'utf8')));
    if (!r.ok) throw new Error(`organization file ${values.org}: ${r.error.message}`);
    seed = r.value;
  }
  const model = await openServerModel({ dataDir: values.data, seed, faultFromEnv: true });
  const { url } = await startServer(model, { port, host: values.host ?? '127.0.0.1' });
  process.stdout.write(`roleatlas server listening on ${url} (${model.db.kind}, version ${model.currentVersion})\n`);
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('server/main.ts')) {
  serverMain(process.argv.slice(2)).catch((e: Error) => {
    process.stderr.write(`roleatlas server: ${e.message}\n`);
    process.exit(1);
  });
}
