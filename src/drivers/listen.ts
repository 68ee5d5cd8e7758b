import { createServer, type Socket } from 'node:net';
import { Observable } from 'rxjs';

export interface ListenOptions {
  /** Undefined listens on every interface (IPv6 and IPv4 where the system allows). */
  readonly host?: string;
  readonly port: number;
}

export type ListenEvent =
  | { readonly type: 'listening'; readonly host: string; readonly port: number }
  | { readonly type: 'connection'; readonly socket: Socket };

/**
 * A listening TCP server as a cold observable: subscribing binds, unsubscribing stops accepting.
 * Accepted sockets are handed on and belong to whoever receives them; closing the server does
 * not close them. A failure to bind is the observable's error.
 */
export function listen(options: ListenOptions): Observable<ListenEvent> {
  return new Observable<ListenEvent>((subscriber) => {
    const server = createServer({ allowHalfOpen: false, keepAlive: true, noDelay: true });
    server.on('connection', (socket) => subscriber.next({ type: 'connection', socket }));
    server.on('error', (error) => subscriber.error(error));
    server.listen({ host: options.host, port: options.port }, () => {
      const address = server.address();
      if (address && typeof address === 'object') {
        subscriber.next({ type: 'listening', host: address.address, port: address.port });
      }
    });
    return () => {
      server.removeAllListeners('connection');
      server.on('error', () => {});
      server.close();
    };
  });
}
