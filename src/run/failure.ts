import { describeConnectionError } from '../../streams/connection-error.js';

/** One sentence for a failure of the process as a whole (bind, connect), from the error's code. */

export function describeFailure(error: unknown, doing: string): string {
  return `${doing}: ${describeConnectionError(error)}`;
}

/** TLS verification codes: the server's certificate itself was refused. */
const TRUST_CODES = new Set([
  'SERVER_NOT_TRUSTED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** A failure that retrying cannot mend: the server's certificate is not one we trust. */
export function isTrustFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRUST_CODES.has(code);
}
