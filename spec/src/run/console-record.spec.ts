import { describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import {
  CONSOLE_BACKLOG_BYTES,
  CONVERSATION_BACKLOG_BYTES,
  consoleRecord,
  type ConsoleRecordOptions,
} from '../../../src/run/console-record.js';
import type { LogEntry } from '../../../streams/server/events.js';

/**
 * A real Writable standing for stdout with a reader that has stalled: nothing is taken from it
 * until `release`, so `writableLength` is whatever was written and not yet taken.
 */
function stalledOutput() {
  const taken: string[] = [];
  let stalled = true;
  const waiting: (() => void)[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      taken.push(chunk.toString());
      if (stalled) waiting.push(done);
      else done();
    },
  });
  const release = (): void => {
    stalled = false;
    for (const done of waiting.splice(0)) done();
  };
  /** Fills the unread backlog to just past `bytes` with filler no test looks at. */
  const backlogOf = (bytes: number): void => {
    stream.write(Buffer.alloc(bytes + 1, 0x2e));
    expect(stream.writableLength).toBe(bytes + 1);
  };
  /** What reached the reader, filler left out. */
  const text = (): string => taken.filter((chunk) => !chunk.startsWith('.')).join('');
  return { stream, release, backlogOf, text };
}

const TIME = new Date('2026-12-05T06:00:00.000Z');

function recorder(overrides: Partial<ConsoleRecordOptions> = {}) {
  const output = stalledOutput();
  const printed: string[] = [];
  const warnings: string[] = [];
  const record = consoleRecord({
    output: output.stream,
    print: (lines) => printed.push(...lines),
    interactive: false,
    quiet: false,
    json: false,
    colour: false,
    stamps: false,
    now: () => TIME,
    warn: (text) => warnings.push(text),
    ...overrides,
  });
  return { record, output, printed, warnings };
}

const said: LogEntry = { type: 'messages', id: 1, from: 'ada', texts: ['hi', 'there'], lines: ['<ada> hi', '<ada> there'] };
const joined: LogEntry = { type: 'join', id: 2, from: 'bob', address: '127.0.0.1:5000' };
const action: LogEntry = { type: 'action', id: 1, from: 'ada', text: 'waves' };
const fromNodeB: LogEntry = { type: 'remote', node: 'b', lines: ['<bob> hi', '* bob waves', '<bob> yo'], room: '#lobby' };

describe('consoleRecord', () => {
  it("writes a batch of messages as the room got it, and prints everything else as the console's lines", () => {
    const { record, output, printed } = recorder();
    record([said]);
    record([joined, action]);
    expect(output.text()).toBe('<ada> hi\n<ada> there\n');
    expect(printed).toEqual(['* bob joined from 127.0.0.1:5000', '* ada waves']);
  });

  it('writes the bytes a batch of messages was sent as, when it has them, rather than encoding it again', () => {
    const { record, output } = recorder();
    // Bytes that differ from the lines' own encoding show which were written.
    record([said], new TextEncoder().encode('<ada> hi (as sent)\n'));
    expect(output.text()).toBe('<ada> hi (as sent)\n');
  });

  it("prints each line of another node's batch, in order, with its author and node", () => {
    const { record, printed } = recorder();
    record([fromNodeB, joined]);
    expect(printed).toEqual(['<bob@b> hi', '* b: bob waves', '<bob@b> yo', '* bob joined from 127.0.0.1:5000']);
  });

  it("writes another node's lone batch as the same lines, with the time before each when asked", () => {
    const plain = recorder();
    plain.record([fromNodeB]);
    expect(plain.output.text()).toBe('<bob@b> hi\n* b: bob waves\n<bob@b> yo\n');
    const stamped = recorder({ stamps: true });
    stamped.record([{ ...fromNodeB, room: '#dev', elsewhere: true }]);
    stamped.record([{ ...fromNodeB, lines: [] }]);
    const at = TIME.toISOString();
    expect(stamped.output.text()).toBe(`${at} #dev <bob@b> hi\n${at} #dev * b: bob waves\n${at} #dev <bob@b> yo\n`);
    expect([...plain.printed, ...stamped.printed]).toEqual([]);
  });

  it("with --json prints one object per line of another node's batch", () => {
    const { record, printed } = recorder({ json: true });
    record([fromNodeB]);
    expect(printed.map((line) => JSON.parse(line))).toEqual(
      ['<bob> hi', '* bob waves', '<bob> yo'].map((line) => ({
        type: 'remote',
        time: TIME.toISOString(),
        node: 'b',
        line,
        room: '#lobby',
      })),
    );
  });

  it("with --quiet leaves the conversation out, other nodes' too, and keeps joins", () => {
    const { record, output, printed } = recorder({ quiet: true });
    record([said, joined, action, fromNodeB]);
    record([fromNodeB]);
    expect(output.text()).toBe('');
    expect(printed).toEqual(['* bob joined from 127.0.0.1:5000']);
  });

  it('puts one time before every line of a batch when asked for stamps', () => {
    const { record, output, printed } = recorder({ stamps: true });
    record([said]);
    record([joined]);
    expect(output.text()).toBe('2026-12-05T06:00:00.000Z <ada> hi\n2026-12-05T06:00:00.000Z <ada> there\n');
    expect(printed).toEqual(['2026-12-05T06:00:00.000Z * bob joined from 127.0.0.1:5000']);
  });

  it('with --json prints one object per message, untimed by stamps (the object has its time)', () => {
    const { record, printed } = recorder({ json: true, stamps: true });
    record([said]);
    expect(printed.map((line) => JSON.parse(line))).toEqual([
      { type: 'message', time: TIME.toISOString(), id: 1, from: 'ada', text: 'hi' },
      { type: 'message', time: TIME.toISOString(), id: 1, from: 'ada', text: 'there' },
    ]);
  });

  it('on a terminal prints messages through the console too, so its prompt stays below them', () => {
    const { record, output, printed } = recorder({ interactive: true });
    record([said]);
    expect(output.text()).toBe('');
    expect(printed).toEqual(['<ada> hi', '<ada> there']);
  });

  it('past the conversation backlog leaves the conversation out, keeps joins, and tells the count once the output drains', async () => {
    const { record, output, printed, warnings } = recorder();
    output.backlogOf(CONVERSATION_BACKLOG_BYTES);
    record([said]);
    record([joined, action]);
    expect(output.text()).toBe('');
    expect(printed).toEqual(['* bob joined from 127.0.0.1:5000']);
    expect(warnings).toEqual([]);
    const drained = once(output.stream, 'drain');
    output.release();
    await drained;
    expect(warnings).toEqual(['3 console lines were dropped while nobody read the output']);
  });

  it('past the console backlog leaves everything out, and counts from zero after telling', async () => {
    const { record, output, printed, warnings } = recorder();
    output.backlogOf(CONSOLE_BACKLOG_BYTES);
    record([joined, fromNodeB]);
    expect(printed).toEqual([]);
    const drained = once(output.stream, 'drain');
    output.release();
    await drained;
    expect(warnings).toEqual(['4 console lines were dropped while nobody read the output']);

    // The reader keeps up again: everything is recorded, and nothing more is told.
    record([joined, said]);
    expect(printed).toEqual(['* bob joined from 127.0.0.1:5000', '<ada> hi', '<ada> there']);
    expect(warnings).toHaveLength(1);
  });

  it('below the backlog records everything', () => {
    const { record, output, printed } = recorder();
    output.backlogOf(CONVERSATION_BACKLOG_BYTES - 1);
    record([said, joined]);
    expect(printed).toEqual(['<ada> hi', '<ada> there', '* bob joined from 127.0.0.1:5000']);
    expect(output.text()).toBe('');
  });
});
