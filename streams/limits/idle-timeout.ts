import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';

export class IdleTimeoutError extends Error {
  readonly code = 'IDLE_TIMEOUT';
  constructor(readonly seconds: number) {
    super(`idle for ${seconds} seconds`);
    this.name = 'IdleTimeoutError';
  }
}

/**
 * Passes values through and, after `ms` without one, emits a single `IdleTimeoutError` as a
 * value (not an error: the connection's owner decides how it ends, after telling the peer).
 * The clock stops after that and when the source ends. `ms <= 0` turns it off.
 *
 * ```
 * ms = 3
 * source: -a-----b----
 * result: -a---I-b----
 * ```
 */
export function idleTimeout<T>(ms: number, scheduler: SchedulerLike = asyncScheduler): OperatorFunction<T, T | IdleTimeoutError> {
  return (source) =>
    new Observable<T | IdleTimeoutError>((subscriber) => {
      let clock: Subscription | undefined;
      let fired = false;
      const restart = (): void => {
        clock?.unsubscribe();
        if (ms <= 0 || fired) return;
        clock = scheduler.schedule(() => {
          fired = true;
          subscriber.next(new IdleTimeoutError(ms / 1000));
        }, ms);
      };
      restart();
      const subscription = source.subscribe({
        next(value) {
          restart();
          subscriber.next(value);
        },
        error(err) {
          clock?.unsubscribe();
          subscriber.error(err);
        },
        complete() {
          clock?.unsubscribe();
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        clock?.unsubscribe();
      };
    });
}
