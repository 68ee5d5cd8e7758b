import type { BusEvent, BusRequest } from '../../streams/cluster/bus.js';
import { nickKey } from '../../streams/protocol/nick.js';
import { within } from '../e2e/helpers/within.js';

export type Of<T extends BusEvent['type']> = Extract<BusEvent, { type: T }>;

/** What one node's bus said, kept in order, to wait for and look through. */
export interface HeardEvents {
  readonly events: BusEvent[];
  /** Feed it each event the bus emits. */
  hear(event: BusEvent): void;
  /** The first event of this type (and match) not returned before, waiting for it (at most `ms`) if need be. */
  next<T extends BusEvent['type']>(type: T, match?: (event: Of<T>) => boolean, ms?: number): Promise<Of<T>>;
  all<T extends BusEvent['type']>(type: T): Of<T>[];
}

/** Events heard by `instance` (named so in a timeout's message). */
export function heardEvents(instance: string): HeardEvents {
  const events: BusEvent[] = [];
  const returned = new Set<BusEvent>();
  const waiting = new Set<() => boolean>();
  return {
    events,
    hear(event) {
      events.push(event);
      for (const check of waiting) if (check()) waiting.delete(check);
    },
    next<T extends BusEvent['type']>(type: T, match: (event: Of<T>) => boolean = () => true, ms = 5000): Promise<Of<T>> {
      let check = (): boolean => false;
      const found = new Promise<Of<T>>((resolve) => {
        check = () => {
          const event = events.find((each) => each.type === type && !returned.has(each) && match(each as Of<T>)) as Of<T> | undefined;
          if (event) {
            returned.add(event);
            resolve(event);
          }
          return event !== undefined;
        };
      });
      if (!check()) waiting.add(check);
      return within(found, () => `${instance} to hear ${type}; it heard ${JSON.stringify(events)}`, ms).finally(() =>
        waiting.delete(check),
      );
    },
    all: <T extends BusEvent['type']>(type: T) => events.filter((event) => event.type === type) as Of<T>[],
  };
}

/** Requests as the core makes them: nicks come with their keys. */
export const claim = (conn: number, nick?: string, more: { previous?: string; session?: string } = {}): BusRequest => ({
  type: 'claim',
  conn,
  ...(nick === undefined ? {} : { nick, key: nickKey(nick) }),
  ...more,
  ...(more.previous === undefined ? {} : { previousKey: nickKey(more.previous) }),
});
export const release = (nick: string): BusRequest => ({ type: 'release', nick, key: nickKey(nick) });
export const move = (conn: number, nick: string, room: string): BusRequest => ({ type: 'move', conn, nick, key: nickKey(nick), room });
