import { lastOf, wholeNumber } from './whole-number.js';

/** `--retry N`, `--retry forever`, `--no-retry`: N in plain decimal digits, like every other count. */

export const DEFAULT_RETRIES = 10;

export const retryOption = {
  requiresArg: true, // else a bare `--retry` quietly means the default
  describe: `reconnect attempts after a lost connection: a number, "forever", or --no-retry (default ${DEFAULT_RETRIES})`,
  coerce: (given: unknown): number => {
    // `--no-retry` is false; with `--retry N` as well, yargs hands both.
    if (Array.isArray(given) && given.includes(false) && given.some((value) => value !== false))
      throw new Error('--no-retry and --retry cannot go together');
    const value = lastOf(given);
    if (value === false || value === 'false') return 0;
    if (value === 'forever') return Number.POSITIVE_INFINITY;
    try {
      return wholeNumber(value, '--retry', 0);
    } catch {
      throw new Error(
        `--retry must be a whole number or "forever", not ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`,
      );
    }
  },
} as const;
