import { createHash, randomBytes } from 'node:crypto';
import type * as Redis from 'redis';
import { Observable, Subject, type Subscription } from '../../streams/rx.js';
import { roomEntries, type BusEvent, type BusRequest, type ClusterMember, type RoomBatch } from '../../streams/cluster/bus.js';
import { silentFor } from '../../streams/cluster/liveness.js';
import { nickKey } from '../../streams/protocol/nick.js';
import { CLAIM, FORGET, HEARTBEAT, JOIN, RELEASE, ROOM, SYNC } from './redis-scripts.js';

export interface RedisBusOptions {
  /** `redis://[:PASSWORD@]HOST:PORT`, or `rediss://` for TLS. */
  readonly url: string;
  /** Several clusters can share one Redis under different names. */
  readonly cluster: string;
  readonly node: string;
  readonly instance: string;
  /** Room lines kept, here and in Redis. */
  readonly historySize: number;
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

/** How long a node waits before asking to join again when Redis refused it (while connected). */
const JOIN_RETRY_MS = 1000;

/** Bytes of room lines sent to Redis and not yet answered, above which the node is congested; below LOW it is not. */
const CONGESTED_BYTES = 1024 * 1024;
const UNCONGESTED_BYTES = 256 * 1024;

type Client = ReturnType<typeof Redis.createClient>;

/** A message on the cluster's channel (see redis-scripts.ts for who sends which). */
type BusMessage = Record<string, unknown> & { type?: unknown };

/**
 * The cluster's bus in Redis, as a function of the router's requests: cold, so subscribing
 * connects (one connection for commands, one listening to the channel) and unsubscribing lets
 * go of both once what was asked has been sent. It says `up` once joined, `down` when Redis is
 * lost, and joins again by itself when Redis is back. A request made while it is down comes
 * back as `unsent`, so the router can do it locally. The Redis client is loaded on subscribing,
 * so a server is listening before it has even loaded the code to reach its cluster.
 */
export function redisBus(options: RedisBusOptions): (request$: Observable<BusRequest>) => Observable<BusEvent> {
  return (request$) =>
    new Observable<BusEvent>((subscriber) => {
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
const handedBack = (request: BusRequest): boolean => request.type !== 'release' && request.type !== 'sync';

function busThrough(createClient: typeof Redis.createClient, options: RedisBusOptions, request$: Observable<BusRequest>): Observable<BusEvent> {
  const prefix = `tcpchat:{${options.cluster}}:`;
  const channel = `${prefix}bus`;
  const self = options.instance;
  return new Observable<BusEvent>((subscriber) => {
    const reconnectStrategy = (retries: number): number => Math.min(50 * 2 ** retries, 1000);
    // Bounded: a Redis too slow to keep up gets requests refused (done locally), never an endless queue.
    const commands: Client = createClient({ url: options.url, disableOfflineQueue: true, commandsQueueMaxLength: 10_000, socket: { reconnectStrategy } });
    const listener: Client = commands.duplicate();
    let state: 'down' | 'joining' | 'up' = 'down';
    let subscribed = false;
    let stopped = false;
    /** Messages heard while joining: they follow the snapshot the join returns. */
    let early: BusMessage[] = [];
    let problem = '';
    let retry: ReturnType<typeof setTimeout> | undefined;
    const nodes = new Map<string, string>();
    const heard = new Subject<string>();
    const run = (script: string, args: readonly (string | number)[]): Promise<unknown> => evaluate(commands, script, [prefix, self, ...args.map(String)]);
    const emit = (event: BusEvent): void => subscriber.next(event);

    function tell(text: string): void {
      if (text === problem) return;
      problem = text;
      options.report(text);
    }

    function lost(reason: string): void {
      tell(`cluster: ${reason}`);
      if (state === 'down') return;
      const wasUp = state === 'up';
      state = 'down';
      early = [];
      if (wasUp) emit({ type: 'down', reason });
    }

    async function join(): Promise<void> {
      if (stopped || state !== 'down' || !subscribed || !commands.isReady || !listener.isReady) return;
      state = 'joining';
      try {
        const reply = (await run(JOIN, [options.node, options.ttlMs, Math.max(options.historySize, 1), randomBytes(6).toString('base64url')])) as [string, string[], string[]];
        if (state !== 'joining') return;
        const [epoch, memberJson, batchJson] = reply;
        const members = memberJson.flatMap((json) => memberOf(parse(json)[0]) ?? []);
        const entries = batchJson.reverse().flatMap((json) => roomBatch(parse(json)[0]).flatMap(roomEntries));
        const history = options.historySize > 0 ? entries.slice(-options.historySize) : [];
        state = 'up';
        problem = '';
        for (const member of members) if (member.instance !== self) hear(member.instance, member.node);
        emit({ type: 'up', epoch, history, members });
        const last = history.at(-1)?.seq ?? 0;
        const heardMeanwhile = early;
        early = [];
        for (const message of heardMeanwhile) if (!(message.type === 'room' && Number(message.first) <= last)) dispatch(message);
      } catch (error) {
        if (state !== 'joining') return;
        state = 'down';
        tell(`cluster: cannot join: ${describe(error)}`);
        // Refused rather than cut off (a read-only replica, out of memory): asked again in a while.
        retry = setTimeout(() => void join(), JOIN_RETRY_MS);
      }
    }

    function hear(instance: string, node: string): void {
      nodes.set(instance, node);
      heard.next(instance);
    }

    function onMessage(json: string): void {
      const message = parse(json)[0] as BusMessage | undefined;
      if (!message) return;
      if (state === 'joining') early.push(message);
      else if (state === 'up') dispatch(message);
    }

    /** What another instance (or this one's own room lines) said, as events. A malformed message is not even heard. */
    function dispatch(message: BusMessage): void {
      const member = memberOf(message.member);
      const sender = member?.instance ?? (typeof message.instance === 'string' ? message.instance : undefined);
      const event = eventOf(message, member, sender);
      if (event === undefined) return;
      if (sender && sender !== self) hear(sender, member?.node ?? (typeof message.node === 'string' ? message.node : nodes.get(sender) ?? sender));
      if (event) emit(event);
    }

    /** The event a message makes here: null when it is well-formed but tells this instance nothing, undefined when malformed. */
    function eventOf(message: BusMessage, member: ClusterMember | undefined, sender: string | undefined): BusEvent | null | undefined {
      switch (message.type) {
        case 'room': {
          const [batch] = roomBatch(message);
          return batch && { type: 'room', batch };
        }
        case 'joined':
        case 'left':
          return member && (member.instance === self ? null : { type: message.type, member });
        case 'renamed':
          if (!member || typeof message.from !== 'string') return undefined;
          return member.instance === self ? null : { type: 'renamed', from: message.from, member };
        case 'synced': {
          if (!sender || !Array.isArray(message.members)) return undefined;
          const members = message.members.flatMap((each) => memberOf(each) ?? []);
          return sender === self ? null : { type: 'synced', instance: sender, members };
        }
        case 'taken':
          if (typeof message.instance !== 'string' || typeof message.nick !== 'string') return undefined;
          return message.instance === self ? { type: 'taken', nick: message.nick } : null;
        case 'private':
          if (!sender || typeof message.target !== 'string' || typeof message.to !== 'string' || typeof message.line !== 'string') return undefined;
          return message.target === self ? { type: 'private', to: message.to, line: message.line } : null;
        case 'beat':
          return sender ? null : undefined;
        default:
          return undefined;
      }
    }

    function perform(request: BusRequest): Promise<BusEvent | undefined> {
      switch (request.type) {
        case 'room': {
          const json = JSON.stringify(request.batch);
          inFlight(json.length);
          return run(ROOM, [Math.max(options.historySize, 1), request.batch.lines.length, json]).then(
            () => void inFlight(-json.length),
            (error: unknown) => {
              inFlight(-json.length);
              throw error;
            },
          );
        }
        case 'claim': {
          const { nick = '', previous = '', session = '' } = request;
          return run(CLAIM, [options.node, session, nick, nick && nickKey(nick), previous, previous && nickKey(previous)]).then((given) =>
            given === '' ? { type: 'claimed', conn: request.conn, nick, ok: false } : { type: 'claimed', conn: request.conn, nick: String(given), ok: true },
          );
        }
        case 'release':
          return run(RELEASE, [nickKey(request.nick)]).then(() => undefined);
        case 'sync': {
          const args = request.members.flatMap((member) => [member.nick, nickKey(member.nick), member.session ?? '']);
          return run(SYNC, [options.node, request.lastSeq, ...args]).then((refused) => {
            const conns = (refused as number[]).map((index) => request.members[index].conn);
            return conns.length > 0 ? { type: 'refused', conns } : undefined;
          });
        }
        case 'private':
          return commands.publish(channel, JSON.stringify({ type: 'private', instance: self, target: request.instance, to: request.to, line: request.line })).then(() => undefined);
      }
    }

    /** Room bytes on their way to Redis: past a bound the node says it is congested, until they have gone. */
    let flying = 0;
    let congested = false;
    function inFlight(bytes: number): void {
      flying += bytes;
      const now = congested ? flying > UNCONGESTED_BYTES : flying > CONGESTED_BYTES;
      if (now === congested) return;
      congested = now;
      options.congested?.(now);
    }

    function request(request: BusRequest): void {
      if (state !== 'up') {
        if (handedBack(request)) emit({ type: 'unsent', request });
        return;
      }
      perform(request).then(
        (event) => event && emit(event),
        (error: unknown) => {
          if (handedBack(request)) emit({ type: 'unsent', request });
          if (commands.isReady) tell(`cluster: ${request.type} failed: ${describe(error)}`);
        },
      );
    }

    for (const client of [commands, listener]) {
      client.on('error', (error: unknown) => lost(describe(error)));
      client.on('ready', () => void join());
    }
    const liveness = heard.pipe(silentFor(options.ttlMs)).subscribe((instance) => {
      const node = nodes.get(instance) ?? instance;
      nodes.delete(instance); // a restarted node is a new instance: the old name need not be kept
      if (state !== 'up') return;
      emit({ type: 'gone', instance, node });
      void run(FORGET, [instance]).catch(() => {});
    });
    const heartbeat = setInterval(() => {
      if (state === 'up') void run(HEARTBEAT, [options.node, options.ttlMs]).catch(() => {});
    }, Math.max(Math.floor(options.ttlMs / 3), 10));
    const requests = request$.subscribe(request);

    // Connecting retries until it succeeds or the bus is let go (then it rejects: nothing to tell).
    Promise.all([commands.connect(), listener.connect()])
      .then(() => listener.subscribe(channel, onMessage))
      .then(() => {
        subscribed = true;
        return join();
      })
      .catch(() => {});

    return () => {
      stopped = true;
      state = 'down';
      requests.unsubscribe();
      liveness.unsubscribe();
      clearInterval(heartbeat);
      clearTimeout(retry);
      // What was asked last (freeing this node's nicks) is sent before the connection closes.
      for (const client of [listener, commands]) {
        if (client.isReady) client.close().catch(() => client.destroy());
        else if (client.isOpen) client.destroy();
      }
    };
  });
}

const sha1 = new Map<string, string>();

/** Runs a script by its hash, sending it whole only when Redis does not know it yet. */
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

/** JSON from Redis, as zero or one values: anything that does not parse is left out. */
function parse(json: string): unknown[] {
  try {
    return [JSON.parse(json)];
  } catch {
    return [];
  }
}

function memberOf(value: unknown): ClusterMember | undefined {
  const member = value as Partial<ClusterMember> | undefined;
  return typeof member?.nick === 'string' && typeof member.node === 'string' && typeof member.instance === 'string'
    ? { nick: member.nick, node: member.node, instance: member.instance }
    : undefined;
}

/** A room batch as kept and published, checked and with nothing else in it: zero or one. */
function roomBatch(value: unknown): RoomBatch[] {
  const batch = value as Partial<RoomBatch> | undefined;
  const valid =
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
  return [{ first, time, lines, instance, node, ...(conn === undefined ? {} : { conn }), ...(author === undefined ? {} : { author }), ...(ids === undefined ? {} : { ids }) }];
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}
