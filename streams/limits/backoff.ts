/** Reconnect delays: exponential, capped, with jitter so that many clients do not return at once. */

export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 500, maxMs: 30_000, factor: 2 };

/**
 * The wait before attempt `attempt` (0 for the first retry): the exponential step, capped, then
 * scaled into [half, whole] by `random()` (a number in [0, 1), injected so tests can fix it).
 */
export function backoffDelay(attempt: number, backoff: Backoff, random: () => number): number {
  const step = Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** attempt);
  return Math.round(step * (0.5 + random() / 2));
}
