import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { invalidNickReason, MAX_NICK_LENGTH, nickKey } from '../../../streams/protocol/nick.js';

const CHARSET = 'a nick is letters, digits and _ - . [ ] only';
const TOO_LONG = `a nick has at most ${MAX_NICK_LENGTH} characters`;

describe('invalidNickReason', () => {
  it.each(['alice', 'Bob', 'guest-1', 'a_b.c', '[away]', 'x', '42', 'Ünal', 'Влад', '太郎', 'علي', '٣', 'अमित', 'Jose\u0301'])(
    'accepts %j',
    (nick) => {
      expect(invalidNickReason(nick)).toBeUndefined();
    },
  );

  it.each(['', 'two words', 'tab\there', '<bob>', '*bob*', 'a/b', 'bob!', 'esc\x1b', 'new\nline', 'emoji🎉', 'a,b'])(
    'refuses %j',
    (nick) => {
      expect(invalidNickReason(nick)).toBe(CHARSET);
    },
  );

  it('accepts 32 characters and refuses 33', () => {
    expect(MAX_NICK_LENGTH).toBe(32);
    expect(invalidNickReason('a'.repeat(32))).toBeUndefined();
    expect(invalidNickReason('a'.repeat(33))).toBe(TOO_LONG);
  });

  it('counts characters, not UTF-16 units or bytes', () => {
    // '𝒜' (U+1D49C) is one letter in two UTF-16 units.
    expect(invalidNickReason('𝒜'.repeat(32))).toBeUndefined();
    expect(invalidNickReason('é'.repeat(32))).toBeUndefined();
    expect(invalidNickReason('𝒜'.repeat(33))).toBe(TOO_LONG);
  });

  it('never lets a nick contain what could fake a line prefix or a space', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (nick) => {
        if (invalidNickReason(nick) === undefined) {
          expect(nick).not.toMatch(/[\s<>*!/\u0000-\u001f\u007f]/u);
          expect([...nick].length).toBeGreaterThan(0);
          expect([...nick].length).toBeLessThanOrEqual(MAX_NICK_LENGTH);
        }
      }),
    );
  });
});

describe('nickKey', () => {
  it('compares nicks without case', () => {
    expect(nickKey('Alice')).toBe(nickKey('ALICE'));
    expect(nickKey('Ünal')).toBe(nickKey('üNAL'));
    expect(nickKey('bob')).not.toBe(nickKey('bobby'));
  });
});
