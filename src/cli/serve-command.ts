import type { Argv, CommandModule } from 'yargs';
import { DEFAULT_LINE_LIMITS } from '../../streams/framing/line-limits.js';
import { DEFAULT_RATE_LIMIT } from '../../streams/limits/rate-limit.js';
import { DEFAULT_ADMISSION_LIMITS } from '../../streams/server/admission.js';
import { DEFAULT_ANNOUNCE_MAX } from '../../streams/server/announce.js';
import { passwordFileOption, resolvePassword } from './password-option.js';
import { invalidNickReason } from '../../streams/protocol/nick.js';
import type { ServeConfig } from '../run/serve.js';
import { DEFAULT_PORT, withCommonOptions } from './common-options.js';
import { parsePort } from './target.js';
import { accessConfig, withAccessOptions } from './access-options.js';
import { serveTlsConfig, withServeTlsOptions } from './tls-options.js';
import { clusterConfig, withClusterOptions } from './cluster-options.js';

/** `tcpchat serve`: turns options into a ServeConfig and hands it to `run`. */
export function serveCommand(run: (config: ServeConfig) => Promise<void>, env: NodeJS.ProcessEnv): CommandModule {
  return {
    command: 'serve',
    describe: 'run a chat server (console mode: clients talk to this terminal; --relay: a chat room)',
    builder: (yargs: Argv) =>
      withClusterOptions(withAccessOptions(withServeTlsOptions(withCommonOptions(yargs))))
        .option('host', { alias: 'H', type: 'string', describe: 'address to listen on (default: every interface)' })
        .option('relay', { type: 'boolean', default: false, describe: "chat-room mode: what a client says reaches every other client" })
        .option('name', { type: 'string', default: 'server', describe: "the console's nick" })
        .option('password-file', passwordFileOption)
        .option('rate', { type: 'number', default: DEFAULT_RATE_LIMIT.linesPerSecond, describe: 'lines per second from one client once its burst is spent (0: no limit)' })
        .option('burst', { type: 'number', default: DEFAULT_RATE_LIMIT.burst, describe: 'lines one client may send at once' })
        .option('max-clients', { type: 'number', default: DEFAULT_ADMISSION_LIMITS.maxClients, describe: 'connections in all' })
        .option('max-per-address', { type: 'number', describe: `connections from one address (default ${DEFAULT_ADMISSION_LIMITS.maxPerAddress}, loopback exempt)` })
        .option('send-queue', { type: 'number', default: 1024 * 1024, describe: "bytes of a client's unread output before it is cut off" })
        .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'the console records joins, leaves and errors, not the conversation' })
        .option('announce-max', { type: 'number', default: DEFAULT_ANNOUNCE_MAX, describe: 'announce joins, leaves and renames while the room has at most this many members' })
        .option('history', { type: 'number', default: 1000, describe: 'room lines kept for /history and for clients that reconnect (0: none)' })
        .option('idle-timeout', { type: 'number', default: 0, describe: 'seconds of silence before a client is disconnected (0: never)' })
        .option('password-timeout', { type: 'number', default: 10, describe: 'seconds a client has to send /pass when there is a password' })
        .option('shutdown-deadline', { type: 'number', default: 5, describe: 'seconds queued output may take to reach the clients when the server stops' })
        .check((argv) => {
          parsePort(argv.port ?? DEFAULT_PORT);
          const invalid = invalidNickReason(argv.name);
          if (invalid) throw new Error(`--name: ${invalid}`);
          requireWhole(argv, 'rate', 0);
          requireWhole(argv, 'burst', 1);
          requireWhole(argv, 'max-clients', 1);
          requireWhole(argv, 'max-per-address', 1);
          requireWhole(argv, 'send-queue', 1024);
          requireWhole(argv, 'idle-timeout', 0);
          requireWhole(argv, 'history', 0);
          requireWhole(argv, 'announce-max', 0);
          requireWhole(argv, 'password-timeout', 1);
          requireWhole(argv, 'shutdown-deadline', 0);
          return true;
        })
        .example('$0 serve', 'console mode on port 2023, every interface')
        .example('$0 serve --relay --port 0 --host 127.0.0.1', 'a chat room on a free loopback port')
        .example('$0 serve --relay --cluster redis://10.0.0.5:6379', 'one room across every server that names this Redis'),
    handler: (argv) =>
      run({
        host: (argv.host as string | undefined) || undefined,
        port: parsePort(argv.port ?? DEFAULT_PORT),
        relay: argv.relay as boolean,
        name: argv.name as string,
        json: argv.json as boolean,
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
        idleTimeoutMs: (argv['idle-timeout'] as number) * 1000,
        password: resolvePassword(argv['password-file'], env),
        passwordTimeoutMs: (argv['password-timeout'] as number) * 1000,
        historySize: argv.history as number,
        quiet: argv.quiet as boolean,
        announceMax: argv['announce-max'] as number,
        shutdownDeadlineMs: (argv['shutdown-deadline'] as number) * 1000,
        heartbeatMs: (argv.heartbeat as number) * 1000,
        tls: serveTlsConfig(argv),
        access: accessConfig(argv),
        cluster: clusterConfig(argv, parsePort(argv.port ?? DEFAULT_PORT)),
      }),
  };
}

function requireWhole(argv: Record<string, unknown>, name: string, min: number): void {
  const value = argv[name];
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new Error(`--${name} must be a whole number, at least ${min}`);
  }
}
