import { isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { catchError, concat, defer, EMPTY, map, merge, Observable, switchMap, take, throwError, timer } from '../../streams/rx.js';
import { ServerSpeaksTlsError } from '../../streams/errors.js';
import { isTrustFailure } from './failure.js';

const PROBE_MS = 3000;

/**
 * Whether HOST:PORT answers a TLS handshake. It trusts no certificate at all, so the handshake
 * stops at the server's certificate: a tcpchat server behind it never sees a client join.
 */
function speaksTls(host: string, port: number): Observable<boolean> {
  const probe$ = new Observable<boolean>((subscriber) => {
    const socket = tlsConnect({
      host,
      port,
      servername: isIP(host) ? undefined : host,
      ca: [],
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    });
    const answer = (tls: boolean): void => {
      subscriber.next(tls);
      subscriber.complete();
    };
    socket.once('secureConnect', () => answer(true));
    socket.once('error', (error) => answer(isTrustFailure(error)));
    socket.once('close', () => answer(false));
    return () => {
      socket.on('error', () => {});
      socket.destroy();
    };
  });
  return merge(probe$, timer(PROBE_MS).pipe(map(() => false))).pipe(take(1));
}

/**
 * A plain connection's bytes; when the server hangs up without a single byte (a TLS server
 * does, on a plain hello), asks whether it speaks TLS, and if so ends with ServerSpeaksTlsError
 * instead: retrying in plain text would never work. A tcpchat server always speaks first.
 */
export function unlessServerSpeaksTls(received$: Observable<Uint8Array>, host: string, port: number): Observable<Uint8Array> {
  return defer(() => {
    let heard = false;
    const probe = (ended: Observable<never>): Observable<never> =>
      heard ? ended : speaksTls(host, port).pipe(switchMap((tls) => (tls ? throwError(() => new ServerSpeaksTlsError()) : ended)));
    return concat(
      received$.pipe(
        map((bytes) => {
          heard ||= bytes.length > 0;
          return bytes;
        }),
        catchError((error: unknown) => probe(throwError(() => error))),
      ),
      defer(() => probe(EMPTY)),
    );
  });
}
