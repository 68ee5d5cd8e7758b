import type { Argv, CommandModule } from 'yargs';
import { DEFAULT_LINE_LIMITS } from '../../streams/framing/line-limits.js';
import { invalidNickReason } from '../../streams/protocol/nick.js';
import type { ConnectConfig } from '../run/connect.js';
import { DEFAULT_PORT, withCommonOptions } from './common-options.js';
import { passwordFileOption, resolvePassword } from './password-option.js';
import { DEFAULT_RETRIES, retryOption } from './retry-option.js';
import { parsePort, parseTarget } from './target.js';
import { connectTlsConfig, withConnectTlsOptions } from './tls-options.js';

/** `tcpchat connect`: turns options into a ConnectConfig and hands it to `run`. */
export function connectCommand(run: (config: ConnectConfig) => Promise<void>, env: NodeJS.ProcessEnv): CommandModule {
  return {
    command: 'connect [target]',
    describe: 'join a chat server',
    builder: (yargs: Argv) =>
      withConnectTlsOptions(withCommonOptions(yargs))
        .positional('target', { type: 'string', default: '127.0.0.1', describe: 'HOST, HOST:PORT or [IPV6]:PORT' })
        .option('nick', { alias: 'n', type: 'string', describe: 'the nick to ask for' })
        .option('password-file', passwordFileOption)
        .option('retry', retryOption)
        .option('timestamps', { type: 'boolean', default: false, describe: "show each line's time" })
        .check((argv) => {
          const target = parseTarget(argv.target as string);
          if (target.port !== undefined && argv.port !== undefined && target.port !== argv.port) {
            throw new Error(`two ports given: ${target.port} in the target and --port ${argv.port}`);
          }
          parsePort(argv.port ?? target.port ?? DEFAULT_PORT);
          const invalid = argv.nick === undefined ? undefined : invalidNickReason(argv.nick);
          if (invalid) throw new Error(`--nick: ${invalid}`);
          return true;
        })
        .example('$0 connect', 'join the server on this machine, port 2023')
        .example('$0 connect chat.example.org:4000 --nick ada', 'join another machine with a nick')
        .example('echo hello | $0 connect', 'say one line and leave'),
    handler: (argv) => {
      const target = parseTarget(argv.target as string);
      return run({
        host: target.host,
        port: parsePort(argv.port ?? target.port ?? DEFAULT_PORT),
        nick: argv.nick as string | undefined,
        password: resolvePassword(argv['password-file'], env),
        json: argv.json as boolean,
        framing: argv.framing as ConnectConfig['framing'],
        limits: { ...DEFAULT_LINE_LIMITS, maxLineBytes: argv['max-line'] as number },
        retries: (argv.retry as number | undefined) ?? DEFAULT_RETRIES,
        timestamps: argv.timestamps as boolean,
        heartbeatMs: (argv.heartbeat as number) * 1000,
        tls: connectTlsConfig(argv),
      });
    },
  };
}
