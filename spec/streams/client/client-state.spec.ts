import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  initialClientState,
  stepClient,
  type ClientEffect,
  type ClientEvent,
  type ClientPolicy,
  type ClientState,
} from '../../../streams/client/client-state.js';
import { DEFAULT_OUTBOX_LIMITS } from '../../../streams/client/outbox.js';
import { ServerSpeaksTlsError } from '../../../streams/errors.js';
import { DEFAULT_BACKOFF } from '../../../streams/limits/backoff.js';
import { formatHistoryEnd, formatHistoryStart, formatInRoom, formatWelcome } from '../../../streams/protocol/sentences.js';
import { formatServerLine, PASSWORD_PROMPT } from '../../../streams/protocol/server-line.js';

const WHERE = '127.0.0.1:2023';
const POLICY: ClientPolicy = {
  where: WHERE,
  framing: 'line',
  retries: 3,
  backoff: DEFAULT_BACKOFF,
  outbox: DEFAULT_OUTBOX_LIMITS,
  session: 'S',
  random: () => 0.5,
};
const T = '2024-05-01T12:00:00.000Z';
const WELCOME = '* welcome to server, you are guest-1; /help lists commands';
const cap = (epoch: string, seq: number): string => `@cap=tcpchat;epoch=${epoch};seq=${seq}`;

const refused = (): Error => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:2023'), { code: 'ECONNREFUSED' });
const reset = (): Error => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });

const start: ClientEvent = { kind: 'start' };
const connected: ClientEvent = { kind: 'connected' };
const inputEnded: ClientEvent = { kind: 'input-ended' };
const leave: ClientEvent = { kind: 'leave' };
const closed: ClientEvent = { kind: 'disconnected' };
const lost = (error: unknown = reset()): ClientEvent => ({ kind: 'disconnected', error });
const failed = (error: unknown = refused()): ClientEvent => ({ kind: 'connect-failed', error });
const typed = (line: string): ClientEvent => ({ kind: 'typed', line });
const received = (...lines: string[]): ClientEvent => ({ kind: 'received', lines });

interface Played {
  readonly state: ClientState;
  readonly effects: ClientEffect[];
}

/** Runs events from a state (the initial one by default); the effects are those of these events only. */
function play(events: readonly ClientEvent[], policy: ClientPolicy = POLICY, from: ClientState = initialClientState(policy)): Played {
  let state = from;
  const effects: ClientEffect[] = [];
  for (const event of events) {
    const step = stepClient(state, event, policy);
    state = step.state;
    effects.push(...step.effects);
  }
  return { state, effects };
}

const then = (before: Played, events: readonly ClientEvent[], policy: ClientPolicy = POLICY): Played => play(events, policy, before.state);

/** Connected to a tcpchat server that answered `/cap` with epoch E, at sequence 4. */
const tagged = (policy: ClientPolicy = POLICY): Played => play([start, connected, received(WELCOME), received(cap('E', 4))], policy);

const send = (...lines: string[]): ClientEffect => ({ kind: 'send', lines });
/** A client leaving a tcpchat server on purpose says so before it half-closes (a bare close is a lost link to it). */
const QUIT_AND_END: ClientEffect[] = [send('/quit'), { kind: 'end' }];
const status = (text: string): ClientEffect => ({ kind: 'status', text });
const ids = (state: ClientState): string[] => state.outbox.items.map((item) => `${item.id} ${item.line}`);

describe('stepClient', () => {
  describe('starting', () => {
    it('asks to connect at once', () => {
      const { state, effects } = play([start]);
      expect(effects).toEqual([{ kind: 'connect', afterMs: 0 }]);
      expect(state.phase).toBe('connecting');
    });

    it('exits 1 when the first connection is refused, without retrying', () => {
      const { state, effects } = play([start, failed()], { ...POLICY, retries: Infinity });
      expect(effects.slice(1)).toEqual([{ kind: 'exit', code: 1, message: 'cannot connect to 127.0.0.1:2023: connection refused' }]);
      expect(state.phase).toBe('done');
    });

    it('names other reasons a connection cannot be made, and falls back to the message', () => {
      const notFound = Object.assign(new Error('getaddrinfo ENOTFOUND nowhere'), { code: 'ENOTFOUND' });
      expect(play([start, failed(notFound)]).effects[1]).toEqual({
        kind: 'exit',
        code: 1,
        message: 'cannot connect to 127.0.0.1:2023: no such host',
      });
      expect(play([start, failed(new Error('socket hang up'))]).effects[1]).toEqual({
        kind: 'exit',
        code: 1,
        message: 'cannot connect to 127.0.0.1:2023: socket hang up',
      });
    });

    it('sends lines typed while connecting as soon as it connects, in order', () => {
      const before = play([start, typed('one'), typed('two')]);
      expect(before.effects).toEqual([{ kind: 'connect', afterMs: 0 }]);
      expect(then(before, [connected]).effects).toEqual([send('one', 'two')]);
    });
  });

  describe('with a plain server (no welcome)', () => {
    it('sends nothing on connect in line framing, then each typed line as it is, at once, the nick before the first', () => {
      const up = play([start, connected], { ...POLICY, nick: 'alice' });
      expect(up.effects).toEqual([{ kind: 'connect', afterMs: 0 }]);
      const { state, effects } = then(up, [typed('hello'), typed('@id=x not a tag')]);
      expect(effects).toEqual([send('/nick alice', 'hello'), send('@id=x not a tag')]);
      expect(state.outbox.items).toEqual([]);
    });

    it('sends the nick before lines typed while connecting, and not again with /cap after the welcome', () => {
      const policy = { ...POLICY, nick: 'alice' };
      const early = play([start, typed('hi'), connected], policy);
      expect(early.effects.filter((effect) => effect.kind === 'send')).toEqual([send('/nick alice', 'hi')]);
      expect(then(early, [received(WELCOME)], policy).effects.at(-1)).toEqual(send('/cap tcpchat session=S'));
    });

    it('shows what the server says, sanitized, and never reads tags from it', () => {
      const { effects } = play([start, connected, received('<bob> \x1b[2Jhi', '@ack=S.1 look', '* bob joined', '*bob* psst', '! oops')]);
      expect(effects.slice(1)).toEqual([
        {
          kind: 'display',
          lines: [
            { kind: 'message', from: 'bob', text: '␛[2Jhi' },
            { kind: 'text', text: '@ack=S.1 look' },
            { kind: 'notice', text: 'bob joined' },
            { kind: 'private', from: 'bob', text: 'psst' },
            { kind: 'error', text: 'oops' },
          ],
        },
      ]);
    });

    it('half-closes at the end of input and exits 0 when the server then closes', () => {
      const ended = play([start, connected, typed('bye'), inputEnded]);
      expect(ended.effects.slice(1)).toEqual([send('bye'), { kind: 'end' }]);
      expect(then(ended, [closed]).effects).toEqual([{ kind: 'exit', code: 0 }]);
    });

    it('exits 0 when the server closes after /quit', () => {
      expect(play([start, connected, typed('/QUIT for now'), closed]).effects.at(-1)).toEqual({ kind: 'exit', code: 0 });
    });

    it('does not take //quit or a message mentioning /quit for a quit', () => {
      const { effects } = play([start, connected, typed('//quit'), typed('type /quit to leave'), closed], { ...POLICY, retries: 0 });
      expect(effects.at(-1)).toEqual({ kind: 'exit', code: 1, message: 'the server closed the connection' });
    });

    it('exits 1 when the server closes while the person is still typing, with no retries', () => {
      const { state, effects } = play([start, connected, typed('hello?'), closed], { ...POLICY, retries: 0 });
      expect(effects.slice(1)).toEqual([send('hello?'), { kind: 'exit', code: 1, message: 'the server closed the connection' }]);
      expect(state.phase).toBe('done');
    });

    it('exits 1 with the reason when the connection fails, with no retries', () => {
      const { effects } = play([start, connected, lost()], { ...POLICY, retries: 0 });
      expect(effects.slice(1)).toEqual([{ kind: 'exit', code: 1, message: 'connection lost: connection reset' }]);
    });

    it('sends what was typed while disconnected, plain, as soon as it is back', () => {
      const down = play([start, connected, lost(), typed('a'), typed('b')]);
      expect(down.effects.slice(1)).toEqual([
        status('connection lost: connection reset; reconnecting in 0.4 s'),
        { kind: 'connect', afterMs: 375 },
      ]);
      expect(then(down, [connected]).effects).toEqual([status('reconnected to 127.0.0.1:2023'), send('a', 'b')]);
    });
  });

  describe('with a tcpchat server', () => {
    it('answers the welcome with /cap and /nick, after showing it', () => {
      const { effects } = play([start, connected, received(WELCOME)], { ...POLICY, nick: 'alice' });
      expect(effects.slice(1)).toEqual([
        { kind: 'display', lines: [{ kind: 'notice', text: 'welcome to server, you are guest-1; /help lists commands' }] },
        send('/cap tcpchat session=S', '/nick alice'),
      ]);
    });

    it('asks only for the capability without a nick', () => {
      expect(play([start, connected, received(WELCOME)]).effects.at(-1)).toEqual(send('/cap tcpchat session=S'));
    });

    it('switches to tags on the answer to /cap: typed lines carry ids and wait for their ack', () => {
      const capped = tagged();
      expect(capped.effects.filter((effect) => effect.kind === 'display')).toHaveLength(1); // the welcome, not the cap line
      expect(capped.state).toMatchObject({ tagged: true, epoch: 'E', lastSeq: 4 });

      const sent = then(capped, [typed('hello'), typed('again')]);
      expect(sent.effects).toEqual([send('@id=S.1 hello'), send('@id=S.2 again')]);
      expect(ids(sent.state)).toEqual(['S.1 hello', 'S.2 again']);

      const acked = then(sent, [received('@ack=S.1')]);
      expect(acked.effects).toEqual([]);
      expect(ids(acked.state)).toEqual(['S.2 again']);
      expect(then(acked, [received('@ack=S.2')]).state.outbox).toEqual({ items: [], bytes: 0 });
    });

    it('reads the answer to /cap in the same batch as the welcome', () => {
      const { state, effects } = play([start, connected, received(WELCOME, cap('E', 9), `@time=${T} * you are now alice`)], {
        ...POLICY,
        nick: 'alice',
      });
      expect(state).toMatchObject({ tagged: true, epoch: 'E', lastSeq: 9, nick: 'alice' });
      expect(effects.filter((effect) => effect.kind === 'display')).toEqual([
        { kind: 'display', lines: [{ kind: 'notice', text: 'welcome to server, you are guest-1; /help lists commands' }] },
        { kind: 'display', lines: [{ kind: 'notice', text: 'you are now alice', time: T }] },
      ]);
    });

    it('takes an ack for a later line as an ack for the earlier ones too (one ack per batch)', () => {
      const { state } = then(tagged(), [typed('a'), typed('b'), typed('c'), received('@ack=S.2')]);
      expect(ids(state)).toEqual(['S.3 c']);
    });

    it('ignores an ack for an id it does not hold', () => {
      const { state } = then(tagged(), [typed('a'), received('@ack=S.9', '@ack=X.1')]);
      expect(ids(state)).toEqual(['S.1 a']);
    });

    it('shows tagged lines without their tags, with their time, each sequence number once', () => {
      const { state, effects } = then(tagged(), [
        received(`@seq=5;time=${T} <bob> hi`, `@time=${T} *carol* psst`, `@seq=4;time=${T} <bob> old`),
        received(`@seq=5;time=${T} <bob> hi`, `@seq=6;time=${T} <bob> next`),
      ]);
      expect(effects).toEqual([
        {
          kind: 'display',
          lines: [
            { kind: 'message', from: 'bob', text: 'hi', time: T },
            { kind: 'private', from: 'carol', text: 'psst', time: T },
          ],
        },
        { kind: 'display', lines: [{ kind: 'message', from: 'bob', text: 'next', time: T }] },
      ]);
      expect(state.lastSeq).toBe(6);
    });

    it('marks replayed lines', () => {
      const { effects } = then(tagged(), [received(`@seq=5;time=${T};replay <bob> earlier`)]);
      expect(effects).toEqual([{ kind: 'display', lines: [{ kind: 'message', from: 'bob', text: 'earlier', time: T, replayed: true }] }]);
    });

    it('remembers the nick the server gave, but not a guest name', () => {
      const renamed = then(tagged({ ...POLICY, nick: 'alice' }), [received(`@time=${T} * you are now bob`)]);
      expect(renamed.state.nick).toBe('bob');
      expect(then(renamed, [received(`@time=${T} * you are now guest-7`)]).state.nick).toBe('bob');
    });

    it('does not answer a welcome in raw framing', () => {
      const { effects, state } = play([start, connected, received(WELCOME)], { ...POLICY, framing: 'raw' });
      expect(effects.filter((effect) => effect.kind === 'send')).toEqual([]);
      expect(state.tagged).toBe(false);
    });
  });

  describe('waiting for the peer to show what it is (greetingMs)', () => {
    const GREETED: ClientPolicy = { ...POLICY, nick: 'alice', greetingMs: 1000 };
    const quiet: ClientEvent = { kind: 'quiet' };
    const sends = (played: Played): ClientEffect[] => played.effects.filter((effect) => effect.kind === 'send');

    it('holds lines typed before the welcome and after it, and sends them numbered once /cap and the nick are answered', () => {
      const early = play([start, typed('one'), connected, typed('two')], GREETED);
      expect(sends(early)).toEqual([]);
      const welcomed = then(early, [received(WELCOME), typed('three')], GREETED);
      expect(sends(welcomed)).toEqual([send('/cap tcpchat session=S', '/nick alice')]); // not one plain line
      const capped = then(welcomed, [received(cap('E', 4))], GREETED);
      expect(sends(capped)).toEqual([]); // the nick is not answered yet
      const named = then(capped, [received(`@time=${T} * you are now alice`)], GREETED);
      expect(sends(named)).toEqual([send('@id=S.1 one', '@id=S.2 two', '@id=S.3 three')]);
    });

    it('at the end of input before the welcome, half-closes only after the numbered lines', () => {
      const ended = play([start, connected, typed('hi'), inputEnded], GREETED);
      expect(ended.effects.some((effect) => effect.kind === 'end')).toBe(false);
      const { effects } = then(ended, [received(WELCOME, cap('E', 4), `@time=${T} * you are now alice`)], GREETED);
      expect(effects.slice(-3)).toEqual([send('@id=S.1 hi'), ...QUIT_AND_END]);
    });

    it('at the end of input with nothing typed, still waits for the peer: a welcome gets /cap and the nick, the half-close follows their answers', () => {
      const ended = play([start, connected, inputEnded], GREETED);
      expect(ended.effects).toEqual([{ kind: 'connect', afterMs: 0 }]);
      const welcomed = then(ended, [received(WELCOME)], GREETED);
      expect(sends(welcomed)).toEqual([send('/cap tcpchat session=S', '/nick alice')]);
      expect(welcomed.effects.some((effect) => effect.kind === 'end')).toBe(false);
      const { effects } = then(welcomed, [received(cap('E', 4), `@time=${T} * you are now alice`)], GREETED);
      expect(effects.at(-1)).toEqual({ kind: 'end' });
      expect(play([start, connected, inputEnded, quiet], GREETED).effects.at(-1)).toEqual({ kind: 'end' }); // a plain peer: at once
    });

    it('gives a peer whose first word is no welcome what waited, plain, the nick first', () => {
      const { effects, state } = play([start, connected, typed('one'), received('hello from nc'), typed('two')], GREETED);
      expect(effects.filter((effect) => effect.kind === 'send')).toEqual([send('/nick alice', 'one'), send('two')]);
      expect(state.outbox.items).toEqual([]);
    });

    it('gives a peer silent for greetingMs what waited, plain, and half-closes after it at the end of input', () => {
      const { effects } = play([start, connected, typed('one'), inputEnded, quiet], GREETED);
      expect(effects.slice(1)).toEqual([send('/nick alice', 'one'), { kind: 'end' }]);
    });

    it('takes a first line too long to show for the peer speaking, not for its welcome or farewell, and says so', () => {
      const { effects, state } = play([start, connected, typed('one'), { kind: 'too-long', maxBytes: 8192 }, closed], {
        ...GREETED,
        retries: 0,
      });
      expect(effects.slice(1)).toEqual([
        status('a line from the server was too long (over 8192 bytes) and was dropped'),
        send('/nick alice', 'one'),
        { kind: 'exit', code: 1, message: 'the server closed the connection' },
      ]);
      expect(state.peer).toBe('plain');
    });

    it('does not take the password prompt it answers for the peer speaking', () => {
      const policy = { ...GREETED, password: 'pw' };
      const prompted = play([start, connected, typed('one'), received(`* ${PASSWORD_PROMPT}`)], policy);
      expect(sends(prompted)).toEqual([send('/pass pw')]);
      expect(prompted.state.peer).toBe('unknown');
    });

    it('ignores a late quiet: once the peer spoke, or when not connected', () => {
      const spoke = play([start, connected, received(WELCOME)], GREETED);
      expect(then(spoke, [typed('a'), quiet], GREETED).effects).toEqual([]);
      const down = then(tagged(GREETED), [lost(), typed('a')], GREETED);
      expect(then(down, [quiet], GREETED).effects).toEqual([]);
    });

    it('on Ctrl-C before the peer spoke, says what waited unsent', () => {
      expect(play([start, connected, typed('a'), leave], GREETED).effects.at(-1)).toEqual({
        kind: 'exit',
        code: 0,
        message: 'left with 1 line unsent',
      });
    });

    describe('with the raw framing', () => {
      const RAW: ClientPolicy = { ...GREETED, framing: 'raw' };
      const TYPED = [typed('hi'), typed('//slash text'), typed('/who')];

      it('sends /nick at once and holds lines until the peer shows what it is', () => {
        expect(sends(play([start, connected, ...TYPED], RAW))).toEqual([send('/nick alice')]);
      });

      it('to a tcpchat server (it welcomed us) sends lines as typed, before and after the welcome: it reads //text and commands itself', () => {
        const welcomed = play([start, connected, ...TYPED, received(WELCOME)], RAW);
        expect(sends(welcomed).slice(1)).toEqual([send('hi', '//slash text', '/who')]);
        expect(sends(then(welcomed, [typed('//more'), typed('/who')], RAW))).toEqual([send('//more'), send('/who')]);
      });

      it('to a peer silent for the wait (the original programs) sends //text as /text and says a command is not available', () => {
        const waited = play([start, connected, ...TYPED, quiet], RAW);
        expect(waited.effects.slice(-2)).toEqual([
          { kind: 'status', text: '/who is not available in raw mode: the server reads only text (//text sends /text, /quit leaves)' },
          send('hi', '/slash text'),
        ]);
        expect(sends(then(waited, [typed('//more'), typed('/who')], RAW))).toEqual([send('/more')]);
      });

      it('a /quit that waited with the rest: to a silent peer the lines before it go, then it ends its side and exits 0; to tcpchat it goes as typed', () => {
        const quitting = play([start, connected, typed('hi'), typed('/quit'), typed('after')], RAW);
        expect(then(quitting, [quiet], RAW).effects).toEqual([send('hi'), { kind: 'end' }, { kind: 'exit', code: 0 }]);
        expect(sends(then(quitting, [received(WELCOME)], RAW))[0]).toEqual(send('hi', '/quit', 'after'));
      });

      it('not connected, /quit leaves at once, saying what was unsent', () => {
        expect(play([start, typed('hi'), typed('/quit')], RAW).effects.at(-1)).toEqual({
          kind: 'exit',
          code: 0,
          message: 'left with 1 line unsent',
        });
      });
    });
  });

  describe('a pipe whose input ended', () => {
    it('takes a close for the end only once every line was acknowledged: else reconnects, resends the rest, then half-closes', () => {
      const ended = then(tagged(), [typed('a'), typed('b'), typed('c'), inputEnded, received('@ack=S.1')]);
      expect(ended.effects.at(-1)).toEqual({ kind: 'end' });
      const down = then(ended, [closed]);
      expect(down.effects).toEqual([status('the server closed the connection; reconnecting in 0.4 s'), { kind: 'connect', afterMs: 375 }]);
      const reset = then(down, [connected, received(WELCOME), lost()]); // lost again before /cap was answered
      expect(reset.effects.at(-1)).toMatchObject({ kind: 'connect' });
      const back = then(reset, [connected, received(WELCOME, cap('F', 0))]);
      expect(back.effects.slice(-3)).toEqual([send('@id=S.2 b', '@id=S.3 c'), ...QUIT_AND_END]);
      expect(then(back, [closed]).effects.at(-1)).toMatchObject({ kind: 'connect' }); // c is not acknowledged yet
      expect(then(back, [received('@ack=S.3'), closed]).effects).toEqual([{ kind: 'exit', code: 0 }]);
    });

    it('takes a broken pipe for the server having closed the connection (its end unread when we wrote)', () => {
      const broken = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
      expect(then(tagged(), [lost(broken)]).effects[0]).toEqual(status('the server closed the connection; reconnecting in 0.4 s'));
      expect(then(tagged(), [lost()]).effects[0]).toEqual(status('connection lost: connection reset; reconnecting in 0.4 s'));
    });

    it('says how many lines were not delivered and exits 1 when the retries run out', () => {
      const policy = { ...POLICY, retries: 1 };
      const ended = then(tagged(policy), [typed('a'), typed('b'), inputEnded, lost()], policy);
      expect(then(ended, [failed()], policy).effects).toEqual([
        {
          kind: 'exit',
          code: 1,
          message: 'cannot reach 127.0.0.1:2023: connection refused (gave up after 1 retry); 2 lines unsent',
        },
      ]);
    });

    it('counts a reconnect that is welcomed but closed again without an ack as a failed one, so the retries run out', () => {
      const policy = { ...POLICY, retries: 2 };
      let played = then(tagged(policy), [typed('a'), inputEnded, closed], policy);
      for (let round = 0; round < 2; round++) played = then(played, [connected, received(WELCOME, cap('E', 4)), closed], policy);
      expect(played.effects.at(-1)).toEqual({
        kind: 'exit',
        code: 1,
        message: 'the server closed the connection (gave up after 2 retries); 1 line unsent',
      });
      // An ack is progress: the count starts over.
      const acked = then(
        tagged(policy),
        [typed('a'), typed('b'), inputEnded, closed, connected, received(WELCOME, cap('E', 4), '@ack=S.1')],
        policy,
      );
      expect(acked.state.fruitless).toBe(0);
    });

    it('never drops a line from the full outbox: input pauses, and what was read before the pause waits too', () => {
      const policy = { ...POLICY, outbox: { maxLines: 2, maxBytes: 1024 } };
      const down = then(tagged(policy), [lost(), typed('a'), typed('b'), typed('c'), typed('d'), inputEnded], policy);
      expect(down.effects).toContainEqual({ kind: 'pause-input', paused: true });
      expect(down.effects.filter((effect) => effect.kind === 'status' && effect.text.includes('dropped'))).toEqual([]);
      const back = then(down, [connected, received(WELCOME, cap('E', 4))], policy);
      expect(back.effects).toContainEqual(send('@id=S.1 a', '@id=S.2 b', '@id=S.3 c', '@id=S.4 d'));
      expect(then(back, [received('@ack=S.4'), closed], policy).effects.at(-1)).toEqual({ kind: 'exit', code: 0 });
    });
  });

  describe('rooms', () => {
    const inLobby = formatWelcome({ server: 'hub', nick: 'guest-1', room: '#lobby' });
    const nowIn = (room: string): string => `@time=${T} ${formatInRoom({ room, members: 2, topic: 'ship it' })}`;
    const rooms = (effects: readonly ClientEffect[]): ClientEffect[] => effects.filter((effect) => effect.kind === 'room');

    it('learns its nick and room from the welcome, and shows the room before the welcome line', () => {
      const { state, effects } = play([start, connected, received(inLobby)], { ...POLICY, nick: 'alice' });
      expect(state).toMatchObject({ room: '#lobby', peer: 'tcpchat' });
      expect(effects.slice(1)).toEqual([
        { kind: 'room', room: '#lobby' },
        { kind: 'display', lines: [{ kind: 'notice', text: 'welcome to hub, you are guest-1 in #lobby; /help lists commands' }] },
        send('/cap tcpchat session=S', '/nick alice'),
      ]);
    });

    it('has no room with a server without rooms (console-only, or before rooms), and says nothing about one', () => {
      for (const welcome of [formatWelcome({ server: 'hub', nick: 'guest-1' }), WELCOME]) {
        const { state, effects } = play([start, connected, received(welcome)]);
        expect(state.room).toBeUndefined();
        expect(state.peer).toBe('tcpchat');
        expect(rooms(effects)).toEqual([]);
      }
    });

    it('follows `you are now in #room`, once per change', () => {
      const joined = then(tagged(), [received(inLobby), received(nowIn('#lobby'), nowIn('#dev'), nowIn('#dev'))]);
      expect(rooms(joined.effects)).toEqual([
        { kind: 'room', room: '#lobby' },
        { kind: 'room', room: '#dev' },
      ]);
      expect(joined.state.room).toBe('#dev');
      const line = { kind: 'notice', text: 'you are now in #dev (2 here); topic: ship it', time: T };
      expect(joined.effects.slice(-2)).toEqual([
        { kind: 'room', room: '#dev' },
        { kind: 'display', lines: [line, line] },
      ]);
    });

    it('takes no room line for a sentence: a look-alike said in the room carries a sequence number', () => {
      const fooled = then(tagged({ ...POLICY, nick: 'alice' }), [
        received(inLobby),
        received(`@seq=5;time=${T} * you are now in #trap (1 here); no topic`, `@seq=6;time=${T} * you are now mallory`),
      ]);
      expect(fooled.state).toMatchObject({ room: '#lobby', nick: 'alice' });
      expect(rooms(fooled.effects)).toEqual([{ kind: 'room', room: '#lobby' }]);
    });

    it('leaves a room for a server without rooms when it reconnects to one', () => {
      const { state, effects } = then(tagged(), [received(inLobby), lost(), connected, received(WELCOME)]);
      expect(state.room).toBeUndefined();
      expect(rooms(effects).at(-1)).toEqual({ kind: 'room' });
      expect(effects.at(-1)).toEqual(send('/cap tcpchat session=S resume=E:4'));
    });

    it('asks to resume in the room it was in, even when lost again before the server answered', () => {
      const inDev = then(tagged(), [received(nowIn('#dev')), lost(), connected]);
      const greeted = then(inDev, [received(inLobby)]);
      expect(greeted.effects.at(-1)).toEqual(send('/cap tcpchat session=S resume=E:4 room=#dev'));
      expect(greeted.state.room).toBe('#lobby'); // where the welcome put it, until the server moves it

      const again = then(greeted, [lost(), connected, received(inLobby)]);
      expect(again.effects.at(-1)).toEqual(send('/cap tcpchat session=S resume=E:4 room=#dev'));

      const back = then(again, [received(cap('E', 4), nowIn('#dev'))]);
      expect(back.state).toMatchObject({ room: '#dev', resumeRoom: undefined });
      expect(rooms(back.effects)).toEqual([{ kind: 'room', room: '#dev' }]);
    });

    it('does not ask for a room on its first connection', () => {
      expect(play([start, connected, received(inLobby)]).effects.at(-1)).toEqual(send('/cap tcpchat session=S'));
    });

    it('sends /join, /part, /rooms and /topic to the server as they are', () => {
      const { effects } = then(tagged(), [typed('/join #dev'), typed('/part'), typed('/rooms'), typed('/topic ship it')]);
      expect(effects).toEqual([send('@id=S.1 /join #dev'), send('@id=S.2 /part'), send('@id=S.3 /rooms'), send('@id=S.4 /topic ship it')]);
    });
  });

  describe('history without tags', () => {
    it('shows the lines between the markers of a /history answer as replayed, and the markers as notices', () => {
      const { effects } = play([
        start,
        connected,
        received(WELCOME),
        received(formatHistoryStart(2), '<bob> one', '<bob> two', formatHistoryEnd(), '<bob> live'),
      ]);
      expect(effects.at(-1)).toEqual({
        kind: 'display',
        lines: [
          { kind: 'notice', text: 'history: the last 2 lines' },
          { kind: 'message', from: 'bob', text: 'one', replayed: true },
          { kind: 'message', from: 'bob', text: 'two', replayed: true },
          { kind: 'notice', text: 'end of history' },
          { kind: 'message', from: 'bob', text: 'live' },
        ],
      });
    });

    it('resuming, leaves out the last lines of the room that come with the welcome (the replay brings each of them once), and says the room before them', () => {
      const welcomeBlock = received(
        WELCOME,
        formatInRoom({ room: '#lobby', members: 2 }),
        formatHistoryStart(2),
        '<bob> one',
        '<bob> two',
        formatHistoryEnd(),
      );
      const resumed = then(tagged(), [
        lost(),
        connected,
        welcomeBlock,
        received(`${cap('E', 6)};missed=2`, `@seq=5;replay;time=${T} <bob> one`, `@seq=6;replay;time=${T} <bob> two`),
      ]);
      const shown = resumed.effects.flatMap((effect) =>
        effect.kind === 'display' ? effect.lines.map((line) => formatServerLine(line)) : [],
      );
      expect(shown).toEqual([
        '* welcome to server, you are guest-1; /help lists commands',
        '* you are now in #lobby (2 here); no topic',
        '<bob> one',
        '<bob> two',
      ]);
    });

    it('marks nothing on a new connection after a history answer cut short', () => {
      const { effects } = play(
        [start, connected, received(formatHistoryStart(3), '<bob> one'), lost(), connected, received('<bob> live')],
        { ...POLICY, retries: 1 },
      );
      expect(effects.at(-1)).toEqual({ kind: 'display', lines: [{ kind: 'message', from: 'bob', text: 'live' }] });
    });

    it('marks no more lines than the start marker counted, if the end marker never comes', () => {
      const { effects } = play([start, connected, received(formatHistoryStart(1), '<bob> one', '<bob> live')]);
      expect(effects.at(-1)).toEqual({
        kind: 'display',
        lines: [
          { kind: 'notice', text: 'history: the last 1 line' },
          { kind: 'message', from: 'bob', text: 'one', replayed: true },
          { kind: 'message', from: 'bob', text: 'live' },
        ],
      });
    });
  });

  describe('private lines (@pm=N)', () => {
    /** Tagged by a server whose private lines are numbered by run R, then sent pm 1 and 2. */
    const withPrivates = (): Played =>
      play([
        start,
        connected,
        received(WELCOME),
        received(`${cap('E', 4)};privates=R`, `@pm=1;time=${T} *bob* one`, `@pm=2;time=${T} *bob* two`),
      ]);
    const shown = (effects: readonly ClientEffect[]): string[] =>
      effects.flatMap((effect) => (effect.kind === 'display' ? effect.lines.map((line) => formatServerLine(line)) : []));

    it('resumes from the last private line shown, with the run that numbered it', () => {
      const { effects } = then(withPrivates(), [lost(), connected, received(WELCOME)]);
      expect(effects.at(-1)).toEqual(send('/cap tcpchat session=S resume=E:4 privates=R:2'));
    });

    it('asks for none from a server that numbers none', () => {
      expect(then(tagged(), [lost(), connected, received(WELCOME)]).effects.at(-1)).toEqual(send('/cap tcpchat session=S resume=E:4'));
    });

    it('shows a replayed private line once: one shown already is left out, and still counts as one of those missed', () => {
      const resumed = then(withPrivates(), [
        lost(),
        connected,
        received(WELCOME),
        received(`@seq=5;time=${T} <bob> live`),
        received(`${cap('E', 4)};privates=R;missed=2`, `@pm=2;time=${T};replay *bob* two`, `@pm=3;time=${T};replay *bob* three`),
      ]);
      expect(shown(resumed.effects).slice(1)).toEqual(['*bob* three', '<bob> live']);
      expect(resumed.state.lastPrivate).toBe(3);
      const replayed = resumed.effects.flatMap((effect) => (effect.kind === 'display' ? effect.lines : []));
      expect(replayed.find((line) => line.kind === 'private')).toMatchObject({ text: 'three', replayed: true });
    });

    it("counts from 0 again with another process's numbering", () => {
      const moved = then(withPrivates(), [lost(), connected, received(WELCOME), received(`${cap('E', 4)};privates=R2`)]);
      expect(moved.state.lastPrivate).toBe(0);
      expect(then(moved, [received(`@pm=1;time=${T} *bob* new`)]).effects.at(-1)).toMatchObject({ kind: 'display' });
      expect(then(moved, [lost(), connected, received(WELCOME)]).effects.at(-1)).toEqual(
        send('/cap tcpchat session=S resume=E:4 privates=R2:0'),
      );
    });
  });

  describe('reconnecting', () => {
    it('says the connection was lost and when it tries again', () => {
      const down = then(tagged(), [lost()]);
      expect(down.effects).toEqual([status('connection lost: connection reset; reconnecting in 0.4 s'), { kind: 'connect', afterMs: 375 }]);
      expect(down.state).toMatchObject({ phase: 'waiting', tagged: false });
      expect(then(tagged(), [closed]).effects[0]).toEqual(status('the server closed the connection; reconnecting in 0.4 s'));
    });

    it('waits 500 ms scaled by jitter, doubling per failed attempt, up to the cap', () => {
      const policy = { ...POLICY, retries: Infinity };
      const failures = Array.from({ length: 7 }, () => failed());
      const { effects, state } = play([start, connected, lost(), ...failures], policy);
      const delays = effects.flatMap((effect) => (effect.kind === 'connect' ? [effect.afterMs] : []));
      expect(delays).toEqual([0, 375, 750, 1500, 3000, 6000, 12000, 22500, 22500]);
      expect(state.phase).toBe('waiting');
      expect(effects.filter((effect) => effect.kind === 'status').at(-1)).toEqual(
        status('cannot reach 127.0.0.1:2023: connection refused; reconnecting in 22.5 s'),
      );
    });

    it('spreads the delay between half and the whole step', () => {
      const delay = (random: () => number): unknown => play([start, connected, lost()], { ...POLICY, random }).effects.at(-1);
      expect(delay(() => 0)).toEqual({ kind: 'connect', afterMs: 250 });
      expect(delay(() => 0.999)).toEqual({ kind: 'connect', afterMs: 500 });
    });

    it('starts the backoff over once a new connection has said something', () => {
      const { effects } = play([start, connected, lost(), failed(), connected, received('* hello'), lost()]);
      expect(effects.flatMap((effect) => (effect.kind === 'connect' ? [effect.afterMs] : []))).toEqual([0, 375, 750, 375]);
    });

    it('keeps backing off from a server that accepts and hangs up at once', () => {
      const { effects } = play([start, connected, received('* hello'), lost(), connected, lost(), connected, lost()]);
      expect(effects.flatMap((effect) => (effect.kind === 'connect' ? [effect.afterMs] : []))).toEqual([0, 375, 750, 1500]);
    });

    it('resumes the session: reclaims its nick, then resends the unacknowledged lines with their ids, then what was typed meanwhile', () => {
      const before = then(tagged({ ...POLICY, nick: 'alice' }), [
        received(`@time=${T} * you are now alice`),
        typed('/nick bob'),
        received('@ack=S.1', `@time=${T} * you are now bob`, `@seq=5;time=${T} <carol> hi`, `@seq=6;time=${T} <carol> there`),
        typed('two'),
        lost(),
        typed('three'),
      ]);
      expect(before.effects.filter((effect) => effect.kind === 'send')).toEqual([send('@id=S.1 /nick bob'), send('@id=S.2 two')]);
      expect(ids(before.state)).toEqual(['S.2 two', 'S.3 three']);

      const back = then(before, [connected, typed('four')]);
      expect(back.effects).toEqual([]); // nothing goes before the answer to /cap, and it is not back before the welcome

      const greeted = then(back, [received('* welcome to server, you are guest-2; /help lists commands')]);
      expect(greeted.effects[0]).toEqual(status('reconnected to 127.0.0.1:2023'));
      expect(greeted.effects.at(-1)).toEqual(send('/cap tcpchat session=S resume=E:6', '/nick bob'));

      const resumed = then(greeted, [received(cap('E', 8), `@seq=6;time=${T} <carol> there`, `@seq=7;time=${T};replay <carol> missed`)]);
      expect(resumed.effects).toEqual([
        { kind: 'display', lines: [{ kind: 'message', from: 'carol', text: 'missed', time: T, replayed: true }] },
      ]);
      expect(then(resumed, [typed('five')]).effects).toEqual([]); // the nick is not answered yet
      const renamed = then(resumed, [typed('five'), received(`@time=${T} * you are now bob`)]);
      expect(renamed.effects).toEqual([
        { kind: 'display', lines: [{ kind: 'notice', text: 'you are now bob', time: T }] },
        send('@id=S.2 two', '@id=S.3 three', '@id=S.4 four', '@id=S.5 five'),
      ]);
      expect(then(renamed, [typed('six')]).effects).toEqual([send('@id=S.6 six')]);
    });

    it('shows a live line that came before the answer to /cap after the replayed lines it follows', () => {
      const down = then(tagged(), [received(`@seq=6;time=${T} <bob> six`), lost()]);
      const asked = then(down, [connected, received(WELCOME), received('<bob> live, said after the rejoin')]);
      expect(asked.effects.filter((effect) => effect.kind === 'display')).toHaveLength(1); // the welcome only
      const answered = then(asked, [received('@cap=tcpchat;epoch=E;seq=9;missed=2', `@seq=7;time=${T};replay <bob> seven`)]);
      expect(answered.effects.filter((effect) => effect.kind === 'display')).toEqual([
        { kind: 'display', lines: [{ kind: 'message', from: 'bob', text: 'seven', time: T, replayed: true }] },
      ]);
      const replayed = then(answered, [received(`@seq=8;time=${T};replay <bob> eight`)]);
      expect(replayed.effects).toEqual([
        {
          kind: 'display',
          lines: [
            { kind: 'message', from: 'bob', text: 'eight', time: T, replayed: true },
            { kind: 'message', from: 'bob', text: 'live, said after the rejoin' },
          ],
        },
      ]);
    });

    it('keeps the sequence baseline when the server is the same run', () => {
      const { state, effects } = then(tagged(), [
        received(`@seq=6;time=${T} <bob> six`),
        lost(),
        connected,
        received(WELCOME),
        received(cap('E', 9), `@seq=5;time=${T} <bob> five`),
      ]);
      expect(state.lastSeq).toBe(6);
      expect(effects.at(-1)).toEqual(send('/cap tcpchat session=S resume=E:6'));
    });

    it('starts the sequence baseline over when the server has restarted (a new epoch)', () => {
      const { state, effects } = then(tagged(), [
        received(`@seq=6;time=${T} <bob> six`),
        lost(),
        connected,
        received(WELCOME),
        received(cap('F', 2), `@seq=3;time=${T} <bob> after the restart`),
      ]);
      expect(state).toMatchObject({ epoch: 'F', lastSeq: 3 });
      expect(effects.at(-1)).toEqual({ kind: 'display', lines: [{ kind: 'message', from: 'bob', text: 'after the restart', time: T }] });
    });

    it('gives up after the last retry with one sentence', () => {
      const policy = { ...POLICY, retries: 2 };
      const { effects, state } = play([start, connected, lost(), failed(), failed()], policy);
      const exits = effects.filter((effect) => effect.kind === 'exit');
      expect(exits).toEqual([
        { kind: 'exit', code: 1, message: 'cannot reach 127.0.0.1:2023: connection refused (gave up after 2 retries)' },
      ]);
      expect(state.phase).toBe('done');
      expect(effects.filter((effect) => effect.kind === 'connect')).toHaveLength(3);
      expect(play([start, connected, lost(), failed()], { ...POLICY, retries: 1 }).effects.at(-1)).toEqual({
        kind: 'exit',
        code: 1,
        message: 'cannot reach 127.0.0.1:2023: connection refused (gave up after 1 retry)',
      });
    });

    it('says how many lines are left unsent when it gives up', () => {
      const { effects } = then(tagged({ ...POLICY, retries: 1 }), [typed('a'), lost(), typed('b'), failed()], { ...POLICY, retries: 1 });
      expect(effects.at(-1)).toEqual({
        kind: 'exit',
        code: 1,
        message: 'cannot reach 127.0.0.1:2023: connection refused (gave up after 1 retry); 2 lines unsent',
      });
    });
  });

  describe('sent away', () => {
    const exits = (played: Played): ClientEffect[] =>
      played.effects.filter((effect) => effect.kind === 'exit' || effect.kind === 'connect');

    it('does not come back after a refusal at the door: exits 1 with the reason and what was unsent', () => {
      for (const reason of ['access denied', 'server full', 'authentication failed', 'too many failed passwords; try again later']) {
        expect(
          exits(play([start, connected, typed('hi'), received(`! ${reason}`), closed], { ...POLICY, retries: Infinity })).slice(1),
        ).toEqual([{ kind: 'exit', code: 1, message: `127.0.0.1:2023 refused us: ${reason}` }]);
      }
      const down = then(tagged(), [typed('a'), lost(), connected, received('! server full'), closed]);
      expect(exits(down).slice(1)).toEqual([{ kind: 'exit', code: 1, message: '127.0.0.1:2023 refused us: server full; 1 line unsent' }]);
    });

    it('does not come back after a kick or an idle timeout', () => {
      expect(then(tagged(), [received('* you were kicked by server: spam'), closed]).effects).toContainEqual({
        kind: 'exit',
        code: 1,
        message: 'you were kicked by server: spam',
      });
      expect(then(tagged(), [received('* disconnected: idle for 5 seconds'), lost()]).effects).toContainEqual({
        kind: 'exit',
        code: 1,
        message: 'disconnected: idle for 5 seconds',
      });
    });

    it('comes back when the look-alike was not the last word, or was a room line, or an error after the welcome', () => {
      const retried = (played: Played): boolean => played.effects.some((effect) => effect.kind === 'connect');
      expect(retried(then(tagged(), [received('* you were kicked by server: spam', '<bob> lol'), closed]))).toBe(true);
      expect(retried(then(tagged(), [received(`@seq=5;time=${T} * you were kicked by nobody`), closed]))).toBe(true);
      expect(retried(then(tagged(), [received('! nick bob is taken'), closed]))).toBe(true);
      expect(retried(then(tagged(), [received('* server is going down (SIGTERM)'), closed]))).toBe(true);
    });

    it('exits 1 when the server speaks TLS to a plain connection', () => {
      const played = play([start, connected, lost(new ServerSpeaksTlsError())], { ...POLICY, retries: Infinity });
      expect(played.effects.at(-1)).toEqual({
        kind: 'exit',
        code: 1,
        message: 'cannot talk to 127.0.0.1:2023: the server speaks TLS; use --tls',
      });
    });

    it('says reconnected only once welcomed, and counts retries on until then', () => {
      const back = then(tagged(), [lost(), connected]);
      expect(back.effects.filter((effect) => effect.kind === 'status')).toHaveLength(1); // only the loss
      // Accepted at TCP and closed before the welcome, twice: the backoff goes on growing.
      const hungUp = then(back, [received('* this server needs a password: send /pass SECRET'), closed, connected, closed]);
      expect(hungUp.effects.flatMap((effect) => (effect.kind === 'connect' ? [effect.afterMs] : []))).toEqual([750, 1500]);
      const welcomed = then(hungUp, [connected, received(WELCOME)]);
      expect(welcomed.effects[0]).toEqual(status('reconnected to 127.0.0.1:2023'));
      expect(welcomed.state.attempt).toBe(0);
    });
  });

  describe('the nick before any typed line', () => {
    const named = { ...POLICY, nick: 'alice' };
    const identified = { ...named, identity: 'pw' };
    const sends = (played: Played): ClientEffect[] => played.effects.filter((effect) => effect.kind === 'send');
    const statuses = (played: Played): ClientEffect[] => played.effects.filter((effect) => effect.kind === 'status');

    it('holds lines typed after the welcome until the server has answered /nick, then sends them under it', () => {
      const asked = play([start, connected, received(WELCOME), typed('one'), received(cap('E', 4)), typed('two')], named);
      expect(sends(asked)).toEqual([send('/cap tcpchat session=S', '/nick alice')]);
      const answered = then(asked, [received(`@time=${T} * you are now alice`)], named);
      expect(answered.effects).toEqual([
        { kind: 'display', lines: [{ kind: 'notice', text: 'you are now alice', time: T }] },
        send('@id=S.1 one', '@id=S.2 two'),
      ]);
      expect(then(answered, [typed('three')], named).effects).toEqual([send('@id=S.3 three')]);
    });

    it('with a secret, holds lines from the start until the welcome, sends the secret only then, and shows the nick taken once', () => {
      const early = play([start, typed('hi'), connected, inputEnded], identified);
      expect(sends(early)).toEqual([]);
      const greeted = then(early, [received(WELCOME)], identified);
      expect(sends(greeted)).toEqual([send('/cap tcpchat session=S', '/identify alice pw', '/nick alice')]);
      const answered = then(
        greeted,
        [received(cap('E', 4), `@time=${T} * you are identified as alice`, `@time=${T} * you are now alice`, `@time=${T} * you are alice`)],
        identified,
      );
      expect(answered.effects).toEqual([
        {
          kind: 'display',
          lines: [
            { kind: 'notice', text: 'you are identified as alice', time: T },
            { kind: 'notice', text: 'you are now alice', time: T },
          ],
        },
        send('@id=S.1 hi'),
        ...QUIT_AND_END,
      ]);
      expect(then(answered, [received('@ack=S.1'), closed], identified).effects).toEqual([{ kind: 'exit', code: 0 }]);
    });

    it('refused, says so in one line with the reasons and sends the held lines under the nick the server gave', () => {
      const asked = play([start, connected, received(WELCOME), received(cap('E', 4)), typed('hi')], identified);
      const refused = then(
        asked,
        [received(`@time=${T} ! wrong secret for alice`, `@time=${T} ! alice is registered: /identify alice SECRET first`)],
        identified,
      );
      expect(refused.effects).toEqual([
        status(
          'the server refused the nick alice (wrong secret for alice; alice is registered: /identify alice SECRET first); you are guest-1',
        ),
        send('@id=S.1 hi'),
      ]);
      expect(refused.state.nick).toBe('alice'); // asked for again after a reconnect
    });

    it('took the nick after /identify failed: says what the server said, once', () => {
      const asked = play([start, connected, received(WELCOME), received(cap('E', 4)), typed('hi')], identified);
      const { effects } = then(asked, [received(`@time=${T} ! alice is not registered`, `@time=${T} * you are now alice`)], identified);
      expect(effects).toEqual([
        { kind: 'display', lines: [{ kind: 'notice', text: 'you are now alice', time: T }] },
        status('you are alice; the server also said: alice is not registered'),
        send('@id=S.1 hi'),
      ]);
    });

    it('sent away for its nick (banned), says only the farewell', () => {
      const asked = play([start, connected, received(WELCOME), received(cap('E', 4)), typed('hi')], { ...named, retries: 0 });
      const { effects } = then(asked, [received(`@time=${T} ! banned: spam`), closed], { ...named, retries: 0 });
      expect(statuses({ state: asked.state, effects })).toEqual([]);
      expect(effects.at(-1)).toEqual({ kind: 'exit', code: 1, message: '127.0.0.1:2023 refused us: banned: spam; 1 line unsent' });
    });

    it('after a reconnect resends nothing before the nick is answered, also once /cap is', () => {
      const down = then(tagged(named), [received(`@time=${T} * you are now alice`), typed('one'), lost()], named);
      const capped = then(down, [connected, received(WELCOME), received(cap('E', 4))], named);
      expect(sends(capped)).toEqual([send('/cap tcpchat session=S resume=E:4', '/nick alice')]);
      expect(sends(then(capped, [received(`@time=${T} * you are now alice`)], named))).toEqual([send('@id=S.1 one')]);
    });

    it('with a secret, gives held lines as they are (never the secret) to a peer that speaks first or stays silent', () => {
      const spoke = play([start, connected, typed('hi'), received('hello from nc')], identified);
      expect(sends(spoke)).toEqual([send('hi')]);
      const silent = play([start, connected, typed('hi'), { kind: 'silent', periods: 1 }, typed('again')], identified);
      expect(sends(silent)).toEqual([send('hi'), send('again')]);
      expect(statuses(silent)).toEqual([]);
    });

    it('with a secret, still waits for the welcome after the password prompt', () => {
      const prompted = play([start, connected, typed('hi'), received(`* ${PASSWORD_PROMPT}`)], { ...identified, password: 'door' });
      expect(sends(prompted)).toEqual([send('/pass door')]);
    });

    it('with nothing held, half-closes at once on Ctrl-C or the end of input, also before the welcome', () => {
      expect(play([start, connected, leave], identified).effects.at(-1)).toEqual({ kind: 'end' });
      expect(play([start, connected, received(WELCOME), inputEnded], identified).effects.at(-1)).toEqual({ kind: 'end' });
    });

    it('says how many held lines are unsent when the connection ends before the welcome', () => {
      const { effects } = play([start, connected, typed('hi'), inputEnded, lost()], { ...identified, retries: 0 });
      expect(effects.at(-1)).toEqual({ kind: 'exit', code: 1, message: 'connection lost: connection reset; 1 line unsent' });
    });
  });

  describe('end of input while reconnecting', () => {
    const person = { ...POLICY, interactive: true };

    it('on a terminal (Ctrl-D) exits at once: 1 saying what is unsent, 0 with nothing unsent', () => {
      expect(then(tagged(person), [typed('a'), lost(), typed('b'), inputEnded], person).effects.at(-1)).toEqual({
        kind: 'exit',
        code: 1,
        message: 'input ended while reconnecting to 127.0.0.1:2023; 2 lines unsent',
      });
      expect(then(tagged(person), [lost(), inputEnded], person).effects.at(-1)).toEqual({
        kind: 'exit',
        code: 0,
        message: 'input ended while reconnecting to 127.0.0.1:2023; nothing was unsent',
      });
    });

    it('from a pipe waits to deliver what it gave, then half-closes', () => {
      const waiting = then(tagged(), [typed('a'), lost(), inputEnded]);
      expect(waiting.effects.some((effect) => effect.kind === 'exit')).toBe(false);
      const delivered = then(waiting, [connected, received(WELCOME), received(cap('E', 4))]);
      expect(delivered.effects.slice(-3)).toEqual([send('@id=S.1 a'), ...QUIT_AND_END]);
    });
  });

  describe('the outbox bound, on a terminal', () => {
    it('drops the oldest line with a visible warning when too many wait', () => {
      const policy = { ...POLICY, interactive: true, outbox: { maxLines: 2, maxBytes: 1024 } };
      const down = then(tagged(policy), [lost(), typed('a'), typed('b')], policy);
      const full = then(down, [typed('c'), typed('d')], policy);
      expect(full.effects).toEqual([]); // told once the burst is over, with its count
      expect(ids(full.state)).toEqual(['S.3 c', 'S.4 d']);
      expect(then(full, [connected, received(WELCOME), received(cap('E', 4))], policy).effects.slice(-2)).toEqual([
        status('outbox full: dropped the oldest 2 lines'),
        send('@id=S.3 c', '@id=S.4 d'),
      ]);
    });

    it('counts bytes too, and says how many lines went, again at the end, which makes it a failure', () => {
      const policy = { ...POLICY, interactive: true, outbox: { maxLines: 100, maxBytes: 10 } };
      const { state, effects } = play([start, typed('aaa'), typed('bbb'), typed('ccc'), typed('dddddddddd'), leave], policy);
      expect(effects.slice(-2)).toEqual([
        status('outbox full: dropped the oldest 3 lines'),
        { kind: 'exit', code: 1, message: 'left with 1 line unsent; 3 lines were dropped from the full outbox' },
      ]);
      expect(state.outbox.items.map((item) => item.line)).toEqual(['dddddddddd']);
    });

    it('does not count lines written on the live connection as dropped: they are unconfirmed until the next ack', () => {
      const policy = { ...POLICY, interactive: true, outbox: { maxLines: 2, maxBytes: 1024 } };
      const live = then(tagged(policy), [typed('a'), typed('b'), typed('c'), typed('d')], policy);
      expect(live.effects.filter((effect) => effect.kind === 'status')).toEqual([]);
      expect(live.state).toMatchObject({ dropped: 0, unconfirmed: 2 });
      expect(then(live, [received('@ack=S.3')], policy).state).toMatchObject({ unconfirmed: 0 });
      // An ack for an evicted line cannot tell whether the other evicted one arrived.
      expect(then(live, [received('@ack=S.1')], policy).state).toMatchObject({ unconfirmed: 2 });
      // The connection died before any ack: those two may be lost, and that is said.
      const lostThem = then(live, [lost(), connected, received(WELCOME), received(cap('E', 4))], policy);
      expect(lostThem.effects).toContainEqual(status('outbox full: dropped the oldest 2 lines'));
    });

    it('pauses input at half full and goes on at a quarter', () => {
      const policy = { ...POLICY, outbox: { maxLines: 8, maxBytes: 1024 } };
      const down = then(tagged(policy), [lost(), typed('a'), typed('b'), typed('c')], policy);
      expect(down.effects.some((effect) => effect.kind === 'pause-input')).toBe(false);
      const full = then(down, [typed('d')], policy);
      expect(full.effects).toEqual([{ kind: 'pause-input', paused: true }]);
      const back = then(full, [connected, received(WELCOME), received(cap('E', 4)), received('@ack=S.2')], policy);
      expect(back.effects.filter((effect) => effect.kind === 'pause-input')).toEqual([]); // 2 of 8 left: still paused
      expect(then(back, [received('@ack=S.3')], policy).effects).toEqual([{ kind: 'pause-input', paused: false }]);
    });
  });

  describe('leaving', () => {
    it('half-closes on Ctrl-C while connected, sends nothing typed after it, and exits 0 when the server closes', () => {
      const left = play([start, connected, typed('hi'), leave]);
      expect(left.effects.slice(1)).toEqual([send('hi'), { kind: 'end' }]);
      const after = then(left, [typed('too late'), closed]);
      expect(after.effects).toEqual([{ kind: 'exit', code: 0 }]);
    });

    it('half-closes on Ctrl-C while connected with tags, and exits 0 when the server closes', () => {
      const left = then(tagged(), [typed('hi'), leave]);
      expect(left.effects).toEqual([send('@id=S.1 hi'), ...QUIT_AND_END]);
      expect(then(left, [typed('too late')]).effects).toEqual([]);
      expect(then(left, [closed]).effects).toEqual([{ kind: 'exit', code: 0 }]);
    });

    it("says /quit to a tcpchat server as it leaves (a bare close is a lost link to it), and does not show that /quit's answer", () => {
      const left = then(tagged(), [inputEnded]);
      expect(left.effects).toEqual(QUIT_AND_END);
      expect(then(left, [received(`@time=${T} * bye`)]).effects).toEqual([]);
      // A /quit the person typed is answered for all to see.
      expect(then(tagged(), [typed('/quit'), received('@ack=S.1', `@time=${T} * bye`)]).effects.at(-1)).toEqual({
        kind: 'display',
        lines: [{ kind: 'notice', text: 'bye', time: T }],
      });
    });

    it('says /quit on Ctrl-C before a tcpchat server answered our nick, and what waited unsent', () => {
      const policy = { ...POLICY, nick: 'alice' };
      const claiming = play([start, connected, received(WELCOME), received(cap('E', 4)), typed('hi')], policy);
      expect(claiming.state.claim).toBeDefined();
      expect(then(claiming, [leave], policy).effects).toEqual([
        send('/quit'),
        { kind: 'exit', code: 0, message: 'left with 1 line unsent' },
      ]);
    });

    it('says no /quit to a plain peer as it leaves', () => {
      expect(play([start, connected, inputEnded]).effects.slice(1)).toEqual([{ kind: 'end' }]);
    });

    it('exits 0 on Ctrl-C while disconnected, saying how many lines were unsent', () => {
      const down = then(tagged(), [typed('a'), lost(), typed('b')]);
      expect(then(down, [leave]).effects).toEqual([{ kind: 'exit', code: 0, message: 'left with 2 lines unsent' }]);
      expect(then(tagged(), [lost(), typed('b'), leave]).effects.at(-1)).toEqual({
        kind: 'exit',
        code: 0,
        message: 'left with 1 line unsent',
      });
      expect(then(tagged(), [lost(), leave]).effects.at(-1)).toEqual({ kind: 'exit', code: 0 });
      expect(play([start, leave]).effects.at(-1)).toEqual({ kind: 'exit', code: 0 });
    });

    it('exits 0 on Ctrl-C after reconnecting but before the outbox went out, saying how many lines were unsent', () => {
      const { effects, state } = then(tagged(), [typed('a'), lost(), connected, leave]);
      expect(effects.at(-1)).toEqual({ kind: 'exit', code: 0, message: 'left with 1 line unsent' });
      expect(state.phase).toBe('done');
    });

    it('at the end of input half-closes at once, and resends what was not acknowledged if the connection drops first', () => {
      const ended = then(tagged(), [typed('a'), inputEnded]);
      expect(ended.effects).toEqual([send('@id=S.1 a'), ...QUIT_AND_END]);
      const down = then(ended, [closed]);
      expect(down.effects.map((effect) => effect.kind)).toEqual(['status', 'connect']);
      const back = then(down, [connected, received(WELCOME)]);
      expect(back.effects.some((effect) => effect.kind === 'end')).toBe(false); // not before the outbox
      const resent = then(back, [received(cap('E', 4))]);
      expect(resent.effects).toEqual([send('@id=S.1 a'), ...QUIT_AND_END]);
      expect(then(resent, [received('@ack=S.1'), closed]).effects).toEqual([{ kind: 'exit', code: 0 }]);
    });

    it('at the end of input while disconnected, half-closes once what waited has gone out', () => {
      const down = then(tagged(), [lost(), typed('late'), inputEnded]);
      expect(down.effects.some((effect) => effect.kind === 'end')).toBe(false);
      const { effects } = then(down, [connected, received(WELCOME, cap('E', 4))]);
      expect(effects.slice(-3)).toEqual([send('@id=S.1 late'), ...QUIT_AND_END]);
    });

    it('ignores everything once it has exited', () => {
      const done = play([start, failed()]);
      const { state, effects } = then(done, [connected, typed('x'), received('<a> b'), leave, closed]);
      expect(effects).toEqual([]);
      expect(state).toBe(done.state);
    });
  });

  describe('raw framing and passwords', () => {
    it('in raw framing sends /pass and /nick at once on connect, never /cap', () => {
      const policy: ClientPolicy = { ...POLICY, framing: 'raw', nick: 'alice', password: 'secret' };
      const { effects } = play([start, connected, received(WELCOME), typed('hi')], policy);
      expect(effects.filter((effect) => effect.kind === 'send')).toEqual([send('/pass secret', '/nick alice'), send('hi')]);
    });

    it('in line framing sends /pass first, and /nick with /cap after the welcome', () => {
      const policy: ClientPolicy = { ...POLICY, nick: 'alice', password: 'secret' };
      const { effects } = play([start, connected, received('* password required'), received(WELCOME)], policy);
      expect(effects.filter((effect) => effect.kind === 'send')).toEqual([
        send('/pass secret'),
        send('/cap tcpchat session=S', '/nick alice'),
      ]);
    });

    it('does not show the password prompt it answers itself, and shows it when it has no password to give', () => {
      const prompt = `* ${PASSWORD_PROMPT}`;
      const shown = (policy: ClientPolicy): string[] =>
        play([start, connected, received(prompt), received(WELCOME)], policy).effects.flatMap((effect) =>
          effect.kind === 'display' ? effect.lines.map(formatServerLine) : [],
        );
      expect(shown({ ...POLICY, password: 'secret' })).toEqual([WELCOME]);
      expect(shown(POLICY)).toEqual([prompt, WELCOME]);
    });
  });

  describe('property: nothing typed is lost silently', () => {
    type Action =
      | { readonly kind: 'type' }
      | { readonly kind: 'ack' }
      | { readonly kind: 'drop'; readonly error: boolean }
      | { readonly kind: 'connect'; readonly ok: boolean }
      | { readonly kind: 'welcome' }
      | { readonly kind: 'quiet' }
      | { readonly kind: 'leave' }
      | { readonly kind: 'end-input' };

    const action: fc.Arbitrary<Action> = fc.oneof(
      { weight: 5, arbitrary: fc.constant<Action>({ kind: 'type' }) },
      { weight: 2, arbitrary: fc.constant<Action>({ kind: 'ack' }) },
      { weight: 2, arbitrary: fc.boolean().map((error): Action => ({ kind: 'drop', error })) },
      { weight: 3, arbitrary: fc.boolean().map((ok): Action => ({ kind: 'connect', ok })) },
      { weight: 2, arbitrary: fc.constant<Action>({ kind: 'welcome' }) },
      { weight: 1, arbitrary: fc.constant<Action>({ kind: 'quiet' }) },
      { weight: 1, arbitrary: fc.constant<Action>({ kind: 'leave' }) },
      { weight: 1, arbitrary: fc.constant<Action>({ kind: 'end-input' }) },
    );

    /**
     * A model tcpchat server that receives every write at once: it remembers the ids it took
     * (so a resent line counts once), answers /cap, and acknowledges on request.
     */
    function simulate(actions: readonly Action[], policy: ClientPolicy): void {
      let state = initialClientState(policy);
      let connectAsked = false;
      let link: 'none' | 'open' | 'welcomed' = 'none';
      let serverTagged = false;
      let halfClosed = false;
      let lastIdHere: string | undefined;
      let inputOver = false;
      let count = 0;
      const typedLines: string[] = [];
      const serverGot = new Set<string>(); // lines the server took, by text
      const firstSeen: string[] = []; // in the order the server first took them
      const textOfId = new Map<string, string>();
      const dropped = new Set<string>();
      let reportedTotal = 0;

      const step = (event: ClientEvent): void => {
        const before = state;
        const result = stepClient(state, event, policy);
        state = result.state;
        const reply: string[] = [];
        let reported = 0;
        for (const effect of result.effects) {
          switch (effect.kind) {
            case 'connect':
              expect(link).toBe('none');
              connectAsked = true;
              break;
            case 'end':
              expect(halfClosed).toBe(false);
              halfClosed = true;
              break;
            case 'send':
              expect(link).not.toBe('none');
              expect(halfClosed).toBe(false); // never a write after the half-close
              for (const line of effect.lines) {
                const tag = /^@id=(\S+) (.*)$/s.exec(line);
                if (line.startsWith('/cap ')) {
                  serverTagged = true;
                  reply.push(cap('E', 0));
                  continue;
                }
                if (line.startsWith('/nick ') || line.startsWith('/pass ') || line === '/quit') continue; // not typed lines
                if (tag) {
                  expect(serverTagged).toBe(true);
                  const [, id, text] = tag;
                  // An id always names the same line.
                  expect(textOfId.get(id) ?? text).toBe(text);
                  textOfId.set(id, text);
                  lastIdHere = id;
                  if (serverGot.has(text)) continue;
                  serverGot.add(text);
                  firstSeen.push(text);
                } else {
                  expect(serverTagged).toBe(false);
                  serverGot.add(line);
                  firstSeen.push(line);
                }
              }
              break;
            case 'status': {
              const full = /^outbox full: dropped the oldest (\d+) lines?$/.exec(effect.text);
              if (full) reported += Number(full[1]);
              break;
            }
            case 'pause-input':
              break;
            case 'exit': {
              const left = before.outbox.items.length;
              const unsent = /(\d+) lines? unsent/.exec(effect.message ?? '');
              // A line dropped at any time makes the end a failure.
              if (reportedTotal + reported > 0) expect(effect.code).toBe(1);
              // Lines that wait when the client ends are counted in its last sentence (unless it never
              // connected, or they went out on the connection it half-closed).
              const handedOver = event.kind === 'leave' && before.phase === 'connected' && before.tagged;
              if (left > 0 && before.everConnected && !handedOver) {
                expect(Number(unsent?.[1])).toBe(left);
              }
              break;
            }
            default:
              break;
          }
        }
        // Lines leave the outbox only by an ack, by being handed to the server, or with a report.
        const now = new Set(state.outbox.items.map((item) => item.id));
        const gone = before.outbox.items.filter((item) => !now.has(item.id));
        reportedTotal += reported;
        if (event.kind === 'typed') {
          // Pushed out of the outbox: dropped, unless it was written already (then the server has it here).
          for (const item of gone) if (!serverGot.has(item.line)) dropped.add(item.line);
        } else {
          for (const item of gone) expect(serverGot.has(item.line)).toBe(true);
        }
        // Every drop is reported, once a burst is over: no more reported than dropped (plus written ones at risk).
        expect(reportedTotal + state.dropped + state.unconfirmed).toBeGreaterThanOrEqual(dropped.size);
        if (reply.length > 0) step(received(...reply));
      };

      step(start);
      for (const next of actions) {
        if (state.phase === 'done') break;
        switch (next.kind) {
          case 'type': {
            if (inputOver) break;
            const line = `line ${++count}`;
            typedLines.push(line);
            step(typed(line));
            break;
          }
          case 'ack':
            if (link === 'welcomed' && serverTagged && lastIdHere !== undefined) step(received(`@ack=${lastIdHere}`));
            break;
          case 'drop':
            if (link === 'none') break;
            link = 'none';
            step(next.error ? lost() : closed);
            break;
          case 'connect':
            if (!connectAsked) break;
            connectAsked = false;
            if (next.ok) {
              link = 'open';
              serverTagged = false;
              halfClosed = false;
              lastIdHere = undefined;
              step(connected);
            } else {
              step(failed());
            }
            break;
          case 'welcome':
            if (link !== 'open') break;
            link = 'welcomed';
            step(received(WELCOME));
            break;
          case 'quiet':
            if (link === 'open') step({ kind: 'quiet' });
            break;
          case 'leave':
            inputOver = true; // clientMain stops reading input at Ctrl-C
            step(leave);
            break;
          case 'end-input':
            if (inputOver) break;
            inputOver = true;
            step(inputEnded);
            break;
        }
      }

      // A pipe never drops: its input pauses instead.
      if (!policy.interactive) expect([dropped.size, reportedTotal]).toEqual([0, 0]);
      const waiting = new Set(state.outbox.items.map((item) => item.line));
      for (const line of typedLines) {
        expect(waiting.has(line) || serverGot.has(line) || dropped.has(line)).toBe(true);
      }
      // The server took each line once, in the order typed.
      const order = firstSeen.map((line) => typedLines.indexOf(line));
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }

    it('holds for random typing, acks, drops and reconnects', () => {
      fc.assert(
        fc.property(
          fc.array(action, { maxLength: 80 }),
          fc.integer({ min: 1, max: 4 }),
          fc.constantFrom(0, 2, Infinity),
          fc.boolean(),
          fc.constantFrom(0, 1000),
          (actions, maxLines, retries, interactive, greetingMs) => {
            simulate(actions, { ...POLICY, retries, interactive, greetingMs, outbox: { maxLines, maxBytes: 1024 } });
          },
        ),
        { numRuns: 500 },
      );
    });
  });
});

describe('stepClient, a failure no retry mends (an untrusted certificate)', () => {
  it('exits 1 at once with its sentence and the count of lines unsent', () => {
    const down = then(tagged(), [typed('one'), typed('two'), lost()]);
    const { effects } = then(down, [{ kind: 'connect-failed', error: new Error('untrusted'), final: 'the certificate has changed' }]);
    expect(effects).toEqual([{ kind: 'exit', code: 1, message: 'the certificate has changed; 2 lines unsent' }]);
  });
});

describe('stepClient heartbeat', () => {
  const silent = (periods: number): ClientEvent => ({ kind: 'silent', periods });

  it('answers a ping at once and shows neither pings nor pongs', () => {
    const { effects } = then(tagged(), [received('@ping', '@pong')]);
    expect(effects).toEqual([{ kind: 'send', lines: ['@pong'] }]);
  });

  it('pings a silent tcpchat server after each heartbeat, and drops the link after two unanswered pings', () => {
    const { effects } = then(tagged(), [silent(1), silent(2), silent(3)]);
    expect(effects).toEqual([{ kind: 'send', lines: ['@ping'] }, { kind: 'send', lines: ['@ping'] }, { kind: 'drop' }]);
  });

  it('never pings a peer that did not speak tags, however silent', () => {
    expect(play([start, connected, received('hello from nc'), silent(1), silent(2), silent(3), silent(4)]).effects).toEqual([
      { kind: 'connect', afterMs: 0 },
      { kind: 'display', lines: [{ kind: 'text', text: 'hello from nc' }] },
    ]);
  });

  it('says once, a heartbeat after its input was all sent, that it waits for a quiet plain peer to close (a peer that never spoke, or nc -l)', () => {
    const sent = play([start, connected, typed('one'), { kind: 'quiet' }, silent(1), inputEnded], { ...POLICY, greetingMs: 1000 });
    expect(sent.effects.slice(1)).toEqual([send('one'), { kind: 'end' }]);
    expect(then(sent, [silent(2), silent(3), received('bye from nc'), silent(1)]).effects).toEqual([
      status('all input sent; waiting for 127.0.0.1:2023 to close the connection (Ctrl-C leaves)'),
      { kind: 'display', lines: [{ kind: 'text', text: 'bye from nc' }] },
    ]);
  });

  it('drops a reconnect to a tcpchat server that stays silent, without pinging it before it speaks tags', () => {
    const away = then(tagged(), [lost(), connected]);
    expect(then(away, [silent(1), silent(2)]).effects).toEqual([]);
    expect(then(away, [silent(3)]).effects).toEqual([{ kind: 'drop' }]);
  });
});
