import { createHash } from 'node:crypto';
import { Observable, Subject } from 'rxjs';
import type {
  BusEvent as Event,
  ClusterMember,
  BusRequest as Request,
  ClusterSelf,
  Fact,
  HistoryQuery,
} from '../../streams/cluster/bus.js';
import type { HistoryEntry } from '../../streams/server/history.js';
import { nickKey } from '../../streams/protocol/nick.js';

/** A member's `client`, as Redis's scripts make it: a digest of its session, none for a plain client. */
const clientOf = (session: string | undefined): { client?: string } =>
  session ? { client: createHash('sha1').update(session).digest('hex') } : {};

/** A message on the shared channel: to every instance but its sender (or to all, its sender too), or to one. */
interface Delivery {
  readonly event: Event;
  readonly from: string;
  readonly to?: string;
  readonly all?: boolean;
}

interface Held {
  readonly member: ClusterMember & { readonly room: string };
  readonly session?: string;
}

export interface InProcessClusterOptions {
  /** Lines kept per room. */
  readonly historySize: number;
  readonly epoch?: string;
  /** The room a new member is in, kept when it empties (others are forgotten with their history). */
  readonly firstRoom?: string;
}

/**
 * A cluster kept in memory: the bus contract the Redis driver implements (spec/contract/
 * bus-contract.ts holds both to it), with each step done at once. Routers that share one are
 * nodes of one cluster without a Redis. Events go out synchronously, inside the request that
 * caused them.
 */
export function createInProcessCluster(options: InProcessClusterOptions) {
  const epoch = options.epoch ?? 'in-process';
  const firstRoom = options.firstRoom ?? '#lobby';
  const nicks = new Map<string, Held>();
  const live = new Set<string>();
  /** Each room's last lines, oldest first. */
  const histories = new Map<string, HistoryEntry[]>();
  /** The cluster's facts by key, as JSON (so a fact given twice is the same one). */
  const facts = new Map<string, string>();
  const channel = new Subject<Delivery>();
  let seq = 0;
  let guests = 0;

  const holder = (key: string): Held | undefined => {
    const held = nicks.get(key);
    return held && live.has(held.member.instance) ? held : undefined;
  };
  const publish = (from: string, event: Event, to?: string): void => channel.next({ event, from, to });
  const toAll = (from: string, event: Event): void => channel.next({ event, from, all: true });
  const keyOf = (request: { nick: string; key?: string }): string => request.key ?? nickKey(request.nick);

  /** A room no live member is in any more is forgotten, with its history and topic; the first room never. */
  function forgetIfEmpty(room: string): void {
    if (room === firstRoom || [...nicks.values()].some((held) => held.member.room === room && live.has(held.member.instance))) return;
    histories.delete(room);
  }

  function claim(self: ClusterSelf, request: Extract<Request, { type: 'claim' }>): Event {
    let nick = request.nick;
    let key: string;
    if (nick === undefined) {
      do nick = `guest-${++guests}`;
      while (holder((key = nickKey(nick))));
    } else {
      key = keyOf({ nick, key: request.key });
      const held = holder(key);
      if (held && held.member.instance !== self.instance) {
        if (request.session === undefined || held.session !== request.session)
          return { type: 'claimed', conn: request.conn, nick, ok: false };
        publish(self.instance, { type: 'taken', nick: held.member.nick }, held.member.instance);
      }
    }
    const previousKey = request.previous === undefined ? undefined : (request.previousKey ?? nickKey(request.previous));
    const before = previousKey === undefined ? undefined : nicks.get(previousKey);
    const mine = before?.member.instance === self.instance ? before : undefined;
    const member = { nick, node: self.node, instance: self.instance, room: mine?.member.room ?? firstRoom, ...clientOf(request.session) };
    if (mine && previousKey !== key) nicks.delete(previousKey!);
    nicks.set(key, { member, session: request.session });
    publish(
      self.instance,
      request.previous === undefined ? { type: 'joined', member } : { type: 'renamed', from: request.previous, member },
    );
    return { type: 'claimed', conn: request.conn, nick, ok: true };
  }

  function sync(self: ClusterSelf, request: Extract<Request, { type: 'sync' }>): Event | undefined {
    const rooms = new Set<string>();
    for (const [key, held] of nicks) {
      if (held.member.instance !== self.instance) continue;
      nicks.delete(key);
      rooms.add(held.member.room);
    }
    seq = Math.max(seq, request.lastSeq);
    const refused: number[] = [];
    const members: ClusterMember[] = [];
    for (const { conn, nick, session, key, room = firstRoom } of request.members) {
      if (holder(keyOf({ nick, key }))) {
        refused.push(conn);
        continue;
      }
      const member = { nick, node: self.node, instance: self.instance, room, ...clientOf(session) };
      nicks.set(keyOf({ nick, key }), { member, session });
      members.push(member);
    }
    for (const room of rooms) forgetIfEmpty(room);
    const missed = request.missed ? { missed: { node: self.node, lines: request.missed } } : {};
    publish(self.instance, {
      type: 'synced',
      instance: self.instance,
      members,
      ...missed,
      ...(request.stopping ? { stopping: true } : {}),
    });
    return refused.length > 0 ? { type: 'refused', conns: refused } : undefined;
  }

  function move(self: ClusterSelf, request: Extract<Request, { type: 'move' }>): void {
    const held = nicks.get(request.key);
    if (held?.member.instance !== self.instance || held.member.room === request.room) return;
    const member = { ...held.member, room: request.room };
    nicks.set(request.key, { ...held, member });
    forgetIfEmpty(held.member.room);
    toAll(self.instance, { type: 'moved', member, from: held.member.room });
  }

  /** A fact kept (or lifted) and told to the others; one that must be first and is not comes back refused. */
  function fact(self: ClusterSelf, { fact, key, first }: Extract<Request, { type: 'fact' }>): Event | undefined {
    const json = JSON.stringify(fact);
    const held = facts.get(key);
    if (fact.lifted) facts.delete(key);
    else if (first && held !== undefined && held !== json) return { type: 'fact-refused', fact, held: JSON.parse(held) as Fact };
    else facts.set(key, json);
    publish(self.instance, { type: 'fact', fact });
    return undefined;
  }

  /** A room's lines since a time, or holding every word (in any case), the last `limit`, oldest first. */
  function query({ conn, room, query, limit }: Extract<Request, { type: 'query' }>): Event {
    const matches = (line: string, asked: HistoryQuery): boolean =>
      asked.kind === 'search' && asked.words.every((word) => line.toLowerCase().includes(word.toLowerCase()));
    const entries = (histories.get(room) ?? []).filter((entry) =>
      query.kind === 'since' ? entry.time >= query.time : matches(entry.line, query),
    );
    return { type: 'answer', conn, query, entries: entries.slice(-limit) };
  }

  function perform(self: ClusterSelf, request: Request): Event | undefined {
    switch (request.type) {
      case 'room': {
        const room = request.batch.room ?? firstRoom;
        const batch = { ...request.batch, room, first: seq + 1 };
        seq += batch.lines.length;
        const { author } = batch;
        const entries = batch.lines.map((line, index) => ({
          seq: batch.first + index,
          time: batch.time,
          line,
          room,
          ...(author === undefined ? {} : { author }),
        }));
        histories.set(room, [...(histories.get(room) ?? []), ...entries].slice(-Math.max(options.historySize, 1)));
        toAll(self.instance, { type: 'room', batch });
        return undefined;
      }
      case 'claim':
        return claim(self, request);
      case 'release': {
        const key = keyOf(request);
        const held = nicks.get(key);
        if (held?.member.instance !== self.instance) return undefined;
        nicks.delete(key);
        forgetIfEmpty(held.member.room);
        publish(self.instance, { type: 'left', member: held.member, ...(request.away ? { away: request.away } : {}) });
        return undefined;
      }
      case 'sync':
        return sync(self, request);
      case 'private':
        publish(self.instance, { type: 'private', to: request.to, line: request.line }, request.instance);
        return undefined;
      case 'kick':
        if (!live.has(request.instance)) return { type: 'unsent', request };
        publish(self.instance, { type: 'kick', to: request.to, line: request.line, reason: request.reason }, request.instance);
        return { type: 'kicked', request };
      case 'move':
        move(self, request);
        return undefined;
      case 'fact':
        return fact(self, request);
      case 'query':
        return query(request);
      case 'privates-ask': {
        const { conn, session, after } = request;
        publish(self.instance, { type: 'privates-asked', conn, instance: self.instance, session, after }, request.instance);
        return undefined;
      }
      case 'privates-give': {
        const { conn, session, lines, notice } = request;
        publish(self.instance, { type: 'privates-given', conn, session, lines, ...(notice ? { notice } : {}) }, request.instance);
        return undefined;
      }
    }
  }

  return {
    /** A node's bus: subscribing joins (`up` at once), unsubscribing leaves as a stopping node does. */
    bus(self: ClusterSelf): (request$: Observable<Request>) => Observable<Event> {
      return (request$) =>
        new Observable<Event>((subscriber) => {
          const heard = channel.subscribe(({ event, from, to, all }) => {
            const forMe = to === undefined ? all || from !== self.instance : to === self.instance;
            if (forMe) subscriber.next(event);
          });
          live.add(self.instance);
          const members = [...nicks.values()].filter((held) => live.has(held.member.instance)).map((held) => held.member);
          const history = options.historySize > 0 ? [...histories.values()].flat().sort((a, b) => a.seq - b.seq) : [];
          const kept = [...facts.values()].map((json) => JSON.parse(json) as Fact);
          subscriber.next({ type: 'up', epoch, history, members, facts: kept });
          const requests = request$.subscribe((request) => {
            const reply = perform(self, request);
            if (reply) subscriber.next(reply);
          });
          return () => {
            requests.unsubscribe();
            heard.unsubscribe();
          };
        });
    },

    /** A node dies at once: the others hear that it is gone, and its nicks are free. */
    crash(self: ClusterSelf): void {
      live.delete(self.instance);
      const rooms = new Set<string>();
      for (const [key, held] of nicks) {
        if (held.member.instance !== self.instance) continue;
        nicks.delete(key);
        rooms.add(held.member.room);
      }
      for (const room of rooms) forgetIfEmpty(room);
      publish(self.instance, { type: 'gone', instance: self.instance, node: self.node });
    },
  };
}

export type InProcessCluster = ReturnType<typeof createInProcessCluster>;
