import {
  asyncScheduler,
  catchError,
  concat,
  defer,
  EMPTY,
  endWith,
  filter,
  ignoreElements,
  map,
  merge,
  mergeMap,
  Observable,
  of,
  share,
  take,
  takeUntil,
  timer,
  type SchedulerLike,
} from 'rxjs';
import { LineTooLongError } from '../errors.js';
import { decoderFor } from '../framing/decoder-for.js';
import { encoderFor, type Framing } from '../framing/encode.js';
import type { FramedInput, LineLimits } from '../framing/decode-lines.js';
import { idleTimeout, IdleTimeoutError } from '../limits/idle-timeout.js';
import { throttleLines, type RateLimit } from '../limits/throttle-lines.js';
import { parseConsoleLine } from '../protocol/console-command.js';
import type { Effect, LogEntry, RouterEvent } from './events.js';
import { createRouter, type RouterOptions } from './router.js';
import type { ConnId } from './roster.js';
import { describeConnectionError } from '../connection-error.js';

/** A connection as the core sees it: who it is and the bytes it sends. */
export interface ConnectionSource {
  readonly id: ConnId;
  readonly address: string;
  /** The peer's address without the port. */
  readonly ip: string;
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

export interface ServerOptions extends Omit<RouterOptions, 'now'> {
  readonly framing: Framing;
  readonly limits: LineLimits;
  readonly rate: RateLimit;
  /** Silence after which a client is disconnected; 0 is never. */
  readonly idleTimeoutMs: number;
  /** Time a connection has to give the password, when there is one. */
  readonly passwordTimeoutMs: number;
  /** The clock for every limit; virtual in tests. */
  readonly scheduler?: SchedulerLike;
}

/** What the shell must do, in order: write bytes to connections, end one, or record events. */
export type ServerOutput =
  | { kind: 'write'; to: readonly ConnId[]; bytes: Uint8Array }
  | { kind: 'close'; id: ConnId; reason: string }
  | { kind: 'log'; entries: readonly LogEntry[] }
  | { kind: 'stopping' }
  /** Stop or restart reading from a connection that sends faster than its rate. */
  | ReadingOutput;

type ReadingOutput = { kind: 'reading'; id: ConnId; paused: boolean };

/**
 * The server as a function of its sources. Connections, console lines and the shutdown signal
 * merge into one ordered stream of events for the router; what it decides comes out as batches
 * of outputs, each outgoing batch of lines encoded once for all its recipients.
 * After shutdown no connection is accepted and the console is no longer read; the output
 * completes when the last connection has ended.
 */
export function serverMain(sources: ServerSources, options: ServerOptions): Observable<readonly ServerOutput[]> {
  return defer(() => {
    const scheduler = options.scheduler ?? asyncScheduler;
    const route = createRouter({ ...options, now: () => scheduler.now() });
    const encode = encoderFor(options.framing);

    const consoleCommand$ = sources.console$.pipe(map(parseConsoleLine), share());
    const quit$ = consoleCommand$.pipe(
      filter((command) => command.kind === 'quit'),
      map(() => 'shut down from the console'),
    );
    const shutdown$ = merge(sources.shutdown$, quit$).pipe(take(1), share());

    const connectionEvent$ = sources.connection$.pipe(
      takeUntil(shutdown$),
      mergeMap((connection) => connectionEvents(connection, options, scheduler)),
    );
    const consoleEvent$ = consoleCommand$.pipe(
      takeUntil(shutdown$),
      filter((command) => command.kind !== 'quit'),
      map((command): RouterEvent => ({ kind: 'console', command })),
    );
    const shutdownEvent$ = shutdown$.pipe(map((reason): RouterEvent => ({ kind: 'shutdown', reason })));

    // Events come in batches (a read chunk's lines); each batch's effects leave as one batch of outputs.
    const handle = (event: ConnectionEvent): readonly ServerOutput[] =>
      event.kind === 'reading' ? [event] : route(event).map((effect) => toOutput(effect, encode));
    return merge(shutdownEvent$.pipe(map(batchOf)), connectionEvent$, consoleEvent$.pipe(map(batchOf))).pipe(
      map((events) => (events.length === 1 ? handle(events[0]) : events.flatMap(handle))),
      filter((outputs) => outputs.length > 0),
    );
  });
}

/** One connection's life as events: opened, its lines (at most at its rate), idle, closed. */
function connectionEvents(
  connection: ConnectionSource,
  options: ServerOptions,
  scheduler: SchedulerLike,
): Observable<readonly ConnectionEvent[]> {
  const { id } = connection;
  const input$ = connection.data$.pipe(
    decoderFor(options.framing, options.limits),
    map(asItems),
    idleTimeout(options.idleTimeoutMs, scheduler),
    map((items) => (items instanceof IdleTimeoutError ? [items] : items)),
    throttleLines<InputItem>(options.rate, scheduler),
    map((throttled): readonly ConnectionEvent[] =>
      throttled.kind === 'reading' ? [{ kind: 'reading', id, paused: throttled.paused }] : toEvents(id, throttled.items),
    ),
    endWith(batchOf({ kind: 'closed', id, reason: 'connection closed' })),
    catchError((error: unknown) => of(batchOf({ kind: 'closed', id, reason: describeConnectionError(error) }))),
    share(),
  );
  const passwordDeadline$ =
    options.password === undefined
      ? EMPTY
      : timer(options.passwordTimeoutMs, scheduler).pipe(
          map(() => batchOf({ kind: 'password-deadline', id })),
          takeUntil(input$.pipe(ignoreElements(), endWith(true))),
        );
  return concat(of(batchOf({ kind: 'open', id, address: connection.address, ip: connection.ip })), merge(input$, passwordDeadline$));
}

type ConnectionEvent = RouterEvent | ReadingOutput;

const batchOf = (event: ConnectionEvent): readonly ConnectionEvent[] => [event];

type InputItem = string | LineTooLongError | IdleTimeoutError;

function asItems(framed: FramedInput): readonly InputItem[] {
  return framed instanceof LineTooLongError ? [framed] : framed;
}

/** Consecutive lines stay one batch; a limit's notice comes between them in its place. */
function toEvents(id: ConnId, items: readonly InputItem[]): RouterEvent[] {
  const events: RouterEvent[] = [];
  let lines: string[] = [];
  const flush = (): void => {
    if (lines.length > 0) events.push({ kind: 'lines', id, lines });
    lines = [];
  };
  for (const item of items) {
    if (typeof item === 'string') {
      lines.push(item);
      continue;
    }
    flush();
    events.push(
      item instanceof IdleTimeoutError
        ? { kind: 'idle', id, seconds: item.seconds }
        : { kind: 'line-too-long', id, maxBytes: item.maxBytes, fatal: item.fatal },
    );
  }
  flush();
  return events;
}

function toOutput(effect: Effect, encode: (lines: readonly string[]) => Uint8Array): ServerOutput {
  return effect.kind === 'send' ? { kind: 'write', to: effect.to, bytes: encode(effect.lines) } : effect;
}
