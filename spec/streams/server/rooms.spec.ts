import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { formatServerLine } from '../../../streams/protocol/server-line.js';
import { parseConsoleLine } from '../../../streams/protocol/console-command.js';
import { DEFAULT_ADMISSION_LIMITS } from '../../../streams/server/admission.js';
import type { Effect, LogEntry, RouterEvent } from '../../../streams/server/events.js';
import { logEntryLines } from '../../../streams/server/log-line.js';
import type { ConnId } from '../../../streams/server/model.js';
import { createRouter, type Router, type RouterOptions } from '../../../streams/server/router.js';

const TIME = '1970-01-01T00:00:00.000Z';

const open = (id: ConnId): RouterEvent => ({ kind: 'open', id, ip: `10.0.0.${id}`, port: 4000 });
const lines = (id: ConnId, ...batch: string[]): RouterEvent => ({ kind: 'lines', id, lines: batch });
const closed = (id: ConnId): RouterEvent => ({ kind: 'closed', id, reason: 'connection closed' });
const typed = (line: string): RouterEvent => ({ kind: 'console', command: parseConsoleLine(line) });

const inbox = (effects: readonly Effect[], id: ConnId): string[] =>
  effects.flatMap((effect) => (effect.kind === 'send' && effect.to.includes(id) ? effect.lines : []));
const logged = (effects: readonly Effect[]): LogEntry[] => effects.flatMap((effect) => (effect.kind === 'log' ? effect.entries : []));
const untagged = (line: string): string => line.replace(/^@\S* /, '');
/** Who got a line (tags aside) that `is` says is the one, in order of connection. */
const heardAny = (effects: readonly Effect[], is: (line: string) => boolean): ConnId[] =>
  effects
    .flatMap((effect) => (effect.kind === 'send' && effect.lines.some((each) => is(untagged(each))) ? effect.to : []))
    .sort((a, b) => a - b);
const heard = (effects: readonly Effect[], line: string): ConnId[] => heardAny(effects, (each) => each === line);
/** What the console's record shows. */
const record = (effects: readonly Effect[]): string[] => logged(effects).flatMap((entry) => logEntryLines(entry).map(formatServerLine));

/** A server with rooms and members 1..n (guest-1..guest-n) in the first room, their welcomes discarded. */
function server(n: number, options: Partial<RouterOptions> = {}): Router {
  const route = createRouter({ name: 'server', mode: 'room', admission: DEFAULT_ADMISSION_LIMITS, now: () => 0, epoch: 'E', ...options });
  for (let id = 1; id <= n; id++) route(open(id));
  return route;
}

describe('rooms', () => {
  describe('/join', () => {
    it('moves a member: the old room hears where it went, the new one that it came, and it is told where it is now', () => {
      const route = server(3);
      route(lines(3, '/join #dev'));
      const effects = route(lines(1, '/join #Dev'));
      expect(inbox(effects, 1)).toEqual([
        '* you are now in #dev (2 here); no topic',
        '* history: the last 1 line',
        '* guest-3 joined',
        '* end of history',
      ]);
      expect(heard(effects, '* guest-1 left for #dev')).toEqual([2]);
      expect(heard(effects, '* guest-1 joined')).toEqual([3]);
      expect(logged(effects)).toEqual([{ type: 'move', id: 1, from: 'guest-1', previous: '#lobby', room: '#dev', elsewhere: true }]);
    });

    it('keeps what is said, /me, renames and leaves in the room they happen in', () => {
      const route = server(4);
      route(lines(1, '/join #dev'));
      route(lines(2, '/join #dev'));
      expect(heard(route(lines(1, 'hi devs')), '<guest-1> hi devs')).toEqual([2]);
      expect(heard(route(lines(3, 'hi lobby')), '<guest-3> hi lobby')).toEqual([4]);
      expect(heard(route(lines(1, '/me waves')), '* guest-1 waves')).toEqual([2]);
      expect(heard(route(lines(1, '/nick ada')), '* guest-1 is now ada')).toEqual([2]);
      expect(heard(route(closed(1)), '* ada left (connection closed)')).toEqual([2]);
    });

    it('refuses a name that cannot be a room, and the room one is in', () => {
      const route = server(1);
      expect(inbox(route(lines(1, '/join #no way!')), 1)).toEqual([
        '! invalid room name #no way!: a room is # and up to 31 letters, digits, _ - or .',
      ]);
      expect(inbox(route(lines(1, `/join #${'x'.repeat(32)}`)), 1)[0]).toMatch(/^! invalid room name #x+: a room is #/);
      expect(inbox(route(lines(1, '/join #lobby')), 1)).toEqual(['! you are already in #lobby']);
      expect(inbox(route(lines(1, '/join')), 1)).toEqual(['! usage: /join #ROOM']);
    });

    it('takes a name without # as the room of that name', () => {
      const route = server(1);
      expect(inbox(route(lines(1, '/join Dev.Ops_2-x')), 1)).toEqual(['* you are now in #dev.ops_2-x (1 here); no topic']);
    });

    it("shows a tagged client the room's last lines marked as replayed, never lines of another room", () => {
      const route = server(3);
      route(lines(2, '/join #dev', 'in dev'));
      route(lines(3, 'in lobby'));
      route(lines(1, '/cap tcpchat session=s1'));
      const shown = inbox(route(lines(1, '/join #dev')), 1);
      expect(shown).toEqual([
        `@time=${TIME} * you are now in #dev (2 here); no topic`,
        `@seq=5;time=${TIME};replay * guest-2 joined`,
        `@seq=6;time=${TIME};replay <guest-2> in dev`,
      ]);
    });
  });

  describe('/part', () => {
    it('goes back to the first room; in it already, says so', () => {
      const route = server(2);
      route(lines(1, '/join #dev'));
      const effects = route(lines(1, '/part'));
      expect(inbox(effects, 1)[0]).toBe('* you are now in #lobby (2 here); no topic');
      expect(effects).toContainEqual({ kind: 'send', to: [2], lines: ['* guest-1 joined'] });
      expect(inbox(route(lines(1, '/part')), 1)).toEqual(['! you are already in #lobby']);
    });
  });

  describe('/rooms and /topic', () => {
    it('lists the rooms, the first one first, with how many are in each and their topics', () => {
      const route = server(3);
      route(lines(1, '/join #zeta', '/topic all things z'));
      route(lines(2, '/join #alpha'));
      expect(inbox(route(lines(3, '/rooms')), 3)).toEqual([
        '* rooms (3):',
        '*   #lobby (1 here); no topic',
        '*   #alpha (1 here); no topic',
        '*   #zeta (1 here); topic: all things z',
      ]);
    });

    it('sets the topic for the room, which hears it, and shows it to whoever asks or comes in', () => {
      const route = server(3);
      route(lines(2, '/join #dev'));
      route(lines(3, '/join #dev'));
      const effects = route(lines(2, '/topic release on Friday'));
      expect(heard(effects, '* guest-2 set the topic: release on Friday')).toEqual([2, 3]);
      expect(logged(effects)).toEqual([
        { type: 'topic', id: 2, from: 'guest-2', text: 'release on Friday', room: '#dev', elsewhere: true },
      ]);
      expect(inbox(route(lines(3, '/topic')), 3)).toEqual(['* topic of #dev: release on Friday (set by guest-2)']);
      expect(inbox(route(lines(1, '/topic')), 1)).toEqual(['* #lobby has no topic']);
      expect(inbox(route(lines(1, '/join #dev')), 1)[0]).toBe('* you are now in #dev (3 here); topic: release on Friday');
    });

    it('refuses a topic over 1,024 bytes with one line to the asker, and keeps the topic it had', () => {
      const route = server(2);
      route(lines(1, '/topic short'));
      const long = 'é'.repeat(513); // 1,026 bytes
      const effects = route(lines(1, `/topic ${long}`));
      expect(inbox(effects, 1)).toEqual(['! a topic is at most 1024 bytes (this one is 1026); it was not set']);
      expect(inbox(effects, 2)).toEqual([]);
      expect(inbox(route(lines(2, '/topic')), 2)).toEqual(['* topic of #lobby: short (set by guest-1)']);
      expect(heard(route(lines(1, `/topic ${'x'.repeat(1024)}`)), `* guest-1 set the topic: ${'x'.repeat(1024)}`)).toEqual([1, 2]);
    });

    it('forgets an empty room other than the first, with its history and topic', () => {
      const route = server(2);
      route(lines(1, '/join #dev', '/topic secret plans', 'a line'));
      route(lines(1, '/part'));
      expect(inbox(route(lines(2, '/rooms')), 2)).toEqual(['* rooms (1):', '*   #lobby (2 here); no topic']);
      expect(inbox(route(lines(2, '/who #dev')), 2)).toEqual(['! no such room: #dev']);
      expect(inbox(route(lines(2, '/join #dev')), 2)).toEqual(['* you are now in #dev (1 here); no topic']);
    });
  });

  describe('/who', () => {
    it("lists the member's own room, or another, the console in the first room only", () => {
      const route = server(3);
      route(lines(2, '/join #dev'));
      expect(inbox(route(lines(1, '/who')), 1)).toEqual(['* online in #lobby (3): server, guest-1, guest-3']);
      expect(inbox(route(lines(1, '/who #DEV')), 1)).toEqual(['* online in #dev (1): guest-2']);
      expect(inbox(route(lines(2, '/who')), 2)).toEqual(['* online in #dev (1): guest-2']);
      expect(inbox(route(lines(2, '/who #nowhere')), 2)).toEqual(['! no such room: #nowhere']);
    });
  });

  it('/msg reaches anyone in any room', () => {
    const route = server(2);
    route(lines(2, '/join #dev', '/nick bob'));
    const effects = route(lines(1, '/msg bob psst'));
    expect(inbox(effects, 2)).toEqual(['*guest-1* psst']);
    expect(inbox(effects, 1)).toEqual(['*-> bob* psst']);
  });

  it("/history answers from the member's own room", () => {
    const route = server(2);
    route(lines(2, '/join #dev', 'dev line'));
    route(lines(1, 'lobby line'));
    expect(inbox(route(lines(2, '/history')), 2)).toEqual([
      '* history: the last 2 lines',
      '* guest-2 joined',
      '<guest-2> dev line',
      '* end of history',
    ]);
  });

  it('start in the room the server names first', () => {
    const route = server(0, { firstRoom: '#hall' });
    expect(inbox(route(open(1)), 1)).toEqual([
      '* welcome to server, you are guest-1 in #hall; /help lists commands',
      '* you are now in #hall (1 here); no topic',
    ]);
    expect(inbox(route(lines(1, '/part')), 1)).toEqual(['! you are already in #hall']);
  });

  it('are not there on a console-only server', () => {
    const route = server(1, { mode: 'console-only' });
    for (const command of ['/join #dev', '/part', '/rooms', '/topic x', '/who #lobby']) {
      expect(inbox(route(lines(1, command)), 1)).toEqual(['! this server has no rooms (console-only)']);
    }
    expect(logged(route(typed('/join #dev')))).toEqual([{ type: 'error', text: 'this server has no rooms (console-only)' }]);
  });

  describe('resume', () => {
    it('puts a resuming client back in its room before the replay, and replays only what that room missed', () => {
      const route = server(2);
      route(lines(2, '/join #dev', 'dev one'));
      route(lines(1, 'lobby one'));
      route(lines(2, 'dev two'));
      route(open(3));
      const effects = route(lines(3, '/cap tcpchat session=s3 resume=E:0 room=#dev'));
      expect(inbox(effects, 3)).toEqual([
        `@time=${TIME} * you are now in #dev (2 here); no topic`,
        '@cap=tcpchat;epoch=E;seq=10;privates=E;missed=3',
        `@seq=4;time=${TIME};replay * guest-2 joined`,
        `@seq=5;time=${TIME};replay <guest-2> dev one`,
        `@seq=7;time=${TIME};replay <guest-2> dev two`,
      ]);
      expect(heard(effects, '* guest-3 joined')).toEqual([2]);
      expect(heard(route(lines(1, 'after')), '<guest-1> after')).toEqual([]);
    });

    it('without room= stays in the first room', () => {
      const route = server(1);
      route(open(2));
      expect(inbox(route(lines(2, '/cap tcpchat session=s2 resume=E:0')), 2)[0]).toBe('@cap=tcpchat;epoch=E;seq=2;privates=E;missed=1');
      expect(inbox(route(lines(2, '/who')), 2)).toEqual([`@time=${TIME} * online in #lobby (3): server, guest-1, guest-2`]);
    });
  });

  describe('the console', () => {
    it('sees every room: lines of the room it speaks in as they are, others with the room first', () => {
      const route = server(2);
      route(lines(2, '/join #dev'));
      expect(record(route(lines(1, 'in lobby')))).toEqual(['<guest-1> in lobby']);
      expect(record(route(lines(2, 'in dev', '/me waves')))).toEqual(['#dev <guest-2> in dev', '#dev * guest-2 waves']);
      const said = route(lines(2, 'again'));
      expect(logged(said)).toEqual([
        { type: 'messages', id: 2, from: 'guest-2', texts: ['again'], lines: ['#dev <guest-2> again'], room: '#dev', elsewhere: true },
      ]);
    });

    it('speaks in the room it chose with /join, and then sees the others with their room first', () => {
      const route = server(2);
      route(lines(2, '/join #dev'));
      const joined = route(typed('/join #dev'));
      expect(record(joined)).toEqual(['* you speak in #dev now; lines of other rooms show their room first']);
      expect(joined).toContainEqual({ kind: 'console-room', room: '#dev' }); // the console's prompt shows it
      const effects = route(typed('hello dev'));
      expect(heard(effects, '<server> hello dev')).toEqual([2]);
      expect(record(route(lines(1, 'in lobby')))).toEqual(['#lobby <guest-1> in lobby']);
      expect(record(route(lines(2, 'in dev')))).toEqual(['<guest-2> in dev']);
    });

    it('lists the rooms and who is in one', () => {
      const route = server(2);
      route(lines(2, '/join #dev'));
      expect(record(route(typed('/rooms')))).toEqual(['* rooms (2):', '*   #lobby (1 here); no topic', '*   #dev (1 here); no topic']);
      expect(record(route(typed('/who #dev')))).toEqual(['* 1 in #dev', '* guest-2 (10.0.0.2:4000)']);
      expect(record(route(typed('/who #nope')))).toEqual(['! no such room: #nope']);
    });

    it('shows and sets the topic of the room it speaks in, even a locked one, which that room hears', () => {
      const route = server(2);
      route(lines(2, '/join #dev'));
      route(typed('/join #dev'));
      expect(record(route(typed('/topic')))).toEqual(['* #dev has no topic']);
      route(typed('/lock'));
      const set = route(typed('/topic release on Friday'));
      expect(heard(set, '* server set the topic: release on Friday')).toEqual([2]);
      expect(logged(set)).toContainEqual({ type: 'topic', from: 'server', text: 'release on Friday', room: '#dev' });
      expect(record(route(typed('/topic')))).toEqual(['* topic of #dev: release on Friday (set by server)']);
      expect(record(route(typed(`/topic ${'x'.repeat(1025)}`)))).toEqual([
        '! a topic is at most 1024 bytes (this one is 1025); it was not set',
      ]);
    });

    it('/kick removes a member from its room, which hears it', () => {
      const route = server(3);
      route(lines(2, '/join #dev'));
      route(lines(3, '/join #dev'));
      expect(heard(route(typed('/kick guest-2 spam')), '* guest-2 was kicked by server: spam')).toEqual([3]);
      expect(inbox(route(lines(3, '/who')), 3)).toEqual(['* online in #dev (1): guest-3']);
    });
  });
});

describe('rooms with any sequence of events', () => {
  type Step =
    | { kind: 'open' }
    | { kind: 'close'; id: number }
    | { kind: 'say'; id: number }
    | { kind: 'join'; id: number; room: string }
    | { kind: 'part'; id: number }
    | { kind: 'nick'; id: number; nick: string }
    | { kind: 'quit'; id: number }
    | { kind: 'kick'; id: number }
    | { kind: 'console'; room: string };
  const id = fc.integer({ min: 1, max: 6 });
  const roomArb = fc.constantFrom('#lobby', '#dev', '#DEV', 'ops', '#x');
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.constant({ kind: 'open' as const }),
    fc.record({ kind: fc.constant('close' as const), id }),
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('say' as const), id }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('join' as const), id, room: roomArb }) },
    fc.record({ kind: fc.constant('part' as const), id }),
    fc.record({ kind: fc.constant('nick' as const), id, nick: fc.constantFrom('ada', 'bob', 'guest-1') }),
    fc.record({ kind: fc.constant('quit' as const), id }),
    fc.record({ kind: fc.constant('kick' as const), id }),
    fc.record({ kind: fc.constant('console' as const), room: roomArb }),
  );

  it('a line said in one room reaches every other member of that room and no one else; every member is in exactly one room, and the counts add up', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), fc.boolean(), (steps, tagged) => {
        const route = server(0, { historySize: 5 });
        /** Where each member is, as the server told it. */
        const roomOf = new Map<ConnId, string>();
        const nickOf = new Map<ConnId, string>();
        let next = 1;
        let said = 0;
        const apply = (effects: readonly Effect[]): readonly Effect[] => {
          for (const effect of effects) {
            if (effect.kind === 'close') {
              roomOf.delete(effect.id);
              nickOf.delete(effect.id);
            }
            if (effect.kind !== 'send' || effect.to.length !== 1) continue;
            for (const line of effect.lines) {
              const plain = line.replace(/^@\S* /, '');
              const where = /^\* you are now in (#\S+) \(/.exec(plain);
              if (where) roomOf.set(effect.to[0], where[1]);
              const named = /^\* (?:welcome to server, )?you are (?:now )?([^\s;]+)(?: in|;|$)/.exec(plain);
              if (named && !plain.includes('you are now in')) nickOf.set(effect.to[0], named[1]);
            }
          }
          return effects;
        };
        for (const [index, s] of steps.entries()) {
          switch (s.kind) {
            case 'open': {
              const conn = next++;
              apply(route(open(conn)));
              if (tagged) apply(route(lines(conn, `/cap tcpchat session=s${conn}`)));
              break;
            }
            case 'close':
              apply(route(closed(s.id)));
              roomOf.delete(s.id);
              nickOf.delete(s.id);
              break;
            case 'say': {
              const text = `line ${said++}`;
              const effects = apply(route(lines(s.id, text)));
              const speaker = roomOf.get(s.id);
              const expected =
                speaker === undefined
                  ? []
                  : [...roomOf].filter(([other, room]) => room === speaker && other !== s.id).map(([other]) => other);
              expect(heardAny(effects, (line) => line.endsWith(`> ${text}`))).toEqual(expected.sort((a, b) => a - b));
              break;
            }
            case 'join':
              apply(route(lines(s.id, `/join ${s.room}`)));
              break;
            case 'part':
              apply(route(lines(s.id, '/part')));
              break;
            case 'nick':
              apply(route(lines(s.id, `/nick ${s.nick}`)));
              break;
            case 'quit':
              apply(route(lines(s.id, '/quit')));
              break;
            case 'kick': {
              const nick = nickOf.get(s.id);
              if (nick) apply(route(typed(`/kick ${nick}`)));
              break;
            }
            case 'console':
              apply(route(typed(`/join ${s.room}`)));
              break;
          }
          // The rooms the server lists are those its members are in (and the first), with the same counts.
          const observer = 1000 + index;
          const listed = inbox(route(open(observer)), observer).length > 0 ? inbox(route(lines(observer, '/rooms')), observer) : [];
          route(closed(observer));
          const counts = new Map<string, number>([['#lobby', 0]]);
          for (const room of roomOf.values()) counts.set(room, (counts.get(room) ?? 0) + 1);
          const shown = new Map(
            listed
              .slice(1)
              .map((line) => /^(?:@\S* )?\* {3}(#\S+) \((\d+) here\)/.exec(line)!)
              .map((m) => [m[1], Number(m[2])]),
          );
          // The observer itself is in the first room while it asks.
          counts.set('#lobby', counts.get('#lobby')! + 1);
          expect(shown).toEqual(counts);
        }
      }),
      { numRuns: 150 },
    );
  });
});
