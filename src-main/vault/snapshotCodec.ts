import { ColumnarTable } from '../core/model/columnarTable';
import { pairKey, type OrgState } from '../core/model/org';
import { assignmentKey } from '../core/commands/roles';
import type { TableName } from '../core/commands/draft';

/**
 * A compact, trusted encoding of a state for snapshots: wide tables as columns (repeated strings
 * as a dictionary and indexes), keys derived from the rows instead of stored. It is only ever read
 * back after AES-GCM has authenticated it, so it skips the interchange format's validation, which
 * is what makes opening a million records fast.
 */
type Row = Record<string, unknown>;
/** A column: plain values, or a blob of strings joined by NUL, or a blob of int32s; dictionaries index a string column. */
type Values = unknown[] | { strings: number } | { ints: number };
type Column = Values | { dict: Values; idx: Values };
type EncodedTable = { n: number; cols: Record<string, Column>; keys?: string[] } | { rows: Row[]; keys?: string[] };
export interface EncodedState {
  organization: OrgState['organization'];
  tables: Record<TableName, EncodedTable>;
}

/** The key columns of every table hold strings (ids, logical names). */
type KeyRow = Readonly<Record<string, string>>;

const KEY_OF: Record<TableName, (r: KeyRow) => string> = {
  entities: (r) => r.logicalname,
  businessunits: (r) => r.businessunitid,
  systemusers: (r) => r.systemuserid,
  teams: (r) => r.teamid,
  teammembership: (r) => pairKey(r.teamid, r.systemuserid),
  roles: (r) => r.roleid,
  systemuserroles: (r) => assignmentKey(r.systemuserid, r.roleid, r.businessunitid),
  teamroles: (r) => assignmentKey(r.teamid, r.roleid, r.businessunitid),
  fieldsecurityprofiles: (r) => r.fieldsecurityprofileid,
  systemuserprofiles: (r) => pairKey(r.fieldsecurityprofileid, r.systemuserid),
  teamprofiles: (r) => pairKey(r.fieldsecurityprofileid, r.teamid),
  records: (r) => r.recordid,
  recordcounts: (r) => pairKey(r.entity, r.ownerid),
  shares: (r) => pairKey(r.recordid, r.principalid),
};
export const TABLES = Object.keys(KEY_OF) as TableName[];

/** Tables whose key is one column, so a lazily built table can take its keys from that column. */
const KEY_COLUMN: Partial<Record<TableName, string>> = { records: 'recordid', systemusers: 'systemuserid', businessunits: 'businessunitid', teams: 'teamid', roles: 'roleid' };
/** From this many rows on, a table is kept in columns after loading (see ColumnarTable). */
const LAZY_ROWS = 200_000;

const isFlat = (v: unknown) => v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

function sameShape(r: Row, names: readonly string[]): boolean {
  let n = 0;
  for (const k in r) {
    if (k !== names[n] || !isFlat(r[k])) return false;
    n++;
  }
  return n === names.length;
}

function encodeTable(name: TableName, map: ReadonlyMap<string, Row>, blobs: BlobWriter): EncodedTable {
  const rows = [...map.values()];
  const keyOf = KEY_OF[name];
  let derivable = true;
  for (const [k, r] of map) if (keyOf(r as KeyRow) !== k) { derivable = false; break; }
  const keys = derivable ? undefined : [...map.keys()];
  const names = rows.length ? Object.keys(rows[0]) : [];
  const columnar = rows.length > 0 && names.every((c) => SAFE_NAME.test(c)) && rows.every((r) => sameShape(r, names));
  if (!columnar) return keys ? { rows, keys } : { rows };
  const cols: Record<string, Column> = {};
  for (const c of names) {
    const values = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) values[i] = rows[i][c];
    const d = dictionary(values);
    cols[c] = d ? { dict: blobs.put(d.dict), idx: blobs.put(d.idx) } : blobs.put(values);
  }
  return keys ? { n: rows.length, cols, keys } : { n: rows.length, cols };
}

const SAFE_NAME = /^[a-z_][a-z0-9_]*$/i;

/** Strings that repeat (owners, units, tables) as a dictionary, when a sample says they do. */
function dictionary(values: unknown[]): { dict: string[]; idx: number[] } | null {
  if (values.length < 16 || typeof values[0] !== 'string') return null;
  const sample = new Set(values.slice(0, 2000));
  if (sample.size > Math.min(values.length, 2000) / 4) return null;
  const index = new Map<string, number>();
  const idx = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'string') return null;
    let k = index.get(v);
    if (k === undefined) {
      if (index.size > values.length / 4) return null;
      index.set(v, (k = index.size));
    }
    idx[i] = k;
  }
  return { dict: [...index.keys()], idx };
}

class BlobWriter {
  readonly parts: Buffer[] = [];
  put(values: unknown[]): Values {
    if (values.every((v) => typeof v === 'number' && (v | 0) === v)) {
      this.parts.push(Buffer.from(Int32Array.from(values as number[]).buffer));
      return { ints: this.parts.length - 1 };
    }
    if (values.every((v) => typeof v === 'string' && !v.includes('\0'))) {
      this.parts.push(Buffer.from((values as string[]).join('\0'), 'utf8'));
      return { strings: this.parts.length - 1 };
    }
    return values;
  }
}

/**
 * The snapshot body: u32 length of a JSON part (everything small, and the table layout), the JSON,
 * then the blobs, each preceded by its u32 length. `meta` travels in the JSON part.
 */
export function encodeState(s: OrgState, meta: Record<string, unknown>): Buffer {
  const blobs = new BlobWriter();
  const tables = {} as Record<TableName, EncodedTable>;
  for (const t of TABLES) tables[t] = encodeTable(t, s[t] as unknown as ReadonlyMap<string, Row>, blobs);
  const head = Buffer.from(JSON.stringify({ meta, organization: s.organization, tables, blobs: blobs.parts.length }), 'utf8');
  const out: Buffer[] = [u32(head.length), head];
  for (const b of blobs.parts) out.push(u32(b.length), b);
  return Buffer.concat(out);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

/** Reads the JSON part only: what a reader needs before deciding to decode the whole state. */
export function readMeta(body: Buffer): Record<string, unknown> {
  return (JSON.parse(body.toString('utf8', 4, 4 + body.readUInt32LE(0))) as { meta: Record<string, unknown> }).meta;
}

export function decodeSnapshot(body: Buffer): { meta: Record<string, unknown>; state: OrgState } {
  const headLen = body.readUInt32LE(0);
  const head = JSON.parse(body.toString('utf8', 4, 4 + headLen)) as EncodedState & { meta: Record<string, unknown>; blobs: number };
  const blobs: Buffer[] = [];
  let at = 4 + headLen;
  for (let i = 0; i < head.blobs; i++) {
    const n = body.readUInt32LE(at);
    blobs.push(body.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  const values = (v: Values): unknown[] => {
    if (Array.isArray(v)) return v;
    if ('ints' in v) {
      const b = blobs[v.ints];
      const aligned = new Int32Array(b.length / 4);
      new Uint8Array(aligned.buffer).set(b);
      return aligned as unknown as unknown[];
    }
    const b = blobs[v.strings];
    return b.length === 0 ? [''] : b.toString('utf8').split('\0');
  };
  const state = decodeState(head, values);
  return { meta: head.meta, state };
}

function decodeTable(name: TableName, t: EncodedTable | undefined, values: (v: Values) => unknown[]): Map<string, Row> {
  const out = new Map<string, Row>();
  const keyOf = KEY_OF[name];
  // A snapshot written before the table existed holds none of its rows.
  if (t === undefined) return out;
  if ('rows' in t) {
    t.rows.forEach((r, i) => out.set(t.keys ? t.keys[i] : keyOf(r as KeyRow), r));
    return out;
  }
  // One object literal per row, built by a function made for this column list: every row gets the
  // same hidden class, which is several times faster than adding properties one by one.
  const names = Object.keys(t.cols);
  if (!names.every((c) => SAFE_NAME.test(c))) throw new Error(`snapshot: bad column name in ${name}`);
  const args: unknown[] = [];
  const fields = names.map((c) => {
    const col = t.cols[c];
    if (!('dict' in col)) {
      args.push(values(col));
      return `${c}: a${args.length - 1}[i]`;
    }
    args.push(values(col.dict), values(col.idx));
    return `${c}: a${args.length - 2}[a${args.length - 1}[i]]`;
  });
  // eslint-disable-next-line @typescript-eslint/no-implied-eval, @typescript-eslint/no-unsafe-call -- the row builder is generated on purpose (above); column names are checked against SAFE_NAME first
  const build = new Function(...args.map((_, k) => `a${k}`), `return (i) => ({ ${fields.join(', ')} });`)(...args) as (i: number) => Row;
  // Large tables stay in their columns until rows are asked for (the state is read-only).
  const keyColumn = KEY_COLUMN[name];
  if (t.n >= LAZY_ROWS && (t.keys || (keyColumn && keyColumn in t.cols && !('dict' in t.cols[keyColumn])))) {
    const keys = t.keys ?? (values(t.cols[keyColumn!] as Values) as string[]);
    return new ColumnarTable(keys, build) as unknown as Map<string, Row>;
  }
  for (let i = 0; i < t.n; i++) {
    const r = build(i);
    out.set(t.keys ? t.keys[i] : keyOf(r as KeyRow), r);
  }
  return out;
}

function decodeState(e: EncodedState, values: (v: Values) => unknown[]): OrgState {
  const s: Record<string, unknown> = { organization: e.organization };
  for (const t of TABLES) s[t] = decodeTable(t, e.tables[t], values);
  return s as unknown as OrgState;
}
