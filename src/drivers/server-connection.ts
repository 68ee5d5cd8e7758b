import type { Socket } from 'node:net';
import { asapScheduler, Observable, timer, type Observer, type Subscription } from '../../streams/rx.js';
import { PacedWriter } from './paced-writes.js';
import { peerFingerprint } from './peer-certificate.js';
import { formatAddress, ignore, peerIp, readSocket, type SocketReading } from './socket-data.js';
import { byteLength, writeAll, type TurnBytes, type TurnWrites } from './turn-writes.js';

export interface ServerConnectionOptions {
  /** Unsent output above which a client that does not read is cut off. */
  readonly sendQueueBytes: number;
  /** How long an ended connection may wait for its peer to close before it is destroyed. */
  readonly lingerMs: number;
  /** The last bytes a client that is cut off gets, saying why. */
  readonly farewell: (reason: string) => Uint8Array;
  /** Makes what answers a connection's telnet requests, on its first bytes; without it nothing is answered. */
  readonly telnet?: () => TelnetAnswers;
  /** Told once, when the socket has closed. */
  readonly closed?: (connection: ServerConnection) => void;
  /** Told when a client is cut off for not reading its output. */
  readonly cut?: (connection: ServerConnection) => void;
  /** The raw framing: each write is one message, written on its own this long after the one before (see PacedWriter). */
  readonly messageGapMs?: number;
  /**
   * The server's writes of this turn of the event loop: each connection's are gathered there and
   * sent as one write when the turn is over (see TurnWrites). Without it, each write goes out at once.
   */
  readonly turn?: TurnWrites<ServerConnection>;
}

/** What a peer may still send after we have ended the connection before we stop reading it. */
const DISCARD_AFTER_CLOSE_BYTES = 64 * 1024;

/** What a connection's telnet requests call for, chunk by chunk (undefined: nothing to answer). */
export interface TelnetAnswers {
  answers(chunk: Uint8Array): Uint8Array | undefined;
}

export class SendQueueExceededError extends Error {
  readonly code = 'SEND_QUEUE_EXCEEDED';
  constructor(readonly limitBytes: number) {
    super(`send queue exceeded (over ${limitBytes} bytes unread)`);
    this.name = 'SendQueueExceededError';
  }
}

/** An accepted connection: its bytes for the core, and the writes and the close the core asks for. */
export interface ServerConnection {
  readonly id: number;
  /** The peer's address and port, as people read it. */
  readonly address: string;
  /** The peer's address without the port. */
  readonly ip: string;
  /** The peer's port. */
  readonly port: number;
  /** The SHA-256 of the client certificate it presented over TLS, if any (see `peerFingerprint`). */
  readonly fingerprint: string | undefined;
  /** Completes when the peer ends, errors when the connection fails. */
  readonly data$: Observable<Uint8Array>;
  /** Writes `bytes` after everything written before, through the server's turn when it has one. */
  write(bytes: Uint8Array): void;
  /** Hands bytes to the socket now (what `write` gathered for a turn, say), or cuts a reader that is too far behind. */
  send(bytes: TurnBytes): void;
  /** Ends our side after what is queued; destroys the socket if the peer lingers. */
  close(): void;
  /**
   * Stops waiting for the peer to close (the server is stopping): once `close` has been asked and
   * what was queued is written, the socket is destroyed. A peer that keeps its side open (an
   * interactive nc or telnet) holds nothing up then.
   */
  closeWhenDrained(): void;
  /** Pauses or resumes reading, so TCP makes a fast sender wait. */
  reading(on: boolean): void;
  /** Holds reading (or lets it go on) whatever `reading` says: the whole server is waiting for something. */
  hold(on: boolean): void;
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
  return new Connection(id, socket, options);
}

const CONNECTION = Symbol('tcpchat.serverConnection');

type ConnectionSocket = Socket & { [CONNECTION]?: Connection };

/**
 * An object with its methods on the prototype and one shared close listener, rather than a
 * closure per method and per event: a server holds one per connection, most of them idle.
 */
class Connection implements ServerConnection {
  readonly address: string;
  readonly ip: string;
  readonly fingerprint: string | undefined;
  private linger: Subscription | undefined;
  private cutOff: SendQueueExceededError | undefined;
  private input: SocketReading | undefined;
  /** Reading is paused while either says so: this connection's rate, or the server as a whole. */
  private throttled = false;
  private held = false;
  /** The raw framing's messages, each written on its own. */
  private readonly paced: PacedWriter | undefined;
  /** Made on the first bytes, when telnet requests are answered. */
  private telnet: TelnetAnswers | undefined;

  constructor(
    readonly id: number,
    readonly socket: ConnectionSocket,
    private readonly options: ServerConnectionOptions,
  ) {
    socket.on('error', ignore); // until data$ is read, a stray error stays harmless
    socket[CONNECTION] = this;
    socket.on('close', onClose);
    const ip = peerIp(socket);
    this.address = formatAddress(ip, socket.remotePort);
    this.ip = ip ?? '';
    this.fingerprint = peerFingerprint(socket);
    if (options.messageGapMs !== undefined) this.paced = new PacedWriter(socket, options.messageGapMs);
  }

  get port(): number {
    return this.socket.remotePort ?? 0; // Node keeps the peer's name once read (the constructor reads it)
  }

  /** Made on each use, as it is subscribed once: an observable kept for the connection's life would cost memory for nothing. */
  get data$(): Observable<Uint8Array> {
    return new Observable<Uint8Array>((subscriber) => {
      if (this.cutOff) return subscriber.error(this.cutOff);
      // The telnet answers are given on the way, by one small object rather than an operator (a `tap`
      // kept a subscriber and some closures alive for every connection's life).
      this.input = readSocket(this.socket, this.options.telnet ? new TelnetAnswering(this, subscriber) : subscriber);
      // The reader handles errors now (and leaves a no-op listener when it stops): one listener, no list.
      this.socket.off('error', ignore);
      return this; // the teardown: `unsubscribe` below
    });
  }

  /** Answers what telnet requests `chunk` holds, if any. */
  answerTelnet(chunk: Uint8Array): void {
    const { telnet } = this.options;
    if (!telnet) return;
    const answers = (this.telnet ??= telnet()).answers(chunk);
    if (answers) this.write(answers);
  }

  write(bytes: Uint8Array): void {
    if (!this.socket.writable) return;
    const { turn } = this.options;
    // The raw framing's messages are never gathered for a turn: that would glue them together.
    if (this.paced) {
      if (this.keepsUp(bytes.length)) this.paced.write(bytes);
    } else if (turn) turn.write(this, bytes);
    else this.send(bytes);
  }

  send(bytes: TurnBytes): void {
    // Not writable: closed meanwhile (it left in the same turn, say).
    if (this.socket.writable && this.keepsUp(byteLength(bytes))) writeAll(this.socket, bytes);
  }

  /** False, and the reader cut off, once it falls `sendQueueBytes` behind: the others never wait for it. */
  private keepsUp(more: number): boolean {
    const queued = this.socket.writableLength + (this.paced?.queuedBytes ?? 0);
    if (queued === 0 || queued + more <= this.options.sendQueueBytes) return true;
    this.cut();
    return false;
  }

  reading(on: boolean): void {
    this.throttled = !on;
    this.resumeOrPause();
  }

  hold(on: boolean): void {
    this.held = on;
    this.resumeOrPause();
  }

  private resumeOrPause(): void {
    if (this.linger) return; // closing: reading goes on until the peer closes (or floods)
    if (this.throttled || this.held) this.socket.pause();
    else this.socket.resume();
  }

  /** Hands what this turn gathered for it to the socket now, before anything that ends it. */
  releaseTurn(): void {
    this.options.turn?.release(this);
  }

  /**
   * The end of its reading (the peer ended its side, it failed, or the server let it go), as the
   * teardown of `data$`: what the turn gathered for it (the ack of its last line, say) goes out
   * first. A peer's FIN ends our side too, on the next tick (the server allows no half-open
   * sockets), and the turn's flush would come after that.
   */
  unsubscribe(): void {
    this.releaseTurn();
    this.input?.unsubscribe();
  }

  close(): void {
    this.releaseTurn(); // what this turn gathered for it goes before the end
    if (this.paced) this.paced.afterQueue(() => this.end());
    else this.end();
  }

  closeWhenDrained(): void {
    const { socket } = this;
    if (socket.destroyed) return;
    if (socket.writableFinished) socket.destroy();
    else socket.once('finish', () => socket.destroy());
  }

  /** The socket has closed. */
  closed(): void {
    this.paced?.stop();
    this.linger?.unsubscribe();
    this.options.closed?.(this);
  }

  /** Ends our side after what is queued (and `last`); the linger destroys the socket if the peer stays. */
  private end(last?: Uint8Array): void {
    const { socket } = this;
    if (socket.destroyed || this.linger) return;
    if (last) socket.end(last);
    else socket.end();
    this.linger = timer(this.options.lingerMs).subscribe(() => socket.destroy());
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
  }

  private cut(): void {
    const cutOff = new SendQueueExceededError(this.options.sendQueueBytes);
    this.cutOff = cutOff;
    this.options.cut?.(this);
    this.paced?.stop(); // what waits is what it did not read: the farewell goes instead
    this.end(this.options.farewell(cutOff.message));
    // From now on the linger owns the socket: data$ ending must not destroy it.
    const input = this.input;
    input?.spare();
    // Told after the current batch has gone to everyone else, as a socket error would be.
    asapScheduler.schedule(() => input?.fail(cutOff));
  }
}

/** Hands a connection's bytes on to its reader, after answering the telnet requests among them. */
class TelnetAnswering implements Observer<Uint8Array> {
  constructor(
    private readonly connection: Connection,
    private readonly reader: Observer<Uint8Array>,
  ) {}

  next(chunk: Uint8Array): void {
    this.connection.answerTelnet(chunk);
    this.reader.next(chunk);
  }

  error(error: unknown): void {
    this.reader.error(error);
  }

  complete(): void {
    this.reader.complete();
  }
}

function onClose(this: ConnectionSocket): void {
  this[CONNECTION]?.closed();
}
