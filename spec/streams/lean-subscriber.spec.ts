import { describe, expect, it } from '@jest/globals';
import { Observable, Subject, Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { LeanSubscriber } from '../../streams/lean-subscriber.js';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** Writes down what reaches it. */
class Recorder extends LeanSubscriber<string> {
  readonly seen: string[] = [];
  protected onNext(value: string): void {
    this.seen.push(value);
  }
  protected onError(error: unknown): void {
    this.seen.push(`error: ${(error as Error).message}`);
  }
  protected onComplete(): void {
    this.seen.push('complete');
  }
}

/** A source that counts the teardowns of its subscriptions. */
function counted(): { source$: Subject<string>; observable$: Observable<string>; teardowns: () => number } {
  const source$ = new Subject<string>();
  let teardowns = 0;
  const observable$ = new Observable<string>((subscriber) => {
    const inner = source$.subscribe(subscriber);
    return () => {
      teardowns++;
      inner.unsubscribe();
    };
  });
  return { source$, observable$, teardowns: () => teardowns };
}

describe('LeanSubscriber', () => {
  it('is taken by rxjs as the subscriber itself, wrapped in nothing', () => {
    const recorder = new Recorder();
    expect(new Subject<string>().subscribe(recorder)).toBe(recorder);
  });

  it('gets values, then the completion, and then undoes the subscription once', () => {
    newScheduler().run(({ cold, expectSubscriptions, flush }) => {
      const source = cold('-a-b-|');
      const recorder = new Recorder();
      source.subscribe(recorder);
      flush();
      expect(recorder.seen).toEqual(['a', 'b', 'complete']);
      expect(recorder.closed).toBe(true);
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('gets an error once, and then undoes the subscription', () => {
    const { source$, observable$, teardowns } = counted();
    const recorder = new Recorder();
    observable$.subscribe(recorder);
    source$.next('a');
    source$.error(new Error('reset'));
    recorder.error(new Error('again'));
    recorder.next('late');
    expect(recorder.seen).toEqual(['a', 'error: reset']);
    expect(teardowns()).toBe(1);
  });

  it('unsubscribed, it undoes the subscription without a word and hears nothing more', () => {
    const { source$, observable$, teardowns } = counted();
    const recorder = new Recorder();
    observable$.subscribe(recorder);
    source$.next('a');
    recorder.unsubscribe();
    recorder.unsubscribe();
    source$.next('b');
    source$.complete();
    expect(recorder.seen).toEqual(['a']);
    expect(teardowns()).toBe(1);
  });

  it('keeps several teardowns and undoes them all; one removed first is left alone', () => {
    const recorder = new Recorder();
    const undone: string[] = [];
    const removed = new Subscription(() => undone.push('removed'));
    recorder.add(() => undone.push('first'));
    recorder.add(removed);
    recorder.add(() => undone.push('third'));
    recorder.remove(removed);
    recorder.complete();
    expect(undone).toEqual(['first', 'third']);
  });

  it('runs a teardown added after its end at once', () => {
    const recorder = new Recorder();
    recorder.complete();
    let undone = false;
    recorder.add(() => (undone = true));
    expect(undone).toBe(true);
  });

  it('undoes a source that ends while it is being subscribed to', () => {
    let undone = 0;
    const recorder = new Recorder();
    new Observable<string>((subscriber) => {
      subscriber.next('a');
      subscriber.complete();
      return () => undone++;
    }).subscribe(recorder);
    expect(recorder.seen).toEqual(['a', 'complete']);
    expect(undone).toBe(1);
  });
});
