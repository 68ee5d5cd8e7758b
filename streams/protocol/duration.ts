/** Durations as people type them: `30s`, `5m`, `2h`, `1h30m`, `500ms`, `30d`; a bare number is seconds. */

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const BARE_SECONDS = /^\d+(?:\.\d+)?$/;
const WITH_UNITS = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

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
