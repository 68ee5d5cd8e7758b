import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { CONSOLE_HELP, parseConsoleLine } from '../../../streams/protocol/console-command.js';

describe('parseConsoleLine', () => {
  it('reads plain text as a message to everyone', () => {
    expect(parseConsoleLine('hello all')).toEqual({ kind: 'say', text: 'hello all' });
  });

  it.each(['', '  ', '\t'])('ignores a blank line (%j)', (line) => {
    expect(parseConsoleLine(line)).toEqual({ kind: 'ignore' });
  });

  it('reads //text as the literal /text', () => {
    expect(parseConsoleLine('//kick is a command')).toEqual({ kind: 'say', text: '/kick is a command' });
  });

  it('reads /msg NAME TEXT', () => {
    expect(parseConsoleLine('/msg bob  psst ')).toEqual({ kind: 'msg', to: 'bob', text: 'psst' });
  });

  it('reads /kick NAME with and without a reason', () => {
    expect(parseConsoleLine('/kick bob')).toEqual({ kind: 'moderate', command: { kind: 'kick', name: 'bob', reason: '' } });
    expect(parseConsoleLine('/KICK bob  too  loud ')).toEqual({
      kind: 'moderate',
      command: { kind: 'kick', name: 'bob', reason: 'too  loud' },
    });
  });

  it('reads /join #ROOM, /rooms and /who #ROOM', () => {
    expect(parseConsoleLine('/join #dev')).toEqual({ kind: 'join', room: '#dev' });
    expect(parseConsoleLine('/join')).toEqual({ kind: 'invalid', error: 'usage: /join #ROOM' });
    expect(parseConsoleLine('/rooms')).toEqual({ kind: 'rooms' });
    expect(parseConsoleLine('/who #dev')).toEqual({ kind: 'who', room: '#dev' });
  });

  it('reads /who, /help and /quit', () => {
    expect(parseConsoleLine('/who')).toEqual({ kind: 'who' });
    expect(parseConsoleLine('/help')).toEqual({ kind: 'help' });
    expect(parseConsoleLine('/quit')).toEqual({ kind: 'quit' });
    expect(parseConsoleLine('/QUIT now')).toEqual({ kind: 'quit' });
  });

  it.each([
    ['/msg', 'usage: /msg NAME TEXT'],
    ['/msg bob', 'usage: /msg NAME TEXT'],
    ['/kick', 'usage: /kick NICK [REASON]'],
    ['/kick   ', 'usage: /kick NICK [REASON]'],
  ])('answers %j with its usage', (line, error) => {
    expect(parseConsoleLine(line)).toEqual({ kind: 'invalid', error });
  });

  it('does not know the client-only commands', () => {
    expect(parseConsoleLine('/nick boss')).toEqual({ kind: 'invalid', error: 'unknown command /nick; try /help' });
    expect(parseConsoleLine('/me waves')).toEqual({ kind: 'invalid', error: 'unknown command /me; try /help' });
  });

  it('reads any line that does not start with a slash as that very message', () => {
    const text = fc.string({ unit: 'grapheme' }).filter((line) => !line.startsWith('/') && line.trim().length > 0);
    fc.assert(fc.property(text, (line) => expect(parseConsoleLine(line)).toEqual({ kind: 'say', text: line })));
  });

  it('never throws on any line', () => {
    const kinds = ['say', 'msg', 'who', 'join', 'rooms', 'kick', 'help', 'quit', 'ignore', 'invalid'];
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((rest) => '/' + rest),
        ),
        (line) => expect(kinds).toContain(parseConsoleLine(line).kind),
      ),
    );
  });
});

describe('CONSOLE_HELP', () => {
  it('lists every console command', () => {
    const text = CONSOLE_HELP.join('\n');
    for (const command of ['/msg', '/who', '/kick', '/quit', '//']) expect(text).toContain(command);
  });
});
