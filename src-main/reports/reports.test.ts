import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { parse as parseCsv } from 'csv-parse/sync';
import { demoOrganization } from '../core/generate/demo';
import { syntheticOrganization } from '../core/generate/synthetic';
import { AccessEngine } from '../core/access/engine';
import { applyAll } from '../core/commands/apply';
import { findings } from '../core/findings/index';
import { auditReport, businessUnitReport, DEPTH_STYLE, fieldSecurityReport, findingsReport, roleCompareReport, roleMatrixReport, userAccessReport, whoHasAccessReport, type AuditEntryLike } from '../core/reports/index';
import { csvField } from './csv';
import { ReportTooLargeError, writeReport, type ReportProgress } from './run';

const state = demoOrganization();
const ctx = { generatedAt: '2026-03-01T10:00:00.000Z', source: 'file contoso.json' };
const roleNamed = (n: string) => [...state.roles.values()].find((r) => r.name === n)!;
const userNamed = (n: string) => [...state.systemusers.values()].find((u) => u.fullname === n)!;
const RESULTS = join(process.cwd(), 'test-results');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'roleatlas-reports-'));
  mkdirSync(RESULTS, { recursive: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const readCsv = (path: string): string[][] => parseCsv(readFileSync(path), { bom: true, relax_column_count: true, skip_empty_lines: false });

describe('CSV', () => {
  it('escapes cells a spreadsheet would run as formulas', () => {
    for (const s of ['=1+2', '+1', '-1', '@SUM(A1)', '\tx', '\rx']) expect(csvField(s).replace(/^"|"$/g, '')).toMatch(/^'/);
    expect(csvField('Sales, West')).toBe('"Sales, West"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField(-5)).toBe('-5');
  });

  it('writes the role matrix whose depths read back as the role holds them', async () => {
    const sales = roleNamed('Salesperson');
    const path = join(dir, 'matrix.csv');
    await writeReport(roleMatrixReport(state, ctx, [sales.roleid]), 'csv', path);
    const rows = readCsv(path);
    expect(rows[0]).toEqual(['Report', 'Role privileges: Salesperson']);
    expect(rows).toContainEqual(['Organization', 'Contoso']);
    expect(rows).toContainEqual(['Source', 'file contoso.json']);
    const header = rows.findIndex((r) => r[0] === 'Group' && r[2] === 'Create');
    const account = rows.slice(header).find((r) => r[1] === 'Account')!;
    expect(account[3]).toBe(sales.privileges.prvReadAccount);
    expect(account[5]).toBe(sales.privileges.prvDeleteAccount ?? 'None');
  });

  it('shows privileges the catalog does not know in the role matrix, marked unverified, never dropped', async () => {
    const r = applyAll(state, [{ type: 'createRole', roleid: 'imported', name: 'Imported', privileges: { prvReadAccount: 'Local', prvReadcr5db_Project: 'Deep', prvControlDecrementTerm: 'Global' } }]);
    if (!r.ok) throw new Error(r.error.message);
    const path = join(dir, 'unverified.csv');
    await writeReport(roleMatrixReport(r.state, ctx, ['imported']), 'csv', path);
    const rows = readCsv(path);
    expect(rows).toContainEqual(['Unverified', 'cr5db_Project', '', 'Deep', '', '', '', '', '', '', 'unverified']);
    expect(rows).toContainEqual(['Unverified', 'ControlDecrementTerm', 'Global', 'unverified']);
    expect(rows.find((x) => x[1] === 'Account')!.at(-1)).toBe('');
  });

  it('escapes a role name starting with = in the file', async () => {
    const r = applyAll(state, [{ type: 'createRole', roleid: 'evil', name: '=HYPERLINK("http://x")', privileges: {} }]);
    if (!r.ok) throw new Error(r.error.message);
    const path = join(dir, 'evil.csv');
    await writeReport(roleMatrixReport(r.state, ctx, ['evil']), 'csv', path);
    expect(readCsv(path)).toContainEqual(expect.arrayContaining(["'=HYPERLINK(\"http://x\")"]));
  });

  it("writes every user's effective access: one row per table and right held, depth as the engine says", async () => {
    const path = join(dir, 'access.csv');
    const progress: ReportProgress[] = [];
    const w = await writeReport(userAccessReport(state, ctx), 'csv', path, { onProgress: (p) => progress.push(p) });
    const rows = readCsv(path);
    const header = rows.findIndex((r) => r[0] === 'User' && r[3] === 'Table');
    const data = rows.slice(header + 1).filter((r) => r.length === 8);
    expect(data).toHaveLength(w.rows);
    const engine = AccessEngine.of(state);
    const jordan = userNamed('Jordan West');
    const read = data.find((r) => r[0] === 'Jordan West' && r[3] === 'Account' && r[4] === 'Read')!;
    expect(read[6]).toBe(engine.explain(jordan.systemuserid, 'account', 'Read').depth);
    expect(read[7]).toContain('Sales Manager (direct)');
    expect(data.some((r) => r[0] === 'Pat Former')).toBe(false); // disabled: no access
    expect(progress[progress.length - 1].fraction).toBe(1);
  });
});

describe('XLSX', () => {
  it('is a real workbook: a sheet per role, frozen filtered header, coloured depths, widths', async () => {
    const ids = ['Salesperson', 'Omnichannel agent'].map((n) => roleNamed(n).roleid);
    const path = join(dir, 'matrix.xlsx');
    await writeReport(roleMatrixReport(state, ctx, ids), 'xlsx', path);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(path);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Report', 'Roles', 'Salesperson', 'Omnichannel agent']);
    const cover = wb.getWorksheet('Report')!;
    expect(cover.getCell('B2').value).toBe('Contoso');
    const ws = wb.getWorksheet('Salesperson')!;
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 2 });
    expect(ws.autoFilter).toBeTruthy();
    expect(ws.getColumn(2).width).toBe(36); // the widest of the tables on the sheet (Table 30, Privilege 36)
    const header = ws.getRow(2).values as unknown[];
    expect(header.slice(1, 4)).toEqual(['Group', 'Table', 'Create']);
    let account: ExcelJS.Row | undefined;
    ws.eachRow((row) => {
      if (row.getCell(2).value === 'Account') account = row;
    });
    const read = account!.getCell(4);
    const depth = roleNamed('Salesperson').privileges.prvReadAccount;
    expect(read.value).toBe(`${DEPTH_STYLE[depth].symbol} ${depth}`);
    expect((read.fill as ExcelJS.FillPattern).fgColor?.argb).toBe(`FF${DEPTH_STYLE[depth].fill}`);
  });

  it('writes business units, field security and findings as sheets', async () => {
    for (const [name, report] of [
      ['bu', businessUnitReport(state, ctx)],
      ['fls', fieldSecurityReport(state, ctx)],
      ['findings', findingsReport(state, ctx, findings(state))],
    ] as const) {
      const path = join(dir, `${name}.xlsx`);
      await writeReport(report, 'xlsx', path);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.readFile(path);
      expect(wb.worksheets.map((w) => w.name)).toEqual(['Report', ...report.sections.map((s) => s.title)]);
    }
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(dir, 'bu.xlsx'));
    const members: string[] = [];
    wb.getWorksheet('Members')!.eachRow((row, i) => {
      if (i > 2) members.push(String(row.getCell(2).value));
    });
    expect(members.sort()).toEqual([...state.systemusers.values()].map((u) => u.fullname).sort());
  });
});

describe('PDF', () => {
  it('has the title, organization, date, page numbers and the rows, and page 1 renders', async () => {
    const path = join(dir, 'compare.pdf');
    const report = roleCompareReport(state, ctx, { role: roleNamed('Salesperson'), label: 'now' }, { role: roleNamed('Sales Manager'), label: 'now' });
    await writeReport(report, 'pdf', path);
    const text = execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
    expect(text).toContain('Role comparison: Salesperson vs Sales Manager');
    expect(text).toContain('Contoso');
    expect(text).toContain('2026-03-01');
    expect(text).toMatch(/Page 1 of \d+/);
    expect(text).toContain('raised');
    const pages = Number(/Page 1 of (\d+)/.exec(text)![1]);
    if (pages > 1) expect(text).toContain(`Page ${pages} of ${pages}`);
    execFileSync('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', path, join(RESULTS, 'report-role-compare-page1')]);
    expect(statSync(join(RESULTS, 'report-role-compare-page1.png')).size).toBeGreaterThan(10_000);
  });

  it("repeats the header row on every page of a long table (one user's access)", async () => {
    const path = join(dir, 'access.pdf');
    await writeReport(userAccessReport(state, ctx, [userNamed('Avery Admin').systemuserid]), 'pdf', path);
    const text = execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
    const pages = text.split('\f').filter((p) => p.trim());
    // The effective-depth grid comes first; from the first page of the detail table on, every page repeats its header.
    const first = pages.findIndex((p) => /Table\s+Right\s+Privilege\s+Depth\s+Source/.test(p));
    expect(first).toBeGreaterThan(0);
    expect(pages.length - first).toBeGreaterThan(3);
    for (const p of pages.slice(first)) expect(p).toMatch(/Table\s+Right\s+Privilege\s+Depth\s+Source/);
    execFileSync('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', path, join(RESULTS, 'report-user-access-page1')]);
  });

  it('refuses a PDF too large to read on paper, without leaving a file', async () => {
    const big = syntheticOrganization({ users: 2000, businessunits: 50, teams: 100, roles: 40, records: 1000, shares: 100, popularRoleHolders: 100 });
    const path = join(dir, 'big.pdf');
    await expect(writeReport(userAccessReport(big, ctx), 'pdf', path)).rejects.toBeInstanceOf(ReportTooLargeError);
    expect(existsSync(path)).toBe(false);
  });
});

describe('HTML', () => {
  it('is one page with the cover, legend and escaped rows', async () => {
    const path = join(dir, 'who.html');
    await writeReport(whoHasAccessReport(state, ctx, { entity: 'account', right: 'Delete', minDepth: 'Local' }), 'html', path);
    const html = readFileSync(path, 'utf8');
    expect(html).toContain('<h1>Who can Delete Account at Local or deeper</h1>');
    expect(html).toContain('Contoso');
    expect(html).toContain('Organization (Global)');
    const engine = AccessEngine.of(state);
    const priv = engine.catalog.privilegeFor('account', 'Delete')!;
    const expected = [...state.systemusers.values()].filter((u) => engine.levelOf(engine.userIndex(u.systemuserid)!, priv.index) >= 2);
    for (const u of expected) expect(html).toContain(`<td>${u.fullname}</td>`);
    expect((html.match(/<tr><td>/g) ?? []).length).toBeGreaterThanOrEqual(expected.length);
  });
});

describe('the audit log report', () => {
  const entry = (seq: number, prevhash: string, hash: string): AuditEntryLike => ({
    seq,
    at: `2026-02-0${seq}T09:00:00.000Z`,
    actor: 'avery',
    command: { type: 'setRolePrivilege' },
    summary: `change ${seq}`,
    changes: [{ table: 'role', key: 'r1', before: { depth: 'Basic' }, after: { depth: 'Deep' } }],
    hash,
    prevhash,
  });
  it('shows the period asked for and flags a broken link', async () => {
    const entries = [entry(1, '0', 'a'), entry(2, 'a', 'b'), entry(3, 'x', 'c'), entry(4, 'c', 'd')];
    const r = auditReport('Contoso', ctx, entries, { from: '2026-02-02', to: '2026-02-04' });
    const path = join(dir, 'audit.csv');
    await writeReport(r, 'csv', path);
    const rows = readCsv(path);
    const shown = rows.filter((x) => /^\d+$/.test(x[0]) && x.length === 7);
    expect(shown.map((x) => x[0])).toEqual(['2', '3']);
    expect(shown.map((x) => x[6])).toEqual(['linked', 'BROKEN']);
    expect(rows).toContainEqual(['Chain', 'BROKEN links found']);
  });
});

describe('progress and cancellation', () => {
  it('stops when aborted, rejects with the reason and leaves no file', async () => {
    const big = syntheticOrganization({ users: 3000, businessunits: 50, teams: 100, roles: 60, records: 1000, shares: 100, popularRoleHolders: 100 });
    const path = join(dir, 'cancelled.csv');
    const controller = new AbortController();
    const seen: ReportProgress[] = [];
    const reason = new Error('cancelled by the admin');
    const run = writeReport(userAccessReport(big, ctx), 'csv', path, {
      signal: controller.signal,
      onProgress: (p) => {
        seen.push(p);
        if (seen.length === 2) controller.abort(reason);
      },
    });
    await expect(run).rejects.toBe(reason);
    expect(seen.length).toBe(2);
    expect(seen[1].fraction).toBeGreaterThan(0);
    expect(seen[1].fraction).toBeLessThan(1);
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('cancelled'))).toEqual([]);
  });
});
