#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import type { ProcessIo } from '../run/serve.js';

const packageJson = new URL('../../../package.json', import.meta.url);
const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };

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

const usageError = (message: string): void => {
  process.stderr.write(`tcpchat: ${message} (tcpchat --help shows the options)\n`);
  process.exit(2);
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
    usageError,
    process.env,
  ).parseAsync(),
);
