import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { formatServerLine } from '../../../streams/protocol/server-line.js';
import type { LogEntry } from '../../../streams/server/events.js';
import { jsonLine, jsonLines, logEntryLines, remoteText } from '../../../streams/server/log-line.js';

describe('remoteText', () => {
  const lines = [
    '<bob> hi',
    '<bob> ',
    '<bob>hi',
    '<b ob> hi',
    '<<bob>> hi',
    '<bob> <ada> hi',
    '<bob> a\u2028b',
    '<bob>> hi',
    '<> hi',
    '* bob waves',
    '*bob* psst',
    '*-> ada* psst',
    '! no such nick',
    'plain text',
    '',
  ];
  /** What the console showed before: each line formatted on its own, after `before`. */
  const oneByOne = (entry: Extract<LogEntry, { type: 'remote' }>, before = ''): string =>
    logEntryLines(entry)
      .map((line) => `${before}${formatServerLine(line)}\n`)
      .join('');

  it('shows a batch from another node as its lines formatted one by one would be', () => {
    const entry = { type: 'remote', node: 'west', lines } as const;
    expect(remoteText(entry)).toBe(oneByOne(entry));
    expect(remoteText({ ...entry, lines: lines.slice(0, 3) })).toBe('<bob@west> hi\n<bob@west> \n* west: <bob>hi\n');
    const elsewhere = { ...entry, room: '#dev', elsewhere: true } as const;
    expect(remoteText(elsewhere, 'T ')).toBe(oneByOne(elsewhere, 'T '));
  });

  it("shows one author's batch with the author's node on every line", () => {
    const entry = { type: 'remote', node: 'west', lines: ['<bob> hi', '<bob> <bob> yo', '<bob> '] } as const;
    expect(remoteText(entry, 'T ')).toBe('T <bob@west> hi\nT <bob@west> <bob> yo\nT <bob@west> \n');
    expect(remoteText({ ...entry, lines: [...entry.lines, '<bobby> hi'] })).toBe(
      oneByOne({ ...entry, lines: [...entry.lines, '<bobby> hi'] }),
    );
  });

  it('agrees with the lines formatted one by one for any batch', () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom('<', '>', ' ', '*', '-', '!', 'a', '\t', '\u2028') }));
    const oneAuthor = fc.tuple(text, fc.array(text, { minLength: 1 })).map(([nick, texts]) => texts.map((said) => `<${nick}> ${said}`));
    fc.assert(
      fc.property(fc.oneof(fc.array(text, { minLength: 1 }), oneAuthor), fc.boolean(), (lines, elsewhere) => {
        const entry = { type: 'remote', node: 'n1', lines, ...(elsewhere ? { room: '#dev', elsewhere } : {}) } as const;
        expect(remoteText(entry, 'T ')).toBe(oneByOne(entry, 'T '));
      }),
    );
  });
});

describe('logEntryLines', () => {
  it.each<[LogEntry, string]>([
    [{ type: 'join', id: 1, from: 'guest-1', address: '10.0.0.1:5000' }, '* guest-1 joined from 10.0.0.1:5000'],
    [{ type: 'leave', id: 1, from: 'bob', reason: 'quit: bye' }, '* bob left (quit: bye)'],
    [{ type: 'nick', id: 1, from: 'guest-1', to: 'bob' }, '* guest-1 is now bob'],
    [{ type: 'messages', id: 1, from: 'bob', texts: ['hi', '/me too'], lines: ['<bob> hi', '<bob> /me too'] }, '<bob> hi\n<bob> /me too'],
    [{ type: 'action', id: 1, from: 'bob', text: 'waves' }, '* bob waves'],
    [{ type: 'private', id: 1, from: 'bob', to: 'server', text: 'psst' }, '*bob* psst'],
    [{ type: 'notice', text: '2 connected' }, '* 2 connected'],
    [{ type: 'error', text: 'no such nick: carol' }, '! no such nick: carol'],
    [{ type: 'error', id: 3, text: 'line too long (max 8192 bytes)' }, '! line too long (max 8192 bytes)'],
    [{ type: 'remote', node: 'west', lines: ['<bob> hi', '<ada> yo'] }, '<bob@west> hi\n<ada@west> yo'],
    [{ type: 'remote', node: 'west', lines: ['* bob waves'] }, '* west: bob waves'],
  ])('shows %j as %j', (entry, line) => {
    expect(logEntryLines(entry).map(formatServerLine).join('\n')).toBe(line);
  });

  it.each<[LogEntry, string]>([
    [{ type: 'move', id: 1, from: 'ada', previous: '#lobby', room: '#dev' }, '* ada left #lobby for #dev'],
    [{ type: 'topic', id: 1, from: 'ada', text: 'ship it', room: '#dev' }, '* ada set the topic: ship it'],
    [{ type: 'messages', id: 1, from: 'ada', texts: ['hi'], lines: ['<ada> hi'], room: '#lobby' }, '<ada> hi'],
    [
      {
        type: 'messages',
        id: 1,
        from: 'ada',
        texts: ['hi', 'yo'],
        lines: ['#dev <ada> hi', '#dev <ada> yo'],
        room: '#dev',
        elsewhere: true,
      },
      '#dev <ada> hi\n#dev <ada> yo',
    ],
    [{ type: 'join', id: 1, from: 'ada', address: '10.0.0.1:5000', room: '#dev', elsewhere: true }, '#dev * ada joined from 10.0.0.1:5000'],
    [{ type: 'remote', node: 'west', lines: ['<bob> hi'], room: '#dev', elsewhere: true }, '#dev <bob@west> hi'],
  ])('shows %j, of a room, as %j: the room first when the console speaks in another', (entry, line) => {
    expect(logEntryLines(entry).map(formatServerLine).join('\n')).toBe(line);
  });

  it('gives structured lines, not just text', () => {
    expect(logEntryLines({ type: 'messages', id: 1, from: 'bob', texts: ['hi'], lines: ['<bob> hi'] })).toEqual([
      { kind: 'message', from: 'bob', text: 'hi' },
    ]);
    expect(logEntryLines({ type: 'private', id: 1, from: 'bob', to: 'server', text: 'psst' })).toEqual([
      { kind: 'private', from: 'bob', text: 'psst' },
    ]);
  });
});

describe('jsonLine', () => {
  const time = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678));

  it('writes one JSON object with type and time first, then the fields', () => {
    const line = jsonLine({ type: 'message', id: 4, from: 'bob', text: 'hi "there"' }, time);
    expect(line).toBe('{"type":"message","time":"2024-01-02T03:04:05.678Z","id":4,"from":"bob","text":"hi \\"there\\""}');
    expect(Object.keys(JSON.parse(line) as object)).toEqual(['type', 'time', 'id', 'from', 'text']);
  });

  it('keeps a line on one line whatever the text holds', () => {
    const line = jsonLine({ type: 'message', id: 1, from: 'bob', text: 'a\nb\u2028c' }, time);
    expect(line).not.toContain('\n');
    expect((JSON.parse(line) as { text: string }).text).toBe('a\nb\u2028c');
  });

  it('gives each message of a batch its own line, as one message', () => {
    expect(jsonLines({ type: 'messages', id: 4, from: 'bob', texts: ['hi', 'yo'], lines: ['<bob> hi', '<bob> yo'] }, time)).toEqual([
      '{"type":"message","time":"2024-01-02T03:04:05.678Z","id":4,"from":"bob","text":"hi"}',
      '{"type":"message","time":"2024-01-02T03:04:05.678Z","id":4,"from":"bob","text":"yo"}',
    ]);
    expect(jsonLines({ type: 'notice', text: 'hello' }, time)).toEqual([
      '{"type":"notice","time":"2024-01-02T03:04:05.678Z","text":"hello"}',
    ]);
  });

  it('says which room an entry belongs to, and leaves out whether the console speaks in it', () => {
    expect(
      jsonLines({ type: 'messages', id: 4, from: 'bob', texts: ['hi'], lines: ['#dev <bob> hi'], room: '#dev', elsewhere: true }, time),
    ).toEqual(['{"type":"message","time":"2024-01-02T03:04:05.678Z","id":4,"from":"bob","text":"hi","room":"#dev"}']);
    expect(jsonLines({ type: 'leave', id: 4, from: 'bob', reason: 'quit', room: '#dev', elsewhere: true }, time)).toEqual([
      '{"type":"leave","time":"2024-01-02T03:04:05.678Z","id":4,"from":"bob","reason":"quit","room":"#dev"}',
    ]);
  });

  it('gives each line of a batch from another node of a cluster its own line, with its node and room', () => {
    expect(jsonLines({ type: 'remote', node: 'west', lines: ['<bob> hi', '* bob waves'] }, time)).toEqual([
      '{"type":"remote","time":"2024-01-02T03:04:05.678Z","node":"west","line":"<bob> hi"}',
      '{"type":"remote","time":"2024-01-02T03:04:05.678Z","node":"west","line":"* bob waves"}',
    ]);
    expect(jsonLines({ type: 'remote', node: 'west', lines: ['<bob> hi'], room: '#dev', elsewhere: true }, time)).toEqual([
      '{"type":"remote","time":"2024-01-02T03:04:05.678Z","node":"west","line":"<bob> hi","room":"#dev"}',
    ]);
  });

  it('works for any record with a type, such as the listening event', () => {
    expect(jsonLine({ type: 'listening', host: '::', port: 2023 }, time)).toBe(
      '{"type":"listening","time":"2024-01-02T03:04:05.678Z","host":"::","port":2023}',
    );
  });
});
