import { catchError, concat, defer, EMPTY, endWith, filter, ignoreElements, map, merge, Observable, of, share, startWith, take, takeUntil, withLatestFrom } from 'rxjs';
import { describeConnectionError } from '../connection-error.js';
import { LineTooLongError } from '../errors.js';
import type { LineLimits } from '../framing/decode-lines.js';
import { decoderFor } from '../framing/decoder-for.js';
import { encoderFor, type Framing } from '../framing/encode.js';
import { sanitize } from '../protocol/sanitize.js';
import { parseServerLine, type ServerLine } from '../protocol/server-line.js';

export interface ClientSources {
  /** Lines the person types (or a pipe gives); completes at end of input. */
  readonly input$: Observable<string>;
  /** Bytes from the server; completes when the server closes, errors when the connection fails. */
  readonly received$: Observable<Uint8Array>;
  /** A request to leave (Ctrl-C): stop reading input, as at its end. */
  readonly leave$: Observable<unknown>;
}

export interface ClientOptions {
  readonly nick?: string;
  /** Sent as `/pass` before anything else. */
  readonly password?: string;
  readonly framing: Framing;
  readonly limits: LineLimits;
}

export interface ClientExit {
  readonly code: 0 | 1;
  /** One sentence for stderr when the end was not asked for. */
  readonly message?: string;
}

export interface ClientSinks {
  /** Bytes for the server, one write per typed line. Completes at end of input: half-close then. */
  readonly send$: Observable<Uint8Array>;
  /** What the server said, batch by batch, made safe for a terminal. Completes, never errors. */
  readonly display$: Observable<readonly ServerLine[]>;
  /** How the client ends: once the server has closed or the connection failed. */
  readonly exit$: Observable<ClientExit>;
}

/**
 * The client as a function of its sources. Typing and receiving are independent streams: the
 * input goes out line by line while the server's lines come in, and neither waits for the other.
 * The end is normal (exit 0) when the person left (`/quit` or end of input) before the server
 * closed; otherwise it is a lost connection (exit 1).
 */
export function clientMain(sources: ClientSources, options: ClientOptions): ClientSinks {
  const encode = encoderFor(options.framing);
  const greeting = [...(options.password ? [`/pass ${options.password}`] : []), ...(options.nick ? [`/nick ${options.nick}`] : [])];
  const outgoing$ = sources.input$.pipe(takeUntil(sources.leave$), share());
  const received$ = sources.received$.pipe(share());

  const leaving$ = merge(
    outgoing$.pipe(filter(isQuit)),
    outgoing$.pipe(ignoreElements(), endWith('')),
  ).pipe(
    take(1),
    map(() => true),
    startWith(false),
  );

  const send$ = concat(of(...greeting), outgoing$).pipe(map((line) => encode([line])));

  const display$ = received$.pipe(
    decoderFor(options.framing, options.limits),
    map((framed): readonly ServerLine[] =>
      framed instanceof LineTooLongError
        ? [{ kind: 'error', text: `a line from the server was too long (over ${framed.maxBytes} bytes) and was dropped` }]
        : framed.map((line) => parseServerLine(sanitize(line))),
    ),
    // A failed connection is reported once, by exit$; here it only ends the display, so that a
    // display subscriber without an error handler cannot crash the process with a stack trace.
    catchError(() => EMPTY),
  );

  const exit$ = defer(() =>
    received$.pipe(
      ignoreElements(),
      endWith(undefined),
      catchError((error: unknown) => of({ error })),
      withLatestFrom(leaving$),
      map(([failure, leaving]): ClientExit => {
        if (failure) return { code: 1, message: `connection lost: ${describeConnectionError(failure.error)}` };
        return leaving ? { code: 0 } : { code: 1, message: 'the server closed the connection' };
      }),
    ),
  );

  return { send$, display$, exit$ };
}

function isQuit(line: string): boolean {
  return /^\/quit(\s|$)/i.test(line);
}
