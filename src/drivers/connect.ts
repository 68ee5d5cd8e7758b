import { connect as netConnect, type Socket } from 'node:net';
import { Observable } from 'rxjs';

export interface ConnectOptions {
  readonly host: string;
  readonly port: number;
}

/**
 * Connects when subscribed and emits the socket once it is connected, then completes; the
 * socket then belongs to the subscriber. Unsubscribing while still connecting abandons the attempt.
 */
export function connect(options: ConnectOptions): Observable<Socket> {
  return new Observable<Socket>((subscriber) => {
    const socket = netConnect({ host: options.host, port: options.port, noDelay: true, keepAlive: true });
    let connected = false;
    const onError = (error: Error) => subscriber.error(error);
    socket.once('error', onError);
    socket.once('connect', () => {
      connected = true;
      socket.off('error', onError);
      socket.pause(); // nothing is lost before the new owner subscribes to its data
      subscriber.next(socket);
      subscriber.complete();
    });
    return () => {
      if (!connected) {
        socket.off('error', onError);
        socket.on('error', () => {});
        socket.destroy();
      }
    };
  });
}
