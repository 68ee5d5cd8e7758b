import { EMPTY, mergeMap, of, type Observable } from '../../streams/rx.js';
import type { ListenEvent, ListenTls } from '../drivers/listen.js';
import { readCredentials, type TlsFiles } from '../drivers/tls-credentials.js';

export interface ServeTls extends TlsFiles {
  /** A client that has not finished its handshake by then is dropped. */
  readonly handshakeTimeoutMs: number;
}

/**
 * The listen driver's TLS options: the certificate and key read now (a failure throws one
 * sentence, and the server does not start), and read again on every `reload$` signal. A reload
 * that fails is reported through `report` and the old certificate stays in use.
 */
export function serverTls(config: ServeTls, reload$: Observable<unknown>, report: (line: string) => void): ListenTls {
  return {
    credentials: readCredentials(config),
    handshakeTimeoutMs: config.handshakeTimeoutMs,
    reload$: reload$.pipe(
      mergeMap(() => {
        try {
          return of(readCredentials(config));
        } catch (error) {
          report(keptOld(error));
          return EMPTY;
        }
      }),
    ),
  };
}

/** The stderr line for what the TLS server reports, if any. Failed handshakes stay quiet: scanners would flood the log. */
export function tlsEventLine(event: ListenEvent, tls: ListenTls | undefined): string | undefined {
  switch (event.type) {
    case 'listening':
      return tls && `TLS certificate SHA256 fingerprint ${tls.credentials.fingerprint}`;
    case 'credentials-reloaded':
      return `reloaded the TLS certificate, SHA256 fingerprint ${event.fingerprint}`;
    case 'credentials-reload-failed':
      return keptOld(event.error);
    default:
      return undefined;
  }
}

function keptOld(error: unknown): string {
  return `kept the old TLS certificate: ${error instanceof Error ? error.message : String(error)}`;
}
