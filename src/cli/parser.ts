import yargs, { type Argv } from 'yargs';
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
  const parser = yargs([...args])
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
  skipHelpCache(parser);
  return parser;
}

/**
 * Once a command's handler has started, yargs renders that command's whole help text and keeps it,
 * for a showHelp() from the handler; ours never call it (usage errors go to `fail`). Rendering it
 * measures every string with Intl.Segmenter: ~35 ms before `tcpchat serve` can listen. `--help`
 * and usage errors render as before. A yargs without this internal hook just keeps rendering it.
 */
function skipHelpCache(parser: Argv): void {
  type Internals = { getInternalMethods?(): { getUsageInstance?(): { cacheHelpMessage?: () => void } } };
  const usage = (parser as unknown as Internals).getInternalMethods?.().getUsageInstance?.();
  if (typeof usage?.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}
