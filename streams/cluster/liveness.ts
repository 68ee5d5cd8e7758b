import { asyncScheduler, debounceTime, groupBy, last, map, mergeMap, type OperatorFunction, type SchedulerLike } from '../rx.js';

/**
 * Names each instance that has been silent for `ttlMs` since it was last heard from, once;
 * heard from again later, it is watched anew. Every message of an instance counts as hearing it,
 * so an instance that says nothing else still sends heartbeats well within the TTL.
 *
 * ```
 * heard:  -a-b--a--------a------|     ttlMs = 4 frames
 * gone:   -----a-b--a--------a--|
 * ```
 */
export function silentFor(ttlMs: number, scheduler: SchedulerLike = asyncScheduler): OperatorFunction<string, string> {
  return (heard$) =>
    heard$.pipe(
      groupBy((instance) => instance, { duration: (group) => group.pipe(debounceTime(ttlMs, scheduler)) }),
      mergeMap((group) => group.pipe(last(), map(() => group.key))),
    );
}
