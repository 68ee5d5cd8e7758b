/** One sentence for a failure of the process as a whole (bind, connect), from the error's code. */

const CAUSES: Readonly<Record<string, string>> = {
  EADDRINUSE: 'the address is already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'the address is not available on this machine',
  ECONNREFUSED: 'connection refused',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be looked up',
};

export function describeFailure(error: unknown, doing: string): string {
  const code = (error as { code?: unknown } | null)?.code;
  const cause = typeof code === 'string' && Object.hasOwn(CAUSES, code) ? CAUSES[code] : error instanceof Error ? error.message : String(error);
  return `${doing}: ${cause}`;
}
