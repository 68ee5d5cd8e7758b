import { utf8Length } from '../framing/utf8-length.js';
import {
  asyncScheduler,
  defer,
  EMPTY,
  filter,
  map,
  merge,
  Observable,
  share,
  take,
  takeUntil,
  timer,
  type OperatorFunction,
  type SchedulerLike,
} from '../rx.js';
import type { BusEvent, BusRequest } from '../cluster/bus.js';
import { LineTooLongError } from '../errors.js';
import { batchDecoderFor, decoderFor } from '../framing/decoder-for.js';
import { encodeLines, rawMessages, type Framing } from '../framing/encode.js';
import type { FramedBatch, FramedInput, LineLimits } from '../framing/decode-lines.js';
import type { AccessList } from '../limits/access.js';
import { deadline } from '../limits/deadline.js';
import { idleTimeout, IdleTimeoutError } from '../limits/idle-timeout.js';
import { throttleLines, type RateLimit, type Throttled } from '../limits/throttle-lines.js';
import { parseConsoleLine, type ConsoleCommand } from '../protocol/console-command.js';
import { sanitize } from '../protocol/sanitize.js';
import { mergeConnections, type ConnectionEvent, type ConnectionPeer, type ReadingRequest } from './merge-connections.js';
import type { Effect, LogEntry, RouterEvent } from './events.js';
import { createRouter, type Router, type RouterOptions } from './router.js';
import { eventFailed } from './event-failed.js';
import type { ConnId } from './model.js';

/** A connection as the core sees it: who it is and the bytes it sends. */
export interface ConnectionSource extends ConnectionPeer {
  /** Completes when the peer ends, errors when the connection fails. */
  readonly data$: Observable<Uint8Array>;
}

export interface ServerSources {
  readonly connection$: Observable<ConnectionSource>;
  /** Lines typed at the server's console. */
  readonly console$: Observable<string>;
  /** A signal (SIGINT, SIGTERM) asking the server to stop, with its reason. */
  readonly shutdown$: Observable<string>;
  /** What the other servers of a cluster do (none without a cluster). */
  readonly bus$?: Observable<BusEvent>;
  /** A password read again (a reload); only a server started with one has one. */
  readonly password$?: Observable<string>;
  /** The access list read again (a reload). */
  readonly access$?: Observable<AccessList>;
  /** The shell's answers: the data directory's to `query` outputs (with `--data`), hashed and checked secrets to `secret` outputs. */
  readonly answer$?: Observable<Extract<RouterEvent, { kind: 'answer' | 'hashed' | 'verified' }>>;
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
  /** Makes the router (by default `createRouter`); tests pass one that fails on purpose. */
  readonly createRouter?: (options: RouterOptions) => Router;
}

/** What the shell must do, in order: write bytes to connections, end one, or record events. */
export type ServerOutput =
  /** `lines`: how many lines `bytes` holds, so the shell can count deliveries without decoding. */
  | { kind: 'write'; to: readonly ConnId[]; bytes: Uint8Array; lines: number }
  | { kind: 'close'; id: ConnId; reason: string }
  /**
   * `bytes`: when `entries` is one `messages` entry whose lines went to the room in this very batch,
   * the bytes they were encoded to, so the record can write them rather than encode them again.
   */
  | { kind: 'log'; entries: readonly LogEntry[]; bytes?: Uint8Array }
  | { kind: 'bus'; request: BusRequest }
  | Extract<Effect, { kind: 'stopping' | 'console-room' }>
  /** Keep room lines or acknowledged ids (with `--data`): before the outputs of the same batch are carried out. */
  | Extract<Effect, { kind: 'store' | 'seen' }>
  /** Ask the data directory; its answer comes back through `answer$`. */
  | Extract<Effect, { kind: 'query' }>
  /** Hash or check a nick's secret (its answer comes back through `answer$`); keep a fact (with `--data`). */
  | Extract<Effect, { kind: 'secret' | 'fact' }>
  /** Handling one event failed (a bug): the event was dropped, its connection closed. Say so on stderr. */
  | { kind: 'fault'; error: unknown; event: string }
  /** Stop or restart reading from a connection that sends faster than its rate. */
  | ReadingRequest;

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
    const route = (options.createRouter ?? createRouter)({ ...options, now: () => scheduler.now() });
    const input = connectionInput(options, scheduler);

    // The console's text reaches clients sanitised exactly like a client's, and held to the same --max-line.
    const consoleCommand$ = sources.console$.pipe(
      map((line) => consoleLine(line, options.limits.maxLineBytes)),
      share(),
    );
    const quit$ = consoleCommand$.pipe(
      filter((command) => command.kind === 'quit'),
      map(() => 'shut down from the console'),
    );
    const shutdown$ = merge(sources.shutdown$, quit$).pipe(take(1), share());

    const connectionEvent$ = sources.connection$.pipe(takeUntil(shutdown$), mergeConnections(input, toEvents));
    const consoleEvent$ = consoleCommand$.pipe(
      takeUntil(shutdown$),
      filter((command) => command.kind !== 'quit'),
      map((command): RouterEvent => ({ kind: 'console', command })),
    );
    const shutdownEvent$ = shutdown$.pipe(map((reason): RouterEvent => ({ kind: 'shutdown', reason })));
    // Half the heartbeat, so a silence is noticed at most half an interval late.
    const heartbeatMs = options.heartbeatMs ?? 0;
    const heartbeat$ = (heartbeatMs > 0 ? timer(heartbeatMs / 2, heartbeatMs / 2, scheduler) : EMPTY).pipe(
      takeUntil(shutdown$),
      map((): RouterEvent => ({ kind: 'heartbeat' })),
    );
    const busEvent$ = (sources.bus$ ?? EMPTY).pipe(
      takeUntil(shutdown$),
      map((event): RouterEvent => ({ kind: 'bus', event })),
    );
    const passwordEvent$ = (sources.password$ ?? EMPTY).pipe(
      takeUntil(shutdown$),
      map((password): RouterEvent => ({ kind: 'password', password })),
    );
    const accessEvent$ = (sources.access$ ?? EMPTY).pipe(
      takeUntil(shutdown$),
      map((access): RouterEvent => ({ kind: 'access', access })),
    );

    // Events come in batches (a read chunk's lines); each batch's effects leave as one batch of outputs.
    const outputs = options.framing === 'raw' ? (effects: readonly Effect[]) => effects.flatMap(rawOutputs) : lineOutputs;
    // One event's failure is caught here, where it happens: it ends only what it belongs to, never the room.
    const handle = (event: ConnectionEvent): readonly ServerOutput[] => {
      if (event.kind === 'reading') return [event];
      try {
        return outputs(route(event));
      } catch (error) {
        const { fault, effects } = eventFailed(event, error);
        return [fault, ...outputs(effects)];
      }
    };
    const answerEvent$ = (sources.answer$ ?? EMPTY).pipe(takeUntil(shutdown$));
    const singleEvent$ = merge(consoleEvent$, busEvent$, heartbeat$, passwordEvent$, accessEvent$, answerEvent$).pipe(map(batchOf));
    return merge(shutdownEvent$.pipe(map(batchOf)), connectionEvent$, singleEvent$).pipe(
      map((events) => (events.length === 1 ? handle(events[0]) : events.flatMap(handle))),
      filter((outputs) => outputs.length > 0),
    );
  });
}

/**
 * What one connection's bytes become before `toEvents`: its lines (at most at its rate), idle,
 * and, when there is a password, the moment its time to give it is up. Limits that are off are
 * not built, and the operators are made once for every connection: a server holds one such
 * pipeline per connection, most of them idle, so each stage counts.
 */
function connectionInput(options: ServerOptions, scheduler: SchedulerLike): (connection: ConnectionSource) => Observable<ConnectionInput> {
  const throttle = options.rate.linesPerSecond > 0 ? throttleLines<InputItem>(options.rate, scheduler) : undefined;
  // The throttle hands on lines in batches of its own: only an unthrottled batch can say it is printable.
  const decode: OperatorFunction<Uint8Array, FramedBatch | FramedInput> = throttle
    ? decoderFor(options.framing, options.limits)
    : batchDecoderFor(options.framing, options.limits);
  const idle = idleTimeout<FramedBatch | FramedInput>(options.idleTimeoutMs, scheduler); // off: the source itself
  const passwordDeadline =
    options.password === undefined
      ? undefined
      : deadline<ConnectionInput, typeof PASSWORD_DEADLINE>(options.passwordTimeoutMs, PASSWORD_DEADLINE, scheduler);
  return (connection) => {
    const framed$ = connection.data$.pipe(decode, idle);
    const input$ = throttle
      ? (framed$ as Observable<FramedInput | IdleTimeoutError>).pipe(throttle)
      : (framed$ as Observable<ConnectionInput>);
    return passwordDeadline ? input$.pipe(passwordDeadline) : input$;
  };
}

/** The time to give the password is up. */
const PASSWORD_DEADLINE = Symbol('password deadline');

/** What `toEvents` gets from a connection: framed lines, with the limits that are on applied. */
type ConnectionInput = FramedBatch | IdleTimeoutError | Throttled<InputItem> | typeof PASSWORD_DEADLINE;

const batchOf = (event: ConnectionEvent): readonly ConnectionEvent[] => [event];

/** What a console line asks for; one over --max-line is refused, as a client's is, and goes nowhere. */
function consoleLine(line: string, maxLineBytes: number): ConsoleCommand {
  return utf8Length(line) > maxLineBytes
    ? { kind: 'invalid', error: new LineTooLongError(maxLineBytes).message }
    : parseConsoleLine(sanitize(line));
}

type InputItem = string | LineTooLongError | IdleTimeoutError;

function toEvents(id: ConnId, input: ConnectionInput): readonly ConnectionEvent[] {
  if (input === PASSWORD_DEADLINE) return [{ kind: 'password-deadline', id }];
  if (input instanceof LineTooLongError || input instanceof IdleTimeoutError) return [itemEvent(id, input)];
  if ('lines' in input) return [{ kind: 'lines', id, lines: input.lines, printable: input.printable }];
  const throttled = input as Throttled<InputItem>;
  return throttled.kind === 'reading' ? [{ kind: 'reading', id, paused: throttled.paused }] : itemEvents(id, throttled.items);
}

/** Consecutive lines stay one batch; a limit's notice comes between them in its place. */
function itemEvents(id: ConnId, items: readonly InputItem[]): RouterEvent[] {
  // The usual case, lines only: the batch as it is.
  if (onlyLines(items)) return [{ kind: 'lines', id, lines: items }];
  const events: RouterEvent[] = [];
  let lines: string[] = [];
  for (const item of items) {
    if (typeof item === 'string') {
      lines.push(item);
      continue;
    }
    if (lines.length > 0) events.push({ kind: 'lines', id, lines });
    lines = [];
    events.push(itemEvent(id, item));
  }
  if (lines.length > 0) events.push({ kind: 'lines', id, lines });
  return events;
}

function onlyLines(items: readonly InputItem[]): items is readonly string[] {
  for (const item of items) if (typeof item !== 'string') return false;
  return true;
}

function itemEvent(id: ConnId, notice: LineTooLongError | IdleTimeoutError): RouterEvent {
  return notice instanceof IdleTimeoutError
    ? { kind: 'idle', id, seconds: notice.seconds }
    : { kind: 'line-too-long', id, maxBytes: notice.maxBytes, fatal: notice.fatal };
}

/** The line framing: each batch of lines encoded once for all its recipients, and for the record of the same lines. */
function lineOutputs(effects: readonly Effect[]): ServerOutput[] {
  const outputs: ServerOutput[] = [];
  for (const effect of effects) {
    if (effect.kind === 'send')
      outputs.push({ kind: 'write', to: effect.to, bytes: encodeLines(effect.lines), lines: effect.lines.length });
    else if (effect.kind === 'log') outputs.push(logOutput(effect, effects, outputs));
    else outputs.push(effect);
  }
  return outputs;
}

/** A record of one batch of messages that went to the room before it, in this batch: with the bytes it went as. */
function logOutput(log: Extract<Effect, { kind: 'log' }>, effects: readonly Effect[], outputs: readonly ServerOutput[]): ServerOutput {
  const [entry] = log.entries;
  if (log.entries.length !== 1 || entry.type !== 'messages') return log;
  for (let index = outputs.length - 1; index >= 0; index--) {
    const effect = effects[index];
    const output = outputs[index];
    if (effect.kind === 'send' && effect.lines === entry.lines && output.kind === 'write') return { ...log, bytes: output.bytes };
  }
  return log;
}

/** The raw framing: a write per message, so that each reaches the original programs as one (the first carries the count). */
function rawOutputs(effect: Effect): ServerOutput[] {
  if (effect.kind !== 'send') return [effect];
  return rawMessages(effect.lines).map((bytes, index) => ({
    kind: 'write',
    to: effect.to,
    bytes,
    lines: index === 0 ? effect.lines.length : 0,
  }));
}
