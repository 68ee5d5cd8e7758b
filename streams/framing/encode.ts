/** Lines to bytes: the server encodes each batch once, and the same buffer goes to every recipient. */

const encoder = new TextEncoder();

export type Framing = 'line' | 'raw';

/** Each line ends in LF. */
export function encodeLines(lines: readonly string[]): Uint8Array {
  // An empty batch is no bytes, not one empty line.
  if (lines.length === 0) return new Uint8Array(0);
  return encoder.encode(lines.length === 1 ? lines[0] + '\n' : lines.join('\n') + '\n');
}

/** The original programs' framing for a line or two that go out in one write: no trailing newline; lines still separated. */
export function encodeRaw(lines: readonly string[]): Uint8Array {
  return encoder.encode(lines.join('\n'));
}

/** The most the original programs take in one `recv(1024)`, and so the most one raw message may be. */
export const RAW_MESSAGE_BYTES = 1024;

/**
 * The original programs' framing for a batch: each line is a message of its own, to be written
 * on its own, no newline. A line longer than RAW_MESSAGE_BYTES is cut into messages of at most
 * that many bytes, on character boundaries: the programs decode each `recv` by itself, and a
 * character cut in two kills them.
 */
export function rawMessages(lines: readonly string[]): Uint8Array[] {
  const messages: Uint8Array[] = [];
  for (const line of lines) {
    const bytes = encoder.encode(line);
    for (let start = 0; start < bytes.length;) {
      let end = Math.min(start + RAW_MESSAGE_BYTES, bytes.length);
      // Back to the start of the character the cut would split (its continuation bytes are 10xxxxxx).
      if (end < bytes.length) while ((bytes[end] & 0xc0) === 0x80) end--;
      messages.push(bytes.subarray(start, end));
      start = end;
    }
  }
  return messages;
}

export function encoderFor(framing: Framing): (lines: readonly string[]) => Uint8Array {
  return framing === 'raw' ? encodeRaw : encodeLines;
}
