import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { BusEvent, BusRequest, ClusterMember, RoomBatch } from '../../../streams/cluster/bus.js';
import { parseConsoleLine } from '../../../streams/protocol/console-command.js';
import { DEFAULT_ADMISSION_LIMITS } from '../../../streams/server/admission.js';
import type { Effect, LogEntry, RouterEvent } from '../../../streams/server/events.js';
import type { HistoryEntry } from '../../../streams/server/history.js';
import type { ConnId } from '../../../streams/server/model.js';
import { createRouter, type Router, type RouterOptions } from '../../../streams/server/router.js';
import { RETURN_WINDOW_MS } from '../../../streams/server/private-lines.js';
import { KEPT_TOPICS } from '../../../streams/server/topic-lock.js';

const TIME = '1970-01-01T00:00:00.000Z';
const SELF = { node: 'n1', instance: 'i1' };
const elsewhere = (nick: string, node = 'n2', instance = `i${node.slice(1)}`, room = '#lobby'): ClusterMember => ({
  nick,
  room,
  node,
  instance,
});

/** A router that is node n1 of a cluster (unless `cluster` says otherwise), its bus not up yet. */
const createNode = (options: Partial<RouterOptions> = {}): Router =>
  createRouter({ name: 'server', mode: 'room', admission: DEFAULT_ADMISSION_LIMITS, now: () => 0, cluster: SELF, ...options });

// Events, as the server's streams and the bus produce them.
const open = (id: ConnId): RouterEvent => ({ kind: 'open', id, ip: `10.0.0.${id}`, port: 4000 });
const lines = (id: ConnId, ...batch: string[]): RouterEvent => ({ kind: 'lines', id, lines: batch });
const cap = (id: ConnId, session: string): RouterEvent => lines(id, `/cap tcpchat session=${session}`);
const bus = (event: BusEvent): RouterEvent => ({ kind: 'bus', event });
const up = (members: ClusterMember[] = [], history: HistoryEntry[] = [], epoch = 'E'): RouterEvent =>
  bus({ type: 'up', epoch, history, members, facts: [] });
const claimed = (conn: ConnId, nick: string, ok = true): RouterEvent => bus({ type: 'claimed', conn, nick, ok });
/** Room lines numbered by the cluster: our own request coming back, or lines said on another node. */
const roomEvent = (first: number, batch: Omit<RoomBatch, 'first'>): RouterEvent => bus({ type: 'room', batch: { first, ...batch } });
const saidOn = (member: ClusterMember, first: number, lines: string[], more: Partial<RoomBatch> = {}): RouterEvent =>
  roomEvent(first, { time: 0, room: '#lobby', lines, instance: member.instance, node: member.node, ...more });

// What the effects mean.
const inbox = (effects: readonly Effect[], id: ConnId): string[] =>
  effects.flatMap((effect) => (effect.kind === 'send' && effect.to.includes(id) ? effect.lines : []));
const requests = (effects: readonly Effect[]): BusRequest[] => effects.flatMap((effect) => (effect.kind === 'bus' ? [effect.request] : []));
const roomRequest = (effects: readonly Effect[]): Extract<BusRequest, { type: 'room' }> => {
  const found = requests(effects).filter((request) => request.type === 'room');
  expect(found).toHaveLength(1);
  return found[0] as Extract<BusRequest, { type: 'room' }>;
};
const logged = (effects: readonly Effect[]): LogEntry[] => effects.flatMap((effect) => (effect.kind === 'log' ? effect.entries : []));
/** What the effects do, in order, one line each (logs left out). */
const story = (effects: readonly Effect[]): string[] =>
  effects.flatMap((effect) => {
    switch (effect.kind) {
      case 'send':
        return effect.lines.map((line) => `to ${effect.to.join(',')}: ${line}`);
      case 'bus':
        return effect.request.type === 'room' ? effect.request.batch.lines.map((line) => `room: ${line}`) : [`bus ${effect.request.type}`];
      case 'close':
        return [`close ${effect.id}: ${effect.reason}`];
      default:
        return [];
    }
  });
const who = (route: Router, id: ConnId): string[] => inbox(route(lines(id, '/who')), id);

/** Node n1 with members 1..n (joined while it was alone, `tagged` after /cap as s<id>), then the bus up with `members`. */
function clusterRoom(n: number, members: ClusterMember[] = [], options: { tagged?: ConnId[] } & Partial<RouterOptions> = {}): Router {
  const route = createNode(options);
  for (let id = 1; id <= n; id++) route(open(id));
  for (const id of options.tagged ?? []) route(cap(id, `s${id}`));
  route(up(members));
  return route;
}

describe('createRouter as a node of a cluster', () => {
  it('before the bus is up works as a lone server: local guest nicks, local relay, no requests', () => {
    const route = createNode();
    expect(route(open(1))).toEqual([
      {
        kind: 'send',
        to: [1],
        lines: ['* welcome to server, you are guest-1 in #lobby; /help lists commands', '* you are now in #lobby (1 here); no topic'],
      },
      { kind: 'send', to: [1], lines: ['* this server has not joined its cluster yet: only the people on it hear you until it has'] },
      { kind: 'log', entries: [{ type: 'join', id: 1, from: 'guest-1', address: '10.0.0.1:4000', room: '#lobby' }] },
    ]);
    route(open(2));
    expect(story(route(lines(1, 'hi', '/nick alice')))).toEqual([
      'to 2: <guest-1> hi',
      'to 1: * you are now alice',
      'to 2: * guest-1 is now alice',
    ]);
    // Once it has joined, those it told it had not are told it has.
    expect(inbox(route(up([elsewhere('bob')])), 1)).toEqual(['* joined the cluster: 3 online']);
  });

  describe('when the bus comes up', () => {
    const bob = elsewhere('bob');
    const history = [
      { seq: 7, time: 0, line: '<bob> earlier' },
      { seq: 8, time: 0, line: '<bob> later' },
    ];

    it('syncs its members (with when each took its nick, while apart) and last sequence number, and lists the remote members in /who', () => {
      let now = 1000;
      const route = createNode({ now: () => now });
      route(open(1));
      route(lines(1, '/nick alice'));
      now = 2000;
      route(open(2));
      route(cap(2, 's2'));
      // The cluster still lists alice from this instance's last time up: not a remote member.
      const effects = route(up([bob, { nick: 'alice', room: '#lobby', ...SELF }], history));
      expect(requests(effects)).toEqual([
        {
          type: 'sync',
          lastSeq: 8,
          members: [
            { conn: 1, nick: 'alice', key: 'allce', room: '#lobby', session: undefined, since: 1000 },
            { conn: 2, nick: 'guest-2', key: 'guest-2', room: '#lobby', session: 's2', since: 2000 },
          ],
        },
      ]);
      expect(logged(effects)).toEqual([{ type: 'notice', text: 'joined the cluster as node n1: 1 elsewhere' }]);
      expect(who(route, 1)).toEqual(['* online in #lobby (4): server (n1), alice (n1), guest-2 (n1), bob (n2)']);
    });

    it("counts none of its own killed run's members, which the cluster holds until their presence expires", () => {
      const route = clusterRoom(1, [bob, { nick: 'ghost', room: '#lobby', node: 'n1', instance: 'i0' }]);
      expect(who(route, 1)).toEqual(['* online in #lobby (3): server (n1), guest-1 (n1), bob (n2)']);
      route(open(2));
      expect(inbox(route(claimed(2, 'guest-2')), 2)).toContain('* you are now in #lobby (3 here); no topic');
    });

    it("takes the cluster's history: /history shows it, and a newcomer's resume replays from it", () => {
      const route = createNode();
      route(open(1));
      route(up([bob], history));
      expect(inbox(route(lines(1, '/history')), 1)).toEqual([
        '* history: the last 2 lines',
        '<bob> earlier',
        '<bob> later',
        '* end of history',
      ]);
      route(open(2));
      route(claimed(2, 'carol'));
      expect(inbox(route(lines(2, '/cap tcpchat session=s2 resume=E:7')), 2)).toEqual([
        '@cap=tcpchat;epoch=E;seq=8;privates=0;missed=1',
        `@seq=8;time=${TIME};replay <bob> later`,
      ]);
    });

    it('replays the cluster history on resume to a member that joined before it came up', () => {
      const route = createNode();
      route(open(1));
      route(up([bob], history));
      expect(inbox(route(lines(1, '/cap tcpchat session=s1 resume=E:7')), 1)).toEqual([
        '@cap=tcpchat;epoch=E;seq=8;privates=0;missed=1',
        `@seq=8;time=${TIME};replay <bob> later`,
      ]);
    });
  });

  describe('room lines', () => {
    it("go to the cluster as one request, with a tagged client's ids, and to nobody here yet", () => {
      const route = clusterRoom(3, [], { tagged: [1, 2] });
      expect(route(lines(1, '@id=s1.1 hi', '@id=s1.2 there'))).toEqual([
        {
          kind: 'bus',
          request: {
            type: 'room',
            batch: {
              time: 0,
              room: '#lobby',
              lines: ['<guest-1> hi', '<guest-1> there'],
              instance: 'i1',
              node: 'n1',
              conn: 1,
              author: 's1',
              ids: ['s1.1', 's1.2'],
            },
          },
        },
        {
          kind: 'log',
          entries: [
            {
              type: 'messages',
              id: 1,
              from: 'guest-1',
              texts: ['hi', 'there'],
              lines: ['<guest-1> hi', '<guest-1> there'],
              room: '#lobby',
            },
          ],
        },
        { kind: 'send', to: [1], lines: ['@ack=s1.2'] },
      ]);
    });

    it('coming back reach every member here but the author, numbered by the cluster, and are not logged again', () => {
      const route = clusterRoom(3, [], { tagged: [1, 2] });
      const { batch } = roomRequest(route(lines(1, '@id=s1.1 hi', '@id=s1.2 there')));
      expect(route(roomEvent(20, batch))).toEqual([
        { kind: 'send', to: [3], lines: ['<guest-1> hi', '<guest-1> there'] },
        { kind: 'send', to: [2], lines: [`@seq=20;time=${TIME} <guest-1> hi`, `@seq=21;time=${TIME} <guest-1> there`] },
      ]);
      expect(inbox(route(lines(3, '/history 2')), 3)).toEqual([
        '* history: the last 2 lines',
        '<guest-1> hi',
        '<guest-1> there',
        '* end of history',
      ]);
    });

    it('never come back on resume to the client whose earlier attempt joined with them, its session named after they were sent', () => {
      const route = clusterRoom(1);
      route(open(2));
      const joinRequest = roomRequest(route(claimed(2, 'guest-7'))); // its join, said before /cap
      route(lines(2, '/cap tcpchat session=s resume=E:0')); // the attempt's answer is lost with its link
      route(roomEvent(1, joinRequest.batch));
      route(open(3)); // the next attempt
      route(roomEvent(2, roomRequest(route(claimed(3, 'guest-8'))).batch));
      const replayed = inbox(route(lines(3, '/cap tcpchat session=s resume=E:0')), 3);
      expect(replayed.filter((line) => line.includes('joined'))).toEqual([]);
    });

    it('never reach their author, even a client that has since moved here from the node it said them on', () => {
      const bob = elsewhere('bob');
      const route = clusterRoom(2, [bob], { tagged: [1, 2] });
      expect(story(route(saidOn(bob, 5, ['<mover> said on n2'], { conn: 9, author: 's1' })))).toEqual([
        `to 2: @seq=5;time=${TIME} <mover> said on n2`,
      ]);
    });

    it('said on another node reach every member here and are logged as remote', () => {
      const bob = elsewhere('bob');
      const route = clusterRoom(2, [bob]);
      expect(route(saidOn(bob, 5, ['<bob> yo'], { conn: 1 }))).toEqual([
        { kind: 'send', to: [1, 2], lines: ['<bob> yo'] },
        { kind: 'log', entries: [{ type: 'remote', node: 'n2', lines: ['<bob> yo'], room: '#lobby' }] },
      ]);
    });

    it('not sent while the bus stays up reach the members here without a number, which the cluster gives next', () => {
      const route = clusterRoom(2, [], { tagged: [2] });
      const unsent = roomRequest(route(lines(1, 'hi')));
      expect(route(bus({ type: 'unsent', request: unsent }))).toEqual([{ kind: 'send', to: [2], lines: [`@time=${TIME} <guest-1> hi`] }]);
      // The sync said lastSeq 2, so the cluster numbers its next line 3; a tagged client drops a live line numbered like one seen.
      expect(inbox(route(saidOn(elsewhere('bob'), 3, ['<bob> next'])), 2)).toEqual([`@seq=3;time=${TIME} <bob> next`]);
    });
  });

  describe('a join', () => {
    it('claims a nick, holds what the newcomer says until the claim is answered, then handles it in order', () => {
      const route = clusterRoom(1);
      expect(route(open(2))).toEqual([{ kind: 'bus', request: { type: 'claim', conn: 2 } }]);
      expect(route(lines(2, 'one'))).toEqual([]);
      expect(route(lines(2, 'two', '/who'))).toEqual([]);
      const effects = route(claimed(2, 'guest-7'));
      expect(story(effects)).toEqual([
        'to 2: * welcome to server, you are guest-7 in #lobby; /help lists commands',
        'to 2: * you are now in #lobby (2 here); no topic',
        'room: * guest-7 joined',
        'room: <guest-7> one',
        'room: <guest-7> two',
        'to 2: * online in #lobby (3): server (n1), guest-1 (n1), guest-7 (n1)',
      ]);
      expect(logged(effects)[0]).toEqual({ type: 'join', id: 2, from: 'guest-7', address: '10.0.0.2:4000', room: '#lobby' });
    });

    it('a newcomer that says its lines and ends its side before the claim is answered is welcomed, has them said, then leaves and is closed', () => {
      const route = clusterRoom(1);
      route(open(2));
      route(lines(2, 'piped line'));
      expect(route({ kind: 'closed', id: 2, reason: 'connection closed' })).toEqual([]);
      expect(story(route(claimed(2, 'guest-7')))).toEqual([
        'to 2: * welcome to server, you are guest-7 in #lobby; /help lists commands',
        'to 2: * you are now in #lobby (2 here); no topic',
        'room: * guest-7 joined',
        'room: <guest-7> piped line',
        'room: * guest-7 left (connection closed)',
        'bus release',
        'close 2: connection closed',
      ]);
      expect(who(route, 1)).toEqual(['* online in #lobby (2): server (n1), guest-1 (n1)']);
    });
  });

  describe('/nick', () => {
    it('claims the nick with the previous one and the session', () => {
      const route = clusterRoom(1, [], { tagged: [1] });
      expect(requests(route(lines(1, '/nick alice')))).toEqual([
        { type: 'claim', conn: 1, nick: 'alice', key: 'allce', previous: 'guest-1', previousKey: 'guest-l', session: 's1' },
      ]);
    });

    it('renames once the claim is granted; the rest of its batch and later lines wait for that', () => {
      const route = clusterRoom(2);
      expect(story(route(lines(1, 'before', '/nick alice', 'after', '/who')))).toEqual(['room: <guest-1> before', 'bus claim']);
      expect(route(lines(1, 'later'))).toEqual([]);
      expect(story(route(claimed(1, 'alice')))).toEqual([
        'to 1: * you are now alice',
        'room: * guest-1 is now alice',
        'room: <alice> after',
        'to 1: * online in #lobby (3): server (n1), alice (n1), guest-2 (n1)',
        'room: <alice> later',
      ]);
    });

    it('lines after a /nick from a client that ends its side before the claim is answered are said under the new nick, then it leaves and is closed', () => {
      const route = clusterRoom(2);
      route(lines(1, '/nick alice', 'piped line'));
      expect(route({ kind: 'closed', id: 1, reason: 'connection closed' })).toEqual([]);
      expect(story(route(claimed(1, 'alice')))).toEqual([
        'to 1: * you are now alice',
        'room: * guest-1 is now alice',
        'room: <alice> piped line',
        'room: * alice left (connection closed)',
        'bus release',
        'close 1: connection closed',
      ]);
    });

    it('refuses a look-alike of a member on another node at once, naming that member, without asking the cluster', () => {
      const route = clusterRoom(1, [elsewhere('bob')]);
      expect(route(lines(1, '/nick b\u043eb'))).toEqual([
        { kind: 'send', to: [1], lines: ['! nick b\u043eb looks like bob, which is taken'] },
      ]);
    });

    it('is refused when the cluster says the nick is taken, and the held lines go on under the old nick', () => {
      const route = clusterRoom(2);
      route(lines(2, '/nick bob', 'still me'));
      expect(story(route(claimed(2, 'bob', false)))).toEqual(['to 2: ! nick bob is taken', 'room: <guest-2> still me']);
      expect(who(route, 1)).toEqual(['* online in #lobby (3): server (n1), guest-1 (n1), guest-2 (n1)']);
    });
  });

  describe('private messages', () => {
    const bob = elsewhere('bob');

    it('to a member on another node go through the cluster; one that cannot be sent is an error to the sender, naming it', () => {
      const route = clusterRoom(2, [bob]);
      const effects = route(lines(1, '/msg BOB psst'));
      expect(effects).toEqual([
        { kind: 'bus', request: { type: 'private', from: 1, instance: 'i2', to: 'bob', line: '*guest-1* psst' } },
        { kind: 'send', to: [1], lines: ['*-> bob* psst'] },
      ]);
      expect(route(bus({ type: 'unsent', request: requests(effects)[0] }))).toEqual([
        { kind: 'send', to: [1], lines: ["! your private line to bob did not go out (bob's server cannot be reached now): psst"] },
      ]);
    });

    it('to a member of another node whose client lost its link a moment ago go on to its node, which keeps them for its return; the sender is told so', () => {
      let now = 0;
      const route = clusterRoom(2, [bob], { now: () => now });
      const console = (line: string): RouterEvent => ({ kind: 'console', command: parseConsoleLine(line) });
      route(bus({ type: 'left', member: bob, away: true }));
      const kept = '* bob lost its connection a moment ago; your private line is kept for when it is back';
      expect(route(lines(1, '/msg bob psst'))).toEqual([
        { kind: 'bus', request: { type: 'private', from: 1, instance: 'i2', to: 'bob', line: '*guest-1* psst' } },
        { kind: 'send', to: [1], lines: [kept] },
      ]);
      expect(route(console('/msg bob from the desk'))).toEqual([
        { kind: 'bus', request: { type: 'private', from: undefined, instance: 'i2', to: 'bob', line: '*server* from the desk' } },
        { kind: 'log', entries: [{ type: 'notice', text: kept.slice(2) }] },
      ]);
      now = RETURN_WINDOW_MS + 1;
      expect(inbox(route(lines(1, '/msg bob psst')), 1)).toEqual(['! no such nick: bob']);
    });

    it('to a member of another node that quit, or was kicked, after its link was lost are refused: nothing is kept for it', () => {
      const route = clusterRoom(2, [bob]);
      route(bus({ type: 'left', member: bob, away: true }));
      route(bus({ type: 'joined', member: bob }));
      route(bus({ type: 'left', member: bob }));
      expect(inbox(route(lines(1, '/msg bob psst')), 1)).toEqual(['! no such nick: bob']);
    });

    it('a tagged member here whose link is lost leaves the cluster as away (its node keeps its lines); one that quits does not', () => {
      const route = clusterRoom(2, [], { tagged: [1, 2] });
      route(lines(1, '/nick ada'));
      route(claimed(1, 'ada'));
      route(lines(2, '/nick bea'));
      route(claimed(2, 'bea'));
      const release = (effects: readonly Effect[]) => requests(effects).filter((request) => request.type === 'release');
      expect(release(route({ kind: 'closed', id: 1, reason: 'connection reset' }))).toEqual([
        { type: 'release', nick: 'ada', key: 'ada', away: true },
      ]);
      expect(release(route(lines(2, '/quit')))).toEqual([{ type: 'release', nick: 'bea', key: 'bea' }]);
    });

    it('to a nick whose client is back and taking it again (the claim in flight) reach that client at once, from here and from other nodes', () => {
      const route = clusterRoom(2, [bob], { tagged: [1, 2] });
      route(lines(1, '/nick ada'));
      route(claimed(1, 'ada'));
      route({ kind: 'closed', id: 1, reason: 'connection reset' });
      route(open(3));
      route(claimed(3, 'guest-3'));
      route(lines(3, '/cap tcpchat session=s1', '/nick ada'));
      const here = route(lines(2, '/msg ada psst'));
      expect(inbox(here, 2)).toEqual([expect.stringMatching(/ \*-> ada\* psst$/)]);
      expect(inbox(here, 3)).toEqual([expect.stringMatching(/^@pm=\d+;time=\S+ \*guest-2\* psst$/)]);
      const fromBob = route(bus({ type: 'private', to: 'ada', line: '*bob* hi' }));
      expect(inbox(fromBob, 3)).toEqual([expect.stringMatching(/ \*bob\* hi$/)]);
      // Refused ada (someone else took it meanwhile), it settles under its guest nick: ada's lines are no longer for it.
      route(claimed(3, 'ada', false));
      expect(inbox(route(lines(2, '/msg ada psst')), 2)).toEqual([expect.stringMatching(/ ! no such nick: ada$/)]);
    });

    it('to a nick whose client came back before its old link was found dead reach the new link while it takes the nick again', () => {
      const route = clusterRoom(2, [], { tagged: [1, 2] });
      route(lines(1, '/nick ada'));
      route(claimed(1, 'ada'));
      route(open(3));
      route(claimed(3, 'guest-3'));
      const back = route(lines(3, '/cap tcpchat session=s1', '/nick ada'));
      expect(requests(back).filter((request) => request.type === 'release')).toEqual([
        { type: 'release', nick: 'ada', key: 'ada', away: true },
      ]);
      expect(inbox(route(lines(2, '/msg ada psst')), 3)).toEqual([expect.stringMatching(/ \*guest-2\* psst$/)]);
    });

    it('handed back as not gone out, then taken all the same (Redis was paused, not lost), tells the sender, the console in its log', () => {
      const route = clusterRoom(2, [bob]);
      const console = (line: string): RouterEvent => ({ kind: 'console', command: parseConsoleLine(line) });
      const [member] = requests(route(lines(1, '/msg bob psst'))) as Extract<BusRequest, { type: 'private' }>[];
      const [desk] = requests(route(console('/msg bob from the desk'))) as Extract<BusRequest, { type: 'private' }>[];
      expect(route(bus({ type: 'went', request: member }))).toEqual([
        { kind: 'send', to: [1], lines: ['* your private line to bob went out after all (it reached the cluster late): psst'] },
      ]);
      expect(logged(route(bus({ type: 'went', request: desk })))).toEqual([
        { type: 'notice', text: 'your private line to bob went out after all (it reached the cluster late): from the desk' },
      ]);
    });

    it('to a nick not here while apart from the cluster (or a /kick): it may be on a server that cannot be reached now, not "no such nick"', () => {
      const route = clusterRoom(1, [bob]);
      route(bus({ type: 'down', reason: 'connection lost' }));
      expect(inbox(route(lines(1, '/msg bob psst')), 1)).toEqual([
        '! bob is not on this server, and may be on another that cannot be reached now',
      ]);
      const console = (line: string): RouterEvent => ({ kind: 'console', command: parseConsoleLine(line) });
      expect(logged(route(console('/msg bob psst')))).toEqual([
        { type: 'error', text: 'bob is not on this server, and may be on another that cannot be reached now' },
      ]);
      expect(logged(route(console('/kick bob')))).toEqual([
        { type: 'error', text: 'bob is not on this server, and may be on another that cannot be reached now' },
      ]);
      route(up([bob]));
      expect(inbox(route(lines(1, '/msg nobody psst')), 1)).toEqual(['! no such nick: nobody']);
    });

    it("from the console to a member on another node go through the cluster, signed with the console's name", () => {
      const route = clusterRoom(1, [bob]);
      const console = (line: string): RouterEvent => ({ kind: 'console', command: parseConsoleLine(line) });
      const effects = route(console('/msg bob from the desk'));
      expect(effects).toEqual([
        { kind: 'bus', request: { type: 'private', from: undefined, instance: 'i2', to: 'bob', line: '*server* from the desk' } },
        { kind: 'log', entries: [{ type: 'private', from: 'server', to: 'bob', text: 'from the desk' }] },
      ]);
      expect(route(bus({ type: 'unsent', request: requests(effects)[0] }))).toEqual([
        {
          kind: 'log',
          entries: [{ type: 'error', text: "your private line to bob did not go out (bob's server cannot be reached now): from the desk" }],
        },
      ]);
      expect(logged(route(console('/who')))).toEqual([
        { type: 'notice', text: '1 connected, 1 on other nodes' },
        { type: 'notice', text: 'guest-1 (10.0.0.1:4000)' },
        { type: 'notice', text: 'bob (node n2)' },
      ]);
      expect(logged(route(console('/who #lobby')))).toEqual([
        { type: 'notice', text: '1 in #lobby, 1 on other nodes' },
        { type: 'notice', text: 'guest-1 (10.0.0.1:4000)' },
        { type: 'notice', text: 'bob (node n2)' },
      ]);
    });

    it('from another node reach the local member named', () => {
      const route = clusterRoom(2, [bob]);
      expect(route(bus({ type: 'private', to: 'GUEST-2', line: '*bob* hi' }))).toEqual([{ kind: 'send', to: [2], lines: ['*bob* hi'] }]);
      expect(route(bus({ type: 'private', to: 'nobody', line: '*bob* hi' }))).toEqual([]);
    });

    it('from another node are numbered and kept here, where the member is, for a tagged client', () => {
      const route = clusterRoom(2, [bob]);
      route(cap(2, 's2'));
      expect(inbox(route(bus({ type: 'private', to: 'guest-2', line: '*bob* hi' })), 2)).toEqual([`@pm=1;time=${TIME} *bob* hi`]);
      route(open(3));
      route(claimed(3, 'guest-3'));
      const back = inbox(route(lines(3, '/cap tcpchat session=s2 resume=E:0 privates=0:0')), 3);
      expect(back).toContain(`@pm=1;time=${TIME};replay *bob* hi`);
    });
  });

  describe('/kick', () => {
    const bob = elsewhere('bob', 'n2', 'i2', '#dev');
    const console = (line: string): RouterEvent => ({ kind: 'console', command: parseConsoleLine(line) });

    it('of a member on another node asks its node to close it (which tells the room), and once that node has it logs who did it', () => {
      const route = clusterRoom(2, [bob]);
      route(lines(2, '/join #dev'));
      const effects = route(console('/kick BOB bye'));
      expect(story(effects)).toEqual(['bus kick']); // nothing said before it is done
      const request = requests(effects)[0];
      expect(request).toEqual({
        type: 'kick',
        from: undefined,
        instance: 'i2',
        to: 'bob',
        room: '#dev',
        line: '* you were kicked by server: bye',
        reason: 'kicked by server: bye',
      });
      const done = route(bus({ type: 'kicked', request: request as Extract<BusRequest, { type: 'kick' }> }));
      expect(story(done)).toEqual([]); // bob's node told the room
      expect(logged(done)).toEqual([
        {
          type: 'moderation',
          action: 'kick',
          by: 'server',
          target: 'bob',
          text: 'bob was kicked by server: bye',
          room: '#dev',
          elsewhere: true,
        },
      ]);
    });

    it("shows the kicker's console the kick once: its record, not the notice the member's node tells the room, which the members here get", () => {
      const route = clusterRoom(1, [bob]);
      const request = requests(route(console('/kick bob bye')))[0] as Extract<BusRequest, { type: 'kick' }>;
      expect(logged(route(bus({ type: 'kicked', request })))).toHaveLength(1);
      const notice = route(saidOn(bob, 9, ['* bob was kicked by server: bye']));
      expect(story(notice)).toEqual(['to 1: * bob was kicked by server: bye']);
      expect(logged(notice)).toEqual([]);
      // Another notice alike (a kick from elsewhere, after this one) is shown as any line from another node.
      expect(logged(route(saidOn(bob, 10, ['* bob was kicked by server: bye'])))).toHaveLength(1);
    });

    it('of a member on a node that never says it has the kick (cut off from Redis) tells the kicker it was not kicked, and announces nothing', () => {
      const route = clusterRoom(1, [bob]);
      const request = requests(route(console('/kick bob bye')))[0];
      expect(route(bus({ type: 'unsent', request }))).toEqual([
        {
          kind: 'log',
          entries: [
            {
              type: 'error',
              text: 'bob is on another server that cannot be reached now; bob was not kicked (a /ban holds there once it is back)',
            },
          ],
        },
      ]);
    });

    it('by an operator in another room tells the operator once done; done after it was told it was not, tells it so', () => {
      const route = clusterRoom(2, [bob]);
      route(lines(2, '/join #dev'));
      // As the bus hands back the request of guest-1, an operator (made one the long way in moderation.spec.ts).
      const asked = requests(route(console('/kick bob bye')))[0] as Extract<BusRequest, { type: 'kick' }>;
      const request = { ...asked, from: 1, line: '* you were kicked by guest-1: bye', reason: 'kicked by guest-1: bye' };
      expect(story(route(bus({ type: 'kicked', request })))).toEqual(['to 1: * bob was kicked by guest-1: bye']);
      route(bus({ type: 'unsent', request }));
      const late = route(bus({ type: 'kicked', request, late: true }));
      expect(story(late)).toEqual(['to 1: * bob was kicked by guest-1: bye after all: its server answered late']);
      expect(logged(late)).toMatchObject([{ type: 'moderation', action: 'kick', by: 'guest-1', target: 'bob', room: '#dev' }]);
    });

    it('of a nick online nowhere in the cluster is refused', () => {
      const route = clusterRoom(1, [bob]);
      expect(route(console('/kick nobody'))).toEqual([{ kind: 'log', entries: [{ type: 'error', text: 'no such nick: nobody' }] }]);
    });

    it('from another node closes the member named here, telling it why, and tells its room it was kicked (not that it left)', () => {
      const route = clusterRoom(2, [bob]);
      const line = '* you were kicked by bob: bye';
      const effects = route(bus({ type: 'kick', to: 'GUEST-2', line, reason: 'kicked by bob: bye' }));
      expect(story(effects)).toEqual([
        `to 2: ${line}`,
        'bus release',
        'close 2: kicked by bob: bye',
        'room: * guest-2 was kicked by bob: bye',
      ]);
      expect(roomRequest(effects).batch.room).toBe('#lobby');
      expect(who(route, 1)).toEqual(['* online in #lobby (2): server (n1), guest-1 (n1)']);
      expect(route(bus({ type: 'kick', to: 'nobody', line, reason: 'kicked by bob: bye' }))).toEqual([]);
    });
  });

  describe('when the bus goes down', () => {
    it('tells the members here, forgets the remote ones and relays locally again, unsent lines too', () => {
      const route = clusterRoom(2, [elsewhere('bob')]);
      const unsent = roomRequest(route(lines(1, 'hi')));
      expect(route(bus({ type: 'down', reason: 'connection lost' }))).toEqual([
        {
          kind: 'send',
          to: [1, 2],
          lines: ['* lost touch with the rest of the cluster: only the people on this server hear you until it is back'],
        },
        { kind: 'log', entries: [{ type: 'error', text: 'lost the cluster: connection lost' }] },
      ]);
      expect(who(route, 1)).toEqual(['* online in #lobby (3): server (n1), guest-1 (n1), guest-2 (n1)']);
      expect(route(bus({ type: 'unsent', request: unsent }))).toEqual([{ kind: 'send', to: [2], lines: ['<guest-1> hi'] }]);
      expect(story(route(lines(1, 'again')))).toEqual(['to 2: <guest-1> again']);
      expect(story(route(open(3)))).toEqual([
        'to 3: * welcome to server, you are guest-3 in #lobby; /help lists commands',
        'to 3: * you are now in #lobby (3 here); no topic',
        'to 3: * history: the last 2 lines',
        'to 3: <guest-1> hi',
        'to 3: <guest-1> again',
        'to 3: * end of history',
        'to 3: * this server is apart from the rest of the cluster now: only the people on it hear you until it is back',
        'to 1,2: * guest-3 joined',
      ]);
    });

    it('and comes back, says so and syncs again', () => {
      const route = clusterRoom(1, [elsewhere('bob')]);
      route(bus({ type: 'down', reason: 'connection lost' }));
      const effects = route(up([elsewhere('bob')]));
      expect(story(effects)).toEqual(['bus sync', 'to 1: * back in the cluster: 2 online']);
    });

    it('and comes back: lines the cluster numbered at or below what this server numbered alone meanwhile go marked as replayed (a tagged client drops an unmarked number it has passed)', () => {
      const bob = elsewhere('bob');
      const route = clusterRoom(2, [bob], { tagged: [1] });
      route(saidOn(bob, 1, ['<bob> one']));
      route(bus({ type: 'down', reason: 'connection lost' }));
      expect(inbox(route(lines(2, 'alone', 'here')), 1)).toEqual([
        expect.stringMatching(/^@seq=3;\S+ <guest-2> alone$/),
        expect.stringMatching(/^@seq=4;\S+ <guest-2> here$/),
      ]);
      route(up([bob], [{ seq: 1, time: 0, line: '<bob> one' }]));
      const late = route(saidOn(bob, 2, ['<bob> two']));
      expect(inbox(late, 1)).toEqual([expect.stringMatching(/^@seq=2;\S+;replay <bob> two$/)]);
      expect(inbox(late, 2)).toEqual(['<bob> two']);
      expect(inbox(route(saidOn(bob, 5, ['<bob> five'])), 1)).toEqual([expect.stringMatching(/^@seq=5;time=[^; ]+ <bob> five$/)]);
    });

    it('and comes back: a nick taken meanwhile is synced with when it was taken (whoever took it first keeps it); one the cluster gave, without', () => {
      let now = 0;
      const route = clusterRoom(3, [], { now: () => now });
      route(lines(2, '/nick bea'));
      route(claimed(2, 'bea'));
      // A claim the bus hands back once down was timed by the bus when asked: not now.
      const [cal] = requests(route(lines(3, '/nick cal')));
      route(bus({ type: 'down', reason: 'connection lost' }));
      now = 5000;
      expect(inbox(route(bus({ type: 'unsent', request: cal })), 3)).toEqual(['* you are now cal']);
      route(lines(1, '/nick zed'));
      const [sync] = requests(route(up()));
      expect(sync.type === 'sync' && sync.members).toEqual([
        { conn: 1, nick: 'zed', key: 'zed', room: '#lobby', session: undefined, since: 5000 },
        { conn: 2, nick: 'bea', key: 'bea', room: '#lobby', session: undefined },
        { conn: 3, nick: 'cal', key: 'cal', room: '#lobby', session: undefined },
      ]);
    });
  });

  describe('back from apart, about the people on the other nodes', () => {
    const [bob, carol, dave, fay] = [elsewhere('bob'), elsewhere('carol'), elsewhere('dave', 'n3'), elsewhere('fay', 'n2', 'i2', '#dev')];
    const [eve, gus] = [elsewhere('eve'), elsewhere('gus', 'n3')];
    const down = bus({ type: 'down', reason: 'connection lost' });
    const meanwhile = '(while this server was apart from the cluster)';
    /** Back, with reports from `nodes` of lines that never crossed: they were apart too, and their people's own notices with them. */
    const upApart = (members: ClusterMember[], ...nodes: string[]): RouterEvent =>
      bus({ type: 'up', epoch: 'E', history: [], members, facts: [], missed: nodes.map((node) => ({ node, lines: 1 })) });
    const comings = (effects: readonly Effect[]): string[] => story(effects).filter((line) => / (left|joined|is now) /.test(line));

    it('tells each room who left the other nodes and who joined them meanwhile, once each, and nothing of those who stayed', () => {
      const route = clusterRoom(2, [bob, carol, dave, fay]);
      route(lines(2, '/join #dev'));
      route(down);
      const effects = route(upApart([bob, eve, dave, gus, { ...fay, room: '#lobby' }], 'n2', 'n3'));
      // Fay moved from #dev to #lobby: #dev hears where she went, #lobby that she came.
      expect(comings(effects)).toEqual([
        `to 1: * carol left ${meanwhile}`,
        `to 1: * fay joined ${meanwhile}`,
        `to 1: * eve joined ${meanwhile}`,
        `to 1: * gus joined ${meanwhile}`,
        `to 2: * fay left for #lobby ${meanwhile}`,
      ]);
      // The console hears it from each node apart.
      expect(logged(effects).filter((entry) => entry.type === 'remote')).toEqual([
        {
          type: 'remote',
          node: 'n2',
          lines: [`* carol left ${meanwhile}`, `* fay joined ${meanwhile}`, `* eve joined ${meanwhile}`],
          room: '#lobby',
        },
        { type: 'remote', node: 'n3', lines: [`* gus joined ${meanwhile}`], room: '#lobby' },
        { type: 'remote', node: 'n2', lines: [`* fay left for #lobby ${meanwhile}`], room: '#dev', elsewhere: true },
      ]);
      expect(who(route, 1)).toEqual([
        '* online in #lobby (7): server (n1), guest-1 (n1), bob (n2), eve (n2), dave (n3), gus (n3), fay (n2)',
      ]);
      route(down);
      expect(comings(route(upApart([bob, eve, dave, gus, { ...fay, room: '#lobby' }], 'n2', 'n3')))).toEqual([]);
    });

    it('tells a rename of a tcpchat client (by its session) as one, and a move as where it went; a plain client renamed shows as gone and come', () => {
      const [ren, mov, pla] = [{ ...elsewhere('ren'), client: 'c-ren' }, elsewhere('mov'), elsewhere('pla')];
      const route = clusterRoom(1, [ren, mov, pla]);
      route(down);
      const after = [
        { ...ren, nick: 'ren2' },
        { ...mov, room: '#dev' },
        { ...pla, nick: 'pla2' },
      ];
      expect(comings(route(upApart(after, 'n2')))).toEqual([
        `to 1: * ren is now ren2 ${meanwhile}`,
        `to 1: * mov left for #dev ${meanwhile}`,
        `to 1: * pla left ${meanwhile}`,
        `to 1: * pla2 joined ${meanwhile}`,
      ]);
    });

    it('tells everyone here how many private lines to people here the cluster no longer kept while it was cut off (whose is not known)', () => {
      const route = clusterRoom(2, [bob]);
      route(down);
      const effects = route(bus({ type: 'up', epoch: 'E', history: [], members: [bob], facts: [], privatesGone: 200 }));
      const text =
        '200 private lines to people on this server came while it was cut off from the cluster and are no longer kept: if you were expecting one, it may be among them';
      expect(story(effects)).toContain(`to 1,2: * ${text}`);
      expect(logged(effects)).toContainEqual({ type: 'notice', text });
    });

    it('tells nothing of the people of a node that was not apart: their own notices crossed, and are among the lines replayed here', () => {
      const route = clusterRoom(1, [bob, carol, dave]);
      route(down);
      expect(comings(route(upApart([bob, eve, gus], 'n3')))).toEqual([`to 1: * dave left ${meanwhile}`, `to 1: * gus joined ${meanwhile}`]);
    });

    it('does not tell as left one who came here meanwhile (a client back on this node)', () => {
      const route = clusterRoom(1, [bob, carol]);
      route(down);
      route(open(2));
      route(lines(2, '/nick bob'));
      expect(comings(route(upApart([carol], 'n2')))).toEqual([]);
    });

    it('in a room too large to announce who comes and goes, tells nobody', () => {
      const route = clusterRoom(1, [bob, carol], { announceMax: 2 });
      route(down);
      expect(comings(route(upApart([bob, eve], 'n2')))).toEqual([]);
    });

    it('in a Redis that came back empty, awaits the nodes not back yet: told by their sync, not as left when this one came back', () => {
      const route = clusterRoom(1, [bob, carol, dave]);
      route(down);
      route(down); // said once: it was apart already
      const effects = route(bus({ type: 'up', epoch: 'E', history: [], members: [dave, gus], facts: [], historyLost: true }));
      expect(story(effects).filter((line) => line.includes(' left ') || line.includes(' joined'))).toEqual([
        `to 1: * gus joined ${meanwhile}`,
      ]);
      const back = route(bus({ type: 'synced', instance: 'i2', members: [bob, eve] }));
      expect(story(back)).toEqual(['to 1: * carol left (while node n2 was apart from the cluster)', 'to 1: * eve joined']);
      expect(who(route, 1)).toEqual(['* online in #lobby (6): server (n1), guest-1 (n1), dave (n3), gus (n3), bob (n2), eve (n2)']);
    });

    it('in a Redis paused longer than the TTL, awaits the nodes whose presence expired: their sync tells nobody anything, unlike a node that lost its people', () => {
      const route = clusterRoom(1, [bob, carol, dave, gus]);
      route(down);
      // n2 (i2) is on its way back; n3's (i3) people all left while this node was apart.
      const effects = route(
        bus({ type: 'up', epoch: 'E', history: [], members: [], facts: [], expired: ['i2'], missed: [{ node: 'n3', lines: 2 }] }),
      );
      expect(story(effects).filter((line) => line.includes(' left ') || line.includes(' joined'))).toEqual([
        `to 1: * dave left ${meanwhile}`,
        `to 1: * gus left ${meanwhile}`,
      ]);
      expect(story(route(bus({ type: 'synced', instance: 'i2', members: [bob, carol] })))).toEqual([]);
      expect(who(route, 1)).toEqual(['* online in #lobby (4): server (n1), guest-1 (n1), bob (n2), carol (n2)']);
    });

    it('in a Redis that came back empty, tells as gone the people of an awaited node that is gone', () => {
      const route = clusterRoom(1, [bob, carol, dave]);
      route(down);
      route(bus({ type: 'up', epoch: 'E', history: [], members: [dave], facts: [], historyLost: true }));
      // Awaited, not known gone: a /msg to one of them may find it once its node is back.
      expect(inbox(route(lines(1, '/msg bob hi')), 1)).toEqual([
        '! bob is not on this server, and may be on another that cannot be reached now',
      ]);
      expect(story(route(bus({ type: 'gone', instance: 'i2', node: 'n2' })))).toEqual([
        'to 1: * bob left (node n2 is gone)',
        'to 1: * carol left (node n2 is gone)',
      ]);
      expect(story(route(bus({ type: 'synced', instance: 'i2', members: [] })))).toEqual([]);
    });

    it('cut off again before those nodes are back, counts what it awaited from them as known before', () => {
      const route = clusterRoom(1, [bob, carol]);
      route(down);
      route(bus({ type: 'up', epoch: 'E', history: [], members: [], facts: [], historyLost: true }));
      route(down);
      expect(comings(route(upApart([bob], 'n2')))).toEqual([`to 1: * carol left ${meanwhile}`]);
    });
  });

  describe('back from apart', () => {
    const bob = elsewhere('bob');
    const said = (first: number, ...texts: string[]): HistoryEntry[] =>
      texts.map((text, i) => ({ seq: first + i, time: 0, line: `<bob> ${text}` }));

    it('tells the others how many room lines said here never crossed: refused while up, and said while apart', () => {
      const route = clusterRoom(2, [bob]);
      route(bus({ type: 'unsent', request: roomRequest(route(lines(1, 'refused by Redis'))) })); // while up
      route(bus({ type: 'down', reason: 'Redis has not answered for 1.0 s' }));
      route(lines(1, 'apart 1', 'apart 2'));
      const sync = requests(route(up([bob]))).find((request) => request.type === 'sync');
      expect(sync).toMatchObject({ type: 'sync', missed: 3 });
      route(bus({ type: 'down', reason: 'again' }));
      expect(requests(route(up([bob]))).find((request) => request.type === 'sync')).not.toHaveProperty('missed'); // told once
    });

    it('does not count its own lines that Redis ran late, after this node gave up on them', () => {
      const route = clusterRoom(1, [bob]);
      route(bus({ type: 'down', reason: 'Redis has not answered for 1.0 s' }));
      route(
        bus({
          type: 'unsent',
          request: roomRequest([
            {
              kind: 'bus',
              request: {
                type: 'room',
                batch: { time: 0, room: '#lobby', lines: ['<guest-1> a', '<guest-1> b'], instance: 'i1', node: 'n1', conn: 1 },
              },
            },
          ]),
        }),
      );
      const late = [{ seq: 1, time: 0, line: '<guest-1> a' }];
      const effects = route(bus({ type: 'up', epoch: 'E', history: late, members: [bob], facts: [], late: [1] }));
      expect(requests(effects).find((request) => request.type === 'sync')).toMatchObject({ missed: 1 });
      expect(inbox(effects, 1)).toEqual(['* back in the cluster: 2 online']); // nothing replayed: it was shown here
    });

    it('gives the people here what was said elsewhere meanwhile, after a count, and how much more a full history may have dropped', () => {
      const route = clusterRoom(2, [bob], { historySize: 2 });
      route(saidOn(bob, 3, ['<bob> before']));
      route(bus({ type: 'down', reason: 'Redis has not answered for 1.0 s' }));
      const effects = route(up([bob], said(7, 'kept 1', 'kept 2')));
      expect(story(effects)).toEqual([
        'bus sync',
        'to 1,2: * back in the cluster: 3 online',
        'to 1,2: * while this server was apart from the cluster, 2 lines were said elsewhere; up to 3 more are no longer kept',
        'to 1: <bob> kept 1',
        'to 1: <bob> kept 2',
        'to 2: <bob> kept 1',
        'to 2: <bob> kept 2',
      ]);
      expect(story(route(bus({ type: 'down', reason: 'again' })).concat(route(up([bob], said(7, 'kept 1', 'kept 2')))))).not.toContainEqual(
        expect.stringMatching(/said elsewhere/),
      );
    });

    it("gives the people here a line said elsewhere as its link died, numbered before this server's own last line it never heard", () => {
      const route = clusterRoom(1, [bob]);
      route(saidOn(bob, 3, ['<bob> before']));
      // Its own line, numbered 5 (Redis answered on the command connection); bob's 4 died with the other one.
      const { batch } = roomRequest(route(lines(1, 'mine')));
      route(roomEvent(5, batch));
      route(bus({ type: 'down', reason: 'Redis has not answered for 1.0 s' }));
      const back = route(
        up([bob], [...said(3, 'before'), ...said(4, 'as it died'), { seq: 5, time: 0, line: '<guest-1> mine' }, ...said(6, 'after')]),
      );
      expect(inbox(back, 1)).toEqual([
        '* back in the cluster: 2 online',
        '* while this server was apart from the cluster, 2 lines were said elsewhere',
        '<bob> as it died',
        '<bob> after',
      ]);
    });

    it('takes a gap in the numbers before a history that is not full for a jump, not a loss', () => {
      const route = clusterRoom(1, [bob]);
      route(saidOn(bob, 3, ['<bob> before']));
      route(bus({ type: 'down', reason: 'connection lost' }));
      expect(inbox(route(up([bob], said(9, 'after a jump'))), 1)).toEqual([
        '* back in the cluster: 2 online',
        '* while this server was apart from the cluster, 1 line was said elsewhere',
        '<bob> after a jump',
      ]);
    });

    /** Client a (connection 1) saw up to 3, then lost its link; node n1 was apart meanwhile (`apart`: what was said here then). */
    function awayThroughRejoin(apart: string[] = []): Router {
      const route = clusterRoom(2, [bob], { historySize: 3 });
      route(cap(1, 'a'));
      route(saidOn(bob, 3, ['<bob> before']));
      route({ kind: 'closed', id: 1, reason: 'connection reset' });
      route(bus({ type: 'down', reason: 'connection lost' }));
      if (apart.length > 0) route(lines(2, ...apart));
      route(up([bob], said(9, 'after a jump')));
      return route;
    }
    /** Client a back as connection `id`, resuming from `seq`: what it is sent. */
    function resumeAs(route: Router, id: ConnId, seq: number): string[] {
      route(open(id));
      route(claimed(id, `guest-${id}`));
      return inbox(route(lines(id, `/cap tcpchat session=a resume=E:${seq}`)), id);
    }

    it('tells a client resuming later of no lines gone before a history that is not full (other rooms, a jump), only of those it lost', () => {
      const route = awayThroughRejoin();
      const resumed = resumeAs(route, 3, 3);
      expect(resumed.filter((line) => line.includes('can no longer be replayed'))).toEqual([]);
      expect(resumed.filter((line) => line.includes('<bob>'))).toEqual([`@seq=9;time=${TIME};replay <bob> after a jump`]);
      // A full history may have dropped lines of this room before its first: at most that many.
      route(bus({ type: 'down', reason: 'again' }));
      route(up([bob], said(20, 'one', 'two', 'three')));
      expect(resumeAs(route, 4, 9)).toContain(`@time=${TIME} * 10 lines you missed can no longer be replayed (too old for the history)`);
    });

    it("counts as gone for a client resuming later the room's lines said here while apart, which the cluster never had", () => {
      const route = awayThroughRejoin(['said here alone']); // 4, here only
      expect(resumeAs(route, 3, 3)).toContain(`@time=${TIME} * 1 line you missed can no longer be replayed (too old for the history)`);
    });

    it("tells the people here how many lines another node's people said while it was apart", () => {
      const route = clusterRoom(1, [bob]);
      expect(route(bus({ type: 'synced', instance: 'i2', members: [bob], missed: { node: 'n2', lines: 4 } }))).toEqual([
        { kind: 'send', to: [1], lines: ['* 4 lines said on node n2 while it was apart from the cluster never reached this server'] },
        {
          kind: 'log',
          entries: [{ type: 'notice', text: '4 lines said on node n2 while it was apart from the cluster never reached this server' }],
        },
      ]);
    });

    it('keeps its own history and epoch when the cluster lost its history, and says so', () => {
      const route = clusterRoom(1, [bob]);
      route(saidOn(bob, 1, ['<bob> one', '<bob> two']));
      route(bus({ type: 'down', reason: 'connection lost' }));
      const effects = route(bus({ type: 'up', epoch: 'E', history: [], members: [bob], facts: [], historyLost: true }));
      expect(requests(effects).find((request) => request.type === 'sync')).toMatchObject({ lastSeq: 2 });
      const notice =
        "* the cluster's history was lost (its Redis came back empty): lines said before now are kept on each server alone, and those said elsewhere that only Redis held are gone";
      expect(inbox(effects, 1)).toContainEqual(notice);
      expect(inbox(route(lines(1, '/history')), 1)).toEqual(expect.arrayContaining(['<bob> one', '<bob> two']));
    });

    it('when the cluster lost its history, gives the people here what was said in the new one meanwhile (all of it while this server was apart)', () => {
      const route = clusterRoom(1, [bob]);
      route(saidOn(bob, 1, ['<bob> one', '<bob> two']));
      route(bus({ type: 'down', reason: 'connection lost' }));
      const history = [{ seq: 7, time: 0, line: '<bob> into the new Redis' }];
      const effects = route(bus({ type: 'up', epoch: 'E', history, members: [bob], facts: [], historyLost: true }));
      expect(inbox(effects, 1).slice(-2)).toEqual([
        '* while this server was apart from the cluster, 1 line was said elsewhere',
        '<bob> into the new Redis',
      ]);
    });
  });

  describe('private lines of a client back from another node', () => {
    const bob = elsewhere('bob');

    it('are asked of the node that kept them, when the cluster knows it; else the client is told they cannot be replayed here', () => {
      const route = clusterRoom(1, [bob], { privatesRun: 'i1' });
      route(open(2));
      route(claimed(2, 'guest-2'));
      const asked = route(lines(2, '/cap tcpchat session=a resume=E:0 privates=i2:3'));
      expect(requests(asked)).toContainEqual({ type: 'privates-ask', conn: 2, instance: 'i2', session: 'a', after: 3 });
      expect(inbox(asked, 2).filter((line) => line.includes('cannot be replayed'))).toEqual([]);
      route(open(3));
      route(claimed(3, 'guest-3'));
      const unknown = route(lines(3, '/cap tcpchat session=c resume=E:0 privates=i9:3'));
      expect(requests(unknown).filter((request) => request.type === 'privates-ask')).toEqual([]);
      expect(inbox(unknown, 3)).toContainEqual(
        expect.stringMatching(/cannot be replayed here: they are kept only by the server that had you then$/),
      );
      // Given back: numbered here, marked as replayed, after the notice of those no longer kept; to that session only.
      const notice = '* 1 private line to you while you were away can no longer be replayed (more came than are kept for you)';
      const given = route(bus({ type: 'privates-given', conn: 2, session: 'a', lines: [{ line: '*bob* two', time: 0 }], notice }));
      expect(inbox(given, 2)).toEqual([
        expect.stringMatching(/ \* 1 private line to you/),
        expect.stringMatching(/^@pm=1;time=\S+;replay \*bob\* two$/),
      ]);
      expect(route(bus({ type: 'privates-given', conn: 2, session: 'x', lines: [{ line: '*bob* no', time: 0 }] }))).toEqual([]);
      // Unsent (the cluster out of reach), the client is told as when that node is not known.
      const unsent = route(bus({ type: 'unsent', request: { type: 'privates-ask', conn: 2, instance: 'i2', session: 'a', after: 3 } }));
      expect(inbox(unsent, 2)).toEqual([expect.stringMatching(/cannot be replayed here/)]);
    });

    it('asked of a node that is then gone, unanswered: the client is told they cannot be replayed here', () => {
      const route = clusterRoom(1, [bob], { privatesRun: 'i1' });
      route(open(2));
      route(claimed(2, 'guest-2'));
      route(lines(2, '/cap tcpchat session=a resume=E:0 privates=i2:3'));
      expect(inbox(route(bus({ type: 'gone', instance: 'i2', node: 'n2' })), 2)).toContainEqual(
        expect.stringMatching(/cannot be replayed here: they are kept only by the server that had you then$/),
      );
    });

    it('kept here are given to the node that asks, after the last the client showed; and no longer kept for its return here', () => {
      const route = clusterRoom(2, [bob], { tagged: [1, 2], privatesRun: 'i1' });
      route(lines(1, '/nick ada'));
      route(claimed(1, 'ada'));
      route(lines(2, '/msg ada one'));
      route({ kind: 'closed', id: 1, reason: 'connection reset' });
      route(lines(2, '/msg ada two'));
      const asked = route(bus({ type: 'privates-asked', conn: 7, instance: 'i2', session: 's1', after: 1 }));
      expect(requests(asked)).toEqual([
        { type: 'privates-give', conn: 7, instance: 'i2', session: 's1', lines: [{ line: '*guest-2* two', time: 0 }] },
      ]);
      expect(inbox(route(lines(2, '/msg ada three')), 2)).toEqual([expect.stringMatching(/ ! no such nick: ada$/)]);
    });
  });

  describe('an instance gone silent', () => {
    const [bob, carol, dave] = [elsewhere('bob'), elsewhere('carol'), elsewhere('dave', 'n3')];

    it('takes its members (only its own) with it, with a leave notice for each', () => {
      const route = clusterRoom(1, [bob, carol, dave]);
      expect(route(bus({ type: 'gone', instance: 'i2', node: 'n2' }))).toEqual([
        { kind: 'send', to: [1], lines: ['* bob left (node n2 is gone)', '* carol left (node n2 is gone)'] },
        { kind: 'log', entries: [{ type: 'notice', text: 'node n2 is gone: 2 left with it' }] },
      ]);
      expect(who(route, 1)).toEqual(['* online in #lobby (3): server (n1), guest-1 (n1), dave (n3)']);
      expect(route(bus({ type: 'gone', instance: 'i2', node: 'n2' }))).toEqual([]);
    });

    it('in a room too large to announce leaves only logs, and sends nothing', () => {
      const route = clusterRoom(1, [bob, carol], { announceMax: 2 });
      expect(route(bus({ type: 'gone', instance: 'i2', node: 'n2' }))).toEqual([
        { kind: 'log', entries: [{ type: 'notice', text: 'node n2 is gone: 2 left with it' }] },
      ]);
    });

    it('back again (its node rejoined and says who is on it), has each of its members join their room here, once', () => {
      const eve = elsewhere('eve', 'n2', 'i2', '#dev');
      const route = clusterRoom(2, [bob, carol, dave]);
      route(lines(2, '/join #dev'));
      route(bus({ type: 'gone', instance: 'i2', node: 'n2' }));
      const back = bus({ type: 'synced', instance: 'i2', members: [bob, carol, eve], missed: { node: 'n2', lines: 3 } });
      const effects = route(back);
      expect(story(effects)).toEqual([
        'to 1: * bob joined',
        'to 1: * carol joined',
        'to 2: * eve joined',
        'to 1,2: * 3 lines said on node n2 while it was apart from the cluster never reached this server',
      ]);
      expect(logged(effects).slice(0, 2)).toEqual([
        { type: 'remote', node: 'n2', lines: ['* bob joined', '* carol joined'], room: '#lobby' },
        { type: 'remote', node: 'n2', lines: ['* eve joined'], room: '#dev', elsewhere: true },
      ]);
      expect(who(route, 1)).toEqual(['* online in #lobby (5): server (n1), guest-1 (n1), dave (n3), bob (n2), carol (n2)']);
      expect(story(route(bus({ type: 'synced', instance: 'i2', members: [bob, carol, eve] })))).toEqual([]); // known now: said once
    });

    it('back from apart before it was taken for gone, tells here who left it meanwhile and who came on it, once each', () => {
      const [eve, fay] = [elsewhere('eve'), elsewhere('fay', 'n2', 'i2', '#dev')];
      const route = clusterRoom(2, [bob, carol, dave, fay]);
      route(lines(2, '/join #dev'));
      const effects = route(bus({ type: 'synced', instance: 'i2', members: [bob, eve] }));
      expect(story(effects)).toEqual([
        'to 1: * carol left (while node n2 was apart from the cluster)',
        'to 1: * eve joined',
        'to 2: * fay left (while node n2 was apart from the cluster)',
      ]);
      expect(logged(effects)).toEqual([
        { type: 'remote', node: 'n2', lines: ['* carol left (while node n2 was apart from the cluster)', '* eve joined'], room: '#lobby' },
        { type: 'remote', node: 'n2', lines: ['* fay left (while node n2 was apart from the cluster)'], room: '#dev', elsewhere: true },
      ]);
      expect(who(route, 1)).toEqual(['* online in #lobby (5): server (n1), guest-1 (n1), dave (n3), bob (n2), eve (n2)']);
      expect(story(route(bus({ type: 'synced', instance: 'i2', members: [bob, eve] })))).toEqual([]); // known now: said once
    });

    it('back from apart, does not tell as left one who came here meanwhile (its client back on this node)', () => {
      const route = clusterRoom(1, [bob, carol]);
      route(open(2));
      route(lines(2, '/nick bob'));
      route(claimed(2, 'bob'));
      const effects = route(bus({ type: 'synced', instance: 'i2', members: [] }));
      expect(story(effects)).toEqual(['to 1,2: * carol left (while node n2 was apart from the cluster)']);
    });

    it('stopping, has nobody told as left again: its node told the rooms who left with it', () => {
      const route = clusterRoom(1, [bob, carol]);
      expect(route(bus({ type: 'synced', instance: 'i2', members: [], stopping: true }))).toEqual([]);
      expect(who(route, 1)).toEqual(['* online in #lobby (2): server (n1), guest-1 (n1)']);
    });

    it('back again in a room too large to announce joins, sends nothing', () => {
      const route = clusterRoom(1, [bob, carol], { announceMax: 2 });
      route(bus({ type: 'gone', instance: 'i2', node: 'n2' }));
      expect(route(bus({ type: 'synced', instance: 'i2', members: [bob, carol] }))).toEqual([]);
    });
  });

  it('closes a member whose session took its nick on another node, without telling the room it left', () => {
    const route = createNode();
    route(open(1));
    route(lines(1, '/nick alice'));
    route(open(2));
    route(up());
    const effects = route(bus({ type: 'taken', nick: 'ALICE' }));
    expect(story(effects)).toEqual(['bus release', 'close 1: reconnected elsewhere']);
    expect(route(lines(1, 'hello?'))).toEqual([]);
    expect(route(bus({ type: 'taken', nick: 'alice' }))).toEqual([]);
  });

  it('renames a member whose nick the cluster gave away meanwhile to a guest, telling it why', () => {
    const route = createNode();
    route(open(1));
    route(lines(1, '/nick alice'));
    route(open(2));
    route(up());
    expect(requests(route(bus({ type: 'refused', conns: [1] })))).toEqual([
      { type: 'claim', conn: 1, previous: 'alice', previousKey: 'allce', session: undefined },
    ]);
    expect(route(lines(1, 'hi'))).toEqual([]);
    expect(story(route(claimed(1, 'guest-9')))).toEqual([
      'to 1: * your nick alice went to someone else while this server was apart from the cluster; you are now guest-9',
      'room: * alice on node n1 is now guest-9 (another alice had the nick first)',
      'room: <guest-9> hi',
    ]);
  });

  it('does not relay again a tagged line that another node has already put in the room', () => {
    const route = clusterRoom(2, [], { tagged: [1] });
    // The client said it on node n2, lost that connection before the ack, and sends it again here.
    route(saidOn(elsewhere('alice'), 5, ['<alice> hi'], { author: 's1', ids: ['s1.1'] }));
    expect(route(lines(1, '@id=s1.1 hi'))).toEqual([{ kind: 'send', to: [1], lines: ['@ack=s1.1'] }]);
    expect(roomRequest(route(lines(1, '@id=s1.2 new'))).batch.ids).toEqual(['s1.2']);
  });

  describe('rooms', () => {
    it('asks the cluster to move a member, with its nick key and the room', () => {
      const route = clusterRoom(2);
      expect(requests(route(lines(1, '/nick Ada')))).toEqual([
        { type: 'claim', conn: 1, nick: 'Ada', key: 'ada', previous: 'guest-1', previousKey: 'guest-l', session: undefined },
      ]);
      route(claimed(1, 'Ada'));
      expect(requests(route(lines(1, '/join #dev'))).filter((request) => request.type !== 'room')).toEqual([
        { type: 'move', conn: 1, nick: 'Ada', key: 'ada', room: '#dev' },
      ]);
    });

    it('sets a topic through the cluster, and takes topics from it', () => {
      const route = clusterRoom(1);
      route(lines(1, '/join #dev'));
      // Kept, with its lock, by the cluster, which gives it to every node; the room hears it said.
      expect(requests(route(lines(1, '/topic ship it'))).slice(0, 1)).toEqual([
        { type: 'fact', key: 'topic:#dev', fact: { kind: 'topic', room: '#dev', text: 'ship it', by: 'guest-1', time: 0 } },
      ]);
      route(bus({ type: 'fact', fact: { kind: 'topic', room: '#dev', text: 'changed elsewhere', by: 'bob', time: 5 } }));
      expect(inbox(route(lines(1, '/topic')), 1)).toEqual(['* topic of #dev: changed elsewhere (set by bob)']);
    });

    it(`forgets the oldest topics of rooms nobody is in past ${KEPT_TOPICS}, through the cluster, whichever node set them; not while apart`, () => {
      let now = 0;
      const route = clusterRoom(1, [], { now: () => now });
      const lifts = (effects: readonly Effect[]): string[] =>
        requests(effects).flatMap((request) => (request.type === 'fact' && request.fact.lifted ? [request.key] : []));
      // The oldest was set on another node, and heard here after newer ones: set first, forgotten first.
      const old = bus({ type: 'fact', fact: { kind: 'topic', room: '#old', text: 'old', by: 'bob', time: -1 } });
      const made: string[] = [];
      for (let i = 0; i < KEPT_TOPICS; i++) {
        if (i === 10) route(old);
        made.push(...lifts(route(lines(1, `/join #t${i}`, `/topic t${i}`))));
      }
      route(lines(1, '/join #lobby'));
      expect(made).toEqual(['topic:#old']);
      now = 5;
      expect(lifts(route(lines(1, '/join #late', '/topic late')))).toEqual(['topic:#t0']);
      expect(inbox(route(lines(1, '/join #t0')), 1)).toEqual(['* you are now in #t0 (1 here); no topic']);
      expect(inbox(route(lines(1, '/join #t1')), 1)).toEqual(['* you are now in #t1 (1 here); topic: t1']);

      route(bus({ type: 'down', reason: 'gone' }));
      route(lines(1, '/join #apart', '/topic apart'));
      route(lines(1, '/join #lobby'));
      expect(inbox(route(lines(1, '/join #t1')), 1)).toEqual(['* you are now in #t1 (1 here); topic: t1']);
    });

    it('counts members on other nodes in their rooms as they join, move and leave', () => {
      const bob = elsewhere('bob');
      const route = clusterRoom(1, [bob]);
      expect(who(route, 1)).toEqual(['* online in #lobby (3): server (n1), guest-1 (n1), bob (n2)']);
      route(bus({ type: 'moved', member: { ...bob, room: '#dev' }, from: '#lobby' }));
      expect(inbox(route(lines(1, '/who #dev')), 1)).toEqual(['* online in #dev (1): bob (n2)']);
      expect(inbox(route(lines(1, '/rooms')), 1)).toEqual(['* rooms (2):', '*   #lobby (1 here); no topic', '*   #dev (1 here); no topic']);
      route(bus({ type: 'left', member: { ...bob, room: '#dev' } }));
      expect(inbox(route(lines(1, '/rooms')), 1)).toEqual(['* rooms (1):', '*   #lobby (1 here); no topic']);
    });

    it("takes each room's history and topic when the bus comes up, and syncs each member's room", () => {
      const route = createNode();
      route(open(1));
      route(lines(1, '/join #dev'));
      const effects = route(
        bus({
          type: 'up',
          epoch: 'E',
          history: [
            { seq: 1, time: 0, line: '<bob> in lobby', room: '#lobby' },
            { seq: 2, time: 0, line: '<bob> in dev', room: '#dev' },
          ],
          members: [elsewhere('bob', 'n2', 'i2', '#dev')],
          facts: [{ kind: 'topic', room: '#dev', text: 'ship it', by: 'bob', time: 1 }],
        }),
      );
      expect(requests(effects)).toEqual([
        { type: 'sync', lastSeq: 3, members: [{ conn: 1, nick: 'guest-1', key: 'guest-l', room: '#dev', session: undefined, since: 0 }] },
      ]);
      expect(inbox(route(lines(1, '/history')), 1)).toEqual(['* history: the last 1 line', '<bob> in dev', '* end of history']);
      expect(inbox(route(lines(1, '/topic')), 1)).toEqual(['* topic of #dev: ship it (set by bob)']);
    });

    it('lines said in a room on another node reach only that room here, and the console sees which', () => {
      const bob = elsewhere('bob', 'n2', 'i2', '#dev');
      const route = clusterRoom(2, [bob]);
      route(lines(2, '/join #dev'));
      const effects = route(saidOn(bob, 9, ['<bob> yo'], { room: '#dev' }));
      expect(effects).toContainEqual({ kind: 'send', to: [2], lines: ['<bob> yo'] });
      expect(inbox(effects, 1)).toEqual([]);
      expect(logged(effects)).toEqual([{ type: 'remote', node: 'n2', lines: ['<bob> yo'], room: '#dev', elsewhere: true }]);
    });
  });

  describe('shutdown', () => {
    it('while up tells the cluster who left with this node, then holds no nicks', () => {
      const route = createNode();
      route(open(1));
      route(lines(1, '/nick alice'));
      route(open(2));
      route(up([], [{ seq: 40, time: 0, line: '<bob> x' }]));
      const effects = route({ kind: 'shutdown', reason: 'got SIGTERM' });
      expect(requests(effects)).toEqual([
        {
          type: 'room',
          batch: {
            time: 0,
            room: '#lobby',
            lines: ['* alice, guest-2 left (node n1 is shutting down)'],
            instance: 'i1',
            node: 'n1',
            conn: undefined,
            author: undefined,
          },
        },
        { type: 'sync', members: [], lastSeq: 40, stopping: true }, // it told the room: the others do not again
      ]);
    });

    it('closes connections still waiting for their nick', () => {
      const route = createNode();
      route(up());
      route(open(1));
      expect(story(route({ kind: 'shutdown', reason: 'got SIGTERM' }))).toContain('close 1: server shutting down');
    });

    it('while not up asks nothing of the cluster', () => {
      const route = createNode();
      route(open(1));
      expect(requests(route({ kind: 'shutdown', reason: 'got SIGTERM' }))).toEqual([]);
    });
  });
});

describe('createRouter without a cluster', () => {
  const member = fc.constantFrom(elsewhere('bob'), elsewhere('guest-1'), { nick: 'x', room: '#lobby', ...SELF });
  const id = fc.integer({ min: 1, max: 5 });
  const request: fc.Arbitrary<BusRequest> = fc.oneof(
    fc.record({ type: fc.constant('claim' as const), conn: id }),
    fc.record({ type: fc.constant('private' as const), from: id, instance: fc.constant('i2'), to: fc.constant('bob'), line: fc.string() }),
    fc.record({
      type: fc.constant('room' as const),
      batch: fc.record({
        time: fc.nat(),
        room: fc.constant('#lobby'),
        lines: fc.array(fc.string()),
        instance: fc.constant('i1'),
        node: fc.constant('n1'),
        conn: id,
      }),
    }),
  );
  const busEvent: fc.Arbitrary<BusEvent> = fc.oneof(
    fc.record({
      type: fc.constant('up' as const),
      epoch: fc.string(),
      history: fc.constant([]),
      members: fc.array(member),
      topics: fc.constant([]),
      facts: fc.constant([]),
    }),
    fc.record({ type: fc.constant('down' as const), reason: fc.string() }),
    fc.tuple(member, fc.nat(), fc.array(fc.string(), { minLength: 1 })).map(([m, first, said]): BusEvent => ({
      type: 'room',
      batch: { first, time: 0, room: '#lobby', lines: said, instance: m.instance, node: m.node },
    })),
    fc.record({ type: fc.constant('claimed' as const), conn: id, nick: fc.constantFrom('alice', 'guest-9'), ok: fc.boolean() }),
    fc.record({ type: fc.constant('refused' as const), conns: fc.array(id) }),
    fc.record({ type: fc.constant('taken' as const), nick: fc.constantFrom('guest-1', 'alice') }),
    fc.record({ type: fc.constant('gone' as const), instance: fc.constant('i2'), node: fc.constant('n2') }),
    fc.record({ type: fc.constant('unsent' as const), request }),
    fc.record({
      type: fc.constant('fact' as const),
      fact: fc.constant({ kind: 'registration' as const, key: 'bob', nick: 'bob', hash: 'h' }),
    }),
    fc.record({
      type: fc.constant('answer' as const),
      conn: id,
      query: fc.constant({ kind: 'search' as const, words: ['x'] }),
      entries: fc.constant([]),
    }),
  );
  const clientLine = fc.oneof(
    fc.string({ maxLength: 8 }),
    fc.constantFrom('/nick alice', '/msg bob hi', '/who', '/quit', '/cap tcpchat session=s', '@id=s.1 hi'),
  );
  const event: fc.Arbitrary<RouterEvent> = fc.oneof(
    id.map(open),
    fc.tuple(id, fc.array(clientLine, { minLength: 1, maxLength: 3 })).map(([to, said]) => lines(to, ...said)),
    id.map((closedId): RouterEvent => ({ kind: 'closed', id: closedId, reason: 'gone' })),
    fc
      .constantFrom('hello', '/msg bob hi', '/kick guest-1')
      .map((line): RouterEvent => ({ kind: 'console', command: parseConsoleLine(line) })),
    busEvent.map(bus),
    fc.constant<RouterEvent>({ kind: 'shutdown', reason: 'done' }),
  );

  it('never asks a bus for anything, and ignores bus events', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 40 }), fc.boolean(), (events, relay) => {
        const route = createNode({ cluster: undefined, mode: relay ? 'room' : 'console-only' });
        for (const each of events) {
          const effects = route(each);
          expect(effects.filter((effect) => effect.kind === 'bus')).toEqual([]);
          if (each.kind === 'bus') expect(effects).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });
});
