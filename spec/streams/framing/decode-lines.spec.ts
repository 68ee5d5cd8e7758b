import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { from, map, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  decodeLineBatches,
  decodeLines,
  DEFAULT_LINE_LIMITS,
  type FramedBatch,
  type FramedInput,
  type LineBatch,
  type LineLimits,
} from '../../../streams/framing/decode-lines.js';
import { sanitize } from '../../../streams/protocol/sanitize.js';
import { encodeLines } from '../../../streams/framing/encode.js';
import { LineTooLongError, SpeaksTlsError } from '../../../streams/errors.js';
import { throwOperatorErrorsSynchronously } from '../../helpers/synchronous-errors.js';

const encoder = new TextEncoder();

/** Text (UTF-8) and raw byte values, concatenated into one chunk. */
function bytes(...parts: (string | readonly number[])[]): Uint8Array {
  const pieces = parts.map((part) => (typeof part === 'string' ? encoder.encode(part) : Uint8Array.from(part)));
  const out = new Uint8Array(pieces.reduce((total, piece) => total + piece.length, 0));
  let offset = 0;
  for (const piece of pieces) {
    out.set(piece, offset);
    offset += piece.length;
  }
  return out;
}

/** Cuts `whole` at the given points (taken modulo its length), which may repeat (empty chunks). */
function splitAt(whole: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = cuts.map((cut) => cut % (whole.length + 1)).sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, whole.length]) {
    chunks.push(whole.subarray(start, point));
    start = point;
  }
  return chunks;
}

/** A marble string with one frame per byte of `text` (a, b, c, ...), then completion. */
function byteByByte(text: string): { marbles: string; values: Record<string, Uint8Array> } {
  const all = encoder.encode(text);
  const names = 'abcdefghijklmnopqrstuvwxyz';
  if (all.length > names.length) throw new Error('text too long for one marble string');
  const values: Record<string, Uint8Array> = {};
  all.forEach((byte, i) => (values[names[i]] = Uint8Array.of(byte)));
  return { marbles: names.slice(0, all.length) + '|', values };
}

type Plain = readonly string[] | { name: string; code: string; maxBytes: number; fatal: boolean };

/** Errors become plain objects so that marble comparisons check name, code, maxBytes and fatal. */
function plain(framed: FramedInput): Plain {
  return framed instanceof LineTooLongError
    ? { name: framed.name, code: framed.code, maxBytes: framed.maxBytes, fatal: framed.fatal }
    : framed;
}

function tooLong(maxBytes: number, fatal = false): Plain {
  return { name: 'LineTooLongError', code: 'LINE_TOO_LONG', maxBytes, fatal };
}

const small: LineLimits = { maxLineBytes: 4, hardLimitBytes: 10 };

function decoded(source: Observable<Uint8Array>, limits?: LineLimits): Observable<Plain> {
  return source.pipe(decodeLines(limits), map(plain));
}

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

const IAC = 0xff;
const SB = 0xfa;
const SE = 0xf0;
const WILL = 0xfb;
const DO = 0xfd;

describe('decodeLines', () => {
  describe('splitting', () => {
    it('emits two lines written in two chunks', () => {
      scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-a-b-|', { a: bytes('ab\n'), b: bytes('cd\n') });
        const subs = '       ^----!';
        const expected = '   -x-y-|';

        expectObservable(decoded(source)).toBe(expected, { x: ['ab'], y: ['cd'] });
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('joins a line split across chunks and keeps the tail for the next chunk', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a-b-|', { a: bytes('ab\ncd'), b: bytes('e\n') });
        const expected = '   -x-y-|';

        expectObservable(decoded(source)).toBe(expected, { x: ['ab'], y: ['cde'] });
      });
    });

    it('joins a line spread over many chunks', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a-b-c-d-|', { a: bytes('he'), b: bytes('l'), c: bytes('lo'), d: bytes(' you\n') });
        const expected = '   -------x-|';

        expectObservable(decoded(source)).toBe(expected, { x: ['hello you'] });
      });
    });

    it('emits one batch per chunk with all of its complete lines', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a-b-|', { a: bytes('one\ntwo\nthr'), b: bytes('ee\nfour\nfive\n') });
        const expected = '   -x-y-|';

        expectObservable(decoded(source)).toBe(expected, { x: ['one', 'two'], y: ['three', 'four', 'five'] });
      });
    });

    it('emits nothing for a chunk that completes no line', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a-b-c-|', { a: bytes('ab'), b: bytes('cd'), c: new Uint8Array(0) });
        const expected = '   -------(x|)';

        expectObservable(decoded(source)).toBe(expected, { x: ['abcd'] });
      });
    });

    it('handles a newline as the last byte of a chunk', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a-b-|', { a: bytes('ab\n'), b: bytes('cd') });
        const expected = '   -x---(y|)';

        expectObservable(decoded(source)).toBe(expected, { x: ['ab'], y: ['cd'] });
      });
    });

    it('handles a newline as the first byte of a chunk', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a-b-|', { a: bytes('ab'), b: bytes('\ncd\n') });
        const expected = '   ---x-|';

        expectObservable(decoded(source)).toBe(expected, { x: ['ab', 'cd'] });
      });
    });

    it('emits an unterminated last line on complete', () => {
      scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-a-|', { a: bytes('x\nlast') });
        const subs = '       ^--!';
        const expected = '   -x-(y|)';

        expectObservable(decoded(source)).toBe(expected, { x: ['x'], y: ['last'] });
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('keeps empty lines', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a-b-|', { a: bytes('\n\na\n'), b: bytes('\r\n\n') });
        const expected = '   -x-y-|';

        expectObservable(decoded(source)).toBe(expected, { x: ['', '', 'a'], y: ['', ''] });
      });
    });

    it('completes without emitting when the input is empty or ends in a newline', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const empty = cold<Uint8Array>('---|');
        const ended = cold('-a-|', { a: bytes('a\n') });

        expectObservable(decoded(empty)).toBe('---|');
        expectObservable(decoded(ended)).toBe('-x-|', { x: ['a'] });
      });
    });
  });

  describe('line endings', () => {
    it('drops the CR of Windows CRLF line endings', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a-b-|', { a: bytes('ab\r\ncd\r\n'), b: bytes('ef\r\n') });
        const expected = '   -x-y-|';

        expectObservable(decoded(source)).toBe(expected, { x: ['ab', 'cd'], y: ['ef'] });
      });
    });

    it('ends a line at a CR at once, and takes the LF in the next chunk for the same ending', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a-b-|', { a: bytes('ab\r'), b: bytes('\ncd\r\n') });
        const expected = '   -x-y-|';

        expectObservable(decoded(source)).toBe(expected, { x: ['ab'], y: ['cd'] });
      });
    });

    it('ends a line at a bare CR (a terminal in raw mode), CR LF still one ending', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a-|', { a: bytes('a\rb\nc\r\r\nd\re\r') });
        const expected = '   -x-|';

        expectObservable(decoded(source)).toBe(expected, { x: ['a', 'b', 'c', '', 'd', 'e'] });
      });
    });

    it("ends lines at CR NUL, telnet's Enter in character mode, even with the NUL in the next chunk", () => {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a-b-c-|', { a: bytes('one\r\0two\r'), b: bytes('\0'), c: bytes('\0three\r\0') });
        const expected = '   -x---y-|';

        // Only the NUL right after a CR belongs to the ending; another one is part of the text.
        expectObservable(decoded(source)).toBe(expected, { x: ['one', 'two'], y: ['\0three'] });
      });
    });

    it('takes an LF after a CR as part of its ending across an empty chunk', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a-b-c-|', { a: bytes('ab\r'), b: bytes(''), c: bytes('\ncd\n') });
        const expected = '   -x---y-|';

        expectObservable(decoded(source)).toBe(expected, { x: ['ab'], y: ['cd'] });
      });
    });
  });

  describe('UTF-8', () => {
    it.each([
      ['a 2-byte character', 'é\n'],
      ['a 3-byte character', '€\n'],
      ['a 4-byte character', '😀\n'],
      ['CJK', '中文\n'],
      ['a mix', 'é€😀中\n'],
    ])('decodes %s fed one byte at a time', (_, text) => {
      scheduler().run(({ cold, expectObservable }) => {
        const { marbles, values } = byteByByte(text);
        const source = cold(marbles, values);
        const expected = '-'.repeat(marbles.length - 2) + 'x|';

        expectObservable(decoded(source)).toBe(expected, { x: [text.slice(0, -1)] });
      });
    });

    it('decodes a character split across chunks right before the newline', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const euro = encoder.encode('€');
        const source = cold('-a-b-|', { a: bytes('x', [euro[0], euro[1]]), b: bytes([euro[2]], '\n') });
        const expected = '   ---x-|';

        expectObservable(decoded(source)).toBe(expected, { x: ['x€'] });
      });
    });

    it('turns a truncated character at the end of the input into U+FFFD', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a-b-|', { a: bytes('ok\nab'), b: bytes([0xe2, 0x82]) });
        const expected = '   -x---(y|)';

        expectObservable(decoded(source)).toBe(expected, { x: ['ok'], y: ['ab\ufffd'] });
      });
    });

    it('turns a truncated character at the end of a line into U+FFFD and decodes the next line intact', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a-|', { a: bytes('a', [0xf0, 0x9f, 0x98], '\n€\n') });
        const expected = '   -x-|';

        expectObservable(decoded(source)).toBe(expected, { x: ['a\ufffd', '€'] });
      });
    });

    it('turns invalid bytes anywhere into U+FFFD without an error', () => {
      scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-a-b-|', {
          a: bytes([0x80], 'a', [0xc3, 0x28], '\n', [0xed, 0xa0, 0x80]),
          b: bytes([0xf8], 'b', [0xc0, 0xaf], '\n', [0xfe]),
        });
        const subs = '       ^----!';
        const expected = '   -x-y-(z|)';

        expectObservable(decoded(source)).toBe(expected, {
          x: ['\ufffda\ufffd('],
          y: ['\ufffd\ufffd\ufffd\ufffdb\ufffd\ufffd'],
          z: ['\ufffd'],
        });
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('keeps a byte order mark at the start of any line', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a-|', { a: bytes('\ufeffone\n\ufefftwo\n') });
        const expected = '   -x-|';

        expectObservable(decoded(source)).toBe(expected, { x: ['\ufeffone', '\ufefftwo'] });
      });
    });
  });

  describe('line limit', () => {
    it('passes a line exactly at the limit, CRLF not counted', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a-b-c-|', { a: bytes('abcd\n'), b: bytes('abcd\r\n'), c: bytes('éé\n') });
        const expected = '   -x-x-y-|';

        expectObservable(decoded(source, small)).toBe(expected, { x: ['abcd'], y: ['éé'] });
      });
    });

    it('passes a line at the limit whose CR and LF arrive in different chunks', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a-b-|', { a: bytes('abcd\r'), b: bytes('\n') });
        const expected = '   -x---|';

        expectObservable(decoded(source, small)).toBe(expected, { x: ['abcd'] });
      });
    });

    it('replaces a line one byte over the limit, sent in one chunk, and the next line still arrives', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a----|', { a: bytes('ok\nabcde\nnext\n') });
        const expected = '   -(xey)|';

        expectObservable(decoded(source, small)).toBe(expected, { x: ['ok'], e: tooLong(4), y: ['next'] });
      });
    });

    it('counts bytes, not characters', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a---|', { a: bytes('é€\nok\n') });
        const expected = '   -(ey)|';

        expectObservable(decoded(source, small)).toBe(expected, { e: tooLong(4), y: ['ok'] });
      });
    });

    it('replaces a line over the limit sent across many chunks, and the next line still arrives', () => {
      scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-a-b-c-d---|', { a: bytes('abc'), b: bytes('def'), c: bytes('gh'), d: bytes('i\nok\n') });
        const subs = '       ^----------!';
        const expected = '   -------(ey)|';

        expectObservable(decoded(source, small)).toBe(expected, { e: tooLong(4), y: ['ok'] });
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('replaces a line one byte over the limit whose newline comes in the next chunk', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a-b---|', { a: bytes('abcde'), b: bytes('\nok\n') });
        const expected = '   ---(ey)|';

        expectObservable(decoded(source, small)).toBe(expected, { e: tooLong(4), y: ['ok'] });
      });
    });

    it('reports each over-long line once, in order with the good lines around it', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a-----b|', { a: bytes('a\nlonger\nb\nlonger too\nc'), b: bytes('\n') });
        const expected = '   -(xeyf)z|';

        expectObservable(decoded(source, small)).toBe(expected, {
          x: ['a'],
          e: tooLong(4),
          y: ['b'],
          f: tooLong(4),
          z: ['c'],
        });
      });
    });

    it('replaces an unterminated last line over the limit on complete', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const oneOver = cold('-a-|', { a: bytes('abcde') });
        const farOver = cold('-a-b-|', { a: bytes('abcde'), b: bytes('fgh') });
        const atLimit = cold('-a-|', { a: bytes('abcd\r') });

        expectObservable(decoded(oneOver, small)).toBe('---(e|)', { e: tooLong(4) });
        expectObservable(decoded(farOver, small)).toBe('-----(e|)', { e: tooLong(4) });
        expectObservable(decoded(atLimit, small)).toBe('-x-|', { x: ['abcd'] });
      });
    });

    it('carries the limit, a code and a message on the error', () => {
      const seen: FramedInput[] = [];
      from([bytes('abcde\n')])
        .pipe(decodeLines(small))
        .subscribe((framed) => seen.push(framed));

      expect(seen).toHaveLength(1);
      const error = seen[0];
      expect(error).toBeInstanceOf(LineTooLongError);
      expect(error).toBeInstanceOf(Error);
      expect(error).toMatchObject({
        name: 'LineTooLongError',
        code: 'LINE_TOO_LONG',
        maxBytes: 4,
        fatal: false,
        message: 'line too long (max 4 bytes)',
      });
    });
  });

  describe('hard limit', () => {
    it('emits one fatal error past the hard limit and ignores the rest while staying subscribed', () => {
      scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-a-b-c-d-|', { a: bytes('abcdef'), b: bytes('ghijk'), c: bytes('\nok\n'), d: bytes('x'.repeat(20)) });
        const subs = '       ^--------!';
        const expected = '   ---f-----|';

        expectObservable(decoded(source, small)).toBe(expected, { f: tooLong(10, true) });
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('emits the complete lines of the chunk before the fatal error', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a-b-|', { a: bytes('ok\n' + 'x'.repeat(11)), b: bytes('\nlater\n') });
        const expected = '   -(xf)|';

        expectObservable(decoded(source, small)).toBe(expected, { x: ['ok'], f: tooLong(10, true) });
      });
    });

    it('is not reached by exactly hardLimitBytes without a newline', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a-b---|', { a: bytes('x'.repeat(10)), b: bytes('\nok\n') });
        const expected = '   ---(ey)|';

        expectObservable(decoded(source, small)).toBe(expected, { e: tooLong(4), y: ['ok'] });
      });
    });

    it('counts from the last newline, so long traffic of short lines never reaches it', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a-b-c-|', { a: bytes('abc\nabc'), b: bytes('d\nabcd\nab'), c: bytes('cd\n') });
        const expected = '   -x-y-z-|';

        expectObservable(decoded(source, small)).toBe(expected, { x: ['abc'], y: ['abcd', 'abcd'], z: ['abcd'] });
      });
    });

    it('keeps the message of a fatal error', () => {
      const seen: FramedInput[] = [];
      from([bytes('x'.repeat(11))])
        .pipe(decodeLines(small))
        .subscribe((framed) => seen.push(framed));

      expect(seen).toEqual([expect.any(LineTooLongError)]);
      expect(seen[0]).toMatchObject({ fatal: true, maxBytes: 10, message: 'line too long: no newline within 10 bytes' });
    });
  });

  describe('printable batches', () => {
    /** The batches one chunk yields, read synchronously. */
    const batchesOf = (chunk: Uint8Array): FramedBatch[] => {
      const batches: FramedBatch[] = [];
      from([chunk])
        .pipe(decodeLineBatches())
        .subscribe((batch) => batches.push(batch));
      return batches;
    };
    const printable = (batch: FramedBatch): batch is LineBatch => !(batch instanceof LineTooLongError) && batch.printable;

    it('says a chunk of ASCII lines without control characters is printable, so the router need not test each line', () => {
      const long = Array.from({ length: 100 }, (_, i) => `line ${i}\tof a long chunk`).join('\n') + '\n';
      for (const text of ['hi\nyo there\n', long]) {
        const [batch] = batchesOf(bytes(text));
        expect(batch).toEqual({ lines: text.split('\n').slice(0, -1), printable: true });
      }
    });

    it('frames exactly as decodeLines does, however the bytes are split', () => {
      const text = fc.string({ unit: fc.constantFrom('a', 'b', '\t', '\x1b', '\r', '\n', 'é', '\u0000'), maxLength: 200 });
      fc.assert(
        fc.property(text, fc.array(fc.nat(), { maxLength: 8 }), (whole, cuts) => {
          const chunks = splitAt(bytes(whole), cuts);
          const lines: FramedInput[] = [];
          const batches: FramedBatch[] = [];
          from(chunks)
            .pipe(decodeLines({ maxLineBytes: 20, hardLimitBytes: 80 }))
            .subscribe((framed) => lines.push(framed));
          from(chunks)
            .pipe(decodeLineBatches({ maxLineBytes: 20, hardLimitBytes: 80 }))
            .subscribe((framed) => batches.push(framed));
          expect(batches.map((framed) => (framed instanceof LineTooLongError ? framed : framed.lines))).toEqual(lines);
          for (const batch of batches) if (printable(batch)) expect(batch.lines.every((line) => sanitize(line) === line)).toBe(true);
        }),
      );
    });

    it.each([
      ['a control character', bytes('a\x1b[2Jb\nc\n')],
      ['one control character in a long chunk', bytes('x'.repeat(1500), '\n', 'a\x07b\n', 'y'.repeat(1500), '\n')],
      ['CRLF line endings', bytes('a\r\nb\r\n')],
      ['text that is not ASCII', bytes('h\u00e9llo\n')],
      ['invalid UTF-8', bytes('ab', [0xc3], '\n')],
    ])('does not say a batch with %s is printable: those lines are tested one by one', (_, chunk) => {
      const [batch] = batchesOf(chunk);
      expect(batch).not.toBeInstanceOf(LineTooLongError);
      expect(printable(batch)).toBe(false);
    });
  });

  describe('telnet', () => {
    it('ends a line at CR NUL', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a-|', { a: bytes('one\r\0two\r\n\r\0\r\n') });
        const expected = '   -x-|';

        expectObservable(decoded(source)).toBe(expected, { x: ['one', 'two', '', ''] });
      });
    });

    it('removes IAC negotiation before and between lines', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a-b-|', {
          a: bytes([IAC, DO, 1, IAC, WILL, 3], 'hi\r\n', [IAC, SB, 24, 0], 'xterm', [IAC, SE]),
          b: bytes('yo', [IAC, 0xf1], '!\r\n'),
        });
        const expected = '   -x-y-|';

        expectObservable(decoded(source)).toBe(expected, { x: ['hi'], y: ['yo!'] });
      });
    });

    it('removes a negotiation split across chunks', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a-b-c-|', { a: bytes('a', [IAC]), b: bytes([WILL]), c: bytes([1], 'b\n') });
        const expected = '   -----x-|';

        expectObservable(decoded(source)).toBe(expected, { x: ['ab'] });
      });
    });

    it('turns IAC IAC into one U+FFFD after a negotiation', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a-|', { a: bytes([IAC, DO, 1], 'a', [IAC, IAC], 'b\n') });
        const expected = '   -x-|';

        expectObservable(decoded(source)).toBe(expected, { x: ['a\ufffdb'] });
      });
    });

    it('lets a 0xFF swallow nothing from a peer that never negotiated', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a-b-c-|', {
          a: bytes('a', [IAC], 'b\n'),
          b: bytes('one ', [IAC], ' two\n'),
          c: bytes([IAC, 0xf1, IAC, IAC], 'x\n'),
        });
        const expected = '   -x-y-z-|';

        expectObservable(decoded(source)).toBe(expected, { x: ['a\ufffdb'], y: ['one \ufffd two'], z: ['\ufffd\ufffd\ufffd\ufffdx'] });
      });
    });

    it('lets a 0xFF at the end of one chunk swallow nothing from the next, or from the end of the input', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const split = cold('-a-b-|', { a: bytes('a', [IAC]), b: bytes('b\n') });
        const last = cold('-a-|', { a: bytes('a', [IAC]) });

        expectObservable(decoded(split)).toBe('---x-|', { x: ['a\ufffdb'] });
        expectObservable(decoded(last)).toBe('---(x|)', { x: ['a\ufffd'] });
      });
    });

    it('takes IAC and a byte that is no telnet command as data after a negotiation too', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a-|', { a: bytes([IAC, WILL, 3], 'a', [IAC], 'b\n') });

        expectObservable(decoded(source)).toBe('-x-|', { x: ['a\ufffdb'] });
      });
    });
  });

  describe('a TLS client', () => {
    it('fails with a SpeaksTlsError when the first chunk is a TLS handshake, after an empty chunk too', () => {
      scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-e-h-|', { e: bytes(''), h: bytes([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]) });

        expectObservable(decoded(source)).toBe('---#', undefined, new SpeaksTlsError());
        expectSubscriptions(source.subscriptions).toBe('^--!');
      });
    });

    it('takes the same bytes later on as text like any other', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a-h-|', { a: bytes('hi\n'), h: bytes([0x16, 0x03, 0x01], '\n') });

        expectObservable(decoded(source)).toBe('-x-y-|', { x: ['hi'], y: ['\u0016\u0003\u0001'] });
      });
    });
  });

  describe('subscriptions', () => {
    it('unsubscribes from its source when the result is unsubscribed', () => {
      scheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
        const source = hot('--a--b--c--|', { a: bytes('a\nb'), b: bytes('c\n'), c: bytes('d\n') });
        const subs = '      ^-----!';
        const unsub = '     ^-----!';
        const expected = '  --x--y';

        expectObservable(decoded(source), unsub).toBe(expected, { x: ['a'], y: ['bc'] });
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('unsubscribes from its source after a fatal error when the result is unsubscribed', () => {
      scheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
        const source = hot('--a--b--|', { a: bytes('x'.repeat(11)), b: bytes('\n') });
        const subs = '      ^------!';
        const unsub = '     ^------!';
        const expected = '  --f';

        expectObservable(decoded(source, small), unsub).toBe(expected, { f: tooLong(10, true) });
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('passes an error on without flushing the unfinished line', () => {
      scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-a-#', { a: bytes('a\nunfinished') }, new Error('reset'));
        const subs = '       ^--!';
        const expected = '   -x-#';

        expectObservable(decoded(source)).toBe(expected, { x: ['a'] }, new Error('reset'));
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('keeps state per subscription, so one operator can serve many connections', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const decode = decodeLines(small);
        const first = cold('-a--|', { a: bytes('ab') });
        const second = cold('--a-|', { a: bytes('cd') });
        const expected = '  ----(x|)';

        expectObservable(first.pipe(decode, map(plain))).toBe(expected, { x: ['ab'] });
        expectObservable(second.pipe(decode, map(plain))).toBe(expected, { x: ['cd'] });
      });
    });

    it('keeps a character split between chunks to its subscription while another decodes between the halves', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const decode = decodeLines();
        const first = cold(' a-b|', { a: bytes('x', [0xe2, 0x82]), b: bytes([0xac], '\n') });
        const second = cold('-a-|', { a: bytes('y', [0xe2], '\n') });

        expectObservable(first.pipe(decode, map(plain))).toBe(' --x|', { x: ['x€'] });
        expectObservable(second.pipe(decode, map(plain))).toBe('-y-|', { y: ['y\uFFFD'] });
      });
    });
  });

  describe('properties', () => {
    throwOperatorErrorsSynchronously();

    function decodeAll(chunks: readonly Uint8Array[], limits?: LineLimits): { out: FramedInput[]; completed: boolean } {
      const out: FramedInput[] = [];
      let completed = false;
      from(chunks)
        .pipe(decodeLines(limits))
        .subscribe({ next: (framed) => out.push(framed), complete: () => (completed = true) });
      return { out, completed };
    }

    function concat(parts: readonly Uint8Array[]): Uint8Array {
      return bytes(...parts.map((part) => Array.from(part)));
    }

    // The round-trip contract: any well-formed Unicode line without LF and CR (both end a line)
    // comes back exactly; it may hold NUL anywhere (and invalid UTF-8 never comes out of encodeLines).
    const char = fc.oneof(
      fc.constantFrom('\r', '\0', 'é', '€', '😀', '中', '\ufeff', '\ufffd', '\t', 'a'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    );
    const line = fc.string({ unit: char, maxLength: 12 }).filter((text) => !text.includes('\n') && !text.includes('\r'));
    const batches = fc.array(fc.array(line, { maxLength: 5 }), { maxLength: 6 });
    const cuts = fc.array(fc.nat(), { maxLength: 12 });

    it('decodes lines encoded with encodeLines back exactly, however the bytes are split', () => {
      fc.assert(
        fc.property(batches, cuts, (lineBatches, cutPoints) => {
          const whole = concat(lineBatches.map(encodeLines));
          const { out, completed } = decodeAll(splitAt(whole, cutPoints));

          expect(completed).toBe(true);
          expect(out.every((framed) => Array.isArray(framed))).toBe(true);
          expect(out.flat()).toEqual(lineBatches.flat());
        }),
        { numRuns: 400 },
      );
    });

    it('decodes lines up to the limit back exactly under a small limit', () => {
      const limits: LineLimits = { maxLineBytes: 8, hardLimitBytes: 32 };
      const shortLine = line.filter((text) => encoder.encode(text).length <= limits.maxLineBytes);
      const crlf = fc.boolean();
      fc.assert(
        fc.property(fc.array(fc.tuple(shortLine, crlf), { maxLength: 8 }), cuts, (lines, cutPoints) => {
          const whole = bytes(...lines.map(([text, withCr]) => text + (withCr ? '\r\n' : '\n')));
          const { out } = decodeAll(splitAt(whole, cutPoints), limits);

          expect(out.flat()).toEqual(lines.map(([text]) => text));
        }),
        { numRuns: 300 },
      );
    });

    // Bytes that matter to the decoder come up often: LF, CR, NUL, IAC and its commands,
    // UTF-8 lead and continuation bytes, and invalid ones.
    const byte = fc.oneof(
      fc.constantFrom(0x0a, 0x0d, 0x00, 0xff, 0xfa, 0xf0, 0xfb, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0xc3, 0xa9, 0x61),
      fc.integer({ min: 0, max: 255 }),
    );
    const randomBytes = fc.array(byte, { maxLength: 120 }).map((values) => Uint8Array.from(values));
    const limitsArb = fc
      .record({ maxLineBytes: fc.integer({ min: 1, max: 16 }), extra: fc.integer({ min: 0, max: 40 }) })
      .map(({ maxLineBytes, extra }): LineLimits => ({ maxLineBytes, hardLimitBytes: maxLineBytes + 1 + extra }));

    it('never throws on random bytes and never emits a line over the limit', () => {
      fc.assert(
        fc.property(randomBytes, cuts, limitsArb, (whole, cutPoints, limits) => {
          const { out, completed } = decodeAll(splitAt(whole, cutPoints), limits);

          expect(completed).toBe(true);
          for (const framed of out) {
            if (framed instanceof LineTooLongError) continue;
            for (const text of framed) {
              // Each input byte yields at most one UTF-16 code unit.
              expect(text.length).toBeLessThanOrEqual(limits.maxLineBytes);
              expect(text).not.toContain('\n');
            }
          }
          const fatal = out.findIndex((framed) => framed instanceof LineTooLongError && framed.fatal);
          if (fatal !== -1) expect(fatal).toBe(out.length - 1);
        }),
        { numRuns: 500 },
      );
    });

    it('decodes the same lines whatever the split points, as long as the hard limit is not reached', () => {
      fc.assert(
        fc.property(randomBytes, cuts, fc.integer({ min: 1, max: 16 }), (whole, cutPoints, maxLineBytes) => {
          const limits: LineLimits = { maxLineBytes, hardLimitBytes: DEFAULT_LINE_LIMITS.hardLimitBytes };
          const flat = (out: FramedInput[]): Plain[] =>
            out.flatMap((framed) => (framed instanceof LineTooLongError ? [plain(framed)] : framed.map((text) => [text])));

          expect(flat(decodeAll(splitAt(whole, cutPoints), limits).out)).toEqual(flat(decodeAll([whole], limits).out));
        }),
        { numRuns: 300 },
      );
    });
  });
});

describe('decodeLines with empty chunks', () => {
  it('keeps a CR at the limit paired with its LF across an empty chunk', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('abc|', { a: bytes('abcd\r'), b: bytes(''), c: bytes('\n') });
      expectObservable(decoded(source, small)).toBe('x--|', { x: ['abcd'] });
    });
  });
});
