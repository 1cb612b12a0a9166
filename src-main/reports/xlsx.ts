import ExcelJS from 'exceljs';
import { statSync } from 'node:fs';
import { DEPTHS } from '../core/model/depth';
import { DEPTH_STYLE, depthText, isDepthCell, type Cell, type Column, type Report } from '../core/reports/model';
import { coverLines } from './csv';
import { RowCounter, type RunOptions } from './progress';

type Fill = ExcelJS.Fill;
const solid = (rgb: string): Fill => ({ type: 'pattern', pattern: 'solid', fgColor: { argb: `FF${rgb}` } });
const HEADER_FILL = solid('2F5597');
const HEADER_FONT: Partial<ExcelJS.Font> = { bold: true, color: { argb: 'FFFFFFFF' } };
const DEPTH_FILLS = Object.fromEntries(['None', ...DEPTHS].map((d) => [d, solid(DEPTH_STYLE[d as keyof typeof DEPTH_STYLE].fill)])) as Record<string, Fill>;
const CENTER: Partial<ExcelJS.Alignment> = { horizontal: 'center' };
/** Excel limits a row to 32,767 characters per cell and a sheet to 1,048,576 rows. */
const MAX_ROWS = 1_048_576;

/** Sheet names: at most 31 characters, none of []:*?/\, unique case-insensitively. */
export function sheetNamer(): (name: string) => string {
  const used = new Set<string>();
  return (name) => {
    const base = name.replace(/[[\]:*?/\\]/g, ' ').trim().slice(0, 31) || 'Sheet';
    let candidate = base;
    for (let i = 2; used.has(candidate.toLowerCase()); i++) candidate = `${base.slice(0, 31 - String(i).length - 1)}~${i}`;
    used.add(candidate.toLowerCase());
    return candidate;
  };
}

function value(c: Cell, col: Column): ExcelJS.CellValue {
  if (c === null) return null;
  if (isDepthCell(c)) return depthText(c.depth);
  if (col.kind === 'datetime' && typeof c === 'string') {
    const d = new Date(c);
    return Number.isNaN(d.getTime()) ? c : d;
  }
  return c;
}

function legendRow(ws: ExcelJS.Worksheet, at: number, startCol: number): void {
  const row = ws.getRow(at);
  ['None', ...DEPTHS].forEach((d, i) => {
    const cell = row.getCell(startCol + i);
    const s = DEPTH_STYLE[d as keyof typeof DEPTH_STYLE];
    cell.value = `${s.symbol} ${s.label}`;
    cell.fill = DEPTH_FILLS[d];
    cell.alignment = CENTER;
  });
}

/**
 * A real workbook, streamed: a cover sheet, then a sheet per section with the section title,
 * the first table's header frozen and filtered, depth cells coloured as in the role editor, and
 * column widths from the report. Rows are committed as written, so memory stays flat.
 */
export async function writeXlsx(report: Report, path: string, counter: RowCounter, options: RunOptions): Promise<number> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useStyles: true, useSharedStrings: false });
  wb.creator = 'RoleAtlas';
  wb.created = new Date(report.generatedAt);
  const name = sheetNamer();

  const cover = wb.addWorksheet(name('Report'));
  cover.columns = [{ width: 18 }, { width: 90 }];
  coverLines(report).forEach(([k, v], i) => {
    const row = cover.addRow([k, v]);
    row.getCell(1).font = { bold: true };
    if (i === 0) row.getCell(2).font = { bold: true, size: 14 };
    row.commit();
  });
  if (report.sections.some((s) => s.legend)) {
    cover.addRow([]).commit();
    const row = cover.addRow(['Legend']);
    row.getCell(1).font = { bold: true };
    row.commit();
    for (const d of ['None', ...DEPTHS]) {
      const s = DEPTH_STYLE[d as keyof typeof DEPTH_STYLE];
      const r = cover.addRow([`${s.symbol} ${d === 'None' ? 'None' : d}`, s.label]);
      r.getCell(1).fill = DEPTH_FILLS[d];
      r.commit();
    }
  }
  cover.commit();

  for (const section of report.sections) {
    options.signal?.throwIfAborted();
    const first = section.tables[0];
    const width = Math.max(...section.tables.map((t) => t.columns.length));
    const ws = wb.addWorksheet(name(section.title), first ? { views: [{ state: 'frozen', ySplit: 2 }] } : undefined);
    ws.columns = Array.from({ length: Math.max(width, section.legend ? 3 + 5 : 0) }, (_, i) => {
      const w = Math.max(...section.tables.map((t) => t.columns[i]?.width ?? Math.min(40, Math.max(10, (t.columns[i]?.header.length ?? 8) + 2))));
      return { width: Number.isFinite(w) ? w : 12 };
    });
    if (first) ws.autoFilter = { from: { row: 2, column: 1 }, to: { row: 2, column: first.columns.length } };
    const titleRow = ws.getRow(1);
    titleRow.getCell(1).value = section.note ? `${section.title} — ${section.note}` : section.title;
    titleRow.getCell(1).font = { bold: true, size: 13 };
    if (section.legend) legendRow(ws, 1, Math.max(width + 2, 4));
    titleRow.commit();
    let rowNo = 1;
    for (const [ti, table] of section.tables.entries()) {
      if (ti > 0) {
        ws.addRow([]).commit();
        const t = ws.addRow([table.title ?? '']);
        t.getCell(1).font = { bold: true, size: 12 };
        t.commit();
        rowNo += 2;
      }
      const header = ws.addRow(table.columns.map((c) => c.header));
      header.eachCell((c) => {
        c.fill = HEADER_FILL;
        c.font = HEADER_FONT;
      });
      header.commit();
      rowNo++;
      const depthCols = table.columns.map((c) => c.kind === 'depth');
      for (const cells of table.rows()) {
        if (++rowNo > MAX_ROWS) throw new RangeError(`${section.title}: more than ${MAX_ROWS} rows, Excel's limit for a sheet; write CSV instead`);
        const row = ws.addRow(cells.map((c, i) => value(c, table.columns[i])));
        for (let i = 0; i < cells.length; i++) {
          const c = cells[i];
          if (depthCols[i] && isDepthCell(c)) {
            const cell = row.getCell(i + 1);
            cell.fill = DEPTH_FILLS[c.depth ?? 'None'];
            cell.alignment = CENTER;
          } else if (table.columns[i].kind === 'datetime' && c !== null) row.getCell(i + 1).numFmt = 'yyyy-mm-dd hh:mm:ss';
        }
        row.commit();
        if (counter.step()) await counter.tick();
      }
    }
    ws.commit();
  }
  await wb.commit();
  return statSync(path).size;
}
