import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { BehaviorSubject, fromEvent, merge, Subject, take, tap, type Observable, type Subscription } from '../../streams/rx.js';
import { clientMain, GREETING_MS, type ConnectAttempt } from '../../streams/client/client-main.js';
import type { DisplayLine } from '../../streams/client/client-state.js';
import { DEFAULT_OUTBOX_LIMITS } from '../../streams/client/outbox.js';
import type { LineLimits } from '../../streams/framing/decode-lines.js';
import type { Framing } from '../../streams/framing/encode.js';
import { DEFAULT_BACKOFF, type Backoff } from '../../streams/limits/backoff.js';
import { maskSecret } from '../../streams/protocol/secret-mask.js';
import { jsonLine } from '../../streams/server/log-line.js';
import { connect, type ConnectTls } from '../drivers/connect.js';
import { knownHostsPath } from '../drivers/known-hosts.js';
import { PacedWriter, RAW_MESSAGE_GAP_MS } from '../drivers/paced-writes.js';
import { formatAddress, ignore, socketData } from '../drivers/socket-data.js';
import { renderDisplayLine, renderStatus, useColour } from './style.js';
import { terminal } from '../drivers/terminal.js';
import { flushed } from './flushed.js';
import { describeFailure, isTrustFailure } from './failure.js';
import type { ProcessIo } from './serve.js';
import { presentedCertificate } from './presented-certificate.js';
import { connectTls, trustedServer, type ClientTls } from './server-trust.js';
import { unlessServerSpeaksTls } from './tls-probe.js';

export interface ConnectConfig {
  readonly host: string;
  readonly port: number;
  readonly nick?: string;
  readonly password?: string;
  /** The secret of the registered `nick`. */
  readonly identity?: string;
  readonly json: boolean;
  /** false (`--no-color`): no colour or styling, even on a terminal. */
  readonly colour?: boolean;
  readonly framing: Framing;
  readonly limits: LineLimits;
  /** Reconnect attempts after a lost connection: 0 never, Infinity forever. */
  readonly retries: number;
  /** The waits between them (DEFAULT_BACKOFF unless given). */
  readonly backoff?: Backoff;
  /** Show each line's time. */
  readonly timestamps: boolean;
  /** `--tls`: speak TLS only. */
  readonly tls?: ClientTls;
  /** Silence after which a tcpchat server is pinged (0: never). */
  readonly heartbeatMs: number;
}

/**
 * Runs `tcpchat connect` until the conversation ends; resolves to the exit code.
 * The core asks for connections and says what to write and show; this function connects,
 * reports each attempt back, and carries out the rest. When the server cannot take more,
 * reading input pauses; when our output cannot take more, reading from the server pauses.
 */
export function runClient(config: ConnectConfig, io: ProcessIo, leave$: Observable<unknown>): Promise<number> {
  const where = formatAddress(config.host, config.port);
  // A closed output (`tcpchat connect | head -1`) must not crash us: nobody reads any more, so we leave.
  io.stdout.on('error', ignore);
  const outputClosed$ = fromEvent(io.stdout, 'error').pipe(take(1));

  return new Promise((resolve) => {
    let running: Subscription | undefined;
    let attempt: Subscription | undefined;
    let socket: Socket | undefined;
    let interactive = false;
    /** The raw framing: each message a write of its own, spaced (see PacedWriter). */
    let paced: PacedWriter | undefined;
    /** Piped input: whether a line of it was read, and whether its end was (see `unread`). */
    const piped = { read: false, ended: false };
    const finish = (code: number, message?: string): void => {
      // On a terminal the last sentence takes the prompt's row, never its end.
      if (message && interactive) io.stdout.write('\r\x1b[K');
      if (message) io.stderr.write(`tcpchat: ${message}${code === 0 ? '' : unread()}\n`);
      attempt?.unsubscribe();
      running?.unsubscribe();
      paced?.flush();
      socket?.destroy();
      void flushed(io.stdout).then(() => resolve(code));
    };

    // Failing while a pipe was being sent, what it held after the lines read was never read: said, as unsent lines are.
    const unread = (): string => (!io.stdin.isTTY && piped.read && !piped.ended ? '; the input was not read to its end' : '');

    let tls: ConnectTls | undefined;
    let certificateNotice: string | undefined;
    try {
      if (config.tls) {
        const { notice, ...certificate } = presentedCertificate(config.tls, config.nick, io.env, io.now());
        tls = { ...connectTls(config.tls), ...certificate };
        certificateNotice = notice;
      }
    } catch (error) {
      return finish(1, error instanceof Error ? error.message : String(error));
    }

    const attempt$ = new Subject<ConnectAttempt>();
    // Reading input pauses while the socket cannot take more, or while the outbox is nearly full.
    const inputPaused$ = new BehaviorSubject(false);
    let socketFull = false;
    let outboxFull = false;
    const pauseInput = (): void => {
      if (inputPaused$.value !== (socketFull || outboxFull)) inputPaused$.next(socketFull || outboxFull);
    };
    const setSocketFull = (full: boolean): void => {
      socketFull = full;
      pauseInput();
    };
    const person = terminal({ input: io.stdin, output: io.stdout, prompt: promptFor(undefined), pause$: inputPaused$, mask: maskSecret });
    interactive = person.interactive;
    const colour = useColour(io.stdout, io.env, config.colour);
    const status = (text: string): void => {
      if (person.interactive) person.print([renderStatus(text, colour)]);
      else io.stderr.write(`tcpchat: ${text}\n`);
    };
    if (certificateNotice) status(certificateNotice);
    const render = (line: DisplayLine): string =>
      config.json ? jsonDisplayLine(line, io.now()) : renderDisplayLine(line, { colour, timestamps: config.timestamps, now: io.now });

    function connectNow(): void {
      attempt?.unsubscribe();
      // With TLS, a server whose certificate is not trusted fails the connection like a refusal.
      attempt = connect({ host: config.host, port: config.port, tls })
        .pipe(trustedServer(where, config.tls, knownHostsPath(io.env), status))
        .subscribe({
          next: (connected) => {
            socket = connected;
            paced?.stop(); // a paced writer that died with its socket never says it drained
            paced = config.framing === 'raw' ? new PacedWriter(connected, RAW_MESSAGE_GAP_MS, () => setSocketFull(false)) : undefined;
            if (paced) setSocketFull(false);
            connected.on('error', ignore); // reported through the data stream
            const received$ = socketData(connected);
            attempt$.next({ kind: 'connected', received$: tls ? received$ : unlessServerSpeaksTls(received$, config.host, config.port) });
          },
          // Retrying does not make a certificate trustworthy: that ends the client at once (saying what was left unsent).
          error: (error: unknown) =>
            attempt$.next({
              kind: 'failed',
              error,
              ...(isTrustFailure(error) ? { final: describeFailure(error, `cannot connect to ${where}`) } : {}),
            }),
        });
    }

    function send(bytes: Uint8Array): void {
      const full = socket;
      if (!full?.writable) return;
      if (paced) {
        if (!paced.write(bytes)) setSocketFull(true); // until the paced writer has written what waits
        return;
      }
      if (full.write(bytes) || socketFull) return;
      setSocketFull(true);
      // A socket that dies before it drains never says 'drain': its close lets input go on too
      // (to the outbox, which pauses it by itself when nearly full, until the next connection).
      const free = (): void => {
        full.off('drain', free).off('close', free);
        setSocketFull(false);
      };
      full.on('drain', free).on('close', free);
    }

    function show(lines: readonly DisplayLine[]): void {
      if (io.stdout.destroyed) return; // nobody reads any more; we are leaving, so keep reading the server to its end
      if (person.print(lines.map(render)) || !socket || socket.isPaused()) return;
      const paused = socket;
      paused.pause();
      // The write that returned false may be the one that failed (EPIPE: `tcpchat connect | head -1`),
      // and then no 'drain' ever comes. A paused socket keeps no event loop alive: the server's
      // close was never read and the process died with exit code 13 instead of leaving with 0.
      const resume = (): void => {
        for (const event of ['drain', 'error', 'close']) io.stdout.off(event, resume);
        paused.resume();
      };
      for (const event of ['drain', 'error', 'close']) io.stdout.once(event, resume);
    }

    running = clientMain(
      {
        input$: person.line$.pipe(tap({ next: () => (piped.read = true), complete: () => (piped.ended = true) })),
        attempt$,
        leave$: merge(leave$, outputClosed$),
      },
      {
        where,
        nick: config.nick,
        password: config.password,
        identity: config.identity,
        framing: config.framing,
        limits: config.limits,
        heartbeatMs: config.heartbeatMs,
        retries: config.retries,
        backoff: config.backoff ?? DEFAULT_BACKOFF,
        outbox: DEFAULT_OUTBOX_LIMITS,
        session: randomBytes(9).toString('base64url'),
        random: Math.random,
        interactive: person.interactive,
        greetingMs: GREETING_MS,
      },
    ).subscribe((output) => {
      switch (output.kind) {
        case 'connect':
          return connectNow();
        case 'send':
          return send(output.bytes);
        case 'end': {
          const ending = socket;
          if (paced) paced.afterQueue(() => ending?.end());
          else ending?.end();
          return;
        }
        case 'display':
          return show(output.lines);
        case 'status':
          return status(output.text);
        case 'pause-input':
          outboxFull = output.paused;
          return pauseInput();
        case 'room':
          return person.setPrompt(promptFor(output.room));
        case 'exit':
          return finish(output.code, output.message);
      }
    });
  });
}

/** `#lobby> ` in a room; `> ` on a server without rooms (or not tcpchat at all). */
const promptFor = (room: string | undefined): string => `${room ?? ''}> `;

/** One JSON object per line; its time is the server's when the line carries one. */
function jsonDisplayLine({ kind, time, ...fields }: DisplayLine, now: Date): string {
  return jsonLine({ type: kind, ...fields }, time ? new Date(time) : now);
}
