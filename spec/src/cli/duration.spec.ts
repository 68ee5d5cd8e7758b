import { describe, expect, it } from '@jest/globals';
import { formatDuration, parseDuration } from '../../../streams/protocol/duration.js';
import { MAX_DURATION_MS } from '../../../src/cli/duration.js';

describe('parseDuration', () => {
  it.each([
    ['30', 30_000],
    ['0', 0],
    ['1.5', 1500],
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    ['1m30s', 90_000],
    ['2.5s', 2500],
    ['1.1s', 1100],
    ['0.0004s', 0],
  ])('reads %j as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('reads a number, as from a JSON config file, as seconds', () => {
    expect(parseDuration(30)).toBe(30_000);
    expect(parseDuration(0.25)).toBe(250);
  });

  it.each(['', ' ', '-1', '+5', '5 m', ' 5m', '5m ', '5min', '5M', 'm', '1.s', '.5s', '1e3', '0x10', 'five', '5s5', 'Infinity'])(
    'refuses %j',
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, true, null, undefined, ['5s']])('refuses %p', (value) => {
    expect(parseDuration(value)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [500, '500ms'],
    [1500, '1500ms'],
    [5000, '5s'],
    [90_000, '90s'],
    [300_000, '5m'],
    [7_200_000, '2h'],
    [86_400_000, '1d'],
  ])('writes %d ms as %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('writes what parseDuration reads back to the same value', () => {
    for (const ms of [0, 1, 999, 1000, 61_000, 3_600_000, MAX_DURATION_MS]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});
