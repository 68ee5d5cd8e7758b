/**
 * Telnet clients may send option negotiation (IAC ...) before or between lines.
 * 0xFF never occurs in UTF-8, so these bytes are removed before decoding.
 */

const IAC = 0xff;
const SB = 0xfa;
const SE = 0xf0;
const WILL = 0xfb;
const DONT = 0xfe;

export function containsTelnetCommand(bytes: Uint8Array): boolean {
  return bytes.indexOf(IAC) !== -1;
}

/** Returns the bytes without telnet commands; `IAC IAC` stays as one 0xFF (which decodes to U+FFFD). */
export function stripTelnetCommands(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  let length = 0;
  let i = 0;
  while (i < bytes.length) {
    const byte = bytes[i];
    if (byte !== IAC) {
      out[length++] = byte;
      i += 1;
      continue;
    }
    const command = bytes[i + 1];
    if (command === IAC) {
      out[length++] = IAC;
      i += 2;
    } else if (command === SB) {
      const end = findSubnegotiationEnd(bytes, i + 2);
      i = end;
    } else if (command !== undefined && command >= WILL && command <= DONT) {
      i += 3;
    } else {
      i += 2;
    }
  }
  return out.subarray(0, length);
}

function findSubnegotiationEnd(bytes: Uint8Array, from: number): number {
  for (let i = from; i < bytes.length - 1; i++) {
    if (bytes[i] !== IAC) continue;
    if (bytes[i + 1] === SE) return i + 2;
    // IAC IAC is an escaped 0xFF data byte: skip both, or its second IAC could pose as an end.
    if (bytes[i + 1] === IAC) i += 1;
  }
  return bytes.length;
}
