import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { confusableSkeleton } from '../../../streams/protocol/skeleton.js';
import {
  guestNumber,
  invalidNickReason,
  MAX_NICK_LENGTH,
  nickKey,
  nickTakenReason,
  normalizeNick,
} from '../../../streams/protocol/nick.js';

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

describe('nickKey of look-alikes (NFKC, then the TR39 confusable skeleton)', () => {
  it.each([
    ['Cyrillic а', '\u0430lice'],
    ['fullwidth ａ', '\uff41lice'],
    ['mathematical bold', '𝐚𝐥𝐢𝐜𝐞'],
    ['mathematical script capitals', '𝒜𝐿𝐼𝒞𝐸'.normalize('NFKC').toLowerCase()],
    ['Greek ο and Cyrillic і', 'al\u0456ce'],
    ['a capital I for the l', 'aIice'],
    ['a capital I for the i', 'alIce'],
    ['a digit 1 for the l', 'a1ice'],
    ['a Roman numeral Ⅰ for the l', 'a\u2160ice'],
    ['an i with a dot above (its own dot hides it)', 'ali\u0307ce'],
    ['a dotless ı with a dot above', 'al\u0131\u0307ce'],
  ])('gives %s the key of alice', (_, nick) => {
    expect(nickKey(nick)).toBe(nickKey('alice'));
  });

  it('gives the composed and the decomposed é one key', () => {
    expect(nickKey('Jos\u00e9')).toBe(nickKey('Jose\u0301'));
  });

  it('gives fullwidth ｓｅｒｖｅｒ the key of server, and a digit the key of its letter', () => {
    expect(nickKey('\uff53\uff45\uff52\uff56\uff45\uff52')).toBe(nickKey('server'));
    expect(nickKey('b0b')).toBe(nickKey('bob'));
    expect(nickKey('guest-1')).toBe(nickKey('guest-l'));
  });

  it('keeps nicks that only resemble each other apart', () => {
    expect(nickKey('alice')).not.toBe(nickKey('alicia'));
    expect(nickKey('Влад')).not.toBe(nickKey('Влада'));
    expect(nickKey('太郎')).not.toBe(nickKey('次郎'));
  });

  it('maps a guest nick as the cluster script does: 0 to o and 1 to l, nothing else', () => {
    expect(nickKey('guest-0123456789')).toBe('guest-ol23456789');
  });
});

describe('nickKey and normalizeNick on ASCII (which they leave to no normaliser)', () => {
  // What they compute, every step through String.prototype.normalize.
  const everyStep = (name: string): string =>
    confusableSkeleton(name.normalize('NFKC').toLowerCase().normalize('NFD'))
      .normalize('NFD')
      .toLowerCase()
      .replace(/([ij])\u0307/gu, '$1')
      .replaceAll('i', 'l');

  it('give what normalising every step gives, for ASCII and any other text', () => {
    const text = fc.oneof(
      fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((code) => String.fromCharCode(code)) }),
      fc.string({ unit: 'grapheme' }),
    );
    fc.assert(
      fc.property(text, (name) => {
        expect(nickKey(name)).toBe(everyStep(name));
        expect(normalizeNick(name)).toBe(name.normalize('NFKC'));
      }),
      { numRuns: 2000 },
    );
    expect(nickKey('50%')).toBe(everyStep('50%')); // an ASCII look-alike whose prototype is not ASCII
  });
});

describe('normalizeNick and nickTakenReason', () => {
  it('keeps a nick in NFKC form', () => {
    expect(normalizeNick('\uff41lice')).toBe('alice');
    expect(normalizeNick('Jose\u0301')).toBe('Jos\u00e9');
  });

  it('says taken for the same nick in another case, and names what a look-alike looks like', () => {
    expect(nickTakenReason('ALICE', 'alice')).toBe('nick ALICE is taken');
    expect(nickTakenReason('\u0430lice', 'alice')).toBe('nick \u0430lice looks like alice, which is taken');
  });
});

describe('guestNumber', () => {
  it('is the number of a guest nick as a server gives it', () => {
    expect(['guest-1', 'guest-602', 'guest-999999999'].map(guestNumber)).toEqual([1, 602, 999_999_999]);
  });

  it('is undefined for any other nick, guest-like or not', () => {
    for (const nick of ['guest-0', 'guest-06', 'Guest-6', 'guest-6o2', 'guest-', 'guest-1000000000', 'alice', 'xguest-6', 'guest-6 '])
      expect(guestNumber(nick)).toBeUndefined();
  });
});
