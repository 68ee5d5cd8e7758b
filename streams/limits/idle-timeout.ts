import { asyncScheduler, Observable, type OperatorFunction, type SchedulerAction, type SchedulerLike, type Subscriber } from '../rx.js';
import { LeanSubscriber } from '../lean-subscriber.js';

/** Why an idle connection ends: `idle for 1 second`, `idle for 30 seconds`. */
export const idleFor = (seconds: number): string => `idle for ${seconds} ${seconds === 1 ? 'second' : 'seconds'}`;

export class IdleTimeoutError extends Error {
  readonly code = 'IDLE_TIMEOUT';
  constructor(readonly seconds: number) {
    super(idleFor(seconds));
    this.name = 'IdleTimeoutError';
  }
}

/**
 * Passes values through and, after `ms` without one, emits a single `IdleTimeoutError` as a
 * value (not an error: the connection's owner decides how it ends, after telling the peer).
 * The clock stops after that and when the source ends. `ms <= 0` turns it off: the source is
 * returned as it is.
 *
 * ```
 * ms = 3
 * source: -a-----b----
 * result: -a---I-b----
 * ```
 */
export function idleTimeout<T>(ms: number, scheduler: SchedulerLike = asyncScheduler): OperatorFunction<T, T | IdleTimeoutError> {
  if (ms <= 0) return (source) => source;
  return (source) => new Observable<T | IdleTimeoutError>((subscriber) => source.subscribe(new IdleWatch<T>(subscriber, ms, scheduler)));
}

/**
 * One subscription's clock, and a lean subscriber that stops it when it ends: a server holds one
 * per connection, most of them idle. A value only notes the time; the one scheduled check looks at
 * how long ago the last value came and either fires or waits for the rest (so a busy connection
 * does not cancel and reschedule a timer on every chunk).
 */
class IdleWatch<T> extends LeanSubscriber<T> {
  lastAt: number;

  constructor(
    readonly subscriber: Subscriber<T | IdleTimeoutError>,
    readonly ms: number,
    readonly scheduler: SchedulerLike,
  ) {
    super();
    this.lastAt = scheduler.now();
    this.add(scheduler.schedule(check, ms, this));
  }

  protected onNext(value: T): void {
    this.lastAt = this.scheduler.now();
    this.subscriber.next(value);
  }

  protected onError(err: unknown): void {
    this.subscriber.error(err);
  }

  protected onComplete(): void {
    this.subscriber.complete();
  }
}

function check<T>(this: SchedulerAction<IdleWatch<T>>, watch?: IdleWatch<T>): void {
  if (!watch || watch.closed) return;
  const quiet = watch.scheduler.now() - watch.lastAt;
  if (quiet < watch.ms) this.schedule(watch, watch.ms - quiet);
  else watch.subscriber.next(new IdleTimeoutError(watch.ms / 1000));
}
