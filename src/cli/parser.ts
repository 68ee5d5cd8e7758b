import yargs from 'yargs';
import type { ConnectConfig } from '../run/connect.js';
import type { ServeConfig } from '../run/serve.js';
import { connectCommand } from './connect-command.js';
import { serveCommand } from './serve-command.js';

export interface Runners {
  serve(config: ServeConfig): Promise<void>;
  connect(config: ConnectConfig): Promise<void>;
}

/** The whole command line. Usage errors call `fail` with one sentence; nothing here opens a socket. */
export function buildParser(
  args: readonly string[],
  runners: Runners,
  version: string,
  fail: (message: string) => void,
  env: NodeJS.ProcessEnv = {},
) {
  return yargs([...args])
    .scriptName('tcpchat')
    .usage('$0 <command> [options]\n\nA terminal chat over TCP. Everyone can type and read at the same time.')
    .command(serveCommand(runners.serve, env))
    .command(connectCommand(runners.connect, env))
    .demandCommand(1, 'say what to do: tcpchat serve, or tcpchat connect')
    .strict()
    .version(version)
    .help()
    .alias('help', 'h')
    .wrap(Math.min(100, process.stdout.columns || 80))
    .epilogue('Protocol: plain UTF-8 lines, so nc, ncat, socat and telnet are clients too.')
    .fail((message, error) => fail(message || error?.message || 'invalid arguments'));
}
