import { Observable, type OperatorFunction } from '../rx.js';
import { LineTooLongError } from '../errors.js';
import type { FramedInput } from './decode-lines.js';
import { DEFAULT_LINE_LIMITS, type LineLimits } from './line-limits.js';

const encoder = new TextEncoder();

/**
 * The original programs' framing: no newlines, every received chunk is one message.
 * Characters split between chunks are held back, never broken; newlines inside a chunk still
 * separate lines so that nothing a peer sends can start a line of its own unprefixed. A message
 * over `maxLineBytes` is a `LineTooLongError` in its place (a chunk is at most what one read
 * gives, so memory stays bounded whatever the peer sends).
 *
 * ```
 * bytes:  --"hi"--"yo\nho"--|
 * result: --["hi"]--["yo","ho"]--|
 * ```
 */
export function decodeRaw(limits: LineLimits = DEFAULT_LINE_LIMITS): OperatorFunction<Uint8Array, FramedInput> {
  return (source) =>
    new Observable<FramedInput>((subscriber) => {
      // Made on the first chunk: a connection that never sends costs no decoder.
      let decoder: TextDecoder | undefined;
      const emit = (text: string): void => {
        let lines: string[] = [];
        for (const piece of text.split('\n')) {
          const line = piece.endsWith('\r') ? piece.slice(0, -1) : piece;
          if (line.length === 0) continue;
          if (!tooLong(line, limits.maxLineBytes)) {
            lines.push(line);
            continue;
          }
          if (lines.length > 0) subscriber.next(lines);
          lines = [];
          subscriber.next(new LineTooLongError(limits.maxLineBytes));
        }
        if (lines.length > 0) subscriber.next(lines);
      };
      return source.subscribe({
        next: (chunk) => emit((decoder ??= new TextDecoder()).decode(chunk, { stream: true })),
        error: (err) => subscriber.error(err),
        complete: () => {
          if (decoder) emit(decoder.decode());
          subscriber.complete();
        },
      });
    });
}

/** Whether `line` is over `maxBytes` in UTF-8 (a UTF-16 unit is at most 3 bytes, so short lines need no count). */
function tooLong(line: string, maxBytes: number): boolean {
  return line.length * 3 > maxBytes && encoder.encode(line).length > maxBytes;
}
