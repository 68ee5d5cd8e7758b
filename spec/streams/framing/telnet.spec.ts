import { describe, it, expect } from '@jest/globals';
import { TelnetFilter } from '../../../streams/framing/telnet.js';

const IAC = 0xff;
const SB = 0xfa;
const SE = 0xf0;
const NOP = 0xf1;
const WILL = 0xfb;
const WONT = 0xfc;
const DO = 0xfd;
const DONT = 0xfe;

const text = (value: string): number[] => Array.from(new TextEncoder().encode(value));

/** The data bytes a fresh filter lets through from the chunks given (each an array of bytes). */
function filtered(...chunks: number[][]): number[] {
  const filter = new TelnetFilter();
  return [...chunks.flatMap((chunk) => Array.from(filter.data(Uint8Array.from(chunk)))), ...filter.end()];
}

/** A negotiation that tells the filter the peer speaks telnet. */
const NEGOTIATION = [IAC, DO, 1];

describe('TelnetFilter', () => {
  it('returns a chunk without 0xFF as it is, the same bytes', () => {
    const chunk = Uint8Array.from(text('héllo\r\n'));
    expect(new TelnetFilter().data(chunk)).toBe(chunk);
  });

  describe('before the peer negotiates', () => {
    it('keeps 0xFF as data and swallows nothing after it', () => {
      expect(filtered([...text('a'), IAC, ...text('b')])).toEqual([...text('a'), IAC, ...text('b')]);
      expect(filtered([...text('one '), IAC, ...text(' two')])).toEqual([...text('one '), IAC, ...text(' two')]);
    });

    it('keeps a two-byte command such as IAC NOP, and IAC IAC, as data', () => {
      expect(filtered([IAC, NOP, IAC, IAC])).toEqual([IAC, NOP, IAC, IAC]);
    });

    it('keeps a 0xFF that ends a chunk for the next chunk to decide, and as data at the end', () => {
      expect(filtered([...text('a'), IAC], text('b'))).toEqual([...text('a'), IAC, ...text('b')]);
      expect(filtered([...text('a'), IAC])).toEqual([...text('a'), IAC]);
    });
  });

  describe("0xFF, a verb's byte and a line's end (Latin-1 `ÿþ` ending a plain peer's line)", () => {
    it('are text, and the line ends there: no telnet sends a line end for an option', () => {
      for (const end of ['\n', '\r'])
        expect(filtered([...text('one '), IAC, DONT, ...text(`${end}two\n`)])).toEqual([
          ...text('one '),
          IAC,
          DONT,
          ...text(`${end}two\n`),
        ]);
      // Split anywhere, the same.
      expect(filtered([...text('one '), IAC], [DONT], text('\ntwo\n'))).toEqual([...text('one '), IAC, DONT, ...text('\ntwo\n')]);
      // The peer has not negotiated by it: a real negotiation after it still counts.
      expect(filtered([IAC, WILL, ...text('\n'), ...NEGOTIATION, ...text('x')])).toEqual([IAC, WILL, ...text('\nx')]);
    });

    it('once the peer has negotiated, are a command like any other', () => {
      expect(filtered([...NEGOTIATION, IAC, DO, ...text('\nx')])).toEqual(text('x'));
    });
  });

  describe('once the peer negotiates', () => {
    it.each([
      ['WILL', WILL],
      ['WONT', WONT],
      ['DO', DO],
      ['DONT', DONT],
    ])('removes IAC %s with its option byte, and the commands after it', (_, command) => {
      expect(filtered([...text('a'), IAC, command, 0x01, ...text('b'), IAC, NOP, ...text('c')])).toEqual(text('abc'));
    });

    it('removes a subnegotiation up to IAC SE, past an escaped IAC IAC inside it', () => {
      expect(filtered([IAC, SB, 24, IAC, IAC, SE, 0x41, IAC, SE, ...text('hi')])).toEqual(text('hi'));
    });

    it('drops the rest of the input after a subnegotiation that never ends', () => {
      expect(filtered([...text('a'), IAC, SB, 24, ...text('xterm')])).toEqual(text('a'));
    });

    it('keeps IAC IAC as one 0xFF byte', () => {
      expect(filtered([...NEGOTIATION, ...text('a'), IAC, IAC, ...text('b')])).toEqual([...text('a'), IAC, ...text('b')]);
    });

    it('keeps IAC and a byte that is no telnet command as data', () => {
      expect(filtered([...NEGOTIATION, ...text('a'), IAC, ...text('b')])).toEqual([...text('a'), IAC, ...text('b')]);
    });

    it('removes commands split across chunks anywhere', () => {
      expect(filtered([...text('a'), IAC], [WILL], [1, ...text('b'), IAC], [NOP, IAC, SB], [31, 0, 80, IAC], [SE, ...text('c')])).toEqual(
        text('abc'),
      );
    });

    it('drops a command cut short at the end of the input', () => {
      expect(filtered([...NEGOTIATION, ...text('a'), IAC])).toEqual(text('a'));
      expect(filtered([...text('a'), IAC, DO])).toEqual(text('a'));
    });
  });
});
