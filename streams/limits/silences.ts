import { asyncScheduler, Observable, type OperatorFunction, type SchedulerAction, type SchedulerLike } from '../rx.js';

/** The `periods`th silence of `ms` in a row since the source last said anything. */
export class Silence {
  constructor(readonly periods: number) {}
}

/**
 * Passes values through and, after each further `ms` without one, emits a `Silence` counting the
 * periods of silence so far (1, 2, 3...); a value starts the count again. The clock starts at
 * subscription and stops when the source ends. A time this process did not run (its check came a
 * period or more late) is not counted: the period that was due comes at once, as the next one.
 * `ms <= 0` turns it off: the source as it is.
 *
 * ```
 * ms = 3
 * source: -a------b----|
 * result: -a--1--2b--1-|
 * ```
 */
export function silences<T>(ms: number, scheduler: SchedulerLike = asyncScheduler): OperatorFunction<T, T | Silence> {
  if (ms <= 0) return (source) => source;
  return (source) =>
    new Observable<T | Silence>((subscriber) => {
      let lastAt = scheduler.now();
      let dueAt = lastAt + ms;
      let periods = 0;
      // One action, looked at when due: a value only notes the time, it never reschedules.
      function check(this: SchedulerAction<unknown>): void {
        const now = scheduler.now();
        // Run a whole period or more after it was due: this process stood still (stopped, a laptop
        // asleep) and could hear nothing meanwhile, so that time is no one's silence.
        const late = now - dueAt;
        if (late >= ms && lastAt < dueAt) lastAt += late;
        const quiet = now - lastAt;
        if (quiet >= (periods + 1) * ms) {
          periods = Math.floor(quiet / ms);
          subscriber.next(new Silence(periods));
        }
        dueAt = now + (periods + 1) * ms - quiet;
        this.schedule(undefined, dueAt - now);
      }
      subscriber.add(scheduler.schedule(check, ms));
      return source.subscribe({
        next: (value) => {
          lastAt = scheduler.now();
          periods = 0;
          subscriber.next(value);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}
