import { describe, expect, it } from '@jest/globals';
import { DEFAULT_ADMISSION_LIMITS } from '../../../streams/server/admission.js';
import type { Effect, LogEntry, RouterEvent } from '../../../streams/server/events.js';
import { factHeld, type Fact } from '../../../streams/server/facts.js';
import { createModel, type ConnId, type Restored } from '../../../streams/server/model.js';
import { routerOn, type RouterOptions } from '../../../streams/server/router.js';
import { parseConsoleLine } from '../../../streams/protocol/console-command.js';

/**
 * Moderation, as the core rules it: who may moderate, bans by nick, address and CIDR block, their
 * end on the model's clock (virtual here), mutes, topic locks, and facts heard from another node.
 * The shell is played here: a secret's hash is `hash:SECRET`.
 */

const open = (id: ConnId, ip = `10.0.0.${id}`): RouterEvent => ({ kind: 'open', id, ip, port: 4000 });
const lines = (id: ConnId, ...batch: string[]): RouterEvent => ({ kind: 'lines', id, lines: batch });
const typed = (line: string): RouterEvent => ({ kind: 'console', command: parseConsoleLine(line) });
const inbox = (effects: readonly Effect[], id: ConnId): string[] =>
  effects.flatMap((effect) => (effect.kind === 'send' && effect.to.includes(id) ? effect.lines : []));
const closed = (effects: readonly Effect[]): ConnId[] => effects.flatMap((effect) => (effect.kind === 'close' ? [effect.id] : []));
const facts = (effects: readonly Effect[]): Fact[] => effects.flatMap((effect) => (effect.kind === 'fact' ? [effect.fact] : []));
const logged = (effects: readonly Effect[], type: LogEntry['type']): LogEntry[] =>
  effects.flatMap((effect) => (effect.kind === 'log' ? effect.entries.filter((entry) => entry.type === type) : []));

const NOTHING: Restored = { lastSeq: 0, rooms: new Map(), seenIds: [] };
const T0 = Date.UTC(2026, 11, 5, 14, 0, 0);
const HOUR = 3_600_000;

/** A server on a virtual clock, where `/register` and `/identify` are answered by a played shell. */
function server(options: Partial<Pick<RouterOptions, 'operators' | 'restored' | 'cluster'>> = {}) {
  const clock = { now: T0 };
  const model = createModel({
    name: 'server',
    mode: 'room',
    announceMax: 100,
    admission: DEFAULT_ADMISSION_LIMITS,
    epoch: 'e',
    historySize: 0,
    firstRoom: '#lobby',
    now: () => clock.now,
    ...options,
  });
  const route = routerOn(model);
  const answered = (event: RouterEvent): Effect[] => {
    const effects = [...route(event)];
    for (const effect of [...effects]) {
      if (effect.kind !== 'secret') continue;
      const { id, nick, secret, against } = effect;
      const answer: RouterEvent =
        against === undefined
          ? { kind: 'hashed', id, nick, hash: `hash:${secret}` }
          : { kind: 'verified', id, nick, ok: against === `hash:${secret}` };
      effects.push(...answered(answer));
    }
    return effects;
  };
  return { model, route: answered, clock };
}

/** Connection 1 is bob, an operator (named by --operator, registered and so identified); 2 is ada, 3 a guest. */
function withOperator(options: Parameters<typeof server>[0] = {}) {
  const chat = server({ operators: ['bob'], ...options });
  chat.route(open(1));
  chat.route(open(2));
  chat.route(open(3));
  chat.route(lines(1, '/nick bob', '/register bobs secret'));
  chat.route(lines(2, '/nick ada'));
  return chat;
}

describe('who may moderate', () => {
  it('refuses anyone but an operator identified for its nick, in one line, and /op, /deop to all but the console', () => {
    const { route } = server({ operators: ['bob'] });
    route(open(1));
    route(open(2));
    expect(inbox(route(lines(2, '/ban guest-1 spam')), 2)).toEqual(['! only operators may /ban']);
    // Named by --operator, but not registered: holding the nick is not enough.
    route(lines(1, '/nick bob'));
    expect(inbox(route(lines(1, '/mute guest-2')), 1)).toEqual(['! only operators may /mute']);
    route(lines(1, '/register pw'));
    expect(inbox(route(lines(1, '/mute guest-2')), 2)).toEqual(['* guest-2 was muted by bob (until further notice)']);
    expect(inbox(route(lines(1, '/op guest-2')), 1)).toEqual(["! only the server's console may /op"]);
    // Another nick is another person.
    route(lines(1, '/nick bobby'));
    expect(inbox(route(lines(1, '/unmute guest-2')), 1)).toEqual(['! only operators may /unmute']);
  });

  it('makes an operator at the console (/op), kept as a fact, and takes it back (/deop)', () => {
    const { route } = server({ restored: NOTHING });
    route(open(1));
    route(open(2));
    route(lines(1, '/nick ada', '/register pw'));
    const made = route(typed('/op ADA'));
    expect(facts(made)).toEqual([{ kind: 'op', key: 'ada', nick: 'ada', by: 'server' }]);
    expect(inbox(made, 2)).toEqual(['* ada was made an operator by server']);
    expect(logged(made, 'moderation')).toEqual([
      { type: 'moderation', action: 'op', by: 'server', target: 'ada', text: 'ada was made an operator by server', room: '#lobby' },
    ]);
    expect(inbox(route(lines(1, '/kick guest-2 enough')), 2)).toEqual(['* you were kicked by ada: enough']);
    expect(inbox(route(lines(1, '/ops')), 1)).toEqual(['* operators (1): ada']);
    expect(facts(route(typed('/deop ada')))).toEqual([{ kind: 'op', key: 'ada', nick: 'ada', by: 'server', lifted: true }]);
    expect(inbox(route(lines(1, '/ban x')), 1)).toEqual(['! only operators may /ban']);
    expect(route(typed('/deop ada'))).toEqual([{ kind: 'log', entries: [{ type: 'error', text: 'ada is not an operator' }] }]);
  });

  it('says so when /op names a nick no one registered', () => {
    const { route } = server();
    expect(logged(route(typed('/op zed')), 'notice')).toEqual([
      { type: 'notice', text: 'zed is not registered: an operator moderates once registered and identified' },
    ]);
  });
});

describe('bans', () => {
  it('by nick: the member is told why and closed, the room is told who did it, and the fact is kept', () => {
    const { route } = withOperator({ restored: NOTHING });
    const effects = route(lines(1, '/ban ADA 2h spam and more'));
    expect(inbox(effects, 2)).toEqual(['! banned: spam and more (until 2026-12-05 16:00 UTC)']);
    expect(closed(effects)).toEqual([2]);
    expect(inbox(effects, 3)).toEqual(['* ada was banned by bob (spam and more; until 2026-12-05 16:00 UTC)']);
    expect(facts(effects)).toEqual([
      { kind: 'ban', target: 'ada', nick: 'ada', reason: 'spam and more', by: 'bob', time: T0, until: T0 + 2 * HOUR },
    ]);
    expect(logged(effects, 'moderation')).toEqual([
      {
        type: 'moderation',
        action: 'ban',
        by: 'bob',
        target: 'ada',
        text: 'ada was banned by bob (spam and more; until 2026-12-05 16:00 UTC)',
        until: '2026-12-05T16:00:00.000Z',
        room: '#lobby',
      },
    ]);
    // The fact is kept before the banned one is told, so what anyone saw outlives a crash.
    expect(effects.findIndex((effect) => effect.kind === 'fact')).toBeLessThan(effects.findIndex((effect) => effect.kind === 'send'));
  });

  it('by nick: a registered nick is refused on any address: /nick is refused it (the connection stays), /identify for it is sent away', () => {
    const { route } = withOperator();
    route(lines(2, '/register adas secret'));
    route(lines(1, '/ban ada'));
    route(open(4, '192.168.1.9'));
    const identified = route(lines(4, '/identify ada adas secret'));
    expect(inbox(identified, 4)).toEqual(['! banned: no reason given (until further notice)']);
    expect(closed(identified)).toEqual([4]);
    route(open(5, '192.168.1.10'));
    const asked = route(lines(5, '/nick Ada'));
    expect(inbox(asked, 5)).toEqual(['! nick Ada is banned until further notice']);
    expect(closed(asked)).toEqual([]);
    expect(inbox(route(lines(5, '/nick eve')), 5)).toEqual(['* you are now eve']);
  });

  it('by CIDR block: refused at the door, and those in it now are closed; others come in', () => {
    const { route } = withOperator();
    route(open(4, '10.1.2.3'));
    const effects = route(lines(1, '/ban 10.1.0.0/16 10m flood'));
    expect(closed(effects)).toEqual([4]);
    expect(inbox(effects, 4)).toEqual(['! banned: flood (until 2026-12-05 14:10 UTC)']);
    expect(inbox(effects, 2)).toEqual([
      '* guest-4 left (sent away by the ban on 10.1.0.0/16)',
      '* 10.1.0.0/16 was banned by bob (flood; until 2026-12-05 14:10 UTC)',
    ]);
    const refused = route(open(5, '::ffff:10.1.200.1'));
    expect(inbox(refused, 5)).toEqual(['! banned: flood (until 2026-12-05 14:10 UTC)']);
    expect(logged(refused, 'refused')).toEqual([
      { type: 'refused', id: 5, address: '[::ffff:10.1.200.1]:4000', reason: 'banned: flood (until 2026-12-05 14:10 UTC)' },
    ]);
    expect(closed(route(open(6, '10.2.0.1')))).toEqual([]);
  });

  it("by address or block covering the operator's own address: refused once with why, done when sent again; the console is not asked", () => {
    const { route } = withOperator();
    const asked = route(lines(1, '/ban 10.0.0.0/8 1m loopback ban'));
    expect(inbox(asked, 1)).toEqual([
      '! that ban covers your own address 10.0.0.1 (you would be closed with the rest); ban a narrower range, or send the same /ban again to confirm',
    ]);
    expect(closed(asked)).toEqual([]);
    expect(inbox(asked, 2)).toEqual([]);
    // Another ban in between asks again; a narrower one is done at once.
    expect(inbox(route(lines(1, '/ban 10.0.0.1')), 1)).toEqual([expect.stringMatching(/^! that ban covers your own address 10\.0\.0\.1 /)]);
    expect(closed(route(lines(1, '/ban 10.0.0.3')))).toEqual([3]);
    expect(closed(route(lines(1, '/ban 10.0.0.0/8 1m loopback ban')))).toEqual([]);
    expect(closed(route(lines(1, '/ban 10.0.0.0/8 1m loopback ban')))).toEqual([1, 2]);
    const { route: other } = withOperator();
    expect(closed(other(typed('/ban 10.0.0.0/8')))).toEqual([1, 2, 3]);
  });

  it("by the operator's own nick: refused once with why, done when sent again", () => {
    const { route } = withOperator();
    const asked = route(lines(1, '/ban BOB oops'));
    expect(inbox(asked, 1)).toEqual([
      '! that ban names your own nick bob (you would be closed, and kept out under it), or send the same /ban again to confirm',
    ]);
    expect(closed(asked)).toEqual([]);
    expect(closed(route(lines(1, '/ban BOB oops')))).toEqual([1]);
  });

  it('by address: only that one', () => {
    const { route } = withOperator();
    route(lines(1, '/ban 10.0.0.3'));
    expect(closed(route(open(7, '10.0.0.3')))).toEqual([7]);
    expect(closed(route(open(8, '10.0.0.30')))).toEqual([]);
  });

  it('end at their time on the model’s clock; the sweep (each heartbeat) drops them and says so', () => {
    const { route, clock, model } = withOperator({ restored: NOTHING });
    route(lines(1, '/ban 10.9.0.0/16 30m', '/ban ada 1h'));
    clock.now += 30 * 60_000 - 1;
    expect(closed(route(open(4, '10.9.0.1')))).toEqual([4]);
    clock.now += 1;
    expect(closed(route(open(5, '10.9.0.1')))).toEqual([]);
    expect(inbox(route(lines(1, '/bans')), 1)).toEqual(['* bans (1):', '*   ada by bob (until 2026-12-05 15:00 UTC)']);
    const swept = route({ kind: 'heartbeat' });
    expect(logged(swept, 'moderation').map((entry) => (entry as { text: string }).text)).toEqual(['the ban on 10.9.0.0/16 is over']);
    expect(facts(swept)).toEqual([
      { kind: 'ban', target: '10.9.0.0/16', reason: '', by: 'bob', time: T0, until: T0 + HOUR / 2, lifted: true },
    ]);
    expect(model.bans.size).toBe(1);
  });

  it('are lifted with /unban (by nick or as given), listed with /bans, and refuse what they cannot read', () => {
    const { route } = withOperator();
    route(lines(1, '/ban ada 7d spam', '/ban 10.7.0.0/16'));
    expect(inbox(route(lines(1, '/bans')), 1)).toEqual([
      '* bans (2):',
      '*   ada by bob: spam (until 2026-12-12 14:00 UTC)',
      '*   10.7.0.0/16 by bob (until further notice)',
    ]);
    expect(inbox(route(lines(1, '/unban ADA')), 3)).toEqual(['* ada was unbanned by bob']);
    expect(inbox(route(lines(1, '/unban ada')), 1)).toEqual(['! no ban on ada']);
    expect(inbox(route(lines(1, '/ban no/such 5m')), 1)).toEqual(['! no/such is neither a nick, an address nor a CIDR block']);
    expect(inbox(route(lines(1, '/ban ada 0m')), 1)).toEqual([
      '! usage: /ban NICK|ADDRESS|CIDR [DURATION] [REASON] (a DURATION such as 10m, 2h, 7d)',
    ]);
    route(open(4));
    expect(inbox(route(lines(4, '/nick ada')), 4)).toEqual(['* you are now ada']);
  });

  it('kept from an earlier run hold at start', () => {
    const ban: Fact = { kind: 'ban', target: '10.5.0.0/16', reason: 'old', by: 'bob', time: T0 - HOUR };
    const { route } = server({ restored: { ...NOTHING, facts: [ban] } });
    expect(inbox(route(open(1, '10.5.5.5')), 1)).toEqual(['! banned: old (until further notice)']);
  });
});

describe('mutes', () => {
  it('refuse each line (and /me) with a notice, relay nothing, and end at their time', () => {
    const { route, clock } = withOperator();
    const muted = route(lines(1, '/mute ada 10m'));
    expect(inbox(muted, 2)).toEqual(['* ada was muted by bob (until 2026-12-05 14:10 UTC)']);
    const said = route(lines(2, 'one', 'two', '/me waves'));
    expect(inbox(said, 2)).toEqual([
      '! you are muted (until 2026-12-05 14:10 UTC)',
      '! you are muted (until 2026-12-05 14:10 UTC)',
      '! you are muted (until 2026-12-05 14:10 UTC)',
    ]);
    expect(inbox(said, 1)).toEqual([]);
    expect(inbox(said, 3)).toEqual([]);
    expect(inbox(route(lines(2, '/nick ada2')), 2)).toEqual(['! you are muted (until 2026-12-05 14:10 UTC): you cannot change your nick']);
    clock.now += 10 * 60_000;
    expect(inbox(route(lines(2, 'back')), 3)).toEqual(['<ada> back']);
  });

  it('stop the other ways to the room: /topic refused, /quit without its reason, /msg to members (the operators and the console may still be asked)', () => {
    const { route, model } = withOperator();
    route(lines(1, '/mute ada 10m'));
    const MUTED = '! you are muted (until 2026-12-05 14:10 UTC)';
    const topic = route(lines(2, '/topic BUY CHEAP STUFF'));
    expect(inbox(topic, 2)).toEqual([MUTED]);
    expect(inbox(topic, 3)).toEqual([]);
    expect(model.rooms.get('#lobby')!.topic).toBeUndefined();
    expect(inbox(route(lines(2, '/topic')), 2)).toEqual(['* #lobby has no topic']);
    const msg = route(lines(2, '/msg guest-3 BUY CHEAP STUFF'));
    expect(inbox(msg, 2)).toEqual([MUTED]);
    expect(inbox(msg, 3)).toEqual([]);
    expect(inbox(route(lines(2, '/msg bob why?')), 1)).toEqual(['*ada* why?']);
    expect(logged(route(lines(2, '/msg server why?')), 'private')).toEqual([
      { type: 'private', id: 2, from: 'ada', to: 'server', text: 'why?' },
    ]);
    const quit = route(lines(2, '/quit BUY CHEAP STUFF'));
    expect(inbox(quit, 3)).toEqual(['* ada left (quit)']);
    expect(closed(quit)).toEqual([2]);
  });

  it("refuse opening a room (its name would show in /rooms) and /msg to an operator's nick nobody registered", () => {
    const { route, model } = withOperator({ operators: ['bob', 'carol'] });
    route(lines(1, '/mute ada 10m'));
    const OPEN = '! you are muted (until 2026-12-05 14:10 UTC): you cannot open a room nobody is in';
    expect(inbox(route(lines(2, '/join #buy-cheap-stuff')), 2)).toEqual([OPEN]);
    expect(model.rooms.has('#buy-cheap-stuff')).toBe(false);
    expect(inbox(route(lines(2, '/rooms')), 2)).toEqual(['* rooms (1):', '*   #lobby (3 here); no topic']);
    // A room with people in it, and the first room, are open to a muted member: it only listens there.
    route(lines(3, '/join #dev'));
    expect(inbox(route(lines(2, '/join #dev')), 2)[0]).toBe('* you are now in #dev (2 here); no topic');
    expect(inbox(route(lines(2, '/part')), 2)[0]).toMatch(/^\* you are now in #lobby /);
    // A name that is no room's is told as it is to anyone.
    const invalid = inbox(route(lines(1, '/join #a b')), 1);
    expect(invalid[0]).toMatch(/^! /);
    expect(inbox(route(lines(2, '/join #a b')), 2)).toEqual(invalid);
    // carol is an operator's nick, but nobody registered it: guest-3 holds it, and is not an operator.
    route(lines(3, '/nick carol'));
    const msg = route(lines(2, '/msg carol BUY CHEAP STUFF'));
    expect(inbox(msg, 2)).toEqual(['! you are muted (until 2026-12-05 14:10 UTC)']);
    expect(inbox(msg, 3)).toEqual([]);
  });

  it('hold the nick (not the connection) until /unmute', () => {
    const { route } = withOperator();
    route(lines(1, '/mute zed'));
    route(lines(3, '/nick zed'));
    expect(inbox(route(lines(3, 'hi')), 3)).toEqual(['! you are muted (until further notice)']);
    expect(inbox(route(lines(1, '/unmute ZED')), 3)).toEqual(['* zed was unmuted by bob']);
    expect(inbox(route(lines(3, 'hi')), 2)).toEqual(['<zed> hi']);
    expect(inbox(route(lines(1, '/unmute zed')), 1)).toEqual(['! zed is not muted']);
  });
});

describe('/mute and /unmute', () => {
  it('are both told to the room of the member they name, who hears them, when the operator is elsewhere', () => {
    const { route } = withOperator();
    route(lines(1, '/join #ops'));
    expect(inbox(route(lines(1, '/mute ada 10m')), 2)).toEqual(['* ada was muted by bob (until 2026-12-05 14:10 UTC)']);
    const unmuted = route(lines(1, '/unmute ada'));
    expect(inbox(unmuted, 2)).toEqual(['* ada was unmuted by bob']);
    expect(inbox(unmuted, 3)).toEqual(['* ada was unmuted by bob']);
    expect(inbox(unmuted, 1)).toEqual(['* ada was unmuted by bob']);
  });
});

describe('topic locks', () => {
  it('let only operators and the console set a locked topic; held for an empty room, kept as a fact', () => {
    const { route, model } = withOperator({ restored: NOTHING });
    route(lines(2, '/topic hello'));
    const locked = route(lines(1, '/lock'));
    expect(inbox(locked, 2)).toEqual(['* the topic of #lobby was locked by bob']);
    expect(facts(locked)).toEqual([{ kind: 'topic', room: '#lobby', text: 'hello', by: 'ada', time: T0, locked: true }]);
    expect(inbox(route(lines(2, '/topic mine now')), 2)).toEqual(['! the topic of #lobby is locked: only operators may change it']);
    expect(inbox(route(lines(1, '/topic rules')), 2)).toEqual(['* bob set the topic: rules']);
    expect(model.topics.get('#lobby')).toMatchObject({ text: 'rules', locked: true });

    route(typed('/lock #quiet'));
    route(lines(2, '/join #quiet'));
    expect(inbox(route(lines(2, '/topic x')), 2)).toEqual(['! the topic of #quiet is locked: only operators may change it']);
    route(lines(2, '/part'));
    expect(model.rooms.has('#quiet')).toBe(false);
    route(lines(3, '/join #quiet'));
    expect(inbox(route(lines(3, '/topic x')), 3)).toEqual(['! the topic of #quiet is locked: only operators may change it']);
    route(typed('/unlock #quiet'));
    expect(inbox(route(lines(3, '/topic x')), 3)).toEqual(['* guest-3 set the topic: x']);
  });

  it('keep a topic set with --data for a room made again after a restart', () => {
    const topic: Fact = { kind: 'topic', room: '#dev', text: 'builds', by: 'ada', time: T0 };
    const { route } = server({ restored: { ...NOTHING, facts: [topic] } });
    route(open(1));
    expect(inbox(route(lines(1, '/join #dev')), 1)).toContain('* you are now in #dev (1 here); topic: builds');
  });
});

describe('facts heard from another node (factHeld)', () => {
  it('a ban closes the connections here that it names; a mute and an operator take hold', () => {
    const { model, route } = withOperator();
    route(open(4, '10.3.3.3'));
    const banned = factHeld(model, { kind: 'ban', target: '10.3.0.0/16', reason: 'spam', by: 'zoe', time: T0 });
    expect(closed(banned)).toEqual([4]);
    expect(inbox(banned, 4)).toEqual(['! banned: spam (until further notice)']);
    expect(logged(banned, 'moderation')).toEqual([
      {
        type: 'moderation',
        action: 'ban',
        by: 'zoe',
        target: '10.3.0.0/16',
        text: '10.3.0.0/16 was banned by zoe on another node (banned: spam (until further notice))',
      },
    ]);
    expect(closed(factHeld(model, { kind: 'ban', target: 'ada', nick: 'ada', reason: '', by: 'zoe', time: T0 }))).toEqual([2]);
    expect(factHeld(model, { kind: 'mute', key: 'guest-3', nick: 'guest-3', by: 'zoe', time: T0 })).toEqual([]);
    expect(inbox(route(lines(3, 'hi')), 3)).toEqual(['! you are muted (until further notice)']);
    expect(inbox(route(lines(3, '/topic spam')), 3)).toEqual(['! you are muted (until further notice)']);
    expect(inbox(route(lines(3, '/msg bob spam')), 1)).toEqual(['*guest-3* spam']);
    factHeld(model, { kind: 'ban', target: '10.3.0.0/16', reason: 'spam', by: 'zoe', time: T0, lifted: true });
    expect(closed(route(open(5, '10.3.3.3')))).toEqual([]);
  });
});
