import type { Socket } from 'node:net';
import { Observable } from 'rxjs';

/**
 * A socket's incoming bytes. Completes when the peer ends its side (the socket then finishes
 * writing and closes by itself) or when the socket closes; errors when it fails.
 *
 * This observable owns the socket: unsubscribing before the end destroys it. After the first
 * error a no-op listener stays, so a late error can never crash the process.
 */
export function socketData(socket: Socket): Observable<Uint8Array> {
  return new Observable<Uint8Array>((subscriber) => {
    let ended = false;
    const onData = (chunk: Buffer) => subscriber.next(chunk);
    const onEnd = () => {
      ended = true;
      subscriber.complete();
    };
    const onError = (error: Error) => {
      ended = true;
      subscriber.error(error);
    };
    const onClose = () => {
      ended = true;
      subscriber.complete();
    };
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', onError);
    socket.on('close', onClose);
    if (socket.destroyed) onClose();
    else socket.resume();
    return () => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      socket.off('close', onClose);
      socket.on('error', ignore);
      if (!ended) socket.destroy();
    };
  });
}

export function ignore(): void {}

/** `host:port`, with brackets around an IPv6 host. */
export function formatAddress(host: string | undefined, port: number | undefined): string {
  const shown = host ?? 'unknown';
  return `${shown.includes(':') ? `[${shown}]` : shown}:${port ?? 0}`;
}
