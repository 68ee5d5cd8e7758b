import { describe, it, expect } from '@jest/globals';
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { batchDecoderFor, decoderFor } from '../../../streams/framing/decoder-for.js';
import { LineTooLongError } from '../../../streams/errors.js';
import type { FramedInput } from '../../../streams/framing/decode-lines.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const describeFramed = (framed: FramedInput): readonly string[] | string =>
  framed instanceof LineTooLongError ? `${framed.code} ${framed.maxBytes}` : framed;

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

describe('decoderFor', () => {
  it('splits lines and holds back an unterminated one with line framing', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-|', { a: bytes('one\ntw'), b: bytes('o') });
      const expected = '   -x---(y|)';

      expectObservable(source.pipe(decoderFor('line'), map(describeFramed))).toBe(expected, { x: ['one'], y: ['two'] });
    });
  });

  it('emits every chunk as it comes with raw framing', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-|', { a: bytes('one\ntw'), b: bytes('o') });
      const expected = '   -x-y-|';

      expectObservable(source.pipe(decoderFor('raw'), map(describeFramed))).toBe(expected, { x: ['one', 'tw'], y: ['o'] });
    });
  });

  it('applies the limits it is given to line framing', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a---|', { a: bytes('abcde\nabcd\n') });
      const expected = '   -(ex)|';

      const decode = decoderFor('line', { maxLineBytes: 4, hardLimitBytes: 16 });
      expectObservable(source.pipe(decode, map(describeFramed))).toBe(expected, { e: 'LINE_TOO_LONG 4', x: ['abcd'] });
    });
  });

  it('defaults to a limit of 8192 bytes a line', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const atLimit = 'x'.repeat(8192);
      const source = cold('-a-b-|', { a: bytes(`${atLimit}\n`), b: bytes(`${atLimit}y\n`) });
      const expected = '   -x-e-|';

      expectObservable(source.pipe(decoderFor('line'), map(describeFramed))).toBe(expected, { x: [atLimit], e: 'LINE_TOO_LONG 8192' });
    });
  });
});

describe('batchDecoderFor', () => {
  it('says which line-framed batches are printable ASCII; a raw batch never knows', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-|', { a: bytes('one\ntwo\n'), b: bytes('t\x07o\n') });

      expectObservable(source.pipe(batchDecoderFor('line'))).toBe('-x-y-|', {
        x: { lines: ['one', 'two'], printable: true },
        y: { lines: ['t\x07o'], printable: false },
      });
      expectObservable(source.pipe(batchDecoderFor('raw'))).toBe('-x-y-|', {
        x: { lines: ['one', 'two'], printable: false },
        y: { lines: ['t\x07o'], printable: false },
      });
    });
  });

  it('hands on a line over the limit as the same notice decoderFor gives', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-|', { a: bytes('abcde\n') });
      const limits = { maxLineBytes: 4, hardLimitBytes: 16 };

      expectObservable(
        source.pipe(
          batchDecoderFor('raw', limits),
          map((framed) => framed instanceof LineTooLongError && framed.maxBytes),
        ),
      ).toBe('-x-|', { x: 4 });
    });
  });
});
