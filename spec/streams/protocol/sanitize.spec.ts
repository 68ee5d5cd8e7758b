import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { isPrintableAscii, sanitize } from '../../../streams/protocol/sanitize.js';

// eslint-disable-next-line no-control-regex
const CONTROL_BUT_TAB = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

describe('sanitize', () => {
  it('makes ESC visible as ␛, so a peer cannot send terminal escape sequences', () => {
    expect(sanitize('\x1b[2J\x1b[1;1Hfake <admin> hi')).toBe('\u241b[2J\u241b[1;1Hfake <admin> hi');
  });

  it.each([
    ['CR', '\r', '\u240d'],
    ['BEL', '\x07', '\u2407'],
    ['backspace', '\b', '\u2408'],
    ['LF', '\n', '\u240a'],
    ['NUL', '\0', '\u2400'],
    ['unit separator', '\x1f', '\u241f'],
  ])('makes %s visible as its control picture', (_, control, picture) => {
    expect(sanitize(`a${control}b`)).toBe(`a${picture}b`);
  });

  it('maps every C0 control but TAB to its control picture', () => {
    for (let code = 0; code < 0x20; code++) {
      const expected = code === 0x09 ? '\t' : String.fromCharCode(0x2400 + code);
      expect(sanitize(String.fromCharCode(code))).toBe(expected);
    }
  });

  it('makes DEL visible as ␡', () => {
    expect(sanitize('a\x7fb')).toBe('a\u2421b');
  });

  it('turns C1 controls into U+FFFD', () => {
    expect(sanitize('\x80a\x85b\x9b2Jc\x9f')).toBe('\ufffda\ufffdb\ufffd2Jc\ufffd');
  });

  it('turns the bidi overrides and isolates into U+FFFD, and keeps the plain marks and right-to-left letters', () => {
    expect(sanitize('a\u202eb\u202ac\u2066d\u2069')).toBe('a\ufffdb\ufffdc\ufffdd\ufffd');
    expect(sanitize('\u05e9\u05dc\u05d5\u05dd \u200f\u200e \u0645\u0631\u062d\u0628\u0627')).toBe(
      '\u05e9\u05dc\u05d5\u05dd \u200f\u200e \u0645\u0631\u062d\u0628\u0627',
    );
  });

  it('keeps TAB', () => {
    expect(sanitize('a\tb\t')).toBe('a\tb\t');
  });

  it('keeps the characters right next to the control ranges', () => {
    expect(sanitize(' ~\u00a0\u00ff')).toBe(' ~\u00a0\u00ff');
  });

  it.each([
    ['Arabic', 'مرحبا بالعالم'],
    ['Hebrew', 'שלום עולם'],
    ['Hindi', 'नमस्ते दुनिया'],
    ['Chinese', '你好，世界'],
    ['Japanese', 'こんにちは世界'],
    ['Korean', '안녕하세요'],
    ['Thai', 'สวัสดีชาวโลก'],
    ['emoji with ZWJ and skin tones', '👩‍👩‍👧‍👦 👍🏽 🏳️‍🌈 🇫🇷'],
    ['combining marks', 'e\u0301 a\u0308 Z\u0351\u0352'],
    ['U+FFFD and a byte order mark', '\ufffd\ufeff'],
  ])('passes %s through untouched', (_, text) => {
    expect(sanitize(text)).toBe(text);
  });

  it('sanitizes every call alike, whatever came before', () => {
    expect(sanitize('plain text first, \x1b later')).toBe('plain text first, \u241b later');
    expect(sanitize('\x1b')).toBe('\u241b');
    expect(sanitize('clean')).toBe('clean');
    expect(sanitize('\x1b')).toBe('\u241b');
  });

  describe('properties', () => {
    const char = fc.oneof(
      fc.integer({ min: 0, max: 0xa0 }).map((code) => String.fromCharCode(code)),
      fc.integer({ min: 0x2028, max: 0x206f }).map((code) => String.fromCharCode(code)),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    );
    const text = fc.string({ unit: char, maxLength: 40 });

    it('never leaves a control character other than TAB, and replaces each with one character', () => {
      fc.assert(
        fc.property(text, (value) => {
          const result = sanitize(value);

          expect(result).not.toMatch(CONTROL_BUT_TAB);
          expect(result.length).toBe(value.length);
        }),
        { numRuns: 500 },
      );
    });

    it('leaves text without control characters unchanged', () => {
      fc.assert(
        fc.property(text, (value) => {
          const clean = value.replace(new RegExp(CONTROL_BUT_TAB.source, 'g'), '');
          expect(sanitize(clean)).toBe(clean);
        }),
        { numRuns: 300 },
      );
    });
  });
});

describe('isPrintableAscii', () => {
  /** Whether the lines are found printable: then the router relays them untested. */
  const noted = (lines: string[]): boolean => isPrintableAscii(lines.join('\n'));
  const ASCII_CONTROLS = [...Array(0x20).keys(), 0x7f].filter((code) => code !== 0x09 && code !== 0x0a);
  const long = (line: string): string[] =>
    Array.from({ length: 40 }, (_, i) => (i === 20 ? line : `line ${i} of a long read chunk, quite plain`));

  it('finds lines of printable ASCII and TAB printable, short or long', () => {
    expect(noted(['hi', 'a\tb', ''])).toBe(true);
    expect(long('x').join('\n').length).toBeGreaterThan(1024);
    expect(noted(long('a\tb'))).toBe(true);
  });

  it('finds no line with any control character but TAB printable, in a short text or a long one', () => {
    for (const code of ASCII_CONTROLS) {
      const line = `a${String.fromCharCode(code)}b`;
      expect([code, noted(['hi', line])]).toEqual([code, false]);
      expect([code, noted(long(line))]).toEqual([code, false]);
    }
  });

  it('finds exactly the batches of ASCII lines that sanitize would leave as they are printable', () => {
    // Mostly printable and often long, so that batches of each kind, short and long, clean or not, come up.
    const printable = fc.integer({ min: 0x20, max: 0x7e });
    const control = fc.constantFrom(0x09, ...ASCII_CONTROLS);
    const unit = fc
      .oneof({ weight: 2000, arbitrary: printable }, { weight: 1, arbitrary: control })
      .map((code) => String.fromCharCode(code));
    const line = fc.string({ unit, maxLength: 80, size: 'max' });
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 60, size: 'max' }), (lines) => {
        expect(noted(lines)).toBe(lines.every((text) => sanitize(text) === text));
      }),
      { numRuns: 500 },
    );
  });
});
