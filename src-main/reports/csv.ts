import { cellText, DEPTH_STYLE, isDepthCell, type Cell, type Report, type RunRows } from '../core/reports/model';
import { DEPTHS } from '../core/model/depth';
import { RowCounter, type RunOptions } from './progress';
import { TextSink } from './textSink';

/**
 * A cell as CSV: text starting with = + - @ tab or CR is prefixed with ' so a spreadsheet does
 * not run it as a formula (OWASP's CSV injection advice); then quoted when needed.
 */
export function csvField(c: Cell): string {
  // Depths as plain names: CSV is for data, and a one-byte line encodes twice as fast as one with ◕ in it.
  let s = isDepthCell(c) ? (c.depth ?? 'None') : cellText(c);
  if (typeof c === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  if (/[",\r\n]/.test(s) || s.startsWith(' ') || s.endsWith(' ')) s = `"${s.replace(/"/g, '""')}"`;
  return s;
}

export const csvLine = (cells: readonly Cell[]): string => `${cells.map(csvField).join(',')}\r\n`;

export function legendCells(): string[] {
  return [DEPTH_STYLE.None, ...DEPTHS.map((d) => DEPTH_STYLE[d])].map((s) => s.label);
}

/** Cover lines every format starts with: what, whose, when, from what. */
export function coverLines(r: Report): [string, string][] {
  return [['Report', r.title], ['Organization', r.organization], ['Generated', r.generatedAt], ['Source', r.source], ...r.parameters.map(([k, v]): [string, string] => [k, v])];
}

/**
 * Each cell's CSV bytes, remembered: a report of every user's access repeats the same user,
 * table, right, privilege, depth and source cells millions of times, so most rows are copied
 * from cached bytes without building or encoding a string.
 */
export function cachedCsvBytes(): (cell: Cell) => Uint8Array {
  const encoder = new TextEncoder();
  let cache = new Map<Cell, Uint8Array>();
  return (c) => {
    let bytes = cache.get(c);
    if (bytes === undefined) {
      bytes = encoder.encode(typeof c === 'number' ? String(c) : csvField(c));
      if (cache.size > 100_000) cache = new Map();
      cache.set(c, bytes);
    }
    return bytes;
  };
}

/**
 * Rows given as runs: each distinct run is escaped and encoded once, with the separator that
 * follows it (a comma, or CR LF after the last), and every row is then a few byte copies.
 */
async function writeRuns(sink: TextSink, r: RunRows, counter: RowCounter): Promise<void> {
  const k = r.runs;
  const encoded: Buffer[][] = Array.from({ length: k }, () => []);
  const encode = (j: number, id: number): Buffer => {
    const cells = r.cells(j, id);
    if (!cells.length) throw new RangeError('a run of cells is empty');
    const bytes = Buffer.from(`${cells.map(csvField).join(',')}${j === k - 1 ? '\r\n' : ','}`, 'utf8');
    encoded[j][id] = bytes;
    return bytes;
  };
  const line: Buffer[] = new Array<Buffer>(k);
  for (const { count, ids } of r.batches()) {
    let full = false;
    for (let i = 0, x = 0; i < count; i++) {
      let size = 0;
      for (let j = 0; j < k; j++, x++) {
        const bytes = encoded[j][ids[x]] ?? encode(j, ids[x]);
        line[j] = bytes;
        size += bytes.length;
      }
      if (!sink.fits(size)) {
        await sink.flush();
        // A line longer than the buffer goes through the sink's overflow.
        if (!sink.fits(size)) {
          for (const bytes of line) sink.writeBytes(bytes);
          continue;
        }
      }
      for (let j = 0; j < k; j++) full = sink.put(line[j]);
    }
    if (full) await sink.flush();
    if (counter.step(count)) await counter.tick();
  }
}

/**
 * Cover lines, then each section: its title (and note), each table's title, header and rows,
 * and a blank line. UTF-8 with a byte-order mark so spreadsheets read the depth symbols.
 */
export async function writeCsv(report: Report, path: string, counter: RowCounter, _options: RunOptions): Promise<number> {
  const sink = await TextSink.open(path);
  try {
    sink.write('\uFEFF');
    for (const [k, v] of coverLines(report)) sink.write(csvLine([k, v]));
    if (report.sections.some((s) => s.legend)) sink.write(csvLine(['Legend', ...legendCells()]));
    for (const section of report.sections) {
      sink.write('\r\n');
      sink.write(csvLine(section.note ? [section.title, section.note] : [section.title]));
      for (const table of section.tables) {
        if (table.title) sink.write(csvLine([table.title]));
        sink.write(csvLine(table.columns.map((c) => c.header)));
        const runs = table.runs?.();
        if (runs) {
          await writeRuns(sink, runs, counter);
          continue;
        }
        const encoded = cachedCsvBytes();
        // Consecutive rows mostly repeat cells (the same user, source…): compare with the row before first.
        const prevCell: Cell[] = [];
        const prevBytes: Uint8Array[] = [];
        for (const row of table.rows()) {
          let full = false;
          for (let i = 0; i < row.length; i++) {
            if (i) sink.writeByte(44); // ,
            const c = row[i];
            let bytes = prevBytes[i];
            if (c !== prevCell[i] || bytes === undefined) {
              bytes = encoded(c);
              prevCell[i] = c;
              prevBytes[i] = bytes;
            }
            full = sink.writeBytes(bytes) || full;
          }
          sink.writeByte(13);
          sink.writeByte(10);
          if (full) await sink.flush();
          if (counter.step()) await counter.tick();
        }
      }
    }
    await sink.close();
    return sink.bytes;
  } catch (e) {
    sink.destroy();
    throw e;
  }
}
