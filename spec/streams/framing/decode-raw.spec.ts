import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { from, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { decodeRaw } from '../../../streams/framing/decode-raw.js';
import type { FramedInput } from '../../../streams/framing/decode-lines.js';
import { throwOperatorErrorsSynchronously } from '../../helpers/synchronous-errors.js';
import { LineTooLongError } from '../../../streams/errors.js';

/** Errors become plain objects, so that marbles compare their name, limit and fatality. */
const plain = (framed: FramedInput): unknown =>
  framed instanceof LineTooLongError ? { name: framed.name, maxBytes: framed.maxBytes, fatal: framed.fatal } : framed;

const encoder = new TextEncoder();

/** Text (UTF-8) and raw byte values, concatenated into one chunk. */
function bytes(...parts: (string | readonly number[])[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((part) => (typeof part === 'string' ? Array.from(encoder.encode(part)) : part)));
}

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

describe('decodeRaw', () => {
  it('emits each chunk as one message', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-|', { a: bytes('hi there'), b: bytes('yo') });
      const subs = '       ^----!';
      const expected = '   -x-y-|';

      expectObservable(source.pipe(decodeRaw())).toBe(expected, { x: ['hi there'], y: ['yo'] });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('puts a LineTooLongError in the place of a message over --max-line, in bytes, and goes on', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-----b-|', { a: bytes('abcd\nabcde\nok'), b: bytes('éé') });
      const expected = '   -(xey)-z-|';

      expectObservable(source.pipe(decodeRaw({ maxLineBytes: 4, hardLimitBytes: 16 }), map(plain))).toBe(expected, {
        x: ['abcd'],
        e: { name: 'LineTooLongError', maxBytes: 4, fatal: false },
        y: ['ok'],
        z: ['éé'],
      });
    });
  });

  it('holds back a multibyte character split across chunks and joins it', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const euro = encoder.encode('€');
      const source = cold('-a-b-c-|', { a: bytes('x', [euro[0]]), b: bytes([euro[1]]), c: bytes([euro[2]], 'y') });
      const expected = '   -x---y-|';

      expectObservable(source.pipe(decodeRaw())).toBe(expected, { x: ['x'], y: ['€y'] });
    });
  });

  it('decodes a 4-byte character fed one byte at a time', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const smiley = encoder.encode('😀');
      const source = cold('-a-b-c-d-|', { a: smiley.slice(0, 1), b: smiley.slice(1, 2), c: smiley.slice(2, 3), d: smiley.slice(3) });
      const expected = '   -------x-|';

      expectObservable(source.pipe(decodeRaw())).toBe(expected, { x: ['😀'] });
    });
  });

  it('separates lines at newlines inside a chunk, dropping a CR before each', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-|', { a: bytes('yo\nho'), b: bytes('one\r\ntwo\r\n') });
      const expected = '   -x-y-|';

      expectObservable(source.pipe(decodeRaw())).toBe(expected, { x: ['yo', 'ho'], y: ['one', 'two'] });
    });
  });

  it('drops empty pieces, and emits nothing for a chunk of only newlines', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-c-|', { a: bytes('\n\na\n\n'), b: bytes('\r\n\n'), c: bytes('b\r') });
      const expected = '   -x---y-|';

      expectObservable(source.pipe(decodeRaw())).toBe(expected, { x: ['a'], y: ['b'] });
    });
  });

  it('keeps a CR that is not before a newline', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-|', { a: bytes('a\rb') });
      const expected = '   -x-|';

      expectObservable(source.pipe(decodeRaw())).toBe(expected, { x: ['a\rb'] });
    });
  });

  it('flushes a truncated character on complete as U+FFFD', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-|', { a: bytes('ok'), b: bytes([0xe2, 0x82]) });
      const expected = '   -x---(y|)';

      expectObservable(source.pipe(decodeRaw())).toBe(expected, { x: ['ok'], y: ['\ufffd'] });
    });
  });

  it('turns invalid bytes into U+FFFD without an error', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-|', { a: bytes([0x80], 'a', [0xc3, 0x28]), b: bytes([0xff, 0xfe]) });
      const expected = '   -x-y-|';

      expectObservable(source.pipe(decodeRaw())).toBe(expected, { x: ['\ufffda\ufffd('], y: ['\ufffd\ufffd'] });
    });
  });

  it('completes without emitting when there is nothing left to flush', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-|', { a: bytes('done') });
      const expected = '   -x-|';

      expectObservable(source.pipe(decodeRaw())).toBe(expected, { x: ['done'] });
    });
  });

  it('unsubscribes from its source when the result is unsubscribed', () => {
    scheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('--a--b--c--|', { a: bytes('a'), b: bytes('b'), c: bytes('c') });
      const subs = '      ^-----!';
      const unsub = '     ^-----!';
      const expected = '  --x--y';

      expectObservable(source.pipe(decodeRaw()), unsub).toBe(expected, { x: ['a'], y: ['b'] });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('passes an error on', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-#', { a: bytes('a') }, new Error('reset'));
      const subs = '       ^--!';
      const expected = '   -x-#';

      expectObservable(source.pipe(decodeRaw())).toBe(expected, { x: ['a'] }, new Error('reset'));
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('keeps a held-back byte per subscription', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const decode = decodeRaw();
      const first = cold('-a-b-|', { a: bytes([0xc3]), b: bytes([0xa9]) });
      const second = cold('-a---|', { a: bytes([0xa9]) });

      expectObservable(first.pipe(decode)).toBe('   ---x-|', { x: ['é'] });
      expectObservable(second.pipe(decode)).toBe('  -x---|', { x: ['\ufffd'] });
    });
  });

  describe('properties', () => {
    throwOperatorErrorsSynchronously();

    function decodeAll(chunks: readonly Uint8Array[]): { out: FramedInput[]; completed: boolean } {
      const out: FramedInput[] = [];
      let completed = false;
      from(chunks)
        .pipe(decodeRaw())
        .subscribe({ next: (framed) => out.push(framed), complete: () => (completed = true) });
      return { out, completed };
    }

    function splitAt(whole: Uint8Array, cuts: readonly number[]): Uint8Array[] {
      const points = cuts.map((cut) => cut % (whole.length + 1)).sort((a, b) => a - b);
      return [...points, whole.length].map((point, i, all) => whole.subarray(i === 0 ? 0 : all[i - 1], point));
    }

    const cuts = fc.array(fc.nat(), { maxLength: 12 });

    it('never splits a character: text without line breaks comes back whole, however it is cut', () => {
      const char = fc.oneof(fc.constantFrom('é', '€', '😀', '中', 'a'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }));
      const text = fc.string({ unit: char, maxLength: 30 }).filter((value) => !/[\r\n]/.test(value));
      fc.assert(
        fc.property(text, cuts, (value, cutPoints) => {
          const { out, completed } = decodeAll(splitAt(encoder.encode(value), cutPoints));

          expect(completed).toBe(true);
          expect(out.flat().join('')).toBe(value);
          expect(out.flat()).not.toContain('');
        }),
        { numRuns: 300 },
      );
    });

    it('never throws on random bytes and never emits an empty line or a newline', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 100 }), cuts, (whole, cutPoints) => {
          const { out, completed } = decodeAll(splitAt(whole, cutPoints));

          expect(completed).toBe(true);
          for (const framed of out) {
            expect(Array.isArray(framed)).toBe(true);
            expect(framed).not.toContain('');
            expect((framed as readonly string[]).join('')).not.toContain('\n');
          }
        }),
        { numRuns: 300 },
      );
    });
  });
});
