import { filter, map, type Observable } from '../../streams/rx.js';
import { SpeaksTlsError } from '../../streams/errors.js';
import { startsTlsHandshake } from '../../streams/framing/tls-record.js';
import { peekFirstChunk } from '../drivers/first-chunk.js';
import type { ServerConnection } from '../drivers/server-connection.js';

/**
 * How long a new connection on a plain port may take to send its first bytes before it joins.
 * A TLS client sends its hello right after connecting; a person with nc or telnet waits for
 * the welcome, which comes this much later.
 */
export const FIRST_BYTES_GRACE_MS = 50;

export const SPEAKS_TLS = new SpeaksTlsError().message;
/** What the TLS client is told, as plain text: its TLS library reports that the server does not speak TLS. */
export const SPEAKS_TLS_LINE = 'this port speaks plain text, not TLS';

/**
 * On a plain port, a connection whose first bytes are a TLS handshake never joins: it is handed
 * to `refuse` and never emitted, and nothing it sent reaches the chat. The others are emitted
 * once they have spoken or the grace is over.
 */
export function unlessPeerSpeaksTls(
  connection: ServerConnection,
  refuse: (connection: ServerConnection) => void,
): Observable<ServerConnection> {
  return peekFirstChunk(connection.socket, FIRST_BYTES_GRACE_MS).pipe(
    filter((chunk) => {
      if (chunk === undefined || !startsTlsHandshake(chunk)) return true;
      refuse(connection);
      return false;
    }),
    map(() => connection),
  );
}
