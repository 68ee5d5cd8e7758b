import { describe, expect, it } from '@jest/globals';
import { map, type Observable } from 'rxjs';
import { TestScheduler, type RunHelpers } from 'rxjs/testing';
import {
  clientMain,
  type ClientOptions,
  type ClientOutput,
  type ClientSources,
  type ConnectAttempt,
} from '../../../streams/client/client-main.js';
import type { DisplayLine } from '../../../streams/client/client-state.js';
import { DEFAULT_OUTBOX_LIMITS } from '../../../streams/client/outbox.js';
import { DEFAULT_BACKOFF } from '../../../streams/limits/backoff.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (text: string): Uint8Array => encoder.encode(text);

const OPTIONS: ClientOptions = {
  where: '127.0.0.1:2023',
  framing: 'line',
  retries: 0,
  backoff: DEFAULT_BACKOFF,
  outbox: DEFAULT_OUTBOX_LIMITS,
  session: 'S',
  random: () => 0.5,
  limits: { maxLineBytes: 64, hardLimitBytes: 256 },
};

const T = '2024-05-01T12:00:00.000Z';
const WELCOME = '* welcome to server, you are guest-1; /help lists commands\n';
const reset = (): Error => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
const refused = (): Error => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:2023'), { code: 'ECONNREFUSED' });

/** An output as the tests compare it: what is sent as text rather than bytes. */
type Seen = Exclude<ClientOutput, { kind: 'send' }> | { readonly kind: 'send'; readonly text: string };

function client(sources: ClientSources, options: Partial<ClientOptions> = {}): Observable<Seen> {
  return clientMain(sources, { ...OPTIONS, ...options }).pipe(
    map((output): Seen => (output.kind === 'send' ? { kind: 'send', text: decoder.decode(output.bytes) } : output)),
  );
}

const connectOut: Seen = { kind: 'connect' };
const endOut: Seen = { kind: 'end' };
/** Leaving a tcpchat server on purpose: said before the half-close. */
const quitOut: Seen = { kind: 'send', text: '/quit\n' };
const sent = (text: string): Seen => ({ kind: 'send', text });
const status = (text: string): Seen => ({ kind: 'status', text });
const shown = (...lines: DisplayLine[]): Seen => ({ kind: 'display', lines });
const exit = (code: 0 | 1, message?: string): Seen => ({ kind: 'exit', code, ...(message ? { message } : {}) });
const connectedTo = (received$: Observable<Uint8Array>): ConnectAttempt => ({ kind: 'connected', received$ });
const failedWith = (error: unknown): ConnectAttempt => ({ kind: 'failed', error });
const welcomeLine = (guest: string): DisplayLine => ({ kind: 'notice', text: `welcome to server, you are ${guest}; /help lists commands` });

describe('clientMain', () => {
  let scheduler: TestScheduler;
  const fresh = (): void => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  };

  describe('connecting', () => {
    it('asks to connect at once, and exits 1 when the first connection is refused, letting go of its sources', () => {
      fresh();
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const input$ = hot<string>('-');
        const attempt$ = hot<ConnectAttempt>('--f', { f: failedWith(refused()) });
        const leave$ = hot('-');

        expectObservable(client({ input$, attempt$, leave$ }, { retries: 5 })).toBe('c-(x|)', {
          c: connectOut,
          x: exit(1, 'cannot connect to 127.0.0.1:2023: connection refused'),
        });
        expectSubscriptions(input$.subscriptions).toBe('^-!');
        expectSubscriptions(attempt$.subscriptions).toBe('^-!');
        expectSubscriptions(leave$.subscriptions).toBe('^-!');
      });
    });
  });

  describe('with a plain server', () => {
    it('sends typed lines as LF lines at once, half-closes at the end of input and exits 0 when the server closes', () => {
      fresh();
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const server$ = hot<Uint8Array>('     -----a---|', { a: bytes('<bob> hi\n') });
        const attempt$ = hot<ConnectAttempt>('-k', { k: connectedTo(server$) });
        const input$ = hot('                 --a-b-|', { a: 'hello', b: 'héllo wörld' });

        expectObservable(client({ input$, attempt$, leave$: hot('-') }, { nick: 'alice' })).toBe('c-s-tde--(x|)', {
          c: connectOut,
          s: sent('/nick alice\nhello\n'),
          t: sent('héllo wörld\n'),
          d: shown({ kind: 'message', from: 'bob', text: 'hi' }),
          e: endOut,
          x: exit(0),
        });
        expectSubscriptions(input$.subscriptions).toBe('^-----!');
        expectSubscriptions(server$.subscriptions).toBe('-^-------!');
        expectSubscriptions(attempt$.subscriptions).toBe('^--------!');
      });
    });

    it('exits 1 when the server closes while the person is still typing, with no retries, and stops reading input', () => {
      fresh();
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const server$ = hot<Uint8Array>('     ----|');
        const attempt$ = hot<ConnectAttempt>('-k', { k: connectedTo(server$) });
        const input$ = hot('                 --a---b-|', { a: 'hello?', b: 'anyone?' });

        expectObservable(client({ input$, attempt$, leave$: hot('-') })).toBe('c-s-(x|)', {
          c: connectOut,
          s: sent('hello?\n'),
          x: exit(1, 'the server closed the connection'),
        });
        expectSubscriptions(input$.subscriptions).toBe('^---!');
        expectSubscriptions(attempt$.subscriptions).toBe('^---!');
      });
    });

    it('exits 1 with the reason when the connection fails', () => {
      fresh();
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const server$ = hot<Uint8Array>('     --a-#', { a: bytes('<bob> hi\n') }, reset());
        const attempt$ = hot<ConnectAttempt>('-k', { k: connectedTo(server$) });
        const input$ = hot<string>('-');

        expectObservable(client({ input$, attempt$, leave$: hot('-') })).toBe('c-d-(x|)', {
          c: connectOut,
          d: shown({ kind: 'message', from: 'bob', text: 'hi' }),
          x: exit(1, 'connection lost: connection reset'),
        });
        expectSubscriptions(server$.subscriptions).toBe('-^--!');
        expectSubscriptions(input$.subscriptions).toBe('^---!');
      });
    });

    it('shows the server’s lines batch by batch: split characters joined, over-long lines reported, control characters visible, an unterminated last line at the close', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const server$ = hot<Uint8Array>('     --a-b-c-d-|', {
          a: bytes(`<bob> ${'x'.repeat(80)}\n<bob> ok\n`),
          b: new Uint8Array([0x3c, 0x62, 0x3e, 0x20, 0xc3]),
          c: new Uint8Array([0xa9, 0x0a, 0x1b, 0x5b, 0x31, 0x41, 0x2a, 0x20, 0x66, 0x0a]),
          d: bytes('* bye'),
        });
        const attempt$ = hot<ConnectAttempt>('-k', { k: connectedTo(server$) });

        expectObservable(client({ input$: hot('-'), attempt$, leave$: hot('-') })).toBe('c-(ab)e---(dx|)', {
          c: connectOut,
          a: status('a line from the server was too long (over 64 bytes) and was dropped'),
          b: shown({ kind: 'message', from: 'bob', text: 'ok' }),
          e: shown({ kind: 'message', from: 'b', text: 'é' }, { kind: 'text', text: '␛[1A* f' }),
          d: shown({ kind: 'notice', text: 'bye' }),
          x: exit(1, 'the server closed the connection'),
        });
      });
    });
  });

  describe('a line too long from the server', () => {
    it('is said on our side, never taken for a refusal, and reading goes on past the hard limit to the next line', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const server$ = hot<Uint8Array>('     --a-b-c-|', {
          a: bytes(`${'x'.repeat(300)}\n`), // past the hard limit (256) too
          b: bytes('<bob> ok\n'),
          c: bytes(`${'y'.repeat(100)}\n`),
        });
        const attempt$ = hot<ConnectAttempt>('-k', { k: connectedTo(server$) });
        const tooLong = status('a line from the server was too long (over 64 bytes) and was dropped');

        expectObservable(client({ input$: hot('-'), attempt$, leave$: hot('-') }, { greetingMs: 1000 })).toBe('c-t-b-t-(x|)', {
          c: connectOut,
          t: tooLong,
          b: shown({ kind: 'message', from: 'bob', text: 'ok' }),
          x: exit(1, 'the server closed the connection'),
        });
      });
    });
  });

  describe('bytes from a server that is no telnet server', () => {
    it('shows a 0xFF as U+FFFD without losing the byte after it (a\\xffb, one \\xff two)', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const server$ = hot<Uint8Array>('     --a', { a: Uint8Array.from(Buffer.from('a\xffb\none \xff two\n', 'latin1')) });
        const attempt$ = hot<ConnectAttempt>('-k', { k: connectedTo(server$) });

        expectObservable(client({ input$: hot('-'), attempt$, leave$: hot('-') })).toBe('c-a', {
          c: connectOut,
          a: shown({ kind: 'text', text: 'a\ufffdb' }, { kind: 'text', text: 'one \ufffd two' }),
        });
      });
    });
  });

  describe('with a tcpchat server', () => {
    it('asks for tags after the welcome, then numbers typed lines and shows tagged lines once, with their time', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const server$ = hot<Uint8Array>('10ms w 9ms c 19ms a 9ms l', {
          w: bytes(WELCOME),
          c: bytes(`@cap=tcpchat;epoch=E;seq=4\n@time=${T} * you are now alice\n`),
          a: bytes('@ack=S.1\n'),
          l: bytes(
            `@seq=5;time=${T} <bob> hi\n@seq=5;time=${T} <bob> hi\n@seq=4;time=${T} <bob> old\n@seq=3;time=${T};replay <bob> old too\n@seq=6;time=${T};replay <bob> earlier\n`,
          ),
        });
        const attempt$ = hot<ConnectAttempt>('5ms k', { k: connectedTo(server$) });
        const input$ = hot('30ms a', { a: 'hello' });

        expectObservable(client({ input$, attempt$, leave$: hot('-') }, { nick: 'alice' })).toBe('c 9ms (wn) 6ms d 9ms s 19ms l', {
          c: connectOut,
          w: shown(welcomeLine('guest-1')),
          n: sent('/cap tcpchat session=S\n/nick alice\n'),
          d: shown({ kind: 'notice', text: 'you are now alice', time: T }),
          s: sent('@id=S.1 hello\n'),
          // Live lines at or below the last seen are dropped; replayed ones were asked for (/history).
          l: shown(
            { kind: 'message', from: 'bob', text: 'hi', time: T },
            { kind: 'message', from: 'bob', text: 'old too', time: T, replayed: true },
            { kind: 'message', from: 'bob', text: 'earlier', time: T, replayed: true },
          ),
        });
      });
    });

    it('sends nothing more after the end of input, even when the welcome comes later, but the nick before the line (echo hi | tcpchat connect --nick alice)', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const server$ = hot<Uint8Array>('     ----w|', { w: bytes(WELCOME) });
        const attempt$ = hot<ConnectAttempt>('-k', { k: connectedTo(server$) });
        const input$ = hot('                 --a|', { a: 'hi' });

        expectObservable(client({ input$, attempt$, leave$: hot('-') }, { nick: 'alice' })).toBe('c-sed(x|)', {
          c: connectOut,
          s: sent('/nick alice\nhi\n'),
          e: endOut,
          d: shown(welcomeLine('guest-1')),
          x: exit(0),
        });
      });
    });
  });

  describe('waiting for the peer to speak (greetingMs)', () => {
    it("holds a pipe's lines until /cap and the nick are answered, then sends them numbered and half-closes (echo hi | tcpchat connect --nick alice)", () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const server$ = hot<Uint8Array>('     ----w 9ms c 9ms a 9ms |', {
          w: bytes(WELCOME),
          c: bytes(`@cap=tcpchat;epoch=E;seq=4\n@time=${T} * you are now alice\n`),
          a: bytes('@ack=S.1\n'),
        });
        const attempt$ = hot<ConnectAttempt>('-k', { k: connectedTo(server$) });
        const input$ = hot('                 --a|', { a: 'hi' });

        expectObservable(client({ input$, attempt$, leave$: hot('-') }, { nick: 'alice', greetingMs: 1000 })).toBe(
          'c 3ms (dn) 6ms (ysqe) 14ms (x|)',
          {
            c: connectOut,
            d: shown(welcomeLine('guest-1')),
            n: sent('/cap tcpchat session=S\n/nick alice\n'),
            y: shown({ kind: 'notice', text: 'you are now alice', time: T }),
            s: sent('@id=S.1 hi\n'),
            q: quitOut,
            e: endOut,
            x: exit(0),
          },
        );
      });
    });

    it('gives a peer silent for greetingMs what waited, plain, at the end of that wait; later lines at once', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const server$ = hot<Uint8Array>('1500ms |'); // silent, though pinged never (it spoke no tags)
        const attempt$ = hot<ConnectAttempt>('-k', { k: connectedTo(server$) });
        const input$ = hot('                 --a 1000ms b', { a: 'one', b: 'two' });

        expectObservable(client({ input$, attempt$, leave$: hot('-') }, { nick: 'alice', greetingMs: 1000, heartbeatMs: 300 })).toBe(
          'c 1000ms s 1ms t 496ms (x|)',
          { c: connectOut, s: sent('/nick alice\none\n'), t: sent('two\n'), x: exit(1, 'the server closed the connection') },
        );
      });
    });
  });

  describe('the peer: unknown until it shows itself, then plain or tcpchat, unknown again on each connection', () => {
    it('with a secret, gives an nc -l peer that never speaks what waited after the wait, plain (no nick, no secret), and later lines at once', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const server$ = hot<Uint8Array>('1500ms |');
        const attempt$ = hot<ConnectAttempt>('-k', { k: connectedTo(server$) });
        const input$ = hot('                 --a 1000ms b', { a: 'one', b: 'two' });

        expectObservable(client({ input$, attempt$, leave$: hot('-') }, { nick: 'alice', identity: 'pw', greetingMs: 1000 })).toBe(
          'c 1000ms s 1ms t 496ms (x|)',
          { c: connectOut, s: sent('one\n'), t: sent('two\n'), x: exit(1, 'the server closed the connection') },
        );
      });
    });

    it('holds lines again on a reconnect until the new peer shows itself: plain first (it spoke), then a tcpchat server numbers them', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const first$ = hot<Uint8Array>('  5ms h 4ms |', { h: bytes('hello from nc\n') });
        const second$ = hot<Uint8Array>(' 320ms w 9ms c', { w: bytes(WELCOME), c: bytes('@cap=tcpchat;epoch=E;seq=4\n') });
        const attempt$ = hot<ConnectAttempt>('-k 309ms K', { k: connectedTo(first$), K: connectedTo(second$) });
        const input$ = hot('                --a 312ms b', { a: 'one', b: 'two' });
        const backoff = { initialMs: 400, maxMs: 400, factor: 2 };

        expectObservable(client({ input$, attempt$, leave$: hot('-') }, { greetingMs: 1000, retries: 1, backoff })).toBe(
          'c 4ms (ds) 1ms l 299ms r k 8ms (Wn) 6ms t',
          {
            c: connectOut,
            d: shown({ kind: 'text', text: 'hello from nc' }),
            s: sent('one\n'),
            l: status('the server closed the connection; reconnecting in 0.3 s'),
            r: connectOut,
            k: status('reconnected to 127.0.0.1:2023'),
            W: shown(welcomeLine('guest-1')),
            n: sent('/cap tcpchat session=S\n'),
            t: sent('@id=S.2 two\n'),
          },
        );
      });
    });
  });

  describe('the nick before the lines', () => {
    it('with a secret, delivers a line whose input ended at once under the nick, then half-closes (echo hi | TCPCHAT_IDENTITY=pw tcpchat connect --nick alice)', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const server$ = hot<Uint8Array>('     -----w 4ms n 4ms a|', {
          w: bytes(WELCOME),
          n: bytes(
            `@cap=tcpchat;epoch=E;seq=4\n@time=${T} * you are identified as alice\n@time=${T} * you are now alice\n@time=${T} * you are alice\n`,
          ),
          a: bytes('@ack=S.1\n'),
        });
        const attempt$ = hot<ConnectAttempt>('-k', { k: connectedTo(server$) });
        const input$ = hot('                 --a|', { a: 'hi' });

        expectObservable(client({ input$, attempt$, leave$: hot('-') }, { nick: 'alice', identity: 'pw' })).toBe(
          'c 4ms (wn) 1ms (dsqe) (x|)',
          {
            c: connectOut,
            w: shown(welcomeLine('guest-1')),
            n: sent('/cap tcpchat session=S\n/identify alice pw\n/nick alice\n'),
            d: shown(
              { kind: 'notice', text: 'you are identified as alice', time: T },
              { kind: 'notice', text: 'you are now alice', time: T },
            ),
            s: sent('@id=S.1 hi\n'),
            q: quitOut,
            e: endOut,
            x: exit(0),
          },
        );
      });
    });

    it('refused, says so in one line and sends the held line under the nick the server gave', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const server$ = hot<Uint8Array>('     -----w 4ms c 4ms r', {
          w: bytes(WELCOME),
          c: bytes('@cap=tcpchat;epoch=E;seq=4\n'),
          r: bytes(`@time=${T} ! nick alice is taken\n`),
        });
        const attempt$ = hot<ConnectAttempt>('-k', { k: connectedTo(server$) });
        const input$ = hot('                 -------a', { a: 'hi' });

        expectObservable(client({ input$, attempt$, leave$: hot('-') }, { nick: 'alice' })).toBe('c 4ms (wn) 6ms (ts)', {
          c: connectOut,
          w: shown(welcomeLine('guest-1')),
          n: sent('/cap tcpchat session=S\n/nick alice\n'),
          t: status('the server refused the nick alice (nick alice is taken); you are guest-1'),
          s: sent('@id=S.1 hi\n'),
        });
      });
    });
  });

  describe('rooms', () => {
    const limits = { maxLineBytes: 256, hardLimitBytes: 1024 };
    const inDev = shown({ kind: 'notice', text: 'you are now in #dev (2 here); no topic', time: T });
    /** A first connection, welcomed in #lobby, that moves to #dev and is lost at 40 ms. */
    const firstInDev = (hot: RunHelpers['hot']) =>
      hot<Uint8Array>(
        '10ms w 9ms c 9ms j 9ms #',
        {
          w: bytes('* welcome to hub, you are guest-1 in #lobby; /help lists commands\n'),
          c: bytes(`@cap=tcpchat;epoch=E;seq=4\n`),
          j: bytes(`@time=${T} * you are now in #dev (2 here); no topic\n`),
        },
        reset(),
      );
    /** What the client does through that connection, and through the next one up to its welcome (at 450 ms): asks to be back in #dev. */
    const backToDev = {
      c: connectOut,
      r: { kind: 'room', room: '#lobby' },
      w: shown({ kind: 'notice', text: 'welcome to hub, you are guest-1 in #lobby; /help lists commands' }),
      n: sent('/cap tcpchat session=S\n'),
      J: { kind: 'room', room: '#dev' },
      j: inDev,
      l: status('connection lost: connection reset; reconnecting in 0.4 s'),
      R: connectOut,
      k: status('reconnected to 127.0.0.1:2023'),
      W: shown({ kind: 'notice', text: 'welcome to hub, you are guest-2 in #lobby; /help lists commands' }),
      N: sent('/cap tcpchat session=S resume=E:4 room=#dev\n'),
    } as const;

    it('shows the room of the welcome and of each move, and after a lost connection asks to be back in it', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const second$ = hot<Uint8Array>('450ms w 9ms c', {
          w: bytes('* welcome to hub, you are guest-2 in #lobby; /help lists commands\n'),
          c: bytes(`@cap=tcpchat;epoch=E;seq=4;missed=0\n@time=${T} * you are now in #dev (2 here); no topic\n`),
        });
        const attempt$ = hot<ConnectAttempt>('5ms k 434ms K', { k: connectedTo(firstInDev(hot)), K: connectedTo(second$) });

        expectObservable(client({ input$: hot('-'), attempt$, leave$: hot('-') }, { retries: 1, limits })).toBe(
          'c 9ms (rwn) 15ms (Jj) 6ms l 374ms R 34ms (krWN) 4ms (Jj)',
          backToDev,
        );
      });
    });

    it("back after a lost connection, shows the room it is put back in before that room's replayed lines, and what was held from the room before it before both", () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        // As a server answers a resume: the room asked back first, then the answer to /cap, then what was missed there.
        const second$ = hot<Uint8Array>('450ms w 9ms c', {
          w: bytes(
            '* welcome to hub, you are guest-2 in #lobby; /help lists commands\n* you are now in #lobby (1 here); no topic\n<ann> hi lobby\n',
          ),
          c: bytes(
            [
              `@time=${T} * you are now in #dev (2 here); no topic`,
              '@cap=tcpchat;epoch=E;seq=6;missed=2',
              `@seq=5;replay;time=${T} <bob> missed one`,
              `@seq=6;replay;time=${T} <bob> missed two`,
              '',
            ].join('\n'),
          ),
        });
        const attempt$ = hot<ConnectAttempt>('5ms k 434ms K', { k: connectedTo(firstInDev(hot)), K: connectedTo(second$) });

        expectObservable(client({ input$: hot('-'), attempt$, leave$: hot('-') }, { retries: 1, limits })).toBe(
          'c 9ms (rwn) 15ms (Jj) 6ms l 374ms R 34ms (krWNL) 3ms (aJjm)',
          {
            ...backToDev,
            L: shown({ kind: 'notice', text: 'you are now in #lobby (1 here); no topic' }),
            a: shown({ kind: 'message', from: 'ann', text: 'hi lobby' }),
            m: shown(
              { kind: 'message', from: 'bob', text: 'missed one', time: T, replayed: true },
              { kind: 'message', from: 'bob', text: 'missed two', time: T, replayed: true },
            ),
          },
        );
      });
    });

    it('keeps the plain prompt with a server without rooms', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const server$ = hot<Uint8Array>('--w', {
          w: bytes('* welcome to hub, you are guest-1; only hub hears you; /help lists commands\n'),
        });
        const attempt$ = hot<ConnectAttempt>('-k', { k: connectedTo(server$) });

        expectObservable(client({ input$: hot('-'), attempt$, leave$: hot('-') }, { limits })).toBe('c-(wn)', {
          c: connectOut,
          w: shown({ kind: 'notice', text: 'welcome to hub, you are guest-1; only hub hears you; /help lists commands' }),
          n: sent('/cap tcpchat session=S\n'),
        });
      });
    });
  });

  describe('reconnecting', () => {
    it('identifies its registered nick before asking for it, after each welcome, and shows no one the secret', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const first$ = hot<Uint8Array>('10ms w 9ms #', { w: bytes(WELCOME) }, reset());
        const second$ = hot<Uint8Array>('450ms w', { w: bytes('* welcome to server, you are guest-2; /help lists commands\n') });
        const attempt$ = hot<ConnectAttempt>('5ms k 439ms K', { k: connectedTo(first$), K: connectedTo(second$) });
        const options = { nick: 'alice', identity: 'pw', retries: 1 };
        expectObservable(client({ input$: hot('-'), attempt$, leave$: hot('-') }, options)).toBe('c 9ms (wn) 6ms l 374ms r 54ms (kWN)', {
          c: connectOut,
          w: shown(welcomeLine('guest-1')),
          n: sent('/cap tcpchat session=S\n/identify alice pw\n/nick alice\n'),
          l: status('connection lost: connection reset; reconnecting in 0.4 s'),
          r: connectOut,
          k: status('reconnected to 127.0.0.1:2023'),
          W: shown(welcomeLine('guest-2')),
          N: sent('/cap tcpchat session=S\n/identify alice pw\n/nick alice\n'),
        });
      });
    });

    it('says so, reconnects after the backoff delay, resumes, reclaims its nick and resends what was not acknowledged, in order', () => {
      fresh();
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const first$ = hot<Uint8Array>(
          '20ms w 9ms c 19ms b 19ms #',
          {
            w: bytes(WELCOME),
            c: bytes(`@cap=tcpchat;epoch=E;seq=4\n@time=${T} * you are now alice\n`),
            b: bytes(`@ack=S.1\n@time=${T} * you are now bob\n@seq=5;time=${T} <carol> hi\n`),
          },
          reset(),
        );
        const second$ = hot<Uint8Array>('460ms w 9ms c 4ms n 14ms a', {
          w: bytes('* welcome to server, you are guest-2; /help lists commands\n'),
          c: bytes(`@cap=tcpchat;epoch=E;seq=6\n@seq=5;time=${T} <carol> hi\n@seq=6;time=${T};replay <carol> missed\n`),
          n: bytes(`@time=${T} * you are now bob\n`),
          a: bytes('@ack=S.5\n'),
        });
        const attempt$ = hot<ConnectAttempt>('10ms k 439ms K', { k: connectedTo(first$), K: connectedTo(second$) });
        const input$ = hot('40ms a 19ms b 19ms c 374ms d 24ms e', { a: '/nick bob', b: 'two', c: 'three', d: 'four', e: 'five' });

        expectObservable(client({ input$, attempt$, leave$: hot('-') }, { nick: 'alice', retries: 2 })).toBe(
          'c 19ms (wn) 6ms a 9ms s 9ms b 9ms t 9ms l 374ms r 14ms (kWN) 5ms m 4ms (BR) 1ms f',
          {
            c: connectOut,
            w: shown(welcomeLine('guest-1')),
            n: sent('/cap tcpchat session=S\n/nick alice\n'),
            a: shown({ kind: 'notice', text: 'you are now alice', time: T }),
            s: sent('@id=S.1 /nick bob\n'),
            b: shown({ kind: 'notice', text: 'you are now bob', time: T }, { kind: 'message', from: 'carol', text: 'hi', time: T }),
            t: sent('@id=S.2 two\n'),
            l: status('connection lost: connection reset; reconnecting in 0.4 s'),
            r: connectOut,
            k: status('reconnected to 127.0.0.1:2023'),
            W: shown(welcomeLine('guest-2')),
            N: sent('/cap tcpchat session=S resume=E:5\n/nick bob\n'),
            m: shown({ kind: 'message', from: 'carol', text: 'missed', time: T, replayed: true }),
            // Nothing is resent before the nick is answered.
            B: shown({ kind: 'notice', text: 'you are now bob', time: T }),
            R: sent('@id=S.2 two\n@id=S.3 three\n@id=S.4 four\n'),
            f: sent('@id=S.5 five\n'),
          },
        );
        expectSubscriptions(first$.subscriptions).toBe('10ms ^ 59ms !');
        expectSubscriptions(second$.subscriptions).toBe('450ms ^');
      });
    });

    it('answers pings, pings a silent server every heartbeat, and after two unanswered pings drops the link and reconnects', () => {
      fresh();
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const server$ = hot<Uint8Array>('2ms w 9ms c 37ms p', {
          w: bytes(WELCOME),
          c: bytes('@cap=tcpchat;epoch=E;seq=1\n'),
          p: bytes('@ping\n'),
        });
        const attempt$ = hot<ConnectAttempt>('1ms k', { k: connectedTo(server$) });

        expectObservable(client({ input$: hot('-'), attempt$, leave$: hot('-') }, { retries: 1, heartbeatMs: 100 })).toBe(
          'c 1ms (wn) 44ms o 99ms p 99ms q 99ms l 374ms r',
          {
            c: connectOut,
            w: shown(welcomeLine('guest-1')),
            n: sent('/cap tcpchat session=S\n'),
            o: sent('@pong\n'), // the server's ping was heard: the silence counts from here
            p: sent('@ping\n'),
            q: sent('@ping\n'),
            l: status('connection lost: no answer from the server; reconnecting in 0.4 s'),
            r: connectOut,
          },
        );
        // The dead connection is let go at once (its socket destroyed), not when the OS gives up.
        expectSubscriptions(server$.subscriptions).toBe('1ms ^ 348ms !');
      });
    });

    it('takes a link that leaves what it sent unanswered for dead, however busy the room: a ping a heartbeat after the last answer, another, then a reconnect', () => {
      fresh();
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        // The room talks on (the server reaches us), but our line is never acknowledged (we do not reach it).
        const room = 'bdefgh'.split('');
        const server$ = hot<Uint8Array>(`2ms w 9ms c${room.map((name) => ` 44ms ${name}`).join('')}`, {
          w: bytes(WELCOME),
          c: bytes('@cap=tcpchat;epoch=E;seq=1\n'),
          ...Object.fromEntries(room.map((name, i) => [name, bytes(`@seq=${i + 2};time=${T} <bob> ${name}\n`)])),
        });
        const attempt$ = hot<ConnectAttempt>('1ms k', { k: connectedTo(server$) });
        const input$ = hot('20ms a', { a: 'one' });
        const bob = (text: string): Seen => shown({ kind: 'message', from: 'bob', text, time: T });

        expectObservable(client({ input$, attempt$, leave$: hot('-') }, { retries: 1, heartbeatMs: 100 })).toBe(
          'c 1ms (wn) 14ms s 36ms b 44ms d 9ms p 34ms e 44ms f 19ms q 24ms g 44ms h 29ms l 374ms r',
          {
            c: connectOut,
            w: shown(welcomeLine('guest-1')),
            n: sent('/cap tcpchat session=S\n'),
            s: sent('@id=S.1 one\n'),
            ...Object.fromEntries(room.map((name) => [name, bob(name)])),
            // A heartbeat after the answer to /cap (12 ms), not after the last line from the room.
            p: sent('@ping\n'),
            q: sent('@ping\n'),
            l: status('connection lost: no answer from the server; reconnecting in 0.4 s'),
            r: connectOut,
          },
        );
        expectSubscriptions(server$.subscriptions).toBe('1ms ^ 310ms !');
      });
    });

    it('never pings a server that did not speak tags', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const server$ = hot<Uint8Array>('2ms a', { a: bytes('hello from nc\n') });
        const attempt$ = hot<ConnectAttempt>('1ms k', { k: connectedTo(server$) });
        expectObservable(client({ input$: hot('-'), attempt$, leave$: hot('-') }, { heartbeatMs: 10 }), '^ 100ms !').toBe('c 1ms a', {
          c: connectOut,
          a: shown({ kind: 'text', text: 'hello from nc' }),
        });
      });
    });

    it('counts sequence numbers afresh when the server has restarted (a new epoch)', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const first$ = hot<Uint8Array>('2ms w 9ms c 9ms l 9ms |', {
          w: bytes(WELCOME),
          c: bytes('@cap=tcpchat;epoch=E;seq=8\n'),
          l: bytes(`@seq=9;time=${T} <bob> nine\n`),
        });
        const second$ = hot<Uint8Array>('420ms w 9ms c', {
          w: bytes(WELCOME),
          c: bytes(
            `@cap=tcpchat;epoch=F;seq=1\n* the server has restarted since; what was said before is gone\n@seq=2;time=${T} <bob> two\n`,
          ),
        });
        const attempt$ = hot<ConnectAttempt>('1ms k 408ms K', { k: connectedTo(first$), K: connectedTo(second$) });

        expectObservable(client({ input$: hot('-'), attempt$, leave$: hot('-') }, { retries: 1 })).toBe(
          'c 1ms (wn) 16ms d 9ms l 374ms r 12ms (kWN) 5ms b',
          {
            c: connectOut,
            w: shown(welcomeLine('guest-1')),
            n: sent('/cap tcpchat session=S\n'),
            d: shown({ kind: 'message', from: 'bob', text: 'nine', time: T }),
            l: status('the server closed the connection; reconnecting in 0.4 s'),
            r: connectOut,
            k: status('reconnected to 127.0.0.1:2023'),
            W: shown(welcomeLine('guest-1')),
            N: sent('/cap tcpchat session=S resume=E:9\n'),
            b: shown(
              { kind: 'notice', text: 'the server has restarted since; what was said before is gone' },
              // Sequence 2 is below the 9 seen before the restart: only a new baseline shows it.
              { kind: 'message', from: 'bob', text: 'two', time: T },
            ),
          },
        );
      });
    });

    it('backs off on virtual time, doubling up to the cap, and gives up after the last retry with one sentence', () => {
      fresh();
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const server$ = hot<Uint8Array>('20ms #', undefined, reset());
        const attempt$ = hot<ConnectAttempt>('10ms k 389ms f 759ms f 759ms f', { k: connectedTo(server$), f: failedWith(refused()) });
        const input$ = hot<string>('-');
        const leave$ = hot('-');
        const backoff = { initialMs: 500, maxMs: 1000, factor: 2 };

        expectObservable(client({ input$, attempt$, leave$ }, { retries: 3, backoff, scheduler })).toBe(
          'c 19ms l 374ms r 4ms m 749ms r 9ms m 749ms r 9ms (x|)',
          {
            c: connectOut,
            l: status('connection lost: connection reset; reconnecting in 0.4 s'),
            m: status('cannot reach 127.0.0.1:2023: connection refused; reconnecting in 0.8 s'),
            r: connectOut,
            x: exit(1, 'cannot reach 127.0.0.1:2023: connection refused (gave up after 3 retries)'),
          },
        );
        expectSubscriptions(input$.subscriptions).toBe('^ 1919ms !');
        expectSubscriptions(attempt$.subscriptions).toBe('^ 1919ms !');
        expectSubscriptions(leave$.subscriptions).toBe('^ 1919ms !');
      });
    });

    it('on a terminal pauses input when the outbox is full, and reports the lines dropped anyway once, when the burst is over', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const server$ = hot<Uint8Array>('20ms #', undefined, reset());
        const again$ = hot<Uint8Array>('-');
        const attempt$ = hot<ConnectAttempt>('10ms k 389ms K', { k: connectedTo(server$), K: connectedTo(again$) });
        const input$ = hot('30ms a 9ms b', { a: 'first', b: 'second' });

        expectObservable(
          client({ input$, attempt$, leave$: hot('-') }, { retries: 1, interactive: true, outbox: { maxLines: 1, maxBytes: 1024 } }),
        ).toBe('c 19ms l 9ms p 364ms r 4ms (kosP)', {
          c: connectOut,
          l: status('connection lost: connection reset; reconnecting in 0.4 s'),
          // Full: reading input pauses; what came anyway pushes the oldest out, told once the burst is over.
          p: { kind: 'pause-input', paused: true },
          P: { kind: 'pause-input', paused: false },
          o: status('outbox full: dropped the oldest 1 line'),
          r: connectOut,
          k: status('reconnected to 127.0.0.1:2023'),
          s: sent('second\n'),
        });
      });
    });
  });

  describe('leaving (Ctrl-C)', () => {
    it('while connected half-closes, stops reading input, and exits 0 when the server closes', () => {
      fresh();
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const server$ = hot<Uint8Array>('30ms |');
        const attempt$ = hot<ConnectAttempt>('5ms k', { k: connectedTo(server$) });
        const input$ = hot('10ms a 9ms b', { a: 'hi', b: 'too late' });
        const leave$ = hot('15ms l 4ms l');

        expectObservable(client({ input$, attempt$, leave$ })).toBe('c 9ms s 4ms e 14ms (x|)', {
          c: connectOut,
          s: sent('hi\n'),
          e: endOut,
          x: exit(0),
        });
        expectSubscriptions(input$.subscriptions).toBe('^ 14ms !');
        expectSubscriptions(leave$.subscriptions).toBe('^ 14ms !');
        expectSubscriptions(attempt$.subscriptions).toBe('^ 29ms !');
      });
    });

    it('while disconnected exits 0 at once, saying how many lines were unsent, and cancels the reconnect', () => {
      fresh();
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const server$ = hot<Uint8Array>('20ms #', undefined, reset());
        const attempt$ = hot<ConnectAttempt>('10ms k', { k: connectedTo(server$) });
        const input$ = hot('30ms a 4ms b', { a: 'one', b: 'two' });
        const leave$ = hot('40ms l');

        expectObservable(client({ input$, attempt$, leave$ }, { retries: 3 })).toBe('c 19ms l 19ms (x|)', {
          c: connectOut,
          l: status('connection lost: connection reset; reconnecting in 0.4 s'),
          x: exit(0, 'left with 2 lines unsent'),
        });
        expectSubscriptions(input$.subscriptions).toBe('^ 39ms !');
        expectSubscriptions(attempt$.subscriptions).toBe('^ 39ms !');
        expectSubscriptions(leave$.subscriptions).toBe('^ 39ms !');
      });
    });
  });

  describe('raw framing', () => {
    it('sends /pass and /nick at once on connect, never /cap, and each line as a message of its own without a newline', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const server$ = hot<Uint8Array>('     ------w', { w: bytes(WELCOME.trimEnd()) });
        const attempt$ = hot<ConnectAttempt>('-k', { k: connectedTo(server$) });
        const input$ = hot('                 --------a', { a: 'hi' });

        expectObservable(client({ input$, attempt$, leave$: hot('-') }, { framing: 'raw', nick: 'alice', password: 'secret' })).toBe(
          'c(pn)-w-s',
          {
            c: connectOut,
            p: sent('/pass secret'),
            n: sent('/nick alice'),
            w: shown(welcomeLine('guest-1')),
            s: sent('hi'),
          },
        );
      });
    });

    it('handles its own commands: /nick and /who are not sent but said to be unavailable, //text sends /text, /quit ends its side and exits 0 at once', () => {
      fresh();
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const server$ = hot<Uint8Array>('     -');
        const attempt$ = hot<ConnectAttempt>('-k', { k: connectedTo(server$) });
        const input$ = hot('                 --a-b-c-d-e-q', {
          a: 'hi',
          b: '/nick bob',
          c: '/WHO',
          d: '//me too',
          e: 'bye',
          q: '/quit now',
        });

        expectObservable(client({ input$, attempt$, leave$: hot('-') }, { framing: 'raw' })).toBe('k-a-b-c-d-e-(qx|)', {
          k: connectOut,
          a: sent('hi'),
          b: status('/nick is not available in raw mode: the server reads only text (//text sends /text, /quit leaves)'),
          c: status('/WHO is not available in raw mode: the server reads only text (//text sends /text, /quit leaves)'),
          d: sent('/me too'),
          e: sent('bye'),
          q: endOut,
          x: exit(0),
        });
        expectSubscriptions(server$.subscriptions).toBe('-^----------!');
      });
    });

    it('sends a line longer than 1024 bytes as messages of at most 1024 bytes, cut between characters', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const attempt$ = hot<ConnectAttempt>('-k', { k: connectedTo(hot<Uint8Array>('-')) });
        const input$ = hot('                 --a', { a: 'é'.repeat(600) });

        expectObservable(client({ input$, attempt$, leave$: hot('-') }, { framing: 'raw' })).toBe('c-(ab)', {
          c: connectOut,
          a: sent('é'.repeat(512)),
          b: sent('é'.repeat(88)),
        });
      });
    });
  });
});
