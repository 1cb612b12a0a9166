import type { Depth } from '../model/depth';

/**
 * A report independent of its format: the writers in src-main/reports turn it into CSV, XLSX,
 * PDF or HTML. Rows are produced lazily by generators, so a report of 50,000 users' access is
 * streamed to the file and never held whole in memory.
 */
export interface DepthCell {
  readonly kind: 'depth';
  /** null is None. */
  readonly depth: Depth | null;
}
export type Cell = string | number | boolean | null | DepthCell;

export const depthCell = (depth: Depth | null): DepthCell => ({ kind: 'depth', depth });
export const isDepthCell = (c: Cell): c is DepthCell => typeof c === 'object' && c !== null && c.kind === 'depth';

export type ColumnKind = 'text' | 'number' | 'depth' | 'boolean' | 'datetime';

export interface Column {
  readonly header: string;
  readonly kind: ColumnKind;
  /** Width in characters (XLSX, PDF proportions); writers guess from the header when absent. */
  readonly width?: number;
}

export interface Table {
  readonly title?: string;
  readonly columns: readonly Column[];
  /** Called once per write: a fresh iterator each time, so a report can be written twice. */
  rows(): Iterable<readonly Cell[]>;
  /**
   * The same rows as rows(), spelled as runs of cells named by number (see RunRows), for writers
   * that encode each distinct run once and then copy bytes. Optional; a fresh value per write.
   */
  runs?(): RunRows;
  /** Rows expected (exact or an estimate), for progress. */
  readonly size: number;
}

/**
 * Rows as concatenations of runs of cells: row r is the cells of run ids[r * runs], then of
 * ids[r * runs + 1], and so on, where id n in place j names the cells cells(j, n). A report of
 * every user's access repeats the same user, the same table/right/privilege/depth and the same
 * source millions of times, so a writer can encode each distinct run once and copy it after.
 */
export interface RunRows {
  /** Runs per row, each of at least one cell. */
  readonly runs: number;
  /** The cells id names in place j; the same for the whole write once the id has appeared in a batch. */
  cells(j: number, id: number): readonly Cell[];
  /** The rows in batches; a batch's ids may be overwritten once the next batch is asked for. */
  batches(): Iterable<RowBatch>;
}

export interface RowBatch {
  readonly count: number;
  readonly ids: Int32Array;
}

/** The rows a RunRows spells, one array each: what rows() returns for a table that has runs(). */
export function* rowsOfRuns(r: RunRows): Generator<Cell[]> {
  const k = r.runs;
  for (const { count, ids } of r.batches()) {
    for (let i = 0; i < count; i++) {
      const row: Cell[] = [];
      for (let j = 0; j < k; j++) for (const c of r.cells(j, ids[i * k + j])) row.push(c);
      yield row;
    }
  }
}

export interface Section {
  readonly title: string;
  readonly note?: string;
  readonly tables: readonly Table[];
  /** Show the depth legend with this section. */
  readonly legend?: boolean;
}

export type ReportKind = 'role-matrix' | 'user-access' | 'who-has-access' | 'role-compare' | 'bu-structure' | 'field-security' | 'findings' | 'audit';
export const REPORT_KINDS: readonly ReportKind[] = ['role-matrix', 'user-access', 'who-has-access', 'role-compare', 'bu-structure', 'field-security', 'findings', 'audit'];

export interface Report {
  readonly kind: ReportKind;
  readonly title: string;
  readonly organization: string;
  /** ISO 8601; passed in by the caller (the core reads no clock). */
  readonly generatedAt: string;
  /** What the report was made from: "file contoso.json", "vault V at journal seq 42". */
  readonly source: string;
  /** Parameters worth printing on the cover (the roles or users asked for, the period…). */
  readonly parameters: readonly (readonly [string, string])[];
  readonly sections: readonly Section[];
}

/** Where and when a report is made; the organization name comes from the state. */
export interface ReportContext {
  readonly generatedAt: string;
  readonly source: string;
}

export const totalRows = (r: Report): number => r.sections.reduce((n, s) => n + s.tables.reduce((m, t) => m + t.size, 0), 0);

/** The role editor's symbols and colours (RGB hex without #) and the edge labels of each depth. */
export const DEPTH_STYLE: Record<Depth | 'None', { readonly symbol: string; readonly fill: string; readonly label: string }> = {
  None: { symbol: '○', fill: 'FFFFFF', label: 'None' },
  Basic: { symbol: '◔', fill: 'FFE873', label: 'User (Basic)' },
  Local: { symbol: '◑', fill: 'E2EFA0', label: 'Business Unit (Local)' },
  Deep: { symbol: '◕', fill: 'B5DC8C', label: 'Parent: Child Business Units (Deep)' },
  Global: { symbol: '●', fill: '63B042', label: 'Organization (Global)' },
};

/** "◕ Deep": what a depth cell reads as in text formats. */
export const depthText = (d: Depth | null): string => `${DEPTH_STYLE[d ?? 'None'].symbol} ${d ?? 'None'}`;

/** Plain text of any cell, as CSV and PDF print it. */
export function cellText(c: Cell): string {
  if (c === null) return '';
  if (typeof c === 'string') return c;
  if (typeof c === 'number') return String(c);
  if (typeof c === 'boolean') return c ? 'Yes' : 'No';
  return depthText(c.depth);
}
