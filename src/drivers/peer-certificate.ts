import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

/**
 * The SHA-256 fingerprint (`AB:CD:...`, as `serve` prints its own) of the certificate a TLS client
 * presented; undefined for a plain socket or a client that presented none. The server asks for one
 * without checking it against any CA: what it proves is only that the client holds its key, which
 * is all a nick registered to it needs.
 */
export function peerFingerprint(socket: Socket): string | undefined {
  return socket instanceof TLSSocket ? socket.getPeerX509Certificate()?.fingerprint256 : undefined;
}
