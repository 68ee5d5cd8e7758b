import { describe, expect, it } from '@jest/globals';
import { TestScheduler } from 'rxjs/testing';
import { idleTimeout, IdleTimeoutError } from '../../../streams/limits/idle-timeout.js';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('idleTimeout', () => {
  it('emits one IdleTimeoutError after silence and keeps the source subscribed', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a--------b---|');
      expectObservable(source.pipe(idleTimeout(3))).toBe('-a--I-----b---|', { a: 'a', b: 'b', I: new IdleTimeoutError(0.003) });
      expectSubscriptions(source.subscriptions).toBe('^-------------!');
    });
  });

  it('restarts its clock with every value', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-c-|');
      expectObservable(source.pipe(idleTimeout(3))).toBe('-a-b-c-|');
    });
  });

  it('counts from the subscription when nothing ever arrives', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-----|').pipe(idleTimeout(2))).toBe('--I--|', { I: new IdleTimeoutError(0.002) });
    });
  });

  it('stops with the source', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a|').pipe(idleTimeout(3))).toBe('-a|');
      expectObservable(cold('-a#').pipe(idleTimeout(3))).toBe('-a#');
    });
  });

  it('is off at 0', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('----------|').pipe(idleTimeout(0))).toBe('----------|');
    });
  });

  it('carries a code and the seconds', () => {
    const error = new IdleTimeoutError(30);
    expect(error).toMatchObject({ code: 'IDLE_TIMEOUT', seconds: 30, name: 'IdleTimeoutError', message: 'idle for 30 seconds' });
  });
});
