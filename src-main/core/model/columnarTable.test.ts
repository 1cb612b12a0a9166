import { describe, expect, it } from 'vitest';
import { ColumnarTable } from './columnarTable';

describe('a columnar table', () => {
  const ids = ['a', 'b', 'c'];
  const owners = ['u1', 'u2', 'u1'];
  const table = new ColumnarTable(ids, (i) => ({ recordid: ids[i], ownerid: owners[i] }));

  it('reads like a map: size, get, has, keys, values, entries, forEach', () => {
    expect(table.size).toBe(3);
    expect(table.get('b')).toEqual({ recordid: 'b', ownerid: 'u2' });
    expect(table.get('z')).toBeUndefined();
    expect(table.has('c')).toBe(true);
    expect([...table.keys()]).toEqual(ids);
    expect([...table.values()].map((r) => r.ownerid)).toEqual(owners);
    expect(new Map(table)).toEqual(new Map(ids.map((id, i) => [id, { recordid: id, ownerid: owners[i] }])));
    const seen: string[] = [];
    table.forEach((v, k) => seen.push(`${k}:${v.ownerid}`));
    expect(seen).toEqual(['a:u1', 'b:u2', 'c:u1']);
  });
});
