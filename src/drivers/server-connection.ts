import type { Socket } from 'node:net';
import { asapScheduler, Observable, timer, type Subscription } from '../../streams/rx.js';
import { PacedWriter } from './paced-writes.js';
import { peerFingerprint } from './peer-certificate.js';
import type { SharedIps } from './shared-ips.js';
import { FIRST_FREE_FLAG, formatAddress, peerOf, SocketReader } from './socket-data.js';
import { byteLength, writeAll, type TurnBytes, type TurnWrites } from './turn-writes.js';

export interface ServerConnectionOptions {
  /** Unsent output above which a client that does not read is cut off. */
  readonly sendQueueBytes: number;
  /**
   * How long an ended connection may wait for its peer to close before it is destroyed; also how
   * long one whose peer has ended may wait for the core to end ours.
   */
  readonly lingerMs: number;
  /** The last bytes a client that is cut off gets, saying why. */
  readonly farewell: (reason: string) => Uint8Array;
  /**
   * Makes what answers a connection's telnet requests, given its bytes until it makes one (most
   * peers never speak telnet, and then cost nothing); without it nothing is answered.
   */
  readonly telnet?: (chunk: Uint8Array) => TelnetAnswers | undefined;
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
  /** Where connections from one address get one string for it (see SharedIps); without it each has its own. */
  readonly ips?: SharedIps;
}

/** What a peer may still send after we have ended the connection before we stop reading it. */
const DISCARD_AFTER_CLOSE_BYTES = 64 * 1024;

/**
 * How many lingers a peer cut off for reading slowly is given to read what was queued for it and
 * the line that says why (half a minute with serve's 5 s): it was cut for being slow, and what it
 * holds meanwhile is bounded by its send queue.
 */
const CUT_LINGERS = 6;

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
  /** Completes when the peer ends its side (ours stays open until `close`), errors when the connection fails. */
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
 * still has not read it all after CUT_LINGERS of `lingerMs`, the socket is destroyed. Its `data$` fails at once with
 * a `SendQueueExceededError`, so the core lets it go without waiting for the socket.
 *
 * The socket is half-open: the peer's end completes `data$` and leaves our side open for what the
 * core still answers, until it asks to `close` (or the linger is over: a socket is destroyed
 * `lingerMs` after the last of the two ends, if it has not closed by then).
 *
 * After our end, what the peer sends is read and dropped, so its close is seen at once; a peer
 * that sends more than 64 KiB after it is no longer read (memory stays flat) until the linger ends.
 *
 * `data$` owns the socket (subscribe to it once): unsubscribing destroys it, except after that
 * cut, when the linger owns it.
 */
export function serverConnection(id: number, socket: Socket, options: ServerConnectionOptions): ServerConnection {
  return serverConnections(options)(id, socket);
}

/**
 * `serverConnection` for every connection of one server: their options are read from their class,
 * made once here, rather than kept by each connection (a server holds one per client, most idle).
 */
export function serverConnections(options: ServerConnectionOptions): (id: number, socket: Socket) => ServerConnection {
  const ServerConnection = class extends Connection {
    protected get options(): ServerConnectionOptions {
      return options;
    }
  };
  return (id, socket) => new ServerConnection(id, socket, options);
}

/** Bits of a connection's flags, above its reader's: reading is paused while either says so. */
const THROTTLED = FIRST_FREE_FLAG; // this connection's rate
const HELD = FIRST_FREE_FLAG << 1; // the server as a whole

/** What only some connections need, made the first time one does: an idle connection carries none of it. */
class Extras {
  /** Destroys the socket once the linger is over, from the last end (ours or the peer's) on. */
  linger: Subscription | undefined;
  /** What the peer sent after our end. */
  discarded = 0;
  cutOff: SendQueueExceededError | undefined;
  /** The raw framing's messages, each written on its own. */
  paced: PacedWriter | undefined;
  /** Made once the peer speaks telnet, when telnet requests are answered. */
  telnet: TelnetAnswers | undefined;
  /** Kept, as a TLS socket no longer tells it once closed. */
  fingerprint: string | undefined;
}

/**
 * An object with its methods on the prototype, the reader of its own socket (see SocketReader):
 * a server holds one per connection, most of them idle, so it is one object with a few fields,
 * one listener per socket event, and what only some connections need in `extras`.
 */
abstract class Connection extends SocketReader implements ServerConnection {
  private extras: Extras | undefined;
  readonly ip: string;
  readonly port: number;
  /** The server's, the same for each of its connections (see `serverConnections`). */
  protected abstract readonly options: ServerConnectionOptions;

  /** `options` are this connection's `options`, which the constructor cannot read yet. */
  constructor(
    readonly id: number,
    socket: Socket,
    options: ServerConnectionOptions,
  ) {
    super(socket); // until data$ is read, a stray error stays harmless
    // Read once now, as a socket no longer tells it once closed (and kept here, not on the socket: see peerOf).
    const { ip, port } = peerOf(socket);
    this.ip = options.ips?.share(ip) ?? ip;
    this.port = port;
    const fingerprint = peerFingerprint(socket);
    if (fingerprint !== undefined) this.ensureExtras().fingerprint = fingerprint;
    if (options.messageGapMs !== undefined) this.ensureExtras().paced = new PacedWriter(socket, options.messageGapMs);
  }

  /** Its extras, made the first time they are needed. */
  private ensureExtras(): Extras {
    return (this.extras ??= new Extras());
  }

  get address(): string {
    return formatAddress(this.ip, this.port);
  }

  get fingerprint(): string | undefined {
    return this.extras?.fingerprint;
  }

  /** Made on each use, as it is subscribed once: an observable kept for the connection's life would cost memory for nothing. */
  get data$(): Observable<Uint8Array> {
    return new Observable<Uint8Array>((subscriber) => {
      const cutOff = this.extras?.cutOff;
      if (cutOff) return subscriber.error(cutOff);
      this.read(subscriber);
      return this; // the teardown: `unsubscribe` below
    });
  }

  /** The peer's bytes: counted after our end, and the telnet requests among them answered on the way. */
  override next(chunk: Buffer): void {
    if (this.socket.writableEnded) this.discardAfterEnd(chunk.length);
    if (this.subscriber === undefined) return; // no longer read
    const { telnet } = this.options;
    if (telnet) this.answerTelnet(chunk, telnet);
    super.next(chunk);
  }

  /** Answers what telnet requests `chunk` holds, if any. */
  private answerTelnet(chunk: Uint8Array, answererFor: (chunk: Uint8Array) => TelnetAnswers | undefined): void {
    const answerer = this.extras?.telnet ?? answererFor(chunk);
    if (answerer === undefined) return; // no telnet yet
    const answers = (this.ensureExtras().telnet = answerer).answers(chunk);
    if (answers) this.write(answers);
  }

  write(bytes: Uint8Array): void {
    if (!this.socket.writable) return;
    const { turn } = this.options;
    const paced = this.extras?.paced;
    // The raw framing's messages are never gathered for a turn: that would glue them together.
    if (paced) {
      if (this.keepsUp(bytes.length)) paced.write(bytes);
    } else if (turn) turn.write(this, bytes);
    else this.send(bytes);
  }

  send(bytes: TurnBytes): void {
    // Not writable: closed meanwhile (it left in the same turn, say).
    if (this.socket.writable && this.keepsUp(byteLength(bytes))) writeAll(this.socket, bytes);
  }

  /** False, and the reader cut off, once it falls `sendQueueBytes` behind: the others never wait for it. */
  private keepsUp(more: number): boolean {
    const queued = this.socket.writableLength + (this.extras?.paced?.queuedBytes ?? 0);
    if (queued === 0 || queued + more <= this.options.sendQueueBytes) return true;
    this.cut();
    return false;
  }

  reading(on: boolean): void {
    const waited = (this.flags & THROTTLED) !== 0;
    this.flags = on ? this.flags & ~THROTTLED : this.flags | THROTTLED;
    this.resumeOrPause();
    // The peer ended while its rate held lines back: the core has them all now, the linger starts.
    if (on && waited && this.socket.readableEnded) this.lingerAfterPeerEnd();
  }

  hold(on: boolean): void {
    this.flags = on ? this.flags | HELD : this.flags & ~HELD;
    this.resumeOrPause();
  }

  /** Once data$ is read, reading flows unless held back (a connection held from the start stays held). */
  protected override startFlowing(): void {
    this.resumeOrPause();
  }

  private resumeOrPause(): void {
    if (this.socket.writableEnded) return; // closing: reading goes on until the peer closes (or floods)
    if (this.flags & (THROTTLED | HELD)) this.socket.pause();
    else this.socket.resume();
  }

  /**
   * The end of its reading (the peer ended its side, it failed, or the server let it go), as the
   * teardown of `data$`. The connection stays its socket's reader, to see it close.
   */
  override unsubscribe(): void {
    this.stopReading();
  }

  /**
   * The peer has ended its side: the core hears it, and may still answer what it sent (after a
   * secret is checked or a cluster answers, say) before it asks to close. If it has not by the
   * end of the linger (from when its rate has let through all it sent), the socket goes all the same.
   */
  override end(): void {
    super.end();
    // Lines its rate still holds are yet to be handled (and answered): the linger waits for them.
    if ((this.flags & THROTTLED) === 0) this.lingerAfterPeerEnd();
  }

  private lingerAfterPeerEnd(): void {
    const { socket } = this;
    if (!socket.destroyed && !socket.writableEnded) this.linger();
  }

  close(): void {
    this.options.turn?.release(this); // what this turn gathered for it goes before the end
    const paced = this.extras?.paced;
    if (paced) paced.afterQueue(() => this.endOurSide());
    else this.endOurSide();
  }

  closeWhenDrained(): void {
    const { socket } = this;
    if (socket.destroyed) return;
    if (socket.writableFinished) socket.destroy();
    else socket.once('finish', () => socket.destroy());
  }

  /** The socket has closed: told once, then the reading ends if the peer's end did not end it already. */
  override closed(): void {
    this.extras?.paced?.stop();
    this.extras?.linger?.unsubscribe();
    this.options.closed?.(this);
    super.closed();
  }

  /** Ends our side after what is queued (and `last`); the linger destroys the socket if the peer stays. */
  private endOurSide(last?: Uint8Array): void {
    const { socket } = this;
    if (socket.destroyed || socket.writableEnded) return;
    if (last) socket.end(last);
    else socket.end();
    this.linger();
    // Reading goes on, so the peer's own close is seen at once; but a peer that keeps sending after
    // our end is read only so far (see `discardAfterEnd`): then TCP makes it wait until the linger
    // is over. (Not a reset at once: a peer busy writing would lose the line that says why before reading it.)
    socket.resume();
  }

  /**
   * Destroys the socket `lingerMs` from now (CUT_LINGERS of them after a cut), unless it closes
   * before (the last end counts: a new linger replaces the one before).
   */
  private linger(): void {
    const extras = this.ensureExtras();
    extras.linger?.unsubscribe();
    const lingers = extras.cutOff ? CUT_LINGERS : 1;
    extras.linger = timer(lingers * this.options.lingerMs).subscribe(() => this.socket.destroy());
  }

  /** Counts what the peer sends after our end: past DISCARD_AFTER_CLOSE_BYTES it is no longer read (memory stays flat). */
  private discardAfterEnd(bytes: number): void {
    const extras = this.ensureExtras();
    extras.discarded += bytes;
    if (extras.discarded > DISCARD_AFTER_CLOSE_BYTES) this.socket.pause();
  }

  private cut(): void {
    const cutOff = new SendQueueExceededError(this.options.sendQueueBytes);
    const extras = this.ensureExtras();
    extras.cutOff = cutOff;
    this.options.cut?.(this);
    extras.paced?.stop(); // what waits is what it did not read: the farewell goes instead
    this.endOurSide(this.options.farewell(cutOff.message));
    // From now on the linger owns the socket: data$ ending must not destroy it.
    this.spare();
    // Told after the current batch has gone to everyone else, as a socket error would be.
    asapScheduler.schedule(() => this.fail(cutOff));
  }
}
