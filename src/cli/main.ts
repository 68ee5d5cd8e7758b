import packageJson from '../../package.json' with { type: 'json' };
import type { ProcessIo } from '../run/serve.js';

const { version } = packageJson;

const io: ProcessIo = {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  now: () => new Date(),
};

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

// No top-level await: the bundle bin.ts runs (src/build/bundle.ts) is CommonJS.
void import('./parser.js').then(({ buildParser }) =>
  buildParser(
    process.argv.slice(2), // what yargs/helpers' hideBin() leaves of a node process's argv
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
        const { signal } = await streams();
        const { runClient } = await import('../run/connect.js');
        done(await runClient(config, io, signal('SIGINT')));
      },
    },
    version,
    failure,
    process.env,
  ).parseAsync(),
);
