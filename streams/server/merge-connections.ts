import { Observable, type Observer, type OperatorFunction, type Subscriber } from '../rx.js';
import { LeanSubscriber } from '../lean-subscriber.js';
import { describeConnectionError } from '../connection-error.js';
import type { RouterEvent } from './events.js';
import type { ConnId } from './model.js';

/** A request to stop or restart reading from a connection that sends faster than its rate. */
export type ReadingRequest = { kind: 'reading'; id: ConnId; paused: boolean };

/** What a connection adds to the server's stream of events. */
export type ConnectionEvent = RouterEvent | ReadingRequest;

/** Who is at the other end of a connection. */
export interface ConnectionPeer {
  readonly id: ConnId;
  /** The peer's address without the port. */
  readonly ip: string;
  /** The peer's port. */
  readonly port: number;
  /** The SHA-256 of the client certificate it presented over TLS, if any. */
  readonly fingerprint?: string;
}

/**
 * Every connection's life as batches of events, merged into one stream. For each connection
 * the source brings: `open` at once; then each value of `input(connection)` as the batch
 * `toEvents` makes of it; then `closed` when that input completes or fails (the failure
 * described in a few words). A failure of `toEvents` closes the connection the same way. A
 * connection's failure never gets further: it cannot end the server. Completes once the source
 * has completed and every connection has closed; a failure of the source itself is passed on.
 *
 * It does the work of `mergeMap` around `concat(of(open), input.pipe(map, endWith, catchError))`
 * in one stage, with one small object per connection (a lean subscriber) and no closures: a server holds
 * one life per connection, most of them idle, so what a life costs is what an idle connection costs.
 *
 * ```
 * source:  -a-------b------|
 * input a:  --x--|
 * input b:          --y--#
 * result:  -A-X--C--B-Y--E-|     A, B = [open], X, Y = toEvents, C = [closed: connection closed], E = [closed: the error]
 * ```
 */
export function mergeConnections<C extends ConnectionPeer, T>(
  input: (connection: C) => Observable<T>,
  toEvents: (id: ConnId, value: T) => readonly ConnectionEvent[],
): OperatorFunction<C, readonly ConnectionEvent[]> {
  return (source) => new Observable<readonly ConnectionEvent[]>((subscriber) => source.subscribe(new Lives(subscriber, input, toEvents)));
}

/** The merge: connections coming in, and how many are still open. */
class Lives<C extends ConnectionPeer, T> implements Observer<C> {
  private open = 0;
  private sourceDone = false;
  /**
   * Its lives, for unsubscribing the merge to end them. One that ends stays here until ended ones
   * are half the list, then all of them are swept out at once: taking each out on its own is a
   * search of the list, which thousands of connections closing at once (a network's blip) would
   * make quadratic, as rxjs's own list of finalizers would.
   */
  private running: Life<C, T>[] = [];
  private ended = 0;
  /** Its lives: they find this merge through their class, rather than each in a field of its own. */
  private readonly Life: new (id: ConnId) => Life<C, T>;

  constructor(
    readonly subscriber: Subscriber<readonly ConnectionEvent[]>,
    private readonly input: (connection: C) => Observable<T>,
    readonly toEvents: (id: ConnId, value: T) => readonly ConnectionEvent[],
  ) {
    const lives = this;
    this.Life = class extends Life<C, T> {
      protected get lives(): Lives<C, T> {
        return lives;
      }
    };
    subscriber.add(() => {
      for (const life of this.running) life.unsubscribe();
    });
  }

  next(connection: C): void {
    const { id, ip, port, fingerprint } = connection;
    this.open++;
    this.subscriber.next([{ kind: 'open', id, ip, port, fingerprint }]);
    if (this.subscriber.closed) return;
    let input$: Observable<T>;
    try {
      input$ = this.input(connection);
    } catch (error) {
      return this.subscriber.error(error); // as mergeMap's project failing
    }
    const life = new this.Life(id);
    input$.subscribe(life);
    if (!life.closed) this.running.push(life);
  }

  error(error: unknown): void {
    this.subscriber.error(error);
  }

  complete(): void {
    this.sourceDone = true;
    if (this.open === 0) this.subscriber.complete();
  }

  closed(id: ConnId, reason: string): void {
    if (++this.ended * 2 > this.running.length) {
      this.running = this.running.filter((life) => !life.closed);
      this.ended = 0;
    }
    this.subscriber.next([{ kind: 'closed', id, reason }]);
    this.open--;
    if (this.sourceDone && this.open === 0) this.subscriber.complete();
  }
}

/** One connection's life: a lean subscriber, as a server holds one per connection. */
abstract class Life<C extends ConnectionPeer, T> extends LeanSubscriber<T> {
  /** The merge it belongs to (see `Lives`). */
  protected abstract readonly lives: Lives<C, T>;

  constructor(private readonly id: ConnId) {
    super();
  }

  protected onNext(value: T): void {
    let events: readonly ConnectionEvent[];
    try {
      events = this.lives.toEvents(this.id, value);
    } catch (error) {
      return this.error(error); // ends the life as a failure of its input would, and unsubscribes the input
    }
    this.lives.subscriber.next(events);
  }

  protected onError(error: unknown): void {
    this.end(describeConnectionError(error));
  }

  protected onComplete(): void {
    this.end('connection closed');
  }

  private end(reason: string): void {
    this.lives.closed(this.id, reason);
  }
}
