import { describe, expect, it } from '@jest/globals';
import { bitString, objectIdentifier, sequence, time, tlv, unsignedInteger } from '../../../src/drivers/der.js';

const hex = (bytes: Buffer): string => bytes.toString('hex');

describe('DER', () => {
  it('writes short lengths in one byte and long ones with their byte count first', () => {
    expect(hex(tlv(0x04, Buffer.alloc(3)))).toBe('0403000000');
    expect(hex(tlv(0x04, Buffer.alloc(200)).subarray(0, 3))).toBe('0481c8');
    expect(hex(tlv(0x04, Buffer.alloc(300)).subarray(0, 4))).toBe('0482012c');
  });

  it('writes object identifiers as X.690 says (ecdsa-with-SHA256, commonName)', () => {
    expect(hex(objectIdentifier('1.2.840.10045.4.3.2'))).toBe('06082a8648ce3d040302');
    expect(hex(objectIdentifier('2.5.4.3'))).toBe('0603550403');
  });

  it('keeps an integer with its high bit set positive, and trims leading zeros', () => {
    expect(hex(unsignedInteger(Buffer.from([0x80])))).toBe('02020080');
    expect(hex(unsignedInteger(Buffer.from([0, 0, 0x7f])))).toBe('02017f');
    expect(hex(unsignedInteger(Buffer.from([0])))).toBe('020100');
  });

  it('writes times as UTCTime through 2049 and GeneralizedTime from 2050', () => {
    expect(time(new Date(Date.UTC(2026, 11, 5, 8, 30, 1))).toString('latin1')).toBe('\x17\x0d261205083001Z');
    expect(time(new Date(Date.UTC(9999, 11, 31, 23, 59, 59))).toString('latin1')).toBe('\x18\x0f99991231235959Z');
  });

  it('nests sequences and bit strings', () => {
    expect(hex(sequence(bitString(Buffer.from([0xff]))))).toBe('30040302' + '00ff');
  });
});
