/**
 * The few DER (ASN.1) encodings a self-signed X.509 certificate needs (ITU-T X.690), each a
 * tag, its length, and its contents.
 */

export function tlv(tag: number, ...contents: readonly Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

/** Short form below 128; else the count of length bytes (with the high bit), then the length, big-endian. */
function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export const sequence = (...items: readonly Buffer[]): Buffer => tlv(0x30, ...items);
export const set = (...items: readonly Buffer[]): Buffer => tlv(0x31, ...items);
/** `[n] EXPLICIT`: a constructed, context-specific tag around the item. */
export const explicit = (n: number, item: Buffer): Buffer => tlv(0xa0 | n, item);
export const utf8String = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));
/** Whole bytes: no unused bits. */
export const bitString = (bytes: Buffer): Buffer => tlv(0x03, Buffer.from([0]), bytes);

/** A non-negative integer from its big-endian bytes: a leading zero keeps it from reading as negative. */
export function unsignedInteger(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return tlv(0x02, trimmed[0] >= 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

/** `1.2.840.10045.4.3.2`: the first two arcs share a byte, each other arc is base 128, high bit on all but its last byte. */
export function objectIdentifier(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const arcBytes = [arc % 128];
    for (let left = Math.floor(arc / 128); left > 0; left = Math.floor(left / 128)) arcBytes.unshift(0x80 | (left % 128));
    bytes.push(...arcBytes);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** X.509's rule: UTCTime (two-digit year) through 2049, GeneralizedTime from 2050. */
export function time(date: Date): Buffer {
  const stamp = date.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z'; // YYYYMMDDHHMMSSZ
  return date.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(stamp.slice(2), 'ascii')) : tlv(0x18, Buffer.from(stamp, 'ascii'));
}
