/**
 * How long `roleatlas --help` takes to start: the build (`npm run build` makes out/main/cli.js) and
 * the TypeScript sources through tsx (what runs right after `npm ci`). Medians of 5 runs each.
 *
 * Standalone: node --import tsx test/bench/cliStart.ts
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { toInterchange } from '../../src-main/core/interchange/fromState';
import type { OrgState } from '../../src-main/core/model/org';
import { loadOrg } from '../../src-main/cli/io';
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

/** What every command with --org FILE does first: read, parse and check the organization file (the 50,000-user one, ~150 MB). */
export function benchOrgFileLoad(state: OrgState): Record<string, number> {
  const dir = mkdtempSync(join(tmpdir(), 'roleatlas-bench-org-'));
  try {
    const file = join(dir, 'org.json');
    writeFileSync(file, JSON.stringify(toInterchange(state)));
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      loadOrg(file);
      times.push(performance.now() - t);
    }
    return { org_file_load_ms: round(times.sort((a, b) => a - b)[1], 0) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(benchCliStart()));
