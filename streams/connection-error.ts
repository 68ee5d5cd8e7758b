/** A few words for why a connection failed or could not be made, from the error's `code` where it has one. */

const REASONS: Readonly<Record<string, string>> = {
  ECONNRESET: 'connection reset',
  EPIPE: 'connection broken',
  ETIMEDOUT: 'connection timed out',
  ECONNABORTED: 'connection aborted',
  ECONNREFUSED: 'connection refused',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be looked up',
  EADDRINUSE: 'the address is already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'the address is not available on this machine',
  // TLS: why the server's certificate or handshake was not accepted.
  DEPTH_ZERO_SELF_SIGNED_CERT: "the server's certificate is self-signed, not signed by a trusted CA",
  SELF_SIGNED_CERT_IN_CHAIN: "the server's certificate is not signed by a trusted CA",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the server's certificate is not signed by a trusted CA",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "the server's certificate is not signed by a trusted CA",
  CERT_HAS_EXPIRED: "the server's certificate has expired",
  ERR_TLS_CERT_ALTNAME_INVALID: "the server's certificate is for another host name",
  ERR_SSL_WRONG_VERSION_NUMBER: 'the server does not speak TLS',
};

export function describeConnectionError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  // Own keys only: a code such as 'constructor' must not find Object.prototype's members.
  if (typeof code === 'string' && Object.hasOwn(REASONS, code)) return REASONS[code];
  if (error instanceof Error && error.message) return error.message;
  return 'connection failed';
}
