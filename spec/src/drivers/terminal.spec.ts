import { describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { lastValueFrom, Subject, toArray } from 'rxjs';
import { terminal } from '../../../src/drivers/terminal.js';
import { within } from './helpers/loopback.js';

/** A terminal on pipes, as when tcpchat runs with its input and output redirected. */
function piped() {
  const input = new PassThrough();
  const output = new PassThrough();
  const written: string[] = [];
  output.on('data', (chunk: Buffer) => written.push(chunk.toString('utf8')));
  return { input, output, written, person: terminal({ input, output, prompt: '> ' }) };
}

describe('terminal in pipe mode', () => {
  it('is not interactive', () => {
    expect(piped().person.interactive).toBe(false);
  });

  it('emits each input line, without its ending, and completes at the end of input', async () => {
    const { input, person } = piped();
    const lines = within(lastValueFrom(person.line$.pipe(toArray())), 'the end of input');
    input.write('first\nsec');
    input.write('ond\r\n\n');
    input.write('你好\n');
    input.end('no newline at the end');
    expect(await lines).toEqual(['first', 'second', '', '你好', 'no newline at the end']);
  });

  it('prints plain lines, without a prompt or escape sequences', async () => {
    const { output, written, person } = piped();
    expect(person.print(['<ada> hi', '* bob joined'])).toBe(true);
    expect(person.print([])).toBe(true);
    output.end();
    await within(new Promise((resolve) => output.once('end', resolve)), 'the output to end');
    expect(written.join('')).toBe('<ada> hi\n* bob joined\n');
  });

  it('prints while lines are being read, and writes no prompt', async () => {
    const { input, written, person } = piped();
    const seen: string[] = [];
    const done = within(
      new Promise<void>((resolve) => person.line$.subscribe({ next: (line) => seen.push(line), complete: resolve })),
      'the end of input',
    );
    input.write('typed\n');
    person.print(['<server> reply']);
    input.end();
    await done;
    expect(seen).toEqual(['typed']);
    expect(written.join('')).toBe('<server> reply\n');
  });

  it('writes no prompt when the prompt changes', async () => {
    const { output, written, person } = piped();
    person.setPrompt('#dev> ');
    person.print(['<ada> hi']);
    output.end();
    await within(new Promise((resolve) => output.once('end', resolve)), 'the output to end');
    expect(written.join('')).toBe('<ada> hi\n');
  });

  it('pauses reading while pause$ says so', async () => {
    const input = new PassThrough();
    const pause$ = new Subject<boolean>();
    const person = terminal({ input, output: new PassThrough(), prompt: '> ', pause$ });
    const lines = within(lastValueFrom(person.line$.pipe(toArray())), 'the end of input');
    pause$.next(true);
    expect(input.isPaused()).toBe(true);
    pause$.next(false);
    expect(input.isPaused()).toBe(false);
    input.end('a\nb\n');
    expect(await lines).toEqual(['a', 'b']);
  });

  it('gives no line while paused: the rest of a read waits, in order, until resumed, even past the end of input', async () => {
    const input = new PassThrough();
    const pause$ = new Subject<boolean>();
    const person = terminal({ input, output: new PassThrough(), prompt: '> ', pause$ });
    const seen: string[] = [];
    let done = false;
    // As tcpchat's client does: the second line fills what it feeds, which pauses the input at once.
    person.line$.subscribe({ next: (line) => (seen.push(line), line === 'b' && pause$.next(true)), complete: () => (done = true) });
    input.end('a\nb\nc\nd\n');
    await within(new Promise((resolve) => input.once('end', resolve)), 'the input to be read');
    await within(new Promise((resolve) => setImmediate(resolve)), 'a turn');
    expect([seen, done]).toEqual([['a', 'b'], false]);
    pause$.next(false);
    expect([seen, done]).toEqual([['a', 'b', 'c', 'd'], true]);
  });

  it('stops reading when unsubscribed', () => {
    const { input, person } = piped();
    const seen: string[] = [];
    const subscription = person.line$.subscribe((line) => seen.push(line));
    subscription.unsubscribe();
    input.write('after\n');
    expect(seen).toEqual([]);
    expect(input.listenerCount('data')).toBe(0);
  });
});
