import {
  asyncScheduler,
  Observable,
  type Observer,
  type OperatorFunction,
  type SchedulerAction,
  type SchedulerLike,
  type Subscriber,
  type Subscription,
} from '../rx.js';
import type { RateLimit } from './rate-limit.js';

export { DEFAULT_RATE_LIMIT, type RateLimit } from './rate-limit.js';

/** What the throttle emits: a batch of items to handle now, or a request to pause or resume reading. */
export type Throttled<T> =
  { readonly kind: 'items'; readonly items: readonly T[] } | { readonly kind: 'reading'; readonly paused: boolean };

/**
 * A token bucket over batches of lines. Lines within the budget pass at once; the rest wait, in
 * order, and are released as the bucket refills, while a `reading: paused` asks the source to
 * stop reading (so TCP pushes back on the sender instead of memory growing). Nothing is dropped:
 * completion and errors wait until every queued line has been released.
 *
 * A source value is a batch (an array) of items, or one item on its own that is not an array (a
 * notice in the lines' place, say), which counts as one line.
 *
 * ```
 * burst 2, 1 line/s (frames of 1 s):
 * source: [a,b,c]---------|
 * result: (xp)-y-r|     x = items [a,b], p = paused, y = items [c], r = resumed
 * ```
 */
export function throttleLines<T>(
  limit: RateLimit,
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<readonly T[] | Exclude<T, readonly unknown[]>, Throttled<T>> {
  return (source) =>
    new Observable<Throttled<T>>((subscriber) => {
      const bucket = new Bucket<T>(subscriber, limit, scheduler);
      subscriber.add(bucket);
      return source.subscribe(bucket);
    });
}

const itemsOf = <T>(value: readonly T[] | T): readonly T[] => (Array.isArray(value) ? value : [value as T]);

/**
 * One subscription's bucket, which is also its teardown (`unsubscribe` stops the clock). An
 * object rather than closures, and its queue is made only when lines have to wait: a server
 * holds one per connection, mostly idle.
 */
class Bucket<T> implements Observer<readonly T[] | T> {
  private tokens: number;
  private refilledAt: number;
  /** Lines waiting for tokens, in order; undefined when none wait. */
  private queue: T[] | undefined;
  /** The scheduled release of waiting lines. */
  private release: Subscription | undefined;
  /** How the source ended, carried out once the queue is empty. */
  private ending: { error: unknown } | 'complete' | undefined;

  constructor(
    private readonly subscriber: Subscriber<Throttled<T>>,
    private readonly limit: RateLimit,
    private readonly scheduler: SchedulerLike,
  ) {
    this.tokens = limit.burst;
    this.refilledAt = scheduler.now();
  }

  next(value: readonly T[] | T): void {
    const items = itemsOf(value);
    if (this.limit.linesPerSecond <= 0) return this.subscriber.next({ kind: 'items', items });
    if (this.queue) {
      this.queue.push(...items);
      return;
    }
    this.refill();
    const count = this.spend(items.length);
    if (count === items.length) return this.subscriber.next({ kind: 'items', items });
    if (count > 0) this.subscriber.next({ kind: 'items', items: items.slice(0, count) });
    this.queue = items.slice(count);
    this.subscriber.next({ kind: 'reading', paused: true });
    this.scheduleRelease();
  }

  error(error: unknown): void {
    this.ending = { error };
    if (!this.queue) this.end();
  }

  complete(): void {
    this.ending = 'complete';
    if (!this.queue) this.end();
  }

  /** Stops the clock (on unsubscribe). */
  unsubscribe(): void {
    this.release?.unsubscribe();
  }

  /** Releases what the refilled bucket allows of the waiting lines; resumes reading once none wait. */
  releaseQueued(): void {
    const queue = this.queue;
    if (!queue) return;
    this.release = undefined;
    this.refill();
    const items = queue.splice(0, this.spend(queue.length));
    if (items.length > 0) this.subscriber.next({ kind: 'items', items });
    if (queue.length > 0) return this.scheduleRelease();
    this.queue = undefined;
    this.subscriber.next({ kind: 'reading', paused: false });
    this.end();
  }

  private end(): void {
    const { ending } = this;
    if (ending === 'complete') this.subscriber.complete();
    else if (ending) this.subscriber.error(ending.error);
  }

  private refill(): void {
    const now = this.scheduler.now();
    this.tokens = Math.min(this.limit.burst, this.tokens + ((now - this.refilledAt) * this.limit.linesPerSecond) / 1000);
    this.refilledAt = now;
  }

  /** How many of `wanted` lines the bucket allows now; spends their tokens. */
  private spend(wanted: number): number {
    const count = Math.min(wanted, Math.floor(this.tokens));
    this.tokens -= count;
    return count;
  }

  private scheduleRelease(): void {
    const wait = Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.limit.linesPerSecond));
    this.release = this.scheduler.schedule(releaseWork<T>, wait, this);
  }
}

function releaseWork<T>(this: SchedulerAction<Bucket<T>>, bucket?: Bucket<T>): void {
  bucket?.releaseQueued();
}
