import { concat, defer, endWith, filter, map, merge, mergeMap, Observable, of, share, take, takeUntil, catchError } from 'rxjs';
import { LineTooLongError } from '../errors.js';
import { decoderFor } from '../framing/decoder-for.js';
import { encoderFor, type Framing } from '../framing/encode.js';
import type { LineLimits } from '../framing/decode-lines.js';
import { parseConsoleLine } from '../protocol/console-command.js';
import type { Effect, LogEntry, RouterEvent } from './events.js';
import { createRouter, type RouterOptions } from './router.js';
import type { ConnId } from './roster.js';
import { describeConnectionError } from '../connection-error.js';

/** A connection as the core sees it: who it is and the bytes it sends. */
export interface ConnectionSource {
  readonly id: ConnId;
  readonly address: string;
  /** Completes when the peer ends, errors when the connection fails. */
  readonly data$: Observable<Uint8Array>;
}

export interface ServerSources {
  readonly connection$: Observable<ConnectionSource>;
  /** Lines typed at the server's console. */
  readonly console$: Observable<string>;
  /** A signal (SIGINT, SIGTERM) asking the server to stop, with its reason. */
  readonly shutdown$: Observable<string>;
}

export interface ServerOptions extends RouterOptions {
  readonly framing: Framing;
  readonly limits: LineLimits;
}

/** What the shell must do, in order: write bytes to connections, end one, or record events. */
export type ServerOutput =
  | { kind: 'write'; to: readonly ConnId[]; bytes: Uint8Array }
  | { kind: 'close'; id: ConnId; reason: string }
  | { kind: 'log'; entries: readonly LogEntry[] };

/**
 * The server as a function of its sources. Connections, console lines and the shutdown signal
 * merge into one ordered stream of events for the router; what it decides comes out as batches
 * of outputs, each outgoing batch of lines encoded once for all its recipients.
 * After shutdown no connection is accepted and the console is no longer read; the output
 * completes when the last connection has ended.
 */
export function serverMain(sources: ServerSources, options: ServerOptions): Observable<readonly ServerOutput[]> {
  return defer(() => {
    const route = createRouter(options);
    const decode = decoderFor(options.framing, options.limits);
    const encode = encoderFor(options.framing);

    const consoleCommand$ = sources.console$.pipe(map(parseConsoleLine), share());
    const quit$ = consoleCommand$.pipe(
      filter((command) => command.kind === 'quit'),
      map(() => 'shut down from the console'),
    );
    const shutdown$ = merge(sources.shutdown$, quit$).pipe(take(1), share());

    const connectionEvent$ = sources.connection$.pipe(
      takeUntil(shutdown$),
      mergeMap((connection) => connectionEvents(connection, decode)),
    );
    const consoleEvent$ = consoleCommand$.pipe(
      takeUntil(shutdown$),
      filter((command) => command.kind !== 'quit'),
      map((command): RouterEvent => ({ kind: 'console', command })),
    );
    const shutdownEvent$ = shutdown$.pipe(map((reason): RouterEvent => ({ kind: 'shutdown', reason })));

    return merge(shutdownEvent$, connectionEvent$, consoleEvent$).pipe(
      map((event) => route(event).map((effect) => toOutput(effect, encode))),
      filter((outputs) => outputs.length > 0),
    );
  });
}

function connectionEvents(
  connection: ConnectionSource,
  decode: ReturnType<typeof decoderFor>,
): Observable<RouterEvent> {
  const { id } = connection;
  return concat(
    of<RouterEvent>({ kind: 'open', id, address: connection.address }),
    connection.data$.pipe(
      decode,
      map(
        (framed): RouterEvent =>
          framed instanceof LineTooLongError
            ? { kind: 'line-too-long', id, maxBytes: framed.maxBytes, fatal: framed.fatal }
            : { kind: 'lines', id, lines: framed },
      ),
      endWith<RouterEvent>({ kind: 'closed', id, reason: 'connection closed' }),
      catchError((error: unknown) => of<RouterEvent>({ kind: 'closed', id, reason: describeConnectionError(error) })),
    ),
  );
}

function toOutput(effect: Effect, encode: (lines: readonly string[]) => Uint8Array): ServerOutput {
  return effect.kind === 'send' ? { kind: 'write', to: effect.to, bytes: encode(effect.lines) } : effect;
}
