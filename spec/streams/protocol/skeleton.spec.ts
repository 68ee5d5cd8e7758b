import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createRequire } from 'node:module';
import unhomoglyph from 'unhomoglyph';
import { ASCII_CONFUSABLES } from '../../../streams/protocol/confusables-ascii.js';
import { CONFUSABLES } from '../../../streams/protocol/confusables.js';
import { confusableSkeleton } from '../../../streams/protocol/skeleton.js';

const require = createRequire(import.meta.url);

describe('confusableSkeleton', () => {
  it("holds the unhomoglyph package's table exactly (after updating that package: npm run confusables)", () => {
    expect(Object.fromEntries(CONFUSABLES)).toEqual(require('unhomoglyph/data.json'));
  });

  it('holds the ASCII look-alikes of that table apart, exactly', () => {
    const ascii = [...CONFUSABLES].filter(([char]) => char < '\x80');
    expect(ascii.length).toBeGreaterThan(0);
    expect([...ASCII_CONFUSABLES]).toEqual(ascii);
  });

  it('maps every ASCII character as unhomoglyph does', () => {
    const ascii = Array.from({ length: 128 }, (_, code) => String.fromCharCode(code)).join('');
    expect(confusableSkeleton(ascii)).toBe(unhomoglyph(ascii));
    expect(confusableSkeleton('m%|')).toBe('rn\u00ba/\u2080l');
  });

  it('replaces each look-alike by its prototype and leaves the rest as it is', () => {
    expect(confusableSkeleton('\u0430lice')).toBe('alice'); // Cyrillic а
    expect(confusableSkeleton('b0b')).toBe('bOb');
    expect(confusableSkeleton('\u{1d41a}')).toBe('a'); // bold 𝐚, outside the BMP
    expect(confusableSkeleton('bob')).toBe('bob');
    expect(confusableSkeleton('')).toBe('');
  });

  it('agrees with unhomoglyph on any text of look-alikes, plain letters and astral characters', () => {
    const lookAlikes = [...CONFUSABLES.keys()];
    const char = fc.oneof(fc.constantFrom(...lookAlikes), fc.constantFrom(...'abcIl01 -_.'), fc.string({ unit: 'grapheme', maxLength: 1 }));
    fc.assert(
      fc.property(fc.array(char, { maxLength: 20 }), (chars) => {
        const text = chars.join('');
        expect(confusableSkeleton(text)).toBe(unhomoglyph(text));
      }),
      { numRuns: 2000 },
    );
  });
});
