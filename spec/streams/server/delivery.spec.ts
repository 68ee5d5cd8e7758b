import { describe, expect, it } from '@jest/globals';
import { createDelivery } from '../../../streams/server/delivery.js';
import { since } from '../../../streams/server/history.js';

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5, 6);
const ISO0 = '2026-01-02T03:04:05.006Z';

function setup(options: { historySize?: number } = {}) {
  let clock = T0;
  const delivery = createDelivery({ epoch: 'run-1', historySize: options.historySize ?? 100, now: () => clock });
  return { delivery, tick: (ms: number) => (clock += ms) };
}

describe('createDelivery', () => {
  it('sends plain lines as they are, one send for all recipients', () => {
    const { delivery } = setup();
    expect(delivery.direct([1, 2], '* a', '! b')).toEqual([{ kind: 'send', to: [1, 2], lines: ['* a', '! b'] }]);
  });

  it('sends nothing to nobody', () => {
    const { delivery } = setup();
    delivery.tag(1, 's');
    expect(delivery.direct([], '* a')).toEqual([]);
    expect(delivery.room([], ['<x> a'])).toEqual([]);
    expect(delivery.replay(1, [])).toEqual([]);
  });

  it('tags direct lines for a tagged connection with the time only', () => {
    const { delivery } = setup();
    delivery.tag(2, 's2');
    expect(delivery.direct([1, 2, 3], '* hello')).toEqual([
      { kind: 'send', to: [1, 3], lines: ['* hello'] },
      { kind: 'send', to: [2], lines: [`@time=${ISO0} * hello`] },
    ]);
  });

  it('numbers room lines, tags them with seq and time for tagged connections, plain for the rest', () => {
    const { delivery, tick } = setup();
    delivery.tag(2, 's2');
    delivery.tag(4, 's4');
    expect(delivery.room([1, 2, 3, 4], ['<a> one', '<a> two'])).toEqual([
      { kind: 'send', to: [1, 3], lines: ['<a> one', '<a> two'] },
      { kind: 'send', to: [2, 4], lines: [`@seq=1;time=${ISO0} <a> one`, `@seq=2;time=${ISO0} <a> two`] },
    ]);
    tick(1000);
    expect(delivery.room([2], ['* b joined'])).toEqual([
      { kind: 'send', to: [2], lines: ['@seq=3;time=2026-01-02T03:04:06.006Z * b joined'] },
    ]);
  });

  it('keeps room lines in its history, even when nobody hears them, with the author session', () => {
    const { delivery } = setup();
    delivery.tag(1, 'alice-session');
    delivery.room([], ['* a joined']);
    delivery.room([2], ['<a> hi'], 1);
    delivery.room([1], ['<b> yo'], 2);
    expect(since(delivery.history, 0)).toEqual([
      { seq: 1, time: T0, line: '* a joined', author: undefined },
      { seq: 2, time: T0, line: '<a> hi', author: 'alice-session' },
      { seq: 3, time: T0, line: '<b> yo', author: undefined },
    ]);
    expect(delivery.history.epoch).toBe('run-1');
    expect(delivery.history.lastSeq).toBe(3);
  });

  it('keeps no more history than it was given room for', () => {
    const { delivery } = setup({ historySize: 2 });
    delivery.room([], ['a', 'b', 'c']);
    expect(since(delivery.history, 0).map((entry) => entry.line)).toEqual(['b', 'c']);
  });

  it('does not record direct lines', () => {
    const { delivery } = setup();
    delivery.direct([1], '* private');
    expect(delivery.history.lastSeq).toBe(0);
  });

  it('replays entries with their original seq and time, marked replay, to a tagged connection', () => {
    const { delivery, tick } = setup();
    delivery.room([], ['<a> one', '<a> two']);
    tick(60_000);
    delivery.tag(5, 's');
    expect(delivery.replay(5, since(delivery.history, 0))).toEqual([
      { kind: 'send', to: [5], lines: [`@seq=1;time=${ISO0};replay <a> one`, `@seq=2;time=${ISO0};replay <a> two`] },
    ]);
  });

  it('replays entries as plain lines to a plain connection', () => {
    const { delivery } = setup();
    delivery.room([], ['<a> one', '<a> two']);
    expect(delivery.replay(5, since(delivery.history, 0))).toEqual([{ kind: 'send', to: [5], lines: ['<a> one', '<a> two'] }]);
  });

  it('sends a raw line to a tagged connection only', () => {
    const { delivery } = setup();
    delivery.tag(1, 's');
    expect(delivery.raw(1, '@ack=7')).toEqual([{ kind: 'send', to: [1], lines: ['@ack=7'] }]);
    expect(delivery.raw(2, '@ack=7')).toEqual([]);
  });

  it('knows which connection holds a session, apart from the one asking', () => {
    const { delivery } = setup();
    delivery.tag(1, 'a');
    delivery.tag(2, 'b');
    expect(delivery.sessionOf(1)).toBe('a');
    expect(delivery.sessionOf(3)).toBeUndefined();
    expect(delivery.holderOf('a', 3)).toBe(1);
    expect(delivery.holderOf('a', 1)).toBeUndefined();
    expect(delivery.holderOf('c', 3)).toBeUndefined();
  });

  it('treats a forgotten connection as plain again', () => {
    const { delivery } = setup();
    delivery.tag(1, 'a');
    delivery.forget(1);
    expect(delivery.sessionOf(1)).toBeUndefined();
    expect(delivery.holderOf('a', 2)).toBeUndefined();
    expect(delivery.direct([1], '* x')).toEqual([{ kind: 'send', to: [1], lines: ['* x'] }]);
    expect(delivery.raw(1, '@ack=1')).toEqual([]);
  });

  it('remembers the last sequence number before each member joined, until it is forgotten', () => {
    const { delivery } = setup();
    delivery.room([], ['a', 'b']);
    delivery.joined(7);
    delivery.room([7], ['c']);
    expect(delivery.joinedAfter(7)).toBe(2);
    expect(delivery.joinedAfter(8)).toBeUndefined();
    delivery.forget(7);
    expect(delivery.joinedAfter(7)).toBeUndefined();
  });

  it('reads the clock once per batch, so one batch has one time', () => {
    let calls = 0;
    const delivery = createDelivery({ epoch: 'e', historySize: 10, now: () => T0 + 1000 * calls++ });
    delivery.tag(1, 's');
    const [send] = delivery.direct([1], '* a', '* b');
    expect(send).toEqual({ kind: 'send', to: [1], lines: [`@time=${ISO0} * a`, `@time=${ISO0} * b`] });
    delivery.room([1], ['x', 'y']);
    expect(new Set(since(delivery.history, 0).map((entry) => entry.time)).size).toBe(1);
  });
});
