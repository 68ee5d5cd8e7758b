import { formatDuration, parseDuration } from '../../streams/protocol/duration.js';
import { lastOf } from './whole-number.js';

/** Durations on the command line, in the environment and in a config file (read as `streams/protocol/duration.ts` reads them). */

/** Node's timers fire at once past this (2^31 - 1 ms, about 24.8 days), so no duration may be longer. */
export const MAX_DURATION_MS = 2 ** 31 - 1;

export interface DurationSpec {
  readonly describe: string;
  /** In milliseconds; shown in --help with its unit. */
  readonly default: number;
  /** The shortest duration allowed, in milliseconds (0 unless said). */
  readonly minMs?: number;
}

/**
 * A yargs option whose value reaches the handler as whole milliseconds, whichever way it was
 * written (flag, environment, config file, default). A bad value is one sentence naming the option.
 */
export function durationOption(name: string, spec: DurationSpec) {
  const minMs = spec.minMs ?? 0;
  return {
    requiresArg: true, // else a bare `--idle-timeout` quietly means the default
    describe: spec.describe,
    default: formatDuration(spec.default),
    defaultDescription: formatDuration(spec.default),
    coerce: (value: unknown): number => {
      const ms = parseDuration(lastOf(value));
      if (ms === undefined) {
        throw new Error(`--${name} takes a duration such as 30s, 5m, 2h or 500ms (a bare number is seconds), not ${JSON.stringify(value)}`);
      }
      if (ms < minMs) throw new Error(`--${name} must be at least ${formatDuration(minMs)}, not ${JSON.stringify(value)}`);
      if (ms > MAX_DURATION_MS) throw new Error(`--${name} must be at most 24 days, not ${JSON.stringify(value)}`);
      return ms;
    },
  } as const;
}
