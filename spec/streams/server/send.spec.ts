import { describe, expect, it } from '@jest/globals';
import { since } from '../../../streams/server/history.js';
import { tag, type ServerModel } from '../../../streams/server/model.js';
import { direct, raw, replay, sayHere } from '../../../streams/server/send.js';
import { addMember, testModel } from './model-fixture.js';

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5, 6);
const ISO0 = '2026-01-02T03:04:05.006Z';

/** Members 1..n in the first room; `tagged` of them with sessions `s<id>`. */
function setup(options: { members?: number; tagged?: number[]; historySize?: number } = {}) {
  let clock = T0;
  const model = testModel({ historySize: options.historySize ?? 100, now: () => clock });
  for (let id = 1; id <= (options.members ?? 0); id++) addMember(model, id);
  for (const id of options.tagged ?? []) tag(model.conns.get(id)!, `s${id}`);
  return { model, room: model.firstRoom, tick: (ms: number) => (clock += ms) };
}
const kept = (model: ServerModel) => since(model.firstRoom.history, 0);

describe('send', () => {
  it('sends plain lines as they are, one send for all recipients', () => {
    const { model } = setup({ members: 2 });
    expect(direct(model, [1, 2], '* a', '! b')).toEqual([{ kind: 'send', to: [1, 2], lines: ['* a', '! b'] }]);
  });

  it('sends nothing to nobody', () => {
    const { model, room } = setup({ members: 1, tagged: [1] });
    expect(direct(model, [], '* a')).toEqual([]);
    expect(sayHere(model, room, 1, ['<x> a'])).toEqual([]);
    expect(replay(model, 1, [])).toEqual([]);
  });

  it('tags direct lines for a tagged connection with the time only', () => {
    const { model } = setup({ members: 3, tagged: [2] });
    expect(direct(model, [1, 2, 3], '* hello')).toEqual([
      { kind: 'send', to: [1, 3], lines: ['* hello'] },
      { kind: 'send', to: [2], lines: [`@time=${ISO0} * hello`] },
    ]);
  });

  it('numbers room lines, tags them with seq and time for tagged members, plain for the rest, never back to the author', () => {
    const { model, room, tick } = setup({ members: 5, tagged: [2, 4] });
    expect(sayHere(model, room, 5, ['<a> one', '<a> two'])).toEqual([
      { kind: 'send', to: [1, 3], lines: ['<a> one', '<a> two'] },
      { kind: 'send', to: [2, 4], lines: [`@seq=1;time=${ISO0} <a> one`, `@seq=2;time=${ISO0} <a> two`] },
    ]);
    tick(1000);
    expect(sayHere(model, room, undefined, ['* b joined'])[1]).toEqual({
      kind: 'send',
      to: [2, 4],
      lines: ['@seq=3;time=2026-01-02T03:04:06.006Z * b joined'],
    });
  });

  it('keeps room lines in the room history, even when nobody hears them, with the author session', () => {
    const { model, room } = setup({ members: 2, tagged: [1] });
    sayHere(model, room, undefined, ['* a joined']);
    sayHere(model, room, 1, ['<a> hi']);
    sayHere(model, room, 2, ['<b> yo']);
    expect(kept(model)).toEqual([
      { seq: 1, time: T0, line: '* a joined', author: undefined },
      { seq: 2, time: T0, line: '<a> hi', author: 's1' },
      { seq: 3, time: T0, line: '<b> yo', author: undefined },
    ]);
    expect(model.sequence.lastSeq).toBe(3);
  });

  it('keeps no more history than it was given room for', () => {
    const { model, room } = setup({ historySize: 2 });
    sayHere(model, room, undefined, ['a', 'b', 'c']);
    expect(kept(model).map((entry) => entry.line)).toEqual(['b', 'c']);
  });

  it('does not record direct lines', () => {
    const { model } = setup({ members: 1 });
    direct(model, [1], '* private');
    expect(model.sequence.lastSeq).toBe(0);
  });

  it('replays entries with their original seq and time, marked replay, to a tagged connection', () => {
    const { model, room, tick } = setup({ members: 1, tagged: [1] });
    sayHere(model, room, undefined, ['<a> one', '<a> two']);
    tick(60_000);
    expect(replay(model, 1, kept(model))).toEqual([
      { kind: 'send', to: [1], lines: [`@seq=1;time=${ISO0};replay <a> one`, `@seq=2;time=${ISO0};replay <a> two`] },
    ]);
  });

  it('replays entries as plain lines to a plain connection', () => {
    const { model, room } = setup({ members: 1 });
    sayHere(model, room, undefined, ['<a> one', '<a> two']);
    expect(replay(model, 1, kept(model))).toEqual([{ kind: 'send', to: [1], lines: ['<a> one', '<a> two'] }]);
  });

  it('sends a raw line to a tagged connection only', () => {
    const { model } = setup({ members: 2, tagged: [1] });
    expect(raw(model, 1, '@ack=7')).toEqual([{ kind: 'send', to: [1], lines: ['@ack=7'] }]);
    expect(raw(model, 2, '@ack=7')).toEqual([]);
  });

  it('reads the clock once per batch, so one batch has one time', () => {
    let calls = 0;
    const model = testModel({ now: () => T0 + 1000 * calls++ });
    tag(addMember(model, 1), 's');
    const [send] = direct(model, [1], '* a', '* b');
    expect(send).toEqual({ kind: 'send', to: [1], lines: [`@time=${ISO0} * a`, `@time=${ISO0} * b`] });
    sayHere(model, model.firstRoom, undefined, ['x', 'y']);
    expect(new Set(kept(model).map((entry) => entry.time)).size).toBe(1);
  });
});
