/**
 * Memoises a pure function of immutable tables by their identity. Commands return new maps only
 * for the tables they change, so an index over an untouched table is reused across states.
 */
export function memoByRefs<K extends readonly object[], V>(fn: (...keys: K) => V): (...keys: K) => V {
  const root = new WeakMap<object, unknown>();
  const VALUE = Symbol('value');
  return (...keys: K): V => {
    let node = root;
    for (const k of keys) {
      let next = node.get(k) as WeakMap<object, unknown> | undefined;
      if (!next) {
        next = new WeakMap();
        node.set(k, next);
      }
      node = next;
    }
    const holder = node as unknown as { [VALUE]?: V };
    if (!(VALUE in holder)) holder[VALUE] = fn(...keys);
    return holder[VALUE] as V;
  };
}
