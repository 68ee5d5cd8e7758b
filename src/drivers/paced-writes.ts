import type { Socket } from 'node:net';
import { fromEvent, take, timer, type Subscription } from '../../streams/rx.js';

/**
 * The least time between two raw messages to one peer. The original programs take each
 * `recv` for one message; two writes a moment apart reach them as one read, glued together.
 * A person types slower than this; a script's lines are spread out by it.
 */
export const RAW_MESSAGE_GAP_MS = 20;

/**
 * Writes messages to a socket one write each, each at least `gapMs` after the one before, so a
 * peer that takes each read for one message sees them apart. What waits is held here (counted
 * in `queuedBytes`, so its owner can bound it); while the socket's own buffer is full, nothing
 * more is written to it.
 */
export class PacedWriter {
  private queue: Uint8Array[] = [];
  queuedBytes = 0;
  /** The gap after the last write, or the wait for the socket to drain. */
  private gap: Subscription | undefined;
  private afterLast: (() => void) | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly gapMs: number,
    /** Told when what was queued has all been written. */
    private readonly drained?: () => void,
  ) {}

  /** Writes now, or after the ones before; false when it had to wait. */
  write(bytes: Uint8Array): boolean {
    if (this.gap === undefined) {
      this.send(bytes);
      return true;
    }
    this.queue.push(bytes);
    this.queuedBytes += bytes.length;
    return false;
  }

  /** Calls `then` once everything queued is written: at once when nothing is. */
  afterQueue(then: () => void): void {
    if (this.queue.length === 0) then();
    else this.afterLast = then;
  }

  /** Writes what waits at once (the end has come: better glued than lost). */
  flush(): void {
    this.stop();
    for (const bytes of this.queue.splice(0)) this.socket.write(bytes);
    this.queuedBytes = 0;
  }

  /** Stops the clock; what waits stays unwritten. */
  stop(): void {
    this.gap?.unsubscribe();
    this.gap = undefined;
  }

  private send(bytes: Uint8Array): void {
    this.socket.write(bytes);
    this.gap = timer(this.gapMs).subscribe(() => this.next());
  }

  private next(): void {
    this.gap = undefined;
    if (this.queue.length > 0 && this.socket.writableNeedDrain) {
      this.gap = fromEvent(this.socket, 'drain')
        .pipe(take(1))
        .subscribe(() => this.next());
      return;
    }
    const bytes = this.queue.shift();
    if (bytes === undefined) return;
    this.queuedBytes -= bytes.length;
    this.send(bytes);
    if (this.queue.length > 0) return;
    const then = this.afterLast;
    this.afterLast = undefined;
    then?.();
    this.drained?.();
  }
}
