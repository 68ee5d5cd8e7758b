import { AscendingMap } from '../ascending-map.js';
import type { ConnId } from './model.js';

/**
 * Members by nick key (as `memberKey` writes it), with a Map's `get`, `has`, `set`, `delete` and
 * `size`. A server holds one entry per member, most of them guests, whose keys are their numbers,
 * given one after another: those are kept in an AscendingMap (some 17 bytes a guest rather than a
 * Map entry's 46), every other nick in a Map.
 */
export class NickTable {
  private readonly named = new Map<string, ConnId>();
  private readonly guests = new AscendingMap<ConnId>();

  get size(): number {
    return this.named.size + this.guests.size;
  }

  get(key: string | number): ConnId | undefined {
    return typeof key === 'number' ? this.guests.get(key) : this.named.get(key);
  }

  has(key: string | number): boolean {
    return this.get(key) !== undefined;
  }

  set(key: string | number, id: ConnId): void {
    if (typeof key === 'number') this.guests.set(key, id);
    else this.named.set(key, id);
  }

  delete(key: string | number): void {
    if (typeof key === 'number') this.guests.delete(key);
    else this.named.delete(key);
  }
}
