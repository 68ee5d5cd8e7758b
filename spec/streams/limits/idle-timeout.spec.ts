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

  it('is off at 0, and then no stage at all: the source is returned as it is', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const source = cold('----------|');
      expect(source.pipe(idleTimeout(0))).toBe(source);
      expectObservable(source.pipe(idleTimeout(0))).toBe('----------|');
    });
  });

  it('counts from the last value, however many came before', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-b-c----------|').pipe(idleTimeout(4))).toBe('-a-b-c---I------|', {
        a: 'a',
        b: 'b',
        c: 'c',
        I: new IdleTimeoutError(0.004),
      });
    });
  });

  it('stops its clock when unsubscribed', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a------');
      expectObservable(source.pipe(idleTimeout(3)), '^-!').toBe('-a-', { a: 'a' });
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  it('carries a code and the seconds', () => {
    const error = new IdleTimeoutError(30);
    expect(error).toMatchObject({ code: 'IDLE_TIMEOUT', seconds: 30, name: 'IdleTimeoutError', message: 'idle for 30 seconds' });
  });

  it('says second for one and seconds for the rest', () => {
    expect([1, 2, 0.5].map((seconds) => new IdleTimeoutError(seconds).message)).toEqual([
      'idle for 1 second',
      'idle for 2 seconds',
      'idle for 0.5 seconds',
    ]);
  });
});
