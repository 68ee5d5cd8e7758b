/** A few words for why a connection failed, from the error's `code` where it has one. */

const REASONS: Readonly<Record<string, string>> = {
  ECONNRESET: 'connection reset',
  EPIPE: 'connection broken',
  ETIMEDOUT: 'connection timed out',
  ECONNABORTED: 'connection aborted',
};

export function describeConnectionError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  // Own keys only: a code such as 'constructor' must not find Object.prototype's members.
  if (typeof code === 'string' && Object.hasOwn(REASONS, code)) return REASONS[code];
  if (error instanceof Error && error.message) return error.message;
  return 'connection failed';
}
