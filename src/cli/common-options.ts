import type { Argv } from 'yargs';
import { DEFAULT_LINE_LIMITS } from '../../streams/framing/line-limits.js';

/** Options both commands take. */
export function withCommonOptions<T>(yargs: Argv<T>) {
  return yargs
    .option('port', { alias: 'p', type: 'number', describe: 'TCP port' })
    .option('json', { type: 'boolean', default: false, describe: 'one JSON object per line on stdout, for scripts' })
    .option('framing', {
      choices: ['line', 'raw'] as const,
      default: 'line' as const,
      describe: "'raw': no newlines, one message per received chunk (the original Python programs)",
    })
    .option('heartbeat', {
      type: 'number',
      default: DEFAULT_HEARTBEAT_SECONDS,
      describe: "seconds of silence after which tcpchat's own client and server ping each other; two missed answers end the link (0: never)",
    })
    .option('max-line', {
      type: 'number',
      default: DEFAULT_LINE_LIMITS.maxLineBytes,
      describe: 'longest line accepted, in bytes',
    })
    .check((argv) => {
      const maxLine = argv['max-line'];
      if (!Number.isInteger(maxLine) || maxLine < 1 || maxLine > DEFAULT_LINE_LIMITS.hardLimitBytes) {
        throw new Error(`--max-line must be a whole number of bytes from 1 to ${DEFAULT_LINE_LIMITS.hardLimitBytes}`);
      }
      const heartbeat = argv.heartbeat;
      if (!Number.isFinite(heartbeat) || heartbeat < 0) throw new Error('--heartbeat must be a number of seconds, 0 or more');
      return true;
    });
}

export const DEFAULT_PORT = 2023;
export const DEFAULT_HEARTBEAT_SECONDS = 30;
