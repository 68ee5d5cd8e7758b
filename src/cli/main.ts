import packageJson from '../../package.json' with { type: 'json' };
import type { ProcessIo } from '../run/serve.js';

const { version } = packageJson;

/** What the bin learns of a run. */
export interface StartHooks {
  /** The server listens: its start is over (the bin then keeps a code cache of what the start compiled). */
  readonly listening?: () => void;
}

// The exit code is set and the event loop left to drain, so no queued output is cut off.
const done = (code: number): void => {
  process.exitCode = code;
  process.stdin.destroy();
};

// 2: a usage error, with a pointer to --help; 1: a file an option names cannot be used, or a
// package a command needs is missing.
const failure = (message: string, code: 1 | 2): void => {
  process.stderr.write(`tcpchat: ${message}${code === 2 ? ' (tcpchat --help shows the options)' : ''}\n`);
  process.exit(code);
};

/** The streams are loaded only for the command that runs, so `--help` and usage errors start fast. */
async function streams() {
  const signals = await import('../drivers/signals.js');
  (await import('../run/unhandled-errors.js')).reportUnhandledErrors(process.stderr);
  return signals;
}

/**
 * Runs the `tcpchat` command line `args` (what follows `tcpchat`). The bundle's entry: the bin
 * (src/cli/bin.cts) calls it; `unbundled.ts` runs it from tsc's modules.
 */
export function main(args: readonly string[], hooks: StartHooks = {}): void {
  const io: ProcessIo = {
    // Read at first use: `--help` and `--version` never open stdin.
    get stdin() {
      return process.stdin;
    },
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    now: () => new Date(),
    listening: hooks.listening,
  };
  // No top-level await: the bundle bin.cts runs (src/build/bundle.ts) is CommonJS.
  void import('./parser.js').then(({ buildParser }) =>
    buildParser(
      args,
      {
        serve: async (config) => {
          const missing = config.cluster === undefined ? undefined : (await import('./cluster-client.js')).missingClusterClient();
          if (missing !== undefined) return failure(missing, 1);
          const { signal, stopSignals } = await streams();
          const { runServer } = await import('../run/serve.js');
          // SIGHUP re-reads the TLS files, the password file and the access lists.
          done(await runServer(config, io, stopSignals(), signal('SIGHUP')));
        },
        connect: async (config) => {
          const { stopSignals } = await streams();
          const { runClient } = await import('../run/connect.js');
          // SIGTERM leaves as Ctrl-C does: saying /quit, so the server does not take it for a lost link.
          done(await runClient(config, io, stopSignals()));
        },
      },
      version,
      failure,
      process.env,
    ).parseAsync(),
  );
}
