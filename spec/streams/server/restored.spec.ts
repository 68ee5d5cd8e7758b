import { describe, expect, it } from '@jest/globals';
import { parseTagged } from '../../../streams/protocol/tags.js';
import { DEFAULT_ADMISSION_LIMITS } from '../../../streams/server/admission.js';
import type { Effect, RouterEvent } from '../../../streams/server/events.js';
import type { HistoryEntry } from '../../../streams/server/history.js';
import type { ConnId, Restored } from '../../../streams/server/model.js';
import { createRouter, type Router } from '../../../streams/server/router.js';

/** A server with a data directory: what it keeps goes out as effects, what was kept comes in as `restored`. */

const open = (id: ConnId): RouterEvent => ({ kind: 'open', id, ip: `10.0.0.${id}`, port: 4000 });
const lines = (id: ConnId, ...batch: string[]): RouterEvent => ({ kind: 'lines', id, lines: batch });
const closed = (id: ConnId): RouterEvent => ({ kind: 'closed', id, reason: 'connection closed' });
const inbox = (effects: readonly Effect[], id: ConnId): string[] =>
  effects.flatMap((effect) => (effect.kind === 'send' && effect.to.includes(id) ? effect.lines : []));
const kept = (effects: readonly Effect[]) => effects.filter((effect) => effect.kind === 'store' || effect.kind === 'seen');

const NOTHING: Restored = { lastSeq: 0, rooms: new Map(), seenIds: [] };

function server(restored: Restored | undefined, historySize = 100): Router {
  return createRouter({
    name: 'server',
    mode: 'room',
    admission: DEFAULT_ADMISSION_LIMITS,
    now: () => 7,
    epoch: 'kept',
    historySize,
    restored,
  });
}

describe('a server with a data directory', () => {
  it('keeps each batch of room lines, numbered, before anyone is sent them', () => {
    const route = server(NOTHING);
    route(open(1));
    route(open(2));
    const effects = route(lines(1, 'a', 'b'));
    expect(effects[0]).toEqual({
      kind: 'store',
      room: '#lobby',
      seq: 3,
      time: 7,
      author: undefined,
      lines: ['<guest-1> a', '<guest-1> b'],
    });
    expect(effects.findIndex((effect) => effect.kind === 'send')).toBeGreaterThan(0);
  });

  it('keeps the new ids a tagged client sent before acknowledging them, and not again when they come back', () => {
    const route = server(NOTHING);
    route(open(1));
    route(lines(1, '/cap tcpchat session=s1'));
    const first = route(lines(1, '@id=s1.1 hi', '@id=s1.2 /who'));
    expect(kept(first)).toEqual([
      { kind: 'store', room: '#lobby', seq: 2, time: 7, author: 's1', lines: ['<guest-1> hi'] },
      { kind: 'seen', ids: ['s1.1', 's1.2'] },
    ]);
    const seen = first.findIndex((effect) => effect.kind === 'seen');
    expect(first.slice(seen + 1)).toEqual([{ kind: 'send', to: [1], lines: ['@ack=s1.2'] }]);
    expect(kept(route(lines(1, '@id=s1.2 /who')))).toEqual([]);
  });

  it('keeps nothing without one', () => {
    const route = server(undefined);
    route(open(1));
    route(lines(1, '/cap tcpchat session=s1'));
    expect(kept(route(lines(1, '@id=s1.1 hi')))).toEqual([]);
  });

  describe('started on what it kept', () => {
    const restored: Restored = {
      lastSeq: 40,
      rooms: new Map<string, HistoryEntry[]>([
        ['#lobby', [1, 2, 3].map((n) => ({ seq: n * 10, time: n, line: `<ada> lobby ${n}` }))],
        ['#dev', [{ seq: 35, time: 4, line: '<bob> dev 1', author: 'bob-session' }]],
      ]),
      seenIds: ['s1.1', 's1.2'],
    };

    it('goes on numbering after the last number kept', () => {
      const route = server(restored);
      route(open(1));
      expect(kept(route(lines(1, 'next')))).toEqual([expect.objectContaining({ kind: 'store', seq: 42 })]);
    });

    it('shows a newcomer the last lines of the first room, and /history of another room finds its lines', () => {
      const route = server(restored);
      expect(inbox(route(open(1)), 1)).toEqual(expect.arrayContaining(['<ada> lobby 1', '<ada> lobby 3']));
      route(lines(1, '/join #dev'));
      expect(inbox(route(lines(1, '/history')), 1)).toContain('<bob> dev 1');
    });

    it('keeps at most --history lines of each room in memory', () => {
      const route = server(restored, 2);
      expect(inbox(route(open(1)), 1)).toEqual(expect.arrayContaining(['* history: the last 2 lines', '<ada> lobby 2', '<ada> lobby 3']));
      expect(inbox(route(open(1)), 1)).not.toContain('<ada> lobby 1');
    });

    it('replays to a client resuming with the same epoch exactly what it missed, and skips the ids it had acknowledged', () => {
      const route = server(restored);
      route(open(1));
      const answer = route(lines(1, '/cap tcpchat session=s1 resume=kept:20 room=#lobby'));
      const replayed = inbox(answer, 1)
        .map(parseTagged)
        .filter(({ tags }) => tags.replay !== undefined)
        .map(({ text }) => text);
      expect(replayed).toEqual(['<ada> lobby 3']);
      expect(inbox(answer, 1).join('\n')).not.toContain('restarted');
      const resent = route(lines(1, '@id=s1.2 <ada> lobby 3'));
      expect(inbox(resent, 1)).toEqual(['@ack=s1.2']);
      expect(kept(resent)).toEqual([]);
    });

    const notices = (route: Router, cap: string): string[] =>
      inbox(route(lines(1, cap)), 1)
        .map((line) => parseTagged(line).text)
        .filter((text) => text.includes('can no longer be replayed'));

    it('tells a client resuming in another room than the first of no lines gone when that room lost none', () => {
      const route = server(restored);
      route(open(1));
      expect(notices(route, '/cap tcpchat session=s1 resume=kept:5 room=#dev')).toEqual([]);
    });

    it('tells a client resuming from before lines its room no longer has how many are gone, at most', () => {
      const route = server({ ...restored, dropped: new Map([['#dev', 33]]) });
      route(open(1));
      expect(notices(route, '/cap tcpchat session=s1 resume=kept:5 room=#dev')).toEqual([
        '* 28 lines you missed can no longer be replayed (too old for the history)',
      ]);
    });

    it('keeps the history of a room everyone left, so it is there when someone comes back', () => {
      const route = server(restored);
      route(open(1));
      route(lines(1, '/join #dev'));
      route(lines(1, 'more'));
      route(closed(1));
      route(open(2));
      route(lines(2, '/join #dev'));
      expect(inbox(route(lines(2, '/history')), 2)).toEqual(expect.arrayContaining(['<bob> dev 1', '<guest-1> more']));
    });
  });

  it('keeps at most 1000 empty rooms’ histories in memory, dropping the oldest (its lines stay on disk)', () => {
    const rooms = new Map(Array.from({ length: 1001 }, (_, n) => [`#r${n}`, [{ seq: n + 1, time: 0, line: `<ada> in r${n}` }]] as const));
    const route = server({ lastSeq: 1001, rooms, seenIds: [] });
    route(open(1));
    route(lines(1, '/join #r0'));
    expect(inbox(route(lines(1, '/history')), 1)).not.toContain('<ada> in r0');
    route(lines(1, '/join #r1000'));
    expect(inbox(route(lines(1, '/history')), 1)).toContain('<ada> in r1000');
  });

  describe('/history since and /search', () => {
    const asked = (effects: readonly Effect[]) => effects.filter((effect) => effect.kind === 'query');

    it('go to the data directory as a query for the member’s room, and its answer comes back to that member', () => {
      const route = server(NOTHING);
      route(open(1));
      route(lines(1, '/join #dev'));
      expect(asked(route(lines(1, '/search deploy failed')))).toEqual([
        { kind: 'query', id: 1, room: '#dev', query: { kind: 'search', words: ['deploy', 'failed'] }, limit: 50 },
      ]);
      expect(asked(route(lines(1, '/history since 2h')))).toEqual([
        { kind: 'query', id: 1, room: '#dev', query: { kind: 'since', time: 7 - 7_200_000 }, limit: 50 },
      ]);
      const entries = [{ seq: 3, time: Date.UTC(2026, 11, 5, 7, 8), line: '<ada> the deploy failed' }];
      expect(inbox(route({ kind: 'answer', id: 1, query: { kind: 'search', words: ['deploy'] }, entries }), 1)).toEqual([
        '* history: the last 1 line',
        '[2026-12-05 07:08] <ada> the deploy failed',
        '* end of history',
      ]);
      expect(inbox(route({ kind: 'answer', id: 1, query: { kind: 'search', words: ['x'] }, entries: [] }), 1)).toEqual([
        '* no line here holds those words',
      ]);
    });

    it('give a tagged client the lines replayed with their time', () => {
      const route = server(NOTHING);
      route(open(1));
      route(lines(1, '/cap tcpchat session=s1'));
      const entries = [{ seq: 3, time: 0, line: '<ada> hi' }];
      expect(inbox(route({ kind: 'answer', id: 1, query: { kind: 'since', time: 0 }, entries }), 1)).toEqual([
        '@seq=3;time=1970-01-01T00:00:00.000Z;replay <ada> hi',
      ]);
    });

    it('without a data directory: /history since answers from memory, /search says what it needs', () => {
      let now = 0;
      const route = createRouter({ name: 'server', mode: 'room', admission: DEFAULT_ADMISSION_LIMITS, now: () => now, announceMax: 0 });
      route(open(1));
      route(lines(1, 'old'));
      now = 3_600_000;
      route(lines(1, 'new'));
      expect(inbox(route(lines(1, '/history since 30m')), 1)).toEqual([
        '* history: the last 1 line',
        '[1970-01-01 01:00] <guest-1> new',
        '* end of history',
      ]);
      expect(inbox(route(lines(1, '/search old')), 1)).toEqual(['! search needs a data directory (serve --data DIR)']);
      expect(asked(route(lines(1, '/search old')))).toEqual([]);
    });

    it('answer nothing to a member that left before the answer came', () => {
      const route = server(NOTHING);
      route(open(1));
      route(closed(1));
      expect(route({ kind: 'answer', id: 1, query: { kind: 'since', time: 0 }, entries: [{ seq: 1, time: 0, line: 'x' }] })).toEqual([]);
    });
  });
});
