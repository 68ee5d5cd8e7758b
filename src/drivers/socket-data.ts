import type { Socket } from 'node:net';
import { Observable, type Observer, type Unsubscribable } from '../../streams/rx.js';

/**
 * A socket's incoming bytes. Completes when the peer ends its side (the socket then finishes
 * writing and closes by itself) or when the socket closes; errors when it fails.
 *
 * This observable owns the socket: unsubscribing before the end destroys it. After the first
 * error a no-op listener stays, so a late error can never crash the process.
 */
export function socketData(socket: Socket): Observable<Uint8Array> {
  return new Observable<Uint8Array>((subscriber) => {
    const reader = new SocketReader(socket);
    reader.read(subscriber);
    return reader;
  });
}

const READERS = Symbol('tcpchat.socketReaders');

/**
 * A socket's readers: nearly always one; a list when several read it at once, replaced rather than
 * changed, so a dispatch under way goes on with the list it began with.
 */
type ReadSocket = Socket & { [READERS]?: SocketReader | readonly SocketReader[] };

/** Bits of a reader's `flags`: one small integer rather than a field each, as a server holds one reader per connection. */
const ENDED = 1; // the socket ended or failed: it goes by itself, nothing to destroy
const SPARED = 2; // someone else decides when the socket goes
/** The bits from this one up are a subclass's own (see `flags`). */
export const FIRST_FREE_FLAG = 4;

/**
 * One reader of a socket's bytes, and a base for an object that is its socket's reader (the
 * server's connection is). The socket's listeners are shared functions that find its readers on
 * the socket (as ws finds its WebSocket), one per event, so a connection that is only held open
 * costs one small object here, not a closure per event. A socket read by several readers at once
 * keeps them in a list.
 *
 * A reader hears the socket's errors and its close from the start, its bytes and end once it
 * `read`s (until then its bytes are left to whoever else reads them, and an error is harmless).
 */
export class SocketReader implements Unsubscribable {
  protected subscriber: Observer<Uint8Array> | undefined;
  /** ENDED, SPARED, and from FIRST_FREE_FLAG up a subclass's own. */
  protected flags = 0;

  constructor(readonly socket: ReadSocket) {
    const readers = socket[READERS];
    if (readers === undefined) {
      socket[READERS] = this;
      socket.on('error', onError);
      socket.on('close', onClose);
    } else socket[READERS] = [...listOf(readers), this];
  }

  /** Hands the socket's bytes to `subscriber` from now on; completes it at once if the socket is gone or its peer has ended. */
  read(subscriber: Observer<Uint8Array>): void {
    const { socket } = this;
    this.subscriber = subscriber;
    // Listened for only now, by the first to read: a 'data' listener sets the bytes flowing.
    if (!socket.listeners('data').includes(onData)) {
      socket.on('data', onData);
      socket.on('end', onEnd);
      if (socket.allowHalfOpen) dropIdleEndListener(socket);
    }
    // Ended already: a half-open socket whose end was seen before (by a peek at its first bytes, say).
    if (socket.destroyed || socket.readableEnded) this.end();
    else this.startFlowing();
  }

  /** Lets the bytes flow, now that someone reads them (a subclass that holds reading back may wait). */
  protected startFlowing(): void {
    this.socket.resume();
  }

  /** Ends the reading with `error`. */
  fail(error: unknown): void {
    this.subscriber?.error(error);
  }

  /** Someone else now decides when the socket goes: the end of the reading no longer destroys it. */
  spare(): void {
    this.flags |= SPARED;
  }

  /** Stops reading, and listening unless another reader still does; destroys the socket unless it had ended or is spared. */
  unsubscribe(): void {
    if (this.subscriber === undefined) return;
    this.leave();
    if (this.socket[READERS] === undefined) stopListening(this.socket);
    this.stopReading();
  }

  /** Hands no more bytes on; the socket goes with the reading, unless it ended by itself or someone else decides. */
  protected stopReading(): void {
    if (this.subscriber === undefined) return;
    this.subscriber = undefined;
    if ((this.flags & (ENDED | SPARED)) === 0) this.socket.destroy();
  }

  next(chunk: Buffer): void {
    this.subscriber?.next(chunk);
  }

  end(): void {
    this.flags |= ENDED;
    this.subscriber?.complete();
  }

  failed(error: Error): void {
    this.flags |= ENDED;
    this.subscriber?.error(error);
  }

  /** The socket has closed: the reading ends, if the peer's end did not end it already. */
  closed(): void {
    this.end();
  }

  /** Out of the socket's readers. */
  private leave(): void {
    const { socket } = this;
    const others = listOf(socket[READERS]).filter((reader) => reader !== this);
    socket[READERS] = others.length > 1 ? others : others[0];
  }
}

function listOf(readers: SocketReader | readonly SocketReader[] | undefined): readonly SocketReader[] {
  return readers === undefined ? [] : readers instanceof SocketReader ? [readers] : readers;
}

/**
 * Node's own 'end' listener only stops writes after the peer's end on a socket that is not
 * half-open; on one that is, it does nothing. Without it `onEnd` is the socket's one 'end'
 * listener, not a list of two (some 64 bytes a connection). Taken off after `onEnd` is on: taking
 * off an event's only listener deletes its key, and the socket's table of listeners with it
 * becomes a slow dictionary (some 450 bytes).
 */
function dropIdleEndListener(socket: Socket): void {
  for (const listener of socket.listeners('end')) if (listener.name === 'onReadableStreamEnd') socket.off('end', listener as () => void);
}

/** Its last reader has gone: a late error must not crash the process. */
function stopListening(socket: Socket): void {
  socket.off('data', onData);
  socket.off('end', onEnd);
  socket.off('close', onClose);
  socket.off('error', onError);
  socket.on('error', ignore);
}

// `this` is the socket: EventEmitter calls listeners on it.
function onData(this: ReadSocket, chunk: Buffer): void {
  const readers = this[READERS];
  if (readers instanceof SocketReader) readers.next(chunk);
  else for (const reader of readers ?? []) reader.next(chunk);
}

function onEnd(this: ReadSocket): void {
  for (const reader of listOf(this[READERS])) reader.end();
}

function onError(this: ReadSocket, error: Error): void {
  for (const reader of listOf(this[READERS])) reader.failed(error);
}

function onClose(this: ReadSocket): void {
  for (const reader of listOf(this[READERS])) reader.closed();
}

export function ignore(): void {}

/** `host:port`, with brackets around an IPv6 host, as the core's `peerAddress` shows a peer. */
export function formatAddress(host: string | undefined, port: number | undefined): string {
  const shown = host || 'unknown';
  return [shown.includes(':') ? `[${shown}]` : shown, port ?? 0].join(':');
}

/**
 * A peer's IP as people know it: an IPv4 peer of a dual-stack listener comes as `::ffff:127.0.0.1`
 * (an IPv4-mapped IPv6 address), shown and compared as `127.0.0.1`.
 */
export function peerIp(socket: Socket): string | undefined {
  return unmapped(socket.remoteAddress);
}

function unmapped(ip: string | undefined): string | undefined {
  return ip !== undefined && ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice('::ffff:'.length) : ip;
}

/** What a socket's handle answers when asked for its peer (0: it knew). */
type PeerHandle = { getpeername?(out: { address?: string; port?: number }): number };

/**
 * A peer's IP (as `peerIp` shows it) and port, asked of the socket's handle, as `remoteAddress`
 * does; but `remoteAddress` keeps its answer on the socket (an object of some 56 bytes for the
 * connection's life), and a server that keeps the peer itself need not hold it twice. Where a
 * handle cannot say, `remoteAddress` is asked.
 */
export function peerOf(socket: Socket): { ip: string; port: number } {
  const out: { address?: string; port?: number } = {};
  const handle = (socket as unknown as { _handle?: PeerHandle | null })._handle;
  if (handle?.getpeername?.(out) !== 0) ({ remoteAddress: out.address, remotePort: out.port } = socket);
  return { ip: unmapped(out.address) ?? '', port: out.port ?? 0 };
}
