import { Subscription, type Observer, type SubscriptionLike, type TeardownLogic } from './rx.js';

/**
 * A subscriber for a stage that every connection holds for its whole life, mostly idle. rxjs takes
 * an object with the observer's three methods and `closed`, `add`, `remove`, `unsubscribe` as a
 * subscriber as it is: `source.subscribe(stage)` wraps it in no SafeSubscriber, and what it must
 * undo when it ends (the source's teardown) is kept in one field rather than in a list. A plain
 * observer costs a SafeSubscriber, its consumer and a list of finalizers, some 290 bytes a stage.
 *
 * It keeps rxjs's contract: nothing reaches `onNext` after the end; `error` and `complete` end it
 * once and then undo the source's subscription; unsubscribing ends it without a word; a teardown
 * added after the end is run at once. Subclasses handle values in `onNext`, `onError`, `onComplete`.
 */
export abstract class LeanSubscriber<T> implements Observer<T>, SubscriptionLike {
  /**
   * What ending undoes: nothing yet, the source's teardown (rxjs adds one), or several kept
   * together in one `Finalizers`; `ENDED` once it has ended. One field: `closed` is read from it.
   */
  private teardown: Exclude<TeardownLogic, void> | typeof ENDED | undefined;

  protected abstract onNext(value: T): void;
  protected abstract onError(error: unknown): void;
  protected abstract onComplete(): void;

  get closed(): boolean {
    return this.teardown === ENDED;
  }

  next(value: T): void {
    if (!this.closed) this.onNext(value);
  }

  error(error: unknown): void {
    const teardown = this.takeTeardown();
    if (teardown === ENDED) return;
    try {
      this.onError(error);
    } finally {
      run(teardown);
    }
  }

  complete(): void {
    const teardown = this.takeTeardown();
    if (teardown === ENDED) return;
    try {
      this.onComplete();
    } finally {
      run(teardown);
    }
  }

  unsubscribe(): void {
    run(this.takeTeardown());
  }

  add(teardown: TeardownLogic): void {
    const kept = this.teardown;
    if (!teardown || teardown === this) return;
    if (kept === ENDED) run(teardown);
    else if (kept === undefined) this.teardown = teardown;
    else if (kept instanceof Finalizers) kept.add(teardown);
    else this.teardown = new Finalizers(kept, teardown);
  }

  remove(teardown: Exclude<TeardownLogic, void>): void {
    const kept = this.teardown;
    if (kept === teardown) this.teardown = undefined;
    else if (kept instanceof Finalizers) kept.remove(teardown);
  }

  /** Marks it ended; returns what it must undo now (`ENDED` if it had ended before). */
  private takeTeardown(): Exclude<TeardownLogic, void> | typeof ENDED | undefined {
    const teardown = this.teardown;
    this.teardown = ENDED;
    return teardown;
  }
}

/** Several teardowns of one lean subscriber (rare: most have only their source's). */
class Finalizers extends Subscription {
  constructor(...teardowns: Exclude<TeardownLogic, void>[]) {
    super();
    for (const teardown of teardowns) this.add(teardown);
  }
}

/** The teardown of a lean subscriber that has ended. */
const ENDED: unique symbol = Symbol('ended');

function run(teardown: Exclude<TeardownLogic, void> | typeof ENDED | undefined): void {
  if (teardown === undefined || teardown === ENDED) return;
  if (typeof teardown === 'function') teardown();
  else teardown.unsubscribe();
}
