import type { DataRecord, Id, RecordCount, Share } from '../model/org';
import { memoByRefs } from './memo';

/**
 * Records in columns, numbered densely, with counts per (entity, owner). Owners keep their own
 * numbering so this index survives changes to users, teams and units: a record's unit is always
 * its owner's, looked up when needed. Count rows (records counted in the environment, not held
 * one by one) add to the same per-owner counts and totals without a record number each, so twelve
 * thousand counted accounts cost one entry, not twelve thousand.
 */
export interface RecordIndex {
  readonly index: ReadonlyMap<Id, number>;
  readonly ids: readonly Id[];
  readonly entity: Int32Array;
  readonly owner: Int32Array;
  readonly entityNames: readonly string[];
  readonly entityIndex: ReadonlyMap<string, number>;
  readonly ownerIds: readonly Id[];
  readonly ownerIndex: ReadonlyMap<Id, number>;
  /** entity -> records per owner. */
  readonly ownerCounts: readonly Int32Array[];
  readonly entityTotals: Int32Array;
  /**
   * A 32-bit hash of each record's id, and their XOR per (entity, owner) and per entity: the XOR
   * over a set of records fingerprints the set, so a diff sees a change of reachable records
   * even when their number stays the same.
   */
  readonly recordHash: Int32Array;
  readonly ownerXor: readonly Int32Array[];
  readonly entityXor: Int32Array;
}

/** FNV-1a, then a final mix so neighbouring ids spread over all bits. */
export function hashId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h | 0;
}

/** A count row's part of the fingerprint: another count for the owner is another set of records. */
const countHash = (c: RecordCount) => hashId(`count|${c.entity}|${c.ownerid}|${c.count}`);

export const recordIndexOf = memoByRefs((records: ReadonlyMap<Id, DataRecord>, recordcounts: ReadonlyMap<string, RecordCount>): RecordIndex => {
  const n = records.size;
  const index = new Map<Id, number>();
  const ids = new Array<Id>(n);
  const entity = new Int32Array(n);
  const owner = new Int32Array(n);
  const entityNames: string[] = [];
  const entityIndex = new Map<string, number>();
  const ownerIds: Id[] = [];
  const ownerIndex = new Map<Id, number>();
  let i = 0;
  for (const r of records.values()) {
    let e = entityIndex.get(r.entity);
    if (e === undefined) {
      e = entityNames.length;
      entityNames.push(r.entity);
      entityIndex.set(r.entity, e);
    }
    let o = ownerIndex.get(r.ownerid);
    if (o === undefined) {
      o = ownerIds.length;
      ownerIds.push(r.ownerid);
      ownerIndex.set(r.ownerid, o);
    }
    ids[i] = r.recordid;
    index.set(r.recordid, i);
    entity[i] = e;
    owner[i] = o;
    i++;
  }
  const entityOf = (name: string) => {
    let e = entityIndex.get(name);
    if (e === undefined) {
      e = entityNames.length;
      entityNames.push(name);
      entityIndex.set(name, e);
    }
    return e;
  };
  const ownerOf = (id: Id) => {
    let o = ownerIndex.get(id);
    if (o === undefined) {
      o = ownerIds.length;
      ownerIds.push(id);
      ownerIndex.set(id, o);
    }
    return o;
  };
  const counted: { e: number; o: number; n: number; h: number }[] = [];
  for (const c of recordcounts.values()) if (c.count > 0) counted.push({ e: entityOf(c.entity), o: ownerOf(c.ownerid), n: c.count, h: countHash(c) });
  const ownerCounts = entityNames.map(() => new Int32Array(ownerIds.length));
  const ownerXor = entityNames.map(() => new Int32Array(ownerIds.length));
  const entityTotals = new Int32Array(entityNames.length);
  const entityXor = new Int32Array(entityNames.length);
  const recordHash = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const h = hashId(ids[k]);
    recordHash[k] = h;
    ownerCounts[entity[k]][owner[k]]++;
    ownerXor[entity[k]][owner[k]] ^= h;
    entityTotals[entity[k]]++;
    entityXor[entity[k]] ^= h;
  }
  for (const c of counted) {
    ownerCounts[c.e][c.o] += c.n;
    ownerXor[c.e][c.o] ^= c.h;
    entityTotals[c.e] += c.n;
    entityXor[c.e] ^= c.h;
  }
  return { index, ids, entity, owner, entityNames, entityIndex, ownerIds, ownerIndex, ownerCounts, entityTotals, recordHash, ownerXor, entityXor };
});

/** Shares by principal and by record, as record numbers with their AccessRights masks. */
export interface ShareIndex {
  readonly byPrincipal: ReadonlyMap<Id, { readonly records: Int32Array; readonly masks: Int32Array }>;
  readonly byRecord: ReadonlyMap<number, readonly Share[]>;
}

export const shareIndexOf = memoByRefs((shares: ReadonlyMap<string, Share>, records: RecordIndex): ShareIndex => {
  const lists = new Map<Id, number[]>();
  const byRecord = new Map<number, Share[]>();
  for (const s of shares.values()) {
    const rec = records.index.get(s.recordid);
    if (rec === undefined) continue;
    let l = lists.get(s.principalid);
    if (!l) lists.set(s.principalid, (l = []));
    l.push(rec, s.accessrightsmask);
    let r = byRecord.get(rec);
    if (!r) byRecord.set(rec, (r = []));
    r.push(s);
  }
  const byPrincipal = new Map<Id, { records: Int32Array; masks: Int32Array }>();
  for (const [id, l] of lists) {
    const records = new Int32Array(l.length / 2);
    const masks = new Int32Array(l.length / 2);
    for (let k = 0; k < records.length; k++) {
      records[k] = l[2 * k];
      masks[k] = l[2 * k + 1];
    }
    byPrincipal.set(id, { records, masks });
  }
  return { byPrincipal, byRecord };
});
