import { describe, expect, it } from '@jest/globals';
import { startsTlsHandshake } from '../../../streams/framing/tls-record.js';

describe('startsTlsHandshake', () => {
  it.each([
    ['TLS 1.0 record version (what OpenSSL and Node send first)', [0x16, 0x03, 0x01, 0x02, 0x00]],
    ['TLS 1.2 record version', [0x16, 0x03, 0x03, 0x00, 0x50]],
    ['SSL 3.0 record version', [0x16, 0x03, 0x00]],
  ])('finds a handshake record with %s', (_, bytes) => {
    expect(startsTlsHandshake(Uint8Array.from(bytes))).toBe(true);
  });

  it.each([
    ['chat text', Array.from(Buffer.from('hello\n'))],
    ['a telnet negotiation', [0xff, 0xfd, 0x03]],
    ['another record type (an alert)', [0x15, 0x03, 0x01]],
    ['an unknown version', [0x16, 0x03, 0x05]],
    ['too few bytes to tell', [0x16, 0x03]],
  ])('finds none in %s', (_, bytes) => {
    expect(startsTlsHandshake(Uint8Array.from(bytes))).toBe(false);
  });
});
