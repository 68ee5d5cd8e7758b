/** Lines to bytes: each batch is encoded once, so the same buffer can go to every recipient. */

const encoder = new TextEncoder();

export type Framing = 'line' | 'raw';

/**
 * The last batch encoded, with its bytes: the console records the very batch (the same array) that
 * its recipients were sent, and then writes these bytes rather than encoding it again.
 */
let last: { readonly lines: readonly string[]; readonly bytes: Uint8Array } = { lines: [], bytes: new Uint8Array(0) };

/** Each line ends in LF. */
export function encodeLines(lines: readonly string[]): Uint8Array {
  if (lines === last.lines) return last.bytes;
  // An empty batch is no bytes, not one empty line.
  if (lines.length === 0) return new Uint8Array(0);
  const bytes = encoder.encode(lines.length === 1 ? lines[0] + '\n' : lines.join('\n') + '\n');
  last = { lines, bytes };
  return bytes;
}

/** The original programs' framing: no trailing newline; lines of one batch are still separated. */
export function encodeRaw(lines: readonly string[]): Uint8Array {
  return encoder.encode(lines.join('\n'));
}

export function encoderFor(framing: Framing): (lines: readonly string[]) => Uint8Array {
  return framing === 'raw' ? encodeRaw : encodeLines;
}
