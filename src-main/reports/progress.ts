import { setImmediate as yieldToLoop } from 'node:timers/promises';

export interface ReportProgress {
  /** Rows written so far. */
  readonly rows: number;
  /** Rows expected (an estimate for some reports). */
  readonly total: number;
  /** 0..1, never above 1. */
  readonly fraction: number;
}

export interface RunOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: ReportProgress) => void;
}

/** How often (in rows) writers report progress, check for cancellation and let the event loop run. */
const EVERY = 4096;

/**
 * Counts rows for a writer. step() is called once per row and is cheap; every EVERY rows it
 * reports, throws if cancelled, and yields to the event loop so the app stays responsive and
 * an abort from the window is seen.
 */
export class RowCounter {
  rows = 0;
  private next = EVERY;
  constructor(
    readonly total: number,
    private readonly options: RunOptions,
  ) {}

  /** Counts `rows` more (one by default); true when the caller must await tick() (every EVERY rows). */
  step(rows = 1): boolean {
    return (this.rows += rows) >= this.next;
  }

  async tick(): Promise<void> {
    this.next = this.rows + EVERY;
    this.options.signal?.throwIfAborted();
    this.report();
    await yieldToLoop();
    this.options.signal?.throwIfAborted();
  }

  report(): void {
    const total = Math.max(this.total, this.rows, 1);
    this.options.onProgress?.({ rows: this.rows, total, fraction: Math.min(1, this.rows / total) });
  }
}
