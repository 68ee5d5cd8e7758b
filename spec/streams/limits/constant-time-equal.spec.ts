import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { constantTimeEqual } from '../../../streams/limits/constant-time-equal.js';

describe('constantTimeEqual', () => {
  it('is true only for the same secret', () => {
    expect(constantTimeEqual('s3cret', 's3cret')).toBe(true);
    expect(constantTimeEqual('s3cres', 's3cret')).toBe(false);
    expect(constantTimeEqual('s3cre', 's3cret')).toBe(false);
    expect(constantTimeEqual('s3crett', 's3cret')).toBe(false);
    expect(constantTimeEqual('', 's3cret')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
    expect(constantTimeEqual('пароль🔑', 'пароль🔑')).toBe(true);
  });

  it('agrees with === on any pair of strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => constantTimeEqual(a, b) === (a === b)),
      { numRuns: 500 },
    );
    fc.assert(fc.property(fc.string(), (a) => constantTimeEqual(a, a)));
  });
});
