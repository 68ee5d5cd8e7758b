/**
 * Tables that keep only their latest entries (a Map or Set remembers insertion order): `key` becomes
 * the newest, and past `max` the oldest goes, so no input grows them without bound.
 */
export function keepLatest<K, V>(table: Map<K, V>, key: K, value: V, max: number): void {
  table.delete(key); // set again: the newest is kept longest
  table.set(key, value);
  if (table.size > max) table.delete(table.keys().next().value as K);
}

/** The same for a Set. */
export function addLatest<T>(table: Set<T>, value: T, max: number): void {
  table.delete(value);
  table.add(value);
  if (table.size > max) table.delete(table.values().next().value as T);
}
