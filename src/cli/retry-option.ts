/** `--retry N`, `--retry forever`, `--no-retry`; plain `--retry` (or nothing) is the default count. */

export const DEFAULT_RETRIES = 10;

export const retryOption = {
  describe: `reconnect attempts after a lost connection: a number, "forever", or --no-retry (default ${DEFAULT_RETRIES})`,
  coerce: (value: unknown): number => {
    if (value === undefined || value === true || value === 'true' || value === '') return DEFAULT_RETRIES;
    if (value === false || value === 'false') return 0;
    if (value === 'forever') return Number.POSITIVE_INFINITY;
    const count = Number(value);
    if (!Number.isInteger(count) || count < 0) throw new Error(`--retry takes a number of attempts or "forever", not ${String(value)}`);
    return count;
  },
} as const;
