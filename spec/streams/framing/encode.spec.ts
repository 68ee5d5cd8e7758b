import { describe, it, expect } from '@jest/globals';
import { encodeLines, encodeRaw, encoderFor, RAW_MESSAGE_BYTES, rawMessages } from '../../../streams/framing/encode.js';

const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('encodeLines', () => {
  it('ends each line of a batch in LF', () => {
    expect(decode(encodeLines(['<a> one', '<a> two']))).toBe('<a> one\n<a> two\n');
  });

  it('ends one line in LF', () => {
    expect(decode(encodeLines(['hello']))).toBe('hello\n');
  });

  it('ends every line of a batch in LF', () => {
    expect(decode(encodeLines(['a', '', 'b']))).toBe('a\n\nb\n');
  });

  it('encodes an empty line as a lone LF', () => {
    expect(Array.from(encodeLines(['']))).toEqual([0x0a]);
  });

  it('encodes an empty batch as no bytes', () => {
    expect(encodeLines([])).toHaveLength(0);
  });

  it('encodes text as UTF-8', () => {
    expect(Array.from(encodeLines(['é€😀']))).toEqual([0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0x0a]);
  });
});

describe('encodeRaw', () => {
  it('adds no newline after a single message', () => {
    expect(decode(encodeRaw(['hello']))).toBe('hello');
  });

  it('separates the lines of a batch with LF', () => {
    expect(decode(encodeRaw(['a', 'b', 'c']))).toBe('a\nb\nc');
  });

  it('encodes an empty batch as no bytes', () => {
    expect(encodeRaw([])).toHaveLength(0);
  });

  it('encodes text as UTF-8', () => {
    expect(Array.from(encodeRaw(['中']))).toEqual([0xe4, 0xb8, 0xad]);
  });
});

describe('rawMessages', () => {
  const texts = (lines: string[]): string[] => rawMessages(lines).map(decode);

  it('makes each line a message of its own, without a newline', () => {
    expect(texts(['one', 'two'])).toEqual(['one', 'two']);
  });

  it('cuts a line longer than 1024 bytes into messages of at most 1024 bytes, never inside a character', () => {
    const line = 'a' + '中'.repeat(700); // 2101 bytes: 1024 would cut the 342nd character
    const messages = rawMessages([line]);
    expect(messages.map((message) => message.length)).toEqual([1024, 1023, 54]);
    for (const message of messages) expect(() => new TextDecoder('utf-8', { fatal: true }).decode(message)).not.toThrow();
    expect(messages.map(decode).join('')).toBe(line);
  });

  it('keeps a line of exactly 1024 bytes whole, and a 4-byte character whole across a cut', () => {
    expect(rawMessages(['x'.repeat(RAW_MESSAGE_BYTES)]).map((message) => message.length)).toEqual([1024]);
    expect(texts(['x'.repeat(1022) + '😀'])).toEqual(['x'.repeat(1022), '😀']);
  });

  it('makes no message of an empty line or batch', () => {
    expect(rawMessages([])).toEqual([]);
    expect(rawMessages([''])).toEqual([]);
  });
});

describe('encoderFor', () => {
  it('chooses the encoder of each framing', () => {
    expect(encoderFor('line')).toBe(encodeLines);
    expect(encoderFor('raw')).toBe(encodeRaw);
  });
});
