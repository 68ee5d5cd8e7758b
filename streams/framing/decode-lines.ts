import { Observable, type Observer, type OperatorFunction, type Subscriber } from '../rx.js';
import { LineTooLongError } from '../errors.js';
import { DEFAULT_LINE_LIMITS, type LineLimits } from './line-limits.js';
import { notePrintableAscii } from '../protocol/sanitize.js';
import { containsTelnetCommand, stripTelnetCommands } from './telnet.js';

export { DEFAULT_LINE_LIMITS, type LineLimits } from './line-limits.js';


/** What one read chunk yields: the complete lines it finished, or a notice that a line was dropped. */
export type LineBatch = readonly string[];
export type FramedInput = LineBatch | LineTooLongError;

const LF = 0x0a;
const CR = 0x0d;
/** The pending parts of a framer that has none: shared, never added to (a line's first part replaces it). */
const NOTHING = Object.freeze([]) as unknown as Uint8Array[];

/**
 * Only complete lines are decoded, each call on its own (never `stream: true`), so one decoder
 * serves every subscription: it holds no state between calls. Without ignoreBOM a U+FEFF
 * starting any line would be lost.
 */
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

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
  return (source) => new Observable<FramedInput>((subscriber) => source.subscribe(new LineFramer(subscriber, limits)));
}

/**
 * One subscription's framing state. An object rather than closures: a server holds one per
 * connection, mostly idle, so what it costs is what every idle connection costs.
 */
class LineFramer implements Observer<Uint8Array> {
  /** The start of an unfinished line, from earlier chunks (copies, so no read buffer is pinned). */
  private pending: Uint8Array[] = NOTHING;
  private pendingBytes = 0;
  /** The unfinished line is over the limit: it is counted, not kept, up to its newline. */
  private skipping = false;
  /** Past the hard limit: the rest of the input is ignored. */
  private cutOff = false;

  constructor(
    private readonly subscriber: Subscriber<FramedInput>,
    private readonly limits: LineLimits,
  ) {}

  next(chunk: Uint8Array): void {
    if (this.cutOff) return;
    let lines: string[] = [];
    let from = 0;
    if (this.pendingBytes > 0 || this.skipping) {
      const newline = chunk.indexOf(LF);
      if (newline === -1) return this.keepTail(chunk);
      lines = this.line(chunk, 0, newline, lines);
      from = newline + 1;
    }
    const last = chunk.lastIndexOf(LF);
    const split = last >= from ? this.wholeLines(chunk.subarray(from, last)) : undefined;
    if (split !== undefined) {
      // The usual case: every complete line of the chunk decoded at once (and, without a CR, taken as they are).
      if (lines.length === 0 && !split.crs) {
        lines = split.lines;
        if (split.ascii) notePrintableAscii(lines, split.text);
      } else for (const line of split.lines) lines.push(dropLineEnding(line));
      from = last + 1;
    } else {
      for (let newline = chunk.indexOf(LF, from); newline !== -1 && newline <= last; newline = chunk.indexOf(LF, from)) {
        lines = this.line(chunk, from, newline, lines);
        from = newline + 1;
      }
    }
    if (lines.length > 0) this.subscriber.next(lines);
    if (from < chunk.length) this.keepTail(chunk.subarray(from));
  }

  error(err: unknown): void {
    this.subscriber.error(err);
  }

  complete(): void {
    if (this.cutOff) return this.subscriber.complete();
    // The tail may hold maxLineBytes + 1 bytes awaiting a CRLF's LF; unterminated, they are too many.
    const tooLong = this.skipping || this.pendingBytes - (this.pendingEndsInCr() ? 1 : 0) > this.limits.maxLineBytes;
    if (tooLong) this.subscriber.next(new LineTooLongError(this.limits.maxLineBytes));
    else if (this.pendingBytes > 0) this.subscriber.next([decode(this.takePending(new Uint8Array(0)))]);
    this.subscriber.complete();
  }

  /**
   * The line ending at `newline` (after what earlier chunks left pending) added to `lines`, or
   * its LineTooLongError emitted in its place after the lines before it; returns the lines to go on with.
   */
  private line(chunk: Uint8Array, from: number, newline: number, lines: string[]): string[] {
    const size = this.pendingBytes + newline - from;
    const endsInCr = newline > from ? chunk[newline - 1] === CR : this.pendingEndsInCr();
    if (this.skipping || size - (endsInCr ? 1 : 0) > this.limits.maxLineBytes) {
      this.forgetPending();
      if (lines.length > 0) this.subscriber.next(lines);
      this.subscriber.next(new LineTooLongError(this.limits.maxLineBytes));
      return [];
    }
    lines.push(decode(this.takePending(chunk.subarray(from, newline))));
    return lines;
  }

  /**
   * The lines of `bytes` (complete lines without the last LF), decoded at once, if none is over the
   * limit or holds a telnet command; else undefined, and they are taken one by one.
   */
  private wholeLines(bytes: Uint8Array): { lines: string[]; text: string; crs: boolean; ascii: boolean } | undefined {
    const text = utf8.decode(bytes);
    // Telnet's IAC (0xFF) never occurs in UTF-8, so it decodes to U+FFFD; text without one has none.
    const replaced = text.includes('\ufffd');
    if (replaced && containsTelnetCommand(bytes)) return undefined;
    const lines = text.split('\n');
    // With one character per byte, each line's length is its size in bytes.
    const onePerByte = text.length === bytes.length;
    const fit = onePerByte ? lengthsFit(lines, this.limits.maxLineBytes) : linesFit(bytes, this.limits.maxLineBytes);
    return fit ? { lines, text, crs: text.includes('\r'), ascii: onePerByte && !replaced } : undefined;
  }

  private takePending(tail: Uint8Array): Uint8Array {
    const { pending } = this;
    const whole = pending.length === 0 ? tail : concatBytes([...pending, tail], this.pendingBytes + tail.length);
    this.forgetPending();
    return whole;
  }

  private forgetPending(): void {
    this.pending = NOTHING;
    this.pendingBytes = 0;
    this.skipping = false;
  }

  private pendingEndsInCr(): boolean {
    const last = this.pending[this.pending.length - 1];
    return last !== undefined && last[last.length - 1] === CR;
  }

  private keepTail(tail: Uint8Array): void {
    if (tail.length === 0) return; // an empty chunk must not hide whether the pending line ends in CR
    this.pendingBytes += tail.length;
    if (this.pendingBytes > this.limits.hardLimitBytes) {
      this.cutOff = true;
      this.pending = NOTHING;
      this.subscriber.next(new LineTooLongError(this.limits.hardLimitBytes, true));
    } else if (this.skipping || this.pendingBytes > this.limits.maxLineBytes + 1) {
      // Count what is skipped (for the hard limit) without keeping it.
      this.skipping = true;
      this.pending = NOTHING;
    } else {
      // A copy, so a small tail does not pin the socket's whole read buffer.
      const part = tail.slice();
      if (this.pending === NOTHING) this.pending = [part];
      else this.pending.push(part);
    }
  }
}

/** One complete line's bytes as text, without its line ending and telnet's bytes. */
function decode(bytes: Uint8Array): string {
  const clean = containsTelnetCommand(bytes) ? stripTelnetCommands(bytes) : bytes;
  return dropLineEnding(utf8.decode(clean));
}

/** Whether the lines are all within the limit, a CR before the LF not counted. */
function lengthsFit(lines: readonly string[], maxLineBytes: number): boolean {
  for (const line of lines) if (line.length > maxLineBytes && (line.length > maxLineBytes + 1 || !line.endsWith('\r'))) return false;
  return true;
}

/** Whether the LF-separated lines of `bytes` are all within the limit. */
function linesFit(bytes: Uint8Array, maxLineBytes: number): boolean {
  if (bytes.length <= maxLineBytes) return true;
  for (let start = 0; start <= bytes.length; ) {
    let newline = bytes.indexOf(LF, start);
    if (newline === -1) newline = bytes.length;
    const size = newline - start - (newline > start && bytes[newline - 1] === CR ? 1 : 0);
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
