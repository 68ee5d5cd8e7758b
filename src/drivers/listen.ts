import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { Observable } from '../../streams/rx.js';
import { peerIp } from './socket-data.js';
import type { TlsCredentials } from './tls-credentials.js';

export interface ListenOptions {
  /** Undefined listens on every interface (IPv6 and IPv4 where the system allows). */
  readonly host?: string;
  readonly port: number;
  /** Speak TLS; without it, plain TCP. */
  readonly tls?: ListenTls;
  /** Sockets held at once; past it Node closes a newcomer unanswered and a `dropped` event says so. */
  readonly maxConnections?: number;
}

export interface ListenTls {
  readonly credentials: TlsCredentials;
  /** A client that has not finished its handshake by then is dropped. */
  readonly handshakeTimeoutMs: number;
  /** Credentials for connections from now on (e.g. on SIGHUP); established ones keep theirs. */
  readonly reload$?: Observable<TlsCredentials>;
}

export type ListenEvent =
  | { readonly type: 'listening'; readonly host: string; readonly port: number }
  | { readonly type: 'connection'; readonly socket: Socket }
  /** A TLS handshake that failed or timed out; its socket is already destroyed. */
  | { readonly type: 'handshake-failed'; readonly error: Error; readonly address: string | undefined }
  | { readonly type: 'credentials-reloaded'; readonly fingerprint: string }
  | { readonly type: 'credentials-reload-failed'; readonly error: Error }
  /** A connection closed unanswered because `maxConnections` were open. */
  | { readonly type: 'dropped' };

/**
 * A listening TCP (or TLS) server as a cold observable: subscribing binds, unsubscribing stops
 * accepting. Accepted sockets are handed on and belong to whoever receives them; closing the
 * server does not close them, and neither does a peer's end (they are half-open). With TLS a
 * socket is handed on only once its handshake is done, and a failed handshake is an event, never
 * the observable's error. A failure to bind is.
 */
export function listen(options: ListenOptions): Observable<ListenEvent> {
  return new Observable<ListenEvent>((subscriber) => {
    const tls = options.tls;
    const serverOptions = { keepAlive: true, noDelay: true };
    let server: Server;
    let stopHandingOn: () => void;
    if (tls) {
      const tlsServer = createTlsServer({
        ...serverOptions,
        // Half-open only once the handshake is done: a client that ends its side before is gone at once.
        allowHalfOpen: false,
        cert: tls.credentials.cert,
        key: tls.credentials.key,
        minVersion: 'TLSv1.2',
        handshakeTimeout: tls.handshakeTimeoutMs,
        // A client certificate is asked for, never required nor checked against a CA: clients
        // without one (openssl s_client, ncat --ssl) come in as ever, and one that has one may own a nick.
        requestCert: true,
        rejectUnauthorized: false,
      });
      tlsServer.on('secureConnection', (socket: TLSSocket) => {
        socket.allowHalfOpen = true; // read by Node at the peer's end
        subscriber.next({ type: 'connection', socket });
      });
      tlsServer.on('tlsClientError', (error: Error, socket: TLSSocket) => {
        const address = peerIp(socket);
        socket.destroy(); // a scanner or a broken client costs nothing more
        subscriber.next({ type: 'handshake-failed', error, address });
      });
      const reloading = tls.reload$?.subscribe((credentials) => {
        try {
          tlsServer.setSecureContext({ cert: credentials.cert, key: credentials.key });
          subscriber.next({ type: 'credentials-reloaded', fingerprint: credentials.fingerprint });
        } catch (error) {
          // The old certificate stays in use; the server goes on.
          subscriber.next({ type: 'credentials-reload-failed', error: error as Error });
        }
      });
      if (reloading) subscriber.add(reloading);
      server = tlsServer;
      stopHandingOn = () => {
        // A handshake still under way when we stop would hand its socket to nobody.
        tlsServer.removeAllListeners('secureConnection');
        tlsServer.on('secureConnection', (socket: TLSSocket) => socket.destroy());
      };
    } else {
      // Half-open: a peer that ends its sending side (`nc -N`, a piped client) still reads what the
      // core answers, however late; the connection ends our side when the core says so.
      server = createServer({ ...serverOptions, allowHalfOpen: true });
      server.on('connection', (socket) => subscriber.next({ type: 'connection', socket }));
      stopHandingOn = () => server.removeAllListeners('connection');
    }
    server.on('error', (error) => subscriber.error(error));
    if (options.maxConnections !== undefined) {
      server.maxConnections = options.maxConnections;
      server.on('drop', () => subscriber.next({ type: 'dropped' }));
    }
    // A deep backlog: a crowd arriving at once waits in the kernel instead of retrying SYNs for seconds.
    server.listen({ host: options.host, port: options.port, backlog: 4096 }, () => {
      const address = server.address();
      if (address && typeof address === 'object') {
        subscriber.next({ type: 'listening', host: address.address, port: address.port });
      }
    });
    return () => {
      stopHandingOn();
      server.on('error', () => {});
      server.close();
    };
  });
}
