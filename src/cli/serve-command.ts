import type { Argv, CommandModule } from 'yargs';
import { DEFAULT_LINE_LIMITS } from '../../streams/framing/decode-lines.js';
import { invalidNickReason } from '../../streams/protocol/nick.js';
import type { ServeConfig } from '../run/serve.js';
import { DEFAULT_PORT, withCommonOptions } from './common-options.js';
import { parsePort } from './target.js';

/** `tcpchat serve`: turns options into a ServeConfig and hands it to `run`. */
export function serveCommand(run: (config: ServeConfig) => Promise<void>): CommandModule {
  return {
    command: 'serve',
    describe: 'run a chat server (console mode: clients talk to this terminal; --relay: a chat room)',
    builder: (yargs: Argv) =>
      withCommonOptions(yargs)
        .option('host', { alias: 'H', type: 'string', describe: 'address to listen on (default: every interface)' })
        .option('relay', { type: 'boolean', default: false, describe: "chat-room mode: what a client says reaches every other client" })
        .option('name', { type: 'string', default: 'server', describe: "the console's nick" })
        .check((argv) => {
          parsePort(argv.port ?? DEFAULT_PORT);
          const invalid = invalidNickReason(argv.name);
          if (invalid) throw new Error(`--name: ${invalid}`);
          return true;
        })
        .example('$0 serve', 'console mode on port 2023, every interface')
        .example('$0 serve --relay --port 0 --host 127.0.0.1', 'a chat room on a free loopback port'),
    handler: (argv) =>
      run({
        host: (argv.host as string | undefined) || undefined,
        port: parsePort(argv.port ?? DEFAULT_PORT),
        relay: argv.relay as boolean,
        name: argv.name as string,
        json: argv.json as boolean,
        framing: argv.framing as ServeConfig['framing'],
        limits: { ...DEFAULT_LINE_LIMITS, maxLineBytes: argv['max-line'] as number },
        sendQueueBytes: 1024 * 1024,
        shutdownDeadlineMs: 5000,
      }),
  };
}
