import type { Socket } from 'node:net';
import { BehaviorSubject, fromEvent, merge, take, type Observable, type Subscription } from 'rxjs';
import { clientMain } from '../../streams/client/client-main.js';
import type { LineLimits } from '../../streams/framing/decode-lines.js';
import type { Framing } from '../../streams/framing/encode.js';
import type { ServerLine } from '../../streams/protocol/server-line.js';
import { jsonLine } from '../../streams/server/log-line.js';
import { connect } from '../drivers/connect.js';
import { formatAddress, ignore, socketData } from '../drivers/socket-data.js';
import { renderServerLine, useColour } from '../drivers/style.js';
import { terminal } from '../drivers/terminal.js';
import { describeFailure } from './failure.js';
import type { ProcessIo } from './serve.js';

export interface ConnectConfig {
  readonly host: string;
  readonly port: number;
  readonly nick?: string;
  readonly password?: string;
  readonly json: boolean;
  readonly framing: Framing;
  readonly limits: LineLimits;
}

/**
 * Runs `tcpchat connect` until the conversation ends; resolves to the exit code.
 * Typed lines go out and the server's lines come in as two independent streams. When the
 * server cannot take more, reading input pauses; when our output cannot take more, reading
 * from the server pauses (and TCP tells the server to wait).
 */
export function runClient(config: ConnectConfig, io: ProcessIo, leave$: Observable<unknown>): Promise<number> {
  const where = formatAddress(config.host, config.port);
  // A closed output (`tcpchat connect | head -1`) must not crash us: nobody reads any more, so we leave.
  io.stdout.on('error', ignore);
  const outputClosed$ = fromEvent(io.stdout, 'error').pipe(take(1));
  return new Promise((resolve) => {
    const subscriptions: Subscription[] = [];
    const finish = (code: number, message?: string): void => {
      if (message) io.stderr.write(`tcpchat: ${message}\n`);
      subscriptions.forEach((subscription) => subscription.unsubscribe());
      io.stdout.write('', () => resolve(code));
    };

    subscriptions.push(
      connect({ host: config.host, port: config.port }).subscribe({
        next: (socket) => converse(socket),
        error: (error: unknown) => finish(1, describeFailure(error, `cannot connect to ${where}`)),
      }),
    );

    function converse(socket: Socket): void {
      socket.on('error', ignore); // reported through the data stream
      const serverBusy$ = new BehaviorSubject(false);
      const person = terminal({ input: io.stdin, output: io.stdout, prompt: '> ', pause$: serverBusy$ });
      const colour = useColour(io.stdout, io.env);
      if (person.interactive) io.stderr.write(`tcpchat: connected to ${where}\n`);

      const sinks = clientMain(
        { input$: person.line$, received$: socketData(socket), leave$: merge(leave$, outputClosed$) },
        { nick: config.nick, password: config.password, framing: config.framing, limits: config.limits },
      );

      const render = (line: ServerLine): string =>
        config.json ? jsonLine(lineFields(line), io.now()) : renderServerLine(line, colour);

      subscriptions.push(
        sinks.display$.subscribe((lines) => {
          if (!person.print(lines.map(render)) && !socket.isPaused()) {
            socket.pause();
            io.stdout.once('drain', () => socket.resume());
          }
        }),
        sinks.exit$.subscribe(({ code, message }) => finish(code, message)),
        sinks.send$.subscribe({
          next: (bytes) => {
            if (!socket.writable || socket.write(bytes) || serverBusy$.value) return;
            serverBusy$.next(true);
            socket.once('drain', () => serverBusy$.next(false));
          },
          complete: () => socket.end(),
        }),
      );
    }
  });
}

function lineFields({ kind, ...fields }: ServerLine): { type: string } {
  return { type: kind, ...fields };
}
