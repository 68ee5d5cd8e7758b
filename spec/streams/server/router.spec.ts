import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { CLIENT_HELP } from '../../../streams/protocol/client-command.js';
import { CONSOLE_HELP, parseConsoleLine } from '../../../streams/protocol/console-command.js';
import { parseTagged } from '../../../streams/protocol/tags.js';
import type { Effect, LogEntry, RouterEvent } from '../../../streams/server/events.js';
import type { ConnId } from '../../../streams/server/model.js';
import { DEFAULT_ADMISSION_LIMITS } from '../../../streams/server/admission.js';
import { createRouter as createRouterWith, type Router, type RouterOptions } from '../../../streams/server/router.js';

/** A router with the default door: no password, the default caps. */
const createRouter = (options: Pick<RouterOptions, 'name' | 'mode'> & Partial<RouterOptions>): Router =>
  createRouterWith({ admission: DEFAULT_ADMISSION_LIMITS, now: () => 0, ...options });

// Events, as the server's streams produce them.
const open = (id: ConnId): RouterEvent => ({ kind: 'open', id, ip: `10.0.0.${id}`, port: 4000 });
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
const logged = (effects: readonly Effect[]): LogEntry[] => effects.flatMap((effect) => (effect.kind === 'log' ? effect.entries : []));
const closes = (effects: readonly Effect[]) => effects.filter((effect) => effect.kind === 'close');
const recipients = (effects: readonly Effect[]): ConnId[] =>
  [...new Set(sends(effects).flatMap((effect) => effect.to))].sort((a, b) => a - b);

/** A router with clients 1..n already connected, their own effects discarded. */
function room(n: number, options: { relay?: boolean; name?: string } = {}): Router {
  const route = createRouter({ name: options.name ?? 'server', mode: options.relay === false ? 'console-only' : 'room' });
  for (let id = 1; id <= n; id++) route(open(id));
  return route;
}

describe('createRouter', () => {
  describe('in relay mode', () => {
    it("welcomes a newcomer with its room and the room's last lines, tells the others, and logs the join", () => {
      const route = room(2);
      route(lines(1, 'hi'));
      expect(route(open(3))).toEqual([
        {
          kind: 'send',
          to: [3],
          lines: [
            '* welcome to server, you are guest-3 in #lobby; /help lists commands',
            '* you are now in #lobby (3 here); no topic',
            '* history: the last 3 lines',
            '* guest-1 joined',
            '* guest-2 joined',
            '<guest-1> hi',
            '* end of history',
          ],
        },
        { kind: 'send', to: [1, 2], lines: ['* guest-3 joined'] },
        { kind: 'log', entries: [{ type: 'join', id: 3, from: 'guest-3', address: '10.0.0.3:4000', room: '#lobby' }] },
      ]);
    });

    it("uses the console's name in the welcome", () => {
      const route = createRouter({ name: 'hub', mode: 'room' });
      expect(inbox(route(open(1)), 1)).toEqual([
        '* welcome to hub, you are guest-1 in #lobby; /help lists commands',
        '* you are now in #lobby (1 here); no topic',
      ]);
    });

    it('relays a batch to every other client as one send, excluding the sender', () => {
      const route = room(3);
      expect(route(lines(2, 'hi', 'how are you'))).toEqual([
        { kind: 'send', to: [1, 3], lines: ['<guest-2> hi', '<guest-2> how are you'] },
        {
          kind: 'log',
          entries: [
            {
              type: 'messages',
              id: 2,
              from: 'guest-2',
              texts: ['hi', 'how are you'],
              lines: ['<guest-2> hi', '<guest-2> how are you'],
              room: '#lobby',
            },
          ],
        },
      ]);
    });

    it('sends nothing when the sender is alone', () => {
      const route = room(1);
      const effects = route(lines(1, 'anyone?'));
      expect(sends(effects)).toEqual([]);
      expect(logged(effects)).toEqual([
        { type: 'messages', id: 1, from: 'guest-1', texts: ['anyone?'], lines: ['<guest-1> anyone?'], room: '#lobby' },
      ]);
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
        { kind: 'log', entries: [{ type: 'action', id: 1, from: 'guest-1', text: 'waves', room: '#lobby' }] },
      ]);
    });

    it('answers /who to the sender only, the console first', () => {
      const route = room(3);
      route(lines(2, '/nick bob'));
      expect(route(lines(1, '/who'))).toEqual([
        { kind: 'send', to: [1], lines: ['* online in #lobby (4): server, guest-1, bob, guest-3'] },
      ]);
    });

    it('answers /help to the sender only', () => {
      const route = room(2);
      expect(route(lines(2, '/help'))).toEqual([{ kind: 'send', to: [2], lines: CLIENT_HELP.map((line) => `* ${line}`) }]);
    });

    it.each([
      ['/frob', '! unknown command /frob; try /help'],
      ['/kick guest-2', '! only operators may /kick'],
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
            { type: 'messages', id: 1, from: 'guest-1', texts: ['one', 'two'], lines: ['<guest-1> one', '<guest-1> two'], room: '#lobby' },
          ],
        },
        { kind: 'send', to: [1], lines: ['* online in #lobby (3): server, guest-1, guest-2'] },
        { kind: 'send', to: [2], lines: ['<guest-1> three'] },
        {
          kind: 'log',
          entries: [{ type: 'messages', id: 1, from: 'guest-1', texts: ['three'], lines: ['<guest-1> three'], room: '#lobby' }],
        },
      ]);
    });

    it('produces the same effects for the same events', () => {
      const events = [open(1), open(2), lines(1, 'a', '/nick x', 'b'), typed('hello'), closed(2), open(3), shutdown()];
      const run = () => {
        const route = createRouter({ name: 'server', mode: 'room' });
        return events.map((event) => route(event));
      };
      expect(run()).toEqual(run());
    });

    it('tells the others when a client leaves, logs why, then ends our side of its connection', () => {
      const route = room(3);
      expect(route(closed(2, 'connection reset'))).toEqual([
        { kind: 'send', to: [1, 3], lines: ['* guest-2 left (connection reset)'] },
        { kind: 'log', entries: [{ type: 'leave', id: 2, from: 'guest-2', reason: 'connection reset', room: '#lobby' }] },
        { kind: 'close', id: 2, reason: 'connection reset' },
      ]);
    });
  });

  describe('nicks', () => {
    it('renames a client, confirms to it, tells the others and logs it', () => {
      const route = room(3);
      expect(route(lines(1, '/nick alice'))).toEqual([
        { kind: 'send', to: [1], lines: ['* you are now alice'] },
        { kind: 'send', to: [2, 3], lines: ['* guest-1 is now alice'] },
        { kind: 'log', entries: [{ type: 'nick', id: 1, from: 'guest-1', to: 'alice', room: '#lobby' }] },
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
      const route = createRouter({ name: 'server', mode: 'room' });
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
      expect(logged(route(open(2)))).toEqual([{ type: 'join', id: 2, from: 'guest-3', address: '10.0.0.2:4000', room: '#lobby' }]);
    });

    it('skips a guest name that is the console name', () => {
      const route = createRouter({ name: 'guest-1', mode: 'room' });
      expect(logged(route(open(1)))).toEqual([{ type: 'join', id: 1, from: 'guest-2', address: '10.0.0.1:4000', room: '#lobby' }]);
    });
  });

  describe('private messages', () => {
    it('reach exactly one recipient', () => {
      const route = room(4);
      route(lines(3, '/nick carol'));
      expect(route(lines(1, '/msg carol  meet me  at noon '))).toEqual([
        { kind: 'send', to: [3], lines: ['*guest-1* meet me  at noon'] },
        { kind: 'send', to: [1], lines: ['*-> carol* meet me  at noon'] },
      ]);
    });

    it('find the recipient without regard to case', () => {
      const route = room(2);
      route(lines(2, '/nick Carol'));
      expect(route(lines(1, '/msg CAROL hi'))).toEqual([
        { kind: 'send', to: [2], lines: ['*guest-1* hi'] },
        { kind: 'send', to: [1], lines: ['*-> Carol* hi'] },
      ]);
    });

    it('reach exactly one recipient in console mode too', () => {
      const route = room(3, { relay: false });
      expect(route(lines(1, '/msg guest-2 hi'))).toEqual([
        { kind: 'send', to: [2], lines: ['*guest-1* hi'] },
        { kind: 'send', to: [1], lines: ['*-> guest-2* hi'] },
      ]);
    });

    it('to the console go to its log only, and the sender is told', () => {
      const route = room(2, { name: 'Hub' });
      expect(route(lines(1, '/msg hub psst'))).toEqual([
        { kind: 'log', entries: [{ type: 'private', id: 1, from: 'guest-1', to: 'Hub', text: 'psst' }] },
        { kind: 'send', to: [1], lines: ['*-> Hub* psst'] },
      ]);
      expect(route(lines(1, '/msg \uff48\uff55\uff42 look-alike')).filter((effect) => effect.kind === 'log')).toHaveLength(1);
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
        { kind: 'log', entries: [{ type: 'leave', id: 2, from: 'guest-2', reason: 'quit: gone fishing', room: '#lobby' }] },
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
      expect(logged(effects).map((entry) => entry.type)).toEqual(['messages', 'leave']);
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

  describe('a connection opened twice (a shell that gave one number twice)', () => {
    it('keeps the first, says so, and goes on: a kick reaches the first and only once', () => {
      const route = room(2);
      expect(route(open(2))).toEqual([
        { kind: 'log', entries: [{ type: 'error', id: 2, text: 'connection 2 opened twice; the second was ignored' }] },
      ]);
      expect(closes(route(typed('/kick guest-2')))).toEqual([{ kind: 'close', id: 2, reason: 'kicked by server' }]);
      expect(closes(route(typed('/kick guest-2')))).toEqual([]);
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
        { kind: 'log', entries: [{ type: 'leave', id: 1, from: 'guest-1', reason: 'no newline within 65536 bytes', room: '#lobby' }] },
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
        { kind: 'send', to: [3], lines: ['* welcome to server, you are guest-3; only server hears you; /help lists commands'] },
        { kind: 'log', entries: [{ type: 'join', id: 3, from: 'guest-3', address: '10.0.0.3:4000' }] },
      ]);
    });

    it("sends a client's lines to the console log only", () => {
      const route = consoleMode(3);
      expect(route(lines(1, 'hello server', '/me waves'))).toEqual([
        {
          kind: 'log',
          entries: [{ type: 'messages', id: 1, from: 'guest-1', texts: ['hello server'], lines: ['<guest-1> hello server'] }],
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
        { kind: 'close', id: 1, reason: 'connection closed' },
      ]);
      expect(sends(route(lines(2, '/quit')))).toEqual([{ kind: 'send', to: [2], lines: ['* bye'] }]);
    });

    it("sends the console's lines to every client, under its name, and records them with the console as the author", () => {
      const route = consoleMode(3, 'Hub');
      expect(route(typed('hello all'))).toEqual([
        { kind: 'send', to: [1, 2, 3], lines: ['<Hub> hello all'] },
        { kind: 'log', entries: [{ type: 'messages', from: 'Hub', texts: ['hello all'], lines: ['<Hub> hello all'] }] },
      ]);
      expect(sends(route(typed('//who is there')))).toEqual([{ kind: 'send', to: [1, 2, 3], lines: ['<Hub> /who is there'] }]);
    });

    it("sends the console's /msg to exactly one client", () => {
      const route = consoleMode(3);
      route(lines(2, '/nick bob'));
      expect(route(typed('/msg BOB just you'))).toEqual([
        { kind: 'send', to: [2], lines: ['*server* just you'] },
        { kind: 'log', entries: [{ type: 'private', from: 'server', to: 'bob', text: 'just you' }] },
      ]);
    });

    it("logs an error for the console's /msg to an unknown nick", () => {
      const route = consoleMode(1);
      expect(route(typed('/msg nobody hi'))).toEqual([{ kind: 'log', entries: [{ type: 'error', text: 'no such nick: nobody' }] }]);
    });

    it('sends nothing when the console talks to an empty room, and records it', () => {
      expect(consoleMode(0)(typed('hello?'))).toEqual([
        { kind: 'log', entries: [{ type: 'messages', from: 'server', texts: ['hello?'], lines: ['<server> hello?'] }] },
      ]);
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
      expect(route(typed('/help'))).toEqual([{ kind: 'log', entries: CONSOLE_HELP.map((text) => ({ type: 'notice', text })) }]);
      expect(route(typed('/frob'))).toEqual([{ kind: 'log', entries: [{ type: 'error', text: 'unknown command /frob; try /help' }] }]);
      expect(route(typed('   '))).toEqual([]);
    });

    it('/kick tells the client why, tells the others in relay mode, logs and closes', () => {
      const route = room(3);
      route(lines(2, '/nick bob'));
      expect(route(typed('/kick BOB spamming'))).toEqual([
        { kind: 'send', to: [2], lines: ['* you were kicked by server: spamming'] },
        { kind: 'log', entries: [{ type: 'leave', id: 2, from: 'bob', reason: 'kicked by server: spamming', room: '#lobby' }] },
        { kind: 'close', id: 2, reason: 'kicked by server: spamming' },
        { kind: 'send', to: [1, 3], lines: ['* bob was kicked by server: spamming'] },
        {
          kind: 'log',
          entries: [
            {
              type: 'moderation',
              action: 'kick',
              by: 'server',
              target: 'bob',
              text: 'bob was kicked by server: spamming',
              room: '#lobby',
            },
          ],
        },
      ]);
    });

    it('/kick in console mode tells only the kicked client', () => {
      const route = room(2, { relay: false });
      expect(route(typed('/kick guest-1'))).toEqual([
        { kind: 'send', to: [1], lines: ['* you were kicked by server'] },
        { kind: 'log', entries: [{ type: 'leave', id: 1, from: 'guest-1', reason: 'kicked by server' }] },
        { kind: 'close', id: 1, reason: 'kicked by server' },
        {
          kind: 'log',
          entries: [{ type: 'moderation', action: 'kick', by: 'server', target: 'guest-1', text: 'guest-1 was kicked by server' }],
        },
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
      const second = createRouter({ name: 'server', mode: 'room' });
      expect(logged(second(open(1)))).toEqual([{ type: 'join', id: 1, from: 'guest-1', address: '10.0.0.1:4000', room: '#lobby' }]);
      expect(logged(first(open(3)))).toEqual([{ type: 'join', id: 3, from: 'guest-3', address: '10.0.0.3:4000', room: '#lobby' }]);
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
      {
        weight: 6,
        arbitrary: fc.record({ kind: fc.constant('lines' as const), id, lines: fc.array(clientLine, { minLength: 1, maxLength: 4 }) }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('line-too-long' as const), id, fatal: fc.boolean() }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('closed' as const), id }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('console' as const), line: consoleLine }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'shutdown' as const }) },
    );

    it('never throws, never sends to or closes a connection that is not open, and closes each one whose peer ended', () => {
      fc.assert(
        fc.property(fc.array(step, { maxLength: 50 }), fc.boolean(), (steps, relay) => {
          const route = createRouter({ name: 'server', mode: relay ? 'room' : 'console-only' });
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
            // The shell delivers an open before anything else of a connection; `closed` (its peer's end) after it.
            if (event.kind === 'open' && !stopped) openIds.add(event.id);
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
            // Our side ends once the peer's has (nothing is held without a cluster): it stays open for no one.
            if (event.kind === 'closed') expect(openIds).not.toContain(event.id);
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
  const guarded = () => createRouter({ name: 'server', mode: 'room', password: 'pw' });

  it('never lets a connection without the password read or send chat, in any order of events', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ kind: fc.constant('open' as const), id: fc.integer({ min: 1, max: 4 }) }),
            fc.record({
              kind: fc.constant('lines' as const),
              id: fc.integer({ min: 1, max: 4 }),
              lines: fc.array(
                fc.oneof(fc.constantFrom('/pass pw', '/pass no', 'hi', '/nick x', '/who', '/msg guest-1 psst'), fc.string()),
                {
                  minLength: 1,
                  maxLength: 3,
                },
              ),
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
              event = { kind: 'open', id: step.id, ip: `10.0.0.${step.id}`, port: 1 };
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
              expect(logged(effects).filter((entry) => entry.type === 'messages')).toEqual([]);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers /pass after the door without echoing the secret', () => {
    const route = createRouter({ name: 'server', mode: 'room' });
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
      { kind: 'log', entries: [{ type: 'leave', id: 1, from: 'guest-1', reason: 'idle for 300 seconds', room: '#lobby' }] },
      { kind: 'close', id: 1, reason: 'idle for 300 seconds' },
    ]);
    expect(inbox(route({ kind: 'idle', id: 2, seconds: 1 }), 2)).toEqual(['* disconnected: idle for 1 second']);
  });

  it('closes connections still at the door on shutdown', () => {
    const route = guarded();
    route(open(1));
    expect(closes(route(shutdown()))).toEqual([{ kind: 'close', id: 1, reason: 'server shutting down' }]);
  });
});

describe('createRouter with tagged clients', () => {
  const TIME = '1970-01-01T00:00:00.000Z';
  const cap = (id: ConnId, session: string): RouterEvent => lines(id, `/cap tcpchat session=${session}`);
  /** Room lines as a tagged client reads them. */
  const numbered = (received: readonly string[]) =>
    received
      .map(parseTagged)
      .filter(({ tags }) => tags.seq !== undefined && tags.cap === undefined)
      .map(({ tags, text }) => ({ seq: Number(tags.seq), text }));

  /** Clients 1..n, those in `tagged` after `/cap` with session `s<id>`. */
  function tagged(n: number, taggedIds: readonly ConnId[], options: { relay?: boolean } = {}): Router {
    const route = room(n, options);
    for (const id of taggedIds) route(cap(id, `s${id}`));
    return route;
  }

  describe('acknowledgements', () => {
    it('acknowledge the last id of a batch once, to the sender only, after what the batch did', () => {
      const route = tagged(2, [1]);
      expect(route(lines(1, '@id=s1.1 hi', '@id=s1.2 there'))).toEqual([
        { kind: 'send', to: [2], lines: ['<guest-1> hi', '<guest-1> there'] },
        {
          kind: 'log',
          entries: [
            {
              type: 'messages',
              id: 1,
              from: 'guest-1',
              texts: ['hi', 'there'],
              lines: ['<guest-1> hi', '<guest-1> there'],
              room: '#lobby',
            },
          ],
        },
        { kind: 'send', to: [1], lines: ['@ack=s1.2'] },
      ]);
    });

    it('cover commands and blank lines too', () => {
      const route = tagged(1, [1]);
      expect(inbox(route(lines(1, '@id=s1.1 /who')), 1)).toEqual([`@time=${TIME} * online in #lobby (2): server, guest-1`, '@ack=s1.1']);
      expect(route(lines(1, '@id=s1.2', '@id=s1.3   '))).toEqual([{ kind: 'send', to: [1], lines: ['@ack=s1.3'] }]);
    });

    it('echo an id with escaped characters escaped again', () => {
      const route = tagged(1, [1]);
      expect(inbox(route(lines(1, '@id=a\\sb\\:c x')), 1)).toEqual(['@ack=a\\sb\\:c']);
    });

    it('are not sent for a batch without ids', () => {
      const route = tagged(2, [1]);
      expect(inbox(route(lines(1, 'no id here')), 1)).toEqual([]);
    });

    it('are never sent to a plain client, whose @ line is just text', () => {
      const route = room(2);
      const effects = route(lines(1, '@id=x.1 hi'));
      expect(inbox(effects, 1)).toEqual([]);
      expect(inbox(effects, 2)).toEqual(['<guest-1> @id=x.1 hi']);
    });

    it('acknowledge the /quit line before the close, so it is not sent again; the lines after it are not handled', () => {
      const route = tagged(2, [1]);
      const effects = route(lines(1, '@id=s1.1 bye all', '@id=s1.2 /quit', '@id=s1.3 after'));
      expect(inbox(effects, 1).filter((line) => line.startsWith('@ack'))).toEqual(['@ack=s1.2']);
      const ack = effects.findIndex((effect) => effect.kind === 'send' && effect.lines.includes('@ack=s1.2'));
      expect(ack).toBeLessThan(effects.findIndex((effect) => effect.kind === 'close'));
      expect(inbox(effects, 2)).toEqual(['<guest-1> bye all', '* guest-1 left (quit)']);
    });

    it('start from the /cap line itself: the rest of its batch is read as tagged', () => {
      const route = room(2);
      const effects = route(lines(1, '/cap tcpchat session=s1', '@id=s1.1 first'));
      expect(inbox(effects, 2)).toEqual(['<guest-1> first']);
      expect(inbox(effects, 1)).toEqual(['@cap=tcpchat;epoch=0;seq=2;privates=0', '@ack=s1.1']);
    });
  });

  describe('duplicate ids', () => {
    it('skip a resent line but acknowledge it', () => {
      const route = tagged(2, [1]);
      route(lines(1, '@id=s1.1 once'));
      const effects = route(lines(1, '@id=s1.1 once'));
      expect(effects).toEqual([{ kind: 'send', to: [1], lines: ['@ack=s1.1'] }]);
    });

    it('skip only the lines already seen in a batch, in the same batch too', () => {
      const route = tagged(2, [1]);
      route(lines(1, '@id=s1.1 one', '@id=s1.2 two'));
      const effects = route(lines(1, '@id=s1.2 two', '@id=s1.3 three', '@id=s1.3 three'));
      expect(inbox(effects, 2)).toEqual(['<guest-1> three']);
      expect(inbox(effects, 1)).toEqual(['@ack=s1.3']);
      expect(logged(effects)).toEqual([
        { type: 'messages', id: 1, from: 'guest-1', texts: ['three'], lines: ['<guest-1> three'], room: '#lobby' },
      ]);
    });

    it('skip a command resent after a reconnect, so it does not act twice', () => {
      const route = tagged(2, [1]);
      route(lines(1, '@id=s1.1 /me waves'));
      route(open(3));
      const effects = route(lines(3, '/cap tcpchat session=s1', '@id=s1.1 /me waves', '@id=s1.2 new'));
      expect(inbox(effects, 2)).toEqual(['* guest-1 left (reconnected)', '<guest-3> new']);
      expect(inbox(effects, 3).at(-1)).toBe('@ack=s1.2');
    });
  });

  describe('sequence numbers', () => {
    it('go up by one per room line, with the same number for every tagged recipient of a line', () => {
      const route = tagged(4, [1, 2, 3]);
      const effects = route(lines(4, 'a', 'b', '/me c'));
      for (const id of [1, 2, 3]) {
        expect(numbered(inbox(effects, id))).toEqual([
          { seq: 5, text: '<guest-4> a' },
          { seq: 6, text: '<guest-4> b' },
          { seq: 7, text: '* guest-4 c' },
        ]);
      }
      expect(inbox(effects, 4)).toEqual([]);
      expect(numbered(inbox(route(typed('d')), 4))).toEqual([]);
    });

    it('send one copy per kind of recipient: the plain lines once, the tagged lines once', () => {
      const route = tagged(4, [1, 3]);
      expect(route(lines(4, 'hi'))).toEqual([
        { kind: 'send', to: [2], lines: ['<guest-4> hi'] },
        { kind: 'send', to: [1, 3], lines: [`@seq=5;time=${TIME} <guest-4> hi`] },
        { kind: 'log', entries: [{ type: 'messages', id: 4, from: 'guest-4', texts: ['hi'], lines: ['<guest-4> hi'], room: '#lobby' }] },
      ]);
    });

    it('number joins, renames, actions and leaves in relay mode, not the lines a client hears alone (a private line has its own number)', () => {
      const route = tagged(2, [1]);
      const heard = [
        ...inbox(route(open(3)), 1),
        ...inbox(route(lines(3, '/nick carol', '/me waves', '/who', '/msg guest-1 psst')), 1),
        ...inbox(route(lines(1, '/who')), 1),
        ...inbox(route(closed(3)), 1),
      ];
      expect(numbered(heard)).toEqual([
        { seq: 3, text: '* guest-3 joined' },
        { seq: 4, text: '* guest-3 is now carol' },
        { seq: 5, text: '* carol waves' },
        { seq: 6, text: '* carol left (connection closed)' },
      ]);
      expect(heard).toContain(`@pm=1;time=${TIME} *carol* psst`); // numbered on its own: a private line
    });

    it('in console mode number what the console says to everyone, and a private line apart', () => {
      const route = tagged(2, [1], { relay: false });
      const heard = [
        ...inbox(route(lines(2, 'to the console')), 1),
        ...inbox(route(typed('one')), 1),
        ...inbox(route(open(3)), 1),
        ...inbox(route(typed('/msg guest-1 private')), 1),
        ...inbox(route(typed('two')), 1),
      ];
      expect(numbered(heard)).toEqual([
        { seq: 1, text: '<server> one' },
        { seq: 2, text: '<server> two' },
      ]);
      expect(heard).toContain(`@pm=1;time=${TIME} *server* private`);
    });
  });

  describe('with any sequence of events, plain and tagged clients mixed', () => {
    const EPOCH = 'e1';
    const OBSERVER = 1;
    const sessions = ['a', 'b', 'c'];
    const text = fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('hi', '', '@x', '@id=1 y', '@', ' @z', '\x1b[2J'));
    const nick = fc.constantFrom('alice', 'bob', 'guest-2', 'guest-3', 'server');
    const clientLine = fc.oneof(
      { weight: 4, arbitrary: text },
      { weight: 1, arbitrary: nick.map((n) => `/nick ${n}`) },
      { weight: 1, arbitrary: fc.tuple(nick, text).map(([n, t]) => `/msg ${n} ${t}`) },
      { weight: 1, arbitrary: text.map((t) => `/me ${t}`) },
      { weight: 1, arbitrary: fc.constantFrom('/who', '/help', '/quit', '/frob', '/pass x', '/cap irc') },
      { weight: 1, arbitrary: fc.constantFrom('/history', '/history 3') },
    );
    type Step =
      | { kind: 'open' }
      | { kind: 'cap'; id: number; session: string; resume?: string }
      | { kind: 'lines'; id: number; lines: string[]; ids: (number | null)[] }
      | { kind: 'closed'; id: number }
      | { kind: 'idle'; id: number }
      | { kind: 'line-too-long'; id: number; fatal: boolean }
      | { kind: 'console'; line: string }
      | { kind: 'shutdown' };
    /** Which connection, as an index into those opened so far (some of them closed since). */
    const id = fc.nat({ max: 20 });
    const batch = fc.array(fc.tuple(clientLine, fc.option(fc.nat({ max: 5 }))), { minLength: 1, maxLength: 4 });
    const step: fc.Arbitrary<Step> = fc.oneof(
      { weight: 3, arbitrary: fc.constant({ kind: 'open' as const }) },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant('cap' as const),
          id,
          session: fc.constantFrom(...sessions),
          resume: fc.option(
            fc.oneof(
              fc.nat({ max: 30 }).map((n) => `${EPOCH}:${n}`),
              fc.constant('old:3'),
            ),
            { nil: undefined },
          ),
        }),
      },
      {
        weight: 8,
        arbitrary: fc.record({ kind: fc.constant('lines' as const), id, batch }).map(({ id: to, batch: pairs }) => ({
          kind: 'lines' as const,
          id: to,
          lines: pairs.map(([line]) => line),
          ids: pairs.map(([, n]) => n),
        })),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('closed' as const), id }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('idle' as const), id }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('line-too-long' as const), id, fatal: fc.boolean() }) },
      {
        weight: 2,
        arbitrary: fc.oneof(text, fc.constantFrom('/msg guest-2 hey', '/kick guest-3', '/kick alice', '/who', '/quit')).map((line) => ({
          kind: 'console' as const,
          line,
        })),
      },
      { weight: 1, arbitrary: fc.constant({ kind: 'shutdown' as const }) },
    );

    it('never show a plain client a tag; number every room line once, in order, the same for everyone', () => {
      fc.assert(
        fc.property(fc.array(step, { maxLength: 40 }), fc.boolean(), (steps, relay) => {
          const route = createRouter({ name: 'server', mode: relay ? 'room' : 'console-only', epoch: EPOCH });
          /** Connections that sent `/cap` (their session), and those that got its answer. */
          const asked = new Map<ConnId, string>();
          const answered = new Set<ConnId>();
          const textOf = new Map<number, string>();
          const lastLive = new Map<ConnId, number>();
          let observerSeq = -1;
          let nextId = 2;
          let stopped = false;
          const pick = (n: number): ConnId => 2 + (n % Math.max(1, nextId - 2));

          const check = (event: RouterEvent): void => {
            const effects = route(event);
            if (stopped) {
              expect(effects).toEqual([]);
              return;
            }
            for (const effect of effects) {
              if (effect.kind !== 'send') continue;
              for (const to of effect.to) {
                for (const line of effect.lines) {
                  if (!asked.has(to)) expect(line.startsWith('@')).toBe(false);
                  if (answered.has(to)) expect(line.startsWith('@')).toBe(true);
                  const { tags, text: body } = parseTagged(line);
                  if (tags.cap !== undefined) {
                    expect(asked.has(to)).toBe(true);
                    expect(tags.epoch).toBe(EPOCH);
                    answered.add(to);
                    lastLive.set(to, Number(tags.seq));
                    if (to === OBSERVER) observerSeq = Number(tags.seq);
                    continue;
                  }
                  if (tags.ack !== undefined) {
                    expect(event.kind === 'lines' && event.id === to).toBe(true);
                    continue;
                  }
                  if (tags.seq === undefined) continue;
                  const seq = Number(tags.seq);
                  // One number, one line, wherever and whenever it is seen.
                  if (textOf.has(seq)) expect(body).toBe(textOf.get(seq));
                  else textOf.set(seq, body);
                  if (tags.replay !== undefined) {
                    // Only what was numbered before, which the observer has heard already.
                    expect(seq).toBeLessThanOrEqual(observerSeq);
                    continue;
                  }
                  // Live room lines come in order, each once.
                  expect(seq).toBeGreaterThan(lastLive.get(to) ?? 0);
                  lastLive.set(to, seq);
                  // The observer hears every room line: no gaps.
                  if (to === OBSERVER) expect(seq).toBe(++observerSeq);
                }
              }
            }
            if (event.kind === 'shutdown' || (event.kind === 'console' && event.command.kind === 'quit')) stopped = true;
          };

          // The observer never speaks and is never kicked: it hears every room line from its /cap on.
          check(open(OBSERVER));
          check(lines(OBSERVER, '/nick observer'));
          asked.set(OBSERVER, 'observer');
          check(lines(OBSERVER, '/cap tcpchat session=observer'));
          expect(observerSeq).toBeGreaterThanOrEqual(0);

          for (const step of steps) {
            const s = 'id' in step ? { ...step, id: pick(step.id) } : step;
            switch (s.kind) {
              case 'open':
                check(open(nextId++));
                break;
              case 'cap':
                asked.set(s.id, s.session);
                check(lines(s.id, `/cap tcpchat session=${s.session}${s.resume === undefined ? '' : ` resume=${s.resume}`}`));
                break;
              case 'lines': {
                // A plain client never asks for tags, not even by accident.
                const plain = !asked.has(s.id);
                const batchLines = s.lines
                  .filter((line) => !(plain && /^\/cap(\s|$)/i.test(line)))
                  .map((line, i) => (s.ids[i] === null || plain ? line : `@id=${asked.get(s.id)}.${s.ids[i]} ${line}`));
                if (batchLines.length > 0) check(lines(s.id, ...batchLines));
                break;
              }
              case 'closed':
                check(closed(s.id));
                break;
              case 'idle':
                check({ kind: 'idle', id: s.id, seconds: 60 });
                break;
              case 'line-too-long':
                check(tooLong(s.id, s.fatal));
                break;
              case 'console':
                check(typed(s.line));
                break;
              case 'shutdown':
                check(shutdown());
                break;
            }
          }
          if (stopped) return;
          // A newcomer's /cap answer names the last number given: the observer has heard them all.
          const late = nextId++;
          route(open(late));
          const answer = inbox(route(lines(late, '/cap tcpchat session=late')), late);
          expect(answer[0]).toBe(`@cap=tcpchat;epoch=${EPOCH};seq=${observerSeq + (relay ? 1 : 0)};privates=${EPOCH}`);
        }),
        { numRuns: 1000 },
      );
    });
  });
});
