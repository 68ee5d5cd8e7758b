import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { backoffDelay, DEFAULT_BACKOFF } from '../../../streams/limits/backoff.js';

/** The largest number below 1 that Math.random() can return. */
const ALMOST_ONE = 1 - 2 ** -53;

describe('backoffDelay', () => {
  it('defaults to 0.5 s doubling up to 30 s', () => {
    expect(DEFAULT_BACKOFF).toEqual({ initialMs: 500, maxMs: 30_000, factor: 2 });
  });

  it('doubles from 500 ms and stays at 30 s once it gets there (random ~1: the whole step)', () => {
    const schedule = Array.from({ length: 10 }, (_, attempt) => backoffDelay(attempt, DEFAULT_BACKOFF, () => ALMOST_ONE));
    expect(schedule).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000, 30_000]);
  });

  it('waits half the step with random 0', () => {
    const schedule = Array.from({ length: 8 }, (_, attempt) => backoffDelay(attempt, DEFAULT_BACKOFF, () => 0));
    expect(schedule).toEqual([250, 500, 1000, 2000, 4000, 8000, 15_000, 15_000]);
  });

  it('scales linearly between the two', () => {
    expect(backoffDelay(1, DEFAULT_BACKOFF, () => 0.5)).toBe(750);
    expect(backoffDelay(0, DEFAULT_BACKOFF, () => 0.2)).toBe(300);
  });

  it('stays capped however many attempts have failed', () => {
    expect(backoffDelay(1000, DEFAULT_BACKOFF, () => ALMOST_ONE)).toBe(30_000);
    expect(backoffDelay(1_000_000, DEFAULT_BACKOFF, () => 0)).toBe(15_000);
  });

  it('follows its options', () => {
    const backoff = { initialMs: 100, maxMs: 1000, factor: 3 };
    expect([0, 1, 2, 3].map((attempt) => backoffDelay(attempt, backoff, () => ALMOST_ONE))).toEqual([100, 300, 900, 1000]);
  });

  it('asks for one random number per delay', () => {
    let calls = 0;
    backoffDelay(3, DEFAULT_BACKOFF, () => {
      calls += 1;
      return 0.3;
    });
    expect(calls).toBe(1);
  });

  it('always lies within [half, whole] of the capped step, and never shrinks as attempts grow for a fixed random', () => {
    fc.assert(
      fc.property(fc.nat({ max: 2000 }), fc.double({ min: 0, max: ALMOST_ONE, noNaN: true }), (attempt, r) => {
        const step = Math.min(30_000, 500 * 2 ** attempt);
        const delay = backoffDelay(attempt, DEFAULT_BACKOFF, () => r);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(step / 2);
        expect(delay).toBeLessThanOrEqual(step);
        expect(backoffDelay(attempt + 1, DEFAULT_BACKOFF, () => r)).toBeGreaterThanOrEqual(delay);
      }),
    );
  });
});
