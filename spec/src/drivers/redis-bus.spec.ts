import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { Subject, type Observable, type Subscription } from 'rxjs';
import { redisBus, type RedisBusOptions } from '../../../src/drivers/redis-bus.js';
import { nickKey } from '../../../streams/protocol/nick.js';
import type { BusEvent, BusRequest, HistoryQuery } from '../../../streams/cluster/bus.js';
import type { HistoryEntry } from '../../../streams/server/history.js';
import { closeFaultProxies, FaultProxy } from '../../e2e/helpers/fault-proxy.js';
import { cleanUp } from '../../e2e/helpers/leftovers.js';
import { startRedis, type RedisServer } from '../../e2e/helpers/redis.js';
import { within } from '../../e2e/helpers/within.js';
import { claim, heardEvents, move, release, type HeardEvents, type Of } from '../../helpers/bus-events.js';

/** Presence TTL: an instance silent this long is gone. */
const TTL = 400;

/** One redisBus subscription, fed by a Subject, with every event it emitted kept in order. */
interface Bus extends HeardEvents {
  readonly node: string;
  readonly instance: string;
  readonly reports: string[];
  start(): void;
  send(request: BusRequest): void;
  stop(): void;
}

let redis: RedisServer;
let admin: ReturnType<typeof createClient>;
let cluster: string;
let buses: Bus[] = [];
const failures: unknown[] = [];

beforeEach(async () => {
  redis = await startRedis();
  admin = createClient({ url: redis.url, socket: { reconnectStrategy: 50 } });
  admin.on('error', () => {}); // Redis is killed on purpose below
  await admin.connect();
  cluster = `test-${randomBytes(4).toString('hex')}`;
});

afterEach(async () => {
  for (const bus of buses) bus.stop();
  buses = [];
  admin.destroy();
  await closeFaultProxies();
  await cleanUp();
  expect(failures.splice(0)).toEqual([]);
});

const key = (name: string): string => `tcpchat:{${cluster}}:${name}`;

/** A bus for node `node`, not subscribed yet: applying redisBus to request$ must not connect. */
function bus(node: string, options: Partial<RedisBusOptions> = {}): Bus {
  const instance = `${node}-${randomBytes(3).toString('hex')}`;
  const requests = new Subject<BusRequest>();
  const heard = heardEvents(instance);
  const reports: string[] = [];
  const bus$: Observable<BusEvent> = redisBus({
    url: redis.url,
    cluster,
    node,
    instance,
    historySize: 10,
    ttlMs: TTL,
    report: (text) => reports.push(text),
    ...options,
  })(requests);
  let subscription: Subscription | undefined;
  const created: Bus = {
    ...heard,
    node,
    instance,
    reports,
    start: () => {
      subscription = bus$.subscribe({
        next: heard.hear,
        error: (error: unknown) => failures.push(error),
        complete: () => failures.push(new Error(`the bus of ${instance} completed`)),
      });
    },
    send: (request) => requests.next(request),
    stop: () => subscription?.unsubscribe(),
  };
  buses.push(created);
  return created;
}

async function joined(node: string, options: Partial<RedisBusOptions> = {}): Promise<Bus> {
  const started = bus(node, options);
  started.start();
  await started.next('up');
  return started;
}

const room = (from: Bus, ...lines: string[]): Extract<BusRequest, { type: 'room' }> => ({
  type: 'room',
  batch: { time: 1000, lines, instance: from.instance, node: from.node, room: '#lobby' },
});
const member = (conn: number, nick: string, session?: string) => ({
  conn,
  nick,
  key: nickKey(nick),
  room: '#lobby',
  ...(session === undefined ? {} : { session }),
});
const heard = (at: Bus, line: string): Promise<Of<'room'>> => at.next('room', (event) => event.batch.lines.includes(line));
const answer = (at: Bus, conn: number): Promise<Of<'claimed'>> => at.next('claimed', (event) => event.conn === conn);

/**
 * Like kill -9, as far as Redis can tell: the bus's teardown sends nothing (no QUIT, no release, the
 * node key stays until it expires), its heartbeats stop, and its sockets just close.
 */
const crash = (victim: Bus): void => victim.stop();

async function clients(): Promise<number> {
  return String(await admin.sendCommand(['CLIENT', 'LIST']))
    .trim()
    .split('\n').length;
}

/** Nothing is emitted when connections close, so this polls CLIENT LIST, boundedly. */
async function untilClients(count: number): Promise<void> {
  for (let tries = 0; tries < 40; tries++) {
    if ((await clients()) === count) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Redis still has ${await clients()} clients after 2 s; expected ${count}`);
}

describe('redisBus', () => {
  it('is cold: connects on subscribing, says up with the epoch, and lets go of Redis on unsubscribing', async () => {
    const a = bus('a');
    expect(await clients()).toBe(1); // the admin connection only
    a.start();
    const up = await a.next('up');
    expect(up).toEqual({ type: 'up', epoch: expect.any(String), history: [], members: [], facts: [] });
    expect(up.epoch).not.toBe('');
    expect(await admin.get(key('epoch'))).toBe(up.epoch);
    expect(await admin.exists(key(`node:${a.instance}`))).toBe(1);
    expect(await clients()).toBe(3); // one for commands, one listening

    a.stop();
    await untilClients(1);
    expect(a.reports).toEqual([]);
  });

  it('hands back what is asked before it is up, even while the Redis client is still loading', async () => {
    const a = bus('a');
    a.start();
    const early = claim(1, 'early');
    a.send(early); // before redisBus has even loaded `redis`
    a.send(release('early'));
    expect(await a.next('unsent')).toEqual({ type: 'unsent', request: early });
    await a.next('up');
    expect(a.events.map((event) => event.type)).toEqual(['unsent', 'up']);
  });

  it('numbers room lines across instances, hands them to everyone, and keeps them for those who join later', async () => {
    const a = await joined('a');
    const b = await joined('b');
    const said = { ...room(a, 'one', 'two').batch, conn: 7, author: 'ada-session', ids: ['id-1', 'id-2'] };
    a.send({ type: 'room', batch: said });
    const [atA, atB] = await Promise.all([heard(a, 'one'), heard(b, 'one')]);
    expect(atA.batch).toEqual({ first: 1, ...said });
    expect(atB.batch).toEqual(atA.batch);

    a.send(room(a, 'three'));
    await heard(b, 'three');
    b.send(room(b, 'four', 'five'));
    await Promise.all([heard(a, 'four'), heard(b, 'four')]);
    for (const each of [a, b]) expect(each.all('room').map((event) => event.batch.first)).toEqual([1, 3, 4]);

    const c = await joined('c');
    const [up] = c.all('up');
    expect(up.epoch).toBe(a.all('up')[0].epoch);
    expect(up.history).toEqual([
      { seq: 1, time: 1000, line: 'one', room: '#lobby', author: 'ada-session' },
      { seq: 2, time: 1000, line: 'two', room: '#lobby', author: 'ada-session' },
      { seq: 3, time: 1000, line: 'three', room: '#lobby' },
      { seq: 4, time: 1000, line: 'four', room: '#lobby' },
      { seq: 5, time: 1000, line: 'five', room: '#lobby' },
    ]);
    const short = await joined('d', { historySize: 2 });
    expect(short.all('up')[0].history.map((entry) => entry.seq)).toEqual([4, 5]);

    // A line said while an instance joins reaches it once: in its history or as a room event.
    const late = bus('e');
    late.start();
    a.send(room(a, 'six'));
    await late.next('up');
    a.send(room(a, 'seven'));
    await heard(late, 'seven');
    const lines = [...late.all('up')[0].history.map((entry) => entry.line), ...late.all('room').flatMap((event) => event.batch.lines)];
    expect(lines.filter((line) => line === 'six')).toEqual(['six']);
  });

  it('runs what a node asks in the order it asked, a request its Redis runs for the first time too (a move, then a line)', async () => {
    const a = await joined('a');
    a.send(claim(1, 'ada'));
    await answer(a, 1);
    a.send(room(a, 'before')); // Redis has run this script now, not yet the move's
    await heard(a, 'before');
    a.send(move(1, 'ada', '#dev'));
    a.send({ type: 'room', batch: { ...room(a, 'after').batch, room: '#dev' } });
    await heard(a, 'after');
    const order = a.events.flatMap((event) => (event.type === 'moved' ? ['moved'] : event.type === 'room' ? event.batch.lines : []));
    expect(order).toEqual(['before', 'moved', 'after']);
  });

  it('asks to join again while Redis refuses it (a read-only replica), and joins once it may', async () => {
    await admin.sendCommand(['REPLICAOF', '127.0.0.1', '1']); // a master that is not there: read-only from now on
    let refused = (): void => {};
    const told = new Promise<void>((resolve) => (refused = resolve));
    const a = bus('a', { report: (text) => /cannot join: READONLY/.test(text) && refused() });
    a.start();
    await within(told, 'the bus to say Redis refused it');
    expect(a.all('up')).toEqual([]);
    await admin.sendCommand(['REPLICAOF', 'NO', 'ONE']);
    await a.next('up');
  });

  it("keeps each room's history to the history size of batches, expiring a day after its last use", async () => {
    const a = await joined('a', { historySize: 10 });
    for (let i = 0; i < 500; i++) a.send(room(a, `line ${i}`));
    await heard(a, 'line 499');
    expect(await admin.lLen(key('history:#lobby'))).toBe(10);
    const ttl = await admin.pTTL(key('history:#lobby'));
    expect(ttl).toBeGreaterThan(86_400_000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(86_400_000);
  });

  it("answers a query from more of the room's batches than one page holds: the last matches, oldest first", async () => {
    const a = await joined('a', { historySize: 300 });
    for (let i = 0; i < 300; i++) a.send({ type: 'room', batch: { ...room(a, `line ${i}`).batch, time: i } });
    await heard(a, 'line 299');
    const ask = (query: HistoryQuery, limit = 50): Promise<HistoryEntry[]> => {
      a.send({ type: 'query', conn: 1, room: '#lobby', query, limit });
      return a.next('answer').then((answer) => [...answer.entries]);
    };
    const lines = (entries: readonly HistoryEntry[]): string[] => entries.map((entry) => entry.line);
    const range = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `line ${from + i}`);
    expect(lines(await ask({ kind: 'search', words: ['LINE 1'] }))).toEqual(range(150, 200));
    expect(lines(await ask({ kind: 'search', words: ['line 1'] }, 200))).toEqual(['line 1', ...range(10, 20), ...range(100, 200)]);
    expect(lines(await ask({ kind: 'since', time: 280 }))).toEqual(range(280, 300));
    expect(await ask({ kind: 'search', words: ['line', 'nowhere'] })).toEqual([]);
  });

  it('keeps facts in one hash, by key, as JSON, that never expires; a lifted fact is taken out of it', async () => {
    const a = await joined('a');
    const fact = { kind: 'registration', key: 'ada', nick: 'ada', hash: 'h' } as const;
    a.send({ type: 'fact', fact, key: 'registration:ada', first: true });
    a.send({ type: 'fact', fact: { kind: 'op', key: 'bob', nick: 'bob', by: 'server' }, key: 'op:bob' });
    a.send({ type: 'fact', fact: { kind: 'op', key: 'bob', nick: 'bob', by: 'server', lifted: true }, key: 'op:bob' });
    a.send(room(a, 'fence'));
    await heard(a, 'fence');
    expect(await admin.hGetAll(key('facts'))).toEqual({ 'registration:ada': JSON.stringify(fact) });
    expect(await admin.pTTL(key('facts'))).toBe(-1);
  });

  it('says it is congested while more than 2 MiB of room lines is on its way to Redis, and no longer once they arrived', async () => {
    const told: boolean[] = [];
    let calm = (): void => {};
    const calmed = new Promise<void>((resolve) => (calm = resolve));
    const a = await joined('a', {
      congested: (on) => {
        told.push(on);
        if (!on) calm();
      },
    });
    const line = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 40; i++) a.send(room(a, `${i} ${line}`)); // 2.5 MiB at once: none answered yet
    expect(told).toEqual([true]);
    await within(calmed, 'the bus to say it is no longer congested');
    await heard(a, `39 ${line}`);
    expect(told).toEqual([true, false]);
    expect(a.all('room')).toHaveLength(40); // held back by nobody here: every batch went through
  });

  it('delivers a private line to the instance it names only', async () => {
    const a = await joined('a');
    const b = await joined('b');
    const c = await joined('c');
    a.send({ type: 'private', from: 9, instance: b.instance, to: 'bob', line: '*ada* psst' });
    expect(await b.next('private')).toEqual({ type: 'private', to: 'bob', line: '*ada* psst' });
    a.send(room(a, 'fence')); // published after the private line, so heard after it
    await Promise.all([heard(a, 'fence'), heard(b, 'fence'), heard(c, 'fence')]);
    expect([...a.all('private'), ...c.all('private')]).toEqual([]);
    expect(b.all('private')).toHaveLength(1);
  });

  it("gives a nick a member took while apart (`since`, on this node's clock) to whoever took it first, on Redis's clock", async () => {
    const a = await joined('a');
    const b = await joined('b');
    b.send(claim(1, 'ada'));
    b.send(claim(2, 'amy'));
    await Promise.all([answer(b, 1), answer(b, 2)]);
    // a's ada was taken a minute before b's, its amy a minute after.
    const ada = { ...member(1, 'ada'), since: Date.now() - 60_000 };
    const amy = { ...member(2, 'amy'), since: Date.now() + 60_000 };
    a.send({ type: 'sync', members: [ada, amy], lastSeq: 0 });
    expect(await b.next('ousted')).toEqual({ type: 'ousted', nick: 'ada' });
    expect(await a.next('refused')).toEqual({ type: 'refused', conns: [2] });
  });

  it('says an instance that went silent is gone, and its nicks are free once its key expired', async () => {
    const a = await joined('a');
    const b = await joined('b');
    const c = await joined('c');
    b.send(claim(1, 'bob'));
    c.send(claim(1, 'cy')); // A hears of an instance by its messages: its members, lines and heartbeats
    await a.next('joined', (event) => event.member.nick === 'bob');
    await a.next('joined', (event) => event.member.nick === 'cy');
    a.send(claim(1, 'bob'));
    expect(await answer(a, 1)).toMatchObject({ ok: false });

    crash(c);
    await a.next('gone', (event) => event.instance === c.instance, TTL * 2);
    expect(a.all('gone')).toHaveLength(1); // B's heartbeats kept it present all along

    const crashed = Date.now();
    crash(b);
    expect(await a.next('gone', (event) => event.instance === b.instance, TTL * 2)).toEqual({
      type: 'gone',
      instance: b.instance,
      node: 'b',
    });
    expect(Date.now() - crashed).toBeGreaterThanOrEqual(TTL / 2); // not before it was silent for long
    expect(await admin.exists(key(`node:${b.instance}`))).toBe(0);
    a.send(claim(2, 'bob'));
    expect(await answer(a, 2)).toMatchObject({ ok: true });
  });

  it('does not hear twice a room line its join brought, should the channel bring it too, late', async () => {
    const b = await joined('b');
    b.send(room(b, 'before a joined'));
    await heard(b, 'before a joined');
    const a = await joined('a');
    expect(a.all('up')[0]?.history.map((entry) => entry.line)).toEqual(['before a joined']);
    const [kept] = await admin.lRange(key('history:#lobby'), 0, 0);
    await admin.publish(key('bus'), kept!);
    b.send(room(b, 'after'));
    await heard(a, 'after');
    expect(a.all('room').flatMap((event) => event.batch.lines)).toEqual(['after']);
  });

  it('does not take a message about an instance (its nick taken, or ousted) for a sign of its life', async () => {
    const a = await joined('a');
    const c = await joined('c');
    c.send(claim(1, 'cy'));
    await a.next('joined', (event) => event.member.nick === 'cy');
    crash(c);
    // What another node's claim of a nick of c's publishes, again and again over three TTLs: c is gone all the same.
    const about = (type: string): string => JSON.stringify({ type, nick: 'cy', instance: c.instance });
    for (let i = 0; i < 12 && a.all('gone').length === 0; i++) {
      await admin.publish(key('bus'), about(i % 2 === 0 ? 'taken' : 'ousted'));
      await new Promise((resolve) => setTimeout(resolve, TTL / 4));
    }
    expect(a.all('gone')).toEqual([{ type: 'gone', instance: c.instance, node: 'c' }]);
  });

  it("forgets a room only a gone instance's members were in, with its history, and lets the keys left expire", async () => {
    const a = await joined('a');
    const b = await joined('b');
    b.send(claim(1, 'bob'));
    await answer(b, 1);
    b.send(move(1, 'bob', '#dev'));
    b.send({ type: 'room', batch: { ...room(b, 'in dev').batch, room: '#dev' } });
    await a.next('room');
    expect(await admin.pTTL(key('history:#dev'))).toBeGreaterThan(86_400_000 - 60_000);

    crash(b);
    await a.next('gone', (event) => event.instance === b.instance, TTL * 2);
    const c = await joined('c');
    expect(c.all('up')[0]).toMatchObject({ history: [], members: [], facts: [] });
    expect(await admin.exists([key('history:#dev')])).toBe(0);
  });

  it('says down when Redis is lost, hands back what it cannot send, and joins again when Redis is back', async () => {
    const a = await joined('a');
    const [first] = a.all('up');
    a.send(claim(1, 'ada'));
    await answer(a, 1);
    a.send(room(a, 'before'));
    await heard(a, 'before');

    redis.process.child.kill('SIGKILL');
    expect((await a.next('down')).reason).not.toBe('');
    const asked: BusRequest[] = [
      room(a, 'while down'),
      claim(2, 'bea'),
      { type: 'private', from: 1, instance: 'elsewhere', to: 'bob', line: 'psst' },
      release('ada'),
      { type: 'sync', members: [member(1, 'ada')], lastSeq: 1 },
    ];
    for (const request of asked) a.send(request);
    expect(a.all('unsent').map((event) => event.request)).toEqual(asked.slice(0, 3));
    expect(a.reports).not.toEqual([]);

    redis = await startRedis({ port: redis.port });
    const again = await a.next('up');
    // Redis came back empty: the history is lost, but the epoch and the numbering go on as they were.
    expect(again).toEqual({ type: 'up', epoch: first.epoch, history: [], members: [], facts: [], historyLost: true });
    expect(a.all('down')).toHaveLength(1);
    expect(a.all('unsent')).toHaveLength(3);
    a.send(room(a, 'back'));
    expect((await heard(a, 'back')).batch.first).toBe(2);
  });

  describe('through a link to Redis that goes silent', () => {
    /** A bus for `node` that reaches Redis through a fault proxy, once joined. */
    async function behindProxy(node: string, options: Partial<RedisBusOptions> = {}): Promise<{ bus: Bus; proxy: FaultProxy }> {
      const proxy = await FaultProxy.start(redis.port);
      return { bus: await joined(node, { url: `redis://127.0.0.1:${proxy.port}`, ...options }), proxy };
    }

    it('says down within the TTL when Redis stops answering; healed, joins again and takes back the nicks it held first', async () => {
      const b = await joined('b');
      const { bus: a, proxy } = await behindProxy('a');
      a.send(claim(1, 'ada'));
      a.send(claim(2, 'amy'));
      await Promise.all([answer(a, 1), answer(a, 2)]);
      await b.next('joined', (event) => event.member.nick === 'amy');

      const cut = Date.now();
      proxy.blackHole();
      // Within a second (the shortest silence it acts on) and a heartbeat.
      expect((await a.next('down', undefined, 3000)).reason).toMatch(/^Redis has not answered for \d/);
      expect(Date.now() - cut).toBeLessThan(2000);
      a.send(room(a, 'said apart'));
      expect(a.all('unsent')).toHaveLength(1);
      await b.next('gone', (event) => event.instance === a.instance, TTL * 3); // the others forget it meanwhile
      b.send(claim(1, 'ada')); // and may give its nick away
      expect(await answer(b, 1)).toMatchObject({ ok: true });

      proxy.heal();
      const again = await a.next('up', undefined, TTL * 10);
      expect(again.members).toContainEqual({ nick: 'ada', node: 'b', instance: b.instance, room: '#lobby' });
      // ada was a's first: b's later claim gives way. A guest nick a took while apart is refused.
      b.send(claim(2, 'guest-9'));
      await answer(b, 2);
      a.send({ type: 'sync', members: [member(1, 'ada'), member(2, 'amy'), member(3, 'guest-9')], lastSeq: 1, missed: 1 });
      expect(await b.next('ousted')).toEqual({ type: 'ousted', nick: 'ada' });
      expect(await b.next('synced', (event) => event.instance === a.instance)).toEqual({
        type: 'synced',
        instance: a.instance,
        members: [
          { nick: 'ada', node: 'a', instance: a.instance, room: '#lobby' },
          { nick: 'amy', node: 'a', instance: a.instance, room: '#lobby' },
        ],
        missed: { node: 'a', lines: 1 },
      });
      expect(await a.next('refused')).toEqual({ type: 'refused', conns: [3] });
      b.send(room(b, 'heard again'));
      await heard(a, 'heard again');
    });

    it('holds a nick claim Redis never answered (handed back, taken here alone) since it was asked: an earlier ask keeps it once back', async () => {
      const b = await joined('b');
      const { bus: a, proxy } = await behindProxy('a');
      proxy.blackHole();
      a.send(claim(1, 'ada')); // a does not know yet that Redis is out of reach
      expect((await a.next('unsent', undefined, 3000)).request).toMatchObject({ type: 'claim', nick: 'ada' });
      b.send(claim(1, 'ada')); // asked later, granted by Redis
      expect(await answer(b, 1)).toMatchObject({ ok: true });

      proxy.heal();
      await a.next('up', (event) => event.members.length > 0, TTL * 10);
      a.send({ type: 'sync', members: [member(1, 'ada')], lastSeq: 0 });
      expect(await b.next('ousted')).toEqual({ type: 'ousted', nick: 'ada' });
    });

    it('refuses room lines a link it let go delivers late, after it joined again on another: they were handed back, unsent', async () => {
      const b = await joined('b');
      const { bus: a, proxy } = await behindProxy('a');
      a.send(room(a, 'before'));
      await heard(b, 'before');
      proxy.stallExisting(); // the route dies and another is found: new links pass
      a.send(room(a, 'on the old link'));
      await a.next('down', undefined, 3000);
      const unsent = a.all('unsent').flatMap((event) => (event.request.type === 'room' ? event.request.batch.lines : []));
      expect(unsent).toEqual(['on the old link']);
      await a.next('up', undefined, TTL * 10);

      proxy.heal(); // the old route comes back: what it held reaches Redis now, and Redis closes the old link
      await untilClients(5); // admin, b's two and a's new two: the old link's commands have been run
      a.send(room(a, 'on the new link'));
      await heard(b, 'on the new link');
      expect(b.all('room').flatMap((event) => event.batch.lines)).toEqual(['before', 'on the new link']);
    });

    it('gives up an attempt to join made into a dead route within half the TTL and makes another: back soon after the route is', async () => {
      const ttlMs = 4000; // silent after 2 s
      const b = await joined('b', { ttlMs });
      const { bus: a, proxy } = await behindProxy('a', { ttlMs });
      proxy.blackHole();
      await a.next('down', undefined, 5000);
      await within(proxy.accepted(4), 'an attempt to join into the dead route'); // its two connections
      proxy.reroute(); // that attempt's connections stay dead; new ones pass
      const rerouted = Date.now();
      await a.next('up', undefined, 5000);
      // Within the 2 s an attempt gets (before, a stuck attempt held on for 4 s and more).
      expect(Date.now() - rerouted).toBeLessThan(3000);
      expect(proxy.connections).toBe(6);
      a.send(room(a, 'back'));
      await heard(b, 'back');
    });

    it('while Redis is stalled: congested by the count of batches, then hands every one back in order, unsent', async () => {
      const told: boolean[] = [];
      const { bus: a, proxy } = await behindProxy('a', { congested: (on) => told.push(on) });
      proxy.stall();
      for (let i = 1; i <= 1100; i++) a.send(room(a, `line ${i}`)); // short lines: far below 2 MiB
      expect(told).toEqual([true]);
      await a.next('down', undefined, 3000);
      const back = a.all('unsent').flatMap((event) => (event.request.type === 'room' ? event.request.batch.lines : []));
      expect(back).toEqual(Array.from({ length: 1100 }, (_, i) => `line ${i + 1}`));
      expect(a.all('room')).toEqual([]);
      expect(told).toEqual([true, false]);
      proxy.heal();
      await a.next('up', undefined, TTL * 10);
    });
  });

  it('ignores malformed messages on the channel and keeps working', async () => {
    const a = await joined('a');
    const b = await joined('b');
    const c = await joined('c');
    b.send(claim(1, 'bob'));
    await a.next('joined');
    const ghost = { instance: 'ghost', node: 'g' };
    const malformed = [
      'not json',
      '{"type":"room",',
      '',
      'null',
      '42',
      '"room"',
      '[]',
      '{}',
      '{"type":7}',
      JSON.stringify({ type: 'room' }),
      JSON.stringify({ type: 'room', first: '1', time: 1, lines: ['x'], ...ghost }),
      JSON.stringify({ type: 'room', first: 1, time: 1, lines: [5], ...ghost }),
      JSON.stringify({ type: 'room', first: 1, time: 1, lines: ['x'], ...ghost, ids: 5 }),
      JSON.stringify({ type: 'room', first: 1, time: 1, lines: ['x'], ...ghost, conn: 'c', author: {} }),
      JSON.stringify({ type: 'joined', member: { nick: 'x', node: 'g' } }),
      JSON.stringify({ type: 'left', member: 'ghost' }),
      JSON.stringify({ type: 'renamed', member: { nick: 'x', ...ghost } }),
      JSON.stringify({ type: 'taken', instance: a.instance, nick: 5 }),
      JSON.stringify({ type: 'private', target: a.instance, to: 'x' }),
      JSON.stringify({ type: 'synced', instance: b.instance, members: null }),
      JSON.stringify({ type: 'synced', members: [] }),
      JSON.stringify({ type: 'whatever', ...ghost }),
      JSON.stringify({ type: 'joined', member: { nick: 'x', ...ghost, room: 7 } }),
      JSON.stringify({ type: 'moved', member: { nick: 'x', ...ghost, room: '#x' }, from: 5 }),
      JSON.stringify({ type: 'topic', ...ghost, room: '#x', topic: 't', by: 'b' }),
      JSON.stringify({ type: 'room', first: 1, time: 1, lines: ['x'], ...ghost, room: ['#x'] }),
      JSON.stringify({ type: 'fact', ...ghost, fact: 5 }),
      JSON.stringify({ type: 'fact', ...ghost, fact: { kind: 7 } }),
      JSON.stringify({ type: 'fact', fact: { kind: 'registration', key: 'x', nick: 'x' } }),
      // a's own head (known without parsing the lines), with numbers a never sent or none at all
      `{"type":"room","first":7,"instance":${JSON.stringify(a.instance)},"out":99,"time":1,"lines":["x"],"node":"a"}`,
      `{"type":"room","first":1e400,"instance":${JSON.stringify(a.instance)},"out":"x","time":1,"lines":["x"],"node":"a"}`,
      `{"type":"room","first":7,"instance":${JSON.stringify(a.instance)},"out":`,
    ];
    const before = a.events.length;
    for (const message of malformed) await admin.publish(key('bus'), message);

    // C speaks after them and then goes silent: its `gone` comes after any a ghost could cause.
    c.send(room(c, 'after'));
    const after = await heard(a, 'after');
    crash(c);
    const gone = await a.next('gone', (event) => event.instance === c.instance, TTL * 2);
    expect(a.events.slice(before)).toEqual([after, gone]);
    expect(after.batch.first).toBe(1);

    b.send(claim(2, 'bea'));
    await a.next('joined', (event) => event.member.nick === 'bea');
    expect(a.reports).toEqual([]);
  });
});
