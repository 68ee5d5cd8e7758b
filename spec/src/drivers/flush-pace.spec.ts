import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { pacedFlushes } from '../../../src/drivers/flush-pace.js';

describe('pacedFlushes', () => {
  let clock = 0;
  const now = (): number => clock;
  /** Moves the clock and the timers on together. */
  const elapse = (ms: number): void => {
    clock += ms;
    jest.advanceTimersByTime(ms);
  };
  beforeEach(() => {
    clock = 0;
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('runs a flush at the end of the turn when the last one is at least a gap ago', () => {
    const schedule = pacedFlushes(10, now);
    const ran: number[] = [];
    schedule(() => ran.push(clock));
    expect(ran).toEqual([]); // not within the turn that wrote
    jest.runOnlyPendingTimers(); // the turn's I/O is over: setImmediate
    expect(ran).toEqual([0]);

    elapse(25);
    schedule(() => ran.push(clock));
    jest.runOnlyPendingTimers();
    expect(ran).toEqual([0, 25]);
  });

  it('holds a flush asked for within the gap until the gap after the last one is over', () => {
    const schedule = pacedFlushes(10, now);
    const ran: number[] = [];
    schedule(() => ran.push(clock));
    jest.runOnlyPendingTimers();

    elapse(4);
    schedule(() => ran.push(clock));
    elapse(5);
    expect(ran).toEqual([0]); // 9 ms after the last flush: still held
    elapse(1);
    expect(ran).toEqual([0, 10]);

    // the gap counts from when a flush ran, not from when it was asked for
    elapse(3);
    schedule(() => ran.push(clock));
    elapse(6);
    expect(ran).toEqual([0, 10]);
    elapse(1);
    expect(ran).toEqual([0, 10, 20]);
  });

  it('runs at the end of the turn when less than a millisecond of the gap is left (a timer would take a whole one)', () => {
    const schedule = pacedFlushes(10, now);
    const ran: number[] = [];
    schedule(() => ran.push(clock));
    jest.runOnlyPendingTimers();

    const timers = jest.spyOn(globalThis, 'setTimeout');
    clock += 9.5; // half a millisecond of the gap left
    schedule(() => ran.push(clock));
    expect(timers).not.toHaveBeenCalled(); // no timer: setImmediate
    jest.runOnlyPendingTimers();
    expect(ran).toEqual([0, 9.5]);

    clock += 8.5; // a millisecond and a half left: a timer for it
    schedule(() => ran.push(clock));
    expect(timers).toHaveBeenCalledTimes(1);
    expect(timers.mock.calls[0][1]).toBeCloseTo(1.5);
    timers.mockRestore();
  });
});
