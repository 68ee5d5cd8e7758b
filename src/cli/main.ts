#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { config } from 'rxjs';
import { hideBin } from 'yargs/helpers';
import { signal, stopSignals } from '../drivers/signals.js';
import { runClient } from '../run/connect.js';
import { runServer, type ProcessIo } from '../run/serve.js';
import { buildParser } from './parser.js';

const packageJson = new URL('../../../package.json', import.meta.url);
const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };

const io: ProcessIo = {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  now: () => new Date(),
};

// An error no stream handled is a bug to report, never a reason to drop everyone's connection.
config.onUnhandledError = (error: unknown) => {
  process.stderr.write(`tcpchat: internal error (please report it): ${error instanceof Error ? error.message : String(error)}\n`);
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

await buildParser(
  hideBin(process.argv),
  {
    // SIGHUP re-reads the TLS certificate (it is only listened to when there is one).
    serve: async (config) => done(await runServer(config, io, stopSignals(), signal('SIGHUP'))),
    connect: async (config) => done(await runClient(config, io, signal('SIGINT'))),
  },
  version,
  usageError,
  process.env,
).parseAsync();
