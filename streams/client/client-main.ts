import {
  asyncScheduler,
  catchError,
  concat,
  defer,
  EMPTY,
  endWith,
  filter,
  from,
  map,
  merge,
  mergeMap,
  Observable,
  of,
  scan,
  share,
  startWith,
  Subject,
  switchMap,
  take,
  takeUntil,
  takeWhile,
  tap,
  timer,
  type SchedulerLike,
} from '../rx.js';
import { LineTooLongError } from '../errors.js';
import type { LineLimits } from '../framing/decode-lines.js';
import { decoderFor } from '../framing/decoder-for.js';
import { encodeLines, rawMessages } from '../framing/encode.js';
import { silences, Silence } from '../limits/silences.js';
import {
  initialClientState,
  stepClient,
  type ClientEffect,
  type ClientEvent,
  type ClientPolicy,
  type DisplayLine,
  type Step,
} from './client-state.js';

/** How long typed lines wait for a new connection's peer to speak (see `ClientPolicy.greetingMs`). */
export const GREETING_MS = 1000;

/**
 * What came of one attempt to connect, as the shell reports it. `final`: a failure no retry mends
 * (an untrusted certificate), in its sentence: the client exits 1 with it.
 */
export type ConnectAttempt =
  | { readonly kind: 'connected'; readonly received$: Observable<Uint8Array> }
  | { readonly kind: 'failed'; readonly error: unknown; readonly final?: string };

export interface ClientSources {
  /** Lines the person types (or a pipe gives); completes at end of input. */
  readonly input$: Observable<string>;
  /** One report per `connect` output: the new connection's bytes, or why it failed. */
  readonly attempt$: Observable<ConnectAttempt>;
  /** A request to leave (Ctrl-C). */
  readonly leave$: Observable<unknown>;
}

export interface ClientOptions extends ClientPolicy {
  readonly limits: LineLimits;
  /** How long the server may say nothing, or nothing that answers what we sent, before it is pinged (0, the default: never); see `stepClient`. */
  readonly heartbeatMs?: number;
  /** The clock for reconnect delays; virtual in tests. */
  readonly scheduler?: SchedulerLike;
}

/** What the shell must do: connect now, write, half-close, show, report, pause or resume reading input, show the room, or exit. */
export type ClientOutput =
  | { readonly kind: 'connect' }
  | { readonly kind: 'send'; readonly bytes: Uint8Array }
  | { readonly kind: 'end' }
  | { readonly kind: 'display'; readonly lines: readonly DisplayLine[] }
  | { readonly kind: 'status'; readonly text: string }
  | { readonly kind: 'pause-input'; readonly paused: boolean }
  | { readonly kind: 'room'; readonly room?: string }
  | { readonly kind: 'exit'; readonly code: 0 | 1; readonly message?: string };

/**
 * The client as a function of its sources. Typing and receiving are independent streams merged
 * into one ordered stream of events; `stepClient` decides, and its effects come out as outputs.
 * A connection is asked for with a `connect` output (after the backoff delay, on the scheduler)
 * and reported back through `attempt$`, so reconnecting is part of the stream graph, not a loop.
 * Completes after the `exit` output.
 */
export function clientMain(sources: ClientSources, options: ClientOptions): Observable<ClientOutput> {
  return defer(() => {
    const scheduler = options.scheduler ?? asyncScheduler;
    // The raw framing: each line a message of its own (see rawMessages).
    const encode = options.framing === 'raw' ? rawMessages : (lines: readonly string[]) => [encodeLines(lines)];
    // A server's over-long line is skipped up to its newline however long it runs (memory stays
    // bounded): the client reads on, where a server would cut off a client that never ends a line.
    const decode = decoderFor(options.framing, { ...options.limits, hardLimitBytes: Infinity });

    // A `drop` (a dead link) ends the connection as if it had failed, which also destroys its socket.
    const drop$ = new Subject<void>();
    // The heartbeat's clock: it starts with each connection and again whenever the state counts a
    // batch as heard (see `ClientState.heard`), not on every byte, so lines from the others that
    // keep coming do not hide a link dead our way.
    const heard$ = new Subject<void>();
    const silentUnlessHeard = (event$: Observable<ClientEvent>): Observable<ClientEvent> =>
      (options.heartbeatMs ?? 0) <= 0
        ? event$
        : new Observable<ClientEvent>((subscriber) => {
            subscriber.add(
              heard$
                .pipe(
                  silences(options.heartbeatMs!, scheduler),
                  filter((value): value is Silence => value instanceof Silence),
                )
                .subscribe((silence) => subscriber.next({ kind: 'silent', periods: silence.periods })),
            );
            subscriber.add(event$.subscribe(subscriber));
          });
    const untilDropped = (event$: Observable<ClientEvent>): Observable<ClientEvent> =>
      new Observable<ClientEvent>((subscriber) => {
        subscriber.add(drop$.subscribe(() => subscriber.error(new DeadLinkError())));
        subscriber.add(event$.subscribe(subscriber));
      });
    // A peer that says nothing for `greetingMs` after we connect is not tcpchat: the state takes it for plain.
    const greetingMs = options.greetingMs ?? 0;
    const quietUnlessGreeted = (event$: Observable<ClientEvent>): Observable<ClientEvent> =>
      greetingMs <= 0
        ? event$
        : event$.pipe(share(), (shared$) =>
            merge(
              shared$,
              // A turn more once due: what came meanwhile, if our own work held it up, is read first.
              timer(greetingMs, scheduler).pipe(
                mergeMap(() => timer(0, scheduler)),
                map((): ClientEvent => ({ kind: 'quiet' })),
                takeUntil(shared$.pipe(filter((event) => event.kind !== 'silent'))),
              ),
            ),
          );
    const connection = (attempt: ConnectAttempt): Observable<ClientEvent> =>
      attempt.kind === 'failed'
        ? of({ kind: 'connect-failed', error: attempt.error, final: attempt.final })
        : concat(
            of<ClientEvent>({ kind: 'connected' }),
            attempt.received$.pipe(
              decode,
              map((framed): ClientEvent =>
                framed instanceof LineTooLongError ? { kind: 'too-long', maxBytes: framed.maxBytes } : { kind: 'received', lines: framed },
              ),
              silentUnlessHeard,
              untilDropped,
              endWith<ClientEvent>({ kind: 'disconnected' }),
              catchError((error: unknown) => of<ClientEvent>({ kind: 'disconnected', error })),
              quietUnlessGreeted,
            ),
          );

    const leave$ = sources.leave$.pipe(take(1), share());
    const event$ = merge(
      // Ctrl-C stops reading input, as its end does: after the half-close nothing more can be sent.
      sources.input$.pipe(
        takeUntil(leave$),
        map((line): ClientEvent => ({ kind: 'typed', line })),
        endWith<ClientEvent>({ kind: 'input-ended' }),
      ),
      leave$.pipe(map((): ClientEvent => ({ kind: 'leave' }))),
      sources.attempt$.pipe(switchMap(connection)),
    ).pipe(startWith<ClientEvent>({ kind: 'start' }));

    const initial: Step = { state: initialClientState(options), effects: [] };
    let heard = initial.state.heard;
    return event$.pipe(
      scan((step, event) => stepClient(step.state, event, options), initial),
      tap(({ state }) => {
        if (state.heard === heard) return;
        heard = state.heard;
        heard$.next();
      }),
      mergeMap((step) => step.effects),
      // After the delays: ending here also cancels a reconnect still waiting for its timer, which
      // would otherwise come out as a `connect` after the `exit` and hold the stream open.
      mergeMap((effect) => (effect.kind === 'drop' ? (drop$.next(), EMPTY) : toOutput(effect, encode, scheduler))),
      takeWhile((output) => output.kind !== 'exit', true),
    );
  });
}

function toOutput(
  effect: Exclude<ClientEffect, { kind: 'drop' }>,
  encode: (lines: readonly string[]) => readonly Uint8Array[],
  scheduler: SchedulerLike,
): Observable<ClientOutput> {
  switch (effect.kind) {
    case 'connect':
      return effect.afterMs <= 0
        ? of({ kind: 'connect' })
        : timer(effect.afterMs, scheduler).pipe(map((): ClientOutput => ({ kind: 'connect' })));
    case 'send':
      return from(encode(effect.lines).map((bytes): ClientOutput => ({ kind: 'send', bytes })));
    default:
      return of(effect);
  }
}

/** The server stopped answering pings: the connection is taken for lost. */
export class DeadLinkError extends Error {
  readonly code = 'DEAD_LINK';
  constructor() {
    super('no answer from the server');
    this.name = 'DeadLinkError';
  }
}
