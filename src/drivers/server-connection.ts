import type { Socket } from 'node:net';
import { timer, type Observable, type Subscription } from 'rxjs';
import type { ConnectionSource } from '../../streams/server/server-main.js';
import { formatAddress, ignore, socketData } from './socket-data.js';

export interface ServerConnectionOptions {
  /** Unsent output above which a client that does not read is cut off. */
  readonly sendQueueBytes: number;
  /** How long an ended connection may wait for its peer to close before it is destroyed. */
  readonly lingerMs: number;
}

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

export function serverConnection(id: number, socket: Socket, options: ServerConnectionOptions): ServerConnection {
  socket.on('error', ignore); // the data$ subscriber reports errors; this one only keeps a stray one harmless
  const address = formatAddress(socket.remoteAddress, socket.remotePort);
  let linger: Subscription | undefined;
  socket.once('close', () => linger?.unsubscribe());
  return {
    id,
    address,
    ip: socket.remoteAddress ?? '',
    socket,
    data$: socketData(socket),
    write(bytes) {
      if (!socket.writable) return;
      socket.write(bytes);
      // A reader that falls this far behind is cut off alone; the others never wait for it.
      if (socket.writableLength > options.sendQueueBytes) socket.destroy(new SendQueueExceededError(options.sendQueueBytes));
    },
    reading(on) {
      if (on) socket.resume();
      else socket.pause();
    },
    close() {
      if (socket.destroyed || linger) return;
      socket.end();
      linger = timer(options.lingerMs).subscribe(() => socket.destroy());
    },
  };
}
