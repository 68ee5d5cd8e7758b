import { describe, expect, it } from '@jest/globals';
import { parseRetention } from '../../../src/cli/retain-option.js';

describe('parseRetention (--retain)', () => {
  it('reads a bare number as lines per room and a duration as an age', () => {
    expect(parseRetention('100000')).toEqual({ lines: 100_000 });
    expect(parseRetention(['5', '30d'])).toEqual({ ms: 30 * 86_400_000 });
    expect(parseRetention('12h')).toEqual({ ms: 12 * 3_600_000 });
  });

  it('refuses nothing kept, and what is neither, in one sentence', () => {
    for (const bad of ['0', '0s', 'forever', '-5', '1.5'])
      expect(() => parseRetention(bad)).toThrow(
        `--retain takes a number of lines per room (such as 100000) or an age (such as 30d or 12h), not "${bad}"`,
      );
  });
});
