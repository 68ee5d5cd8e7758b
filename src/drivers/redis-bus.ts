import { createHash, randomBytes } from 'node:crypto';
import type * as Redis from 'redis';
import { Observable, Subject, type Subscription } from '../../streams/rx.js';
import type {
  BusEvent as Event,
  ClusterMember,
  Fact,
  KeptPrivate,
  BusRequest as Request,
  MissedLines,
  RoomBatch,
} from '../../streams/cluster/bus.js';
import { CLAIM, FACT, FORGET, HEARTBEAT, JOIN, MISSED_KEPT, MOVE, PRIVATE, RELEASE, ROOM, SYNC } from './redis-scripts.js';
import { KickLedger } from './kick-ledger.js';
import { silentFor } from './silent-for.js';

/** A line of history as the bus hands it on: always with its room. */
interface Entry {
  readonly seq: number;
  readonly time: number;
  readonly line: string;
  readonly room: string;
  readonly author?: string;
}

export interface RedisBusOptions {
  /** `redis://[:PASSWORD@]HOST:PORT`, or `rediss://` for TLS. */
  readonly url: string;
  /** Several clusters can share one Redis under different names. */
  readonly cluster: string;
  readonly node: string;
  readonly instance: string;
  /** Room lines kept per room, here and in Redis. */
  readonly historySize: number;
  /** The room a new member is in, kept when it empties; '#lobby' by default. */
  readonly firstRoom?: string;
  /** A node not heard from for this long is gone, and its members with it. */
  readonly ttlMs: number;
  /** Problems worth telling the operator once (Redis unreachable, a script refused). */
  readonly report: (text: string) => void;
  /**
   * Told true when more room lines are on their way to Redis than it takes in (the server then
   * stops reading its clients, so TCP makes them wait), and false once they have gone.
   */
  readonly congested?: (on: boolean) => void;
}

/** How long Redis keeps that a kick was done, for a kicker's node cut off meanwhile to learn it once back. */
const KICKED_KEPT_MS = 3_600_000;
/** Private lines handed back unsent that a node looks for in their mailboxes once it is back (see `latePrivatesWent`). */
const UNSENT_PRIVATES_KEPT = 100;
/** Private lines that Redis took watched for their instance to go silent before reading them (see `unreachedPrivates`). */
const SENT_PRIVATES_WATCHED = 1000;

/** A heartbeat answered within this long tells how far Redis's clock is from this node's. */
const CLOCK_ROUND_TRIP_MS = 1000;

/** How long a node waits before asking to join again when Redis refused it (while connected). */
const JOIN_RETRY_MS = 1000;

/**
 * Room batches, or bytes of them, sent to Redis and not yet heard back, above which the node is
 * congested; below the UNCONGESTED ones it is not. The count matters as much as the bytes: many short
 * lines would fill the Redis client's own queue long before the bytes bound. Reading resumes while
 * three quarters are still on their way, so Redis never runs dry while the node catches up (with a
 * quarter, a sender kept 16k lines ahead held every read a dozen times in 3 s).
 */
const CONGESTED = { batches: 1000, bytes: 2 * 1024 * 1024 };
const UNCONGESTED = { batches: 750, bytes: 1536 * 1024 };

type Client = ReturnType<typeof Redis.createClient>;

/** A message on the cluster's channel (see redis-scripts.ts for who sends which). */
type BusMessage = Record<string, unknown> & { type?: unknown };
type KickRequest = Extract<Request, { type: 'kick' }>;
type PrivateRequest = Extract<Request, { type: 'private' }>;

/** The two connections to Redis of one attempt: a silent one is dropped whole and made anew. */
interface Link {
  readonly commands: Client;
  readonly listener: Client;
  /** Its number, one more than the last link's: once it has joined, Redis refuses room lines sent on an older one. */
  readonly id: number;
  subscribed: boolean;
}

/** A room batch sent to Redis, until this node has heard it back (or knows it never got there). */
interface Outgoing {
  /** Its number here, sent along with it. */
  readonly id: number;
  readonly request: Extract<Request, { type: 'room' }>;
  readonly bytes: number;
  /** The cluster's number for its last line, once Redis has answered. */
  last?: number;
  /** Heard back on the channel, numbered. */
  heard?: RoomBatch;
  failed?: boolean;
}

/**
 * The cluster's bus in Redis, as a function of the router's requests: cold, so subscribing
 * connects (one connection for commands, one listening to the channel) and unsubscribing lets
 * go of both once what was asked has been sent. It says `up` once joined, `down` when Redis is
 * lost or has gone silent (its own heartbeat does not come back in time), and joins again by
 * itself when Redis is back. A request made while it is down comes back as `unsent`, so the
 * router can do it locally. This node's room lines come back in the order they were asked,
 * whether they crossed (numbered by the cluster) or not (`unsent`), never one before another.
 * The Redis client is loaded on subscribing, so a server is listening before it has even loaded
 * the code to reach its cluster.
 */
export function redisBus(options: RedisBusOptions): (request$: Observable<Request>) => Observable<Event> {
  return (request$) =>
    new Observable<Event>((subscriber) => {
      // Down until the client is loaded: what is asked meanwhile comes back unsent, never lost.
      const loading = request$.subscribe((request) => {
        if (handedBack(request)) subscriber.next({ type: 'unsent', request });
      });
      let bus: Subscription | undefined;
      let stopped = false;
      import('redis').then(
        ({ createClient }) => {
          if (stopped) return;
          loading.unsubscribe();
          bus = busThrough(createClient, options, request$).subscribe(subscriber);
        },
        (error: unknown) => subscriber.error(error),
      );
      return () => {
        stopped = true;
        loading.unsubscribe();
        bus?.unsubscribe();
      };
    });
}

/** Whether a request the cluster did not get comes back as `unsent`: freeing or holding nicks is done anew when it is back. */
const handedBack = (request: Request): boolean => request.type !== 'release' && request.type !== 'sync';

function busThrough(createClient: typeof Redis.createClient, options: RedisBusOptions, request$: Observable<Request>): Observable<Event> {
  const prefix = `tcpchat:{${options.cluster}}:`;
  const firstRoom = options.firstRoom ?? '#lobby';
  const channel = `${prefix}bus`;
  const self = options.instance;
  /**
   * Heartbeats go out this often; one that has not come back within `silentMs` means the link is
   * silent: half the TTL, so the node knows before the others forget it, but never so short that
   * a busy moment (a long GC pause, a loaded machine) would cut a working link. An attempt to join
   * (connecting, subscribing, the first script's answer) is held to the same bound: one made into a
   * dead route would otherwise hang there after the route is back.
   */
  const beatMs = Math.max(Math.floor(options.ttlMs / 4), 10);
  const silentMs = Math.max(Math.floor(options.ttlMs / 2), 1000);
  return new Observable<Event>((subscriber) => {
    const reconnectStrategy = (retries: number): number => Math.min(50 * 2 ** retries, 1000);
    let link: Link | undefined;
    let state: 'down' | 'joining' | 'up' = 'down';
    let stopped = false;
    /** Messages heard while joining: they follow the snapshot the join returns. */
    let early: BusMessage[] = [];
    /** The last room line the history of this node's last join held (see `dispatch`). */
    let joinedThrough = 0;
    let problem = '';
    let retry: ReturnType<typeof setTimeout> | undefined;
    /** Ends the attempt to join under way if it has not joined within `silentMs`: it is dropped whole and made anew. */
    let attempt: ReturnType<typeof setTimeout> | undefined;
    const nodes = new Map<string, string>();
    const heard = new Subject<string>();
    /** The cluster as this node last joined it: another `born` means Redis has lost it meanwhile. */
    let known: { readonly epoch: string; readonly born: string } | undefined;
    /** The highest sequence number heard: numbering goes on after it, even in a Redis that lost it. */
    let lastSeq = 0;
    /** This node's room batches on their way, by their number here, in the order they were sent. */
    const sending = new Map<number, Outgoing>();
    let sendingBytes = 0;
    let sent = 0;
    /** Links made so far (see Link.id). */
    let links = 0;
    /** Since when (Redis's ms) this node's members hold their nicks: the first holder keeps a nick after a split. */
    const heldSince = new Map<string, number>();
    /**
     * Redis's clock less this node's, as last measured (a heartbeat's answer): a nick taken while
     * Redis cannot answer is timed by this node's clock put on Redis's, so nodes whose clocks differ
     * agree on who took it first.
     */
    let redisAhead = 0;
    /** The number of the last private line to this instance's members it has handed on (see PRIVATE): each goes once. */
    let privatesHeard = 0;
    let privatesSent = 0;
    /** Private lines handed back unsent, by id (the last UNSENT_PRIVATES_KEPT): Redis may have taken them all the same. */
    const unsentPrivates = new Map<string, PrivateRequest>();
    /** Private lines Redis took, by id, with their number in their instance's mailbox: the latest SENT_PRIVATES_WATCHED. */
    const sentPrivates = new Map<string, { request: PrivateRequest; n: number }>();
    /** The reports of lines that never crossed that this node has heard (their ids): each is told once. */
    const heardMissed = new Set<string>();
    /** Batches handed back unsent since the last join: should Redis still run one late, this node has shown it already. */
    const handedBackIds = new Set<number>();
    let congested = false;
    /** When this node last heard itself on the channel. */
    let selfHeard = 0;
    const kicks = new KickLedger<KickRequest>(self, silentMs, (request) => emit({ type: 'unsent', request }));
    const run = (script: string, args: readonly (string | number)[]): Promise<unknown> =>
      link ? evaluate(link.commands, script, [prefix, self, ...args.map(String)]) : Promise.reject(new Error('not connected to Redis'));
    const emit = (event: Event): void => {
      if (event.type === 'room') lastSeq = Math.max(lastSeq, event.batch.first + event.batch.lines.length - 1);
      subscriber.next(event);
    };

    function tell(text: string): void {
      if (text === problem) return;
      problem = text;
      options.report(text);
    }

    function open(): void {
      const commands: Client = createClient({
        url: options.url,
        disableOfflineQueue: true,
        commandsQueueMaxLength: 10_000,
        socket: { reconnectStrategy },
      });
      const listener: Client = commands.duplicate();
      const current: Link = { commands, listener, id: ++links, subscribed: false };
      link = current;
      bound();
      for (const client of [commands, listener]) {
        client.on('error', (error: unknown) => link === current && lost(describe(error)));
        client.on('ready', () => link === current && void join());
      }
      // Connecting retries until it succeeds or the link is let go (then it rejects: nothing to tell).
      Promise.all([commands.connect(), listener.connect()])
        .then(() => listener.subscribe(channel, (json: string) => link === current && onMessage(json)))
        .then(() => {
          // Let go of while connecting: a client destroyed before its socket was made connects all the same
          // (node-redis), saying it is not open, so it is destroyed again now that it has a socket.
          if (link !== current) {
            for (const client of [commands, listener]) client.destroy();
            return;
          }
          current.subscribed = true;
          return join();
        })
        .catch(() => {});
    }

    /** Lets go of the link's connections: closed once what was asked has gone, or at once. */
    function close(gone: Link, gently: boolean): void {
      for (const client of [gone.listener, gone.commands]) {
        if (gently && client.isReady) client.close().catch(() => client.destroy());
        else if (client.isOpen) client.destroy();
      }
    }

    /** An attempt to join starts now: unless it has joined within `silentMs`, it is cut off. */
    function bound(): void {
      clearTimeout(attempt);
      attempt = setTimeout(() => state !== 'up' && cutOff(), silentMs);
    }

    /** The link is silent (`reason` told when it was up) or stuck joining: dropped at once and made anew. */
    function cutOff(reason?: string): void {
      const gone = link;
      link = undefined;
      if (state === 'up') lost(reason ?? 'Redis has gone silent');
      else state = 'down';
      if (gone) close(gone, false);
      open();
    }

    function lost(reason: string): void {
      tell(`cluster: ${reason}`);
      if (state === 'down') return;
      const wasUp = state === 'up';
      state = 'down';
      early = [];
      // What Redis numbered reached the others: shown here too, as numbered there, before the
      // down; what it did not take is handed back after it, in order, to be shown here alone.
      for (const entry of sending.values())
        entry.heard ??=
          entry.last === undefined ? undefined : { ...entry.request.batch, first: entry.last - entry.request.batch.lines.length + 1 };
      settle(); // up to the first batch Redis did not number
      if (wasUp) emit({ type: 'down', reason });
      if (wasUp) bound(); // the Redis client connects again by itself: an attempt like any other
      for (const entry of sending.values()) entry.failed ||= !entry.heard;
      settle();
    }

    async function join(): Promise<void> {
      const current = link;
      if (stopped || state !== 'down' || !current?.subscribed || !current.commands.isReady || !current.listener.isReady) return;
      state = 'joining';
      try {
        // Every script is in Redis's cache before any request runs (a Redis restart empties it):
        // a request retried after NOSCRIPT would run after the ones behind it, out of order.
        await loadScripts(current.commands);
        const proposed = [known?.epoch ?? randomBytes(6).toString('base64url'), randomBytes(6).toString('base64url'), lastSeq];
        const reply = (await run(JOIN, [
          options.node,
          options.ttlMs,
          Math.max(options.historySize, 1),
          ...proposed,
          firstRoom,
          current.id,
        ])) as [string, string[], string[], string, string[], string[] | undefined];
        // Reports made while this node was apart, which it could not hear (one made since is heard twice: told once).
        const reports = await current.commands.lRange(`${prefix}missed`, 0, -1);
        // Private lines to its members that a dead link did not bring (one heard already is not handed on again).
        const mailbox = await current.commands.lRange(`${prefix}privates:${self}`, 0, -1);
        if (state !== 'joining' || link !== current) return;
        const [epoch, memberJson, batchJson, born, factJson, expired = []] = reply;
        // Each is marked heard; a node that joins for the first time had nobody here while the others were apart.
        const reported = reports.flatMap((json) => unheard(parse(json)[0]) ?? []);
        const missed = known === undefined ? [] : reported;
        const historyLost = known !== undefined && known.born !== born;
        if (historyLost) privatesHeard = 0; // its mailbox is numbered anew too
        const privates = unheardPrivates(mailbox);
        known = { epoch, born };
        const members = memberJson.flatMap((json) => memberOf(parse(json)[0], firstRoom) ?? []);
        const kept = batchJson.flatMap((json) => parse(json) as BusMessage[]).sort((a, b) => Number(a.first) - Number(b.first));
        const entries = kept.flatMap((batch) => roomBatch(batch, firstRoom).flatMap(entriesOf));
        const late = kept
          .flatMap((batch) =>
            batch.instance === self && handedBackIds.has(Number(batch.out)) ? roomBatch(batch, firstRoom).flatMap(entriesOf) : [],
          )
          .map((entry) => entry.seq);
        handedBackIds.clear();
        const history = lastOfEachRoom(entries, options.historySize);
        const facts = factJson.flatMap((json) => factOf(parse(json)[0]) ?? []);
        state = 'up';
        clearTimeout(attempt);
        problem = '';
        selfHeard = Date.now();
        lastSeq = Math.max(lastSeq, entries.at(-1)?.seq ?? 0);
        for (const member of members) if (member.instance !== self) nodes.set(member.instance, member.node);
        // Each instance known, from Redis or from before this node was apart, is watched anew: one that
        // never speaks again is gone (a Redis that came back empty no longer lists it).
        for (const [instance, node] of nodes) hear(instance, node);
        emit({
          type: 'up',
          epoch,
          history,
          members,
          facts,
          ...(historyLost ? { historyLost } : {}),
          ...(expired.length > 0 ? { expired } : {}),
          ...(privates.gone > 0 ? { privatesGone: privates.gone } : {}),
          ...(late.length > 0 ? { late } : {}),
          ...(missed.length > 0 ? { missed } : {}),
        });
        joinedThrough = history.at(-1)?.seq ?? 0;
        const heardMeanwhile = early;
        early = [];
        for (const message of privates.messages) dispatch(message);
        for (const message of heardMeanwhile) dispatch(message);
        void lateKicksDone(current);
        void latePrivatesWent(current);
      } catch (error) {
        if (state !== 'joining' || link !== current) return;
        state = 'down';
        tell(`cluster: cannot join: ${describe(error)}`);
        // Refused rather than cut off (a read-only replica, out of memory): asked again in a while.
        retry = setTimeout(() => void join(), JOIN_RETRY_MS);
      }
    }

    /** Kicks handed back unanswered that their node did all the same while this node was cut off (it could not hear it say so). */
    async function lateKicksDone(current: Link): Promise<void> {
      const ids = kicks.unansweredIds();
      if (ids.length === 0) return;
      const done = (await current.commands.sendCommand(['MGET', ...ids.map((id) => `${prefix}kicked:${id}`)]).catch(() => [])) as unknown[];
      ids.forEach((id, index) => {
        const answer = done[index] != null && state === 'up' ? kicks.answered(id) : undefined;
        if (answer) emit({ type: 'kicked', ...answer });
      });
    }

    /**
     * The private lines kept for this instance that it has not handed on (its mailbox, oldest first),
     * and how many came before them that are no longer kept (past PRIVATES_KEPT).
     */
    function unheardPrivates(kept: readonly string[]): { messages: BusMessage[]; gone: number } {
      const messages = kept.flatMap((json) => (parse(json) as BusMessage[]).filter((message) => Number(message.n) > privatesHeard));
      return { messages, gone: messages.length > 0 && privatesHeard > 0 ? Number(messages[0].n) - privatesHeard - 1 : 0 };
    }

    /**
     * Private lines Redis took for an instance now gone, numbered past what it said it had read by its
     * last heartbeat: they may never have reached their members, and their senders are told.
     */
    async function unreachedPrivates(instance: string, node: string): Promise<void> {
      const waiting = [...sentPrivates].filter(([, sent]) => sent.request.instance === instance);
      if (waiting.length === 0) return;
      for (const [id] of waiting) sentPrivates.delete(id);
      const heard = await link?.commands.get(`${prefix}privates:${instance}:heard`).catch(() => null);
      for (const [, sent] of waiting) if (sent.n > Number(heard ?? 0)) emit({ type: 'unreached', request: sent.request, node });
    }

    /** A message on the cluster's channel, on the link this node is on. */
    const publish = (message: object): Promise<undefined> =>
      link
        ? link.commands.publish(channel, JSON.stringify(message)).then(() => undefined)
        : Promise.reject(new Error('not connected to Redis'));

    /** Private lines handed back unsent that Redis took all the same (found in their nodes' mailboxes). */
    async function latePrivatesWent(current: Link): Promise<void> {
      for (const target of new Set([...unsentPrivates.values()].map((request) => request.instance))) {
        const kept = (await current.commands.lRange(`${prefix}privates:${target}`, 0, -1).catch(() => [])) as string[];
        for (const { id } of kept.flatMap((json) => parse(json) as BusMessage[])) {
          const request = typeof id === 'string' ? unsentPrivates.get(id) : undefined;
          if (!request || state !== 'up') continue;
          unsentPrivates.delete(id as string);
          emit({ type: 'went', request });
        }
      }
    }

    /** Another node's report of lines that never crossed, unless this node has heard it already (by its id). */
    function unheard(value: unknown): MissedLines | undefined {
      const report = value as { id?: unknown; instance?: unknown } | undefined;
      if (report?.instance === self) return undefined;
      if (typeof report?.id === 'string') {
        if (heardMissed.has(report.id)) return undefined;
        heardMissed.add(report.id);
        // Redis keeps the last MISSED_KEPT: older ids can never come back.
        for (const id of heardMissed) {
          if (heardMissed.size <= 2 * MISSED_KEPT) break;
          heardMissed.delete(id);
        }
      }
      return missedOf(value);
    }

    function hear(instance: string, node: string): void {
      nodes.set(instance, node);
      heard.next(instance);
    }

    function onMessage(json: string): void {
      // This node's own room lines are known here already: only their numbers are read, not the lines again.
      const own = ownBatchHead(json, self);
      if (own) return void (state === 'up' && heardOwn(own.out, own.first));
      const message = parse(json)[0] as BusMessage | undefined;
      if (!message) return;
      if (state === 'joining') early.push(message);
      else if (state === 'up') dispatch(message);
    }

    /** What another instance (or this one's own room lines) said, as events. A malformed message is not even heard. */
    function dispatch(message: BusMessage): void {
      // Numbered before this node joined, it came with the join's history: heard meanwhile, or late on the channel, it is not heard twice.
      if (message.type === 'room' && Number(message.first) <= joinedThrough) return;
      const member = memberOf(message.member, firstRoom);
      const sender = member?.instance ?? (typeof message.instance === 'string' ? message.instance : undefined);
      const event = eventOf(message, member, sender);
      if (event === undefined) return;
      if (sender === self) selfHeard = Date.now();
      // `taken` and `ousted` name the instance they are about, not their sender: no sign of its life (a killed node's, taken over).
      else if (sender && message.type !== 'taken' && message.type !== 'ousted')
        hear(sender, member?.node ?? (typeof message.node === 'string' ? message.node : (nodes.get(sender) ?? sender)));
      if (event) emit(event);
    }

    /** The event a message makes here: null when it is well-formed but tells this instance nothing, undefined when malformed. */
    function eventOf(message: BusMessage, member: ClusterMember | undefined, sender: string | undefined): Event | null | undefined {
      switch (message.type) {
        case 'room': {
          const [batch] = roomBatch(message, firstRoom);
          if (!batch || batch.instance !== self) return batch && { type: 'room', batch };
          heardOwn(Number(message.out), batch.first);
          return null;
        }
        case 'joined':
          return member && (member.instance === self ? null : { type: 'joined', member });
        case 'left':
          return member && (member.instance === self ? null : { type: 'left', member, ...(message.away === true ? { away: true } : {}) });
        case 'renamed':
          if (!member || typeof message.from !== 'string') return undefined;
          return member.instance === self ? null : { type: 'renamed', from: message.from, member };
        case 'moved':
          return member && typeof message.from === 'string' ? { type: 'moved', from: message.from, member } : undefined;
        case 'synced': {
          if (!sender || !Array.isArray(message.members)) return undefined;
          const members = message.members.flatMap((each) => memberOf(each, firstRoom) ?? []);
          const missed = unheard(message.missed);
          const stopping = message.stopping === true ? { stopping: true as const } : {};
          return sender === self ? null : { type: 'synced', instance: sender, members, ...(missed ? { missed } : {}), ...stopping };
        }
        case 'taken':
        case 'ousted':
          if (typeof message.instance !== 'string' || typeof message.nick !== 'string') return undefined;
          return message.instance === self ? { type: message.type, nick: message.nick } : null;
        case 'private':
          if (!sender || typeof message.target !== 'string' || typeof message.to !== 'string' || typeof message.line !== 'string')
            return undefined;
          if (message.target !== self) return null;
          // Numbered in this instance's mailbox (a node of an older build does not number them).
          if (typeof message.n === 'number') {
            if (message.n <= privatesHeard) return null;
            privatesHeard = message.n;
          }
          return { type: 'private', to: message.to, line: message.line };
        case 'kick': {
          const { target, to, line, reason, id } = message;
          if (!sender || typeof target !== 'string' || typeof to !== 'string' || typeof line !== 'string' || typeof reason !== 'string')
            return undefined;
          if (target !== self) return null;
          // The kicker's node tells the kicker once it hears this (this node tells the room); kept a while
          // for a kicker's node that was cut off meanwhile and asks once back (`lateKicksDone`).
          if (typeof id === 'string' && link) {
            void link.commands.sendCommand(['SET', `${prefix}kicked:${id}`, '1', 'PX', String(KICKED_KEPT_MS)]).catch(() => {});
            void publish({ type: 'kicked', instance: self, target: sender, id }).catch(() => {});
          }
          return { type: 'kick', to, line, reason };
        }
        case 'privates-ask': {
          const { target, conn, session, after } = message;
          if (!sender || typeof target !== 'string' || typeof conn !== 'number' || typeof session !== 'string' || typeof after !== 'number')
            return undefined;
          return target === self ? { type: 'privates-asked', conn, instance: sender, session, after } : null;
        }
        case 'privates-give': {
          const { target, conn, session, lines, notice } = message;
          if (!sender || typeof target !== 'string' || typeof conn !== 'number' || typeof session !== 'string') return undefined;
          if (target !== self) return null;
          const kept = Array.isArray(lines) ? lines.flatMap(keptPrivateOf) : [];
          return { type: 'privates-given', conn, session, lines: kept, ...(typeof notice === 'string' ? { notice } : {}) };
        }
        case 'kicked': {
          if (!sender || typeof message.id !== 'string') return undefined;
          if (message.target !== self) return null;
          const answer = kicks.answered(message.id);
          return answer ? { type: 'kicked', ...answer } : null; // null: said twice
        }
        case 'fact': {
          const fact = factOf(message.fact);
          return sender && fact ? (sender === self ? null : { type: 'fact', fact }) : undefined;
        }
        case 'beat':
          return sender ? null : undefined;
        default:
          return undefined;
      }
    }

    /** This node's own batch `out`, numbered from `first`: shown in the order it was sent; one no longer on its way was shown already. */
    function heardOwn(out: number, first: number): void {
      selfHeard = Date.now();
      const entry = sending.get(out);
      if (entry) entry.heard = { ...entry.request.batch, first };
      settle();
    }

    /** Room batches sent, in order: each heard back or refused is handed on; the first still on its way stops the rest. */
    function settle(): void {
      for (const [id, entry] of sending) {
        if (entry.heard) {
          emit({ type: 'room', batch: entry.heard });
        } else if (entry.failed) {
          handedBackIds.add(id);
          emit({ type: 'unsent', request: entry.request });
        } else {
          break;
        }
        sending.delete(id);
        sendingBytes -= entry.bytes;
      }
      congestion();
    }

    /** Past a bound of room batches on their way the node says it is congested, until most have gone. */
    function congestion(): void {
      const bound = congested ? UNCONGESTED : CONGESTED;
      const now = sending.size > bound.batches || sendingBytes > bound.bytes;
      if (now === congested) return;
      congested = now;
      options.congested?.(now);
    }

    function send(request: Extract<Request, { type: 'room' }>): void {
      const id = ++sent;
      const room = request.batch.room ?? firstRoom;
      const json = ownBatchJson({ ...request.batch, room }, id);
      const entry: Outgoing = { id, request, bytes: json.length };
      sending.set(id, entry);
      sendingBytes += entry.bytes;
      congestion();
      run(ROOM, [Math.max(options.historySize, 1), request.batch.lines.length, room, json, link?.id ?? 0])
        .then((last) => {
          // 0: refused, sent on a link Redis knows was let go (never the one this node is on).
          if (Number(last) > 0) entry.last = Number(last);
          else throw new Error('sent on a link that was let go');
        })
        .catch((error: unknown) => {
          if (!sending.has(id)) return; // handed on already, when the link was lost
          entry.failed = true;
          if (link?.commands.isReady) tell(`cluster: room failed: ${describe(error)}`);
          settle();
        });
    }

    function perform(request: Exclude<Request, { type: 'room' }>): Promise<Event | undefined> {
      switch (request.type) {
        case 'claim': {
          const { nick = '', previous = '', session = '', key = '', previousKey = '' } = request;
          return run(CLAIM, [options.node, session, nick, key, previous, previousKey, firstRoom, link?.id ?? 0]).then((reply) => {
            if (!Array.isArray(reply)) return { type: 'claimed', conn: request.conn, nick, ok: false };
            const [given, since, givenKey] = reply as [string, number, string];
            if (previous) heldSince.delete(previousKey);
            heldSince.set(givenKey, Number(since));
            return { type: 'claimed', conn: request.conn, nick: given, ok: true };
          });
        }
        case 'release': {
          const key = request.key ?? '';
          heldSince.delete(key);
          return run(RELEASE, [key, firstRoom, request.away ? 1 : 0]).then(() => undefined);
        }
        case 'sync': {
          const members = request.members.map((member) => ({ ...member, key: member.key ?? '', room: member.room ?? firstRoom }));
          // Taken while apart: by this node's clock, put on Redis's.
          const since = new Map(
            members.map(({ key, since }) => [key, since === undefined ? (heldSince.get(key) ?? 0) : since + redisAhead]),
          );
          heldSince.clear();
          for (const [key, ms] of since) if (ms > 0) heldSince.set(key, ms);
          const args = members.flatMap((member) => [member.nick, member.key, member.session ?? '', since.get(member.key)!, member.room]);
          const stopping = request.stopping ? 1 : 0;
          return run(SYNC, [options.node, request.lastSeq, request.missed ?? 0, firstRoom, stopping, ...args]).then((refused) => {
            const conns = (refused as number[]).map((index) => request.members[index].conn);
            return conns.length > 0 ? { type: 'refused', conns } : undefined;
          });
        }
        // Numbered, kept and published on the commands' connection, after what was sent before.
        case 'private': {
          const { instance: target, to, line } = request;
          const id = `${self}:${++privatesSent}`;
          return run(PRIVATE, [target, JSON.stringify({ type: 'private', instance: self, target, to, line, id }), link?.id ?? 0]).then(
            (n) => {
              if (Number(n) === 0) throw new Error('sent on a link that was let go');
              // Watched until its instance reads it, as far as the senders can tell (see `unreachedPrivates`).
              sentPrivates.set(id, { request, n: Number(n) });
              if (sentPrivates.size > SENT_PRIVATES_WATCHED) sentPrivates.delete(sentPrivates.keys().next().value!);
              return undefined;
            },
            (error: unknown) => {
              unsentPrivates.set(id, request); // handed back as unsent for this failure (it may have gone all the same)
              for (const old of unsentPrivates.keys()) if (unsentPrivates.size > UNSENT_PRIVATES_KEPT) unsentPrivates.delete(old);
              throw error;
            },
          );
        }
        case 'kick': {
          const id = kicks.send(request);
          const { instance: target, to, line, reason } = request;
          return publish({ type: 'kick', instance: self, target, to, line, reason, id }).catch((error: unknown) => {
            kicks.failed(id); // handed back as unsent for this failure, once (it may have gone all the same)
            throw error;
          });
        }
        case 'move':
          return run(MOVE, [request.key, request.room, firstRoom]).then(() => undefined);
        case 'fact': {
          const { fact, key, first } = request;
          return run(FACT, [key, JSON.stringify(fact), fact.lifted ? 1 : 0, first ? 1 : 0]).then((reply) => {
            const held = typeof reply === 'string' && reply !== '' ? factOf(parse(reply)[0]) : undefined;
            return held && { type: 'fact-refused', fact, held };
          });
        }
        case 'query':
          return answerFrom(link!.commands, `${prefix}history:${request.room}`, request, firstRoom);
        // A client's private lines, asked of the node that kept them and given back: for a client that is here now, or never.
        case 'privates-ask': {
          const { conn, instance: target, session, after } = request;
          return publish({ type: 'privates-ask', instance: self, target, conn, session, after });
        }
        case 'privates-give': {
          const { conn, instance: target, session, lines, notice } = request;
          return publish({ type: 'privates-give', instance: self, target, conn, session, lines, ...(notice ? { notice } : {}) });
        }
      }
    }

    /** A nick claim Redis did not answer is taken here alone (`unsent`): held since it was asked, on Redis's clock. */
    function takenHere(request: Request, asked: number): void {
      if (request.type === 'claim' && request.key) heldSince.set(request.key, asked + redisAhead);
    }

    function request(request: Request): void {
      const asked = Date.now();
      if (state !== 'up') {
        takenHere(request, asked);
        if (handedBack(request)) emit({ type: 'unsent', request });
        return;
      }
      if (request.type === 'room') return send(request);
      perform(request).then(
        (event) => event && emit(event),
        (error: unknown) => {
          takenHere(request, asked);
          if (handedBack(request)) emit({ type: 'unsent', request });
          if (link?.commands.isReady) tell(`cluster: ${request.type} failed: ${describe(error)}`);
        },
      );
    }

    const liveness = heard.pipe(silentFor(options.ttlMs)).subscribe((instance) => {
      if (state !== 'up') return; // silent while this node is apart: watched anew once it is back
      const node = nodes.get(instance) ?? instance;
      nodes.delete(instance); // a restarted node is a new instance: the old name need not be kept
      // Redis lets its link go first (see FORGET): by the time its people are told gone here, what a
      // dead route of its still carries is refused.
      void run(FORGET, [instance, firstRoom])
        .catch(() => {})
        .then(() => {
          if (state !== 'up') return;
          emit({ type: 'gone', instance, node });
          void unreachedPrivates(instance, node);
        });
    });
    // The heartbeat keeps this node alive for the others, and tells it whether Redis still answers:
    // it does when this node hears itself on the channel. Silent too long, the link is made anew.
    let ticked = Date.now();
    let beaten = Date.now();
    const heartbeat = setInterval(() => {
      const now = Date.now();
      const late = now - ticked - beatMs;
      const stalled = late > silentMs / 2;
      ticked = now;
      if (!link || state !== 'up') return; // an attempt to join is bounded on its own (`bound`)
      // This process stood still (stopped, a frozen VM): the silence was its own, not Redis's. While
      // the others still count it alive (from its last beat, with a margin for the beat now to reach
      // them) it beats at once, and the time it stood still is not counted against Redis; later it
      // joins anew, as its members may be forgotten, and says why. Only that time: on a machine so
      // busy that every tick is late, a Redis that stopped answering is still found out.
      const sinceBeat = now - beaten;
      if (stalled && sinceBeat < options.ttlMs - Math.min(beatMs, 500)) selfHeard = Math.min(now, selfHeard + late);
      else if (stalled)
        return cutOff(`this server stood still: its last heartbeat was ${seconds(sinceBeat)} ago, too near the presence TTL`);
      const waited = now - selfHeard;
      if (waited > silentMs) return cutOff(`Redis has not answered for ${seconds(waited)}`);
      beaten = now;
      const beating = link;
      void run(HEARTBEAT, [options.node, options.ttlMs, privatesHeard, beating.id]).then(
        (redisNow) => {
          // The cluster took this node for gone (it was silent too long) and let its link go: it joins anew.
          if (Number(redisNow) === 0) return void (link === beating && state === 'up' && cutOff('the cluster took this server for gone'));
          // Redis answered at about halfway: a late answer (a busy Redis) would mislead more than it tells.
          const answered = Date.now();
          if (answered - now < CLOCK_ROUND_TRIP_MS) redisAhead = Number(redisNow) - Math.round((now + answered) / 2);
        },
        () => {},
      );
    }, beatMs);
    const requests = request$.subscribe(request);
    open();

    return () => {
      stopped = true;
      state = 'down';
      requests.unsubscribe();
      liveness.unsubscribe();
      clearInterval(heartbeat);
      clearTimeout(retry);
      clearTimeout(attempt);
      kicks.close();
      // What was asked last (freeing this node's nicks) is sent before the connection closes.
      if (link) close(link, true);
      link = undefined;
    };
  });
}

const sha1 = new Map<string, string>();

/** Runs a script by its hash, sending it whole only when Redis does not know it yet. */
const SCRIPTS = [CLAIM, FACT, FORGET, HEARTBEAT, JOIN, MOVE, PRIVATE, RELEASE, ROOM, SYNC];

function loadScripts(client: Client): Promise<unknown> {
  return Promise.all(SCRIPTS.map((script) => client.sendCommand(['SCRIPT', 'LOAD', script])));
}

async function evaluate(client: Client, script: string, args: readonly string[]): Promise<unknown> {
  let sha = sha1.get(script);
  if (!sha) sha1.set(script, (sha = createHash('sha1').update(script).digest('hex')));
  try {
    return await client.sendCommand(['EVALSHA', sha, '0', ...args]);
  } catch (error) {
    if (!describe(error).startsWith('NOSCRIPT')) throw error;
    return client.sendCommand(['EVAL', script, '0', ...args]);
  }
}

/**
 * A room batch as its instance sends it to the ROOM script, numbered `out` there: the instance and
 * `out` first, so that once the script has put its type and first number before them the instance
 * knows its own batch by the head alone (`ownBatchHead`).
 */
function ownBatchJson(batch: Omit<RoomBatch, 'first'>, out: number): string {
  const { instance, ...rest } = batch;
  return JSON.stringify({ instance, out, ...rest });
}

/** The head of a room batch on the channel: the script's type and first number, then the sender's instance and number (`ownBatchJson`). */
const OWN_HEAD = /^\{"type":"room","first":(\d+),"instance":("[^"\\]*"),"out":(\d+),/;

/** This instance's own room batch as the ROOM script publishes it: its number here and the cluster's number for its first line. */
function ownBatchHead(json: string, instance: string): { out: number; first: number } | undefined {
  const head = OWN_HEAD.exec(json);
  return head?.[2] === JSON.stringify(instance) ? { first: Number(head[1]), out: Number(head[3]) } : undefined;
}

/** JSON from Redis, as zero or one values: anything that does not parse is left out. */
function parse(json: string): unknown[] {
  try {
    return [JSON.parse(json)];
  } catch {
    return [];
  }
}

/** A room as a message gives it: the first room when it names none (a node from before rooms), undefined when malformed. */
const roomOf = (room: unknown, firstRoom: string): string | undefined =>
  room === undefined ? firstRoom : typeof room === 'string' ? room : undefined;

/** A member's `client`: as published, or made from the session a member held in Redis has (as the scripts' `clientOf`). */
function clientOf(member: { client?: unknown; session?: unknown }): { client?: string } {
  if (typeof member.client === 'string') return { client: member.client };
  return typeof member.session === 'string' && member.session !== ''
    ? { client: createHash('sha1').update(member.session).digest('hex') }
    : {};
}

function memberOf(value: unknown, firstRoom: string): ClusterMember | undefined {
  const member = value as (Partial<ClusterMember> & { session?: unknown }) | undefined;
  const room = roomOf(member?.room, firstRoom);
  return typeof member?.nick === 'string' && typeof member.node === 'string' && typeof member.instance === 'string' && room !== undefined
    ? { nick: member.nick, node: member.node, instance: member.instance, room, ...clientOf(member) }
    : undefined;
}

/** A batch's lines as history entries (the driver's own: the core's rules are not its to import). */
const entriesOf = (batch: RoomBatch & { readonly room: string }): Entry[] =>
  batch.lines.map((line, index) => ({
    seq: batch.first + index,
    time: batch.time,
    line,
    room: batch.room,
    ...(batch.author === undefined ? {} : { author: batch.author }),
  }));

/** The last `size` entries of each room, all in the order of their numbers. */
function lastOfEachRoom(entries: readonly Entry[], size: number): Entry[] {
  const counted = new Map<string, number>();
  const kept: Entry[] = [];
  for (let i = entries.length - 1; i >= 0; i--) {
    const count = counted.get(entries[i].room) ?? 0;
    if (count >= size) continue;
    counted.set(entries[i].room, count + 1);
    kept.push(entries[i]);
  }
  return kept.reverse();
}

/** A room batch as kept and published, checked and with nothing else in it: zero or one. */
function roomBatch(value: unknown, firstRoom: string): (RoomBatch & { readonly room: string })[] {
  const batch = value as Partial<RoomBatch> | undefined;
  const room = roomOf(batch?.room, firstRoom);
  const valid =
    room !== undefined &&
    typeof batch?.first === 'number' &&
    typeof batch.time === 'number' &&
    Array.isArray(batch.lines) &&
    batch.lines.every((line) => typeof line === 'string') &&
    typeof batch.instance === 'string' &&
    typeof batch.node === 'string' &&
    (batch.conn === undefined || typeof batch.conn === 'number') &&
    (batch.author === undefined || typeof batch.author === 'string') &&
    (batch.ids === undefined || (Array.isArray(batch.ids) && batch.ids.every((id) => typeof id === 'string')));
  if (!valid) return [];
  const { first, time, lines, instance, node, conn, author, ids } = batch as RoomBatch;
  return [
    {
      first,
      time,
      lines,
      instance,
      node,
      room: room!,
      ...(conn === undefined ? {} : { conn }),
      ...(author === undefined ? {} : { author }),
      ...(ids === undefined ? {} : { ids }),
    },
  ];
}

/** A fact as Redis kept it: opaque here but for its kind (the core knows the rest). */
function factOf(value: unknown): Fact | undefined {
  const fact = value as Partial<Fact> | null | undefined;
  return typeof fact === 'object' && fact !== null && typeof fact.kind === 'string' ? (fact as Fact) : undefined;
}

/** Room batches read from Redis at a time, newest first, while answering a query. */
const QUERY_PAGE = 100;

/**
 * A member's `/history since` or `/search` from its room's batches in Redis (a list, newest
 * first): the lines since the time, or holding every word in any case; the last `limit`, oldest
 * first. Read a page at a time from the newest, and no further than the answer needs.
 */
async function answerFrom(commands: Client, key: string, request: Extract<Request, { type: 'query' }>, firstRoom: string): Promise<Event> {
  const { query, limit } = request;
  const words = query.kind === 'search' ? query.words.map((word) => word.toLowerCase()) : [];
  const matches = (entry: Entry): boolean =>
    query.kind === 'since' ? entry.time >= query.time : words.every((word) => entry.line.toLowerCase().includes(word));
  const found: Entry[] = []; // newest first
  // Batches pushed meanwhile move the rest down the list: a line numbered at or above one read already was read.
  let below = Infinity;
  let older = false;
  for (let start = 0; !older && found.length < limit; start += QUERY_PAGE) {
    const page = await commands.lRange(key, start, start + QUERY_PAGE - 1);
    for (const json of page) {
      const entries = roomBatch(parse(json)[0], firstRoom).flatMap(entriesOf);
      for (let i = entries.length - 1; i >= 0 && found.length < limit; i--) {
        const entry = entries[i];
        if (entry.seq >= below) continue;
        below = entry.seq;
        if (matches(entry)) found.push(entry);
        else if (query.kind === 'since') older = true;
      }
    }
    if (page.length < QUERY_PAGE) break;
  }
  return { type: 'answer', conn: request.conn, query, entries: found.reverse() };
}

function missedOf(value: unknown): MissedLines | undefined {
  const missed = value as Partial<MissedLines> | undefined;
  return typeof missed?.node === 'string' && typeof missed.lines === 'number' && missed.lines > 0
    ? { node: missed.node, lines: missed.lines }
    : undefined;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function describe(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}

/** A kept private line in another node's answer, if it is one. */
function keptPrivateOf(value: unknown): KeptPrivate[] {
  const kept = value as { line?: unknown; time?: unknown } | null;
  return typeof kept?.line === 'string' && typeof kept.time === 'number' ? [{ line: kept.line, time: kept.time }] : [];
}
