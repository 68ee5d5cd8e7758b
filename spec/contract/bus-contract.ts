import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Observable, Subscription } from 'rxjs';
import { Subject } from 'rxjs';
import type { BusEvent, BusRequest, ClusterSelf, Fact } from '../../streams/cluster/bus.js';
import { nickKey } from '../../streams/protocol/nick.js';
import { claim, heardEvents, move, release, type HeardEvents, type Of } from '../helpers/bus-events.js';

/**
 * What every bus must do, whichever carries it: the suite is defined once here and run against
 * the in-process bus (spec/helpers) and the Redis bus (src/drivers). Where the two differed, this
 * decides. Not here: what only a real cluster has (links lost, a Redis restarted, nicks held
 * first before a split: `ousted`), which spec/src/drivers/redis-bus.spec.ts covers.
 */

/** A bus for one node, as a function of its requests, the way the router uses it. */
export type BusOf = (self: ClusterSelf) => (request$: Observable<BusRequest>) => Observable<BusEvent>;

/** A cluster for one test: `bus` makes its nodes' buses; `end` lets go of what it holds. */
export interface ContractCluster {
  readonly bus: BusOf;
  end(): Promise<void>;
}

/** Options every runner honours. */
export interface ContractOptions {
  /** Lines kept per room. */
  readonly historySize: number;
}

/** A node in the cluster, with everything its bus said kept in order. */
interface Node extends HeardEvents {
  readonly self: ClusterSelf;
  send(request: BusRequest): void;
  /** Lets go of the bus, as a node that stops. */
  leave(): void;
}

const FIRST = '#lobby';

export function busContract(name: string, makeCluster: (options: ContractOptions) => Promise<ContractCluster>): void {
  describe(`${name}, held to the bus contract`, () => {
    let cluster: ContractCluster | undefined;
    let subscriptions: Subscription[] = [];
    let runs = 0;

    afterEach(async () => {
      for (const subscription of subscriptions) subscription.unsubscribe();
      subscriptions = [];
      await cluster?.end();
      cluster = undefined;
    });

    async function start(options: Partial<ContractOptions> = {}): Promise<void> {
      cluster = await makeCluster({ historySize: 10, ...options });
    }

    /** A node that has joined the cluster (its `up` heard). */
    async function join(node: string): Promise<Node> {
      const self = { node, instance: `${node}-${++runs}` };
      const requests = new Subject<BusRequest>();
      const heard = heardEvents(self.instance);
      const subscription = cluster!.bus(self)(requests).subscribe(heard.hear);
      const joined: Node = { ...heard, self, send: (request) => requests.next(request), leave: () => subscription.unsubscribe() };
      subscriptions.push(subscription);
      await joined.next('up');
      return joined;
    }

    const answer = (at: Node, conn: number): Promise<Of<'claimed'>> => at.next('claimed', (event) => event.conn === conn);
    const said = (at: Node, room: string, ...lines: string[]): void =>
      at.send({ type: 'room', batch: { time: 1000, lines, instance: at.self.instance, node: at.self.node, room } });
    const heard = (at: Node, line: string): Promise<Of<'room'>> => at.next('room', (event) => event.batch.lines.includes(line));
    const member = (at: Node, nick: string, room = FIRST, session?: string) => ({
      nick,
      node: at.self.node,
      instance: at.self.instance,
      room,
      ...(session ? { client: createHash('sha1').update(session).digest('hex') } : {}),
    });

    describe('claims', () => {
      it('gives each nick that three nodes claim at the same moment to exactly one of them, whatever its case', async () => {
        await start();
        const nodes = [await join('a'), await join('b'), await join('c')];
        const nicks = Array.from({ length: 20 }, (_, i) => `dora${i}`);
        const cases = [(nick: string) => nick, (nick: string) => nick.toUpperCase(), (nick: string) => `D${nick.slice(1)}`];
        nicks.forEach((nick, i) => nodes.forEach((node, n) => node.send(claim(i, cases[n](nick)))));
        const answers = await Promise.all(nicks.map((_, i) => Promise.all(nodes.map((node) => answer(node, i)))));
        for (const [i, each] of answers.entries()) {
          expect(each.filter((one) => one.ok)).toHaveLength(1);
          expect(each.map((one) => one.nick)).toEqual(cases.map((of) => of(nicks[i])));
        }
      });

      it('numbers guests across nodes, each guest nick once, skipping those held; look-alikes of a held nick are refused', async () => {
        await start();
        const [a, b] = [await join('a'), await join('b')];
        a.send(claim(1, 'guest-1'));
        a.send(claim(2, 'alice'));
        expect(await Promise.all([answer(a, 1), answer(a, 2)])).toMatchObject([{ nick: 'guest-1', ok: true }, { ok: true }]);
        a.send(claim(3));
        b.send(claim(3));
        a.send(claim(4));
        b.send(claim(4));
        const guests = await Promise.all([answer(a, 3), answer(b, 3), answer(a, 4), answer(b, 4)]);
        expect(guests.every((each) => each.ok && /^guest-\d+$/.test(each.nick))).toBe(true);
        expect(new Set([...guests.map((each) => each.nick), 'guest-1']).size).toBe(5);
        b.send(claim(5, 'GUEST-l'));
        b.send(claim(6, '\u0430lice')); // Cyrillic a
        b.send(claim(7, 'GUEST-I0'));
        expect(await Promise.all([answer(b, 5), answer(b, 6), answer(b, 7)])).toMatchObject([{ ok: false }, { ok: false }, { ok: true }]);
      });

      it("tells the other nodes of a node's members joining, renaming (in the same room) and leaving, never itself", async () => {
        await start();
        const [a, b] = [await join('a'), await join('b')];
        a.send(claim(1, 'carol'));
        expect(await b.next('joined')).toEqual({ type: 'joined', member: member(a, 'carol') });
        a.send(move(1, 'carol', '#dev'));
        await b.next('moved');
        a.send(claim(1, 'Dave', { previous: 'carol' }));
        expect(await b.next('renamed')).toEqual({ type: 'renamed', from: 'carol', member: member(a, 'Dave', '#dev') });
        a.send(release('Dave'));
        expect(await b.next('left')).toEqual({ type: 'left', member: member(a, 'Dave', '#dev') });
        b.send(claim(1, 'carol'));
        expect(await answer(b, 1)).toMatchObject({ ok: true }); // given up by the rename
        await a.next('joined', (event) => event.member.nick === 'carol');
        const aboutItself = [...a.all('joined'), ...a.all('left'), ...a.all('renamed')].filter(
          (event) => event.member.instance === a.self.instance,
        );
        expect(aboutItself).toEqual([]);
      });

      it('lets the same session take its nick over from another node, which is told it was taken', async () => {
        await start();
        const [a, b] = [await join('a'), await join('b')];
        a.send(claim(1, 'erin', { session: 's1' }));
        expect(await answer(a, 1)).toMatchObject({ ok: true });
        b.send(claim(5, 'erin', { session: 's2' }));
        expect(await answer(b, 5)).toEqual({ type: 'claimed', conn: 5, nick: 'erin', ok: false });
        b.send(claim(6, 'Erin', { session: 's1' }));
        expect(await answer(b, 6)).toEqual({ type: 'claimed', conn: 6, nick: 'Erin', ok: true });
        expect(await a.next('taken')).toEqual({ type: 'taken', nick: 'erin' });
        a.send(release('erin')); // no longer a's to free
        a.send(claim(2, 'erin'));
        expect(await answer(a, 2)).toMatchObject({ ok: false });
        expect(b.all('taken')).toEqual([]);
      });
    });

    it('a sync as a node stops holds none of its nicks and says it stops (its members did not leave while it was apart)', async () => {
      await start();
      const [a, b] = [await join('a'), await join('b')];
      a.send(claim(1, 'x1'));
      await answer(a, 1);
      a.send({ type: 'sync', members: [], lastSeq: 5, stopping: true });
      expect(await b.next('synced')).toEqual({ type: 'synced', instance: a.self.instance, members: [], stopping: true });
      b.send(claim(1, 'x1'));
      expect(await answer(b, 1)).toMatchObject({ ok: true });
    });

    it("sync makes a node's members exactly those given (in their rooms), refuses nicks a live node holds, and raises the sequence", async () => {
      await start();
      const [a, b] = [await join('a'), await join('b')];
      a.send(claim(1, 'x1'));
      a.send(claim(2, 'x2'));
      b.send(claim(1, 'bob'));
      await Promise.all([answer(a, 1), answer(a, 2), answer(b, 1)]);
      const given = [
        { conn: 1, nick: 'x1', key: nickKey('x1'), room: FIRST },
        { conn: 3, nick: 'y1', key: nickKey('y1'), room: '#dev', session: 's-y' },
        { conn: 4, nick: 'BOB', key: nickKey('BOB'), room: FIRST },
      ];
      a.send({ type: 'sync', members: given, lastSeq: 100 });
      expect(await a.next('refused')).toEqual({ type: 'refused', conns: [4] });
      expect(await b.next('synced')).toEqual({
        type: 'synced',
        instance: a.self.instance,
        members: [member(a, 'x1'), member(a, 'y1', '#dev', 's-y')],
      });

      const c = await join('c');
      expect(c.all('up')[0].members).toEqual(expect.arrayContaining([member(a, 'x1'), member(a, 'y1', '#dev', 's-y'), member(b, 'bob')]));
      expect(c.all('up')[0].members).toHaveLength(3);
      b.send(claim(2, 'x2')); // a gave it up
      b.send(claim(3, 'y1', { session: 'other' }));
      expect(await Promise.all([answer(b, 2), answer(b, 3)])).toMatchObject([{ ok: true }, { ok: false }]);
      b.send(claim(4, 'y1', { session: 's-y' })); // the session came with the sync
      expect(await answer(b, 4)).toMatchObject({ ok: true });
      expect(await a.next('taken')).toEqual({ type: 'taken', nick: 'y1' });

      said(a, FIRST, 'after the sync');
      expect((await heard(b, 'after the sync')).batch.first).toBe(101);
      a.send({ type: 'sync', members: [], lastSeq: 5 }); // never lowered
      said(a, FIRST, 'later');
      expect((await heard(b, 'later')).batch.first).toBe(102);
    });

    it('delivers a private line to the node it names only', async () => {
      await start();
      const [a, b, c] = [await join('a'), await join('b'), await join('c')];
      a.send({ type: 'private', from: 9, instance: b.self.instance, to: 'bob', line: '*ada* psst' });
      expect(await b.next('private')).toEqual({ type: 'private', to: 'bob', line: '*ada* psst' });
      said(a, FIRST, 'fence'); // asked after the private line, so heard after it
      await Promise.all([heard(a, 'fence'), heard(b, 'fence'), heard(c, 'fence')]);
      expect([...a.all('private'), ...c.all('private')]).toEqual([]);
    });

    it('delivers a kick to the node it names only, which says it has it (`kicked`) and tells the room itself', async () => {
      await start();
      const [a, b, c] = [await join('a'), await join('b'), await join('c')];
      const kick = { line: '* you were kicked by ada: bye', reason: 'kicked by ada: bye' };
      const request: BusRequest = { type: 'kick', from: 9, instance: b.self.instance, to: 'bob', room: FIRST, ...kick };
      a.send(request);
      await b.next('kick');
      const notice = '* bob was kicked by ada: bye';
      said(b, FIRST, notice); // as the core does once it has done the kick
      expect(await a.next('kicked')).toEqual({ type: 'kicked', request });
      await Promise.all([heard(a, notice), heard(b, notice), heard(c, notice)]);
      expect(b.events.filter((event) => event.type === 'kick' || event.type === 'room').map((event) => event.type)).toEqual([
        'kick',
        'room',
      ]);
      expect(b.all('kick')).toEqual([{ type: 'kick', to: 'bob', ...kick }]);
      expect([...a.all('kick'), ...c.all('kick'), ...b.all('kicked'), ...c.all('kicked')]).toEqual([]);
    });

    it('hands back as unsent a kick that its node never says it has (that node is gone)', async () => {
      await start();
      const a = await join('a');
      const request: BusRequest = { type: 'kick', instance: 'gone-0', to: 'bob', room: FIRST, line: '* you were kicked', reason: 'kicked' };
      a.send(request);
      expect(await a.next('unsent')).toEqual({ type: 'unsent', request });
      expect(a.all('kicked')).toEqual([]);
    });

    describe('facts', () => {
      const registration = (nick: string, hash: string): Fact => ({ kind: 'registration', key: nickKey(nick), nick, hash });
      const op = (nick: string, by: string): Fact => ({ kind: 'op', key: nickKey(nick), nick, by });
      /** As the core asks: a registration must be the first for its nick. */
      const keep = (at: Node, fact: Fact): void =>
        at.send({
          type: 'fact',
          fact,
          key: `${fact.kind}:${'key' in fact ? fact.key : ''}`,
          ...(fact.kind === 'registration' && !fact.lifted ? { first: true as const } : {}),
        });
      /** A room line asked after what came before: once a node hears it, it has heard everything before it. */
      const fence = async (at: Node, ...nodes: Node[]): Promise<void> => {
        const line = `fence ${++runs}`;
        said(at, FIRST, line);
        await Promise.all(nodes.map((node) => heard(node, line)));
      };

      it('are kept and told to every other node, never to the one that decided them', async () => {
        await start();
        const [a, b, c] = [await join('a'), await join('b'), await join('c')];
        const fact = registration('ada', 'h1');
        keep(a, fact);
        expect(await Promise.all([b.next('fact'), c.next('fact')])).toEqual([
          { type: 'fact', fact },
          { type: 'fact', fact },
        ]);
        await fence(a, a);
        expect(a.all('fact')).toEqual([]);
      });

      it('are given to a node that joins, each once: a later fact with the same key replaces one, a lifted one is gone', async () => {
        await start();
        const a = await join('a');
        keep(a, registration('ada', 'h1'));
        keep(a, registration('bob', 'h2'));
        keep(a, op('ada', 'server'));
        keep(a, op('ada', 'bob'));
        keep(a, { kind: 'registration', key: 'bob', nick: 'bob', lifted: true });
        await fence(a, a);
        const b = await join('b');
        expect(b.all('up')[0].facts).toHaveLength(2);
        expect(b.all('up')[0].facts).toEqual(expect.arrayContaining([registration('ada', 'h1'), op('ada', 'bob')]));
      });

      it('outlive the node that decided them: it is given them again when it comes back', async () => {
        await start();
        const a = await join('a');
        keep(a, registration('ada', 'h1'));
        await fence(a, a);
        a.leave();
        const again = await join('a');
        expect(again.all('up')[0].facts).toEqual([registration('ada', 'h1')]);
      });

      it('refuse a registration for a nick registered already, telling the node which holds; the same one again is taken', async () => {
        await start();
        const [a, b] = [await join('a'), await join('b')];
        keep(a, registration('ada', 'h1'));
        await b.next('fact');
        keep(b, registration('ADA', 'h2'));
        expect(await b.next('fact-refused')).toEqual({
          type: 'fact-refused',
          fact: registration('ADA', 'h2'),
          held: registration('ada', 'h1'),
        });
        keep(a, registration('ada', 'h1'));
        await fence(a, a, b);
        expect([...a.all('fact-refused'), ...b.all('fact-refused')]).toHaveLength(1);
        const c = await join('c');
        expect(c.all('up')[0].facts).toEqual([registration('ada', 'h1')]);
      });
    });

    it("answer a query from a room's kept lines: since a time, or holding every word in any case; the last `limit`, oldest first", async () => {
      await start({ historySize: 10 });
      const a = await join('a');
      const at = (time: number, room: string, ...lines: string[]): void =>
        a.send({ type: 'room', batch: { time, lines, instance: a.self.instance, node: 'a', room } });
      at(1000, FIRST, '<ada> Hello world', '<bob> hello');
      at(2000, '#dev', '<cy> hello world in dev');
      at(3000, FIRST, '<ada> the WORLD says hello', '<bob> bye');
      await heard(a, '<bob> bye');
      a.send({ type: 'query', conn: 7, room: FIRST, query: { kind: 'search', words: ['world', 'HELLO'] }, limit: 50 });
      expect(await a.next('answer')).toEqual({
        type: 'answer',
        conn: 7,
        query: { kind: 'search', words: ['world', 'HELLO'] },
        entries: [
          { seq: 1, time: 1000, line: '<ada> Hello world', room: FIRST },
          { seq: 4, time: 3000, line: '<ada> the WORLD says hello', room: FIRST },
        ],
      });
      a.send({ type: 'query', conn: 8, room: FIRST, query: { kind: 'since', time: 1000 }, limit: 3 });
      expect((await a.next('answer')).entries.map((entry) => entry.seq)).toEqual([2, 4, 5]);
      a.send({ type: 'query', conn: 9, room: FIRST, query: { kind: 'search', words: ['nowhere'] }, limit: 50 });
      expect((await a.next('answer')).entries).toEqual([]);
    });

    describe('rooms', () => {
      it('number lines of every room in one sequence, hand them to every node, this one too, with their room', async () => {
        await start();
        const [a, b] = [await join('a'), await join('b')];
        said(a, FIRST, 'one', 'two');
        await heard(b, 'one');
        said(b, '#dev', 'three');
        const [atA, atB] = await Promise.all([heard(a, 'three'), heard(b, 'three')]);
        expect(atA.batch).toEqual({ first: 3, time: 1000, lines: ['three'], instance: b.self.instance, node: 'b', room: '#dev' });
        expect(atB.batch).toEqual(atA.batch);
        expect(a.all('room').map((event) => [event.batch.room, event.batch.first])).toEqual([
          [FIRST, 1],
          ['#dev', 3],
        ]);
      });

      it("give a node that joins every live room's last lines, each room's own history size, oldest first", async () => {
        await start({ historySize: 3 });
        const a = await join('a');
        a.send(claim(1, 'dev'));
        await answer(a, 1);
        a.send(move(1, 'dev', '#dev'));
        await a.next('moved');
        for (let i = 1; i <= 5; i++) said(a, FIRST, `lobby ${i}`);
        said(a, '#dev', 'dev 1');
        said(a, FIRST, 'lobby 6');
        said(a, '#dev', 'dev 2');
        await heard(a, 'dev 2');

        const b = await join('b');
        expect(b.all('up')[0].history).toEqual([
          { seq: 4, time: 1000, line: 'lobby 4', room: FIRST },
          { seq: 5, time: 1000, line: 'lobby 5', room: FIRST },
          { seq: 6, time: 1000, line: 'dev 1', room: '#dev' },
          { seq: 7, time: 1000, line: 'lobby 6', room: FIRST },
          { seq: 8, time: 1000, line: 'dev 2', room: '#dev' },
        ]);
      });

      it('move a member: every node hears moved, this one too, with the room it left; others see it there', async () => {
        await start();
        const [a, b] = [await join('a'), await join('b')];
        a.send(claim(1, 'ada'));
        await answer(a, 1);
        a.send(move(1, 'ada', '#dev'));
        const moved = { type: 'moved', member: member(a, 'ada', '#dev'), from: FIRST };
        expect(await Promise.all([a.next('moved'), b.next('moved')])).toEqual([moved, moved]);
        b.send(claim(1, 'bob'));
        await answer(b, 1);
        const c = await join('c');
        expect(c.all('up')[0].members).toEqual(expect.arrayContaining([member(a, 'ada', '#dev'), member(b, 'bob')]));
      });

      it('keep a room while anyone is in it, renamed or synced, whoever else leaves', async () => {
        await start();
        const [a, b] = [await join('a'), await join('b')];
        a.send(claim(1, 'ada'));
        b.send(claim(1, 'bea'));
        await Promise.all([answer(a, 1), answer(b, 1)]);
        a.send(move(1, 'ada', '#dev'));
        b.send(move(1, 'bea', '#dev'));
        await Promise.all([a.next('moved', (event) => event.member.nick === 'bea'), a.next('moved')]);
        said(a, '#dev', 'kept');
        a.send(claim(1, 'adele', { previous: 'ada' }));
        await answer(a, 1);
        a.send({ type: 'sync', members: [{ conn: 1, nick: 'adele', key: nickKey('adele'), room: '#dev' }], lastSeq: 0 });
        await b.next('synced');
        b.send(release('bea'));
        await a.next('left');
        const c = await join('c');
        expect(c.all('up')[0].history.map((entry) => entry.line)).toEqual(['kept']);
      });

      it('forget a room nobody is in any more, with its history; never the first room', async () => {
        await start();
        const a = await join('a');
        a.send(claim(1, 'ada'));
        a.send(claim(2, 'bea'));
        await Promise.all([answer(a, 1), answer(a, 2)]);
        a.send(move(1, 'ada', '#dev'));
        a.send(move(2, 'bea', '#ops'));
        await Promise.all([a.next('moved'), a.next('moved')]);
        for (const room of [FIRST, '#dev', '#ops']) {
          said(a, room, `in ${room}`);
          await a.next('room', (event) => event.batch.room === room);
        }
        a.send(move(1, 'ada', FIRST)); // #dev is empty now
        a.send(release('bea')); // and so is #ops
        await a.next('moved', (event) => event.member.room === FIRST);
        a.send(move(1, 'ada', '#elsewhere')); // and so is the first room, which stays
        a.send(claim(3, 'cy'));
        await answer(a, 3);
        a.send(move(3, 'cy', '#dev')); // made anew: no history
        await a.next('moved', (event) => event.member.nick === 'cy');

        const b = await join('b');
        const [up] = b.all('up');
        expect(up.history.map((entry) => entry.line)).toEqual([`in ${FIRST}`]);
      });
    });
  });
}
