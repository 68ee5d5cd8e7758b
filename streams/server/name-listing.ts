import { utf8Length } from '../framing/utf8-length.js';

/**
 * A list of names as notice lines that each stay well below a client's `--max-line` (8 KiB by
 * default, 16 KiB for `connect`, which drops a longer line): a short list is one line, `HEAD` then
 * the names; a long one goes on over further lines, each starting with the same `HEAD`.
 */

/** Bytes of one listing line at most (before the notice's `* ` and any tags). */
export const LISTING_LINE_BYTES = 4096;

export function nameListing(head: string, names: readonly string[], maxBytes = LISTING_LINE_BYTES): string[] {
  const headBytes = utf8Length(head);
  const lines: string[] = [];
  let line: string[] = [];
  let bytes = headBytes;
  for (const name of names) {
    const nameBytes = utf8Length(name);
    if (line.length > 0 && bytes + 2 + nameBytes > maxBytes) {
      lines.push(head + line.join(', '));
      line = [];
      bytes = headBytes;
    }
    bytes += (line.length > 0 ? 2 : 0) + nameBytes;
    line.push(name);
  }
  lines.push(head + line.join(', '));
  return lines;
}
