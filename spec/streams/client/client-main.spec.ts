import { describe, expect, it } from '@jest/globals';
import { map, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { clientMain, type ClientOptions, type ClientSources } from '../../../streams/client/client-main.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (text: string): Uint8Array => encoder.encode(text);
const text = (chunk: Uint8Array): string => decoder.decode(chunk);

const LINE: ClientOptions = { framing: 'line', limits: { maxLineBytes: 32, hardLimitBytes: 128 } };

const reset = (): Error => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });

/** The three sinks, subscribed in the shell's order, with the bytes sent shown as text. */
function sinks(sources: ClientSources, options: ClientOptions = LINE) {
  const { send$, display$, exit$ } = clientMain(sources, options);
  return { display$, exit$, sent$: send$.pipe(map(text)) as Observable<string> };
}

describe('clientMain', () => {
  let scheduler: TestScheduler;
  const fresh = (): void => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  };

  describe('send$', () => {
    it('sends each typed line as LF-terminated bytes, completing at the end of input', () => {
      fresh();
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const input$ = hot('   --a--b---|', { a: 'hello', b: 'héllo wörld' });
        const received$ = hot<Uint8Array>('-');
        const { sent$ } = sinks({ input$, received$, leave$: hot('-') });

        expectObservable(sent$).toBe('--a--b---|', { a: 'hello\n', b: 'héllo wörld\n' });
        expectSubscriptions(input$.subscriptions).toBe('^--------!');
      });
    });

    it('with --nick sends /nick NAME before anything typed', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const input$ = hot('  --a-|', { a: 'hi' });
        const { sent$ } = sinks({ input$, received$: hot('-'), leave$: hot('-') }, { ...LINE, nick: 'alice' });

        expectObservable(sent$).toBe('n-a-|', { n: '/nick alice\n', a: 'hi\n' });
      });
    });

    it('in raw framing sends each line without a newline', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const input$ = hot('  -a-b-|', { a: 'hello', b: 'there' });
        const { sent$ } = sinks({ input$, received$: hot('-'), leave$: hot('-') }, { ...LINE, framing: 'raw', nick: 'bo' });

        expectObservable(sent$).toBe('na-b-|', { n: '/nick bo', a: 'hello', b: 'there' });
      });
    });

    it('stops reading input when leave$ emits', () => {
      fresh();
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const input$ = hot('  -a---b--|', { a: 'one', b: 'two' });
        const leave$ = hot('  ---l-----');
        const { sent$ } = sinks({ input$, received$: hot('-'), leave$ });

        expectObservable(sent$).toBe('-a-|', { a: 'one\n' });
        expectSubscriptions(input$.subscriptions).toBe('^--!');
        expectSubscriptions(leave$.subscriptions).toBe('^--!');
      });
    });
  });

  describe('display$', () => {
    it('reads the lines of each chunk as one batch, joining what chunks split', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const received$ = hot<Uint8Array>('  -a-b-c', {
          a: bytes('<bob> hi\r\n* alice jo'),
          b: bytes('ined\n*bob* psst\n! no such nick: x\nplain\n'),
          c: new Uint8Array([0x3c, 0x62, 0x3e, 0x20, 0xc3]),
        });
        const { display$ } = sinks({ input$: hot('-'), received$, leave$: hot('-') });

        expectObservable(display$).toBe('-a-b', {
          a: [{ kind: 'message', from: 'bob', text: 'hi' }],
          b: [
            { kind: 'notice', text: 'alice joined' },
            { kind: 'private', from: 'bob', text: 'psst' },
            { kind: 'error', text: 'no such nick: x' },
            { kind: 'text', text: 'plain' },
          ],
        });
      });
    });

    it('joins a character split across chunks', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const received$ = hot<Uint8Array>('  -a-b', { a: new Uint8Array([0x3c, 0x62, 0x3e, 0x20, 0xc3]), b: new Uint8Array([0xa9, 0x0a]) });
        const { display$ } = sinks({ input$: hot('-'), received$, leave$: hot('-') });

        expectObservable(display$).toBe('---b', { b: [{ kind: 'message', from: 'b', text: 'é' }] });
      });
    });

    it('makes control characters from the server visible', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const received$ = hot<Uint8Array>('  -a', { a: bytes('<bob> \x1b[2J\x1b[Hgotcha\x07\n\x1b[1A* fake notice\n') });
        const { display$ } = sinks({ input$: hot('-'), received$, leave$: hot('-') });

        expectObservable(display$).toBe('-a', {
          a: [
            { kind: 'message', from: 'bob', text: '␛[2J␛[Hgotcha␇' },
            { kind: 'text', text: '␛[1A* fake notice' },
          ],
        });
      });
    });

    it('shows an over-long line from the server as an error and goes on', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const received$ = hot<Uint8Array>('  -a', { a: bytes(`<bob> ${'x'.repeat(40)}\n<bob> ok\n`) });
        const { display$ } = sinks({ input$: hot('-'), received$, leave$: hot('-') });

        expectObservable(display$).toBe('-(ab)', {
          a: [{ kind: 'error', text: 'a line from the server was too long (over 32 bytes) and was dropped' }],
          b: [{ kind: 'message', from: 'bob', text: 'ok' }],
        });
      });
    });

    it('in raw framing shows each chunk as it comes', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const received$ = hot<Uint8Array>('  -a-b', { a: bytes('hi there'), b: bytes('<srv> ok') });
        const { display$ } = sinks({ input$: hot('-'), received$, leave$: hot('-') }, { ...LINE, framing: 'raw' });

        expectObservable(display$).toBe('-a-b', {
          a: [{ kind: 'text', text: 'hi there' }],
          b: [{ kind: 'message', from: 'srv', text: 'ok' }],
        });
      });
    });

    it('completes when the server closes, showing an unterminated last line', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const received$ = hot<Uint8Array>('  -a-|', { a: bytes('* bye') });
        const { display$ } = sinks({ input$: hot('-'), received$, leave$: hot('-') });

        expectObservable(display$).toBe('---(a|)', { a: [{ kind: 'notice', text: 'bye' }] });
      });
    });

    it('ends without an error when the connection fails, leaving the report to exit$', () => {
      fresh();
      scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const received$ = hot<Uint8Array>('  -a-#', { a: bytes('<bob> hi\n') }, reset());
        const { display$, exit$ } = sinks({ input$: hot('-'), received$, leave$: hot('-') });

        expectObservable(display$).toBe('-a-|', { a: [{ kind: 'message', from: 'bob', text: 'hi' }] });
        expectObservable(exit$).toBe('---(x|)', { x: { code: 1, message: 'connection lost: connection reset' } });
        expectSubscriptions(received$.subscriptions).toBe('^--!');
      });
    });
  });

  describe('exit$', () => {
    it('is 0 when input ended before the server closed', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const input$ = hot('     -a-|', { a: 'bye' });
        const received$ = hot<Uint8Array>('  ------|');
        const { display$, exit$, sent$ } = sinks({ input$, received$, leave$: hot('-') });

        expectObservable(display$).toBe('------|');
        expectObservable(exit$).toBe('------(x|)', { x: { code: 0 } });
        expectObservable(sent$).toBe('-a-|', { a: 'bye\n' });
      });
    });

    it('is 0 when /quit was sent before the server closed, even with input still open', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const input$ = hot('     -q----', { q: '/QUIT for now' });
        const received$ = hot<Uint8Array>('  ---a-|', { a: bytes('* bye\n') });
        const { exit$ } = sinks({ input$, received$, leave$: hot('-') });

        expectObservable(exit$).toBe('-----(x|)', { x: { code: 0 } });
      });
    });

    it('is 0 after leave$ once the server closes', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const input$ = hot('     -a------', { a: 'hi' });
        const leave$ = hot('     ---l----');
        const received$ = hot<Uint8Array>('  -----|');
        const { exit$ } = sinks({ input$, received$, leave$ });

        expectObservable(exit$).toBe('-----(x|)', { x: { code: 0 } });
      });
    });

    it('is 1 with a message when the server closed first', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const input$ = hot('     -a-----|', { a: 'hello?' });
        const received$ = hot<Uint8Array>('  ---|');
        const { exit$ } = sinks({ input$, received$, leave$: hot('-') });

        expectObservable(exit$).toBe('---(x|)', { x: { code: 1, message: 'the server closed the connection' } });
      });
    });

    it('does not take //quit or a message mentioning /quit for a quit', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const input$ = hot('     -ab----', { a: '//quit', b: 'type /quit to leave' });
        const received$ = hot<Uint8Array>('  ----|');
        const { exit$ } = sinks({ input$, received$, leave$: hot('-') });

        expectObservable(exit$).toBe('----(x|)', { x: { code: 1, message: 'the server closed the connection' } });
      });
    });

    it('is 1 with the reason when the connection fails', () => {
      fresh();
      scheduler.run(({ hot, expectObservable }) => {
        const input$ = hot('     -a---', { a: 'hi' });
        const received$ = hot<Uint8Array>('  ---#', undefined, Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
        const { exit$ } = sinks({ input$, received$, leave$: hot('-') });

        expectObservable(exit$).toBe('---(x|)', { x: { code: 1, message: 'connection lost: connection broken' } });
      });
    });

    it('reads the server once for what it shows and how it ends', () => {
      fresh();
      scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
        const received$ = cold('  -a--|', { a: bytes('* hi\n') });
        const { display$, exit$, sent$ } = sinks({ input$: hot('-'), received$, leave$: hot('-') });

        expectObservable(display$).toBe('-a--|', { a: [{ kind: 'notice', text: 'hi' }] });
        expectObservable(exit$).toBe('----(x|)', { x: { code: 1, message: 'the server closed the connection' } });
        expectObservable(sent$).toBe('-');
        expectSubscriptions(received$.subscriptions).toBe('^---!');
      });
    });
  });
});
