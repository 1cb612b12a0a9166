/**
 * Report and findings benchmarks over the synthetic organization:
 * - the privilege matrix of all 500 roles to XLSX (target < 10 s);
 * - every user's effective access to CSV, streamed (target < 15 s, peak RSS < 1 GB), measured
 *   in a child process so the figure is that step's own peak, not the bench process's;
 * - all findings (target < 2 s), with the engine's indexes warm, and cold (indexes rebuilt).
 *
 * Standalone: node --expose-gc --import tsx test/bench/reports.ts [--json]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syntheticOrganization } from '../../src-main/core/generate/synthetic';
import { AccessEngine } from '../../src-main/core/access/engine';
import { findings } from '../../src-main/core/findings/index';
import { roleMatrixReport, userAccessReport } from '../../src-main/core/reports/index';
import type { OrgState } from '../../src-main/core/model/org';
import { writeReport } from '../../src-main/reports/run';
import { round } from './measure';

const SELF = fileURLToPath(import.meta.url);
const CTX = { generatedAt: new Date(0).toISOString(), source: 'synthetic benchmark organization' };

async function medianAsync(runs: number, fn: (i: number) => Promise<void> | void, setup?: (i: number) => void): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    setup?.(i);
    const t = performance.now();
    await fn(i);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** Builds the engine's grant rows outside the timed part, so the figure is the writing alone. */
function warmGrantRows(state: OrgState): number {
  return AccessEngine.of(state).grantRows.start.length;
}

/** In the child: build the synthetic organization, write all users' access to CSV `runs` times, print the median and peak RSS. */
async function childAccessCsv(runs: number): Promise<void> {
  const state = syntheticOrganization();
  warmGrantRows(state);
  const dir = mkdtempSync(join(tmpdir(), 'roleatlas-bench-'));
  try {
    let rows = 0;
    let bytes = 0;
    const ms = await medianAsync(runs, async () => {
      const w = await writeReport(userAccessReport(state, CTX), 'csv', join(dir, 'access.csv'));
      rows = w.rows;
      bytes = w.bytes;
    });
    process.stdout.write(JSON.stringify({ ms, rows, bytes, peak_rss_mb: process.resourceUsage().maxRSS / 1024 }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchReports(state: OrgState): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'roleatlas-bench-'));
  try {
    warmGrantRows(state);
    let matrixRows = 0;
    const matrix = await medianAsync(3, async () => {
      matrixRows = (await writeReport(roleMatrixReport(state, CTX), 'xlsx', join(dir, 'roles.xlsx'))).rows;
    });

    const child = spawnSync(process.execPath, ['--import', 'tsx', SELF, '--child-access-csv', '3'], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (child.status !== 0) throw new Error(`access CSV child failed: ${child.stderr}`);
    const access = JSON.parse(child.stdout.trim().split('\n').pop()!) as { ms: number; rows: number; bytes: number; peak_rss_mb: number };

    let count = 0;
    const warm = await medianAsync(5, () => {
      count = findings(state).length;
    });
    let fresh = state;
    const cold = await medianAsync(
      3,
      () => {
        findings(fresh);
      },
      () => {
        fresh = { ...state, systemusers: new Map(state.systemusers), roles: new Map(state.roles), records: new Map(state.records) };
      },
    );
    return {
      role_matrix_all_roles_xlsx_ms: round(matrix, 0),
      role_matrix_rows: matrixRows,
      all_users_access_csv_ms: round(access.ms, 0),
      all_users_access_csv_rows: access.rows,
      all_users_access_csv_mb: round(access.bytes / 1e6, 0),
      all_users_access_csv_peak_rss_mb: round(access.peak_rss_mb, 0),
      findings_all_ms: round(warm, 1),
      findings_all_cold_engine_ms: round(cold, 0),
      findings_count: count,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const TARGETS: Record<string, number> = { role_matrix_all_roles_xlsx_ms: 10_000, all_users_access_csv_ms: 15_000, all_users_access_csv_peak_rss_mb: 1024, findings_all_ms: 2000 };

if (process.argv[1] === SELF) {
  const at = process.argv.indexOf('--child-access-csv');
  if (at >= 0) await childAccessCsv(Number(process.argv[at + 1] ?? 1));
  else {
    const figures = await benchReports(syntheticOrganization());
    if (process.argv.includes('--json')) console.log(JSON.stringify(figures));
    else for (const [k, v] of Object.entries(figures)) console.log(`${k}: ${v}${TARGETS[k] ? ` (target < ${TARGETS[k]}${v < TARGETS[k] ? ' ✓' : ' ✗'})` : ''}`);
  }
}
