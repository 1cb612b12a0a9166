import type { OrgState, Organization } from '../model/org';

export type TableName = Exclude<keyof OrgState, 'organization'>;
type RowOf<T extends TableName> = OrgState[T] extends ReadonlyMap<string, infer R> ? R : never;

/** One row written by a command: before is null for a create, after is null for a delete. */
export interface Change {
  readonly table: TableName | 'organization';
  readonly key: string;
  readonly before: unknown;
  readonly after: unknown;
}

/**
 * Tables copied again by each command of a batch that writes them: the catalog is memoised on the
 * custom-table map, so a map the catalog was built from must never change under it.
 */
const COPIED_PER_COMMAND: ReadonlySet<TableName> = new Set(['entities']);

/**
 * A copy-on-write view of a state: a table is copied the first time it is written, so a command
 * on roles never copies the million records. A batch (applyAll) runs all its commands over one
 * draft, each table copied once for the whole batch rather than once per command: 2,000 role
 * assignments on a 50,000-user organization copied the 100,000 assignments 2,000 times.
 */
export class Draft {
  /** The tables as the commands so far leave them: the base's, or a copy this draft owns. */
  private readonly tables = new Map<TableName, Map<string, unknown>>();
  private readonly owned = new Set<TableName>();
  private organization: Organization;
  readonly changes: Change[] = [];

  constructor(readonly base: OrgState) {
    this.organization = base.organization;
  }

  get org(): Organization {
    return this.organization;
  }

  table<T extends TableName>(name: T): ReadonlyMap<string, RowOf<T>> {
    return (this.tables.get(name) ?? this.base[name]) as ReadonlyMap<string, RowOf<T>>;
  }

  get<T extends TableName>(name: T, key: string): RowOf<T> | undefined {
    return this.table(name).get(key);
  }

  put<T extends TableName>(name: T, key: string, row: RowOf<T>): void {
    const map = this.writable(name);
    this.changes.push({ table: name, key, before: map.get(key) ?? null, after: row });
    map.set(key, row);
  }

  delete<T extends TableName>(name: T, key: string): void {
    const map = this.writable(name);
    const before = map.get(key);
    if (before === undefined) return;
    this.changes.push({ table: name, key, before, after: null });
    map.delete(key);
  }

  setOrganization(next: Organization): void {
    this.changes.push({ table: 'organization', key: 'organization', before: this.organization, after: next });
    this.organization = next;
  }

  /** The next command of a batch starts: where its changes begin. */
  begin(): number {
    for (const t of COPIED_PER_COMMAND) this.owned.delete(t);
    return this.changes.length;
  }

  /** The state as the commands so far leave it, over the draft's live tables: read it before the next command writes. */
  view(): OrgState {
    const next: Record<string, unknown> = { ...this.base, organization: this.organization };
    for (const [name, map] of this.tables) next[name] = map;
    return next as unknown as OrgState;
  }

  /** The state the commands lead to; the draft is not written after this. */
  finish(): OrgState {
    return this.view();
  }

  private writable(name: TableName): Map<string, unknown> {
    const current = this.tables.get(name);
    if (current && this.owned.has(name)) return current;
    const map = new Map(current ?? (this.base[name] as ReadonlyMap<string, unknown>));
    this.tables.set(name, map);
    this.owned.add(name);
    return map;
  }
}

/**
 * The state before a command, read through the state right after it and the rows it wrote (each
 * row's first `before`): what undoing it needs, without a copy of the tables per command. Valid
 * only until the next command writes.
 */
export function stateBefore(after: OrgState, changes: readonly Change[]): OrgState {
  if (!changes.length) return after;
  const written = new Map<string, Map<string, unknown>>();
  let organization: unknown;
  for (const c of changes) {
    if (c.table === 'organization') {
      organization ??= c.before;
      continue;
    }
    let rows = written.get(c.table);
    if (!rows) written.set(c.table, (rows = new Map<string, unknown>()));
    if (!rows.has(c.key)) rows.set(c.key, c.before);
  }
  const out: Record<string, unknown> = { ...after, ...(organization === undefined ? {} : { organization }) };
  for (const [table, rows] of written) out[table] = new RowsBefore<unknown>(after[table as TableName], rows);
  return out as unknown as OrgState;
}

/** A table as it was: the rows now, except those a command wrote, which read as they were (null: not there). */
class RowsBefore<V> implements ReadonlyMap<string, V> {
  constructor(
    private readonly now: ReadonlyMap<string, V>,
    private readonly was: ReadonlyMap<string, unknown>,
  ) {}
  get(key: string): V | undefined {
    return this.was.has(key) ? ((this.was.get(key) ?? undefined) as V | undefined) : this.now.get(key);
  }
  has(key: string): boolean {
    return this.get(key) !== undefined;
  }
  get size(): number {
    let n = 0;
    for (const _ of this.entries()) n++;
    return n;
  }
  *entries(): MapIterator<[string, V]> {
    for (const [k, v] of this.now) {
      if (!this.was.has(k)) yield [k, v];
      else if (this.was.get(k) !== null) yield [k, this.was.get(k) as V];
    }
    for (const [k, v] of this.was) if (v !== null && !this.now.has(k)) yield [k, v as V];
  }
  *keys(): MapIterator<string> {
    for (const [k] of this.entries()) yield k;
  }
  *values(): MapIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }
  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }
  forEach(fn: (value: V, key: string, map: ReadonlyMap<string, V>) => void): void {
    for (const [k, v] of this.entries()) fn(v, k, this);
  }
}

/**
 * The state before `changes`, as a state of its own: each row put back to what it was, last change
 * first, each table written copied once. stateBefore reads the same without copying, but only for
 * the moment before the next command writes; this one lasts (the organization as last pulled).
 */
export function takenBack(state: OrgState, changes: readonly Change[]): OrgState {
  if (!changes.length) return state;
  const out = { ...state } as unknown as Record<string, unknown>;
  const copied = new Set<string>();
  for (let i = changes.length - 1; i >= 0; i--) {
    const c = changes[i];
    if (c.table === 'organization') {
      out.organization = c.before;
      continue;
    }
    if (!copied.has(c.table)) {
      out[c.table] = new Map(out[c.table] as Map<string, unknown>);
      copied.add(c.table);
    }
    const rows = out[c.table] as Map<string, unknown>;
    if (c.before === null || c.before === undefined) rows.delete(c.key);
    else rows.set(c.key, c.before);
  }
  return out as unknown as OrgState;
}
