import { describe, expect, it } from '@jest/globals';
import type { SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { Silence, silences } from '../../../streams/limits/silences.js';

describe('silences', () => {
  const fresh = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  const values = { a: 'a', b: 'b', 1: new Silence(1), 2: new Silence(2), 3: new Silence(3) };

  it('counts each period of silence since the last value, and starts again at a value', () => {
    fresh().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -a------b-------|', values);
      const expected = '     -a--1--2b--1--2-|';
      expectObservable(source.pipe(silences(3))).toBe(expected, values);
      expectSubscriptions(source.subscriptions).toBe('^---------------!');
    });
  });

  it('counts from the subscription when nothing comes, and stops at an error', () => {
    fresh().run(({ cold, expectObservable }) => {
      const source = cold('  ----------#', values);
      expectObservable(source.pipe(silences(3))).toBe('---1--2--3#', values);
    });
  });

  it('does not count a time the process did not run: waking late, it goes on as if it had not stopped', () => {
    const scheduler = fresh();
    scheduler.run(({ cold, expectObservable }) => {
      // The clock jumps 30 ms at frame 2: the check due at frame 3 runs 30 ms late by it.
      let stopped = 0;
      const clock: SchedulerLike = { now: () => scheduler.now() + stopped, schedule: scheduler.schedule.bind(scheduler) };
      scheduler.schedule(() => void (stopped = 30), 2);
      expectObservable(cold('-a------b-------|', values).pipe(silences(3, clock))).toBe('-a--1--2b--1--2-|', values);
    });
  });

  it('stops counting when unsubscribed', () => {
    fresh().run(({ cold, expectObservable }) => {
      expectObservable(cold('-').pipe(silences(2)), '^---!').toBe('--1-', values);
    });
  });

  it('is the source itself when off', () => {
    fresh().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a---|', values).pipe(silences(0))).toBe('-a---|', values);
    });
  });
});
