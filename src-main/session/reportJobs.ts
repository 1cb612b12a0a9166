import type { ReportJobDto } from '../bridge/channels/reports';
import { randomUUID } from 'node:crypto';
import type { Report } from '../core/reports/model';
import { totalRows } from '../core/reports/model';
import { writeReport, type ReportFormat, type RunOptions, type WrittenReport } from '../reports/run';

/** A report being written, as the window polls it (the bridge contract's shape). */
export type ReportJob = ReportJobDto;
export type JobState = ReportJob['state'];

export type WriteReport = (report: Report, format: ReportFormat, path: string, options: RunOptions) => Promise<WrittenReport>;

export interface ReportJobsOptions {
  readonly newId?: () => string;
  /** writeReport by default; tests pass a slower or failing one. */
  readonly write?: WriteReport;
  /** Finished jobs remembered for polling; the oldest are forgotten first. */
  readonly keep?: number;
}

class CancelledByAdmin extends Error {
  constructor() {
    super('cancelled; no file was written');
  }
}

interface Entry {
  job: ReportJob;
  readonly controller: AbortController;
  readonly finished: Promise<ReportJob>;
}

/**
 * Reports written in the background of main while the window polls: the bridge is request and
 * response only, so a write is a job the window starts, asks about and may cancel.
 */
export class ReportJobs {
  private readonly jobs = new Map<string, Entry>();
  private readonly newId: () => string;
  private readonly write: WriteReport;
  private readonly keep: number;

  constructor(options: ReportJobsOptions = {}) {
    this.newId = options.newId ?? randomUUID;
    this.write = options.write ?? writeReport;
    this.keep = options.keep ?? 20;
  }

  /** Starts writing; the job answers 'running' at once. */
  start(report: Report, format: ReportFormat, path: string): ReportJob {
    const jobid = this.newId();
    const controller = new AbortController();
    const update = (changes: Partial<ReportJob>) => {
      const e = this.jobs.get(jobid);
      if (e) e.job = { ...e.job, ...changes };
    };
    const job: ReportJob = { jobid, state: 'running', fraction: 0, rows: 0, total: totalRows(report), path, title: report.title, bytes: null, error: null };
    const finished = this.write(report, format, path, {
      signal: controller.signal,
      onProgress: (p) => update({ fraction: p.fraction, rows: p.rows, total: p.total }),
    }).then(
      (w) => update({ state: 'done', fraction: 1, rows: w.rows, total: w.rows, bytes: w.bytes }),
      (e: unknown) => {
        if (controller.signal.aborted) update({ state: 'cancelled', error: null });
        else update({ state: 'failed', error: e instanceof Error ? e.message : String(e) });
      },
    ).then(() => this.jobs.get(jobid)!.job);
    this.jobs.set(jobid, { job, controller, finished });
    this.forgetOld();
    return job;
  }

  get(jobid: string): ReportJob | undefined {
    return this.jobs.get(jobid)?.job;
  }

  /** Stops a running job; its temporary file is removed and the target left as it was. */
  async cancel(jobid: string): Promise<ReportJob | undefined> {
    const e = this.jobs.get(jobid);
    if (!e) return undefined;
    if (e.job.state !== 'running') return e.job;
    e.controller.abort(new CancelledByAdmin());
    return e.finished;
  }

  /** Resolves once the job has finished, however it ended. */
  settled(jobid: string): Promise<ReportJob> | undefined {
    return this.jobs.get(jobid)?.finished;
  }

  private forgetOld(): void {
    const done = [...this.jobs.values()].filter((e) => e.job.state !== 'running');
    for (const e of done.slice(0, Math.max(0, done.length - this.keep))) this.jobs.delete(e.job.jobid);
  }
}
