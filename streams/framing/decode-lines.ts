import { Observable, type OperatorFunction } from 'rxjs';
import { LineTooLongError } from '../errors.js';
import { DEFAULT_LINE_LIMITS, type LineLimits } from './line-limits.js';
import { containsTelnetCommand, stripTelnetCommands } from './telnet.js';

export { DEFAULT_LINE_LIMITS, type LineLimits } from './line-limits.js';


/** What one read chunk yields: the complete lines it finished, or a notice that a line was dropped. */
export type LineBatch = readonly string[];
export type FramedInput = LineBatch | LineTooLongError;

const LF = 0x0a;
const CR = 0x0d;

/**
 * Turns a byte stream into batches of text lines, one batch per chunk that completes lines.
 *
 * Lines end in LF; a CR before it and telnet's CR NUL are dropped, as are telnet commands.
 * Chunks may split a line or a multibyte character anywhere; only complete lines are decoded,
 * invalid UTF-8 becomes U+FFFD. A line over `maxLineBytes` is skipped up to its newline and
 * reported as a `LineTooLongError` in its place. Past `hardLimitBytes` without a newline it
 * emits a fatal `LineTooLongError` and ignores the rest of the input (the source stays
 * subscribed, so whoever owns the connection decides how it ends). An unterminated last line is
 * emitted on complete.
 *
 * ```
 * bytes:  --"ab\ncd"--"e\n"--|
 * result: --["ab"]----["cde"]--|
 * ```
 */
export function decodeLines(limits: LineLimits = DEFAULT_LINE_LIMITS): OperatorFunction<Uint8Array, FramedInput> {
  return (source) =>
    new Observable<FramedInput>((subscriber) => {
      // Each line is decoded on its own: without ignoreBOM a U+FEFF starting any line would be lost.
      const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
      let pending: Uint8Array[] = [];
      let pendingBytes = 0;
      let skipping = false;
      let cutOff = false;

      const decode = (bytes: Uint8Array): string => {
        const clean = containsTelnetCommand(bytes) ? stripTelnetCommands(bytes) : bytes;
        return dropLineEnding(decoder.decode(clean));
      };
      const takePending = (tail: Uint8Array): Uint8Array => {
        const whole = pending.length === 0 ? tail : concatBytes([...pending, tail], pendingBytes + tail.length);
        forgetPending();
        return whole;
      };
      const forgetPending = (): void => {
        pending = [];
        pendingBytes = 0;
        skipping = false;
      };
      const pendingEndsInCr = (): boolean => {
        const last = pending[pending.length - 1];
        return last !== undefined && last[last.length - 1] === CR;
      };

      return source.subscribe({
        next(chunk) {
          if (cutOff) return;
          let lines: string[] = [];
          /** The line ending at `newline` (after what earlier chunks left pending), or its LineTooLongError. */
          const line = (from: number, newline: number): void => {
            const size = pendingBytes + newline - from;
            const endsInCr = newline > from ? chunk[newline - 1] === CR : pendingEndsInCr();
            if (skipping || size - (endsInCr ? 1 : 0) > limits.maxLineBytes) {
              forgetPending();
              if (lines.length > 0) subscriber.next(lines);
              lines = [];
              subscriber.next(new LineTooLongError(limits.maxLineBytes));
            } else {
              lines.push(decode(takePending(chunk.subarray(from, newline))));
            }
          };
          let from = 0;
          if (pendingBytes > 0 || skipping) {
            const newline = chunk.indexOf(LF);
            if (newline === -1) return keepTail(chunk);
            line(0, newline);
            from = newline + 1;
          }
          const last = chunk.lastIndexOf(LF);
          if (last >= from && linesFit(chunk, from, last, limits.maxLineBytes)) {
            // The usual case: every complete line of the chunk decoded at once.
            for (const text of decoder.decode(chunk.subarray(from, last)).split('\n')) lines.push(dropLineEnding(text));
            from = last + 1;
          } else {
            for (let newline = chunk.indexOf(LF, from); newline !== -1 && newline <= last; newline = chunk.indexOf(LF, from)) {
              line(from, newline);
              from = newline + 1;
            }
          }
          if (lines.length > 0) subscriber.next(lines);
          if (from < chunk.length) keepTail(chunk.subarray(from));
        },
        error(err) {
          subscriber.error(err);
        },
        complete() {
          if (cutOff) return subscriber.complete();
          // The tail may hold maxLineBytes + 1 bytes awaiting a CRLF's LF; unterminated, they are too many.
          const tooLong = skipping || pendingBytes - (pendingEndsInCr() ? 1 : 0) > limits.maxLineBytes;
          if (tooLong) subscriber.next(new LineTooLongError(limits.maxLineBytes));
          else if (pendingBytes > 0) subscriber.next([decode(takePending(new Uint8Array(0)))]);
          subscriber.complete();
        },
      });

      function keepTail(tail: Uint8Array): void {
        if (tail.length === 0) return; // an empty chunk must not hide whether the pending line ends in CR
        pendingBytes += tail.length;
        if (pendingBytes > limits.hardLimitBytes) {
          cutOff = true;
          pending = [];
          subscriber.next(new LineTooLongError(limits.hardLimitBytes, true));
        } else if (skipping || pendingBytes > limits.maxLineBytes + 1) {
          // Count what is skipped (for the hard limit) without keeping it.
          skipping = true;
          pending = [];
        } else {
          // A copy, so a small tail does not pin the socket's whole read buffer.
          pending.push(tail.slice());
        }
      }
    });
}

/** Whether the lines between `from` and the LF at `last` are all within the limit and free of telnet commands. */
function linesFit(chunk: Uint8Array, from: number, last: number, maxLineBytes: number): boolean {
  if (containsTelnetCommand(chunk.subarray(from, last))) return false;
  if (last - from <= maxLineBytes) return true;
  for (let start = from; start <= last; ) {
    const newline = chunk.indexOf(LF, start);
    const size = newline - start - (newline > start && chunk[newline - 1] === CR ? 1 : 0);
    if (size > maxLineBytes) return false;
    start = newline + 1;
  }
  return true;
}

function dropLineEnding(line: string): string {
  let text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (text.includes('\r\0')) text = text.replaceAll('\r\0', '');
  return text;
}

export function concatBytes(parts: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
