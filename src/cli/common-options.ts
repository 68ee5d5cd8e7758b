import type { Argv } from 'yargs';
import { DEFAULT_LINE_LIMITS } from '../../streams/framing/line-limits.js';
import { GROUP } from './option-groups.js';
import { durationOption } from './duration.js';
import { wholeNumberOption } from './whole-number.js';

export const DEFAULT_PORT = 2023;

/**
 * The longest line `connect` takes from a server by default: twice a server's default, so that a
 * line a server took whole reaches tcpchat's clients with what the server adds around it (its tags,
 * the author's nick).
 */
export const CONNECT_MAX_LINE = 2 * DEFAULT_LINE_LIMITS.maxLineBytes;

/**
 * Options both commands take. `port` says how --port defaults (serve has 2023, connect may take its
 * target's) and may describe it further; `maxLine`, the longest line taken from the other end.
 */
export function withCommonOptions<T>(
  yargs: Argv<T>,
  port: ({ readonly default: number } | { readonly defaultDescription: string }) & { readonly describe?: string },
  maxLine: { readonly default: number; readonly describe: string },
) {
  return yargs
    .option('port', {
      ...wholeNumberOption('port', { describe: 'TCP port', min: 0, max: 65535 }),
      alias: 'p',
      ...port,
    })
    .option('json', { type: 'boolean', default: false, describe: 'one JSON object per line on stdout, for scripts' })
    .option('color', {
      type: 'boolean',
      default: true,
      describe: 'colour and styling on a terminal (--no-color, or NO_COLOR set: plain text)',
    })
    .option('framing', {
      choices: ['line', 'raw'] as const,
      default: 'line' as const,
      describe: "'raw': no newlines, one message per received chunk (the original Python programs)",
    })
    .option(
      'max-line',
      wholeNumberOption('max-line', {
        ...maxLine,
        min: 1,
        max: DEFAULT_LINE_LIMITS.hardLimitBytes,
      }),
    )
    .option(
      'heartbeat',
      durationOption('heartbeat', {
        default: DEFAULT_HEARTBEAT_MS,
        describe: "silence after which tcpchat's own client and server ping each other; two missed answers end the link (0: never)",
      }),
    )
    .group(['port', 'framing', 'heartbeat'], GROUP.network)
    .group(['json', 'color'], GROUP.output)
    .group(['max-line'], GROUP.limits);
}

export const DEFAULT_HEARTBEAT_MS = 30_000;
