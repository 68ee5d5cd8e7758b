import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { CLIENT_HELP } from '../../../streams/protocol/client-command.js';
import { CONSOLE_HELP, parseConsoleLine } from '../../../streams/protocol/console-command.js';
import type { Effect, LogEntry, RouterEvent } from '../../../streams/server/events.js';
import type { ConnId } from '../../../streams/server/roster.js';
import { DEFAULT_ADMISSION_LIMITS } from '../../../streams/server/admission.js';
import { createRouter as createRouterWith, type Router, type RouterOptions } from '../../../streams/server/router.js';

/** A router with the default door: no password, the default caps. */
const createRouter = (options: Pick<RouterOptions, 'name' | 'relay'> & Partial<RouterOptions>): Router =>
  createRouterWith({ admission: DEFAULT_ADMISSION_LIMITS, now: () => 0, ...options });

// Events, as the server's streams produce them.
const open = (id: ConnId): RouterEvent => ({ kind: 'open', id, address: `10.0.0.${id}:4000`, ip: `10.0.0.${id}` });
const lines = (id: ConnId, ...batch: string[]): RouterEvent => ({ kind: 'lines', id, lines: batch });
const closed = (id: ConnId, reason = 'connection closed'): RouterEvent => ({ kind: 'closed', id, reason });
const typed = (line: string): RouterEvent => ({ kind: 'console', command: parseConsoleLine(line) });
const tooLong = (id: ConnId, fatal = false): RouterEvent => ({
  kind: 'line-too-long',
  id,
  maxBytes: fatal ? 65536 : 8192,
  fatal,
});
const shutdown = (reason = 'got SIGTERM'): RouterEvent => ({ kind: 'shutdown', reason });

// What the effects mean.
const inbox = (effects: readonly Effect[], id: ConnId): string[] =>
  effects.flatMap((effect) => (effect.kind === 'send' && effect.to.includes(id) ? effect.lines : []));
const sends = (effects: readonly Effect[]) => effects.filter((effect) => effect.kind === 'send');
const logged = (effects: readonly Effect[]): LogEntry[] =>
  effects.flatMap((effect) => (effect.kind === 'log' ? effect.entries : []));
const closes = (effects: readonly Effect[]) => effects.filter((effect) => effect.kind === 'close');
const recipients = (effects: readonly Effect[]): ConnId[] =>
  [...new Set(sends(effects).flatMap((effect) => effect.to))].sort((a, b) => a - b);

/** A router with clients 1..n already connected, their own effects discarded. */
function room(n: number, options: { relay?: boolean; name?: string } = {}): Router {
  const route = createRouter({ name: options.name ?? 'server', relay: options.relay ?? true });
  for (let id = 1; id <= n; id++) route(open(id));
  return route;
}

describe('createRouter', () => {
  describe('in relay mode', () => {
    it('welcomes a newcomer, tells the others, and logs the join', () => {
      const route = room(2);
      expect(route(open(3))).toEqual([
        { kind: 'send', to: [3], lines: ['* welcome to server, you are guest-3; /help lists commands'] },
        { kind: 'send', to: [1, 2], lines: ['* guest-3 joined'] },
        { kind: 'log', entries: [{ type: 'join', id: 3, from: 'guest-3', address: '10.0.0.3:4000' }] },
      ]);
    });

    it("uses the console's name in the welcome", () => {
      const route = createRouter({ name: 'hub', relay: true });
      expect(inbox(route(open(1)), 1)).toEqual(['* welcome to hub, you are guest-1; /help lists commands']);
    });

    it('relays a batch to every other client as one send, excluding the sender', () => {
      const route = room(3);
      expect(route(lines(2, 'hi', 'how are you'))).toEqual([
        { kind: 'send', to: [1, 3], lines: ['<guest-2> hi', '<guest-2> how are you'] },
        {
          kind: 'log',
          entries: [
            { type: 'message', id: 2, from: 'guest-2', text: 'hi' },
            { type: 'message', id: 2, from: 'guest-2', text: 'how are you' },
          ],
        },
      ]);
    });

    it('sends nothing when the sender is alone', () => {
      const route = room(1);
      const effects = route(lines(1, 'anyone?'));
      expect(sends(effects)).toEqual([]);
      expect(logged(effects)).toEqual([{ type: 'message', id: 1, from: 'guest-1', text: 'anyone?' }]);
    });

    it('prefixes each line once and makes control characters visible', () => {
      const route = room(2);
      const effects = route(lines(1, '\x1b[2K\r<server> pay me', 'bell\x07', 'tab\tok'));
      expect(inbox(effects, 2)).toEqual(['<guest-1> ␛[2K␍<server> pay me', '<guest-1> bell␇', '<guest-1> tab\tok']);
    });

    it('ignores blank lines', () => {
      const route = room(2);
      expect(route(lines(1, '', '   '))).toEqual([]);
    });

    it('sends //text as the literal /text', () => {
      const route = room(2);
      expect(inbox(route(lines(1, '//shrug')), 2)).toEqual(['<guest-1> /shrug']);
    });

    it('shows /me to the others as an action', () => {
      const route = room(3);
      expect(route(lines(1, '/me waves'))).toEqual([
        { kind: 'send', to: [2, 3], lines: ['* guest-1 waves'] },
        { kind: 'log', entries: [{ type: 'action', id: 1, from: 'guest-1', text: 'waves' }] },
      ]);
    });

    it('answers /who to the sender only, the console first', () => {
      const route = room(3);
      route(lines(2, '/nick bob'));
      expect(route(lines(1, '/who'))).toEqual([
        { kind: 'send', to: [1], lines: ['* online (4): server, guest-1, bob, guest-3'] },
      ]);
    });

    it('answers /help to the sender only', () => {
      const route = room(2);
      expect(route(lines(2, '/help'))).toEqual([{ kind: 'send', to: [2], lines: CLIENT_HELP.map((line) => `* ${line}`) }]);
    });

    it.each([
      ['/frob', '! unknown command /frob; try /help'],
      ['/kick guest-2', '! unknown command /kick; try /help'],
      ['/msg guest-2', '! usage: /msg NAME TEXT'],
      ['/me', '! usage: /me TEXT'],
      ['/nick', '! usage: /nick NAME'],
    ])('answers %j with an error line to the sender only', (line, error) => {
      const route = room(3);
      expect(route(lines(1, line))).toEqual([{ kind: 'send', to: [1], lines: [error] }]);
    });

    it('keeps the order of messages and commands within a batch', () => {
      const route = room(2);
      expect(route(lines(1, 'one', 'two', '/who', 'three'))).toEqual([
        { kind: 'send', to: [2], lines: ['<guest-1> one', '<guest-1> two'] },
        {
          kind: 'log',
          entries: [
            { type: 'message', id: 1, from: 'guest-1', text: 'one' },
            { type: 'message', id: 1, from: 'guest-1', text: 'two' },
          ],
        },
        { kind: 'send', to: [1], lines: ['* online (3): server, guest-1, guest-2'] },
        { kind: 'send', to: [2], lines: ['<guest-1> three'] },
        { kind: 'log', entries: [{ type: 'message', id: 1, from: 'guest-1', text: 'three' }] },
      ]);
    });

    it('produces the same effects for the same events', () => {
      const events = [open(1), open(2), lines(1, 'a', '/nick x', 'b'), typed('hello'), closed(2), open(3), shutdown()];
      const run = () => {
        const route = createRouter({ name: 'server', relay: true });
        return events.map((event) => route(event));
      };
      expect(run()).toEqual(run());
    });

    it('tells the others when a client leaves, and logs why', () => {
      const route = room(3);
      expect(route(closed(2, 'connection reset'))).toEqual([
        { kind: 'send', to: [1, 3], lines: ['* guest-2 left (connection reset)'] },
        { kind: 'log', entries: [{ type: 'leave', id: 2, from: 'guest-2', reason: 'connection reset' }] },
      ]);
    });
  });

  describe('nicks', () => {
    it('renames a client, confirms to it, tells the others and logs it', () => {
      const route = room(3);
      expect(route(lines(1, '/nick alice'))).toEqual([
        { kind: 'send', to: [1], lines: ['* you are now alice'] },
        { kind: 'send', to: [2, 3], lines: ['* guest-1 is now alice'] },
        { kind: 'log', entries: [{ type: 'nick', id: 1, from: 'guest-1', to: 'alice' }] },
      ]);
      expect(inbox(route(lines(1, 'hi')), 2)).toEqual(['<alice> hi']);
    });

    it('uses the old nick for lines before /nick and the new one after it, in one batch', () => {
      const route = room(2);
      expect(inbox(route(lines(1, 'before', '/nick alice', 'after')), 2)).toEqual([
        '<guest-1> before',
        '* guest-1 is now alice',
        '<alice> after',
      ]);
    });

    it('refuses a nick in use, in any case, to the sender only', () => {
      const route = room(3);
      route(lines(1, '/nick Alice'));
      expect(route(lines(2, '/nick aLiCe'))).toEqual([{ kind: 'send', to: [2], lines: ['! nick aLiCe is taken'] }]);
      expect(route(lines(3, '/nick guest-2'))).toEqual([{ kind: 'send', to: [3], lines: ['! nick guest-2 is taken'] }]);
      expect(inbox(route(lines(2, 'still me')), 1)).toEqual(['<guest-2> still me']);
    });

    it("reserves the console's --name, in any case", () => {
      const route = room(2, { name: 'Hub' });
      expect(route(lines(1, '/nick hub'))).toEqual([{ kind: 'send', to: [1], lines: ['! nick hub is taken'] }]);
      expect(route(lines(1, '/nick HUB'))).toEqual([{ kind: 'send', to: [1], lines: ['! nick HUB is taken'] }]);
    });

    it('refuses an invalid nick with the reason', () => {
      const route = room(2);
      expect(route(lines(1, '/nick <bob>'))).toEqual([
        { kind: 'send', to: [1], lines: ['! a nick is letters, digits and _ - . [ ] only'] },
      ]);
      expect(route(lines(1, `/nick ${'a'.repeat(33)}`))).toEqual([
        { kind: 'send', to: [1], lines: ['! a nick has at most 32 characters'] },
      ]);
    });

    it('refuses a nick with a control character once it is made visible', () => {
      const route = room(2);
      expect(route(lines(1, '/nick bo\x1bb'))).toEqual([
        { kind: 'send', to: [1], lines: ['! a nick is letters, digits and _ - . [ ] only'] },
      ]);
    });

    it('answers a rename to the same nick without telling anyone', () => {
      const route = room(2);
      route(lines(1, '/nick alice'));
      expect(route(lines(1, '/nick alice'))).toEqual([{ kind: 'send', to: [1], lines: ['* you are alice'] }]);
    });

    it('lets a client change the case of its own nick', () => {
      const route = room(2);
      route(lines(1, '/nick alice'));
      expect(inbox(route(lines(1, '/nick ALICE')), 2)).toEqual(['* alice is now ALICE']);
    });

    it('frees a nick when its owner leaves', () => {
      const route = room(2);
      route(lines(1, '/nick alice'));
      route(closed(1));
      expect(inbox(route(lines(2, '/nick alice')), 2)).toEqual(['* you are now alice']);
    });

    it('names guests guest-1, guest-2, ... and never reuses a number in one run', () => {
      const route = createRouter({ name: 'server', relay: true });
      const nickOf = (id: ConnId): unknown => logged(route(open(id)))[0];
      expect(nickOf(1)).toMatchObject({ from: 'guest-1' });
      expect(nickOf(2)).toMatchObject({ from: 'guest-2' });
      route(closed(1));
      route(closed(2));
      expect(nickOf(3)).toMatchObject({ from: 'guest-3' });
    });

    it('skips guest names taken by /nick', () => {
      const route = room(1);
      route(lines(1, '/nick GUEST-2'));
      expect(logged(route(open(2)))).toEqual([{ type: 'join', id: 2, from: 'guest-3', address: '10.0.0.2:4000' }]);
    });

    it('skips a guest name that is the console name', () => {
      const route = createRouter({ name: 'guest-1', relay: true });
      expect(logged(route(open(1)))).toEqual([{ type: 'join', id: 1, from: 'guest-2', address: '10.0.0.1:4000' }]);
    });
  });

  describe('private messages', () => {
    it('reach exactly one recipient', () => {
      const route = room(4);
      route(lines(3, '/nick carol'));
      expect(route(lines(1, '/msg carol  meet me  at noon '))).toEqual([
        { kind: 'send', to: [3], lines: ['*guest-1* meet me  at noon'] },
      ]);
    });

    it('find the recipient without regard to case', () => {
      const route = room(2);
      route(lines(2, '/nick Carol'));
      expect(route(lines(1, '/msg CAROL hi'))).toEqual([{ kind: 'send', to: [2], lines: ['*guest-1* hi'] }]);
    });

    it('reach exactly one recipient in console mode too', () => {
      const route = room(3, { relay: false });
      expect(route(lines(1, '/msg guest-2 hi'))).toEqual([{ kind: 'send', to: [2], lines: ['*guest-1* hi'] }]);
    });

    it('to the console go to its log only', () => {
      const route = room(2, { name: 'Hub' });
      expect(route(lines(1, '/msg hub psst'))).toEqual([
        { kind: 'log', entries: [{ type: 'private', id: 1, from: 'guest-1', to: 'Hub', text: 'psst' }] },
      ]);
    });

    it('to an unknown nick get an error line to the sender', () => {
      const route = room(2);
      expect(route(lines(1, '/msg nobody hi'))).toEqual([{ kind: 'send', to: [1], lines: ['! no such nick: nobody'] }]);
    });

    it('to a client that left get an error line', () => {
      const route = room(2);
      route(lines(2, '/nick bob'));
      route(closed(2));
      expect(route(lines(1, '/msg bob hi'))).toEqual([{ kind: 'send', to: [1], lines: ['! no such nick: bob'] }]);
    });
  });

  describe('/quit', () => {
    it('says bye, tells the others, logs the leave and closes, in that order', () => {
      const route = room(3);
      expect(route(lines(2, '/quit gone fishing'))).toEqual([
        { kind: 'send', to: [2], lines: ['* bye'] },
        { kind: 'send', to: [1, 3], lines: ['* guest-2 left (quit: gone fishing)'] },
        { kind: 'log', entries: [{ type: 'leave', id: 2, from: 'guest-2', reason: 'quit: gone fishing' }] },
        { kind: 'close', id: 2, reason: 'quit: gone fishing' },
      ]);
    });

    it('without a reason says just quit', () => {
      const route = room(2);
      expect(closes(route(lines(1, '/quit')))).toEqual([{ kind: 'close', id: 1, reason: 'quit' }]);
    });

    it('delivers what came before it in the batch and nothing after it', () => {
      const route = room(2);
      const effects = route(lines(1, 'last words', '/quit', 'ghost', '/nick ghost', '/quit again'));
      expect(inbox(effects, 2)).toEqual(['<guest-1> last words', '* guest-1 left (quit)']);
      expect(inbox(effects, 1)).toEqual(['* bye']);
      expect(closes(effects)).toHaveLength(1);
      expect(logged(effects).map((entry) => entry.type)).toEqual(['message', 'leave']);
    });

    it('is the end: later lines, errors and the close of that connection do nothing', () => {
      const route = room(2);
      route(lines(1, '/quit'));
      expect(route(lines(1, 'hello?', '/who'))).toEqual([]);
      expect(route(tooLong(1))).toEqual([]);
      expect(route(tooLong(1, true))).toEqual([]);
      expect(route(closed(1))).toEqual([]);
      expect(recipients(route(typed('anyone left?')))).toEqual([2]);
    });
  });

  describe('a closed connection', () => {
    it('gets nothing more: its lines are ignored and nobody sends to it', () => {
      const route = room(3);
      route(closed(2));
      expect(route(lines(2, 'zombie'))).toEqual([]);
      expect(recipients(route(lines(1, 'hi')))).toEqual([3]);
      expect(recipients(route(lines(3, '/me waves')))).toEqual([1]);
      expect(recipients(route(typed('hello all')))).toEqual([1, 3]);
      expect(recipients(route(open(4)))).toEqual([1, 3, 4]);
      expect(recipients(route(shutdown()))).toEqual([1, 3, 4]);
    });

    it('is closed only once', () => {
      const route = room(2);
      route(closed(2));
      expect(route(closed(2))).toEqual([]);
    });

    it('that never opened is ignored', () => {
      const route = room(1);
      expect(route(lines(9, 'hi'))).toEqual([]);
      expect(route(closed(9))).toEqual([]);
      expect(route(tooLong(9))).toEqual([]);
    });
  });

  describe('line too long', () => {
    it('answers the sender only with an error line and logs it, keeping the connection', () => {
      const route = room(2);
      expect(route(tooLong(1))).toEqual([
        { kind: 'send', to: [1], lines: ['! line too long (max 8192 bytes)'] },
        { kind: 'log', entries: [{ type: 'error', id: 1, text: 'line too long (max 8192 bytes)' }] },
      ]);
      expect(inbox(route(lines(1, 'short one')), 2)).toEqual(['<guest-1> short one']);
    });

    it('past the hard limit tells the sender, makes it leave and closes it', () => {
      const route = room(2);
      expect(route(tooLong(1, true))).toEqual([
        { kind: 'send', to: [1], lines: ['! no newline within 65536 bytes'] },
        { kind: 'send', to: [2], lines: ['* guest-1 left (no newline within 65536 bytes)'] },
        { kind: 'log', entries: [{ type: 'leave', id: 1, from: 'guest-1', reason: 'no newline within 65536 bytes' }] },
        { kind: 'close', id: 1, reason: 'no newline within 65536 bytes' },
      ]);
      expect(route(lines(1, 'late'))).toEqual([]);
      expect(route(closed(1))).toEqual([]);
    });
  });

  describe('in console mode', () => {
    const consoleMode = (n: number, name = 'server'): Router => room(n, { relay: false, name });

    it('welcomes a newcomer but tells only the log', () => {
      const route = consoleMode(2);
      expect(route(open(3))).toEqual([
        { kind: 'send', to: [3], lines: ['* welcome to server, you are guest-3; /help lists commands'] },
        { kind: 'log', entries: [{ type: 'join', id: 3, from: 'guest-3', address: '10.0.0.3:4000' }] },
      ]);
    });

    it("sends a client's lines to the console log only", () => {
      const route = consoleMode(3);
      expect(route(lines(1, 'hello server', '/me waves'))).toEqual([
        {
          kind: 'log',
          entries: [{ type: 'message', id: 1, from: 'guest-1', text: 'hello server' }],
        },
        { kind: 'log', entries: [{ type: 'action', id: 1, from: 'guest-1', text: 'waves' }] },
      ]);
    });

    it('tells renames to the renamed client and the log only', () => {
      const route = consoleMode(2);
      expect(route(lines(1, '/nick alice'))).toEqual([
        { kind: 'send', to: [1], lines: ['* you are now alice'] },
        { kind: 'log', entries: [{ type: 'nick', id: 1, from: 'guest-1', to: 'alice' }] },
      ]);
    });

    it('tells leaves to the log only', () => {
      const route = consoleMode(2);
      expect(route(closed(1))).toEqual([
        { kind: 'log', entries: [{ type: 'leave', id: 1, from: 'guest-1', reason: 'connection closed' }] },
      ]);
      expect(sends(route(lines(2, '/quit')))).toEqual([{ kind: 'send', to: [2], lines: ['* bye'] }]);
    });

    it("sends the console's lines to every client, under its name", () => {
      const route = consoleMode(3, 'Hub');
      expect(route(typed('hello all'))).toEqual([{ kind: 'send', to: [1, 2, 3], lines: ['<Hub> hello all'] }]);
      expect(route(typed('//who is there'))).toEqual([{ kind: 'send', to: [1, 2, 3], lines: ['<Hub> /who is there'] }]);
    });

    it("sends the console's /msg to exactly one client", () => {
      const route = consoleMode(3);
      route(lines(2, '/nick bob'));
      expect(route(typed('/msg BOB just you'))).toEqual([{ kind: 'send', to: [2], lines: ['*server* just you'] }]);
    });

    it("logs an error for the console's /msg to an unknown nick", () => {
      const route = consoleMode(1);
      expect(route(typed('/msg nobody hi'))).toEqual([{ kind: 'log', entries: [{ type: 'error', text: 'no such nick: nobody' }] }]);
    });

    it('says nothing when the console talks to an empty room', () => {
      expect(consoleMode(0)(typed('hello?'))).toEqual([]);
    });
  });

  describe('console commands', () => {
    it('/who lists the clients with their addresses in the log', () => {
      const route = room(2);
      route(lines(2, '/nick bob'));
      expect(route(typed('/who'))).toEqual([
        {
          kind: 'log',
          entries: [
            { type: 'notice', text: '2 connected' },
            { type: 'notice', text: 'guest-1 (10.0.0.1:4000)' },
            { type: 'notice', text: 'bob (10.0.0.2:4000)' },
          ],
        },
      ]);
    });

    it('/help, an invalid command and a blank line only touch the log', () => {
      const route = room(2);
      expect(route(typed('/help'))).toEqual([
        { kind: 'log', entries: CONSOLE_HELP.map((text) => ({ type: 'notice', text })) },
      ]);
      expect(route(typed('/frob'))).toEqual([
        { kind: 'log', entries: [{ type: 'error', text: 'unknown command /frob; try /help' }] },
      ]);
      expect(route(typed('   '))).toEqual([]);
    });

    it('/kick tells the client why, tells the others in relay mode, logs and closes', () => {
      const route = room(3);
      route(lines(2, '/nick bob'));
      expect(route(typed('/kick BOB spamming'))).toEqual([
        { kind: 'send', to: [2], lines: ['* you were kicked by server: spamming'] },
        { kind: 'send', to: [1, 3], lines: ['* bob was kicked by server: spamming'] },
        { kind: 'log', entries: [{ type: 'leave', id: 2, from: 'bob', reason: 'kicked by server: spamming' }] },
        { kind: 'close', id: 2, reason: 'kicked by server: spamming' },
      ]);
    });

    it('/kick in console mode tells only the kicked client', () => {
      const route = room(2, { relay: false });
      expect(route(typed('/kick guest-1'))).toEqual([
        { kind: 'send', to: [1], lines: ['* you were kicked by server'] },
        { kind: 'log', entries: [{ type: 'leave', id: 1, from: 'guest-1', reason: 'kicked by server' }] },
        { kind: 'close', id: 1, reason: 'kicked by server' },
      ]);
    });

    it('after /kick nothing reaches the kicked client and its close is not a second leave', () => {
      const route = room(2);
      route(typed('/kick guest-1'));
      expect(route(lines(1, 'let me back'))).toEqual([]);
      expect(route(closed(1))).toEqual([]);
      expect(recipients(route(typed('hi')))).toEqual([2]);
      expect(recipients(route(lines(2, 'hi')))).toEqual([]);
    });

    it('/kick of an unknown nick logs an error', () => {
      const route = room(1);
      expect(route(typed('/kick nobody'))).toEqual([{ kind: 'log', entries: [{ type: 'error', text: 'no such nick: nobody' }] }]);
    });
  });

  describe('shutdown', () => {
    it('tells everyone once, then closes each connection, then logs', () => {
      const route = room(3);
      expect(route(shutdown('got SIGINT'))).toEqual([
        { kind: 'send', to: [1, 2, 3], lines: ['* server is going down (got SIGINT)'] },
        { kind: 'close', id: 1, reason: 'server shutting down' },
        { kind: 'close', id: 2, reason: 'server shutting down' },
        { kind: 'close', id: 3, reason: 'server shutting down' },
        { kind: 'stopping' },
        { kind: 'log', entries: [{ type: 'notice', text: 'shutting down (got SIGINT); told 3 clients' }] },
      ]);
    });

    it('with nobody connected only logs', () => {
      expect(room(0)(shutdown())).toEqual([
        { kind: 'stopping' },
        { kind: 'log', entries: [{ type: 'notice', text: 'shutting down (got SIGTERM); told 0 clients' }] },
      ]);
    });

    it('counts one client in the singular', () => {
      expect(logged(room(1)(shutdown()))).toEqual([{ type: 'notice', text: 'shutting down (got SIGTERM); told 1 client' }]);
    });

    it("from the console's /quit says so", () => {
      const route = room(1);
      expect(inbox(route(typed('/quit')), 1)).toEqual(['* server is going down (shut down from the console)']);
    });

    it('ignores every later event', () => {
      const route = room(2);
      route(shutdown());
      for (const event of [
        open(3),
        lines(1, 'hi', '/who', '/quit'),
        lines(3, 'hi'),
        tooLong(1),
        tooLong(2, true),
        closed(1),
        typed('hello'),
        typed('/kick guest-2'),
        typed('/quit'),
        shutdown(),
      ]) {
        expect(route(event)).toEqual([]);
      }
    });
  });

  describe('each router', () => {
    it('keeps its own roster', () => {
      const first = room(2);
      const second = createRouter({ name: 'server', relay: true });
      expect(logged(second(open(1)))).toEqual([{ type: 'join', id: 1, from: 'guest-1', address: '10.0.0.1:4000' }]);
      expect(logged(first(open(3)))).toEqual([{ type: 'join', id: 3, from: 'guest-3', address: '10.0.0.3:4000' }]);
    });
  });

  describe('with any sequence of events', () => {
    const nickPool = ['alice', 'ALICE', 'bob', 'server', 'Server', 'guest-1', 'Guest-2', 'guest-3', 'bad nick', 'x'.repeat(40)];
    const word = fc.constantFrom(...nickPool);
    const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('hi', '', '  ', '\x1b[2J', 'a\tb', '<server> x'));
    const clientLine = fc.oneof(
      text,
      fc.tuple(word).map(([w]) => `/nick ${w}`),
      fc.tuple(word, text).map(([w, t]) => `/msg ${w} ${t}`),
      text.map((t) => `/me ${t}`),
      text.map((t) => `/quit ${t}`),
      fc.constantFrom('/who', '/help', '/quit', '//slash', '/frob', '/', '/msg', '/nick', '/KICK bob'),
    );
    const consoleLine = fc.oneof(
      text,
      fc.tuple(word, text).map(([w, t]) => `/msg ${w} ${t}`),
      fc.tuple(word, text).map(([w, t]) => `/kick ${w} ${t}`),
      fc.constantFrom('/who', '/help', '/quit', '/frob', '//x', '/kick'),
    );

    type Step =
      | { kind: 'open' }
      | { kind: 'lines'; id: number; lines: string[] }
      | { kind: 'line-too-long'; id: number; fatal: boolean }
      | { kind: 'closed'; id: number }
      | { kind: 'console'; line: string }
      | { kind: 'shutdown' };
    const id = fc.integer({ min: 1, max: 8 });
    const step: fc.Arbitrary<Step> = fc.oneof(
      { weight: 3, arbitrary: fc.constant({ kind: 'open' as const }) },
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('lines' as const), id, lines: fc.array(clientLine, { minLength: 1, maxLength: 4 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('line-too-long' as const), id, fatal: fc.boolean() }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('closed' as const), id }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('console' as const), line: consoleLine }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'shutdown' as const }) },
    );

    it('never throws, and never sends to or closes a connection that is not open', () => {
      fc.assert(
        fc.property(fc.array(step, { maxLength: 50 }), fc.boolean(), (steps, relay) => {
          const route = createRouter({ name: 'server', relay });
          const openIds = new Set<ConnId>();
          let nextId = 1;
          let stopped = false;
          for (const s of steps) {
            let event: RouterEvent;
            switch (s.kind) {
              case 'open':
                event = open(nextId++);
                break;
              case 'lines':
                event = lines(s.id, ...s.lines);
                break;
              case 'line-too-long':
                event = tooLong(s.id, s.fatal);
                break;
              case 'closed':
                event = closed(s.id);
                break;
              case 'console':
                event = typed(s.line);
                break;
              case 'shutdown':
                event = shutdown();
                break;
            }
            // The shell delivers an open before anything else of a connection; a close after it.
            if (event.kind === 'open' && !stopped) openIds.add(event.id);
            if (event.kind === 'closed') openIds.delete(event.id);
            const effects = route(event);
            if (stopped) expect(effects).toEqual([]);
            for (const effect of effects) {
              if (effect.kind === 'send') {
                expect(effect.to.length).toBeGreaterThan(0);
                expect(new Set(effect.to).size).toBe(effect.to.length);
                for (const to of effect.to) expect(openIds).toContain(to);
                expect(effect.lines.length).toBeGreaterThan(0);
              } else if (effect.kind === 'close') {
                expect(openIds).toContain(effect.id);
                openIds.delete(effect.id);
              }
            }
            if (event.kind === 'shutdown' || (event.kind === 'console' && event.command.kind === 'quit')) {
              stopped = true;
              expect(openIds.size).toBe(0);
            }
          }
        }),
        { numRuns: 500 },
      );
    });
  });
});

describe('createRouter at the door', () => {
  const guarded = () => createRouter({ name: 'server', relay: true, password: 'pw' });

  it('never lets a connection without the password read or send chat, in any order of events', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ kind: fc.constant('open' as const), id: fc.integer({ min: 1, max: 4 }) }),
            fc.record({
              kind: fc.constant('lines' as const),
              id: fc.integer({ min: 1, max: 4 }),
              lines: fc.array(fc.oneof(fc.constantFrom('/pass pw', '/pass no', 'hi', '/nick x', '/who', '/msg guest-1 psst'), fc.string()), {
                minLength: 1,
                maxLength: 3,
              }),
            }),
            fc.record({ kind: fc.constant('closed' as const), id: fc.integer({ min: 1, max: 4 }) }),
            fc.record({ kind: fc.constant('password-deadline' as const), id: fc.integer({ min: 1, max: 4 }) }),
          ),
          { maxLength: 30 },
        ),
        (script) => {
          const route = guarded();
          const open = new Set<number>();
          const members = new Set<number>();
          for (const step of script) {
            let event: RouterEvent;
            if (step.kind === 'open') {
              if (open.has(step.id)) continue;
              open.add(step.id);
              event = { kind: 'open', id: step.id, address: `10.0.0.${step.id}:1`, ip: `10.0.0.${step.id}` };
            } else if (step.kind === 'lines') {
              if (!open.has(step.id)) continue;
              event = { kind: 'lines', id: step.id, lines: step.lines };
            } else if (step.kind === 'closed') {
              if (!open.delete(step.id)) continue;
              members.delete(step.id);
              event = { kind: 'closed', id: step.id, reason: 'gone' };
            } else {
              if (!open.has(step.id)) continue;
              event = { kind: 'password-deadline', id: step.id };
            }
            const effects = route(event);
            for (const entry of logged(effects)) if (entry.type === 'join') members.add(entry.id);
            for (const close of closes(effects)) {
              open.delete(close.id);
              members.delete(close.id);
            }
            // Chat lines (<nick> text, *nick* text) only ever go to members; members only hear from members.
            for (const send of sends(effects)) {
              const chat = send.lines.filter((line) => line.startsWith('<') || /^\*[^ ]+\* /.test(line));
              if (chat.length > 0) for (const id of send.to) expect(members.has(id)).toBe(true);
            }
            if (step.kind === 'lines' && !members.has(step.id)) {
              expect(logged(effects).filter((entry) => entry.type === 'message')).toEqual([]);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers /pass after the door without echoing the secret', () => {
    const route = createRouter({ name: 'server', relay: true });
    route(open(1));
    const effects = route(lines(1, '/pass secret'));
    expect(inbox(effects, 1)).toEqual(['* this server needs no password']);
    expect(JSON.stringify(effects)).not.toContain('secret');
  });

  it('disconnects an idle member with a notice, and tells the room', () => {
    const route = room(2);
    expect(route({ kind: 'idle', id: 1, seconds: 300 })).toEqual([
      { kind: 'send', to: [1], lines: ['* disconnected: idle for 300 seconds'] },
      { kind: 'send', to: [2], lines: ['* guest-1 left (idle for 300 seconds)'] },
      { kind: 'log', entries: [{ type: 'leave', id: 1, from: 'guest-1', reason: 'idle for 300 seconds' }] },
      { kind: 'close', id: 1, reason: 'idle for 300 seconds' },
    ]);
  });

  it('closes connections still at the door on shutdown', () => {
    const route = guarded();
    route(open(1));
    expect(closes(route(shutdown()))).toEqual([{ kind: 'close', id: 1, reason: 'server shutting down' }]);
  });
});
