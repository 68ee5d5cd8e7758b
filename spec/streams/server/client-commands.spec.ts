import { describe, expect, it } from '@jest/globals';
import { parseConsoleLine } from '../../../streams/protocol/console-command.js';
import { parseTagged } from '../../../streams/protocol/tags.js';
import { DEFAULT_ADMISSION_LIMITS } from '../../../streams/server/admission.js';
import type { Effect, RouterEvent } from '../../../streams/server/events.js';
import type { ConnId } from '../../../streams/server/model.js';
import { createRouter, type Router } from '../../../streams/server/router.js';

// `/cap`, resume, the stale-session takeover and `/history`, through the router as the server uses them.

const EPOCH = 'run-7';
const TIME = '1970-01-01T00:00:00.000Z';

const route = (options: { relay?: boolean; epoch?: string; historySize?: number } = {}): Router =>
  createRouter({
    name: 'server',
    mode: options.relay === false ? 'console-only' : 'room',
    admission: DEFAULT_ADMISSION_LIMITS,
    now: () => 0,
    epoch: EPOCH,
    ...options,
  });

const open = (id: ConnId): RouterEvent => ({ kind: 'open', id, ip: `10.0.0.${id}`, port: 4000 });
const lines = (id: ConnId, ...batch: string[]): RouterEvent => ({ kind: 'lines', id, lines: batch });
const closed = (id: ConnId, reason = 'connection closed'): RouterEvent => ({ kind: 'closed', id, reason });
const typed = (line: string): RouterEvent => ({ kind: 'console', command: parseConsoleLine(line) });
const cap = (id: ConnId, session: string, resume?: string): RouterEvent =>
  lines(id, `/cap tcpchat session=${session}${resume === undefined ? '' : ` resume=${resume}`}`);

const inbox = (effects: readonly Effect[], id: ConnId): string[] =>
  effects.flatMap((effect) => (effect.kind === 'send' && effect.to.includes(id) ? effect.lines : []));
const closes = (effects: readonly Effect[]) => effects.filter((effect) => effect.kind === 'close');
/** Room lines as a tagged client reads them: seq, text, replayed or not. */
const seqs = (received: readonly string[]) =>
  received
    .map(parseTagged)
    .filter((line) => line.tags.seq !== undefined && line.tags.cap === undefined)
    .map(({ tags, text }) => ({ seq: Number(tags.seq), text, replay: tags.replay !== undefined }));
const capAnswer = (seq: number, epoch = EPOCH, missed?: number, run = epoch) =>
  `@cap=tcpchat;epoch=${epoch};seq=${seq};privates=${run}${missed === undefined ? '' : `;missed=${missed}`}`;

describe('/cap', () => {
  it('answers the sender alone with the capability, the epoch and the last sequence number', () => {
    const r = route();
    r(open(1)); // * guest-1 joined: seq 1, heard by nobody
    r(open(2)); // * guest-2 joined: seq 2
    expect(r(cap(1, 'a'))).toEqual([{ kind: 'send', to: [1], lines: [capAnswer(2)] }]);
  });

  it('tags what the connection gets from then on, and only for that connection', () => {
    const r = route();
    r(open(1));
    r(open(2));
    const effects = r(lines(1, '/cap tcpchat session=a', '/who', 'hi'));
    expect(inbox(effects, 1)).toEqual([capAnswer(2), `@time=${TIME} * online in #lobby (3): server, guest-1, guest-2`]);
    expect(inbox(effects, 2)).toEqual(['<guest-1> hi']);
    expect(inbox(r(lines(2, 'yo')), 1)).toEqual([`@seq=4;time=${TIME} <guest-2> yo`]);
  });

  it('reads the capability name in any case', () => {
    const r = route();
    r(open(1));
    expect(inbox(r(lines(1, '/CAP TCPCHAT session=a')), 1)).toEqual([capAnswer(1)]);
  });

  it('refuses an unknown capability with an error line and stays plain', () => {
    const r = route();
    r(open(1));
    expect(inbox(r(lines(1, '/cap irc session=a')), 1)).toEqual(['! unknown capability irc']);
    expect(inbox(r(lines(1, '/who')), 1)).toEqual(['* online in #lobby (2): server, guest-1']);
  });

  it('without a name answers with its usage', () => {
    const r = route();
    r(open(1));
    expect(inbox(r(lines(1, '/cap')), 1)).toEqual(['! usage: /cap NAME [KEY=VALUE...]']);
  });

  it('without a session names one after the connection, so two such clients never displace each other', () => {
    const r = route();
    r(open(1));
    r(open(2));
    r(lines(1, '/cap tcpchat'));
    const effects = r(lines(2, '/cap tcpchat'));
    expect(closes(effects)).toEqual([]);
    expect(inbox(effects, 2)).toEqual([capAnswer(2)]);
  });

  it('uses epoch 0 when the server names none', () => {
    const r = createRouter({ name: 'server', mode: 'room', admission: DEFAULT_ADMISSION_LIMITS, now: () => 0 });
    r(open(1));
    expect(inbox(r(cap(1, 'a')), 1)).toEqual([capAnswer(1, '0')]);
  });

  it('asked again by the same connection keeps it, answering once more', () => {
    const r = route();
    r(open(1));
    r(cap(1, 'a'));
    const effects = r(cap(1, 'a'));
    expect(closes(effects)).toEqual([]);
    expect(inbox(effects, 1)).toEqual([capAnswer(1)]);
  });
});

describe('resume', () => {
  /**
   * Client 1 (session a) saw up to its seq `seen`, said a line of its own after that, and lost its
   * connection; meanwhile the room went on; then it comes back as connection 3.
   */
  function missedWhileAway(options: { relay?: boolean } = {}) {
    const r = route(options);
    r(open(1));
    r(open(2));
    r(cap(1, 'a'));
    const seen = Math.max(...seqs(inbox(r(lines(2, 'before')), 1)).map((line) => line.seq));
    r(lines(1, '@id=a.1 mine, after what I saw'));
    r(lines(2, 'missed one', '/me missed two'));
    r(closed(1));
    r(typed('missed three'));
    r(open(3));
    return { r, seen };
  }

  it('replays exactly the missed room lines, once, in order, marked replay, after the answer', () => {
    const { r, seen } = missedWhileAway();
    const received = inbox(r(cap(3, 'a', `${EPOCH}:${seen}`)), 3);
    expect(received[0]).toBe(capAnswer(seen + 6, EPOCH, 3)); // how many replayed lines follow
    expect(seqs(received.slice(1))).toEqual([
      { seq: seen + 2, text: '<guest-2> missed one', replay: true },
      { seq: seen + 3, text: '* guest-2 missed two', replay: true },
      // seen + 4, its own old connection leaving, is its own line: not replayed.
      { seq: seen + 5, text: '<server> missed three', replay: true },
    ]);
    expect(received).toHaveLength(4);
    expect(received.slice(1).every((line) => line.startsWith('@seq=') && line.includes(`;time=${TIME};replay `))).toBe(true);
  });

  it("leaves out the client's own lines, its own join notice and its old connection's leaving", () => {
    const { r, seen } = missedWhileAway();
    const texts = seqs(inbox(r(cap(3, 'a', `${EPOCH}:${seen}`)), 3)).map((line) => line.text);
    expect(texts.some((text) => text.includes('mine'))).toBe(false);
    expect(texts).not.toContain('* guest-3 joined');
    expect(texts).not.toContain('* guest-1 left (connection closed)');
  });

  it('leaves out the join of an earlier attempt of its own, which joined as a guest before it named its session', () => {
    const { r, seen } = missedWhileAway();
    r(cap(3, 'a', `${EPOCH}:${seen}`)); // its answer lost with the link: the client is still at `seen`
    r(open(4)); // the next attempt; connection 3, still a member, is the one it gave up on
    const texts = seqs(inbox(r(cap(4, 'a', `${EPOCH}:${seen}`)), 4)).map((line) => line.text);
    expect(texts).toEqual(['<guest-2> missed one', '* guest-2 missed two', '<server> missed three']);
  });

  it('carries on live after the replay, with the next numbers', () => {
    const { r, seen } = missedWhileAway();
    r(cap(3, 'a', `${EPOCH}:${seen}`));
    expect(seqs(inbox(r(lines(2, 'now')), 3))).toEqual([{ seq: seen + 7, text: '<guest-2> now', replay: false }]);
  });

  it('does not replay a line that reached the new connection live before it asked for tags', () => {
    const { r, seen } = missedWhileAway();
    expect(inbox(r(lines(2, 'said between join and cap')), 3)).toEqual(['<guest-2> said between join and cap']);
    const received = inbox(r(cap(3, 'a', `${EPOCH}:${seen}`)), 3);
    expect(received[0]).toBe(capAnswer(seen + 7, EPOCH, 3));
    const texts = seqs(received).map((line) => line.text);
    expect(texts).not.toContain('<guest-2> said between join and cap');
    expect(texts).toHaveLength(3);
  });

  it('from sequence 0 replays all the history kept, except its own lines', () => {
    const { r } = missedWhileAway();
    const texts = seqs(inbox(r(cap(3, 'a', `${EPOCH}:0`)), 3)).map((line) => line.text);
    // Its own lines include its first connection's join (said before that connection named the session).
    expect(texts).toEqual([
      '* guest-2 joined',
      '<guest-2> before',
      '<guest-2> missed one',
      '* guest-2 missed two',
      '<server> missed three',
    ]);
  });

  it('replays nothing from the newest sequence number', () => {
    const { r } = missedWhileAway();
    const last = r(cap(3, 'b'));
    const newest = Number(parseTagged(inbox(last, 3)[0]).tags.seq);
    r(open(4));
    expect(inbox(r(cap(4, 'c', `${EPOCH}:${newest + 1}`)), 4)).toEqual([capAnswer(newest + 1, EPOCH, 0)]);
  });

  it('replays only what is still kept when the history has moved on', () => {
    const r = route({ historySize: 3 });
    r(open(1));
    r(open(2));
    r(lines(2, 'a', 'b', 'c')); // 3, 4, 5
    r(open(3)); // 6; history keeps 4..6
    const received = inbox(r(cap(3, 's', `${EPOCH}:1`)), 3);
    expect(seqs(received).map((line) => line.text)).toEqual(['<guest-2> b', '<guest-2> c']);
    // 2 (guest-2 joined) and 3 (a) are gone: it is told so, in one line, before the rest.
    expect(received.slice(1, 2)).toEqual([`@time=${TIME} * 2 lines you missed can no longer be replayed (too old for the history)`]);
  });

  it("counts as gone only the others' lines, not its own it never got back (its lines, rename and leaving)", () => {
    const r = route({ historySize: 5 });
    r(open(1));
    r(open(2));
    const seen = Number(parseTagged(inbox(r(cap(1, 'a')), 1)[0]).tags.seq); // 2
    r(lines(1, '/nick ada', '@id=a.1 mine', '@id=a.2 mine too')); // 3, 4, 5: its own
    r(lines(2, 'one', 'two', 'three')); // 6, 7, 8
    r(closed(1)); // 9: its own leaving
    r(lines(2, 'four', 'five')); // 10, 11
    r(open(3)); // 12, its newcomer's join; history keeps 8..12
    const received = inbox(r(cap(3, 'a', `${EPOCH}:${seen}`)), 3);
    expect(seqs(received).map((line) => line.text)).toEqual(['<guest-2> three', '<guest-2> four', '<guest-2> five']);
    // Of 3..7, gone from the history, its own 3, 4 and 5 were never to be replayed: 6 and 7 are what it lost.
    expect(received[1]).toBe(`@time=${TIME} * 2 lines you missed can no longer be replayed (too old for the history)`);
  });

  it('says nothing is gone when all it missed is still kept', () => {
    const { r, seen } = missedWhileAway();
    expect(inbox(r(cap(3, 'a', `${EPOCH}:${seen}`)), 3).some((line) => line.includes('can no longer be replayed'))).toBe(false);
  });

  it('from another server run says that earlier history is gone, and replays what this run heard, except its own lines', () => {
    const { r, seen } = missedWhileAway();
    const received = inbox(r(cap(3, 'a', `an-older-run:${seen}`)), 3);
    expect(received.slice(0, 2)).toEqual([
      capAnswer(seen + 6, EPOCH, 5),
      `@time=${TIME} * the server has restarted since; what was said before is gone, and a line sent as it went down may show twice`,
    ]);
    // Here "this run" is all of it: after a real restart it is what was said since (while the client was away).
    const replayed = seqs(received.slice(2));
    expect(replayed.map((line) => line.text)).toEqual([
      '* guest-2 joined',
      '<guest-2> before',
      '<guest-2> missed one',
      '* guest-2 missed two',
      '<server> missed three',
    ]);
    expect(replayed.every((line, index) => line.replay && (index === 0 || line.seq > replayed[index - 1].seq))).toBe(true);
  });

  it('works with an epoch that contains colons, such as a time', () => {
    const epoch = '2026-11-27T00:24:18Z';
    const r = route({ epoch });
    r(open(1));
    r(open(2));
    r(lines(2, 'x'));
    r(open(3));
    expect(inbox(r(cap(3, 's', `${epoch}:2`)), 3)).toEqual([
      `@cap=tcpchat;epoch=${epoch};seq=4;privates=${epoch};missed=1`,
      `@seq=3;time=${TIME};replay <guest-2> x`,
    ]);
  });

  it('in console mode replays only what the console said to everyone', () => {
    const r = route({ relay: false });
    r(open(1));
    r(cap(1, 'a'));
    r(typed('first'));
    r(closed(1));
    r(open(2));
    r(lines(2, 'a client message the others never saw'));
    r(typed('second'));
    r(open(3));
    expect(seqs(inbox(r(cap(3, 'a', `${EPOCH}:1`)), 3))).toEqual([{ seq: 2, text: '<server> second', replay: true }]);
  });
});

describe('a /cap with a session another connection holds', () => {
  function reconnect() {
    const r = route();
    r(open(1));
    r(open(2));
    r(lines(1, '/nick alice', '/cap tcpchat session=a'));
    r(open(3)); // the same client, back after its old connection went quiet
    return r;
  }

  it('closes the stale connection as reconnected and tells the room it left', () => {
    const r = reconnect();
    const effects = r(cap(3, 'a'));
    expect(closes(effects)).toEqual([{ kind: 'close', id: 1, reason: 'reconnected' }]);
    expect(inbox(effects, 2)).toEqual(['* alice left (reconnected)']);
    expect(inbox(effects, 1)).toEqual([]);
    // Its own old connection's leave is no news to the client back on connection 3.
    expect(inbox(effects, 3).filter((line) => line.includes('left'))).toEqual([]);
    expect(effects).toContainEqual({
      kind: 'log',
      entries: [{ type: 'leave', id: 1, from: 'alice', reason: 'reconnected', room: '#lobby' }],
    });
  });

  it('frees the nick for the new connection in the same batch', () => {
    const r = reconnect();
    const effects = r(lines(3, '/cap tcpchat session=a', '/nick alice'));
    expect(inbox(effects, 3)).toContain(`@time=${TIME} * you are now alice`);
    expect(inbox(effects, 2)).toEqual(['* alice left (reconnected)', '* guest-3 is now alice']);
  });

  it('closes the older connection instead when its /cap comes after the newer one’s (held up on a link that stalled one way)', () => {
    const r = route();
    r(open(1));
    r(open(2));
    r(open(3));
    r(lines(3, '/cap tcpchat session=a', '/nick alice'));
    const effects = r(lines(1, '/cap tcpchat session=a', '/nick alice'));
    expect(closes(effects)).toEqual([{ kind: 'close', id: 1, reason: 'reconnected' }]);
    expect(inbox(effects, 1)).toEqual([]);
    expect(inbox(effects, 3)).toEqual([`@seq=5;time=${TIME} * guest-1 left (reconnected)`]);
    expect(inbox(r(lines(2, '/who')), 2)).toEqual(['* online in #lobby (3): server, guest-2, alice']);
  });

  it('sends nothing more to the stale connection, and its later close is no second leave', () => {
    const r = reconnect();
    r(cap(3, 'a'));
    expect(inbox(r(lines(2, 'hello')), 1)).toEqual([]);
    expect(r(closed(1))).toEqual([]);
    expect(r(lines(1, 'late'))).toEqual([]);
  });

  it('leaves a connection with another session alone', () => {
    const r = reconnect();
    expect(closes(r(cap(3, 'b')))).toEqual([]);
  });
});

describe('/history', () => {
  function chatted(count: number, options: { relay?: boolean } = {}) {
    const r = route(options);
    r(open(1));
    for (let n = 1; n <= count; n++) r(lines(1, `line ${n}`));
    r(open(2));
    return r;
  }

  it('gives a plain client the last N room lines between two notices', () => {
    const r = chatted(5);
    expect(r(lines(2, '/history 2'))).toEqual([
      { kind: 'send', to: [2], lines: ['* history: the last 2 lines', '<guest-1> line 5', '* guest-2 joined', '* end of history'] },
    ]);
  });

  it('gives the last 20 by default', () => {
    const r = chatted(30);
    const received = inbox(r(lines(2, '/history')), 2);
    expect(received[0]).toBe('* history: the last 20 lines');
    expect(received.slice(1, -1)).toEqual([...Array.from({ length: 19 }, (_, i) => `<guest-1> line ${i + 12}`), '* guest-2 joined']);
    expect(received.at(-1)).toBe('* end of history');
  });

  it('says line for one, and says so when there is none', () => {
    const r = chatted(0, { relay: false });
    expect(inbox(r(lines(2, '/history')), 2)).toEqual(['* history: the last 0 lines', '* end of history']);
    r(typed('hi'));
    expect(inbox(r(lines(2, '/history 5')), 2)).toEqual(['* history: the last 1 line', '<server> hi', '* end of history']);
  });

  it('gives a tagged client the lines alone, each with its seq, time and the replay tag', () => {
    const r = chatted(3);
    r(cap(2, 'b'));
    expect(inbox(r(lines(2, '/history 2')), 2)).toEqual([
      `@seq=4;time=${TIME};replay <guest-1> line 3`,
      `@seq=5;time=${TIME};replay * guest-2 joined`,
    ]);
  });

  it('includes the asking client own lines, unlike a resume', () => {
    const r = chatted(0);
    r(cap(2, 'b'));
    r(lines(2, '@id=b.1 my own'));
    expect(seqs(inbox(r(lines(2, '/history')), 2)).map((line) => line.text)).toContain('<guest-2> my own');
  });

  it('is not itself recorded: the next room line takes the next number', () => {
    const r = chatted(3);
    r(open(3));
    r(cap(3, 'c'));
    r(lines(2, '/history'));
    expect(seqs(inbox(r(lines(1, 'next')), 3))).toEqual([{ seq: 7, text: '<guest-1> next', replay: false }]);
  });

  it.each(['/history 0', '/history -3', '/history x', '/history 2.5', '/history 1 2'])('answers %j with its usage', (line) => {
    const r = chatted(1);
    expect(inbox(r(lines(2, line)), 2)).toEqual(['! usage: /history [N | since DURATION]']);
  });

  it('in console mode holds what the console said to everyone, never what clients told the console', () => {
    const r = chatted(3, { relay: false });
    r(typed('to everyone'));
    r(lines(2, 'for the console only'));
    r(typed('/msg guest-1 private'));
    expect(inbox(r(lines(2, '/history')), 2)).toEqual(['* history: the last 1 line', '<server> to everyone', '* end of history']);
  });
});
