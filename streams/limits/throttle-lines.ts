import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import type { RateLimit } from './rate-limit.js';

export { DEFAULT_RATE_LIMIT, type RateLimit } from './rate-limit.js';

/** What the throttle emits: a batch of items to handle now, or a request to pause or resume reading. */
export type Throttled<T> = { readonly kind: 'items'; readonly items: readonly T[] } | { readonly kind: 'reading'; readonly paused: boolean };

/**
 * A token bucket over batches of lines. Lines within the budget pass at once; the rest wait, in
 * order, and are released as the bucket refills, while a `reading: paused` asks the source to
 * stop reading (so TCP pushes back on the sender instead of memory growing). Nothing is dropped:
 * completion and errors wait until every queued line has been released.
 *
 * ```
 * burst 2, 1 line/s (frames of 1 s):
 * source: [a,b,c]---------|
 * result: (xp)-y-r|     x = items [a,b], p = paused, y = items [c], r = resumed
 * ```
 */
export function throttleLines<T>(limit: RateLimit, scheduler: SchedulerLike = asyncScheduler): OperatorFunction<readonly T[], Throttled<T>> {
  return (source) =>
    new Observable<Throttled<T>>((subscriber) => {
      if (limit.linesPerSecond <= 0) {
        return source.subscribe({
          next: (items) => subscriber.next({ kind: 'items', items }),
          error: (err) => subscriber.error(err),
          complete: () => subscriber.complete(),
        });
      }
      let tokens = limit.burst;
      let refilledAt = scheduler.now();
      const queue: T[] = [];
      let release: Subscription | undefined;
      let ending: (() => void) | undefined;

      const refill = (): void => {
        const now = scheduler.now();
        tokens = Math.min(limit.burst, tokens + ((now - refilledAt) * limit.linesPerSecond) / 1000);
        refilledAt = now;
      };
      /** How many of `wanted` lines the bucket allows now; spends their tokens. */
      const spend = (wanted: number): number => {
        const count = Math.min(wanted, Math.floor(tokens));
        tokens -= count;
        return count;
      };
      const scheduleRelease = (): void => {
        const wait = Math.max(1, Math.ceil(((1 - tokens) * 1000) / limit.linesPerSecond));
        release = scheduler.schedule(() => {
          release = undefined;
          refill();
          const items = queue.splice(0, spend(queue.length));
          if (items.length > 0) subscriber.next({ kind: 'items', items });
          if (queue.length > 0) return scheduleRelease();
          subscriber.next({ kind: 'reading', paused: false });
          ending?.();
        }, wait);
      };

      const subscription = source.subscribe({
        next(items) {
          if (queue.length > 0) {
            queue.push(...items);
            return;
          }
          refill();
          const count = spend(items.length);
          if (count === items.length) return subscriber.next({ kind: 'items', items });
          if (count > 0) subscriber.next({ kind: 'items', items: items.slice(0, count) });
          queue.push(...items.slice(count));
          subscriber.next({ kind: 'reading', paused: true });
          scheduleRelease();
        },
        error(err) {
          ending = () => subscriber.error(err);
          if (queue.length === 0) ending();
        },
        complete() {
          ending = () => subscriber.complete();
          if (queue.length === 0) ending();
        },
      });
      return () => {
        subscription.unsubscribe();
        release?.unsubscribe();
      };
    });
}
