import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { CLIENT_HELP, parseClientLine } from '../../../streams/protocol/client-command.js';
import { splitCommand, splitWord, unknown, usage } from '../../../streams/protocol/command-words.js';

describe('parseClientLine', () => {
  it('reads plain text as a message, untouched', () => {
    expect(parseClientLine('hello there')).toEqual({ kind: 'say', text: 'hello there' });
    expect(parseClientLine('  indented\t')).toEqual({ kind: 'say', text: '  indented\t' });
    expect(parseClientLine('héllo 世界 🎉')).toEqual({ kind: 'say', text: 'héllo 世界 🎉' });
  });

  it('reads a line that starts with a space then a slash as a message', () => {
    expect(parseClientLine(' /quit')).toEqual({ kind: 'say', text: ' /quit' });
  });

  it.each(['', ' ', '\t', '   \t  '])('ignores a blank line (%j)', (line) => {
    expect(parseClientLine(line)).toEqual({ kind: 'ignore' });
  });

  it('reads //text as the literal /text', () => {
    expect(parseClientLine('//quit now')).toEqual({ kind: 'say', text: '/quit now' });
    expect(parseClientLine('//')).toEqual({ kind: 'say', text: '/' });
    expect(parseClientLine('///x')).toEqual({ kind: 'say', text: '//x' });
  });

  it('reads /nick NAME', () => {
    expect(parseClientLine('/nick alice')).toEqual({ kind: 'nick', name: 'alice' });
    expect(parseClientLine('/nick   alice  ')).toEqual({ kind: 'nick', name: 'alice' });
  });

  it('takes the command word without regard to case', () => {
    expect(parseClientLine('/NICK Alice')).toEqual({ kind: 'nick', name: 'Alice' });
    expect(parseClientLine('/Who')).toEqual({ kind: 'who' });
  });

  it('keeps everything after /nick as the name, for the roster to judge', () => {
    expect(parseClientLine('/nick two words')).toEqual({ kind: 'nick', name: 'two words' });
  });

  it('reads /msg NAME TEXT, keeping the inner spacing of the text', () => {
    expect(parseClientLine('/msg bob hi  there ')).toEqual({ kind: 'msg', to: 'bob', text: 'hi  there' });
    expect(parseClientLine('/msg\tbob\thi')).toEqual({ kind: 'msg', to: 'bob', text: 'hi' });
  });

  it('reads /me TEXT', () => {
    expect(parseClientLine('/me waves')).toEqual({ kind: 'me', text: 'waves' });
  });

  it('reads /who and /help, ignoring anything after them', () => {
    expect(parseClientLine('/who')).toEqual({ kind: 'who' });
    expect(parseClientLine('/who is here')).toEqual({ kind: 'who' });
    expect(parseClientLine('/help')).toEqual({ kind: 'help' });
  });

  it('reads /quit with and without a reason', () => {
    expect(parseClientLine('/quit')).toEqual({ kind: 'quit', reason: '' });
    expect(parseClientLine('/quit gone fishing ')).toEqual({ kind: 'quit', reason: 'gone fishing' });
  });

  it.each([
    ['/nick', 'usage: /nick NAME'],
    ['/nick   ', 'usage: /nick NAME'],
    ['/msg', 'usage: /msg NAME TEXT'],
    ['/msg bob', 'usage: /msg NAME TEXT'],
    ['/msg bob   ', 'usage: /msg NAME TEXT'],
    ['/me', 'usage: /me TEXT'],
  ])('answers %j with its usage', (line, error) => {
    expect(parseClientLine(line)).toEqual({ kind: 'invalid', error });
  });

  it('reads the room commands: /join #ROOM, /part, /rooms, /topic [TEXT], /who #ROOM', () => {
    expect(parseClientLine('/join #Dev')).toEqual({ kind: 'join', room: '#Dev' });
    expect(parseClientLine('/join')).toEqual({ kind: 'invalid', error: 'usage: /join #ROOM' });
    expect(parseClientLine('/part')).toEqual({ kind: 'part' });
    expect(parseClientLine('/rooms')).toEqual({ kind: 'rooms' });
    expect(parseClientLine('/topic')).toEqual({ kind: 'topic', text: '' });
    expect(parseClientLine('/topic  release on Friday ')).toEqual({ kind: 'topic', text: 'release on Friday' });
    expect(parseClientLine('/who #dev')).toEqual({ kind: 'who', room: '#dev' });
  });

  it('reads /register with a secret, or bare (a client certificate alone), /identify NICK SECRET and /unregister', () => {
    expect(parseClientLine('/register two words')).toEqual({ kind: 'register', secret: 'two words' });
    expect(parseClientLine('/register ')).toEqual({ kind: 'register' });
    expect(parseClientLine('/identify ada s e')).toEqual({ kind: 'identify', nick: 'ada', secret: 's e' });
    expect(parseClientLine('/identify ada')).toEqual({ kind: 'invalid', error: 'usage: /identify NICK SECRET' });
    expect(parseClientLine('/unregister')).toEqual({ kind: 'unregister' });
  });

  it('reads the moderation commands (who may use them is the server’s to say)', () => {
    expect(parseClientLine('/KICK bob')).toEqual({ kind: 'moderate', command: { kind: 'kick', name: 'bob', reason: '' } });
    expect(parseClientLine('/kick')).toEqual({ kind: 'invalid', error: 'usage: /kick NICK [REASON]' });
    expect(parseClientLine('/ban ada 2h spam')).toEqual({
      kind: 'moderate',
      command: { kind: 'ban', target: 'ada', ms: 7_200_000, reason: 'spam' },
    });
  });

  it('answers an unknown command with a hint', () => {
    expect(parseClientLine('/frob x')).toEqual({ kind: 'invalid', error: 'unknown command /frob; try /help' });
  });

  it('does not take a command that only starts with a known word', () => {
    expect(parseClientLine('/quitter')).toEqual({ kind: 'invalid', error: 'unknown command /quitter; try /help' });
    expect(parseClientLine('/whois bob')).toEqual({ kind: 'invalid', error: 'unknown command /whois; try /help' });
  });

  it('reads a lone slash as an unknown command', () => {
    expect(parseClientLine('/')).toEqual({ kind: 'invalid', error: 'unknown command /; try /help' });
  });

  it('reads any line that does not start with a slash as that very message', () => {
    const text = fc.string({ unit: 'grapheme' }).filter((line) => !line.startsWith('/') && line.trim().length > 0);
    fc.assert(fc.property(text, (line) => expect(parseClientLine(line)).toEqual({ kind: 'say', text: line })));
  });

  it('reads //TEXT as /TEXT for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (rest) =>
        expect(parseClientLine('//' + rest)).toEqual({ kind: 'say', text: '/' + rest }),
      ),
    );
  });

  it('reads /history [N] (at most 50), /history since DURATION and /search WORDS', () => {
    expect(parseClientLine('/history')).toEqual({ kind: 'history', count: 20 });
    expect(parseClientLine('/history 500')).toEqual({ kind: 'history', count: 50 });
    expect(parseClientLine('/history since 1h30m')).toEqual({ kind: 'history-since', ms: 5_400_000 });
    expect(parseClientLine('/history since')).toEqual({ kind: 'invalid', error: 'usage: /history since DURATION (such as 30m, 2h, 1d)' });
    expect(parseClientLine('/history soon')).toEqual({ kind: 'invalid', error: 'usage: /history [N | since DURATION]' });
    expect(parseClientLine('/search  deploy   failed ')).toEqual({ kind: 'search', words: ['deploy', 'failed'] });
    expect(parseClientLine('/search')).toEqual({ kind: 'invalid', error: 'usage: /search WORDS' });
  });

  it('never throws and always answers with a known kind', () => {
    const kinds = [
      'say',
      'nick',
      'msg',
      'me',
      'who',
      'join',
      'part',
      'rooms',
      'topic',
      'pass',
      'cap',
      'history',
      'history-since',
      'search',
      'help',
      'quit',
      'ignore',
      'invalid',
    ];
    const line = fc.oneof(
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: 'grapheme' }).map((rest) => '/' + rest),
      fc
        .tuple(fc.constantFrom('nick', 'msg', 'me', 'who', 'help', 'quit', 'NICK', 'x'), fc.string())
        .map(([name, rest]) => `/${name} ${rest}`),
    );
    fc.assert(fc.property(line, (text) => expect(kinds).toContain(parseClientLine(text).kind)));
  });
});

describe('splitCommand', () => {
  it('lower-cases the command word and trims the rest', () => {
    expect(splitCommand('/MSG  bob  hi ')).toEqual({ name: 'msg', rest: 'bob  hi' });
    expect(splitCommand('/who')).toEqual({ name: 'who', rest: '' });
  });
});

describe('splitWord', () => {
  it('splits off the first word at any whitespace', () => {
    expect(splitWord('  bob \t hi there ')).toEqual({ head: 'bob', tail: 'hi there' });
    expect(splitWord('bob')).toEqual({ head: 'bob', tail: '' });
    expect(splitWord('   ')).toEqual({ head: '', tail: '' });
  });
});

describe('usage and unknown', () => {
  it('word the errors', () => {
    expect(usage('/me TEXT')).toEqual({ kind: 'invalid', error: 'usage: /me TEXT' });
    expect(unknown('frob')).toEqual({ kind: 'invalid', error: 'unknown command /frob; try /help' });
  });
});

describe('CLIENT_HELP', () => {
  it('lists every client command', () => {
    const text = CLIENT_HELP.join('\n');
    for (const command of ['/nick', '/msg', '/me', '/who', '/quit', '//']) expect(text).toContain(command);
  });
});
