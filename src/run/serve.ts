import type { Readable, Writable } from 'node:stream';
import {
  BehaviorSubject,
  buffer,
  debounceTime,
  filter,
  map,
  mergeMap,
  NEVER,
  Observable,
  share,
  Subject,
  take,
  tap,
  timer,
  type Subscription,
} from '../../streams/rx.js';
import type { LineLimits } from '../../streams/framing/decode-lines.js';
import type { RateLimit } from '../../streams/limits/throttle-lines.js';
import type { AdmissionLimits } from '../../streams/server/admission.js';
import { encoderFor, type Framing } from '../../streams/framing/encode.js';
import { refusalsFor } from '../../streams/framing/telnet-refusal.js';
import { formatRefusal } from '../../streams/protocol/farewell.js';
import { formatError } from '../../streams/protocol/server-line.js';
import type { LogEntry } from '../../streams/server/events.js';
import type { Fact } from '../../streams/server/facts.js';
import { nickKey } from '../../streams/protocol/nick.js';
import { jsonLine } from '../../streams/server/log-line.js';
import { serverMain, type ServerOutput } from '../../streams/server/server-main.js';
import { AscendingMap } from '../../streams/ascending-map.js';
import { consoleRecord } from './console-record.js';
import { congestionHold } from './congestion.js';
import type { AccessList, AccessRules } from '../../streams/limits/access.js';
import { listen, type ListenEvent, type ListenTls } from '../drivers/listen.js';
import { serverTls, tlsEventLine, type ServeTls } from './serve-tls.js';
import { reachableAddresses } from '../drivers/interfaces.js';
import { serverConnections, type ServerConnection } from '../drivers/server-connection.js';
import { RAW_MESSAGE_GAP_MS } from '../drivers/paced-writes.js';
import { TurnWrites } from '../drivers/turn-writes.js';
import { pacedFlushes } from '../drivers/flush-pace.js';
import { SharedIps } from '../drivers/shared-ips.js';
import { formatAddress } from '../drivers/socket-data.js';
import { useColour } from './style.js';
import { terminal } from '../drivers/terminal.js';
import { flushed } from './flushed.js';
import { describeFailure } from './failure.js';
import type { ClusterConfig } from './cluster-config.js';
import { clusterBus } from './serve-cluster.js';
import { diagnostics, stampsWanted, type LogLevel } from './diagnostics.js';
import { ServeCounts } from './serve-counts.js';
import { readAccess, reloader, type ReloadableFiles } from './serve-reload.js';
import { SPEAKS_TLS, SPEAKS_TLS_LINE, unlessPeerSpeaksTls } from './plain-port.js';
import { openFiles } from '../drivers/open-files.js';
import { descriptorBudget, droppedSentence } from './descriptor-budget.js';
import { answerSecret } from './serve-secrets.js';
import { runEpoch } from './run-epoch.js';
import { MEMORY_ONLY, openData, PRUNE_EVERY_MS, type DataConfig, type DataLink } from './serve-data.js';

export interface ServeConfig extends ReloadableFiles {
  readonly host?: string;
  readonly port: number;
  /** A room (the default), or the original programs' console-only mode. */
  readonly mode: 'room' | 'console-only';
  /** Where clients arrive, normalised (`#lobby`). */
  readonly firstRoom: string;
  readonly name: string;
  readonly json: boolean;
  /** false (`--no-color`): no colour or styling on the console, even on a terminal. */
  readonly colour?: boolean;
  readonly framing: Framing;
  readonly limits: LineLimits;
  readonly sendQueueBytes: number;
  readonly rate: RateLimit;
  readonly admission: AdmissionLimits;
  /** 0: never. */
  readonly idleTimeoutMs: number;
  readonly password?: string;
  readonly passwordTimeoutMs: number;
  /** Room lines kept for /history and for clients that resume. */
  readonly historySize: number;
  /** `--data DIR`, `--retain`: history and acknowledged lines outlive the server. */
  readonly data?: DataConfig;
  /** `--operator`: registered nicks that moderate once identified. */
  readonly operators?: readonly string[];
  /** Leave the conversation out of the console's record. */
  readonly quiet: boolean;
  readonly announceMax: number;
  /** How long shutdown waits for queued output to reach the clients. */
  readonly shutdownDeadlineMs: number;
  /** Silence after which a tcpchat client is pinged (0: never). */
  readonly heartbeatMs: number;
  /** `--tls-cert`, `--tls-key`: speak TLS only. */
  readonly tls?: ServeTls;
  /** `--allow`, `--deny`: checked before a connection reaches the core. */
  readonly access?: AccessRules;
  /** `--cluster`: one room with the other servers that share this Redis. */
  readonly cluster?: ClusterConfig;
  /** `--metrics HOST:PORT`: serve `/metrics` and `/healthz` there. */
  readonly metrics?: { readonly host: string; readonly port: number };
  /** `--log-level`: the least important stderr lines shown (default info). */
  readonly logLevel?: LogLevel;
  /** `--timestamps`: an ISO time before each console line; undefined: when stdout is not a terminal. */
  readonly timestamps?: boolean;
}

export interface ProcessIo {
  readonly stdin: Readable & { isTTY?: boolean };
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly now: () => Date;
  /** Called once the server listens (the bin then keeps a code cache of what the start compiled). */
  readonly listening?: () => void;
}

/**
 * Runs `tcpchat serve` until it is shut down; resolves to the exit code.
 * The listening server, each connection, the console and the stop signals are drivers; the
 * stream core decides, and this function only carries out what it decides.
 */
export async function runServer(
  config: ServeConfig,
  io: ProcessIo,
  stop$: Observable<unknown>,
  reload$: Observable<unknown> = NEVER,
): Promise<number> {
  const tell = diagnostics(io.stderr, config.logLevel);
  // A closed pipe on our diagnostics (`2>&1 | head`) must not stop the chat either. A terminal that hung up
  // still ends the server at its next line, which its SIGHUP (a reload) writes at once: else it would live on unowned.
  if (!io.stderr.isTTY) io.stderr.on('error', () => {});
  const files = openFiles();
  const budget = descriptorBudget(files, config.admission);
  if (budget?.warning) tell.warn(budget.warning);
  const counts = new ServeCounts(config.cluster !== undefined);
  // By id: a server holds one per client, and an AscendingMap's entry costs a third of a Map's.
  const connections = new AscendingMap<ServerConnection>();
  const congestion = congestionHold(() => connections.values());
  const bus = config.cluster && clusterBus(config.cluster, config.historySize, tell.warn, congestion.congested, config.firstRoom);
  // The metrics server (and prom-client) is loaded only for --metrics, before anything starts.
  const metrics$ =
    config.metrics && (await (await import('./serve-metrics.js')).serveMetrics(config.metrics, counts, connections, bus !== undefined));
  let data: DataLink | undefined;
  if (config.data) {
    try {
      data = await openData(config.data, config.historySize, () => io.now().getTime(), tell.warn);
    } catch (error) {
      tell.error((error as Error).message);
      return 1;
    }
  }
  return new Promise((resolve) => {
    // SIGHUP is always listened to (its default would end the process), whatever there is to reload.
    const hup$ = reload$.pipe(share());
    const password$ = new Subject<string>();
    const access$ = new Subject<AccessList>();
    const answer$ = new Subject<ReturnType<DataLink['answer']> | Awaited<ReturnType<typeof answerSecret>>>();
    // Certificate, key and access rules are read before anything starts: a bad one is one sentence, exit 1.
    let tls: ListenTls | undefined;
    let access: AccessList;
    try {
      tls = config.tls && serverTls(config.tls, hup$, tell.warn);
      access = readAccess(config.access, config);
    } catch (error) {
      tell.error(error instanceof Error ? error.message : String(error));
      resolve(1);
      return;
    }
    const reload = reloader(config.access, config, tls !== undefined, tell, {
      access: (list) => access$.next(list),
      password: (secret) => password$.next(secret),
    });
    const stamps = stampsWanted(config.timestamps, io.stdout);
    let nextId = 1;
    const ctrlD = '* the server goes on (Ctrl-D does not stop it); /quit or Ctrl-C does';
    // As the client's: the room the console speaks in, once it has rooms.
    const prompt = (room?: string): string => `${room ?? ''}> `;
    const console = terminal({
      // Read when the console opens (see console$), not now: a process.stdin that is a file is costly to make.
      get input() {
        return io.stdin;
      },
      output: io.stdout,
      prompt: prompt(config.mode === 'room' ? config.firstRoom : undefined),
      promptLater: true,
      ctrlD,
    });
    const colour = useColour(io.stdout, io.env, config.colour);
    // A closed pipe on our output must not stop the chat; that the record goes nowhere from then on is said once.
    io.stdout.on('error', () => {});
    io.stdout.once('error', (error: NodeJS.ErrnoException) =>
      tell.warn(`the console's record is lost from here on: stdout failed (${error.code ?? error.message}); the chat goes on`),
    );
    const encode = encoderFor(config.framing);
    const farewell = (reason: string): Uint8Array => encode([formatError(reason)]);
    const accept = serverConnections({
      sendQueueBytes: config.sendQueueBytes,
      lingerMs: 5000,
      farewell,
      // The original programs (raw framing) never negotiate; a telnet client on a line server is refused every option.
      telnet: config.framing === 'line' ? refusalsFor : undefined,
      closed: (connection) => {
        counts.bytesInClosed += connection.socket.bytesRead;
        counts.bytesOutClosed += connection.socket.bytesWritten;
        connections.delete(connection.id);
      },
      cut: () => counts.slowReadersCut++,
      messageGapMs: config.framing === 'raw' ? RAW_MESSAGE_GAP_MS : undefined,
      // What one turn says to a client (lines from many speakers, in a busy room) reaches it as one
      // write, and under load no more than one write per FLUSH_GAP_MS.
      turn: new TurnWrites(pacedFlushes()),
      ips: new SharedIps(),
    });

    const consoleLog = consoleRecord({
      output: io.stdout,
      print: (lines) => console.print(lines),
      interactive: console.interactive,
      quiet: config.quiet,
      json: config.json,
      colour,
      stamps,
      now: io.now,
      warn: tell.warn,
    });
    const record = (entries: readonly LogEntry[], bytes?: Uint8Array): void => {
      counts.entries(entries);
      consoleLog(entries, bytes);
    };

    // Connections closed unanswered for want of descriptors: one line per burst, with the count.
    const dropped$ = new Subject<void>();
    const droppedReport = dropped$
      .pipe(buffer(dropped$.pipe(debounceTime(1000))))
      .subscribe((burst) => tell.warn(droppedSentence(burst.length, files?.limit)));
    // Once the server listens (when the console starts reading).
    const listened$ = new Subject<void>();
    // With --metrics the chat listens only once the metrics server is bound: a metrics address that is taken
    // ends the start (one sentence, exit 1) before `listening on`, which scripts take for "up", is said.
    const metricsBound$ = new BehaviorSubject(!metrics$);
    const listen$ = metricsBound$.pipe(
      filter(Boolean),
      take(1),
      mergeMap(() => listen({ host: config.host, port: config.port, tls, maxConnections: budget?.sockets })),
    );
    const connection$ = listen$.pipe(
      tap((event) => event.type === 'dropped' && dropped$.next()),
      tap((event) => event.type === 'listening' && announce(event)),
      tap((event) => {
        const line = tlsEventLine(event, tls);
        if (line) (event.type === 'credentials-reload-failed' ? tell.warn : tell.info)(line);
        if (event.type === 'handshake-failed')
          tell.debug(`TLS handshake from ${event.address ?? 'an unknown address'} failed: ${event.error.message}`);
      }),
      tap((event) => event.type === 'listening' && console.showPrompt()), // never before what it says on starting
      tap((event) => event.type === 'listening' && listened$.next()),
      filter((event): event is Extract<ListenEvent, { type: 'connection' }> => event.type === 'connection'),
      map(({ socket }) => {
        const connection = accept(nextId++, socket);
        connections.set(connection.id, connection);
        congestion.arrived(connection);
        return connection;
      }),
      mergeMap((connection) => (tls ? [connection] : unlessPeerSpeaksTls(connection, refuseTls))),
    );

    // A terminal whose input really ended (Ctrl-D while our output goes to a file): say so, serve on.
    const stoppedReading = (): void => {
      if (io.stdin.isTTY) tell.warn('the console stopped reading (end of input); still serving');
    };
    // The console reads once the server listens: until then a start opens no stdin and loads no readline.
    const console$ = listened$.pipe(
      take(1),
      mergeMap(() => console.line$),
      tap({ complete: stoppedReading }),
    );

    const shutdown$ = stop$.pipe(
      take(1),
      map((signal) => (typeof signal === 'string' ? `got ${signal}` : 'asked to stop')),
      share(),
    );

    // The cluster link's state, for /healthz and /metrics, as the bus tells it.
    const bus$ = bus?.event$.pipe(
      tap((event) => {
        if (event.type === 'up' || event.type === 'down') counts.clusterUp = event.type === 'up';
      }),
    );
    const run = runEpoch();
    const main = serverMain(
      { connection$, console$, shutdown$, bus$, password$, access$, answer$ },
      {
        name: config.name,
        mode: config.mode,
        firstRoom: config.firstRoom,
        framing: config.framing,
        limits: config.limits,
        rate: config.rate,
        admission: budget?.admission ?? config.admission,
        idleTimeoutMs: config.idleTimeoutMs,
        password: config.password,
        access,
        passwordTimeoutMs: config.passwordTimeoutMs,
        historySize: config.historySize,
        announceMax: config.announceMax,
        heartbeatMs: config.heartbeatMs,
        cluster: bus?.self,
        // Names this run (or the data directory's history): a resuming client learns whether its sequence numbers still mean anything.
        epoch: data?.epoch ?? run,
        // Private lines live in this process alone, whatever outlives it; in a cluster its instance
        // names it, so that a node a client comes back to knows whom to ask for them.
        privatesRun: bus?.self.instance ?? run,
        restored: data?.restored,
        operators: config.operators,
      },
    );

    const finish = (code: number): void => {
      running.unsubscribe();
      side.unsubscribe();
      droppedReport.unsubscribe();
      deadline?.unsubscribe();
      data?.close();
      for (const connection of connections.values()) connection.socket.destroy();
      void flushed(io.stdout).then(() => resolve(code));
    };

    // Once shutdown starts, queued output has until the deadline to reach the clients.
    let deadline: Subscription | undefined;

    const running = main.subscribe({
      next: (outputs) => {
        data?.keep(outputs);
        outputs.forEach(apply);
      },
      error: (error: unknown) => {
        // Only a failure to bind (or to find the host) is one; anything else that ends the server is a bug, told with its stack.
        const where = formatAddress(config.host ?? '*', config.port);
        tell.error(
          isBindFailure(error)
            ? describeFailure(error, `cannot listen on ${where}`)
            : `the server stopped on an internal error: ${stackOf(error)}`,
        );
        finish(1);
      },
      complete: () => finish(0),
    });
    // Beside the chat: reloads, and the metrics server.
    const side = hup$.subscribe(reload);
    if (data) side.add(timer(PRUNE_EVERY_MS, PRUNE_EVERY_MS).subscribe(data.prune));
    if (config.metrics && metrics$) {
      const { host, port } = config.metrics;
      side.add(
        metrics$.subscribe({
          next: (where) => {
            tell.info(`metrics on ${formatAddress(where.host, where.port)}`);
            metricsBound$.next(true);
          },
          error: (error: unknown) => {
            tell.error(describeFailure(error, `cannot serve metrics on ${formatAddress(host, port)}`));
            finish(1);
          },
        }),
      );
    }

    function apply(output: ServerOutput): void {
      counts.output(output);
      switch (output.kind) {
        case 'write': {
          // One Buffer view for every recipient: a bare Uint8Array would be wrapped anew on each write.
          const chunk = Buffer.from(output.bytes.buffer, output.bytes.byteOffset, output.bytes.byteLength);
          for (const id of output.to) connections.get(id)?.write(chunk);
          return;
        }
        case 'close':
          connections.get(output.id)?.close();
          return;
        case 'log':
          record(output.entries, output.bytes);
          return;
        case 'console-room':
          console.setPrompt(prompt(output.room));
          return;
        case 'stopping':
          // Signal or console /quit alike: queued output has until the deadline to drain.
          deadline ??= timer(config.shutdownDeadlineMs).subscribe(() => finish(0));
          // Each connection is closed as soon as its output has drained: no waiting for peers that never hang up.
          for (const connection of connections.values()) connection.closeWhenDrained();
          return;
        case 'reading':
          connections.get(output.id)?.reading(!output.paused);
          return;
        case 'bus':
          bus?.request(output.request);
          return;
        case 'store':
        case 'seen':
        case 'fact':
          return; // kept already, before the batch (see `keep`)
        case 'secret':
          answerSecret(output).then(
            (answer) => answer$.next(answer),
            (error: unknown) => tell.error(`cannot hash a nick's secret: ${stackOf(error)}`),
          );
          return;
        case 'query': {
          // Asked now, handed back once this batch is carried out: its answer is an event of its own.
          const answer = data?.answer(output);
          if (answer) queueMicrotask(() => answer$.next(answer));
          return;
        }
        case 'fault':
          tell.error(`internal error handling ${output.event}; the event was dropped: ${stackOf(output.error)}`);
          return;
      }
    }

    /** A TLS client on the plain port is told why, closed, and recorded, and never reaches the core. */
    function refuseTls(connection: ServerConnection): void {
      connection.write(encode([formatRefusal(SPEAKS_TLS_LINE)]));
      connection.close(); // reading goes on and discards what it sends, so its end (and our close) comes promptly
      record([{ type: 'refused', id: connection.id, address: connection.address, reason: SPEAKS_TLS }]);
    }

    function announce(event: { host: string; port: number }): void {
      counts.listening = true;
      tell.info(`listening on ${formatAddress(event.host, event.port)}`);
      if (!config.cluster) tell.info(config.data ? `history is kept in ${config.data.dir}` : MEMORY_ONLY);
      if (!config.cluster)
        for (const nick of unregisteredOperators(config.operators ?? [], data?.restored.facts ?? []))
          tell.warn(`operator ${nick} is not registered: whoever registers it first is an operator, so register it now`);
      if (event.host === '::' || event.host === '0.0.0.0') {
        const where = reachableAddresses(event.host).map((host) => formatAddress(host, event.port));
        tell.info(`reachable at ${where.join(', ')}`);
      }
      if (config.json) io.stdout.write(jsonLine({ type: 'listening', host: event.host, port: event.port }, io.now()) + '\n');
      io.listening?.();
    }
  });
}

/** Binding failed, or looking up the `--host` to bind to did (a name that is no host, `999.1.1.1`). */
function isBindFailure(error: unknown): boolean {
  const syscall = (error as { syscall?: unknown } | null)?.syscall;
  return syscall === 'listen' || syscall === 'getaddrinfo';
}

function stackOf(error: unknown): string {
  return error instanceof Error ? (error.stack ?? String(error)) : String(error);
}

/** `--operator` nicks no one has registered yet (a cluster's registrations are known only once it is joined). */
function unregisteredOperators(operators: readonly string[], facts: readonly Fact[]): string[] {
  const registered = new Set(facts.flatMap((fact) => (fact.kind === 'registration' && !fact.lifted ? [fact.key] : [])));
  return operators.filter((nick) => !registered.has(nickKey(nick)));
}
