import { lastOf } from './whole-number.js';

/** Durations on the command line, in the environment and in a config file: `30s`, `5m`, `2h`, `1h30m`, `500ms`; a bare number is seconds. */

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const BARE_SECONDS = /^\d+(?:\.\d+)?$/;
const WITH_UNITS = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/** Node's timers fire at once past this (2^31 - 1 ms, about 24.8 days), so no duration may be longer. */
export const MAX_DURATION_MS = 2 ** 31 - 1;

/** The duration in whole milliseconds, or undefined when `value` is not one. Numbers (from a JSON file) are seconds. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : undefined;
  if (typeof value !== 'string') return undefined;
  if (BARE_SECONDS.test(value)) return Math.round(Number(value) * 1000);
  if (!WITH_UNITS.test(value)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of value.matchAll(PART)) ms += Number(amount) * UNIT_MS[unit];
  return Math.round(ms);
}

/** `30s`, `5m`, `2h`, `1h30m`, `500ms`: the shortest way to write a whole number of milliseconds. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's']) if (ms !== 0 && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  return ms === 0 ? '0s' : `${ms}ms`;
}

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
