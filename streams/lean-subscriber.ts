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
  closed = false;
  /** What ending undoes: the source's teardown (rxjs adds one), and any more kept together in `more`. */
  private teardown: Exclude<TeardownLogic, void> | undefined;
  private more: Subscription | undefined;

  protected abstract onNext(value: T): void;
  protected abstract onError(error: unknown): void;
  protected abstract onComplete(): void;

  next(value: T): void {
    if (!this.closed) this.onNext(value);
  }

  error(error: unknown): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.onError(error);
    } finally {
      this.release();
    }
  }

  complete(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.onComplete();
    } finally {
      this.release();
    }
  }

  unsubscribe(): void {
    if (this.closed) return;
    this.closed = true;
    this.release();
  }

  add(teardown: TeardownLogic): void {
    if (!teardown || teardown === this) return;
    if (this.closed) run(teardown);
    else if (this.teardown === undefined) this.teardown = teardown;
    else (this.more ??= new Subscription()).add(teardown);
  }

  remove(teardown: Exclude<TeardownLogic, void>): void {
    if (this.teardown === teardown) this.teardown = undefined;
    else this.more?.remove(teardown);
  }

  private release(): void {
    const { teardown, more } = this;
    this.teardown = undefined;
    this.more = undefined;
    if (teardown) run(teardown);
    more?.unsubscribe();
  }
}

function run(teardown: Exclude<TeardownLogic, void>): void {
  if (typeof teardown === 'function') teardown();
  else teardown.unsubscribe();
}
