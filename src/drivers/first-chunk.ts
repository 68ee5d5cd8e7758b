import type { Socket } from 'node:net';
import { Observable, timer } from '../../streams/rx.js';

/**
 * A socket's first bytes, without taking them: they are put back for whoever reads the socket
 * next. Emits them, or undefined when none came within `graceMs` or the peer ended first, then
 * completes. The socket is left paused either way (reading it resumes it).
 */
export function peekFirstChunk(socket: Socket, graceMs: number): Observable<Uint8Array | undefined> {
  return new Observable<Uint8Array | undefined>((subscriber) => {
    const done = (chunk: Uint8Array | undefined): void => {
      // Paused before the listeners go, so no byte flows past with nobody listening.
      socket.pause();
      stop();
      subscriber.next(chunk);
      subscriber.complete();
    };
    const onData = (chunk: Buffer): void => {
      socket.pause();
      socket.unshift(chunk);
      done(chunk);
    };
    const none = (): void => done(undefined);
    const grace = timer(graceMs).subscribe(none);
    // Also the teardown: it must not pause again, as whoever took the socket may have resumed it.
    function stop(): void {
      socket.off('data', onData);
      socket.off('end', none);
      socket.off('close', none);
      grace.unsubscribe();
    }
    socket.on('data', onData);
    socket.once('end', none);
    socket.once('close', none);
    socket.resume();
    return stop;
  });
}
