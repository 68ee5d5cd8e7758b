import { describe, expect, it } from '@jest/globals';
import { TestScheduler } from 'rxjs/testing';
import { deadline } from '../../../streams/limits/deadline.js';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('deadline', () => {
  it('passes values through and emits its value once, the given time after the subscription', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a---b-|');
      expectObservable(source.pipe(deadline(3, 'd'))).toBe('-a-d-b-|');
      expectSubscriptions(source.subscriptions).toBe('^------!');
    });
  });

  it('is cancelled when the source ends first', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a|').pipe(deadline(3, 'd'))).toBe('-a|');
      expectObservable(cold('-a#').pipe(deadline(3, 'd'))).toBe('-a#');
      expectObservable(cold('|').pipe(deadline(3, 'd'))).toBe('|');
    });
  });

  it('does not keep the stream alive after the source has ended', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-----|').pipe(deadline(2, 'd'))).toBe('--d--|');
    });
  });

  it('stops its clock when unsubscribed', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a------');
      expectObservable(source.pipe(deadline(3, 'd')), '^-!').toBe('-a-');
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });
});
