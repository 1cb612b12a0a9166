import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { totalRows, type Report } from '../core/reports/model';
import { RowCounter, type RunOptions } from './progress';

export const REPORT_FORMATS = ['csv', 'xlsx', 'pdf', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface WrittenReport {
  readonly path: string;
  readonly format: ReportFormat;
  readonly rows: number;
  readonly bytes: number;
}

// Loaded when a report of that format is written: pdfmake and exceljs take a moment to load, and
// neither the app's start nor the command line's should wait for them.
const WRITERS = {
  csv: async () => (await import('./csv')).writeCsv,
  xlsx: async () => (await import('./xlsx')).writeXlsx,
  pdf: async () => (await import('./pdf')).writePdf,
  html: async () => (await import('./html')).writeHtml,
} as const;

/**
 * Writes a report to `path` through a temporary file in the same folder, renamed over the
 * target only when complete: a cancelled or failed report leaves no partial file. Cancel with
 * options.signal (the promise rejects with the signal's reason); options.onProgress receives
 * the rows written against the rows expected.
 */
export async function writeReport(report: Report, format: ReportFormat, path: string, options: RunOptions = {}): Promise<WrittenReport> {
  options.signal?.throwIfAborted();
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const counter = new RowCounter(totalRows(report), options);
  try {
    const write = await WRITERS[format]();
    const bytes = await write(report, tmp, counter, options);
    options.signal?.throwIfAborted();
    // Async: replacing a large earlier report frees its blocks, which can take a second on some disks.
    await rename(tmp, path);
    counter.report();
    options.onProgress?.({ rows: counter.rows, total: counter.rows, fraction: 1 });
    return { path, format, rows: counter.rows, bytes };
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export { type ReportProgress, type RunOptions } from './progress';
export { MAX_PDF_ROWS, ReportTooLargeError } from './limits';
