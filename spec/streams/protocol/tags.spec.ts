import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { formatTagged, parseTagged } from '../../../streams/protocol/tags.js';

/** Characters that need escaping or could confuse the parser, mixed with ordinary and non-ASCII ones. */
const tricky = fc.constantFrom(';', ' ', '\\', '\r', '\n', '=', ':', 's', 'r', 'n', '@', 'a', 'é', '\t', '\0');
const anyText = (options: { minLength?: number } = {}) =>
  fc.oneof(fc.string({ unit: tricky, ...options }), fc.string({ unit: 'binary', ...options }));
/** A key is anything that is not a separator: not `;`, space or `=`, and not empty. */
const key = fc.oneof(
  fc.constantFrom('id', 'seq', 'time', 'ack', 'replay', '+vendor/x', '__proto__', 'constructor', 'toString'),
  anyText({ minLength: 1 }).filter((k) => !/[; =]/.test(k)),
);
const tags = fc.dictionary(key, anyText(), { minKeys: 1, maxKeys: 6 });

describe('formatTagged', () => {
  it('puts the tags before the text, separated by one space', () => {
    expect(formatTagged({ seq: '3', time: '2026-01-01T00:00:00.000Z' }, '<alice> hi')).toBe(
      '@seq=3;time=2026-01-01T00:00:00.000Z <alice> hi',
    );
  });

  it('writes a tag without a value as its key alone', () => {
    expect(formatTagged({ seq: '1', replay: '' }, '* x')).toBe('@seq=1;replay * x');
  });

  it('writes a line that is all tags without a trailing space', () => {
    expect(formatTagged({ ack: 'a.7' }, '')).toBe('@ack=a.7');
  });

  it('leaves the text alone when there are no tags', () => {
    expect(formatTagged({}, 'plain text')).toBe('plain text');
  });

  it('escapes ; space backslash CR and LF in values', () => {
    expect(formatTagged({ k: 'a;b c\\d\re\nf' }, 't')).toBe('@k=a\\:b\\sc\\\\d\\re\\nf t');
  });

  it('produces one line whatever the values: no CR or LF, no space inside the tags', () => {
    const wireTags = fc.dictionary(fc.constantFrom('id', 'seq', 'time', 'ack', 'replay', 'cap'), anyText(), { minKeys: 1 });
    fc.assert(
      fc.property(wireTags, fc.string(), (t, text) => {
        const line = formatTagged(t, text.replace(/[\r\n]/g, ''));
        const head = line.slice(0, line.indexOf(' ') === -1 ? undefined : line.indexOf(' '));
        expect(head.startsWith('@')).toBe(true);
        expect(head).not.toMatch(/[\r\n]/);
        expect(line).not.toMatch(/[\r\n]/);
      }),
    );
  });
});

describe('parseTagged', () => {
  it('reads a line without a leading @ as text with no tags', () => {
    expect(parseTagged('<alice> hi @there')).toEqual({ tags: {}, text: '<alice> hi @there' });
    expect(parseTagged(' @id=1 x')).toEqual({ tags: {}, text: ' @id=1 x' });
    expect(parseTagged('')).toEqual({ tags: {}, text: '' });
  });

  it('reads valueless tags and empty values as empty strings', () => {
    expect(parseTagged('@replay;seq=4;x= * joined')).toEqual({ tags: { replay: '', seq: '4', x: '' }, text: '* joined' });
  });

  it('keeps the first of duplicate keys', () => {
    expect(parseTagged('@id=1;id=2;id x')).toEqual({ tags: { id: '1' }, text: 'x' });
    expect(parseTagged('@id;id=2 x')).toEqual({ tags: { id: '' }, text: 'x' });
  });

  it('reads a line that is all tags as empty text', () => {
    expect(parseTagged('@ack=9')).toEqual({ tags: { ack: '9' }, text: '' });
  });

  it('keeps everything after the first space as the text, spaces included', () => {
    expect(parseTagged('@a=1  two  spaces ')).toEqual({ tags: { a: '1' }, text: ' two  spaces ' });
  });

  it('skips empty tags between separators', () => {
    expect(parseTagged('@;a=1;;b=2; x')).toEqual({ tags: { a: '1', b: '2' }, text: 'x' });
    expect(parseTagged('@ text')).toEqual({ tags: {}, text: 'text' });
    expect(parseTagged('@')).toEqual({ tags: {}, text: '' });
  });

  it('splits a value at the first = only', () => {
    expect(parseTagged('@k=a=b x')).toEqual({ tags: { k: 'a=b' }, text: 'x' });
  });

  it('unescapes values, drops the backslash of an unknown escape and a trailing lone backslash', () => {
    expect(parseTagged('@k=a\\:b\\sc\\\\d\\re\\nf t').tags).toEqual({ k: 'a;b c\\d\re\nf' });
    expect(parseTagged('@k=\\x\\b').tags).toEqual({ k: 'xb' });
    expect(parseTagged('@k=ab\\ t').tags).toEqual({ k: 'ab' });
  });

  it('gives each parse its own tags, so no key comes from the prototype', () => {
    const { tags: parsed } = parseTagged('@a=1 x');
    expect(parsed.id).toBeUndefined();
    expect(parsed.constructor).toBeUndefined();
    const special = parseTagged('@__proto__=x;id=1 t').tags;
    expect(Object.entries(special)).toEqual([
      ['__proto__', 'x'],
      ['id', '1'],
    ]);
  });

  it('undoes formatTagged for any tags and text', () => {
    fc.assert(
      fc.property(tags, anyText(), (t, text) => {
        const parsed = parseTagged(formatTagged(t, text));
        expect(parsed.text).toBe(text);
        expect(Object.keys(parsed.tags).sort()).toEqual(Object.keys(t).sort());
        for (const k of Object.keys(t)) expect(parsed.tags[k]).toBe(t[k]);
      }),
      { numRuns: 500 },
    );
  });

  it('undoes formatTagged without tags for any text that does not start with @', () => {
    fc.assert(
      fc.property(
        anyText().filter((text) => !text.startsWith('@')),
        (text) => {
          expect(parseTagged(formatTagged({}, text))).toEqual({ tags: {}, text });
        },
      ),
    );
  });

  it('never throws on any line', () => {
    fc.assert(
      fc.property(anyText(), (body) => {
        const parsed = parseTagged(`@${body}`);
        expect(typeof parsed.text).toBe('string');
      }),
    );
  });
});
