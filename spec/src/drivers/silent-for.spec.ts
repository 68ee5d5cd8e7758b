import { describe, expect, it } from '@jest/globals';
import { TestScheduler } from 'rxjs/testing';
import { silentFor } from '../../../src/drivers/silent-for.js';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('silentFor', () => {
  it('names an instance once it has been silent for the TTL, each time it goes silent', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const heard = cold('-a-b--a--------a------|');
      expectObservable(heard.pipe(silentFor(4))).toBe('-----a-b--a--------a--|');
    });
  });

  it('keeps an instance that is heard within every TTL', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const heard = cold('a--a--a--a--|');
      expectObservable(heard.pipe(silentFor(4))).toBe('------------(a|)');
    });
  });

  it('names the instances still watched when the source completes', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-|').pipe(silentFor(10))).toBe('---(a|)');
    });
  });
});

describe('silentFor, unsubscribed', () => {
  it('leaves no timer behind: nothing is scheduled once it is let go', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const heard = cold('-a-b---');
      expectObservable(heard.pipe(silentFor(10)), '^--!').toBe('----');
      expectSubscriptions(heard.subscriptions).toBe('^--!');
      flush();
    });
  });
});
