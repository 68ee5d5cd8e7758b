import type { HistoryQuery } from '../server/events.js';
import type { Fact } from '../server/facts.js';
import type { HistoryEntry } from '../server/history.js';
import type { ConnId } from '../server/model.js';

export type { Fact, HistoryQuery };

/**
 * The bus between one server's router and the other servers of a cluster. The router asks for
 * requests and hears events; a driver (Redis) carries them. Without a cluster there is no bus.
 */

/** Who a server is in its cluster. */
export interface ClusterSelf {
  /** The node's name, as /who shows it. */
  readonly node: string;
  /** Names this run of the node. */
  readonly instance: string;
}

/** A member somewhere in the cluster: its nick, its room, the node it is on, and that node's run. */
export interface ClusterMember {
  readonly nick: string;
  readonly room: string;
  /** The node's name, as /who shows it. */
  readonly node: string;
  /** Names one run of a node: a restarted node is a new instance. */
  readonly instance: string;
  /**
   * A digest of its client's session, when it named one (a tcpchat client): the same client under a
   * new nick. The session itself lets a client resume, and stays in Redis.
   */
  readonly client?: string;
}

/** A private line a node kept for a client: its text and when it came (ms). */
export interface KeptPrivate {
  readonly line: string;
  readonly time: number;
}

/** Room lines said on one node that never reached the others. */
export interface MissedLines {
  readonly node: string;
  readonly lines: number;
}

/** Room lines said on one node, numbered by the cluster: line i has sequence number first + i. */
export interface RoomBatch {
  readonly first: number;
  /** The room they were said in. */
  readonly room: string;
  readonly time: number;
  readonly lines: readonly string[];
  readonly instance: string;
  readonly node: string;
  /** The connection that said them, on that instance (none for the console). */
  readonly conn?: ConnId;
  /** The session of a tagged author, so its own lines are not replayed to it on any node. */
  readonly author?: string;
  /** Ids of the tagged lines in this batch: a client that resends one to another node is not heard twice. */
  readonly ids?: readonly string[];
}

export type BusRequest =
  /** Number, keep and spread room lines (this node's own members hear them when they come back). */
  | { type: 'room'; batch: Omit<RoomBatch, 'first'> }
  /**
   * Claim a nick for a connection (a guest nick when `nick` is missing), giving up `previous`.
   * A nick held by the same session on another node is taken over: that node closes it.
   * `key`, `previousKey`: the nicks' keys (`nickKey`), so a driver compares nicks as the core does.
   * A new member (no `previous`) is in the cluster's first room (the bus is told which).
   */
  | { type: 'claim'; conn: ConnId; nick?: string; key?: string; previous?: string; previousKey?: string; session?: string }
  /** `away`: its tcpchat client lost its link (not a quit or a kick), and is likely reconnecting. */
  | { type: 'release'; nick: string; key: string; away?: true }
  /**
   * After joining: hold exactly these nicks for this instance; sequence numbers go on after `lastSeq`.
   * `missed`: room lines said here that never crossed (while apart), so the others tell their people.
   * A member's `since`: when it took its nick while apart (this server's clock, ms); none when the
   * bus gave it, or had it asked and handed the claim back (it timed that itself). A nick held
   * elsewhere too goes to whoever took it first. `stopping`: none, as this server stops (it has told
   * the rooms who left with it), not because they left while it was apart.
   */
  | {
      type: 'sync';
      members: readonly { conn: ConnId; nick: string; key: string; room: string; session?: string; since?: number }[];
      lastSeq: number;
      missed?: number;
      stopping?: true;
    }
  /** A member moves to another room (`moved` to every node). */
  | { type: 'move'; conn: ConnId; nick: string; key: string; room: string }
  /** `from`: the member to tell when it cannot be delivered (none for the console). */
  | { type: 'private'; from?: ConnId; instance: string; to: string; line: string }
  /**
   * A member of another instance is kicked: its node tells it `line`, closes it for `reason` and tells
   * its room (`kick` there), and says so (`kicked` here, with `room`, where the member was). A node that
   * does not say so in time (cut off from Redis) is taken as unreached: `unsent`; should it say so later
   * all the same, that comes as a `late` `kicked`.
   * `from`: the operator who kicked, told when it cannot be delivered (none for the console).
   */
  | { type: 'kick'; from?: ConnId; instance: string; to: string; room: string; line: string; reason: string }
  /**
   * Keep a fact for the whole cluster under `key` (its `factKey`; a `lifted` one removes it) and
   * tell the other nodes (`fact`). `first`: only if no other fact holds that key (a registration):
   * else `fact-refused`, with the one that does.
   */
  | { type: 'fact'; fact: Fact; key: string; first?: true }
  /** A member's `/history since` or `/search` in its room, from the cluster's history: `answer`, at most `limit` lines. */
  | { type: 'query'; conn: ConnId; room: string; query: HistoryQuery; limit: number }
  /**
   * A client back here resumes private lines that instance `instance` (its run, `privates=RUN:N`)
   * kept for its session, after the one numbered `after`: that node answers (`privates-asked` there,
   * `privates-given` here), or, unsent, the client is told they cannot be replayed here.
   */
  | { type: 'privates-ask'; conn: ConnId; instance: string; session: string; after: number }
  /** The answer to a `privates-ask` from `instance`: what this node kept for the session, and the notice of what it no longer keeps. */
  | { type: 'privates-give'; conn: ConnId; instance: string; session: string; lines: readonly KeptPrivate[]; notice?: string };

export type BusEvent =
  /**
   * Joined the cluster (again): its name for this history, the last room lines, and who else is in.
   * `historyLost`: the cluster forgot its history since this node was last in (its Redis came back
   * empty); the epoch is the one this node knew, so its clients' sequence numbers still hold.
   * `late`: numbers of this node's own lines in the history that it had handed back as unsent
   * (shown here alone) and that Redis ran after all, late (a stopped Redis running what it held).
   * `history`: every live room's last lines (each entry with its `room`), oldest first.
   * `facts`: every fact the cluster keeps (registrations, operators, bans, mutes, topics), each once.
   * `missed`: back from apart, what other nodes reported meanwhile of their room lines that never
   * crossed (each once: not those this node heard as `synced` before).
   * `expired`: instances whose members the cluster still holds though their presence has expired
   * (a pause of Redis longer than the TTL): they may be on their way back.
   * `privatesGone`: private lines to this node's members that came while it was cut off and are no
   * longer kept (more came than Redis keeps for a node); whose they were is not known.
   */
  | {
      type: 'up';
      epoch: string;
      history: readonly HistoryEntry[];
      members: readonly ClusterMember[];
      facts: readonly Fact[];
      historyLost?: boolean;
      expired?: readonly string[];
      privatesGone?: number;
      late?: readonly number[];
      missed?: readonly MissedLines[];
    }
  | { type: 'down'; reason: string }
  | { type: 'room'; batch: RoomBatch }
  | { type: 'claimed'; conn: ConnId; nick: string; ok: boolean }
  /** Nicks the cluster gave to others while this node was apart. */
  | { type: 'refused'; conns: readonly ConnId[] }
  | { type: 'joined'; member: ClusterMember }
  /** `away`: its client lost its link and is likely reconnecting (private lines to it are kept on its node). */
  | { type: 'left'; member: ClusterMember; away?: true }
  | { type: 'renamed'; from: string; member: ClusterMember }
  /** A member moved from room `from` to `member.room`. */
  | { type: 'moved'; member: ClusterMember; from: string }
  /**
   * An instance says these are all its members (and, back from apart, how many of its room lines never
   * crossed); `stopping`: it stops, and has told the rooms who left with it.
   */
  | { type: 'synced'; instance: string; members: readonly ClusterMember[]; missed?: MissedLines; stopping?: true }
  /** A member of this instance was taken over by its own session on another node. */
  | { type: 'taken'; nick: string }
  /**
   * A member of this instance holds a nick that a member elsewhere held first, before its node was
   * apart from the cluster: the later claim gives way (a guest nick, with a notice).
   */
  | { type: 'ousted'; nick: string }
  | { type: 'private'; to: string; line: string }
  /** A member of this instance was kicked on another node: told `line`, closed for `reason`, and its room is told here. */
  | { type: 'kick'; to: string; line: string; reason: string }
  /**
   * The node of a member this node kicked says it has done the kick; `late` when this node had handed
   * the kick back as `unsent` already (the kicker was told it was not done: it is told it was, after all).
   */
  | { type: 'kicked'; request: Extract<BusRequest, { type: 'kick' }>; late?: true }
  /**
   * A private line handed back as `unsent` (its sender was told it did not go out) that Redis took
   * all the same (paused, not lost: the request was queued in it): it reaches its member.
   */
  | { type: 'went'; request: Extract<BusRequest, { type: 'private' }> }
  /**
   * A private line Redis took for a member of an instance that then went silent (`gone`, node `node`)
   * before saying it had read it (it says so with each heartbeat): it may never have reached its member.
   */
  | { type: 'unreached'; request: Extract<BusRequest, { type: 'private' }>; node: string }
  /** An instance went silent for longer than the presence TTL: its members are gone. */
  | { type: 'gone'; instance: string; node: string }
  /** A fact another node decided (never this node's own). */
  | { type: 'fact'; fact: Fact }
  /** This node's fact asked to be `first`, and another held its key already: `held`. */
  | { type: 'fact-refused'; fact: Fact; held: Fact }
  /** The cluster's answer to a `query`: its lines, oldest first. */
  | { type: 'answer'; conn: ConnId; query: HistoryQuery; entries: readonly HistoryEntry[] }
  /** Another node's client came back there, and asks what this node kept of its private lines (see `privates-ask`). */
  | { type: 'privates-asked'; conn: ConnId; instance: string; session: string; after: number }
  /** What another node kept of the private lines of a client that came back here (see `privates-ask`). */
  | { type: 'privates-given'; conn: ConnId; session: string; lines: readonly KeptPrivate[]; notice?: string }
  /** A request that did not reach the cluster: the router does it locally instead. */
  | { type: 'unsent'; request: BusRequest };
