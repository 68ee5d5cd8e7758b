import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Observable, timer, type Subscription } from '../../streams/rx.js';

export interface ConnectOptions {
  readonly host: string;
  readonly port: number;
  /** Speak TLS; without it, plain TCP. */
  readonly tls?: ConnectTls;
  /** How long connecting, and then the TLS handshake, may each take (default 10 s). */
  readonly timeoutMs?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** Connecting (`ETIMEDOUT`) or the TLS handshake (`TLS_HANDSHAKE_TIMEOUT`) took longer than allowed. */
export class ConnectTimeoutError extends Error {
  constructor(
    readonly code: 'ETIMEDOUT' | 'TLS_HANDSHAKE_TIMEOUT',
    readonly ms: number,
  ) {
    super(`${code === 'ETIMEDOUT' ? 'connecting' : 'the TLS handshake'} took longer than ${ms / 1000} s`);
    this.name = 'ConnectTimeoutError';
  }
}

export interface ConnectTls {
  /** Trust only these CAs (PEM) instead of the system's. */
  readonly ca?: Buffer;
  /**
   * true: a certificate that does not verify is the observable's error. false: the socket is
   * handed on anyway, with `authorized` and `authorizationError` set, for the caller to judge.
   */
  readonly verify: boolean;
  /** A client certificate (PEM) and its key, presented when the server asks for one. */
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

/**
 * Connects when subscribed and emits the socket once it is connected (with TLS: once the
 * handshake is done, as a TLSSocket), then completes; the socket then belongs to the
 * subscriber. Unsubscribing while still connecting abandons the attempt.
 */
export function connect(options: ConnectOptions): Observable<Socket> {
  return new Observable<Socket>((subscriber) => {
    const { host, port, tls } = options;
    const socket = tls
      ? tlsConnect({
          host,
          port,
          // SNI carries host names only; an IP address there is against RFC 6066.
          servername: isIP(host) ? undefined : host,
          ca: tls.ca,
          cert: tls.cert,
          key: tls.key,
          rejectUnauthorized: tls.verify,
          minVersion: 'TLSv1.2',
        })
      : netConnect({ host, port, noDelay: true, keepAlive: true });
    const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    let deadline: Subscription | undefined;
    const allow = (code: ConnectTimeoutError['code']): void => {
      deadline?.unsubscribe();
      deadline = timer(timeoutMs).subscribe(() => subscriber.error(new ConnectTimeoutError(code, timeoutMs)));
    };
    allow('ETIMEDOUT');
    // tls.connect takes no socket options; they apply once TCP is connected. Then the handshake gets its own time.
    if (tls) {
      socket.once('connect', () => {
        socket.setNoDelay(true).setKeepAlive(true);
        allow('TLS_HANDSHAKE_TIMEOUT');
      });
    }
    let connected = false;
    const onError = (error: Error) => subscriber.error(error);
    socket.once('error', onError);
    socket.once(tls ? 'secureConnect' : 'connect', () => {
      connected = true;
      deadline?.unsubscribe();
      socket.off('error', onError);
      socket.pause(); // nothing is lost before the new owner subscribes to its data
      subscriber.next(socket);
      subscriber.complete();
    });
    return () => {
      deadline?.unsubscribe();
      if (!connected) {
        socket.off('error', onError);
        socket.on('error', () => {});
        socket.destroy();
      }
    };
  });
}
