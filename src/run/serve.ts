import type { Readable, Writable } from 'node:stream';
import { filter, map, Observable, share, take, tap, timer, type Subscription } from 'rxjs';
import type { LineLimits } from '../../streams/framing/decode-lines.js';
import type { RateLimit } from '../../streams/limits/throttle-lines.js';
import type { AdmissionLimits } from '../../streams/server/admission.js';
import type { Framing } from '../../streams/framing/encode.js';
import type { LogEntry } from '../../streams/server/events.js';
import { jsonLine, logEntryLine } from '../../streams/server/log-line.js';
import { serverMain, type ServerOutput } from '../../streams/server/server-main.js';
import { listen, type ListenEvent } from '../drivers/listen.js';
import { reachableAddresses } from '../drivers/interfaces.js';
import { serverConnection, type ServerConnection } from '../drivers/server-connection.js';
import { formatAddress } from '../drivers/socket-data.js';
import { renderServerLine, useColour } from '../drivers/style.js';
import { terminal } from '../drivers/terminal.js';
import { describeFailure } from './failure.js';

export interface ServeConfig {
  readonly host?: string;
  readonly port: number;
  readonly relay: boolean;
  readonly name: string;
  readonly json: boolean;
  readonly framing: Framing;
  readonly limits: LineLimits;
  readonly sendQueueBytes: number;
  readonly rate: RateLimit;
  readonly admission: AdmissionLimits;
  /** 0: never. */
  readonly idleTimeoutMs: number;
  readonly password?: string;
  readonly passwordTimeoutMs: number;
  /** How long shutdown waits for queued output to reach the clients. */
  readonly shutdownDeadlineMs: number;
}

export interface ProcessIo {
  readonly stdin: Readable & { isTTY?: boolean };
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable;
  readonly env: NodeJS.ProcessEnv;
  readonly now: () => Date;
}

/**
 * Runs `tcpchat serve` until it is shut down; resolves to the exit code.
 * The listening server, each connection, the console and the stop signals are drivers; the
 * stream core decides, and this function only carries out what it decides.
 */
export function runServer(config: ServeConfig, io: ProcessIo, stop$: Observable<unknown>): Promise<number> {
  return new Promise((resolve) => {
    const connections = new Map<number, ServerConnection>();
    let nextId = 1;
    const console = terminal({ input: io.stdin, output: io.stdout, prompt: '> ' });
    const colour = useColour(io.stdout, io.env);
    io.stdout.on('error', () => {}); // a closed pipe on our output must not stop the chat

    const record = (entries: readonly LogEntry[]): void => {
      const lines = config.json
        ? entries.map((entry) => jsonLine(entry, io.now()))
        : entries.map((entry) => renderServerLine(logEntryLine(entry), colour));
      console.print(lines);
    };

    const connection$ = listen({ host: config.host, port: config.port }).pipe(
      tap((event) => event.type === 'listening' && announce(event)),
      filter((event): event is Extract<ListenEvent, { type: 'connection' }> => event.type === 'connection'),
      map(({ socket }) => {
        const connection = serverConnection(nextId++, socket, { sendQueueBytes: config.sendQueueBytes, lingerMs: 5000 });
        connections.set(connection.id, connection);
        socket.once('close', () => connections.delete(connection.id));
        return connection;
      }),
    );

    const shutdown$ = stop$.pipe(
      take(1),
      map((signal) => (typeof signal === 'string' ? `got ${signal}` : 'asked to stop')),
      share(),
    );

    const main = serverMain(
      { connection$, console$: console.line$, shutdown$ },
      {
        name: config.name,
        relay: config.relay,
        framing: config.framing,
        limits: config.limits,
        rate: config.rate,
        admission: config.admission,
        idleTimeoutMs: config.idleTimeoutMs,
        password: config.password,
        passwordTimeoutMs: config.passwordTimeoutMs,
      },
    );

    const finish = (code: number): void => {
      running.unsubscribe();
      deadline?.unsubscribe();
      for (const connection of connections.values()) connection.socket.destroy();
      io.stdout.write('', () => resolve(code));
    };

    // Once shutdown starts, queued output has until the deadline to reach the clients.
    let deadline: Subscription | undefined;

    const running = main.subscribe({
      next: (outputs) => outputs.forEach(apply),
      error: (error: unknown) => {
        io.stderr.write(`tcpchat: ${describeFailure(error, `cannot listen on ${formatAddress(config.host ?? '*', config.port)}`)}\n`);
        finish(1);
      },
      complete: () => finish(0),
    });

    function apply(output: ServerOutput): void {
      switch (output.kind) {
        case 'write':
          for (const id of output.to) connections.get(id)?.write(output.bytes);
          return;
        case 'close':
          connections.get(output.id)?.close();
          return;
        case 'log':
          record(output.entries);
          return;
        case 'stopping':
          // Signal or console /quit alike: queued output has until the deadline to drain.
          deadline ??= timer(config.shutdownDeadlineMs).subscribe(() => finish(0));
          return;
        case 'reading':
          connections.get(output.id)?.reading(!output.paused);
          return;
      }
    }

    function announce(event: { host: string; port: number }): void {
      io.stderr.write(`tcpchat: listening on ${formatAddress(event.host, event.port)}\n`);
      if (event.host === '::' || event.host === '0.0.0.0') {
        const where = reachableAddresses().map((host) => formatAddress(host, event.port));
        io.stderr.write(`tcpchat: reachable at ${where.join(', ')}\n`);
      }
      if (config.json) io.stdout.write(jsonLine({ type: 'listening', host: event.host, port: event.port }, io.now()) + '\n');
    }
  });
}
