import type { BusinessUnit, Id } from '../model/org';
import { memoByRefs } from './memo';

/**
 * The business-unit hierarchy numbered by an Euler tour: the units of a subtree occupy the
 * positions tin[u] .. tout[u]-1, so "is X below Y" and "records below Y" are O(1).
 */
export interface UnitTree {
  readonly ids: readonly Id[];
  readonly index: ReadonlyMap<Id, number>;
  readonly parent: Int32Array;
  readonly tin: Int32Array;
  readonly tout: Int32Array;
  /** Unit at each tour position. */
  readonly order: Int32Array;
  /** 1 when the unit or one of its ancestors is disabled: its users cannot sign in. */
  readonly disabled: Uint8Array;
  readonly root: number;
}

export const unitTreeOf = memoByRefs((units: ReadonlyMap<Id, BusinessUnit>): UnitTree => {
  const ids = [...units.keys()];
  const index = new Map<Id, number>();
  ids.forEach((id, i) => index.set(id, i));
  const n = ids.length;
  const parent = new Int32Array(n).fill(-1);
  const childCount = new Int32Array(n);
  let root = -1;
  for (let i = 0; i < n; i++) {
    const p = units.get(ids[i])!.parentbusinessunitid;
    if (p === null) root = i;
    else {
      parent[i] = index.get(p) ?? -1;
      if (parent[i] >= 0) childCount[parent[i]]++;
    }
  }
  // Children in CSR form, then an iterative DFS (depth can be large in generated organizations).
  const start = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) start[i + 1] = start[i] + childCount[i];
  const fill = start.slice(0, n);
  const children = new Int32Array(Math.max(0, n - 1));
  for (let i = 0; i < n; i++) if (parent[i] >= 0) children[fill[parent[i]]++] = i;
  const tin = new Int32Array(n);
  const tout = new Int32Array(n);
  const order = new Int32Array(n);
  const disabled = new Uint8Array(n);
  if (root >= 0) {
    const stack = new Int32Array(n);
    const cursor = new Int32Array(n);
    let sp = 0;
    let pos = 0;
    stack[sp++] = root;
    tin[root] = pos;
    order[pos++] = root;
    disabled[root] = units.get(ids[root])!.isdisabled ? 1 : 0;
    while (sp > 0) {
      const u = stack[sp - 1];
      const k = start[u] + cursor[u];
      if (k < start[u + 1]) {
        cursor[u]++;
        const c = children[k];
        tin[c] = pos;
        order[pos++] = c;
        disabled[c] = disabled[u] || (units.get(ids[c])!.isdisabled ? 1 : 0);
        stack[sp++] = c;
      } else {
        tout[u] = pos;
        sp--;
      }
    }
  }
  return { ids, index, parent, tin, tout, order, disabled, root };
});

export const isWithin = (tree: UnitTree, unit: number, scope: number): boolean =>
  tree.tin[unit] >= tree.tin[scope] && tree.tin[unit] < tree.tout[scope];
