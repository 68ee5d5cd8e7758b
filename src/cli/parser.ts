import yargs, { type Argv, type FallbackCompletionFunction, type MiddlewareFunction } from 'yargs';
import type { ConnectConfig } from '../run/connect.js';
import type { ServeConfig } from '../run/serve.js';
import { readConfigFile } from './config-file.js';
import { connectCommand } from './connect-command.js';
import { ENV_PREFIX, environmentOptions } from './environment.js';
import { OptionFiles } from './option-files.js';
import { OPTION_SOURCES } from './option-groups.js';
import { serveCommand } from './serve-command.js';
import { usageSentence } from './usage-sentence.js';

export interface Runners {
  serve(config: ServeConfig): Promise<void>;
  connect(config: ConnectConfig): Promise<void>;
}

/** 2: the command line is wrong; 1: a file it names cannot be read or used (as for --tls-cert when the server starts). */
export type FailureCode = 1 | 2;

const COMMANDS = ['serve', 'connect', 'completion'];

/**
 * The whole command line. Options come from flags, then TCPCHAT_* variables, then `--config
 * FILE`, then defaults. Failures call `fail` with one sentence and an exit code; nothing here
 * opens a socket. yargs reads the TCPCHAT_* variables from process.env itself: `env` must be it
 * (tests set process.env).
 */
export function buildParser(
  args: readonly string[],
  runners: Runners,
  version: string,
  fail: (message: string, code: FailureCode) => void,
  env: NodeJS.ProcessEnv = process.env,
) {
  const files = new OptionFiles();
  const context = { args, env, files };
  let config: { file: string; keys: string[] } | undefined;
  const environment = environmentOptions(env, args);
  const parser: Argv = yargs([...args])
    .scriptName('tcpchat')
    .usage('$0 <command> [options]\n\nA terminal chat over TCP. Everyone can type and read at the same time.')
    .detectLocale(false) // usageSentence() rewords yargs' English messages
    // Numbers are read by the options that take them (whole-number.ts, duration.ts), which refuse
    // what yargs' own reading takes: '' as 0, 0x50 as 80, 1e3 as 1000.
    .parserConfiguration({ 'parse-numbers': false })
    .env(ENV_PREFIX)
    .config('config', 'read options from this JSON file, {"port": 3000, "idle-timeout": "5m"}', (file: string) => {
      const options = readConfigFile(files, file);
      config = { file, keys: Object.keys(options) };
      return options;
    })
    .requiresArg('config')
    .middleware(environment.middleware as unknown as MiddlewareFunction, true)
    .check(environment.check)
    .command(serveCommand(runners.serve, context))
    .command(connectCommand(runners.connect, context))
    .completion(
      'completion',
      'print a shell completion script (bash or zsh): tcpchat completion >> ~/.bashrc',
      completeAsTyped(() => parser),
    )
    .recommendCommands()
    .demandCommand(1, 'say what to do: tcpchat serve, or tcpchat connect')
    .strict()
    .version(version)
    .help()
    .alias('help', 'h')
    .wrap(Math.min(100, process.stdout.columns || 80))
    .epilogue(`${OPTION_SOURCES}\n\nProtocol: plain UTF-8 lines, so nc, ncat, socat and telnet are clients too.`)
    .fail((message, error) => {
      const text = message || error?.message || 'invalid arguments';
      if (files.failed(text)) return fail(text, 1);
      const parsed = parser.parsed;
      const word = parsed ? parsed.argv._[0] : undefined;
      fail(usageSentence(text, { word: word === undefined ? undefined : String(word), commands: COMMANDS, config }), 2);
    });
  skipHelpCache(parser);
  reuseInternalMethods(parser);
  return parser;
}

/**
 * Completions as they are typed: yargs offers a one-letter alias with two dashes (`--H`, `--q`)
 * once the word being completed starts with `--`, which would be refused as unknown: `-H`. An option
 * that is on unless turned off is offered with its `--no-` form after it (`--color`, `--no-color`).
 * zsh's entries carry a description after `:`, fish's after a tab.
 */
function asTyped(completions: readonly string[], negatable: ReadonlySet<string>): string[] {
  return completions.flatMap((completion) => {
    const typed = completion.replace(/^--([^0-9-])(?=$|[:\t])/, '-$1');
    const name = /^--([^:\t]+)/.exec(typed)?.[1];
    return name !== undefined && negatable.has(name) ? [typed, typed.replace(`--${name}`, `--no-${name}`)] : [typed];
  });
}

/** yargs's completions, then `asTyped` (the parser is asked once it is built). */
const completeAsTyped =
  (parser: () => Argv): FallbackCompletionFunction =>
  (_current, _argv, asUsual, done) =>
    asUsual((_error, completions) => done(asTyped(completions ?? [], negatable(parser()))));

/** The options a user turns off with `--no-`: booleans not off by default (on, or on where it fits: `--timestamps`), and `--retry`. */
function negatable(parser: Argv): Set<string> {
  const options = (parser as unknown as { getOptions(): { boolean: string[]; default: Record<string, unknown> } }).getOptions();
  const turnedOff = options.boolean.filter((name) => options.default[name] !== false && name !== 'help' && name !== 'version');
  return new Set([...turnedOff, 'retry']);
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

/**
 * yargs's modules reach each other through `getInternalMethods()`, which binds 16 functions anew on
 * each of its hundreds of calls in a start: a third of a MB that the garbage collector has to sweep
 * before the server listens. yargs works on this one instance throughout (a command's builder gets
 * it back, reset), so the first set is kept. A yargs without this internal method is left as it is.
 */
function reuseInternalMethods(parser: Argv): void {
  const instance = parser as unknown as { getInternalMethods?(): unknown };
  if (typeof instance.getInternalMethods !== 'function') return;
  const methods = instance.getInternalMethods();
  instance.getInternalMethods = () => methods;
}
