import { memoByRefs } from './memo';
import type { Principals } from './principals';
import type { RecordIndex } from './recordIndex';

/**
 * Record owners (numbered by the record index) tied to users and teams (numbered by the
 * principals): the record index keeps its own owner numbering so it survives changes to users,
 * teams and units, and a record's unit is always its owner's, looked up through these.
 */
export interface OwnerMaps {
  /** Owner number of each user, of each team; -1 for one that owns nothing. */
  readonly user: Int32Array;
  readonly team: Int32Array;
  /** Business unit of each owner; -1 for an owner that is no longer a user or a team. */
  readonly unit: Int32Array;
  readonly isTeam: Uint8Array;
  /** The owner's user or team index. */
  readonly principal: Int32Array;
}

export const ownerMapsOf = memoByRefs((r: RecordIndex, p: Principals): OwnerMaps => {
  const user = new Int32Array(p.userIds.length).fill(-1);
  const team = new Int32Array(p.teamIds.length).fill(-1);
  const unit = new Int32Array(r.ownerIds.length).fill(-1);
  const isTeam = new Uint8Array(r.ownerIds.length);
  const principal = new Int32Array(r.ownerIds.length).fill(-1);
  r.ownerIds.forEach((id, o) => {
    const ui = p.userIndex.get(id);
    if (ui !== undefined) {
      user[ui] = o;
      unit[o] = p.userUnit[ui];
      principal[o] = ui;
      return;
    }
    const ti = p.teamIndex.get(id);
    if (ti !== undefined) {
      team[ti] = o;
      unit[o] = p.teamUnit[ti];
      isTeam[o] = 1;
      principal[o] = ti;
    }
  });
  return { user, team, unit, isTeam, principal };
});

/** Records of one entity per unit (count and id-hash XOR), with prefix sums over the unit tour for subtrees. */
export interface UnitCounts {
  readonly counts: Int32Array;
  readonly prefix: Int32Array;
  readonly xors: Int32Array;
  readonly prefixXor: Int32Array;
}

export function unitCountsOf(r: RecordIndex, p: Principals, owners: OwnerMaps, entity: number): UnitCounts {
  const tree = p.tree;
  const U = tree.ids.length;
  const counts = new Int32Array(U);
  const xors = new Int32Array(U);
  const perOwner = r.ownerCounts[entity];
  const xorOwner = r.ownerXor[entity];
  for (let o = 0; o < perOwner.length; o++) {
    if (!perOwner[o] || owners.unit[o] < 0) continue;
    counts[owners.unit[o]] += perOwner[o];
    xors[owners.unit[o]] ^= xorOwner[o];
  }
  const prefix = new Int32Array(U + 1);
  const prefixXor = new Int32Array(U + 1);
  for (let pos = 0; pos < U; pos++) {
    prefix[pos + 1] = prefix[pos] + counts[tree.order[pos]];
    prefixXor[pos + 1] = prefixXor[pos] ^ xors[tree.order[pos]];
  }
  return { counts, prefix, xors, prefixXor };
}
