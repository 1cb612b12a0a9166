/**
 * How long `roleatlas --help` takes to start: the build (`npm run build` makes out/main/cli.js) and
 * the TypeScript sources through tsx (what runs right after `npm ci`). Medians of 5 runs each.
 *
 * Standalone: node --import tsx test/bench/cliStart.ts
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { round } from './measure';

const root = fileURLToPath(new URL('../..', import.meta.url));

function medianStart(args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, [...args, '--help'], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[2];
}

export function benchCliStart(): Record<string, number> {
  const built = join(root, 'out/main/cli.js');
  return {
    cli_start_sources_ms: round(medianStart(['--import', 'tsx', join(root, 'src-main/cli/run.ts')]), 0),
    ...(existsSync(built) ? { cli_start_built_ms: round(medianStart([built]), 0) } : {}),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(benchCliStart()));
