import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildReport } from '../reports/build';
import { fabrikam } from './fabrikam.fixture';
import { ReportJobs, type WriteReport } from './reportJobs';
import type { Report } from '../core/reports/model';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'roleatlas-jobs-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function report(): Report {
  const r = buildReport({ state: fabrikam(), context: { generatedAt: '2026-05-01T00:00:00.000Z', source: 'test' } }, { kind: 'bu-structure' });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** A writer that reports progress step by step and only finishes when told, like a long report. */
function slowWriter(): { write: WriteReport; step: () => void } {
  let wake: () => void = () => {};
  const write: WriteReport = async (_r, format, path, options) => {
    for (let i = 1; i <= 10; i++) {
      await new Promise<void>((ok) => {
        wake = ok;
        options.signal?.addEventListener('abort', () => ok(), { once: true });
      });
      options.signal?.throwIfAborted();
      options.onProgress?.({ rows: i * 100, total: 1000, fraction: i / 10 });
    }
    return { path, format, rows: 1000, bytes: 1 };
  };
  return { write, step: () => wake() };
}

describe('report jobs', () => {
  it('writes a report in the background and says when it is done', async () => {
    const jobs = new ReportJobs({ newId: () => 'job-1' });
    const path = join(dir, 'units.csv');
    const started = jobs.start(report(), 'csv', path);
    expect(started).toMatchObject({ jobid: 'job-1', state: 'running', fraction: 0 });
    const done = await jobs.settled('job-1');
    expect(done).toMatchObject({ state: 'done', fraction: 1, path, error: null });
    expect(done!.rows).toBeGreaterThan(0);
    expect(readFileSync(path, 'utf8')).toContain('Sales North');
  });

  it('shows progress while running and stops on cancel, leaving no file', async () => {
    const { write, step } = slowWriter();
    const jobs = new ReportJobs({ newId: () => 'job-2', write });
    jobs.start(report(), 'xlsx', join(dir, 'big.xlsx'));
    step();
    await new Promise((ok) => setTimeout(ok, 5));
    step();
    await new Promise((ok) => setTimeout(ok, 5));
    expect(jobs.get('job-2')).toMatchObject({ state: 'running', rows: 200, fraction: 0.2 });
    const cancelled = await jobs.cancel('job-2');
    expect(cancelled).toMatchObject({ state: 'cancelled', error: null });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('keeps the reason when writing fails', async () => {
    const jobs = new ReportJobs({ newId: () => 'job-3', write: async () => Promise.reject(new Error('disk full')) });
    jobs.start(report(), 'csv', join(dir, 'x.csv'));
    expect(await jobs.settled('job-3')).toMatchObject({ state: 'failed', error: 'disk full' });
    expect(existsSync(join(dir, 'x.csv'))).toBe(false);
  });

  it('answers a finished job as it is when cancelled late, and nothing for an unknown job', async () => {
    const jobs = new ReportJobs({ newId: () => 'job-4' });
    jobs.start(report(), 'html', join(dir, 'units.html'));
    await jobs.settled('job-4');
    expect((await jobs.cancel('job-4'))?.state).toBe('done');
    expect(await jobs.cancel('nope')).toBeUndefined();
  });
});
