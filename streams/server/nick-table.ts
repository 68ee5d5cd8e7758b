import type { ConnId } from './model.js';

/**
 * Members by nick key (as `memberKey` writes it), with a Map's `get`, `has`, `set`, `delete` and
 * `size`. A server holds one entry per member, most of them guests, and a Map's entry costs some
 * 46 bytes (its table grows in powers of two); guests, numbered in the order the server gives
 * them, are kept in a roll instead: their numbers ascending, each beside its connection, found by
 * a binary search, 8 bytes a guest (12 with the roll's room to grow). A guest that comes out of
 * that order (a nick resumed, a cluster's late answer) and every other nick are kept in a Map.
 */
export class NickTable {
  /** Nicks other than the guests' in the roll. */
  private readonly named = new Map<string | number, ConnId>();
  /** Pairs of a guest's number and its connection (VACANT once it has gone), numbers ascending. */
  private roll = new Int32Array(2 * MIN_ROLL);
  /** Guests in the roll, vacant ones included. */
  private length = 0;
  private vacant = 0;

  get size(): number {
    return this.named.size + this.length - this.vacant;
  }

  get(key: string | number): ConnId | undefined {
    const at = this.find(key);
    return at === -1 ? this.named.get(key) : this.roll[at + 1];
  }

  has(key: string | number): boolean {
    return this.get(key) !== undefined;
  }

  set(key: string | number, id: ConnId): void {
    const at = this.find(key);
    if (at !== -1 && fits(id)) {
      this.roll[at + 1] = id;
      return;
    }
    if (at !== -1) this.vacate(at);
    if (fits(id) && this.follows(key)) this.append(key, id);
    else this.named.set(key, id);
  }

  delete(key: string | number): void {
    const at = this.find(key);
    if (at === -1) this.named.delete(key);
    else this.vacate(at);
  }

  /** Where a guest's pair is in the roll (-1: not there, or gone). */
  private find(key: string | number): number {
    if (typeof key !== 'number') return -1;
    const { roll } = this;
    let low = 0;
    let high = this.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const number = roll[2 * middle];
      if (number < key) low = middle + 1;
      else if (number > key) high = middle - 1;
      else return roll[2 * middle + 1] === VACANT ? -1 : 2 * middle;
    }
    return -1;
  }

  /** A guest number past every number in the roll, which the roll can hold. */
  private follows(key: string | number): key is number {
    return typeof key === 'number' && fits(key) && (this.length === 0 || key > this.roll[2 * this.length - 2]);
  }

  private vacate(at: number): void {
    this.roll[at + 1] = VACANT;
    // Swept once half the roll is vacant: a search stays quick, and what is kept stays within twice the guests.
    if (++this.vacant * 2 > this.length) this.sweep();
  }

  private append(number: number, id: ConnId): void {
    if (2 * this.length === this.roll.length) this.resize(2 * this.length);
    this.roll[2 * this.length] = number;
    this.roll[2 * this.length + 1] = id;
    this.length++;
  }

  /** Takes the vacant pairs out, and gives back room that the roll no longer needs. */
  private sweep(): void {
    const { roll } = this;
    let kept = 0;
    for (let at = 0; at < this.length; at++) {
      if (roll[2 * at + 1] === VACANT) continue;
      roll[2 * kept] = roll[2 * at];
      roll[2 * kept + 1] = roll[2 * at + 1];
      kept++;
    }
    this.length = kept;
    this.vacant = 0;
    if (4 * kept < roll.length / 2 && roll.length > 2 * MIN_ROLL) this.resize(Math.max(MIN_ROLL, 2 * kept));
  }

  private resize(guests: number): void {
    const roll = new Int32Array(2 * guests);
    roll.set(this.roll.subarray(0, 2 * this.length));
    this.roll = roll;
  }
}

/** Room for this many guests at first. */
const MIN_ROLL = 16;
/** A connection id no connection has (the shell numbers them from 1). */
const VACANT = 0;

/** Whether the roll holds it (an Int32Array; 0 is VACANT). */
function fits(n: number): boolean {
  return Number.isInteger(n) && n > 0 && n <= 0x7fffffff;
}
