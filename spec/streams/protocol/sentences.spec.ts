import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  formatHistoryEnd,
  formatHistoryStart,
  formatInRoom,
  formatRenamed,
  formatWelcome,
  formatYouAre,
  parseHistoryMarker,
  parseInRoom,
  parseRenamed,
  parseWelcome,
} from '../../../streams/protocol/sentences.js';
import { formatAck, formatTagged, parseAck, parseTagged } from '../../../streams/protocol/tags.js';

/** What `--name` and `/nick` admit (see nick.ts): letters of any script, digits, `_ - . [ ]`, up to 32. */
const nick = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_\-.[\]]{1,32}$/),
  fc.constantFrom('ada', 'guest-7', 'now', 'in', 'you', 'are', 'welcome', 'ñandú', 'Ωmega', '[x].y', 'ｆｕｌｌ', '名前'),
);
const room = fc.stringMatching(/^#[a-z0-9_.-]{1,31}$/);
/** One line of text: anything but CR and LF (a topic, a reason). */
const text = fc.string({ unit: 'grapheme', minLength: 1 }).filter((t) => !/[\r\n]/.test(t));

describe('the welcome', () => {
  it('names the server, the nick and the room, or says that only the console hears', () => {
    expect(formatWelcome({ server: 'hub', nick: 'ada', room: '#lobby' })).toBe(
      '* welcome to hub, you are ada in #lobby; /help lists commands',
    );
    expect(formatWelcome({ server: 'hub', nick: 'ada' })).toBe('* welcome to hub, you are ada; only hub hears you; /help lists commands');
  });

  it('round-trips any server name, nick and room, with a room or without', () => {
    fc.assert(
      fc.property(nick, nick, fc.option(room, { nil: undefined }), (server, who, where) => {
        const welcome = where === undefined ? { server, nick: who } : { server, nick: who, room: where };
        expect(parseWelcome(formatWelcome(welcome))).toEqual(welcome);
      }),
    );
  });

  it('reads the welcome of a server before rooms', () => {
    expect(parseWelcome('* welcome to server, you are guest-1; /help lists commands')).toEqual({ server: 'server', nick: 'guest-1' });
  });

  it('reads a room in capitals as the server means it, in lower case', () => {
    expect(parseWelcome('* welcome to hub, you are ada in #Dev; /help lists commands')?.room).toBe('#dev');
  });

  it.each([
    '<bob> * welcome to hub, you are ada in #lobby; /help lists commands',
    'hi * welcome to hub, you are ada; /help lists commands',
    '* welcome to hub, you are ada in #lobby; /help lists commands and more',
    '* welcome to hub, you are two words; /help lists commands',
    '* welcome to hub, you are ada in lobby; /help lists commands',
    '* welcome to hub',
    '*bob* welcome to hub, you are ada; /help lists commands',
  ])('does not take %j for a welcome', (line) => {
    expect(parseWelcome(line)).toBeUndefined();
  });
});

describe('a new nick', () => {
  it('says the nick, with why first when the server chose it', () => {
    expect(formatRenamed('bob')).toBe('* you are now bob');
    expect(formatRenamed('guest-3', 'your nick bob went to someone else')).toBe(
      '* your nick bob went to someone else; you are now guest-3',
    );
    expect(formatYouAre('bob')).toBe('* you are bob');
  });

  it('reads a reason or a topic that holds a line or paragraph separator (U+2028, U+2029)', () => {
    expect(parseRenamed(formatRenamed(']', ' \u2028 \u2029'))).toBe(']');
    expect(parseInRoom(formatInRoom({ room: '#dev', members: 2, topic: 'a\u2028b' }))).toEqual({
      room: '#dev',
      members: 2,
      topic: 'a\u2028b',
    });
  });

  it('round-trips any nick, asked for, forced with any reason, or already held', () => {
    fc.assert(
      fc.property(nick, fc.option(text, { nil: undefined }), (to, why) => {
        expect(parseRenamed(formatRenamed(to, why))).toBe(to);
        expect(parseRenamed(formatYouAre(to))).toBe(to);
      }),
    );
  });

  it.each([
    '<bob> * you are now x',
    '*bob* you are now x',
    'so * you are now x',
    '* you are now two words',
    '* you are now in #dev (3 here); no topic',
    '* you are now x!',
    '* bob is now x',
    '* you are now ',
  ])('does not take %j for a new nick', (line) => {
    expect(parseRenamed(line)).toBeUndefined();
  });
});

describe('a new room', () => {
  it('says the room, how many are in it, and its topic', () => {
    expect(formatInRoom({ room: '#dev', members: 3, topic: 'ship it' })).toBe('* you are now in #dev (3 here); topic: ship it');
    expect(formatInRoom({ room: '#dev', members: 1 })).toBe('* you are now in #dev (1 here); no topic');
    expect(formatInRoom({ room: '#dev', members: 1, topic: '' })).toBe('* you are now in #dev (1 here); no topic');
  });

  it('round-trips any room, count and topic, even a topic that looks like a sentence', () => {
    const topic = fc.oneof(text, fc.constant('no topic; topic: x (2 here)'), fc.constant(' '));
    fc.assert(
      fc.property(room, fc.nat(), fc.option(topic, { nil: undefined }), (where, members, about) => {
        const inRoom = about === undefined ? { room: where, members } : { room: where, members, topic: about };
        expect(parseInRoom(formatInRoom(inRoom))).toEqual(inRoom);
      }),
    );
  });

  it('is not a new nick, and a new nick is not a room', () => {
    fc.assert(
      fc.property(room, fc.nat(), nick, (where, members, to) => {
        expect(parseRenamed(formatInRoom({ room: where, members }))).toBeUndefined();
        expect(parseInRoom(formatRenamed(to))).toBeUndefined();
      }),
    );
  });

  it.each([
    '<bob> * you are now in #dev (3 here); no topic',
    '* you are now in dev (3 here); no topic',
    '* you are now in #dev; no topic',
    '* you are now in #dev (three here); no topic',
    '* you are now in #dev (3 here)',
    '* you are now in #dev (3 here); topic: ',
    `* you are now in #${'x'.repeat(32)} (3 here); no topic`,
  ])('does not take %j for a new room', (line) => {
    expect(parseInRoom(line)).toBeUndefined();
  });
});

describe('history markers', () => {
  it('count the lines that follow, and end', () => {
    expect(formatHistoryStart(1)).toBe('* history: the last 1 line');
    expect(formatHistoryStart(20)).toBe('* history: the last 20 lines');
    expect(formatHistoryEnd()).toBe('* end of history');
  });

  it('round-trip any count', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1_000_000 }), (count) => {
        expect(parseHistoryMarker(formatHistoryStart(count))).toEqual({ kind: 'start', count });
      }),
    );
    expect(parseHistoryMarker(formatHistoryEnd())).toEqual({ kind: 'end' });
  });

  it.each(['<bob> * end of history', '* end of history!', '* history: the last few lines', 'x * history: the last 2 lines'])(
    'do not take %j for a marker',
    (line) => {
      expect(parseHistoryMarker(line)).toBeUndefined();
    },
  );
});

describe('no sentence', () => {
  it('is found in a message, a private message, or text around a sentence', () => {
    const sentences = fc.oneof(
      fc.tuple(nick, nick, room).map(([server, who, where]) => formatWelcome({ server, nick: who, room: where })),
      nick.map((to) => formatRenamed(to)),
      fc.tuple(room, fc.nat()).map(([where, members]) => formatInRoom({ room: where, members })),
      fc.nat().map(formatHistoryStart),
      fc.constant(formatHistoryEnd()),
    );
    const around = fc.oneof(
      fc.tuple(nick, sentences).map(([from, sentence]) => `<${from}> ${sentence}`),
      fc.tuple(nick, sentences).map(([from, sentence]) => `*${from}* ${sentence}`),
      fc.tuple(text, sentences).map(([before, sentence]) => `${before} ${sentence}`),
      fc.tuple(sentences, text).map(([sentence, after]) => `${sentence}\n${after}`),
    );
    fc.assert(
      fc.property(around, (line) => {
        expect(parseWelcome(line)).toBeUndefined();
        expect(parseRenamed(line)).toBeUndefined();
        expect(parseInRoom(line)).toBeUndefined();
        expect(parseHistoryMarker(line)).toBeUndefined();
      }),
    );
  });
});

describe('acks', () => {
  it('are a tag alone, and round-trip any id', () => {
    expect(formatAck('S.7')).toBe('@ack=S.7');
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (id) => {
        expect(parseAck(parseTagged(formatAck(id)).tags)).toBe(id);
      }),
    );
  });

  it('are not read from a line without the tag', () => {
    expect(parseAck(parseTagged(formatTagged({ seq: '3' }, '<bob> @ack=1')).tags)).toBeUndefined();
    expect(parseAck(parseTagged('<bob> hi').tags)).toBeUndefined();
  });
});
