import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  formatError,
  formatMessage,
  formatNotice,
  formatPrivate,
  formatServerLine,
  parseServerLine,
  type ServerLine,
} from '../../../streams/protocol/server-line.js';

describe('formatting', () => {
  it('writes each kind of line in its form', () => {
    expect(formatMessage('bob', 'hi')).toBe('<bob> hi');
    expect(formatPrivate('bob', 'psst')).toBe('*bob* psst');
    expect(formatNotice('alice joined')).toBe('* alice joined');
    expect(formatError('no such nick: carol')).toBe('! no such nick: carol');
  });

  it('formats a ServerLine by its kind', () => {
    expect(formatServerLine({ kind: 'message', from: 'bob', text: 'hi' })).toBe('<bob> hi');
    expect(formatServerLine({ kind: 'private', from: 'bob', text: 'psst' })).toBe('*bob* psst');
    expect(formatServerLine({ kind: 'notice', text: 'bye' })).toBe('* bye');
    expect(formatServerLine({ kind: 'error', text: 'oops' })).toBe('! oops');
    expect(formatServerLine({ kind: 'text', text: 'raw peer says hi' })).toBe('raw peer says hi');
  });
});

describe('parseServerLine', () => {
  it('reads each kind of line', () => {
    expect(parseServerLine('<bob> hi there')).toEqual({ kind: 'message', from: 'bob', text: 'hi there' });
    expect(parseServerLine('*bob* psst')).toEqual({ kind: 'private', from: 'bob', text: 'psst' });
    expect(parseServerLine('*-> bob* psst')).toEqual({ kind: 'sent', to: 'bob', text: 'psst' });
    expect(formatServerLine({ kind: 'sent', to: 'bob', text: 'psst' })).toBe('*-> bob* psst');
    expect(parseServerLine('* alice joined')).toEqual({ kind: 'notice', text: 'alice joined' });
    expect(parseServerLine('! line too long (max 8192 bytes)')).toEqual({
      kind: 'error',
      text: 'line too long (max 8192 bytes)',
    });
  });

  it('keeps a message text that looks like another prefix as text', () => {
    expect(parseServerLine('<bob> <alice> fake')).toEqual({ kind: 'message', from: 'bob', text: '<alice> fake' });
    expect(parseServerLine('<bob> ')).toEqual({ kind: 'message', from: 'bob', text: '' });
  });

  it('does not read a notice as a private message', () => {
    expect(parseServerLine('* bob* is now x')).toEqual({ kind: 'notice', text: 'bob* is now x' });
  });

  it.each(['hello', '<bob>hi', '<two words> hi', '<> hi', '*bob*hi', '** x', '*', '!', '!bang', '', 'plain < > *'])(
    'reads anything else (%j) as plain text',
    (line) => {
      expect(parseServerLine(line)).toEqual({ kind: 'text', text: line });
    },
  );

  const nick = fc.stringMatching(/^[A-Za-z0-9_\-.[\]]{1,32}$/);
  const text = fc.string({ unit: 'grapheme' });
  const serverLine: fc.Arbitrary<ServerLine> = fc.oneof(
    fc.record({ kind: fc.constant('message' as const), from: nick, text }),
    fc.record({ kind: fc.constant('private' as const), from: nick, text }),
    fc.record({ kind: fc.constant('notice' as const), text }),
    fc.record({ kind: fc.constant('error' as const), text }),
  );

  it('reads back every line the server formats', () => {
    fc.assert(fc.property(serverLine, (line) => expect(parseServerLine(formatServerLine(line))).toEqual(line)));
  });

  it('formats back exactly the line it read', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (line) => expect(formatServerLine(parseServerLine(line))).toBe(line)));
  });
});
