import type { ClusterMember, ClusterSelf } from '../cluster/bus.js';
import { guestNumber, nickKey } from '../protocol/nick.js';
import type { AccessList } from '../limits/access.js';
import type { ServerMode } from '../protocol/sentences.js';
import { createAdmission, release, type Admission, type AdmissionLimits, type Failures } from './admission.js';
import { applyFact, keptTopic, type Fact, type MuteFact, type OpFact, type Registration, type TopicFact } from './facts.js';
import type { Ban } from './bans.js';
import type { PeerAddress } from './peer-address.js';
import { AscendingMap } from '../ascending-map.js';
import { NickTable } from './nick-table.js';
import { createHistory, createSequence, reload, type History, type HistoryEntry, type Sequence } from './history.js';
import type { PrivateStore } from './private-lines.js';
import { addLatest, keepLatest } from '../keep-latest.js';

/** A connection's number, given by the shell when it accepts the connection. */
export type ConnId = number;

/**
 * Where a connection stands: at the door (waiting for the password), joining (its guest nick is
 * being claimed from the cluster), a member (with a nick, in a room), or leaving (told to close:
 * only its place in the admission count is left, given back when its close comes).
 */
export type Phase = 'door' | 'joining' | 'member' | 'leaving';

/** A nick claim in flight for a member: the nick asked for (a guest nick when missing), and why. */
export interface Claim {
  readonly nick?: string;
  /**
   * Why the member must give up its nick: the cluster gave it to someone else while this server
   * was apart from it, or someone on a node that was apart held it first.
   */
  readonly forced?: 'apart' | 'held-first';
}

/** Everything known about one connection. */
export interface Connection {
  readonly id: ConnId;
  /** The peer's address without the port (`peerAddress` shows both). */
  readonly ip: string;
  readonly port: number;
  /** The SHA-256 of the client certificate it presented over TLS (`AB:CD:...`), if any. */
  readonly fingerprint: string | undefined;
  phase: Phase;
  /** A member's nick (kept in `ServerModel.nicks` by its `memberKey`). */
  nick: string;
  /** The room a member is in. */
  room: Room | undefined;
  /** The session a tagged client named (to resume and to reclaim); set once it asked for tags. */
  session: string | undefined;
  /**
   * The last sequence number before it became a member. Every room line after it reached this
   * connection live (plain, before it asked for tags), so a resume must not replay it again.
   */
  joinedAfter: number;
  /** Batches that wait for a cluster's answer to a nick claim, in order (none: nothing waits). */
  held: (readonly string[])[] | undefined;
  /** A member's nick claim in flight. */
  claim: Claim | undefined;
  /** Closed while its lines were held: closed for this reason once they are handled. */
  closing: string | undefined;
  /** The key of the registered nick this connection proved its own (its secret, `/register` or `/identify`, or its certificate). */
  identified: string | undefined;
  /** Heartbeat (tagged connections only): when it was last heard (none: not watched), and pings sent since. */
  heardAt: number | undefined;
  pinged: number;
  /**
   * When it took its nick while this server was apart from the cluster (the model's clock), so that
   * once back the cluster can tell who took it first; none when the cluster gave it.
   */
  nickSince: number | undefined;
  /** An address or block this operator was told its `/ban` would cover its own connection: the same `/ban` again confirms it. */
  banToConfirm: string | undefined;
}

/** Who a room's lines go to, split by whether they take tags; rebuilt after a change. */
export interface Recipients {
  readonly all: readonly ConnId[];
  readonly plain: readonly ConnId[];
  readonly tagged: readonly ConnId[];
}

/** What a room's topic is, who set it, when. */
export interface Topic {
  readonly text: string;
  readonly by: string;
  readonly time: number;
}

export interface Room {
  /** `#` and a lower-case name (see `roomName`). */
  readonly name: string;
  topic: Topic | undefined;
  /** Members here, in join order. */
  readonly members: Set<ConnId>;
  /** Members on the other nodes of a cluster. */
  remote: number;
  readonly history: History;
  recipients: Recipients | undefined;
}

/** The link to the other servers of a cluster, as this server knows it. */
export interface ClusterState {
  readonly self: ClusterSelf;
  up: boolean;
  everUp: boolean;
  /**
   * Room lines said here that the cluster never got: `since`, the last sequence number heard
   * before this server was cut off (lines numbered here after it were said here alone), and
   * `uncrossed`, lines Redis refused while up. Told to the others when this server is back.
   * `before`: who was on the other nodes when it was cut off, to tell who left and came meanwhile.
   */
  apart: { since?: number; uncrossed: number; before?: readonly ClusterMember[] };
  /** Members on other nodes, by nick key. */
  readonly remote: Map<string, ClusterMember>;
  /**
   * Members of other nodes whose tcpchat client lost its link (`left` with `away`), by nick key,
   * when: a `/msg` to one goes on to its node, which keeps it for its client's return (see
   * `awayFrom`). The latest PRIVATE_SESSIONS_KEPT.
   */
  readonly awayElsewhere: Map<string, { readonly member: ClusterMember; readonly since: number }>;
  /** Clients back here whose private lines were asked of another instance, not yet answered: by connection, that instance. */
  readonly privatesAsked: Map<ConnId, string>;
  /**
   * Back in a Redis that came back empty: the members this server knew, before it was apart, of the
   * instances that have not synced since (they may be on their way back): told as left when they
   * sync without them, or when their instance is gone.
   */
  awaited: ClusterMember[];
  /** The facts this server holds as the cluster's, by `factKey`: at `up`, those the cluster no longer keeps are lifted here. */
  facts: Map<string, Fact>;
  /** Facts decided here while the cluster was out of reach, by `factKey`: sent when it is back. */
  readonly pending: Map<string, Fact>;
  /**
   * The room notices of kicks this node asked others to do (`INSTANCE LINE`), the latest
   * `KICK_NOTICES`: the kicked member's node tells the room, but this node's console records the kick
   * itself, with who did it (`kickedElsewhere`), so it does not show that notice again.
   */
  readonly kickNotices: Set<string>;
}

export const KICK_NOTICES = 64;

/** What a data directory kept from earlier runs: the numbering's last number, each room's last lines, the acknowledged ids. */
export interface Restored {
  readonly lastSeq: number;
  /** Each room's lines, oldest first. */
  readonly rooms: ReadonlyMap<string, readonly HistoryEntry[]>;
  /**
   * Per room, the number of its newest line not given back (dropped by retention, or older than
   * the lines given): a client resuming from before it missed lines for good. No entry: the room's
   * lines are all given (other rooms' lines numbered before them are no loss to it).
   */
  readonly dropped?: ReadonlyMap<string, number>;
  /** Oldest first. */
  readonly seenIds: readonly string[];
  /** Registrations, operators, bans, mutes, topics (see `Fact`), each once. */
  readonly facts?: readonly Fact[];
}

/** A server run's whole state. Owned by one router and changed in place, so each step stays O(1). */
export interface ServerModel {
  /** The console's nick. */
  readonly name: string;
  /** Rooms, where members hear each other; or console-only, where each member talks with the console alone. */
  readonly mode: ServerMode;
  /** Joins, leaves and renames are announced while the room has at most this many members. */
  readonly announceMax: number;
  /** Every connection here, by id (ids come in ascending order, mostly: see AscendingMap). */
  readonly conns: AscendingMap<Connection>;
  /** The connections the heartbeat watches (tagged ones that have spoken; see `heard`). */
  readonly watched: Set<Connection>;
  /** Members by nick key, as `memberKey` writes it: no two nicks look alike. */
  readonly nicks: NickTable;
  readonly reservedKey: string;
  nextGuest: number;
  /** Every room that has members (here or, in a cluster, on another node), and the first room always. */
  readonly rooms: Map<string, Room>;
  /** Where members arrive, and where `/part` leads. */
  readonly firstRoom: Room;
  /** The room the console speaks in (it is not a member of any). */
  consoleRoom: Room;
  /** The numbering every room's history shares. */
  readonly sequence: Sequence;
  readonly historySize: number;
  readonly admission: Admission;
  /** Registered nicks, by nick key. */
  readonly registered: Map<string, Registration>;
  /** `--operator`: the nicks (by nick key) whose holders moderate, once identified for their nick. */
  readonly operators: ReadonlyMap<string, string>;
  /** Operators granted at the console (`/op`), by nick key. */
  readonly ops: Map<string, OpFact>;
  /** Bans, by target (a nick key, an address, a CIDR block); an expired one holds no more. */
  readonly bans: Map<string, Ban>;
  /** Muted nicks, by nick key; an expired mute holds no more. */
  readonly mutes: Map<string, MuteFact>;
  /**
   * Topics kept beyond the room (with `--data` or a cluster) and topic locks, by room name: a room
   * made again gets its topic back, and a lock holds for a room that is empty and forgotten.
   */
  readonly topics: Map<string, TopicFact>;
  /** Wrong `/identify` secrets per address, locked out like wrong passwords at the door. */
  readonly identifyFailures: Failures;
  /** The door's secret, when there is one. */
  password: string | undefined;
  /** `--allow`/`--deny`: who may come in at all (none: everyone). */
  access: AccessList | undefined;
  /** Acknowledged tagged line ids, so a line resent after a reconnect is shown once. */
  readonly seenIds: Set<string>;
  /** `--data`: room lines and acknowledged ids are also kept by the shell (`store` and `seen` effects). */
  readonly persist: boolean;
  /**
   * With `--data`, the histories of rooms that are empty (read back at start, or left since), so a
   * room made again, and a client resuming in it, finds what was said there.
   */
  readonly dormant: Map<string, History>;
  /** Private lines to tagged clients, numbered per session and kept a while (see `sendPrivate`). */
  readonly privates: PrivateStore;
  readonly cluster: ClusterState | undefined;
  stopped: boolean;
  /** The clock (virtual in tests). */
  readonly now: () => number;
}

export function createModel(options: {
  name: string;
  mode: ServerMode;
  announceMax: number;
  admission: AdmissionLimits;
  password?: string;
  access?: AccessList;
  epoch: string;
  historySize: number;
  firstRoom: string;
  cluster?: ClusterSelf;
  /** With `--data`: what it kept (the epoch, given with it, is the one it kept too). */
  restored?: Restored;
  /** `--operator`: nicks (their keys are kept). */
  operators?: readonly string[];
  /** Names this process's private numbering (the epoch when not given; with `--data` or a cluster the epoch outlives the process). */
  privatesRun?: string;
  now: () => number;
}): ServerModel {
  const { restored, historySize } = options;
  const sequence = createSequence(options.epoch);
  sequence.lastSeq = restored?.lastSeq ?? 0;
  const dormant = new Map<string, History>();
  const dropped = restored?.dropped ?? new Map<string, number>();
  for (const name of new Set([...(restored?.rooms.keys() ?? []), ...dropped.keys()])) {
    const entries = restored?.rooms.get(name) ?? [];
    const history = createHistory(sequence, historySize);
    // Lines past --history that were given all the same are dropped here.
    const cut = entries.length > historySize ? entries[entries.length - historySize - 1].seq : 0;
    reload(history, options.epoch, entries.slice(entries.length - historySize), Math.max(cut, dropped.get(name) ?? 0));
    rest(dormant, name, history);
  }
  const firstRoom = createRoom(options.firstRoom, wake(dormant, options.firstRoom) ?? createHistory(sequence, historySize));
  const model: ServerModel = {
    name: options.name,
    mode: options.mode,
    announceMax: options.announceMax,
    conns: new AscendingMap(),
    watched: new Set(),
    nicks: new NickTable(),
    reservedKey: nickKey(options.name),
    nextGuest: 1,
    rooms: new Map([[firstRoom.name, firstRoom]]),
    firstRoom,
    consoleRoom: firstRoom,
    sequence,
    historySize: options.historySize,
    admission: createAdmission(options.admission),
    registered: new Map(),
    operators: new Map(options.operators?.map((nick) => [nickKey(nick), nick])),
    ops: new Map(),
    bans: new Map(),
    mutes: new Map(),
    topics: new Map(),
    identifyFailures: { limits: options.admission, failures: new Map() },
    password: options.password,
    access: options.access,
    seenIds: new Set(restored?.seenIds.slice(-REMEMBERED_IDS)),
    persist: restored !== undefined,
    dormant,
    privates: { run: options.privatesRun ?? options.epoch, sessions: new Map(), highest: 0, away: new Map() },
    cluster: options.cluster && {
      self: options.cluster,
      up: false,
      everUp: false,
      apart: { uncrossed: 0 },
      remote: new Map(),
      awayElsewhere: new Map(),
      privatesAsked: new Map(),
      awaited: [],
      facts: new Map(),
      pending: new Map(),
      kickNotices: new Set(),
    },
    stopped: false,
    now: options.now,
  };
  for (const fact of restored?.facts ?? []) applyFact(model, fact);
  return model;
}

function createRoom(name: string, history: History): Room {
  return { name, topic: undefined, members: new Set(), remote: 0, history, recipients: undefined };
}

/** The room of that name (normalised), made when it is not there yet. */
export function roomNamed(model: ServerModel, name: string): Room {
  let room = model.rooms.get(name);
  if (room) return room;
  room = createRoom(name, wake(model.dormant, name) ?? createHistory(model.sequence, model.historySize));
  room.topic = keptTopic(model.topics.get(name));
  model.rooms.set(name, room);
  return room;
}

/** How many empty rooms' histories are kept in memory; past it the oldest left is dropped (its lines stay on disk). */
const DORMANT_ROOMS = 1000;

/** An empty room's history, kept (within `DORMANT_ROOMS`) for when the room is made again. */
function rest(dormant: Map<string, History>, name: string, history: History): void {
  keepLatest(dormant, name, history, DORMANT_ROOMS);
}

/** A dormant room's history, taken out to be lived in again. */
function wake(dormant: Map<string, History>, name: string): History | undefined {
  const history = dormant.get(name);
  dormant.delete(name);
  return history;
}

/**
 * An empty room other than the first (and the console's) is forgotten with its history and topic,
 * as IRC does; in a cluster it lives while it has members on any node. With `--data` its history
 * is kept (it is on disk, and a client may come back to it).
 */
export function forgetIfEmpty(model: ServerModel, room: Room): void {
  if (room.members.size > 0 || room.remote > 0 || room === model.firstRoom || room === model.consoleRoom) return;
  model.rooms.delete(room.name);
  if (model.persist && room.history.size > 0) rest(model.dormant, room.name, room.history);
}

/** A connection let in at the door (counted in the admission already). */
export function addConnection(model: ServerModel, id: ConnId, peer: PeerAddress, phase: Phase, fingerprint?: string): Connection {
  const conn = new ConnectionRecord(id, peer, phase, fingerprint);
  model.conns.set(id, conn);
  return conn;
}

/** The fields of a `Connection` that only some connections ever set (see `ConnectionRecord`). */
class Uncommon {
  fingerprint: string | undefined;
  session: string | undefined;
  held: (readonly string[])[] | undefined;
  claim: Claim | undefined;
  closing: string | undefined;
  identified: string | undefined;
  heardAt: number | undefined;
  pinged = 0;
  nickSince: number | undefined;
  banToConfirm: string | undefined;
}

/**
 * A `Connection` as the model keeps it: a server holds one per client, most of them idle plain
 * members (often guests), so a guest's nick is kept as its number, and what only some connections
 * set (a certificate, tags, a claim in flight, held lines, an identity, the heartbeat) is kept in
 * `uncommon`, made the first time one is set. Reading and setting them is as on any `Connection`.
 */
class ConnectionRecord implements Connection {
  readonly ip: string;
  readonly port: number;
  /** Its nick; a guest's (`guest-602`) as its number, made into the nick when read (the nick table keeps no string for it either). */
  private name: string | number = '';
  room: Room | undefined = undefined;
  joinedAfter = 0;
  private uncommon: Uncommon | undefined = undefined;

  constructor(
    readonly id: ConnId,
    peer: PeerAddress,
    public phase: Phase,
    fingerprint: string | undefined,
  ) {
    this.ip = peer.ip;
    this.port = peer.port;
    if (fingerprint !== undefined) this.set('fingerprint', fingerprint);
  }

  get nick(): string {
    const { name } = this;
    return typeof name === 'number' ? `guest-${name}` : name;
  }
  set nick(nick: string) {
    this.name = guestNumber(nick) ?? nick;
  }

  get fingerprint(): string | undefined {
    return this.uncommon?.fingerprint;
  }
  get session(): string | undefined {
    return this.uncommon?.session;
  }
  set session(session: string | undefined) {
    this.set('session', session);
  }
  get held(): (readonly string[])[] | undefined {
    return this.uncommon?.held;
  }
  set held(held: (readonly string[])[] | undefined) {
    this.set('held', held);
  }
  get claim(): Claim | undefined {
    return this.uncommon?.claim;
  }
  set claim(claim: Claim | undefined) {
    this.set('claim', claim);
  }
  get closing(): string | undefined {
    return this.uncommon?.closing;
  }
  set closing(closing: string | undefined) {
    this.set('closing', closing);
  }
  get identified(): string | undefined {
    return this.uncommon?.identified;
  }
  set identified(identified: string | undefined) {
    this.set('identified', identified);
  }
  get heardAt(): number | undefined {
    return this.uncommon?.heardAt;
  }
  set heardAt(heardAt: number | undefined) {
    this.set('heardAt', heardAt);
  }
  get pinged(): number {
    return this.uncommon?.pinged ?? 0;
  }
  set pinged(pinged: number) {
    this.set('pinged', pinged);
  }
  get nickSince(): number | undefined {
    return this.uncommon?.nickSince;
  }
  set nickSince(nickSince: number | undefined) {
    this.set('nickSince', nickSince);
  }
  get banToConfirm(): string | undefined {
    return this.uncommon?.banToConfirm;
  }
  set banToConfirm(banToConfirm: string | undefined) {
    this.set('banToConfirm', banToConfirm);
  }

  /** Sets an uncommon field; setting one to its default (none, or no pings) makes nothing. */
  private set<K extends keyof Uncommon>(field: K, value: Uncommon[K]): void {
    if (this.uncommon === undefined && (value === undefined || (field === 'pinged' && value === 0))) return;
    (this.uncommon ??= new Uncommon())[field] = value;
  }
}

/** The member of this connection, if it is one. */
export function memberOf(model: ServerModel, id: ConnId): Connection | undefined {
  const conn = model.conns.get(id);
  return conn?.phase === 'member' ? conn : undefined;
}

/** The member holding `session` (other than `except`), if any. */
export function sessionHolder(model: ServerModel, session: string, except?: Connection): Connection | undefined {
  for (const conn of model.conns.values()) if (conn.phase === 'member' && conn.session === session && conn !== except) return conn;
  return undefined;
}

/** Every member here, in the order of their ids (nearly the order they came in). */
export function members(model: ServerModel): Connection[] {
  return [...model.conns.values()].filter((conn) => conn.phase === 'member');
}

/** A key shaped like a guest nick's (`guest-6o2`): no `0` or `1` in it, as `nickKey` makes them `o` and `l`. */
const GUEST_KEY = /^guest-[2-9ol]+$/;

/**
 * A nick's key in `ServerModel.nicks`: its `nickKey`, but a guest nick's number for a key shaped
 * like a guest nick's (`guest-602`, `GUEST-6O2`: 602), so that the table holds no string for a guest
 * (its record keeps the number too). Such a key that is no number a server gives (`guest-o6`) is
 * written with digits (`guest-06`). No nick key has a `0` or a `1`, so no two keys meet.
 */
export function memberKey(nick: string, key = nickKey(nick)): string | number {
  if (!GUEST_KEY.test(key)) return key;
  const digits = key.replaceAll('o', '0').replaceAll('l', '1');
  return guestNumber(digits) ?? digits;
}

/** The connection becomes a member with this nick, in this room. */
export function enter(model: ServerModel, conn: Connection, nick: string, room: Room): void {
  conn.phase = 'member';
  conn.nick = nick;
  model.nicks.set(memberKey(nick), conn.id);
  join(model, conn, room);
}

/** The member is in `room` from now on (and in no other); it hears live what is said there from now on. */
export function join(model: ServerModel, member: Connection, room: Room): void {
  const previous = member.room;
  if (previous) {
    previous.members.delete(member.id);
    previous.recipients = undefined;
  }
  member.room = room;
  member.joinedAfter = model.sequence.lastSeq;
  room.members.add(member.id);
  room.recipients = undefined;
}

/**
 * A member gives up its nick and room; what is left of it waits for its close, unless its peer
 * had gone already (its lines were held then: see `closing`), when no close is to come.
 */
export function leave(model: ServerModel, conn: Connection): void {
  if (conn.phase === 'member') {
    model.nicks.delete(memberKey(conn.nick));
    conn.room!.members.delete(conn.id);
    conn.room!.recipients = undefined;
  }
  conn.phase = 'leaving';
  conn.room = undefined;
  conn.held = undefined;
  conn.claim = undefined;
  if (conn.closing !== undefined) drop(model, conn);
}

/** The connection has closed: it is forgotten, and its place in the admission count given back. */
export function forget(model: ServerModel, id: ConnId): void {
  const conn = model.conns.get(id);
  if (!conn) return;
  leave(model, conn);
  drop(model, conn);
}

function drop(model: ServerModel, conn: Connection): void {
  if (model.conns.get(conn.id) !== conn) return; // dropped already
  model.conns.delete(conn.id);
  model.watched.delete(conn);
  release(model.admission, conn.ip);
}

/**
 * The session of a connection whose client named none: one no client can name (a `/cap` word has
 * no space), so none can resume it; a made-up name would be guessable, and who names a session takes it over.
 */
export const unnamedSession = (id: ConnId): string => `connection ${id}`;

/**
 * Who said a connection's join notice: the connection, until its client names its session (then
 * its session said it: see `ownJoin`). No client can name it (it has a space).
 */
export const joinAuthor = (id: ConnId): string => `joining ${id}`;

/** Whether a client can come back to this session (it named it). */
export const resumable = (session: string | undefined): session is string => session !== undefined && !session.startsWith('connection ');

/** The member's connection now takes tags (or another session): the room's recipient lists change. */
export function tag(conn: Connection, session: string): void {
  conn.session = session;
  if (conn.room) conn.room.recipients = undefined;
}

/** Who a room's lines go to, made once per change of its members. */
export function recipientsOf(model: ServerModel, room: Room): Recipients {
  if (room.recipients) return room.recipients;
  const all = [...room.members];
  const plain: ConnId[] = [];
  const tagged: ConnId[] = [];
  for (const id of all) (model.conns.get(id)?.session === undefined ? plain : tagged).push(id);
  // A room of plain clients only (the most common) keeps one list of them, not two alike.
  return (room.recipients = { all, plain: tagged.length === 0 ? all : plain, tagged });
}

/** How many acknowledged line ids are remembered, so a line resent after a reconnect is shown once. */
export const REMEMBERED_IDS = 10_000;

export function rememberId(model: ServerModel, lineId: string): void {
  addLatest(model.seenIds, lineId, REMEMBERED_IDS);
}

/** Every member's connection, in every room. */
export function everyone(model: ServerModel): ConnId[] {
  const ids: ConnId[] = [];
  for (const room of model.rooms.values()) ids.push(...room.members);
  return ids;
}
