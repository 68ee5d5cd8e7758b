import { describe, expect, it } from '@jest/globals';
import { refusalsFor, TelnetRefusals } from '../../../streams/framing/telnet-refusal.js';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

describe('TelnetRefusals', () => {
  it("refuses telnet's `mode character` requests: DO SUPPRESS-GO-AHEAD and DO ECHO get WONT", () => {
    expect(new TelnetRefusals().answers(bytes(0xff, 0xfd, 0x03, 0xff, 0xfd, 0x01))).toEqual(bytes(0xff, 0xfc, 0x03, 0xff, 0xfc, 0x01));
  });

  it('answers WILL with DONT, even with the request split across chunks', () => {
    const refusals = new TelnetRefusals();
    expect(refusals.answers(bytes(0x61, 0xff))).toBeUndefined();
    expect(refusals.answers(bytes(0xfb))).toBeUndefined();
    expect(refusals.answers(bytes(0x18, 0x62))).toEqual(bytes(0xff, 0xfe, 0x18));
  });

  it('answers each option once, never a WONT or DONT, and nothing for plain text, IAC IAC or a subnegotiation', () => {
    const refusals = new TelnetRefusals();
    expect(refusals.answers(bytes(0xff, 0xfd, 0x01))).toEqual(bytes(0xff, 0xfc, 0x01));
    expect(refusals.answers(bytes(0xff, 0xfd, 0x01, 0xff, 0xfc, 0x01, 0xff, 0xfe, 0x03))).toBeUndefined();
    expect(refusals.answers(new TextEncoder().encode('hello\r\n'))).toBeUndefined();
    expect(refusals.answers(bytes(0xff, 0xff, 0xfd, 0x05))).toBeUndefined(); // data 0xFF, then 0xFD and 0x05 as data
    expect(refusals.answers(bytes(0xff, 0xfa, 0x18, 0xff, 0xfd, 0x07, 0xff, 0xf0))).toBeUndefined(); // inside SB ... SE
  });

  it('are made for a peer only once it sends a telnet command: plain text costs none', () => {
    expect(refusalsFor(new TextEncoder().encode('hello\n'))).toBeUndefined();
    const chunk = bytes(0x61, 0xff, 0xfd, 0x01);
    expect(refusalsFor(chunk)?.answers(chunk)).toEqual(bytes(0xff, 0xfc, 0x01));
  });
});
