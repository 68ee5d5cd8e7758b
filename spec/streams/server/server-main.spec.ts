import { describe, expect, it } from '@jest/globals';
import { filter, map, NEVER, Subject, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { formatServerLine } from '../../../streams/protocol/server-line.js';
import { parseAccess } from '../../../streams/limits/access.js';
import { DEFAULT_ADMISSION_LIMITS } from '../../../streams/server/admission.js';
import { logEntryLines } from '../../../streams/server/log-line.js';
import { createRouter, type Router, type RouterOptions } from '../../../streams/server/router.js';
import {
  serverMain,
  type ConnectionSource,
  type ServerOptions,
  type ServerOutput,
  type ServerSources,
} from '../../../streams/server/server-main.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (text: string): Uint8Array => encoder.encode(text);

const RELAY: ServerOptions = {
  name: 'server',
  mode: 'room',
  framing: 'line',
  limits: { maxLineBytes: 16, hardLimitBytes: 64 },
  rate: { linesPerSecond: 0, burst: 0 },
  idleTimeoutMs: 0,
  passwordTimeoutMs: 10_000,
  admission: DEFAULT_ADMISSION_LIMITS,
  historySize: 0, // a newcomer's welcome then has no earlier lines to show
};

/** Outputs in a form a person can read: bytes decoded, log entries as the console shows them. */
function show(outputs: readonly ServerOutput[]): string[] {
  return outputs.map((output) => {
    switch (output.kind) {
      case 'write':
        return `to ${output.to.join(',')}: ${decoder.decode(output.bytes)}`;
      case 'close':
        return `close ${output.id}: ${output.reason}`;
      case 'log':
        return `log: ${output.entries.flatMap((entry) => logEntryLines(entry).map(formatServerLine)).join(' | ')}`;
      case 'bus':
        return `bus: ${JSON.stringify(output.request)}`;
      case 'reading':
        return `${output.paused ? 'pause' : 'resume'} ${output.id}`;
      case 'stopping':
        return 'stopping';
      case 'console-room':
        return `console in ${output.room}`;
      case 'store':
        return `store ${output.room} from ${output.seq}: ${output.lines.join(' | ')}`;
      case 'seen':
        return `seen ${output.ids.join(',')}`;
      case 'query':
        return `query ${output.id} ${output.room}: ${JSON.stringify(output.query)}`;
      case 'secret':
        return `secret ${output.id} ${output.nick}`;
      case 'fact':
        return `fact ${JSON.stringify(output.fact)}`;
      case 'fault':
        return `fault in ${output.event}: ${(output.error as Error).message}`;
    }
  });
}

const run = (sources: ServerSources, options: ServerOptions = RELAY): Observable<string[]> => serverMain(sources, options).pipe(map(show));

const connection = (id: number, data$: Observable<Uint8Array>): ConnectionSource => ({
  id,
  ip: `10.0.0.${id}`,
  port: 4000,
  data$,
});

const welcome = (id: number, here = id): string =>
  `to ${id}: * welcome to server, you are guest-${id} in #lobby; /help lists commands\n* you are now in #lobby (${here} here); no topic\n`;
const consoleOnlyWelcome = (id: number): string =>
  `to ${id}: * welcome to server, you are guest-${id}; only server hears you; /help lists commands\n`;
const joined = (id: number): string => `log: * guest-${id} joined from 10.0.0.${id}:4000`;

const reset = (): Error => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });

/** Room for the console's longer lines: the console is held to --max-line too. */
const CONSOLE_LIMITS = { maxLineBytes: 64, hardLimitBytes: 256 };

describe('serverMain', () => {
  let scheduler: TestScheduler;
  const fresh = (): void => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  };

  it("routes a connection's lines to the others, tells of joins and leaves, and ends a connection whose peer ended", () => {
    fresh();
    scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const data1 = cold<Uint8Array>('    ----x---|', { x: bytes('hi\n') });
      const data2 = cold<Uint8Array>('      --------|');
      const connection$ = hot('-a-b--------', { a: connection(1, data1), b: connection(2, data2) });
      const console$ = hot('   ------------');
      const shutdown$ = hot('  ------------');
      const expected = '      -a-b-c---d-e';

      expectObservable(run({ connection$, console$, shutdown$ })).toBe(expected, {
        a: [welcome(1), joined(1)],
        b: [welcome(2), 'to 1: * guest-2 joined\n', joined(2)],
        c: ['to 2: <guest-1> hi\n', 'log: <guest-1> hi'],
        d: ['to 2: * guest-1 left (connection closed)\n', 'log: * guest-1 left (connection closed)', 'close 1: connection closed'],
        e: ['log: * guest-2 left (connection closed)', 'close 2: connection closed'],
      });
      expectSubscriptions(data1.subscriptions).toBe('-^-------!');
      expectSubscriptions(data2.subscriptions).toBe('---^-------!');
      expectSubscriptions(connection$.subscriptions).toBe('^');
    });
  });

  it('handles the lines of one chunk as one batch, joining lines split across chunks', () => {
    fresh();
    scheduler.run(({ cold, hot, expectObservable }) => {
      const data1 = cold<Uint8Array>('    --x-y', { x: bytes('he'), y: bytes('llo\r\nworld\n') });
      const data2 = cold<Uint8Array>('      ---');
      const connection$ = hot('ab', { a: connection(1, data1), b: connection(2, data2) });
      const expected = '      ab--c';

      expectObservable(run({ connection$, console$: hot('-'), shutdown$: hot('-') })).toBe(expected, {
        a: [welcome(1), joined(1)],
        b: [welcome(2), 'to 1: * guest-2 joined\n', joined(2)],
        c: ['to 2: <guest-1> hello\n<guest-1> world\n', 'log: <guest-1> hello | <guest-1> world'],
      });
    });
  });

  it('sends one encoded batch to every recipient at once', () => {
    fresh();
    scheduler.run(({ cold, hot, expectObservable }) => {
      const quiet = cold<Uint8Array>('-');
      const connection$ = hot('abc', { a: connection(1, quiet), b: connection(2, quiet), c: connection(3, quiet) });
      const console$ = hot('   ----s', { s: 'hello all' });
      const outputs = serverMain({ connection$, console$, shutdown$: hot('-') }, RELAY).pipe(
        map((batch) => batch.map((output) => (output.kind === 'write' ? `${output.to.join(',')} ${output.bytes.length}` : output.kind))),
      );
      const size = (text: string): number => bytes(text).length;
      const welcomeSize = size(welcome(1).slice('to 1: '.length));
      expectObservable(outputs).toBe('abc-d', {
        a: [`1 ${welcomeSize}`, 'log'],
        b: [`2 ${welcomeSize}`, `1 ${size('* guest-2 joined\n')}`, 'log'],
        c: [`3 ${welcomeSize}`, `1,2 ${size('* guest-3 joined\n')}`, 'log'],
        d: [`1,2,3 ${size('<server> hello all\n')}`, 'log'],
      });
    });
  });

  it('makes a control character visible wherever it is in a long chunk of plain lines', () => {
    fresh();
    scheduler.run(({ cold, hot, expectObservable }) => {
      // Over a KiB in one chunk: the framer searches it once for each control character.
      const plainLines = Array.from({ length: 80 }, (_, i) => `plain line ${i}`);
      const said = [...plainLines.slice(0, 40), 'bell\x07 esc\x1b', ...plainLines.slice(40)];
      const data1 = cold<Uint8Array>('    --x', { x: bytes(said.map((line) => `${line}\n`).join('')) });
      const connection$ = hot('ab', { a: connection(1, data1), b: connection(2, cold('-')) });
      const heard = said.map((line) => `<guest-1> ${line.replace('\x07', '\u2407').replace('\x1b', '\u241b')}`);

      expectObservable(run({ connection$, console$: hot('-'), shutdown$: hot('-') })).toBe('abc', {
        a: [welcome(1), joined(1)],
        b: [welcome(2), 'to 1: * guest-2 joined\n', joined(2)],
        c: [`to 2: ${heard.join('\n')}\n`, `log: ${heard.join(' | ')}`],
      });
    });
  });

  it('ends only that connection when it fails, never the stream', () => {
    fresh();
    scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const data1 = cold<Uint8Array>('     --#', undefined, reset());
      const data2 = cold<Uint8Array>('      -----x', { x: bytes('still here\n') });
      const data3 = cold<Uint8Array>('         ---#', undefined, new Error('read EPIPE but uncoded'));
      const connection$ = hot('-ab--c----', { a: connection(1, data1), b: connection(2, data2), c: connection(3, data3) });
      const expected = '      -abd-e-fg';

      expectObservable(run({ connection$, console$: hot('-'), shutdown$: hot('-') })).toBe(expected, {
        a: [welcome(1), joined(1)],
        b: [welcome(2), 'to 1: * guest-2 joined\n', joined(2)],
        d: ['to 2: * guest-1 left (connection reset)\n', 'log: * guest-1 left (connection reset)', 'close 1: connection reset'],
        e: [welcome(3, 2), 'to 2: * guest-3 joined\n', joined(3)],
        f: ['to 3: <guest-2> still here\n', 'log: <guest-2> still here'],
        g: [
          'to 2: * guest-3 left (read EPIPE but uncoded)\n',
          'log: * guest-3 left (read EPIPE but uncoded)',
          'close 3: read EPIPE but uncoded',
        ],
      });
      expectSubscriptions(data1.subscriptions).toBe('-^-!');
      expectSubscriptions(data3.subscriptions).toBe('-----^--!');
      expectSubscriptions(connection$.subscriptions).toBe('^');
    });
  });

  it('drops an event whose handling throws: says so, closes only the connection it came from, and the room goes on', () => {
    fresh();
    // A router with a bug that one line from connection 2 sets off; everything else reaches the real one.
    const buggy = (options: RouterOptions): Router => {
      const route = createRouter(options);
      return (event) => {
        if (event.kind === 'lines' && event.lines.includes('boom')) throw new Error('a bug');
        return route(event);
      };
    };
    scheduler.run(({ cold, hot, expectObservable }) => {
      const data1 = cold<Uint8Array>('    ----x----y', { x: bytes('still chatting\n'), y: bytes('and on\n') });
      const data2 = cold<Uint8Array>('     --b--|', { b: bytes('boom\n') });
      const data3 = cold<Uint8Array>('      -');
      const connection$ = hot('abc', { a: connection(1, data1), b: connection(2, data2), c: connection(3, data3) });
      const expected = '      abcde-f--g';

      expectObservable(run({ connection$, console$: hot('-'), shutdown$: hot('-') }, { ...RELAY, createRouter: buggy })).toBe(expected, {
        a: [welcome(1), joined(1)],
        b: [welcome(2), 'to 1: * guest-2 joined\n', joined(2)],
        c: [welcome(3), 'to 1,2: * guest-3 joined\n', joined(3)],
        d: ['fault in lines from connection 2: a bug', 'to 2: ! internal error; this connection is closed\n', 'close 2: internal error'],
        e: ['to 2,3: <guest-1> still chatting\n', 'log: <guest-1> still chatting'],
        f: ['to 1,3: * guest-2 left (connection closed)\n', 'log: * guest-2 left (connection closed)', 'close 2: connection closed'],
        g: ['to 3: <guest-1> and on\n', 'log: <guest-1> and on'],
      });
    });
  });

  it('still stops when handling the shutdown throws', () => {
    fresh();
    const buggy = (options: RouterOptions): Router => {
      const route = createRouter(options);
      return (event) => {
        if (event.kind === 'shutdown') throw new Error('a bug in shutdown');
        return route(event);
      };
    };
    scheduler.run(({ hot, expectObservable }) => {
      const shutdown$ = hot('--s', { s: 'got SIGTERM' });
      expectObservable(run({ connection$: hot('-'), console$: hot('-'), shutdown$ }, { ...RELAY, createRouter: buggy })).toBe('--(a|)', {
        a: ['fault in shutdown: a bug in shutdown', 'stopping'],
      });
    });
  });

  it('fails when accepting connections fails (it cannot listen)', () => {
    fresh();
    scheduler.run(({ cold, hot, expectObservable }) => {
      const error = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
      const connection$ = cold<ConnectionSource>('--#', undefined, error);
      expectObservable(run({ connection$, console$: hot('-'), shutdown$: hot('-') })).toBe('--#', undefined, error);
    });
  });

  it('after shutdown$ stops accepting and reading the console, keeps connections until they end, then completes', () => {
    fresh();
    scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const data1 = cold<Uint8Array>('     ----x----|', { x: bytes('late\n') });
      const data2 = cold<Uint8Array>('      -----#', undefined, reset());
      const data3 = cold<Uint8Array>('           -');
      const connection$ = hot('-ab----c-----', { a: connection(1, data1), b: connection(2, data2), c: connection(3, data3) });
      const console$ = hot('   ------x-----', { x: 'anyone?' });
      const shutdown$ = hot('  ---s--------', { s: 'got SIGTERM' });
      const expected = '      -abs------|';

      expectObservable(run({ connection$, console$, shutdown$ })).toBe(expected, {
        a: [welcome(1), joined(1)],
        b: [welcome(2), 'to 1: * guest-2 joined\n', joined(2)],
        s: [
          'to 1,2: * server is going down (got SIGTERM)\n',
          'close 1: server shutting down',
          'close 2: server shutting down',
          'stopping',
          'log: * shutting down (got SIGTERM); told 2 clients',
        ],
      });
      expectSubscriptions(connection$.subscriptions).toBe('^--!');
      expectSubscriptions(console$.subscriptions).toBe('  ^--!');
      expectSubscriptions(shutdown$.subscriptions).toBe(' ^--!');
      expectSubscriptions(data1.subscriptions).toBe('     -^--------!');
      expectSubscriptions(data2.subscriptions).toBe('     --^----!');
      expectSubscriptions(data3.subscriptions).toBe([]);
    });
  });

  it('completes, never fails, when the last connection to end after shutdown fails', () => {
    fresh();
    scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const data1 = cold<Uint8Array>('    -----#', undefined, reset());
      const connection$ = hot('a-------', { a: connection(1, data1) });
      const shutdown$ = hot('  --s-----', { s: 'got SIGINT' });
      const expected = '      a-s--|';

      expectObservable(run({ connection$, console$: hot('-'), shutdown$ })).toBe(expected, {
        a: [welcome(1), joined(1)],
        s: [
          'to 1: * server is going down (got SIGINT)\n',
          'close 1: server shutting down',
          'stopping',
          'log: * shutting down (got SIGINT); told 1 client',
        ],
      });
      expectSubscriptions(data1.subscriptions).toBe('^----!');
    });
  });

  it("shuts down on the console's /quit as on shutdown$", () => {
    fresh();
    scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const data1 = cold<Uint8Array>('    ------|');
      const connection$ = hot('-a-----', { a: connection(1, data1) });
      const console$ = hot('   ---q-x-', { q: '/quit', x: 'too late' });
      const shutdown$ = hot('  -------s', { s: 'got SIGINT' });
      const expected = '      -a-b---|';

      expectObservable(run({ connection$, console$, shutdown$ })).toBe(expected, {
        a: [welcome(1), joined(1)],
        b: [
          'to 1: * server is going down (shut down from the console)\n',
          'close 1: server shutting down',
          'stopping',
          'log: * shutting down (shut down from the console); told 1 client',
        ],
      });
      expectSubscriptions(connection$.subscriptions).toBe('^--!');
      expectSubscriptions(console$.subscriptions).toBe('^--!');
      expectSubscriptions(shutdown$.subscriptions).toBe('^--!');
      expectSubscriptions(data1.subscriptions).toBe('-^-----!');
    });
  });

  it('completes at shutdown when no connection is open', () => {
    fresh();
    scheduler.run(({ hot, expectObservable }) => {
      const connection$ = hot<ConnectionSource>('-----');
      const shutdown$ = hot('  --s--', { s: 'got SIGTERM' });
      expectObservable(run({ connection$, console$: hot('-'), shutdown$ })).toBe('--(s|)', {
        s: ['stopping', 'log: * shutting down (got SIGTERM); told 0 clients'],
      });
    });
  });

  it('keeps running when the console ends, since a server may run without one', () => {
    fresh();
    scheduler.run(({ cold, hot, expectObservable }) => {
      const connection$ = hot('----a--', { a: connection(1, cold<Uint8Array>('-')) });
      const console$ = hot('   -x|', { x: 'bye console' });
      const shutdown$ = hot('  ------s', { s: 'got SIGTERM' });
      expectObservable(run({ connection$, console$, shutdown$ })).toBe('-x--a-b', {
        x: ['log: <server> bye console'],
        a: [welcome(1), joined(1)],
        b: [
          'to 1: * server is going down (got SIGTERM)\n',
          'close 1: server shutting down',
          'stopping',
          'log: * shutting down (got SIGTERM); told 1 client',
        ],
      });
    });
  });

  it("sends the console's lines to every client and its /msg to one, in console mode", () => {
    fresh();
    scheduler.run(({ cold, hot, expectObservable }) => {
      const data1 = cold<Uint8Array>('    ---x', { x: bytes('hello server\n') });
      const connection$ = hot('ab------', { a: connection(1, data1), b: connection(2, cold<Uint8Array>('-')) });
      const console$ = hot('   --s-m-u-', { s: 'hello all', m: '/msg guest-2 just you', u: '/frob' });
      const expected = '      abcde-f-';

      expectObservable(
        run({ connection$, console$, shutdown$: hot('-') }, { ...RELAY, mode: 'console-only' as const, limits: CONSOLE_LIMITS }),
      ).toBe(expected, {
        a: [consoleOnlyWelcome(1), joined(1)],
        b: [consoleOnlyWelcome(2), joined(2)],
        c: ['to 1,2: <server> hello all\n', 'log: <server> hello all'],
        d: ['log: <guest-1> hello server'],
        e: ['to 2: *server* just you\n', 'log: *-> guest-2* just you'],
        f: ['log: ! unknown command /frob; try /help'],
      });
    });
  });

  it("sanitises the console's text like a client's: a line, a /msg and a /kick reason reach clients without raw controls", () => {
    fresh();
    scheduler.run(({ cold, hot, expectObservable }) => {
      const connection$ = hot('ab------', { a: connection(1, cold<Uint8Array>('-')), b: connection(2, cold<Uint8Array>('-')) });
      const console$ = hot('   --s-m-k-', {
        s: 'clear\x1b[2J bell\x07',
        m: '/msg guest-2 title\x1b]0;pwned\x07 \u202eevil',
        k: '/kick guest-2 bye\x1b[1A\x9b',
      });
      const expected = '      abc-e-f-';

      expectObservable(
        run({ connection$, console$, shutdown$: hot('-') }, { ...RELAY, mode: 'console-only' as const, limits: CONSOLE_LIMITS }),
      ).toBe(expected, {
        a: [consoleOnlyWelcome(1), joined(1)],
        b: [consoleOnlyWelcome(2), joined(2)],
        c: ['to 1,2: <server> clear\u241b[2J bell\u2407\n', 'log: <server> clear\u241b[2J bell\u2407'],
        e: ['to 2: *server* title\u241b]0;pwned\u2407 \ufffdevil\n', 'log: *-> guest-2* title\u241b]0;pwned\u2407 \ufffdevil'],
        f: [
          'to 2: * you were kicked by server: bye\u241b[1A\ufffd\n',
          'log: * guest-2 left (kicked by server: bye\u241b[1A\ufffd)',
          'close 2: kicked by server: bye\u241b[1A\ufffd',
          'log: * guest-2 was kicked by server: bye\u241b[1A\ufffd',
        ],
      });
    });
  });

  it('closes a connection that quits and ignores what it sends after /quit', () => {
    fresh();
    scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const data1 = cold<Uint8Array>('    --x--y---|', { x: bytes('bye all\n/quit later\nghost\n'), y: bytes('more ghost\n') });
      const connection$ = hot('ab---------', { a: connection(1, data1), b: connection(2, cold<Uint8Array>('-')) });
      const expected = '      abc--------';

      expectObservable(run({ connection$, console$: hot('-'), shutdown$: hot('-') })).toBe(expected, {
        a: [welcome(1), joined(1)],
        b: [welcome(2), 'to 1: * guest-2 joined\n', joined(2)],
        c: [
          'to 2: <guest-1> bye all\n',
          'log: <guest-1> bye all',
          'to 1: * bye\n',
          'to 2: * guest-1 left (quit: later)\n',
          'log: * guest-1 left (quit: later)',
          'close 1: quit: later',
        ],
      });
      // The shell closes the socket; until it has, the connection is still read (and ignored).
      expectSubscriptions(data1.subscriptions).toBe('^--------!');
      expectSubscriptions(connection$.subscriptions).toBe('^');
    });
  });

  it('answers an over-long line with an error and cuts off a peer past the hard limit', () => {
    fresh();
    scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const data1 = cold<Uint8Array>('    --x', { x: bytes('this line is too long\nok\n') });
      const data2 = cold<Uint8Array>('     ------y--z--|', { y: bytes('n'.repeat(65)), z: bytes('\nsneaky\n') });
      const connection$ = hot('ab-----------', { a: connection(1, data1), b: connection(2, data2) });
      const expected = '      ab(cd)-y------';

      expectObservable(run({ connection$, console$: hot('-'), shutdown$: hot('-') })).toBe(expected, {
        a: [welcome(1), joined(1)],
        b: [welcome(2), 'to 1: * guest-2 joined\n', joined(2)],
        c: ['to 1: ! line too long (max 16 bytes)\n', 'log: ! line too long (max 16 bytes)'],
        d: ['to 2: <guest-1> ok\n', 'log: <guest-1> ok'],
        y: [
          'to 2: ! no newline within 64 bytes\n',
          'to 1: * guest-2 left (no newline within 64 bytes)\n',
          'log: * guest-2 left (no newline within 64 bytes)',
          'close 2: no newline within 64 bytes',
        ],
      });
      // Cut off, its bytes are ignored; it stays subscribed until the shell's close ends it.
      expectSubscriptions(data2.subscriptions).toBe('-^-----------!');
    });
  });

  it('speaks raw framing: a chunk is a message, each line goes out in a write of its own, and nothing gets a newline', () => {
    fresh();
    scheduler.run(({ cold, hot, expectObservable }) => {
      const data1 = cold<Uint8Array>('    --x-y', { x: bytes('hello'), y: bytes('two\nlines') });
      const connection$ = hot('ab---', { a: connection(1, data1), b: connection(2, cold<Uint8Array>('-')) });
      const expected = '      abc-d';

      expectObservable(run({ connection$, console$: hot('-'), shutdown$: hot('-') }, { ...RELAY, framing: 'raw' })).toBe(expected, {
        a: [
          'to 1: * welcome to server, you are guest-1 in #lobby; /help lists commands',
          'to 1: * you are now in #lobby (1 here); no topic',
          joined(1),
        ],
        b: [
          'to 2: * welcome to server, you are guest-2 in #lobby; /help lists commands',
          'to 2: * you are now in #lobby (2 here); no topic',
          'to 1: * guest-2 joined',
          joined(2),
        ],
        c: ['to 2: <guest-1> hello', 'log: <guest-1> hello'],
        d: ['to 2: <guest-1> two', 'to 2: <guest-1> lines', 'log: <guest-1> two | <guest-1> lines'],
      });
    });
  });

  it('starts afresh for each subscription', () => {
    fresh();
    scheduler.run(({ cold, hot, expectObservable }) => {
      const connection$ = hot('-a-', { a: connection(1, cold<Uint8Array>('-')) });
      const main$ = run({ connection$, console$: hot('-'), shutdown$: hot('-') });
      expectObservable(main$).toBe('-a-', { a: [welcome(1), joined(1)] });
      expectObservable(main$).toBe('-a-', { a: [welcome(1), joined(1)] });
    });
  });
});

describe('serverMain limits', () => {
  const fresh = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

  it('pauses reading from a client past its burst, releases its lines at its rate, then resumes', () => {
    fresh().run(({ cold, hot, expectObservable }) => {
      const data1 = cold<Uint8Array>('   -x', { x: bytes('1\n2\n3\n') });
      const connection$ = hot('a', { a: connection(1, data1) });
      const options = { ...RELAY, mode: 'console-only' as const, rate: { linesPerSecond: 10, burst: 2 } };
      expectObservable(run({ connection$, console$: hot('-'), shutdown$: hot('-') }, options)).toBe('a(bp) 96ms (cd)', {
        a: [consoleOnlyWelcome(1), joined(1)],
        b: ['log: <guest-1> 1 | <guest-1> 2'],
        p: ['pause 1'],
        c: ['log: <guest-1> 3'],
        d: ['resume 1'],
      });
    });
  });

  it('pings a silent tagged connection after each heartbeat, drops it after two unanswered pings, and never pings a plain one', () => {
    fresh().run(({ cold, hot, expectObservable }) => {
      const tagged = cold<Uint8Array>(' -x', { x: bytes('/cap tcpchat session=s\n') });
      const answering = cold<Uint8Array>('-x 14ms y 9ms p', {
        x: bytes('/cap tcpchat session=t\n'),
        y: bytes('@pong\n'),
        p: bytes('@ping\n'),
      });
      const connection$ = hot('abc', { a: connection(1, tagged), b: connection(2, answering), c: connection(3, cold('-')) });
      const options = { ...RELAY, mode: 'console-only' as const, heartbeatMs: 10, limits: { maxLineBytes: 64, hardLimitBytes: 64 } };
      const shutdown$ = hot('60ms s', { s: 'got SIGTERM' }); // stops the heartbeat, or virtual time would never end
      const outputs = run({ connection$, console$: hot('-'), shutdown$ }, options).pipe(
        map((batch) => batch.filter((line) => /^close [12]:|@p[io]ng|left/.test(line))),
      );
      // Ticks every 5 ms. 1 was last heard at 1 ms; 2 at 2 ms, then its pong at 17 ms and its ping at 27 ms.
      expectObservable(outputs.pipe(filter((batch) => batch.length > 0))).toBe('15ms a 9ms b 1ms p 7ms c 4ms d 9ms e 9ms f', {
        a: ['to 1,2: @ping\n'],
        b: ['to 1: @ping\n'],
        p: ['to 2: @pong\n'],
        c: ['log: * guest-1 left (no answer to pings)', 'close 1: no answer to pings'],
        d: ['to 2: @ping\n'],
        e: ['to 2: @ping\n'],
        f: ['close 2: server shutting down'], // and the heartbeat stops with the server
      });
    });
  });

  it('refuses a banned address until the ban ends on virtual time; the next heartbeat says it is over', () => {
    fresh().run(({ cold, hot, expectObservable }) => {
      const console$ = hot('a', { a: '/ban 10.0.0.0/8 1s spam' });
      const connection$ = hot('3ms b 996ms c', { b: connection(1, cold('-')), c: connection(2, cold('-')) });
      const shutdown$ = hot('1200ms s', { s: 'got SIGTERM' }); // stops the heartbeat, or virtual time would never end
      const options = { ...RELAY, heartbeatMs: 10, limits: CONSOLE_LIMITS };
      const outputs = run({ connection$, console$, shutdown$ }, options).pipe(
        map((batch) => batch.filter((line) => /ban|joined/.test(line))),
        filter((batch) => batch.length > 0),
      );
      // At 1000 ms the ban holds no more: the newcomer is let in before the tick of that instant tidies it away.
      expectObservable(outputs).toBe('a 2ms b 996ms (cd)', {
        a: ['log: * 10.0.0.0/8 was banned by server (spam; until 1970-01-01 00:00:01 UTC)'],
        b: [
          'to 1: ! banned: spam (until 1970-01-01 00:00:01 UTC)\n',
          'close 1: banned: spam (until 1970-01-01 00:00:01 UTC)',
          'log: * refused 10.0.0.1:4000 (banned: spam (until 1970-01-01 00:00:01 UTC))',
        ],
        c: ['log: * guest-1 joined from 10.0.0.2:4000'],
        d: ['log: * the ban on 10.0.0.0/8 is over'],
      });
    });
  });

  it('tells an idle client why and closes it', () => {
    fresh().run(({ cold, hot, expectObservable }) => {
      const data1 = cold<Uint8Array>('   -x', { x: bytes('hi\n') });
      const connection$ = hot('a', { a: connection(1, data1) });
      const options = { ...RELAY, mode: 'console-only' as const, idleTimeoutMs: 5000 };
      expectObservable(run({ connection$, console$: hot('-'), shutdown$: hot('-') }, options)).toBe('ab 4999ms c', {
        a: [consoleOnlyWelcome(1), joined(1)],
        b: ['log: <guest-1> hi'],
        c: ['to 1: * disconnected: idle for 5 seconds\n', 'log: * guest-1 left (idle for 5 seconds)', 'close 1: idle for 5 seconds'],
      });
    });
  });

  it('admits a client with the password; refuses a wrong one and one that says nothing in time', () => {
    fresh().run(({ cold, hot, expectObservable }) => {
      const right = cold<Uint8Array>('-x', { x: bytes('/pass open sesame\n/nick ada\nhello\n') });
      const wrong = cold<Uint8Array>(' -x', { x: bytes('/pass guess\nhello\n') });
      const silent = cold<Uint8Array>('  -');
      const connection$ = hot('a 9ms b 9ms c', { a: connection(1, right), b: connection(2, wrong), c: connection(3, silent) });
      const options = { ...RELAY, limits: { maxLineBytes: 64, hardLimitBytes: 256 }, password: 'open sesame', passwordTimeoutMs: 1000 };
      const ask = (id: number) => [`to ${id}: * this server needs a password: send /pass SECRET\n`];
      expectObservable(run({ connection$, console$: hot('-'), shutdown$: hot('-') }, options)).toBe('ab 8ms cd 8ms e 999ms f', {
        a: ask(1),
        b: [welcome(1), joined(1), 'to 1: * you are now ada\n', 'log: * guest-1 is now ada', 'log: <ada> hello'],
        c: ask(2),
        d: ['to 2: ! authentication failed\n', 'close 2: authentication failed', 'log: * refused 10.0.0.2:4000 (authentication failed)'],
        e: ask(3),
        f: [
          'to 3: ! authentication timed out\n',
          'close 3: authentication timed out',
          'log: * refused 10.0.0.3:4000 (authentication timed out)',
        ],
      });
    });
  });

  it('asks for the password from password$ once it changes; a member who gave the old one stays', () => {
    fresh().run(({ cold, hot, expectObservable }) => {
      const early = cold<Uint8Array>('-x--------y', { x: bytes('/pass old\n'), y: bytes('still here\n') });
      const stale = cold<Uint8Array>('     -x', { x: bytes('/pass old\n') });
      const current = cold<Uint8Array>('     -x', { x: bytes('/pass new\n') });
      const connection$ = hot('a----b-c', { a: connection(1, early), b: connection(2, stale), c: connection(3, current) });
      const password$ = hot('   ---n', { n: 'new' });
      const options = { ...RELAY, password: 'old' };
      const ask = (id: number) => [`to ${id}: * this server needs a password: send /pass SECRET\n`];
      expectObservable(run({ connection$, console$: hot('-'), shutdown$: hot('-'), password$ }, options)).toBe('ab---cdef-g', {
        a: ask(1),
        b: [welcome(1), joined(1)],
        c: ask(2),
        d: ['to 2: ! authentication failed\n', 'close 2: authentication failed', 'log: * refused 10.0.0.2:4000 (authentication failed)'],
        e: ask(3),
        // Guest numbers go to members only: the refused one took none.
        f: [
          welcome(3).replace('guest-3', 'guest-2').replace('(3 here)', '(2 here)'),
          'to 1: * guest-2 joined\n',
          'log: * guest-2 joined from 10.0.0.3:4000',
        ],
        g: ['to 3: <guest-1> still here\n', 'log: <guest-1> still here'],
      });
    });
  });

  it('refuses an address the access list keeps out, as it refuses at the door, and takes a reloaded list for newcomers', () => {
    fresh().run(({ cold, hot, expectObservable }) => {
      const quiet = cold<Uint8Array>('-');
      const connection$ = hot('a-b-c', { a: connection(1, quiet), b: connection(2, quiet), c: connection(3, quiet) });
      const access$ = hot('   ---n', { n: parseAccess({ allow: [], deny: ['10.0.0.3'] }) });
      const options = { ...RELAY, access: parseAccess({ allow: [], deny: ['10.0.0.0/31'] }) };
      expectObservable(run({ connection$, console$: hot('-'), shutdown$: hot('-'), access$ }, options)).toBe('a-b-c', {
        a: ['to 1: ! access denied\n', 'close 1: access denied', 'log: * refused 10.0.0.1:4000 (access denied)'],
        // Guest numbers go to members only: the refused one took none.
        b: [
          'to 2: * welcome to server, you are guest-1 in #lobby; /help lists commands\n* you are now in #lobby (1 here); no topic\n',
          'log: * guest-1 joined from 10.0.0.2:4000',
        ],
        c: ['to 3: ! access denied\n', 'close 3: access denied', 'log: * refused 10.0.0.3:4000 (access denied)'],
      });
    });
  });

  it('tells a newcomer the server is full', () => {
    fresh().run(({ cold, hot, expectObservable }) => {
      const quiet = cold<Uint8Array>('-');
      const connection$ = hot('ab', { a: connection(1, quiet), b: connection(2, quiet) });
      const options = { ...RELAY, admission: { ...DEFAULT_ADMISSION_LIMITS, maxClients: 1 } };
      expectObservable(run({ connection$, console$: hot('-'), shutdown$: hot('-') }, options)).toBe('ab', {
        a: [welcome(1), joined(1)],
        b: ['to 2: ! server full\n', 'close 2: server full', 'log: * refused 10.0.0.2:4000 (server full)'],
      });
    });
  });
});

/** A server fed by hand: connections open and send when the test says; every output is kept. */
function hand(options: ServerOptions) {
  const connection$ = new Subject<ConnectionSource>();
  const outputs: ServerOutput[] = [];
  const subscription = serverMain({ connection$, console$: NEVER, shutdown$: NEVER }, options).subscribe((batch) => outputs.push(...batch));
  const open = (id: number): Subject<Uint8Array> => {
    const data$ = new Subject<Uint8Array>();
    connection$.next({ id, ip: `10.0.0.${id}`, port: 4000, data$ });
    return data$;
  };
  return { outputs, open, stop: () => subscription.unsubscribe() };
}

describe('serverMain: the record of what the room was sent', () => {
  // Room enough for a /cap line.
  const fedByHand = (): ReturnType<typeof hand> => hand({ ...RELAY, limits: { maxLineBytes: 64, hardLimitBytes: 256 } });
  it('carries the very bytes the plain members were sent, even with a tagged member in the room', () => {
    const { outputs, open, stop } = fedByHand();
    const speaker = open(1);
    open(2);
    open(3).next(bytes('/cap tcpchat session=s\n'));
    outputs.length = 0;

    speaker.next(bytes('hello there\n'));

    const writes = outputs.filter((output) => output.kind === 'write');
    const toPlain = writes.find((write) => write.to.includes(2));
    const log = outputs.find((output) => output.kind === 'log');
    expect(writes).toHaveLength(2); // the plain member's and the tagged member's batches differ
    expect(new TextDecoder().decode(toPlain?.bytes)).toBe('<guest-1> hello there\n');
    expect(log?.bytes).toBe(toPlain?.bytes);
    stop();
  });

  it('carries no bytes when nobody else heard the lines: the record encodes them itself', () => {
    const { outputs, open, stop } = fedByHand();
    const alone = open(1);
    outputs.length = 0;

    alone.next(bytes('anyone?\n'));

    expect(outputs.filter((output) => output.kind === 'write')).toEqual([]);
    const log = outputs.find((output) => output.kind === 'log');
    expect(log?.entries).toMatchObject([{ type: 'messages', lines: ['<guest-1> anyone?'] }]);
    expect(log?.bytes).toBeUndefined();
    stop();
  });
});
