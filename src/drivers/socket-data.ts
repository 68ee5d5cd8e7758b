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
  return new Observable<Uint8Array>((subscriber) => readSocket(socket, subscriber));
}

/**
 * Feeds a socket's bytes to `subscriber` as `socketData` does, for observables that own a
 * socket in their own way; what it returns is their teardown.
 */
export function readSocket(socket: Socket, subscriber: Observer<Uint8Array>): SocketReading {
  return new SocketReader(socket, subscriber);
}

/** A subscription to a socket's bytes: unsubscribing stops reading and destroys the socket unless it had ended. */
export interface SocketReading extends Unsubscribable {
  /** Ends the reading with `error`. */
  fail(error: unknown): void;
  /** Someone else now decides when the socket goes: unsubscribing no longer destroys it. */
  spare(): void;
}

const READERS = Symbol('tcpchat.socketReaders');

type ReadSocket = Socket & { [READERS]?: SocketReader };

/**
 * One subscription to a socket's bytes. The socket's listeners are shared functions that find
 * its readers on the socket (as ws finds its WebSocket), so a connection that is only held open
 * costs one small object here, not a closure per event. A socket read by several subscriptions
 * at once keeps them in a list.
 */
class SocketReader implements SocketReading {
  private ended = false;
  private spared = false;
  /** The next reader of the same socket. */
  later: SocketReader | undefined;

  constructor(
    private readonly socket: ReadSocket,
    private subscriber: Observer<Uint8Array> | undefined,
  ) {
    let last = socket[READERS];
    if (last === undefined) {
      socket[READERS] = this;
      socket.on('data', onData);
      socket.on('end', onEnd);
      socket.on('error', onError);
      socket.on('close', onEnd);
    } else {
      while (last.later) last = last.later;
      last.later = this;
    }
    if (socket.destroyed) this.end();
    else socket.resume();
  }

  fail(error: unknown): void {
    this.subscriber?.error(error);
  }

  spare(): void {
    this.spared = true;
  }

  /** Stops reading; destroys the socket unless it had ended or is spared. */
  unsubscribe(): void {
    const { socket } = this;
    if (this.subscriber === undefined) return;
    this.subscriber = undefined;
    this.leave();
    if (socket[READERS] === undefined) {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      socket.off('close', onEnd);
    }
    socket.on('error', ignore);
    if (!this.ended && !this.spared) socket.destroy();
  }

  next(chunk: Buffer): void {
    this.subscriber?.next(chunk);
  }

  end(): void {
    this.ended = true;
    this.subscriber?.complete();
  }

  failed(error: Error): void {
    this.ended = true;
    this.subscriber?.error(error);
  }

  /** Out of the socket's list (its own `later` stays, so a dispatch under way goes on past it). */
  private leave(): void {
    const { socket } = this;
    if (socket[READERS] === this) {
      socket[READERS] = this.later;
      return;
    }
    for (let reader = socket[READERS]; reader; reader = reader.later) {
      if (reader.later === this) {
        reader.later = this.later;
        return;
      }
    }
  }
}

// `this` is the socket: EventEmitter calls listeners on it.
function onData(this: ReadSocket, chunk: Buffer): void {
  for (let reader = this[READERS]; reader; reader = reader.later) reader.next(chunk);
}

function onEnd(this: ReadSocket): void {
  for (let reader = this[READERS]; reader; reader = reader.later) reader.end();
}

function onError(this: ReadSocket, error: Error): void {
  for (let reader = this[READERS]; reader; reader = reader.later) reader.failed(error);
}

export function ignore(): void {}

/**
 * `host:port`, with brackets around an IPv6 host. Joined rather than concatenated: a server keeps
 * one per connection, and a join makes one flat string where `+` leaves a chain of three.
 */
export function formatAddress(host: string | undefined, port: number | undefined): string {
  const shown = host ?? 'unknown';
  return [shown.includes(':') ? `[${shown}]` : shown, port ?? 0].join(':');
}

/**
 * A peer's IP as people know it: an IPv4 peer of a dual-stack listener comes as `::ffff:127.0.0.1`
 * (an IPv4-mapped IPv6 address), shown and compared as `127.0.0.1`.
 */
export function peerIp(socket: Socket): string | undefined {
  const ip = socket.remoteAddress;
  return ip !== undefined && ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice('::ffff:'.length) : ip;
}
