/**
 * A Map from numbers given out one after another (connection ids, guest numbers) to values, for
 * tables that hold one entry per client: a Map's entry costs some 46 bytes at 20,000 entries (its
 * table grows in powers of two), one here some 17. Keys that come in ascending order are kept in a
 * roll, the keys in an Int32Array and their values beside them in an array, found by a binary
 * search. An entry that goes is left vacant; once half the roll is, the vacant ones are swept out
 * at once (what is kept stays within twice what is there). A key that comes out of that order (an
 * id whose connection opened late, a nick resumed), or that an Int32Array cannot hold, is kept in
 * a Map. A value is never `undefined` (that marks a vacant entry).
 */
export class AscendingMap<V> {
  /** Keys out of order. */
  private readonly others = new Map<number, V>();
  private keys = new Int32Array(MIN_ROLL);
  /** Beside each key its value; undefined: vacant. */
  private readonly held: (V | undefined)[] = [];
  private vacant = 0;
  /** Sweeps so far, so that a visit under way finds its place again after one. */
  private sweeps = 0;

  get size(): number {
    return this.others.size + this.held.length - this.vacant;
  }

  get(key: number): V | undefined {
    const at = this.find(key);
    return at === -1 ? this.others.get(key) : this.held[at];
  }

  has(key: number): boolean {
    return this.get(key) !== undefined;
  }

  set(key: number, value: V): this {
    const at = this.find(key);
    if (at !== -1) this.held[at] = value;
    else if (this.follows(key) && !this.others.has(key))
      this.append(key, value); // (a sweep may have emptied the roll's end)
    else this.others.set(key, value);
    return this;
  }

  delete(key: number): boolean {
    const at = this.find(key);
    if (at === -1) return this.others.delete(key);
    this.held[at] = undefined;
    if (++this.vacant * 2 > this.held.length) this.sweep();
    return true;
  }

  /** Its values, in ascending order of keys (those out of order last). It may change during the visit, as a Map may. */
  *values(): IterableIterator<V> {
    for (let at = 0; at < this.held.length; at++) {
      const value = this.held[at];
      if (value === undefined) continue;
      const { sweeps } = this;
      const key = this.keys[at];
      yield value;
      if (this.sweeps !== sweeps) at = this.placeAfter(key) - 1; // swept meanwhile: the places have moved
    }
    yield* this.others.values();
  }

  /**
   * Where a key is in the roll (-1: not there, or vacant). Keys are distinct integers, ascending,
   * so one is at most as far from the first key as its place from the first place, and as much
   * short of the last key as its place short of the last place: where few ids are missing (the
   * usual roll), that leaves a place or two to look at.
   */
  private find(key: number): number {
    const { keys } = this;
    const last = this.held.length - 1;
    if (last < 0) return -1;
    let low = Math.max(0, last - (keys[last] - key));
    let high = Math.min(last, key - keys[0]);
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const found = keys[middle];
      if (found < key) low = middle + 1;
      else if (found > key) high = middle - 1;
      else return this.held[middle] === undefined ? -1 : middle;
    }
    return -1;
  }

  /** The first place in the roll whose key is past `key`. */
  private placeAfter(key: number): number {
    let low = 0;
    let high = this.held.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.keys[middle] <= key) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** A key past every key in the roll, which the roll can hold. */
  private follows(key: number): boolean {
    const { length } = this.held;
    return Number.isInteger(key) && key >= -0x80000000 && key <= 0x7fffffff && (length === 0 || key > this.keys[length - 1]);
  }

  private append(key: number, value: V): void {
    const { length } = this.held;
    if (length === this.keys.length) this.resize(2 * length);
    this.keys[length] = key;
    this.held.push(value);
  }

  /** Takes the vacant entries out, and gives back room the keys no longer need. */
  private sweep(): void {
    const { keys, held } = this;
    let kept = 0;
    for (let at = 0; at < held.length; at++) {
      if (held[at] === undefined) continue;
      keys[kept] = keys[at];
      held[kept] = held[at];
      kept++;
    }
    held.length = kept;
    this.vacant = 0;
    this.sweeps++;
    if (4 * kept < keys.length && keys.length > MIN_ROLL) this.resize(Math.max(MIN_ROLL, 2 * kept));
  }

  private resize(capacity: number): void {
    const keys = new Int32Array(capacity);
    keys.set(this.keys.subarray(0, this.held.length));
    this.keys = keys;
  }
}

/** Room for this many keys at first. */
const MIN_ROLL = 16;
