import pdfmake from 'pdfmake';
import type { CanvasElement, Content, TableCell, TDocumentDefinitions } from 'pdfmake/interfaces';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { statSync } from 'node:fs';
import { DEPTHS, depthLevel, type Depth } from '../core/model/depth';
import { cellText, DEPTH_STYLE, isDepthCell, totalRows, type Cell, type Report, type Table } from '../core/reports/model';
import { coverLines } from './csv';
import { RowCounter, type RunOptions } from './progress';
import { MAX_PDF_ROWS, ReportTooLargeError } from './limits';

const fontDir = join(dirname(createRequire(import.meta.url).resolve('pdfmake/fonts/Roboto.js')), 'Roboto');
let configured = false;
function configure(): void {
  if (configured) return;
  pdfmake.setFonts({
    Roboto: { normal: join(fontDir, 'Roboto-Regular.ttf'), bold: join(fontDir, 'Roboto-Medium.ttf'), italics: join(fontDir, 'Roboto-Italic.ttf'), bolditalics: join(fontDir, 'Roboto-MediumItalic.ttf') },
  });
  // Reports embed nothing from outside: no URLs, and local files only from pdfmake's font folder.
  pdfmake.setUrlAccessPolicy(() => false);
  pdfmake.setLocalAccessPolicy((p: string) => p.startsWith(fontDir));
  configured = true;
}

const hex = (rgb: string) => `#${rgb}`;
const OUTLINE = '#555555';

/** The role editor's symbol drawn as vectors (Roboto has no ◔◑◕): a circle, filled a quarter per depth. */
function pie(depth: Depth | null, r = 4): CanvasElement[] {
  const level = depthLevel(depth);
  const cx = r + 0.5;
  const cy = r + 1.5;
  const fill = hex(DEPTH_STYLE[depth ?? 'None'].fill);
  const out: CanvasElement[] = [];
  if (level === 4) out.push({ type: 'ellipse', x: cx, y: cy, r1: r, r2: r, color: fill });
  else if (level > 0) {
    const points = [{ x: cx, y: cy }];
    const steps = level * 6;
    for (let i = 0; i <= steps; i++) {
      const a = -Math.PI / 2 + (i / steps) * level * (Math.PI / 2);
      points.push({ x: cx + r * Math.cos(a), y: cy + r * Math.sin(a) });
    }
    out.push({ type: 'polyline', points, closePath: true, color: fill, lineColor: fill, lineWidth: 0.1 });
  }
  out.push({ type: 'ellipse', x: cx, y: cy, r1: r, r2: r, lineColor: OUTLINE, lineWidth: 0.6 });
  return out;
}
const PIE_SHAPES = Object.fromEntries(['None', ...DEPTHS].map((d) => [d, pie(d === 'None' ? null : (d as Depth))])) as Record<string, CanvasElement[]>;
/** A fresh copy per use: pdfmake annotates the canvas nodes it lays out, so they cannot be shared. */
const pieCanvas = (d: string): CanvasElement[] => structuredClone(PIE_SHAPES[d]);

function depthContent(depth: Depth | null): TableCell {
  return { columns: [{ canvas: pieCanvas(depth ?? 'None'), width: 11 }, { text: depth ?? 'None', width: 'auto' }], columnGap: 2 };
}

function legend(): Content {
  return {
    columns: ['None', ...DEPTHS].map((d) => ({ columns: [{ canvas: pieCanvas(d), width: 11 }, { text: DEPTH_STYLE[d as keyof typeof DEPTH_STYLE].label, width: 'auto' }], columnGap: 2, width: 'auto' })),
    columnGap: 14,
    margin: [0, 4, 0, 8],
    fontSize: 8,
  };
}

async function tableContent(table: Table, usable: number, counter: RowCounter): Promise<Content> {
  const weights = table.columns.map((c) => c.width ?? Math.max(8, c.header.length + 2));
  const sum = weights.reduce((a, b) => a + b, 0);
  // pdfmake adds 2 × 4 pt of padding per cell to the widths given.
  const widths = weights.map((w) => Math.max(24, (w / sum) * (usable - table.columns.length * 8)));
  const body: TableCell[][] = [table.columns.map((c) => ({ text: c.header, style: 'th' }))];
  for (const cells of table.rows()) {
    body.push(cells.map((c: Cell, i): TableCell => (isDepthCell(c) ? depthContent(c.depth) : { text: cellText(c), alignment: table.columns[i].kind === 'number' ? 'right' : 'left' })));
    if (counter.step()) await counter.tick();
  }
  return {
    table: { headerRows: 1, widths, body, dontBreakRows: true },
    layout: {
      hLineWidth: (i: number) => (i === 1 ? 0.8 : 0.3),
      vLineWidth: () => 0,
      hLineColor: () => '#BBBBBB',
      fillColor: (row: number) => (row === 0 ? '#2F5597' : row % 2 === 0 ? '#F5F7FB' : null),
      paddingTop: () => 2,
      paddingBottom: () => 2,
    },
    margin: [0, 2, 0, 10],
  };
}

/**
 * A paginated document: title, organization, date and source on the first page, the legend
 * where a section shows depths, tables whose header row repeats on every page, and
 * "page N of M" with the organization and date in the footer.
 */
export async function writePdf(report: Report, path: string, counter: RowCounter, options: RunOptions): Promise<number> {
  const rows = totalRows(report);
  if (rows > MAX_PDF_ROWS) throw new ReportTooLargeError(`the report has about ${rows} rows; PDF is limited to ${MAX_PDF_ROWS}. Write it as CSV or XLSX, or ask for fewer roles or users`);
  configure();
  const wide = report.sections.some((s) => s.tables.some((t) => t.columns.length > 5));
  const pageWidth = wide ? 841.89 : 595.28;
  const margin = 36;
  const usable = pageWidth - 2 * margin;
  const content: Content[] = [{ text: report.title, style: 'title' }];
  content.push({
    table: { widths: [90, '*'], body: coverLines(report).slice(1).map(([k, v]) => [{ text: k, color: '#666666' }, { text: v }]) },
    layout: 'noBorders',
    margin: [0, 0, 0, 8],
  });
  for (const [i, section] of report.sections.entries()) {
    const big = section.tables.reduce((n, t) => n + t.size, 0) > 25;
    content.push({ text: section.title, style: 'h2', ...(i > 0 && big ? { pageBreak: 'before' as const } : {}) });
    if (section.note) content.push({ text: section.note, style: 'note' });
    if (section.legend) content.push(legend());
    for (const table of section.tables) {
      if (table.title) content.push({ text: table.title, style: 'h3' });
      content.push(await tableContent(table, usable, counter));
    }
  }
  options.signal?.throwIfAborted();
  const generated = report.generatedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
  const doc: TDocumentDefinitions = {
    pageSize: 'A4',
    pageOrientation: wide ? 'landscape' : 'portrait',
    pageMargins: [margin, margin, margin, 40],
    info: { title: report.title, subject: `${report.organization} · ${report.source}`, creator: 'RoleAtlas', producer: 'RoleAtlas' },
    content,
    footer: (currentPage: number, pageCount: number) => ({
      columns: [
        { text: `${report.organization} · ${report.title} · ${generated}`, alignment: 'left' },
        { text: `Page ${currentPage} of ${pageCount}`, alignment: 'right', width: 90 },
      ],
      margin: [margin, 12, margin, 0],
      fontSize: 7,
      color: '#666666',
    }),
    defaultStyle: { font: 'Roboto', fontSize: 8 },
    styles: {
      title: { fontSize: 18, bold: true, margin: [0, 0, 0, 6] },
      h2: { fontSize: 13, bold: true, margin: [0, 8, 0, 3] },
      h3: { fontSize: 10, bold: true, margin: [0, 4, 0, 2] },
      note: { color: '#555555', margin: [0, 0, 0, 3] },
      th: { bold: true, color: '#FFFFFF' },
    },
  };
  await pdfmake.createPdf(doc).write(path);
  return statSync(path).size;
}
