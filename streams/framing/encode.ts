/** Lines to bytes: each batch is encoded once, so the same buffer can go to every recipient. */

const encoder = new TextEncoder();

export type Framing = 'line' | 'raw';

/** Each line ends in LF. */
export function encodeLines(lines: readonly string[]): Uint8Array {
  // An empty batch is no bytes, not one empty line.
  if (lines.length === 0) return new Uint8Array(0);
  return encoder.encode(lines.length === 1 ? lines[0] + '\n' : lines.join('\n') + '\n');
}

/** The original programs' framing: no trailing newline; lines of one batch are still separated. */
export function encodeRaw(lines: readonly string[]): Uint8Array {
  return encoder.encode(lines.join('\n'));
}

export function encoderFor(framing: Framing): (lines: readonly string[]) => Uint8Array {
  return framing === 'raw' ? encodeRaw : encodeLines;
}
