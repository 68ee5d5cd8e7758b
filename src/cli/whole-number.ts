/** Counts, sizes and ports as a person writes them: plain decimal digits. */

export interface WholeNumberSpec {
  readonly describe: string;
  readonly default?: number;
  readonly min: number;
  readonly max?: number;
}

/**
 * `value` as a whole number from `min` to `max`, or one sentence naming it: text must be plain
 * decimal digits (not '', 0x50 or 1e3, which JavaScript's Number() and yargs' number type take),
 * a number (from a JSON config file) must be whole.
 */
export function wholeNumber(value: unknown, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
    throw new Error(`${name} must be a whole number ${range}, not ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
  }
  return number;
}

/** A yargs option for a whole number; the handler gets a number (or undefined when it has no default and is not given). */
export function wholeNumberOption(name: string, spec: WholeNumberSpec) {
  return {
    requiresArg: true, // else a bare `--port` quietly means the default
    describe: spec.describe,
    ...(spec.default === undefined ? {} : { default: spec.default }),
    coerce: (value: unknown): number | undefined =>
      value === undefined ? undefined : wholeNumber(lastOf(value), `--${name}`, spec.min, spec.max),
  } as const;
}

/** An option given twice counts once, the last time, as most command lines do. */
export function lastOf(value: unknown): unknown {
  return Array.isArray(value) ? value.at(-1) : value;
}
