/** The rate limit's shape and defaults, apart from the operator so the command line can read them without loading rxjs. */

export interface RateLimit {
  /** Lines per second once the burst is spent; 0 turns the limit off. */
  readonly linesPerSecond: number;
  /** Lines that may come at once. */
  readonly burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { linesPerSecond: 10, burst: 20 };
