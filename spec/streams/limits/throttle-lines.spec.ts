import { describe, expect, it } from '@jest/globals';
import { TestScheduler } from 'rxjs/testing';
import { throttleLines, type Throttled } from '../../../streams/limits/throttle-lines.js';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const items = (...lines: string[]): Throttled<string> => ({ kind: 'items', items: lines });
const paused: Throttled<string> = { kind: 'reading', paused: true };
const resumed: Throttled<string> = { kind: 'reading', paused: false };

describe('throttleLines', () => {
  it('passes lines within the burst at once', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-|', { a: ['1', '2'], b: ['3'] });
      const result = source.pipe(throttleLines<string>({ linesPerSecond: 1, burst: 3 }));
      expectObservable(result).toBe('a-b-|', { a: items('1', '2'), b: items('3') });
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('holds lines over the budget, pauses reading, releases them in order as tokens refill, then resumes', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a', { a: ['1', '2', '3', '4'] });
      const result = source.pipe(throttleLines<string>({ linesPerSecond: 1, burst: 2 }));
      expectObservable(result).toBe('(xp) 996ms y 999ms (zr)', {
        x: items('1', '2'),
        p: paused,
        y: items('3'),
        z: items('4'),
        r: resumed,
      });
    });
  });

  it('queues lines that arrive while others wait, behind them', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a 99ms b', { a: ['1', '2'], b: ['3'] });
      const result = source.pipe(throttleLines<string>({ linesPerSecond: 10, burst: 1 }));
      expectObservable(result).toBe('(xp) 96ms y 99ms (zr)', { x: items('1'), p: paused, y: items('2'), z: items('3'), r: resumed });
    });
  });

  it('completes only after every held line is released: nothing is dropped', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const source = cold('(a|)', { a: ['1', '2'] });
      const result = source.pipe(throttleLines<string>({ linesPerSecond: 2, burst: 1 }));
      expectObservable(result).toBe('(xp) 496ms (yr|)', { x: items('1'), p: paused, y: items('2'), r: resumed });
    });
  });

  it('delivers held lines before an error', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const source = cold('(a#)', { a: ['1', '2'] }, new Error('reset'));
      const result = source.pipe(throttleLines<string>({ linesPerSecond: 1, burst: 1 }));
      expectObservable(result).toBe('(xp) 996ms (yr#)', { x: items('1'), p: paused, y: items('2'), r: resumed }, new Error('reset'));
    });
  });

  it('refills the burst after a quiet spell', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a 1999ms b', { a: ['1', '2'], b: ['3', '4'] });
      const result = source.pipe(throttleLines<string>({ linesPerSecond: 1, burst: 2 }));
      expectObservable(result).toBe('a 1999ms b', { a: items('1', '2'), b: items('3', '4') });
    });
  });

  it('counts a value that is not a batch as one line of its own', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const notice = new Error('line too long');
      const source = cold<readonly (string | Error)[] | Error>('a-b', { a: notice, b: ['1', '2'] });
      const result = source.pipe(throttleLines<string | Error>({ linesPerSecond: 1, burst: 2 }));
      expectObservable(result).toBe('a-(xp) 994ms (yr)', {
        a: { kind: 'items', items: [notice] },
        x: { kind: 'items', items: ['1'] },
        p: paused,
        y: { kind: 'items', items: ['2'] },
        r: resumed,
      });
    });
  });

  it('is off at 0 lines per second', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const many = Array.from({ length: 1000 }, (_, i) => String(i));
      const source = cold('a|', { a: many });
      expectObservable(source.pipe(throttleLines<string>({ linesPerSecond: 0, burst: 1 }))).toBe('a|', { a: items(...many) });
    });
  });

  it('stops its clock when the source fails while nothing waits', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-#', { a: ['1'] }, new Error('reset'));
      expectObservable(source.pipe(throttleLines<string>({ linesPerSecond: 1, burst: 2 }))).toBe(
        'a-#',
        { a: items('1') },
        new Error('reset'),
      );
    });
  });

  it('stops its clock when unsubscribed', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a', { a: ['1', '2', '3'] });
      const result = source.pipe(throttleLines<string>({ linesPerSecond: 1, burst: 1 }));
      expectObservable(result, '^ 500ms !').toBe('(xp)', { x: items('1'), p: paused });
      expectSubscriptions(source.subscriptions).toBe('^ 500ms !');
    });
  });
});
