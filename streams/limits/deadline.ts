import { asyncScheduler, Observable, type OperatorFunction, type SchedulerAction, type SchedulerLike, type Subscriber } from '../rx.js';

/**
 * Passes the source through and, `ms` after the subscription, emits `value` once, unless the
 * source has ended by then. Ending with the source, it is never what keeps a stream alive.
 *
 * ```
 * ms = 3, value d
 * source: -a---b-|     -a|
 * result: -a-d-b-|     -a|
 * ```
 */
export function deadline<T, D>(ms: number, value: D, scheduler: SchedulerLike = asyncScheduler): OperatorFunction<T, T | D> {
  return (source) =>
    new Observable<T | D>((subscriber) => {
      source.subscribe(subscriber);
      // Once the source has ended the subscriber is closed, and this is cancelled as it is added.
      // The work is a plain function given its state, so the clock holds on to nothing else.
      return scheduler.schedule(emit<D>, ms, { subscriber, value });
    });
}

function emit<D>(this: SchedulerAction<Due<D>>, due?: Due<D>): void {
  due?.subscriber.next(due.value);
}

interface Due<D> {
  readonly subscriber: Subscriber<D>;
  readonly value: D;
}
