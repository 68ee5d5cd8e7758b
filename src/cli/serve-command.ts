import type { Argv, CommandModule } from 'yargs';
import { DEFAULT_LINE_LIMITS } from '../../streams/framing/line-limits.js';
import { DEFAULT_RATE_LIMIT } from '../../streams/limits/rate-limit.js';
import { DEFAULT_ADMISSION_LIMITS } from '../../streams/server/admission.js';
import { DEFAULT_ANNOUNCE_MAX } from '../../streams/server/announce.js';
import { checkServerPasswordVariable, reloadablePasswordFileOption, resolvePassword, type PasswordFile } from './password-option.js';
import { invalidNickReason } from '../../streams/protocol/nick.js';
import type { ServeConfig } from '../run/serve.js';
import type { Retention } from '../drivers/history-store.js';
import type { CliContext } from './cli-context.js';
import { DEFAULT_PORT, withCommonOptions } from './common-options.js';
import { durationOption } from './duration.js';
import { GROUP, withHelpLayout } from './option-groups.js';
import { parseTarget } from './target.js';
import { LOG_LEVELS, type LogLevel } from '../run/diagnostics.js';
import { accessConfig, withAccessOptions } from './access-options.js';
import { serveTlsConfig, withServeTlsOptions } from './tls-options.js';
import { clusterConfig, withClusterOptions } from './cluster-options.js';
import { wholeNumberOption } from './whole-number.js';
import { parseRoomOption } from './room-option.js';
import { DEFAULT_RETENTION_LINES, parseRetention } from './retain-option.js';
import { parseOperators } from './operator-option.js';

/** Where clients arrive when --room names no other room. */
const FIRST_ROOM = '#lobby';

/** `tcpchat serve`: turns options into a ServeConfig and hands it to `run`. */
export function serveCommand(run: (config: ServeConfig) => Promise<void>, context: CliContext): CommandModule {
  return {
    command: 'serve',
    describe:
      'run a chat server: a room clients talk in, with this terminal taking part (--console-only: clients talk to this terminal alone)',
    builder: (yargs: Argv) =>
      withClusterOptions(
        withAccessOptions(
          withServeTlsOptions(
            withCommonOptions(
              withHelpLayout(yargs),
              { default: DEFAULT_PORT, describe: 'TCP port (0: any free port)' },
              { default: DEFAULT_LINE_LIMITS.maxLineBytes, describe: 'longest line accepted from a client, in bytes' },
            ),
          ),
        ),
      )
        .option('host', {
          alias: 'H',
          type: 'string',
          requiresArg: true,
          describe: 'address to listen on',
          defaultDescription: 'every interface',
        })
        .option('room', {
          type: 'string',
          requiresArg: true,
          // No yargs default: a room given with --console-only is refused, so giving one must show.
          defaultDescription: FIRST_ROOM,
          describe: 'the room clients are in when they arrive',
          coerce: parseRoomOption,
        })
        .option('console-only', {
          type: 'boolean',
          default: false,
          describe: "the original programs' mode: clients talk with this terminal alone, no rooms",
        })
        .option('relay', { type: 'boolean', default: false, describe: 'accepted for older setups; a room is the default now' })
        .option('name', { type: 'string', requiresArg: true, default: 'server', describe: "the console's nick" })
        .option('password-file', reloadablePasswordFileOption(context.files))
        .option(
          'rate',
          wholeNumberOption('rate', {
            default: DEFAULT_RATE_LIMIT.linesPerSecond,
            min: 0,
            describe: 'lines per second from one client once its burst is spent (0: no limit)',
          }),
        )
        .option(
          'burst',
          wholeNumberOption('burst', { default: DEFAULT_RATE_LIMIT.burst, min: 1, describe: 'lines one client may send at once' }),
        )
        .option(
          'max-clients',
          wholeNumberOption('max-clients', { default: DEFAULT_ADMISSION_LIMITS.maxClients, min: 1, describe: 'connections in all' }),
        )
        .option('max-per-address', {
          ...wholeNumberOption('max-per-address', { min: 1, describe: 'connections from one address' }),
          defaultDescription: `${DEFAULT_ADMISSION_LIMITS.maxPerAddress}, loopback exempt`,
        })
        .option(
          'send-queue',
          wholeNumberOption('send-queue', {
            default: 1024 * 1024,
            min: 1024,
            describe: "bytes of a client's unread output before it is cut off",
          }),
        )
        .option('quiet', {
          alias: 'q',
          type: 'boolean',
          default: false,
          describe: 'the console records joins, leaves and errors, not the conversation',
        })
        .option(
          'announce-max',
          wholeNumberOption('announce-max', {
            default: DEFAULT_ANNOUNCE_MAX,
            min: 0,
            describe: 'announce joins, leaves and renames while the room has at most this many members',
          }),
        )
        .option(
          'history',
          wholeNumberOption('history', {
            default: 1000,
            min: 0,
            describe: 'lines kept per room for /history and for clients that reconnect (0: none)',
          }),
        )
        .option('data', {
          type: 'string',
          requiresArg: true,
          describe: 'keep room history and acknowledged lines in DIR/tcpchat.db (SQLite), so they outlive the server',
        })
        .option('operator', {
          type: 'string',
          array: true,
          requiresArg: true,
          describe: 'a registered nick that may moderate (/kick, /ban, /mute, /lock) once identified; repeatable',
          coerce: parseOperators,
        })
        .option('retain', {
          requiresArg: true,
          describe: 'with --data: lines kept per room (a number) or for how long (30d, 12h)',
          default: String(DEFAULT_RETENTION_LINES),
          defaultDescription: `${DEFAULT_RETENTION_LINES} (lines per room)`,
          coerce: parseRetention,
        })
        .option(
          'idle-timeout',
          durationOption('idle-timeout', { default: 0, describe: 'silence after which a client is disconnected (0: never)' }),
        )
        .option(
          'password-timeout',
          durationOption('password-timeout', {
            default: 10_000,
            minMs: 1000,
            describe: 'how long a client has to send /pass when there is a password',
          }),
        )
        .option(
          'shutdown-deadline',
          durationOption('shutdown-deadline', {
            default: 5000,
            describe: 'how long queued output may take to reach the clients when the server stops',
          }),
        )
        .option('metrics', {
          type: 'string',
          requiresArg: true,
          describe: 'serve /metrics (Prometheus) and /healthz on HOST:PORT',
          coerce: parseMetricsAddress,
        })
        .option('log-level', { choices: LOG_LEVELS, default: 'info' as const, describe: 'the least important diagnostics shown on stderr' })
        .option('timestamps', {
          type: 'boolean',
          describe: 'an ISO time before each console line',
          defaultDescription: 'when stdout is not a terminal',
        })
        .group(['host'], GROUP.network)
        .group(['room', 'console-only', 'relay', 'name', 'history', 'data', 'retain', 'operator', 'announce-max'], GROUP.chat)
        .group(['quiet', 'timestamps', 'log-level', 'metrics'], GROUP.output)
        .group(['password-file'], GROUP.security)
        .group(
          ['rate', 'burst', 'max-clients', 'max-per-address', 'send-queue', 'idle-timeout', 'password-timeout', 'shutdown-deadline'],
          GROUP.limits,
        )
        .check((argv) => {
          const invalid = invalidNickReason(argv.name);
          if (invalid) throw new Error(`--name: ${invalid}`);
          if (argv.data !== undefined && argv.cluster !== undefined)
            throw new Error('--data cannot go with --cluster yet: a cluster keeps its history in Redis');
          if (argv.relay && argv['console-only'])
            throw new Error('--relay and --console-only cannot go together: --relay is the room, the default');
          if (argv.room !== undefined && argv['console-only'])
            throw new Error('--room and --console-only cannot go together: a console-only server has no rooms');
          checkServerPasswordVariable(argv['password-file'], context.env);
          return true;
        })
        .example('$0 serve', 'a chat room (#lobby) on port 2023, every interface')
        .example('$0 serve --port 0 --host 127.0.0.1 --room dev', 'a chat room on a free loopback port, where clients start in #dev')
        .example('$0 serve --console-only', 'clients talk with this terminal alone, as the original programs did')
        .example('$0 serve --cluster redis://10.0.0.5:6379', 'the same rooms on every server that names this Redis')
        .example('TCPCHAT_IDLE_TIMEOUT=5m $0 serve --config /etc/tcpchat.json', 'options from a file and the environment'),
    handler: (argv) =>
      run({
        host: (argv.host as string | undefined) || undefined,
        port: argv.port as number,
        mode: argv['console-only'] ? 'console-only' : 'room',
        firstRoom: (argv.room as string | undefined) ?? FIRST_ROOM,
        name: argv.name as string,
        json: argv.json as boolean,
        colour: argv.color as boolean,
        framing: argv.framing as ServeConfig['framing'],
        limits: { ...DEFAULT_LINE_LIMITS, maxLineBytes: argv['max-line'] as number },
        sendQueueBytes: argv['send-queue'] as number,
        rate: { linesPerSecond: argv.rate as number, burst: argv.burst as number },
        admission: {
          ...DEFAULT_ADMISSION_LIMITS,
          maxClients: argv['max-clients'] as number,
          maxPerAddress: (argv['max-per-address'] as number | undefined) ?? DEFAULT_ADMISSION_LIMITS.maxPerAddress,
          limitLoopback: argv['max-per-address'] !== undefined,
        },
        idleTimeoutMs: argv['idle-timeout'] as number,
        password: resolvePassword(argv['password-file'], context.env),
        passwordFile: (argv['password-file'] as PasswordFile | undefined)?.file,
        allowFile: argv['allow-file'] as string | undefined,
        denyFile: argv['deny-file'] as string | undefined,
        metrics: argv.metrics as ServeConfig['metrics'],
        logLevel: argv['log-level'] as LogLevel,
        timestamps: argv.timestamps as boolean | undefined,
        passwordTimeoutMs: argv['password-timeout'] as number,
        historySize: argv.history as number,
        data: argv.data ? { dir: argv.data as string, retention: argv.retain as Retention } : undefined,
        operators: (argv.operator as string[] | undefined) ?? [],
        quiet: argv.quiet as boolean,
        announceMax: argv['announce-max'] as number,
        shutdownDeadlineMs: argv['shutdown-deadline'] as number,
        heartbeatMs: argv.heartbeat as number,
        tls: serveTlsConfig(argv),
        access: accessConfig(argv),
        cluster: clusterConfig(argv, argv.port as number),
      }),
  };
}

/** `--metrics HOST:PORT` (`[IPV6]:PORT`); the port may be 0. */
function parseMetricsAddress(text: string): { host: string; port: number } {
  let target;
  try {
    target = parseTarget(String(text));
  } catch (error) {
    throw new Error(`--metrics ${text}: ${(error as Error).message}`);
  }
  if (target.port === undefined) throw new Error(`--metrics ${text}: give HOST:PORT, such as 127.0.0.1:9464`);
  return { host: target.host, port: target.port };
}
