import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike, type Subscription } from '../../streams/rx.js';

/**
 * Names each instance that has been silent for `ttlMs` since it was last heard from, once;
 * heard from again later, it is watched anew. Every message of an instance counts as hearing it,
 * so an instance that says nothing else still sends heartbeats well within the TTL. One timer per
 * instance, all cancelled on unsubscribing (a stopping server must not wait for them).
 *
 * ```
 * heard:  -a-b--a--------a------|     ttlMs = 4 frames
 * gone:   -----a-b--a--------a--|
 * ```
 */
export function silentFor(ttlMs: number, scheduler: SchedulerLike = asyncScheduler): OperatorFunction<string, string> {
  return (heard$) =>
    new Observable<string>((subscriber) => {
      const watched = new Map<string, Subscription>();
      const watch = (instance: string): void => {
        watched.get(instance)?.unsubscribe();
        const timer = scheduler.schedule(() => {
          watched.delete(instance);
          subscriber.next(instance);
        }, ttlMs);
        watched.set(instance, timer);
        subscriber.add(timer);
      };
      const source = heard$.subscribe({
        next: watch,
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          // Nothing more will be heard: whoever is still watched is as good as gone.
          for (const instance of [...watched.keys()]) subscriber.next(instance);
          subscriber.complete();
        },
      });
      return () => {
        source.unsubscribe();
        for (const timer of watched.values()) timer.unsubscribe();
      };
    });
}
