/** Line limits, apart from the operator so the command line can read the defaults without loading rxjs. */

export interface LineLimits {
  /** Longest line accepted, in bytes, not counting the line ending. */
  maxLineBytes: number;
  /** Bytes without any newline after which the peer is cut off. */
  hardLimitBytes: number;
}

export const DEFAULT_LINE_LIMITS: LineLimits = { maxLineBytes: 8192, hardLimitBytes: 65536 };
