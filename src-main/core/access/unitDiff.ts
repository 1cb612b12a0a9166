import type { AccessRight } from '../model/accessRights';
import type { Id, OrgState } from '../model/org';
import { AccessEngine } from './engine';
import { directionOf } from './diff';

/** How many users reach more, and how many reach less, of one unit's records once a change is applied. */
export interface UnitChange {
  readonly businessunitid: Id;
  readonly gain: number;
  readonly lose: number;
}

interface Side {
  readonly engine: AccessEngine;
  readonly levels: Uint8Array;
  readonly counts: Int32Array;
}

const sideOf = (state: OrgState): Side => {
  const engine = AccessEngine.of(state);
  const U = engine.principals.tree.ids.length;
  return { engine, levels: new Uint8Array(U), counts: new Int32Array(U) };
};

/** Fills the side's per-unit arrays for one user; false when the user or the privilege does not exist there. */
function reach(side: Side, systemuserid: Id, entity: string, right: AccessRight): boolean {
  side.levels.fill(0);
  side.counts.fill(0);
  const subject = side.engine.subject({ kind: 'user', systemuserid });
  const priv = side.engine.catalog.privilegeFor(entity, right);
  if (!subject || !priv) return false;
  side.engine.reachSubject(subject, priv, entity, right, side);
  return true;
}

/**
 * Per business unit, the users among `users` who gain or lose there for one table and right:
 * a user gains in a unit when the deepest depth reaching it rises or more of its records are
 * reached, and loses when either falls (the unit then counts for both only through two users).
 * The per-unit reach is preview()'s (the engine's reach over the unit tree), before and after.
 * Units only in one state are compared with nothing reached in the other.
 */
export function unitChanges(before: OrgState, after: OrgState, users: Iterable<Id>, entity: string, right: AccessRight): UnitChange[] {
  const b = sideOf(before);
  const a = sideOf(after);
  const bIds = b.engine.principals.tree.ids;
  const aIds = a.engine.principals.tree.ids;
  const aIndex = new Map<Id, number>();
  aIds.forEach((id, i) => aIndex.set(id, i));
  const gain = new Map<Id, number>();
  const lose = new Map<Id, number>();
  const count = (m: Map<Id, number>, id: Id) => m.set(id, (m.get(id) ?? 0) + 1);
  // A gain or a loss as the diff calls it (records first, then depth).
  const compare = (id: Id, levelBefore: number, recordsBefore: number, levelAfter: number, recordsAfter: number) => {
    if (levelAfter === levelBefore && recordsAfter === recordsBefore) return;
    const d = directionOf(levelBefore, recordsBefore, levelAfter, recordsAfter);
    if (d === 'gain') count(gain, id);
    else if (d === 'lose') count(lose, id);
  };
  for (const user of new Set(users)) {
    const hadBefore = reach(b, user, entity, right);
    const hasAfter = reach(a, user, entity, right);
    if (!hadBefore && !hasAfter) continue;
    const seen = new Set<number>();
    for (let x = 0; x < bIds.length; x++) {
      const y = aIndex.get(bIds[x]);
      if (y !== undefined) seen.add(y);
      compare(bIds[x], b.levels[x], b.counts[x], y === undefined ? 0 : a.levels[y], y === undefined ? 0 : a.counts[y]);
    }
    for (let y = 0; y < aIds.length; y++) if (!seen.has(y)) compare(aIds[y], 0, 0, a.levels[y], a.counts[y]);
  }
  const ids = new Set([...gain.keys(), ...lose.keys()]);
  return [...ids].map((id) => ({ businessunitid: id, gain: gain.get(id) ?? 0, lose: lose.get(id) ?? 0 }));
}
