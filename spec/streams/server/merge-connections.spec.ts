import { describe, expect, it } from '@jest/globals';
import { take, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { mergeConnections, type ConnectionEvent, type ConnectionPeer } from '../../../streams/server/merge-connections.js';
import type { ConnId } from '../../../streams/server/model.js';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

interface Peer extends ConnectionPeer {
  readonly input$: Observable<string>;
}

const peer = (id: number, input$: Observable<string>): Peer => ({ id, ip: `10.0.0.${id}`, port: 4000, input$ });
const input = (connection: Peer): Observable<string> => connection.input$;
/** Each value a batch of lines. */
const lines = (id: ConnId, value: string): readonly ConnectionEvent[] => [{ kind: 'lines', id, lines: [value] }];

const open = (id: number): readonly ConnectionEvent[] => [{ kind: 'open', id, ip: `10.0.0.${id}`, port: 4000 }];
const said = (id: number, line: string): readonly ConnectionEvent[] => [{ kind: 'lines', id, lines: [line] }];
const closed = (id: number, reason = 'connection closed'): readonly ConnectionEvent[] => [{ kind: 'closed', id, reason }];

describe('mergeConnections', () => {
  it('opens each connection, maps its input, closes it when its input completes, and completes after the last', () => {
    newScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const input1 = cold('  --x--|');
      const input2 = cold('         --y-----|');
      const source = hot('  -a-------b----|', { a: peer(1, input1), b: peer(2, input2) });
      const expected = '    -a-x--c--b-y-----(d|)';

      expectObservable(source.pipe(mergeConnections(input, lines))).toBe(expected, {
        a: open(1),
        x: said(1, 'x'),
        c: closed(1),
        b: open(2),
        y: said(2, 'y'),
        d: closed(2),
      });
      expectSubscriptions(input1.subscriptions).toBe('-^----!');
      expectSubscriptions(input2.subscriptions).toBe('---------^-------!');
      expectSubscriptions(source.subscriptions).toBe('^-------------!');
    });
  });

  it('closes a connection whose input fails, saying why, and goes on with the others', () => {
    newScheduler().run(({ cold, hot, expectObservable }) => {
      const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
      const input1 = cold('  --#', undefined, reset);
      const input2 = cold('   -----x-|');
      const source = hot('  -ab', { a: peer(1, input1), b: peer(2, input2) });
      const expected = '    -abc---x-d';

      expectObservable(source.pipe(mergeConnections(input, lines))).toBe(expected, {
        a: open(1),
        b: open(2),
        c: closed(1, 'connection reset'),
        x: said(2, 'x'),
        d: closed(2),
      });
    });
  });

  it('closes a connection whose value cannot be turned into events, and stops reading it', () => {
    newScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const input1 = cold('  --x--y--|');
      const source = hot('  -a', { a: peer(1, input1) });
      const failing = (id: ConnId, value: string): readonly ConnectionEvent[] => {
        if (value === 'y') throw new Error('no sense in it');
        return lines(id, value);
      };

      expectObservable(source.pipe(mergeConnections(input, failing))).toBe('-a-x--c', {
        a: open(1),
        x: said(1, 'x'),
        c: closed(1, 'no sense in it'),
      });
      expectSubscriptions(input1.subscriptions).toBe('-^----!');
    });
  });

  it('tells of a connection whose input has ended before it could be read', () => {
    newScheduler().run(({ cold, hot, expectObservable }) => {
      const source = hot('  -a------|', { a: peer(1, cold('|')) });
      expectObservable(source.pipe(mergeConnections(input, lines))).toBe('-(ac)---|', { a: open(1), c: closed(1) });
    });
  });

  it('passes a failure of the source on, and stops reading every connection', () => {
    newScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const input1 = cold('  -----x');
      const source = hot('  -a--#', { a: peer(1, input1) }, new Error('cannot listen'));
      expectObservable(source.pipe(mergeConnections(input, lines))).toBe('-a--#', { a: open(1) }, new Error('cannot listen'));
      expectSubscriptions(input1.subscriptions).toBe('-^--!');
    });
  });

  it('stops reading every connection, and tells nothing more, when unsubscribed', () => {
    newScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const input1 = cold('  ---x---');
      const input2 = cold('   -------y');
      const source = hot('  -ab------', { a: peer(1, input1), b: peer(2, input2) });
      expectObservable(source.pipe(mergeConnections(input, lines)), '^---!').toBe('-ab-', { a: open(1), b: open(2) });
      expectSubscriptions(input1.subscriptions).toBe('-^--!');
      expectSubscriptions(input2.subscriptions).toBe('--^-!');
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('stops reading the connections still open when unsubscribed after most of the others have closed', () => {
    newScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const short = cold('-|');
      const long1 = cold('-----------x');
      const long2 = cold('-----------y');
      const peers = { a: peer(1, long1), b: peer(2, short), c: peer(3, short), d: peer(4, long2), e: peer(5, short) };
      const source = hot('  -a-b-c-d-e---', peers);
      expectObservable(source.pipe(mergeConnections(input, lines)), '^-----------!').toBe('-a-bcdef-gh', {
        a: open(1),
        b: open(2),
        c: closed(2),
        d: open(3),
        e: closed(3),
        f: open(4),
        g: open(5),
        h: closed(5),
      });
      expectSubscriptions(long1.subscriptions).toBe('-^----------!');
      expectSubscriptions(long2.subscriptions).toBe('-------^----!');
    });
  });

  it('does not read a connection when what it was told of its opening was all that was wanted', () => {
    newScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const input1 = cold('  -x-|');
      const source = hot('  -a--', { a: peer(1, input1) });
      expectObservable(source.pipe(mergeConnections(input, lines), take(1))).toBe('-(a|)', { a: open(1) });
      expectSubscriptions(input1.subscriptions).toBe([]);
    });
  });
});
