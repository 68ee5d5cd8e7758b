import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { map, type MonoTypeOperatorFunction } from '../../streams/rx.js';
import type { ConnectTls } from '../drivers/connect.js';
import { addKnownHost, knownHostEntries } from '../drivers/known-hosts.js';
import type { TlsFiles } from '../drivers/tls-credentials.js';

/** `connect --tls` as configured: `--ca FILE` or `--insecure`, or neither (CAs, then pinning); `--cert FILE --key FILE`. */
export interface ClientTls {
  readonly caFile?: string;
  readonly insecure: boolean;
  /** The client certificate to present (see `presentedCertificate`). */
  readonly certFiles?: TlsFiles;
}

/** What the handshake tells about the server's certificate (a TLSSocket has all of it). */
export type PeerCertificate = Pick<TLSSocket, 'authorized' | 'authorizationError' | 'getPeerCertificate'>;

export type Verdict = { readonly kind: 'trusted'; readonly notice?: string } | { readonly kind: 'refused'; readonly message: string };

/** The server's certificate was refused (changed pin, unreadable known_hosts): retrying will not help. */
export class ServerNotTrustedError extends Error {
  readonly code = 'SERVER_NOT_TRUSTED';
  constructor(message: string) {
    super(message);
    this.name = 'ServerNotTrustedError';
  }
}

/**
 * Passes on a connected socket whose server is trusted (telling `notify` what the person must
 * know, such as a new pin); a refused one is destroyed and the stream fails with
 * ServerNotTrustedError. Without TLS options, or for a plain TCP socket, it lets everything pass.
 */
export function trustedServer(
  hostPort: string,
  options: ClientTls | undefined,
  knownHosts: string,
  notify: (line: string) => void,
): MonoTypeOperatorFunction<Socket> {
  return map((socket) => {
    if (!options || !(socket instanceof TLSSocket)) return socket;
    const verdict = judgeServer(socket, hostPort, options, knownHosts);
    if (verdict.kind === 'refused') {
      socket.destroy();
      throw new ServerNotTrustedError(verdict.message);
    }
    if (verdict.notice) notify(verdict.notice);
    return socket;
  });
}

/**
 * The connect driver's TLS options: with `--ca`, Node verifies against that CA alone and fails
 * the connection itself; otherwise the handshake always completes and `judgeServer` decides.
 */
export function connectTls(options: ClientTls): ConnectTls {
  if (options.caFile === undefined) return { verify: false };
  let ca: Buffer;
  try {
    ca = readFileSync(options.caFile);
  } catch (error) {
    throw new Error(`cannot read --ca ${options.caFile} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  // Node would take any bytes here and only fail the handshake, with a reason that points elsewhere.
  try {
    new X509Certificate(ca);
  } catch {
    throw new Error(`--ca ${options.caFile} is not a PEM certificate`);
  }
  return { verify: true, ca };
}

/**
 * Whether to talk to a server whose TLS handshake is done, and what the person must be told.
 * A certificate that verifies (against `--ca`, or the system CAs and the host name) is trusted
 * quietly. Any other is pinned on first use in `knownHosts` and must match its pin afterwards,
 * as ssh does. `--insecure` trusts anything, loudly.
 */
export function judgeServer(peer: PeerCertificate, hostPort: string, options: ClientTls, knownHosts: string): Verdict {
  const fingerprint = peer.getPeerCertificate().fingerprint256;
  if (options.insecure) {
    return {
      kind: 'trusted',
      notice: `WARNING: --insecure: the certificate of ${hostPort} (SHA256 fingerprint ${fingerprint}) is not checked, so anyone on the way can read and change this chat`,
    };
  }
  if (peer.authorized) return { kind: 'trusted' };

  const key = hostPort.toLowerCase();
  let pins;
  try {
    pins = knownHostEntries(knownHosts, key);
  } catch (error) {
    return { kind: 'refused', message: `cannot read ${knownHosts} to check the certificate of ${hostPort} (${codeOf(error)})` };
  }
  if (pins.some((pin) => pin.fingerprint.toUpperCase() === fingerprint.toUpperCase())) return { kind: 'trusted' };
  if (pins.length > 0) {
    const lines = pins.map((pin) => pin.line).join(', ');
    return {
      kind: 'refused',
      message:
        `the certificate of ${hostPort} has changed (SHA256 fingerprint now ${fingerprint}) and does not match the one pinned in ${knownHosts}, ` +
        `so someone may be posing as the server; if the change is expected, remove line ${lines} of ${knownHosts} and connect again`,
    };
  }

  // Why no CA vouches for it, in the words of OpenSSL's code (DEPTH_ZERO_SELF_SIGNED_CERT...).
  const why = String(peer.authorizationError ?? 'not verified');
  try {
    addKnownHost(knownHosts, key, fingerprint);
  } catch (error) {
    return {
      kind: 'trusted',
      notice: `${hostPort} has an unverified certificate (${why}, SHA256 fingerprint ${fingerprint}) that could not be pinned in ${knownHosts} (${codeOf(error)}), so it is trusted this once`,
    };
  }
  return {
    kind: 'trusted',
    notice: `${hostPort} has an unverified certificate (${why}); pinned it on first use in ${knownHosts}: SHA256 fingerprint ${fingerprint}`,
  };
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException | null)?.code ?? String(error);
}
