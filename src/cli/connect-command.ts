import type { Argv, CommandModule } from 'yargs';
import { DEFAULT_LINE_LIMITS } from '../../streams/framing/line-limits.js';
import { DEFAULT_BACKOFF } from '../../streams/limits/backoff.js';
import { invalidNickReason } from '../../streams/protocol/nick.js';
import type { ConnectConfig } from '../run/connect.js';
import type { CliContext } from './cli-context.js';
import { CONNECT_MAX_LINE, DEFAULT_PORT, withCommonOptions } from './common-options.js';
import { typedOnCommandLine } from './environment.js';
import { formatDuration } from '../../streams/protocol/duration.js';
import { durationOption } from './duration.js';
import { GROUP, withHelpLayout } from './option-groups.js';
import { identityFileOption, passwordFileOption, resolveIdentity, resolvePassword } from './password-option.js';
import { DEFAULT_RETRIES, retryOption } from './retry-option.js';
import { parseTarget } from './target.js';
import { connectTlsConfig, withConnectTlsOptions } from './tls-options.js';

/** `tcpchat connect`: turns options into a ConnectConfig and hands it to `run`. */
export function connectCommand(run: (config: ConnectConfig) => Promise<void>, context: CliContext): CommandModule {
  const port = (argv: Record<string, unknown>): number =>
    connectPort(argv.target as string, argv.port as number | undefined, typedOnCommandLine(context.args, ['port', 'p']));
  return {
    command: 'connect [target]',
    describe: 'join a chat server',
    builder: (yargs: Argv) =>
      withConnectTlsOptions(
        withCommonOptions(
          withHelpLayout(yargs.positional('target', { type: 'string', default: '127.0.0.1', describe: 'HOST, HOST:PORT or [IPV6]:PORT' })),
          {
            defaultDescription: `the target's, else ${DEFAULT_PORT}`,
          },
          { default: CONNECT_MAX_LINE, describe: 'longest line accepted from the server, in bytes' },
        ),
      )
        .option('nick', { alias: 'n', type: 'string', requiresArg: true, describe: 'the nick to ask for' })
        .option('password-file', passwordFileOption(context.files))
        .option('identity-file', identityFileOption(context.files))
        .option('retry', retryOption)
        .option(
          'retry-delay',
          durationOption('retry-delay', {
            default: DEFAULT_BACKOFF.initialMs,
            minMs: 10,
            describe: 'the wait before the first reconnect attempt; it doubles, with jitter, each time',
          }),
        )
        .option(
          'retry-max-delay',
          durationOption('retry-max-delay', { default: DEFAULT_BACKOFF.maxMs, describe: 'the longest wait between reconnect attempts' }),
        )
        .option('timestamps', { type: 'boolean', default: false, describe: "show each line's time" })
        .group(['retry', 'retry-delay', 'retry-max-delay'], GROUP.network)
        .group(['nick'], GROUP.chat)
        .group(['timestamps'], GROUP.output)
        .group(['password-file', 'identity-file'], GROUP.security)
        .check((argv) => {
          port(argv);
          if ((argv['retry-max-delay'] as number) < (argv['retry-delay'] as number)) {
            throw new Error(
              `--retry-max-delay (${formatDuration(argv['retry-max-delay'] as number)}) must be at least --retry-delay (${formatDuration(argv['retry-delay'] as number)})`,
            );
          }
          const invalid = argv.nick === undefined ? undefined : invalidNickReason(argv.nick);
          if (invalid) throw new Error(`--nick: ${invalid}`);
          return true;
        })
        .example('$0 connect', 'join the server on this machine, port 2023')
        .example('$0 connect chat.example.org:4000 --nick ada', 'join another machine with a nick')
        .example('echo hello | $0 connect', 'say one line and leave'),
    handler: (argv) =>
      run({
        host: parseTarget(argv.target as string).host,
        port: port(argv),
        nick: argv.nick as string | undefined,
        password: resolvePassword(argv['password-file'], context.env),
        identity: resolveIdentity(argv['identity-file'], context.env),
        json: argv.json as boolean,
        colour: argv.color as boolean,
        framing: argv.framing as ConnectConfig['framing'],
        limits: { ...DEFAULT_LINE_LIMITS, maxLineBytes: argv['max-line'] as number },
        retries: (argv.retry as number | undefined) ?? DEFAULT_RETRIES,
        backoff: { ...DEFAULT_BACKOFF, initialMs: argv['retry-delay'] as number, maxMs: argv['retry-max-delay'] as number },
        timestamps: argv.timestamps as boolean,
        heartbeatMs: argv.heartbeat as number,
        tls: connectTlsConfig(argv),
      }),
  };
}

/**
 * The port to connect to. The target's own (`HOST:PORT`, typed on the command line) wins over a
 * --port from the environment or a config file; two different ports typed on the command line are a mistake.
 */
export function connectPort(target: string, option: number | undefined, optionTyped: boolean): number {
  const own = parseTarget(target).port;
  if (own !== undefined && option !== undefined && own !== option && optionTyped) {
    throw new Error(`two ports given: ${own} in the target and --port ${option}`);
  }
  return own ?? option ?? DEFAULT_PORT;
}
