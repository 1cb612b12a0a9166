/**
 * How long the sync server takes to start on the embedded database, as a user starts it
 * (npm run server: a new process, until it says "listening"):
 * - server_first_start_uncached_ms: a new data directory on a machine that never ran it (initdb);
 * - server_first_start_ms: a new data directory, the fresh cluster cached from an earlier start;
 * - server_warm_start_ms: the data directory of a server stopped cleanly, holding the demo organization.
 * Medians of 3. Standalone: npx tsx test/bench/serverStart.ts
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoOrganization } from '../../src-main/core/generate/demo';
import { toInterchange } from '../../src-main/core/interchange/fromState';
import { round } from './measure';

export const SERVER_START_TARGETS: Record<string, number> = { server_first_start_ms: 5000, server_first_start_uncached_ms: 5000, server_warm_start_ms: 2000 };

/** Starts npm run server's entry on `data`, waits for "listening", stops it with SIGTERM; the ms until listening. */
function startStop(args: string[], env: Record<string, string>): Promise<number> {
  const t = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--port', '0', '--log-level', 'silent', ...args], { env: { ...process.env, DATABASE_URL: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let ms = 0;
    child.stdout.on('data', (d) => {
      out += d;
      if (!ms && /listening on/.test(out)) {
        ms = performance.now() - t;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => (ms && code === 0 ? resolve(ms) : reject(new Error(`server start failed (${code}): ${out}`))));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchServerStart(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'roleatlas-bench-start-'));
  try {
    const org = join(dir, 'demo.json');
    writeFileSync(org, JSON.stringify(toInterchange(demoOrganization())));
    const uncached: number[] = [];
    const cached: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < 3; i++) {
      // Each its own empty cache: the cost of the very first start on a machine.
      uncached.push(await startStop(['--data', join(dir, `u${i}`)], { ROLEATLAS_CACHE_DIR: join(dir, `cache-u${i}`) }));
    }
    const cache = { ROLEATLAS_CACHE_DIR: join(dir, 'cache') };
    await startStop(['--data', join(dir, 'warmup')], cache);
    for (let i = 0; i < 3; i++) cached.push(await startStop(['--data', join(dir, `c${i}`), '--org', org], cache));
    for (let i = 0; i < 3; i++) warm.push(await startStop(['--data', join(dir, 'c0')], cache));
    return { server_first_start_uncached_ms: round(median(uncached), 0), server_first_start_ms: round(median(cached), 0), server_warm_start_ms: round(median(warm), 0) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('test/bench/serverStart.ts')) {
  benchServerStart().then(
    (figures) => console.log(JSON.stringify(figures, null, 2)),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
