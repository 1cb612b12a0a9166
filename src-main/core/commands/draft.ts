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
 * A copy-on-write view of a state for one command: a table is copied the first time the command
 * writes to it, so a command on roles never copies the million records.
 */
export class Draft {
  private readonly copied = new Map<TableName, Map<string, unknown>>();
  private organization: Organization;
  readonly changes: Change[] = [];

  constructor(readonly base: OrgState) {
    this.organization = base.organization;
  }

  get org(): Organization {
    return this.organization;
  }

  table<T extends TableName>(name: T): ReadonlyMap<string, RowOf<T>> {
    return (this.copied.get(name) ?? this.base[name]) as ReadonlyMap<string, RowOf<T>>;
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

  finish(): OrgState {
    const next: Record<string, unknown> = { ...this.base, organization: this.organization };
    for (const [name, map] of this.copied) next[name] = map;
    return next as unknown as OrgState;
  }

  private writable(name: TableName): Map<string, unknown> {
    let map = this.copied.get(name);
    if (!map) {
      map = new Map(this.base[name] as ReadonlyMap<string, unknown>);
      this.copied.set(name, map);
    }
    return map;
  }
}
