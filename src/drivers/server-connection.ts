import type { Socket } from 'node:net';
import { asapScheduler, Observable, timer, type Subscription } from 'rxjs';
import { encodeLines } from '../../streams/framing/encode.js';
import { formatError } from '../../streams/protocol/server-line.js';
import type { ConnectionSource } from '../../streams/server/server-main.js';
import { formatAddress, ignore, socketData } from './socket-data.js';

export interface ServerConnectionOptions {
  /** Unsent output above which a client that does not read is cut off. */
  readonly sendQueueBytes: number;
  /** How long an ended connection may wait for its peer to close before it is destroyed. */
  readonly lingerMs: number;
  /** The last bytes a client that is cut off gets, saying why (default: an `! error` line). */
  readonly farewell?: (reason: string) => Uint8Array;
}

/** What a peer may still send after we have ended the connection before we stop reading it. */
const DISCARD_AFTER_CLOSE_BYTES = 64 * 1024;

export class SendQueueExceededError extends Error {
  readonly code = 'SEND_QUEUE_EXCEEDED';
  constructor(readonly limitBytes: number) {
    super(`send queue exceeded (over ${limitBytes} bytes unread)`);
    this.name = 'SendQueueExceededError';
  }
}

/** An accepted connection: its bytes for the core, and the writes and the close the core asks for. */
export interface ServerConnection extends ConnectionSource {
  readonly data$: Observable<Uint8Array>;
  write(bytes: Uint8Array): void;
  /** Ends our side after what is queued; destroys the socket if the peer lingers. */
  close(): void;
  /** Pauses or resumes reading, so TCP makes a fast sender wait. */
  reading(on: boolean): void;
  readonly socket: Socket;
}

/**
 * A client that falls `sendQueueBytes` behind is cut off alone: it gets no more chat, only one
 * farewell line saying why after what is already queued, then our end of the connection; if it
 * still does not read, the socket is destroyed after `lingerMs`. Its `data$` fails at once with
 * a `SendQueueExceededError`, so the core lets it go without waiting for the socket.
 *
 * After our end, what the peer sends is read and dropped, so its close is seen at once; a peer
 * that sends more than 64 KiB after it is no longer read (memory stays flat) until the linger ends.
 *
 * `data$` owns the socket (subscribe to it once): unsubscribing destroys it, except after that
 * cut, when the linger owns it.
 */
export function serverConnection(id: number, socket: Socket, options: ServerConnectionOptions): ServerConnection {
  socket.on('error', ignore); // the data$ subscriber reports errors; this one only keeps a stray one harmless
  const address = formatAddress(socket.remoteAddress, socket.remotePort);
  const farewell = options.farewell ?? ((reason: string) => encodeLines([formatError(reason)]));
  let linger: Subscription | undefined;
  let cutOff: SendQueueExceededError | undefined;
  let failInput: ((error: Error) => void) | undefined;
  socket.once('close', () => linger?.unsubscribe());

  const close = (last?: Uint8Array): void => {
    if (socket.destroyed || linger) return;
    if (last) socket.end(last);
    else socket.end();
    linger = timer(options.lingerMs).subscribe(() => socket.destroy());
    // Reading goes on, so the peer's own close is seen at once; but a peer that keeps sending after
    // our end is read only so far: then TCP makes it wait until the linger is over. (Not a reset
    // at once: a peer busy writing would lose the line that says why before reading it.)
    let discarded = 0;
    const discard = (chunk: Buffer): void => {
      discarded += chunk.length;
      if (discarded <= DISCARD_AFTER_CLOSE_BYTES) return;
      socket.off('data', discard);
      socket.pause();
    };
    socket.on('data', discard);
    socket.resume();
  };

  const cut = (): void => {
    cutOff = new SendQueueExceededError(options.sendQueueBytes);
    close(farewell(cutOff.message));
    // Told after the current batch has gone to everyone else, as a socket error would be.
    const error = cutOff;
    asapScheduler.schedule(() => failInput?.(error));
  };

  const data$ = new Observable<Uint8Array>((subscriber) => {
    if (cutOff) return subscriber.error(cutOff);
    const reading = socketData(socket).subscribe({
      next: (chunk) => subscriber.next(chunk),
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    });
    failInput = (error) => subscriber.error(error);
    return () => {
      failInput = undefined;
      if (cutOff && !socket.destroyed) socket.once('close', () => reading.unsubscribe());
      else reading.unsubscribe();
    };
  });

  return {
    id,
    address,
    ip: socket.remoteAddress ?? '',
    socket,
    data$,
    write(bytes) {
      if (!socket.writable) return;
      // A reader that falls this far behind is cut off alone; the others never wait for it.
      const queued = socket.writableLength;
      if (queued > 0 && queued + bytes.length > options.sendQueueBytes) return cut();
      socket.write(bytes);
    },
    reading(on) {
      if (linger) return; // closing: reading goes on until the peer closes (or floods)
      if (on) socket.resume();
      else socket.pause();
    },
    close: () => close(),
  };
}
