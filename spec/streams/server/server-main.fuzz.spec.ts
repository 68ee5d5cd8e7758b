import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { concat, EMPTY, map, merge, NEVER, type Observable, throwError, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { Framing } from '../../../streams/framing/encode.js';
import { DEFAULT_ADMISSION_LIMITS } from '../../../streams/server/admission.js';
import { serverMain, type ConnectionSource, type ServerOptions, type ServerOutput } from '../../../streams/server/server-main.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (text: string): Uint8Array => encoder.encode(text);

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

// What peers send: random bytes, and pieces that mean something to the server.
const meaningful = fc
  .constantFrom(
    '\n',
    '\r\n',
    '\r\0',
    'hello\n',
    '/nick ada\n',
    '/nick server\n',
    '/pass pw\n',
    '/pass nope\n',
    '/who\n',
    '/help\n',
    '/me waves\n',
    '/msg guest-1 psst\n',
    '/msg ada psst\n',
    '/quit bye\n',
    '/join #dev\n',
    '/join #DEV\n',
    '/join no way!\n',
    '/part\n',
    '/rooms\n',
    '/topic plans\n',
    '/topic\n',
    '/who #dev\n',
    '/history 3\n',
    '/cap tcpchat session=s resume=0:1 room=#dev\n',
    '//slash\n',
    '/frob\n',
    '\x1b[2J<server> fake\n',
    '你好',
  )
  .map(bytes);
const fragment = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 40 }) },
  { weight: 4, arbitrary: meaningful },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      new Uint8Array([0xff, 0xfd, 0x01]),
      new Uint8Array([0xff, 0xfa]),
      new Uint8Array([0xe4, 0xbd]),
      new Uint8Array([0xff]),
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 300 }).map((n) => new Uint8Array(n).fill(0x61)) }, // past the line limits
);
const chunk = fc.array(fragment, { minLength: 1, maxLength: 4 }).map(concatBytes);

const connectionPlan = fc.record({
  start: fc.nat(30),
  /** Most peers begin as a person would; the rest begin with anything. */
  greeting: fc.constantFrom('/pass pw\n', '/pass pw\n/nick ada\n', 'hello\n', '/pass nope\n', ''),
  chunks: fc.array(fc.record({ gap: fc.nat(5), bytes: chunk }), { maxLength: 6 }),
  end: fc.constantFrom('complete' as const, 'error' as const, 'open' as const),
});

const consoleLine = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(
    'hi all',
    '/who',
    '/help',
    '/msg guest-1 hi',
    '/kick guest-2 spam',
    '/kick',
    '/frob',
    '//x',
    '/join #dev',
    '/join #lobby',
    '/rooms',
    '/who #dev',
  ),
);

const optionsArb = fc.record({
  relay: fc.boolean(),
  framing: fc.constantFrom<Framing>('line', 'raw'),
  maxLineBytes: fc.integer({ min: 1, max: 32 }),
  extraHard: fc.integer({ min: 0, max: 200 }),
  rate: fc.constantFrom({ linesPerSecond: 0, burst: 1 }, { linesPerSecond: 100, burst: 2 }),
  idleTimeoutMs: fc.constantFrom(0, 25),
  password: fc.constantFrom(undefined, 'pw'),
  maxClients: fc.integer({ min: 1, max: 6 }),
});

/** Lines of a write that are chat: `<nick> text` or `*nick* text`. */
const chatLines = (text: string): string[] => text.split('\n').filter((line) => line.startsWith('<') || /^\*[^ ]+\* /.test(line));

describe('serverMain with any input', () => {
  it('never throws or fails, whatever the peers send and whenever they go; only welcomed connections get chat', () => {
    fc.assert(
      fc.property(
        fc.array(connectionPlan, { maxLength: 6 }),
        fc.array(fc.record({ at: fc.nat(60), line: consoleLine }), { maxLength: 4 }),
        fc.option(fc.nat(80), { nil: undefined }),
        optionsArb,
        (plans, typed, shutdownAt, picked) => {
          const options: ServerOptions = {
            name: 'server',
            mode: picked.relay ? 'room' : 'console-only',
            framing: picked.framing,
            limits: { maxLineBytes: picked.maxLineBytes, hardLimitBytes: picked.maxLineBytes + picked.extraHard },
            rate: picked.rate,
            idleTimeoutMs: picked.idleTimeoutMs,
            password: picked.password,
            passwordTimeoutMs: 40,
            admission: { ...DEFAULT_ADMISSION_LIMITS, maxClients: picked.maxClients },
          };
          const outputs: ServerOutput[] = [];
          let failure: unknown;
          new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(() => {
            const connections = plans.map((plan, i): ConnectionSource => {
              const data$: Observable<Uint8Array> = concat(
                plan.greeting ? timer(1).pipe(map(() => bytes(plan.greeting))) : EMPTY,
                ...plan.chunks.map(({ gap, bytes: sent }) => timer(gap).pipe(map(() => sent))),
                plan.end === 'error'
                  ? throwError(() => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))
                  : plan.end === 'complete'
                    ? EMPTY
                    : NEVER,
              );
              return { id: i + 1, ip: `10.0.0.${i + 1}`, port: 4000, data$ };
            });
            const connection$ = merge(...connections.map((connection, i) => timer(plans[i].start).pipe(map(() => connection))));
            const console$ = merge(...typed.map(({ at, line }) => timer(at).pipe(map(() => line))));
            const shutdown$ = shutdownAt === undefined ? NEVER : timer(shutdownAt).pipe(map(() => 'got SIGTERM'));
            serverMain({ connection$, console$, shutdown$ }, options).subscribe({
              next: (batch) => outputs.push(...batch),
              error: (error: unknown) => (failure = error),
            });
          });

          expect(failure).toBeUndefined();
          const welcomed = new Set<number>();
          let stopped = false;
          for (const output of outputs) {
            if (stopped) expect(['log', 'reading']).toContain(output.kind); // after the notice and the closes, nothing is sent
            if (output.kind === 'stopping') stopped = true;
            if (output.kind !== 'write') continue;
            expect(output.to.length).toBeGreaterThan(0);
            for (const id of output.to) expect(id >= 1 && id <= plans.length).toBe(true);
            const text = decoder.decode(output.bytes);
            if (output.to.length === 1 && text.includes('* welcome to server')) welcomed.add(output.to[0]);
            if (chatLines(text).length > 0) for (const id of output.to) expect(welcomed.has(id)).toBe(true);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
