import { DEPTHS } from '../core/model/depth';
import { DEPTH_STYLE, isDepthCell, type Cell, type Report } from '../core/reports/model';
import { coverLines } from './csv';
import { RowCounter, type RunOptions } from './progress';
import { TextSink } from './textSink';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The role editor's pie as a CSS conic gradient: a quarter for Basic up to full for Global. */
const PIE: Record<string, string> = Object.fromEntries(
  ['None', ...DEPTHS].map((d, i) => [d, `<span class="pie" style="background:conic-gradient(#${DEPTH_STYLE[d as keyof typeof DEPTH_STYLE].fill === 'FFFFFF' ? 'fff' : DEPTH_STYLE[d as keyof typeof DEPTH_STYLE].fill} 0 ${i * 25}%, #fff ${i * 25}% 100%)"></span>`]),
);

function td(c: Cell): string {
  if (isDepthCell(c)) {
    const d = c.depth ?? 'None';
    return `<td class="depth d-${d}">${PIE[d]}${d}</td>`;
  }
  if (typeof c === 'number') return `<td class="num">${c}</td>`;
  if (c === null) return '<td></td>';
  return `<td>${esc(typeof c === 'boolean' ? (c ? 'Yes' : 'No') : c)}</td>`;
}

const CSS = `body{font:13px system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#222}
h1{font-size:22px;margin:0 0 8px}h2{font-size:17px;margin:28px 0 6px;border-bottom:1px solid #ccc}h3{font-size:14px;margin:14px 0 4px}
.cover td{padding:1px 12px 1px 0}.cover td:first-child{color:#666}
table.data{border-collapse:collapse;margin:6px 0 12px}table.data th{position:sticky;top:0;background:#2f5597;color:#fff;text-align:left;padding:4px 6px}
table.data td{border-bottom:1px solid #e4e4e4;padding:3px 6px;vertical-align:top}table.data tr:nth-child(even) td{background:#f7f9fc}
td.num{text-align:right}.depth{white-space:nowrap}.pie{display:inline-block;width:11px;height:11px;border-radius:50%;border:1px solid #555;margin-right:5px;vertical-align:-1px}
.note{color:#555;margin:2px 0 8px}.legend span.item{margin-right:14px;white-space:nowrap}
@media print{table.data th{position:static}h2{break-before:page}}`;

/** A single self-contained page: cover, legend, a heading and table per section, rows streamed. */
export async function writeHtml(report: Report, path: string, counter: RowCounter, _options: RunOptions): Promise<number> {
  const sink = await TextSink.open(path);
  try {
    sink.write(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(report.title)} · ${esc(report.organization)}</title><style>${CSS}</style></head><body>\n`);
    sink.write(`<h1>${esc(report.title)}</h1><table class="cover">`);
    for (const [k, v] of coverLines(report).slice(1)) sink.write(`<tr><td>${esc(k)}</td><td>${esc(v)}</td></tr>`);
    sink.write('</table>\n');
    if (report.sections.some((s) => s.legend)) {
      sink.write(`<p class="legend">${['None', ...DEPTHS].map((d) => `<span class="item">${PIE[d]}${esc(DEPTH_STYLE[d as keyof typeof DEPTH_STYLE].label)}</span>`).join('')}</p>\n`);
    }
    for (const section of report.sections) {
      sink.write(`<section><h2>${esc(section.title)}</h2>${section.note ? `<p class="note">${esc(section.note)}</p>` : ''}\n`);
      for (const table of section.tables) {
        if (table.title) sink.write(`<h3>${esc(table.title)}</h3>`);
        sink.write(`<table class="data"><thead><tr>${table.columns.map((c) => `<th>${esc(c.header)}</th>`).join('')}</tr></thead><tbody>\n`);
        for (const row of table.rows()) {
          if (sink.write(`<tr>${row.map(td).join('')}</tr>\n`)) await sink.flush();
          if (counter.step()) await counter.tick();
        }
        sink.write('</tbody></table>\n');
      }
      sink.write('</section>\n');
    }
    sink.write('</body></html>\n');
    await sink.close();
    return sink.bytes;
  } catch (e) {
    sink.destroy();
    throw e;
  }
}
