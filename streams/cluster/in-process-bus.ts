import { Observable, Subject } from '../rx.js';
import { nickKey } from '../protocol/nick.js';
import { roomEntries, type BusEvent, type BusRequest, type ClusterMember, type ClusterSelf, type RoomBatch } from './bus.js';

/** A message on the shared channel: to every instance but its sender (room lines to all), or to one. */
interface Delivery {
  readonly event: BusEvent;
  readonly from: string;
  readonly to?: string;
}

interface Held {
  readonly member: ClusterMember;
  readonly session?: string;
}

/**
 * A cluster kept in memory: the bus contract the Redis driver implements, with each step done
 * at once. Routers that share one are one room; it is the reference for what a bus must do and
 * how the nodes of a cluster meet without a Redis (a lone server needs no bus at all).
 * Events go out synchronously, inside the request that caused them.
 */
export function createInProcessCluster(options: { readonly historySize: number; readonly epoch?: string }) {
  const epoch = options.epoch ?? 'in-process';
  const nicks = new Map<string, Held>();
  const live = new Set<string>();
  const batches: RoomBatch[] = [];
  const channel = new Subject<Delivery>();
  let seq = 0;
  let guests = 0;

  const holder = (key: string): Held | undefined => {
    const held = nicks.get(key);
    return held && live.has(held.member.instance) ? held : undefined;
  };
  const publish = (from: string, event: BusEvent, to?: string): void => channel.next({ event, from, to });

  function claim(self: ClusterSelf, request: Extract<BusRequest, { type: 'claim' }>): BusEvent {
    let nick = request.nick;
    if (nick === undefined) {
      do nick = `guest-${++guests}`;
      while (holder(nickKey(nick)));
    } else {
      const held = holder(nickKey(nick));
      if (held && held.member.instance !== self.instance) {
        if (request.session === undefined || held.session !== request.session) return { type: 'claimed', conn: request.conn, nick, ok: false };
        publish(self.instance, { type: 'taken', nick: held.member.nick }, held.member.instance);
      }
    }
    const member = { nick, node: self.node, instance: self.instance };
    if (request.previous !== undefined && nickKey(request.previous) !== nickKey(nick) && nicks.get(nickKey(request.previous))?.member.instance === self.instance) {
      nicks.delete(nickKey(request.previous));
    }
    nicks.set(nickKey(nick), { member, session: request.session });
    publish(self.instance, request.previous === undefined ? { type: 'joined', member } : { type: 'renamed', from: request.previous, member });
    return { type: 'claimed', conn: request.conn, nick, ok: true };
  }

  function sync(self: ClusterSelf, request: Extract<BusRequest, { type: 'sync' }>): BusEvent | undefined {
    for (const [key, held] of nicks) if (held.member.instance === self.instance) nicks.delete(key);
    seq = Math.max(seq, request.lastSeq);
    const refused: number[] = [];
    const members: ClusterMember[] = [];
    for (const { conn, nick, session } of request.members) {
      if (holder(nickKey(nick))) {
        refused.push(conn);
        continue;
      }
      const member = { nick, node: self.node, instance: self.instance };
      nicks.set(nickKey(nick), { member, session });
      members.push(member);
    }
    const missed = request.missed ? { missed: { node: self.node, lines: request.missed } } : {};
    publish(self.instance, { type: 'synced', instance: self.instance, members, ...missed });
    return refused.length > 0 ? { type: 'refused', conns: refused } : undefined;
  }

  function perform(self: ClusterSelf, request: BusRequest): BusEvent | undefined {
    switch (request.type) {
      case 'room': {
        const batch = { ...request.batch, first: seq + 1 };
        seq += batch.lines.length;
        batches.push(batch);
        if (batches.length > Math.max(options.historySize, 1)) batches.shift();
        channel.next({ event: { type: 'room', batch }, from: self.instance });
        return undefined;
      }
      case 'claim':
        return claim(self, request);
      case 'release': {
        const held = nicks.get(nickKey(request.nick));
        if (held?.member.instance !== self.instance) return undefined;
        nicks.delete(nickKey(request.nick));
        publish(self.instance, { type: 'left', member: held.member });
        return undefined;
      }
      case 'sync':
        return sync(self, request);
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
            const forMe = to === undefined ? from !== self.instance || event.type === 'room' : to === self.instance;
            if (forMe) subscriber.next(event);
          });
          live.add(self.instance);
          const members = [...nicks.values()].filter((held) => live.has(held.member.instance)).map((held) => held.member);
          const history = options.historySize > 0 ? batches.flatMap(roomEntries).slice(-options.historySize) : [];
          subscriber.next({ type: 'up', epoch, history, members });
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
