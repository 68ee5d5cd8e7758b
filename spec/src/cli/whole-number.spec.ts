import { describe, expect, it } from '@jest/globals';
import { lastOf, wholeNumber } from '../../../src/cli/whole-number.js';

describe('wholeNumber', () => {
  it('reads plain decimal digits and whole numbers within the range', () => {
    expect(wholeNumber('0', '--x', 0)).toBe(0);
    expect(wholeNumber('0080', '--x', 0, 100)).toBe(80);
    expect(wholeNumber(42, '--x', 1, 42)).toBe(42);
  });

  it.each(['', ' 1', '1 ', '0x50', '1e3', '+1', '-1', '1.0', '1_000', '١٢'])('refuses the text %j, naming the option', (text) => {
    expect(() => wholeNumber(text, '--x', 0)).toThrow(`--x must be a whole number at least 0, not ${JSON.stringify(text)}`);
  });

  it('refuses numbers out of range or not whole, and says the range', () => {
    expect(() => wholeNumber(101, '--x', 0, 100)).toThrow('--x must be a whole number from 0 to 100, not 101');
    expect(() => wholeNumber(1.5, '--x', 0)).toThrow('not 1.5');
    expect(() => wholeNumber(true, '--x', 0)).toThrow('not true');
    expect(() => wholeNumber('9999999999999999', '--x', 0)).toThrow('not "9999999999999999"');
  });
});

describe('lastOf', () => {
  it('takes the last of a repeated option, and a single value as it is', () => {
    expect(lastOf(['1', '2'])).toBe('2');
    expect(lastOf('3')).toBe('3');
    expect(lastOf(undefined)).toBeUndefined();
  });
});
