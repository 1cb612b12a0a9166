/**
 * A read-only table of rows kept in columns, built only when a row is asked for. The vault loads
 * its largest tables (a million records) this way: opening the vault then costs no per-row object
 * or map entry, and the key index is built on the first lookup by key. Iterating yields fresh row
 * objects (equal, not identical, between two passes); a command that writes to the table copies it
 * into an ordinary Map, as it does any table.
 */
export class ColumnarTable<V> implements ReadonlyMap<string, V> {
  private index?: Map<string, number>;

  constructor(
    private readonly keyList: readonly string[],
    private readonly row: (i: number) => V,
  ) {}

  get size(): number {
    return this.keyList.length;
  }

  get(key: string): V | undefined {
    const i = this.lookup().get(key);
    return i === undefined ? undefined : this.row(i);
  }

  has(key: string): boolean {
    return this.lookup().has(key);
  }

  keys(): MapIterator<string> {
    return this.keyList[Symbol.iterator]();
  }

  *values(): MapIterator<V> {
    for (let i = 0; i < this.keyList.length; i++) yield this.row(i);
  }

  *entries(): MapIterator<[string, V]> {
    for (let i = 0; i < this.keyList.length; i++) yield [this.keyList[i], this.row(i)];
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: string, map: ReadonlyMap<string, V>) => void): void {
    for (let i = 0; i < this.keyList.length; i++) callback(this.row(i), this.keyList[i], this);
  }

  private lookup(): Map<string, number> {
    if (!this.index) {
      const m = new Map<string, number>();
      for (let i = 0; i < this.keyList.length; i++) m.set(this.keyList[i], i);
      this.index = m;
    }
    return this.index;
  }
}
