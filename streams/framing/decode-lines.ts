import { Observable, type OperatorFunction, type Subscriber } from '../rx.js';
import { LeanSubscriber } from '../lean-subscriber.js';
import { LineTooLongError, SpeaksTlsError } from '../errors.js';
import { DEFAULT_LINE_LIMITS, type LineLimits } from './line-limits.js';
import { isPrintableAscii } from '../protocol/sanitize.js';
import { IAC, TelnetFilter } from './telnet.js';
import { startsTlsHandshake } from './tls-record.js';

export { DEFAULT_LINE_LIMITS, type LineLimits } from './line-limits.js';

/** What one read chunk yields: the complete lines it finished, or a notice that a line was dropped. */
export type FramedInput = readonly string[] | LineTooLongError;

/**
 * The lines one read chunk finished, and whether they are all printable ASCII (no control
 * character but TAB), so that no line of them needs sanitizing; false when that is not known.
 */
export interface LineBatch {
  readonly lines: readonly string[];
  readonly printable: boolean;
}
export type FramedBatch = LineBatch | LineTooLongError;

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
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
 * Lines end in LF, CR LF, CR NUL (telnet's Enter in character mode) or a bare CR (a terminal in
 * raw mode), on every connection: a CR ends the line at once, and an LF or NUL right after it,
 * even in the next chunk, belongs to that ending. (Everywhere rather than only after telnet
 * negotiated: a raw terminal's Enter is a bare CR and negotiates nothing, and a CR inside a
 * line could only ever be shown as `␍`.) Telnet commands are dropped once the peer has
 * negotiated (see TelnetFilter). Chunks may split a line or a multibyte character anywhere; only
 * complete lines are decoded, invalid UTF-8 becomes U+FFFD. A line over `maxLineBytes` is skipped up to its newline and
 * reported as a `LineTooLongError` in its place. Past `hardLimitBytes` without a newline it
 * emits a fatal `LineTooLongError` and ignores the rest of the input (the source stays
 * subscribed, so whoever owns the connection decides how it ends). An unterminated last line is
 * emitted on complete. Input whose first chunk is a TLS handshake is no chat: it fails with a
 * `SpeaksTlsError` (the server refuses most such clients before they join; this catches a slow one).
 *
 * ```
 * bytes:  --"ab\ncd"--"e\n"--|
 * result: --["ab"]----["cde"]--|
 * ```
 */
export function decodeLines(limits: LineLimits = DEFAULT_LINE_LIMITS): OperatorFunction<Uint8Array, FramedInput> {
  const Framer = framerFor({ ...limits, ...asLines });
  return (source) => new Observable<FramedInput>((subscriber) => source.subscribe(new Framer(subscriber)));
}

/**
 * `decodeLines` for a reader that sanitizes what it gets: each batch says whether it is printable
 * ASCII. The framer finds that out for a whole chunk at once, far quicker than a test per line.
 */
export function decodeLineBatches(limits: LineLimits = DEFAULT_LINE_LIMITS): OperatorFunction<Uint8Array, FramedBatch> {
  const Framer = framerFor({ ...limits, ...asBatch });
  return (source) => new Observable<FramedBatch>((subscriber) => source.subscribe(new Framer(subscriber)));
}

/** How a framer hands on its lines: as they are, or as a batch that says whether they are printable ASCII. */
interface Shape<B> {
  of(lines: string[], printable: boolean): B;
  /** Whether `of` wants to know (finding out costs a search of the chunk). */
  readonly checksPrintable: boolean;
}
const asLines: Shape<readonly string[]> = { of: (lines) => lines, checksPrintable: false };
const asBatch: Shape<LineBatch> = { of: (lines, printable) => ({ lines, printable }), checksPrintable: true };

/** The limits and the shape of one `decodeLines`, made once and shared by every subscription to it. */
type Framing<B> = LineLimits & Shape<B>;

/** The framer of one `decodeLines`: its framing is read from the class, not kept by every framer (a server holds one per connection). */
function framerFor<B>(framing: Framing<B>): new (subscriber: Subscriber<B | LineTooLongError>) => LineFramer<B> {
  return class extends LineFramer<B> {
    protected get framing(): Framing<B> {
      return framing;
    }
  };
}

// Bits of a framer's `state`:
/** The unfinished line is over the limit: it is counted, not kept, up to its newline. */
const SKIPPING = 1;
/** Past the hard limit: the rest of the input is ignored. */
const CUT_OFF = 2;
/** The last chunk ended in a CR that ended a line: an LF or NUL first in the next belongs to it. */
const AFTER_CR = 4;
/** Nothing has come yet: the first chunk is checked for a TLS handshake. */
const FIRST = 8;

/** What a framer carries from one chunk to the next, made the first time it has any (an idle connection never does). */
class Carry {
  /** The start of an unfinished line, from earlier chunks (copies, so no read buffer is pinned); none while it is skipped. */
  pending: Uint8Array[] = NOTHING;
  /** Its size, counted while it is skipped too. */
  pendingBytes = 0;
  /** Made on the first 0xFF: the peer may speak telnet. */
  telnet: TelnetFilter | undefined;
}

/**
 * One subscription's framing state. An object rather than closures, and a lean subscriber: a
 * server holds one per connection, mostly idle, so what it costs is what every idle connection costs.
 */
abstract class LineFramer<B> extends LeanSubscriber<Uint8Array> {
  private carry: Carry | undefined;
  /** SKIPPING, CUT_OFF, AFTER_CR, FIRST: bits of one number rather than a field each. */
  private state = FIRST;
  protected abstract readonly framing: Framing<B>;

  constructor(private readonly subscriber: Subscriber<B | LineTooLongError>) {
    super();
  }

  private carried(): Carry {
    return (this.carry ??= new Carry());
  }

  private get pendingBytes(): number {
    return this.carry?.pendingBytes ?? 0;
  }

  private is(bit: number): boolean {
    return (this.state & bit) !== 0;
  }

  private set(bit: number, on: boolean): void {
    this.state = on ? this.state | bit : this.state & ~bit;
  }

  protected onNext(input: Uint8Array): void {
    if (this.is(CUT_OFF)) return;
    if (this.is(FIRST) && input.length > 0) {
      this.set(FIRST, false);
      if (startsTlsHandshake(input)) return this.subscriber.error(new SpeaksTlsError());
    }
    const chunk =
      this.carry?.telnet !== undefined || input.indexOf(IAC) !== -1 ? (this.carried().telnet ??= new TelnetFilter()).data(input) : input;
    let from = 0;
    if (this.is(AFTER_CR) && chunk.length > 0) {
      this.set(AFTER_CR, false);
      if (chunk[0] === LF || chunk[0] === NUL) from = 1;
    }
    // A CR that is not part of a CR LF ends a line too: such chunks (telnet, raw terminals) go line by line.
    const cr = chunk.indexOf(CR, from);
    if (cr !== -1 && !crsBeforeLfs(chunk, cr)) return this.lineByLine(chunk, from);
    let lines: string[] = [];
    let printable = false;
    if (this.pendingBytes > 0 || this.is(SKIPPING)) {
      const newline = chunk.indexOf(LF, from);
      if (newline === -1) return this.keepTail(chunk.subarray(from));
      lines = this.line(chunk, from, newline, lines);
      from = newline + 1;
    }
    const last = chunk.lastIndexOf(LF);
    const split = last >= from ? this.wholeLines(chunk.subarray(from, last)) : undefined;
    if (split !== undefined) {
      // The usual case: every complete line of the chunk decoded at once (and, without a CR, taken as they are).
      if (lines.length === 0 && !split.crs) {
        lines = split.lines;
        printable = this.framing.checksPrintable && split.ascii && isPrintableAscii(split.text);
      } else for (const line of split.lines) lines.push(dropLineEnding(line));
      from = last + 1;
    } else {
      for (let newline = chunk.indexOf(LF, from); newline !== -1 && newline <= last; newline = chunk.indexOf(LF, from)) {
        lines = this.line(chunk, from, newline, lines);
        from = newline + 1;
      }
    }
    if (lines.length > 0) this.subscriber.next(this.framing.of(lines, printable));
    if (from < chunk.length) this.keepTail(chunk.subarray(from));
  }

  protected onError(err: unknown): void {
    this.subscriber.error(err);
  }

  protected onComplete(): void {
    const held = this.carry?.telnet?.end();
    if (held && held.length > 0 && !this.is(CUT_OFF)) this.keepTail(held);
    if (this.is(CUT_OFF)) return this.subscriber.complete();
    const tooLong = this.is(SKIPPING) || this.pendingBytes > this.framing.maxLineBytes;
    if (tooLong) this.subscriber.next(new LineTooLongError(this.framing.maxLineBytes));
    else if (this.pendingBytes > 0) this.subscriber.next(this.framing.of([decode(this.takePending(new Uint8Array(0)))], false));
    this.subscriber.complete();
  }

  /**
   * The line ending at `newline` (after what earlier chunks left pending) added to `lines`, or
   * its LineTooLongError emitted in its place after the lines before it; returns the lines to go on with.
   */
  private line(chunk: Uint8Array, from: number, newline: number, lines: string[]): string[] {
    const size = this.pendingBytes + newline - from;
    // Only a CR LF within this chunk: a CR at a chunk's end has ended its line already.
    const endsInCr = newline > from && chunk[newline - 1] === CR;
    if (this.is(SKIPPING) || size - (endsInCr ? 1 : 0) > this.framing.maxLineBytes) {
      this.forgetPending();
      if (lines.length > 0) this.subscriber.next(this.framing.of(lines, false));
      this.subscriber.next(new LineTooLongError(this.framing.maxLineBytes));
      return [];
    }
    lines.push(decode(this.takePending(chunk.subarray(from, newline))));
    return lines;
  }

  /** A chunk whose lines may end in a bare CR or CR NUL, taken one ending at a time. */
  private lineByLine(chunk: Uint8Array, start: number): void {
    let lines: string[] = [];
    let from = start;
    for (let end = nextEnding(chunk, from); end !== -1; end = nextEnding(chunk, from)) {
      lines = this.line(chunk, from, end, lines);
      from = end + 1;
      if (chunk[end] !== CR) continue;
      if (from === chunk.length) this.set(AFTER_CR, true);
      else if (chunk[from] === LF || chunk[from] === NUL) from += 1;
    }
    if (lines.length > 0) this.subscriber.next(this.framing.of(lines, false));
    if (from < chunk.length) this.keepTail(chunk.subarray(from));
  }

  /**
   * The lines of `bytes` (complete lines without the last LF), decoded at once, if none is over the
   * limit; else undefined, and they are taken one by one.
   */
  private wholeLines(bytes: Uint8Array): { lines: string[]; text: string; crs: boolean; ascii: boolean } | undefined {
    const text = utf8.decode(bytes);
    const replaced = text.includes('\ufffd');
    const lines = text.split('\n');
    // With one character per byte, each line's length is its size in bytes.
    const onePerByte = text.length === bytes.length;
    const fit = onePerByte ? lengthsFit(lines, this.framing.maxLineBytes) : linesFit(bytes, this.framing.maxLineBytes);
    return fit ? { lines, text, crs: text.includes('\r'), ascii: onePerByte && !replaced } : undefined;
  }

  private takePending(tail: Uint8Array): Uint8Array {
    const pending = this.carry?.pending ?? NOTHING;
    const whole = pending.length === 0 ? tail : concatBytes([...pending, tail], this.pendingBytes + tail.length);
    this.forgetPending();
    return whole;
  }

  private forgetPending(): void {
    if (this.carry) {
      this.carry.pending = NOTHING;
      this.carry.pendingBytes = 0;
    }
    this.set(SKIPPING, false);
  }

  private keepTail(tail: Uint8Array): void {
    if (tail.length === 0) return;
    const carry = this.carried();
    carry.pendingBytes += tail.length;
    if (carry.pendingBytes > this.framing.hardLimitBytes) {
      this.set(CUT_OFF, true);
      carry.pending = NOTHING;
      this.subscriber.next(new LineTooLongError(this.framing.hardLimitBytes, true));
    } else if (this.is(SKIPPING) || carry.pendingBytes > this.framing.maxLineBytes) {
      // Count what is skipped (for the hard limit) without keeping it.
      this.set(SKIPPING, true);
      carry.pending = NOTHING;
    } else {
      // A copy, so a small tail does not pin the socket's whole read buffer.
      const part = tail.slice();
      if (carry.pending === NOTHING) carry.pending = [part];
      else carry.pending.push(part);
    }
  }
}

/** One complete line's bytes as text, without the CR of a CR LF. */
function decode(bytes: Uint8Array): string {
  return dropLineEnding(utf8.decode(bytes));
}

/** Whether every CR from `cr` on comes right before an LF (then the chunk's lines end in LF alone). */
function crsBeforeLfs(chunk: Uint8Array, cr: number): boolean {
  for (let at = cr; at !== -1; at = chunk.indexOf(CR, at + 1)) if (chunk[at + 1] !== LF) return false;
  return true;
}

/** Where the next line ending (LF or CR) is, from `from` on; -1 if none. */
function nextEnding(chunk: Uint8Array, from: number): number {
  for (let at = from; at < chunk.length; at++) if (chunk[at] === LF || chunk[at] === CR) return at;
  return -1;
}

/** Whether the lines are all within the limit, a CR before the LF not counted. */
function lengthsFit(lines: readonly string[], maxLineBytes: number): boolean {
  for (const line of lines) if (line.length > maxLineBytes && (line.length > maxLineBytes + 1 || !line.endsWith('\r'))) return false;
  return true;
}

/** Whether the LF-separated lines of `bytes` are all within the limit. */
function linesFit(bytes: Uint8Array, maxLineBytes: number): boolean {
  if (bytes.length <= maxLineBytes) return true;
  for (let start = 0; start <= bytes.length;) {
    let newline = bytes.indexOf(LF, start);
    if (newline === -1) newline = bytes.length;
    const size = newline - start - (newline > start && bytes[newline - 1] === CR ? 1 : 0);
    if (size > maxLineBytes) return false;
    start = newline + 1;
  }
  return true;
}

function dropLineEnding(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
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
