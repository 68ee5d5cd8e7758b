import type { Socket } from 'node:net';

/** What a target gets for a turn: one buffer, or several large ones (not worth a copy) for one writev. */
export type TurnBytes = Uint8Array | readonly Uint8Array[];

/** What gathered bytes go to: one `send` for all that a turn gathered for it. */
export interface TurnTarget {
  send(bytes: TurnBytes): void;
}

/** What one target has gathered so far in this turn, in the order it was written. */
interface Gathered {
  readonly chunks: Uint8Array[];
  bytes: number;
}

/** A target that gathers this much in one turn gets it at once (memory stays bounded whatever a turn reads). */
export const TURN_WRITE_BYTES = 256 * 1024;

/** Up to this much, a turn's chunks are copied into one buffer (cheaper than a syscall each); more go as they are. */
export const JOIN_BYTES = 16 * 1024;

/**
 * One server's writes, gathered per target for one turn of the event loop and sent as one write
 * each when the turn has read all it could. In a room where many speak, a turn reads lines from
 * several speakers, and each listener would otherwise get one `write()` (one syscall) per line:
 * now it gets one per turn, whatever the turn heard. The bytes of each target keep their order.
 *
 * `schedule` runs the flush after the turn's I/O (`setImmediate`: after every read the poll phase
 * had ready). Owned by one server run (no module-level state): each run has its own.
 */
export class TurnWrites<T extends TurnTarget = TurnTarget> {
  /** Targets in the order they were first written to in this turn (a Map keeps insertion order). */
  private waiting = new Map<T, Gathered>();

  constructor(
    private readonly schedule: (flush: () => void) => void = setImmediate,
    private readonly limitBytes = TURN_WRITE_BYTES,
  ) {}

  /** Holds `bytes` for `target` until the end of this turn, after what it holds already. */
  write(target: T, bytes: Uint8Array): void {
    let gathered = this.waiting.get(target);
    if (gathered === undefined) {
      if (this.waiting.size === 0) this.schedule(this.flush);
      gathered = { chunks: [], bytes: 0 };
      this.waiting.set(target, gathered);
    }
    gathered.chunks.push(bytes);
    gathered.bytes += bytes.length;
    if (gathered.bytes >= this.limitBytes) this.release(target);
  }

  /** Sends what `target` holds now (before it is closed, say): what comes after it goes after it. */
  release(target: T): void {
    const gathered = this.waiting.get(target);
    if (gathered === undefined) return;
    this.waiting.delete(target);
    target.send(joined(gathered));
  }

  /** The turn is over: every target gets what it gathered. What is written meanwhile waits for the next flush. */
  private readonly flush = (): void => {
    const waiting = this.waiting;
    if (waiting.size === 0) return; // every target was released already
    this.waiting = new Map();
    const joins = new RecentJoins();
    for (const [target, gathered] of waiting) target.send(joins.bytesOf(gathered));
  };
}

/**
 * The last two joins of one flush. In a room most receivers gathered the same batches (all that a
 * turn heard but their own line), so a join is made once for each run of them, not once each.
 */
class RecentJoins {
  private last: Joined | undefined;
  private before: Joined | undefined;

  bytesOf(gathered: Gathered): TurnBytes {
    if (sameChunks(this.last, gathered)) return this.last.bytes;
    if (sameChunks(this.before, gathered)) return this.before.bytes;
    this.before = this.last;
    this.last = { chunks: gathered.chunks, bytes: joined(gathered) };
    return this.last.bytes;
  }
}

/** Batches gathered, and the bytes they were joined to. */
interface Joined {
  readonly chunks: readonly Uint8Array[];
  readonly bytes: TurnBytes;
}

function sameChunks(joins: Joined | undefined, gathered: Gathered): joins is Joined {
  if (joins === undefined || joins.chunks.length !== gathered.chunks.length) return false;
  return joins.chunks.every((chunk, index) => chunk === gathered.chunks[index]);
}

function joined({ chunks, bytes }: Gathered): TurnBytes {
  if (chunks.length === 1) return chunks[0];
  return bytes <= JOIN_BYTES ? Buffer.concat(chunks, bytes) : chunks;
}

/** The bytes a turn's send holds in all. */
export function byteLength(bytes: TurnBytes): number {
  if (bytes instanceof Uint8Array) return bytes.length;
  let length = 0;
  for (const chunk of bytes) length += chunk.length;
  return length;
}

/** One write to the socket, or one writev for several buffers. */
export function writeAll(socket: Socket, bytes: TurnBytes): void {
  if (bytes instanceof Uint8Array) {
    socket.write(bytes);
    return;
  }
  socket.cork();
  for (const chunk of bytes) socket.write(chunk);
  socket.uncork();
}
