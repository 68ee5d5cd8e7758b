import { Observable, Subject } from '../rx.js';
import { nickKey } from '../protocol/nick.js';
import { roomEntries, type BusEvent, type BusRequest, type ClusterMember, type ClusterSelf, type RoomBatch, type RoomTopic } from './bus.js';

/** A message on the shared channel: to every instance but its sender (room lines, moves and topics to all), or to one. */
interface Delivery {
  readonly event: BusEvent;
  readonly from: string;
  readonly to?: string;
}

interface Held {
  readonly member: ClusterMember;
  readonly session?: string;
}

/** Events every instance hears, its sender too. */
const TO_ALL = new Set<BusEvent['type']>(['room', 'moved', 'topic']);

/**
 * A cluster kept in memory: the bus contract the Redis driver implements, with each step done
 * at once. Routers that share one are one chat; it is the reference for what a bus must do and
 * how the nodes of a cluster meet without a Redis (a lone server needs no bus at all).
 * Nicks are held by the keys the requests carry. Events go out synchronously, inside the
 * request that caused them. `now` stamps topics (a Redis stamps them with its own clock);
 * `firstRoom` is where new members are.
 */
export function createInProcessCluster(options: { readonly historySize: number; readonly epoch?: string; readonly now?: () => number; readonly firstRoom?: string }) {
  const epoch = options.epoch ?? 'in-process';
  /** Where a new member is. */
  const firstRoom = options.firstRoom ?? '#lobby';
  const now = options.now ?? (() => 0);
  const nicks = new Map<string, Held>();
  const live = new Set<string>();
  /** Each room's last batches. */
  const rooms = new Map<string, RoomBatch[]>();
  const topics = new Map<string, RoomTopic>();
  const channel = new Subject<Delivery>();
  let seq = 0;
  let guests = 0;

  const holder = (key: string): Held | undefined => {
    const held = nicks.get(key);
    return held && live.has(held.member.instance) ? held : undefined;
  };
  const publish = (from: string, event: BusEvent, to?: string): void => channel.next({ event, from, to });
  const ownHeld = (self: ClusterSelf, key: string | undefined): Held | undefined => {
    const held = key === undefined ? undefined : nicks.get(key);
    return held?.member.instance === self.instance ? held : undefined;
  };

  function claim(self: ClusterSelf, request: Extract<BusRequest, { type: 'claim' }>): BusEvent {
    let nick = request.nick;
    let key = request.key ?? (nick === undefined ? undefined : nickKey(nick));
    if (nick === undefined || key === undefined) {
      do nick = `guest-${++guests}`;
      while (holder((key = nickKey(nick))));
    } else {
      const held = holder(key);
      if (held && held.member.instance !== self.instance) {
        if (request.session === undefined || held.session !== request.session) return { type: 'claimed', conn: request.conn, nick, ok: false };
        publish(self.instance, { type: 'taken', nick: held.member.nick }, held.member.instance);
      }
    }
    const previousKey = request.previousKey ?? (request.previous === undefined ? undefined : nickKey(request.previous));
    const previous = ownHeld(self, previousKey);
    const member = { nick, room: previous?.member.room ?? firstRoom, node: self.node, instance: self.instance };
    if (previous && previousKey !== key) nicks.delete(previousKey!);
    nicks.set(key, { member, session: request.session });
    publish(self.instance, request.previous === undefined ? { type: 'joined', member } : { type: 'renamed', from: request.previous, member });
    return { type: 'claimed', conn: request.conn, nick, ok: true };
  }

  function sync(self: ClusterSelf, request: Extract<BusRequest, { type: 'sync' }>): BusEvent | undefined {
    for (const [key, held] of nicks) if (held.member.instance === self.instance) nicks.delete(key);
    seq = Math.max(seq, request.lastSeq);
    const refused: number[] = [];
    const members: ClusterMember[] = [];
    for (const { conn, nick, key, room, session } of request.members) {
      if (holder(key)) {
        refused.push(conn);
        continue;
      }
      const member = { nick, room, node: self.node, instance: self.instance };
      nicks.set(key, { member, session });
      members.push(member);
    }
    const missed = request.missed ? { missed: { node: self.node, lines: request.missed } } : {};
    publish(self.instance, { type: 'synced', instance: self.instance, members, ...missed });
    return refused.length > 0 ? { type: 'refused', conns: refused } : undefined;
  }

  function keep(batch: RoomBatch): void {
    const batches = rooms.get(batch.room) ?? [];
    batches.push(batch);
    let lines = batches.reduce((sum, each) => sum + each.lines.length, 0);
    while (batches.length > 1 && lines - batches[0].lines.length >= options.historySize) lines -= batches.shift()!.lines.length;
    rooms.set(batch.room, batches);
  }

  /** Every room's last lines, oldest first. */
  function history() {
    if (options.historySize <= 0) return [];
    const entries = [...rooms.values()].flatMap((batches) => batches.flatMap(roomEntries).slice(-options.historySize));
    return entries.sort((a, b) => a.seq - b.seq);
  }

  function perform(self: ClusterSelf, request: BusRequest): BusEvent | undefined {
    switch (request.type) {
      case 'room': {
        const batch = { ...request.batch, first: seq + 1 };
        seq += batch.lines.length;
        keep(batch);
        publish(self.instance, { type: 'room', batch });
        return undefined;
      }
      case 'claim':
        return claim(self, request);
      case 'release': {
        const held = ownHeld(self, request.key);
        if (!held) return undefined;
        nicks.delete(request.key);
        publish(self.instance, { type: 'left', member: held.member });
        return undefined;
      }
      case 'sync':
        return sync(self, request);
      case 'move': {
        const held = ownHeld(self, request.key);
        if (!held) return undefined;
        const member = { ...held.member, room: request.room };
        nicks.set(request.key, { ...held, member });
        publish(self.instance, { type: 'moved', member, from: held.member.room });
        return undefined;
      }
      case 'topic': {
        const topic = { room: request.room, topic: request.topic, by: request.by, time: now() };
        topics.set(request.room, topic);
        publish(self.instance, { type: 'topic', ...topic });
        return undefined;
      }
      case 'private':
        publish(self.instance, { type: 'private', to: request.to, line: request.line }, request.instance);
        return undefined;
    }
  }

  return {
    /** A node's bus: subscribing joins (`up` at once), unsubscribing leaves as a stopping node does. */
    bus(self: ClusterSelf): (request$: Observable<BusRequest>) => Observable<BusEvent> {
      return (request$) =>
        new Observable<BusEvent>((subscriber) => {
          const heard = channel.subscribe(({ event, from, to }) => {
            const forMe = to === undefined ? from !== self.instance || TO_ALL.has(event.type) : to === self.instance;
            if (forMe) subscriber.next(event);
          });
          live.add(self.instance);
          const members = [...nicks.values()].filter((held) => live.has(held.member.instance)).map((held) => held.member);
          subscriber.next({ type: 'up', epoch, history: history(), members, topics: [...topics.values()] });
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
      for (const [key, held] of nicks) if (held.member.instance === self.instance) nicks.delete(key);
      publish(self.instance, { type: 'gone', instance: self.instance, node: self.node });
    },
  };
}

export type InProcessCluster = ReturnType<typeof createInProcessCluster>;
