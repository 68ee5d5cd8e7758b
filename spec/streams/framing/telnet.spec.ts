import { describe, it, expect } from '@jest/globals';
import { containsTelnetCommand, stripTelnetCommands } from '../../../streams/framing/telnet.js';

const IAC = 0xff;
const SB = 0xfa;
const SE = 0xf0;
const NOP = 0xf1;
const WILL = 0xfb;
const WONT = 0xfc;
const DO = 0xfd;
const DONT = 0xfe;

const text = (value: string): number[] => Array.from(new TextEncoder().encode(value));
const strip = (...values: number[]): number[] => Array.from(stripTelnetCommands(Uint8Array.from(values)));

describe('containsTelnetCommand', () => {
  it('finds an IAC byte anywhere', () => {
    expect(containsTelnetCommand(Uint8Array.of(0x61, IAC, NOP))).toBe(true);
    expect(containsTelnetCommand(Uint8Array.of(IAC))).toBe(true);
  });

  it('finds nothing in UTF-8 text, which never contains 0xFF', () => {
    expect(containsTelnetCommand(new TextEncoder().encode('héllo € 😀 中文\r\n'))).toBe(false);
    expect(containsTelnetCommand(new Uint8Array(0))).toBe(false);
  });
});

describe('stripTelnetCommands', () => {
  it('returns text without commands unchanged', () => {
    expect(strip(...text('héllo\r\n'))).toEqual(text('héllo\r\n'));
  });

  it.each([
    ['WILL', WILL],
    ['WONT', WONT],
    ['DO', DO],
    ['DONT', DONT],
  ])('removes IAC %s with its option byte', (_, command) => {
    expect(strip(...text('a'), IAC, command, 0x01, ...text('b'))).toEqual(text('ab'));
  });

  it('removes a two-byte command such as IAC NOP', () => {
    expect(strip(...text('a'), IAC, NOP, ...text('b'))).toEqual(text('ab'));
  });

  it('removes a subnegotiation up to IAC SE', () => {
    expect(strip(IAC, SB, 24, 0, ...text('xterm'), IAC, SE, ...text('hi'))).toEqual(text('hi'));
  });

  it('keeps reading for IAC SE past an escaped IAC IAC inside a subnegotiation', () => {
    // The data byte 0xFF is sent doubled; its second IAC followed by 0xF0 data is not the end.
    expect(strip(IAC, SB, 24, IAC, IAC, SE, 0x41, IAC, SE, ...text('hi'))).toEqual(text('hi'));
  });

  it('drops the rest of the input after a subnegotiation that never ends', () => {
    expect(strip(...text('a'), IAC, SB, 24, ...text('xterm'))).toEqual(text('a'));
  });

  it('keeps IAC IAC as one 0xFF byte', () => {
    expect(strip(...text('a'), IAC, IAC, ...text('b'))).toEqual([...text('a'), IAC, ...text('b')]);
  });

  it('drops a command cut short at the end of the input', () => {
    expect(strip(...text('a'), IAC)).toEqual(text('a'));
    expect(strip(...text('a'), IAC, DO)).toEqual(text('a'));
  });

  it('removes several commands in a row', () => {
    expect(strip(IAC, DO, 1, IAC, WILL, 3, IAC, NOP, IAC, SB, 31, 0, 80, 0, 24, IAC, SE, ...text('x'))).toEqual(text('x'));
  });
});
