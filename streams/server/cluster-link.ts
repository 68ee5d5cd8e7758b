import { roomEntries, type BusEvent, type BusRequest, type ClusterMember, type ClusterSelf, type MissedLines, type RoomBatch } from '../cluster/bus.js';
import { nickKey } from '../protocol/nick.js';
import { formatError, formatNotice } from '../protocol/server-line.js';
import { DEFAULT_ANNOUNCE_MAX } from './announce.js';
import type { Effect, LogEntry } from './events.js';
import type { RouterContext } from './router-context.js';
import type { ConnId, Member } from './roster.js';

/** What the link needs from the router to finish what waited for the cluster. */
export interface ClusterHooks {
  /** Makes the connection a member: with the nick the cluster gave it, or a guest nick of this server's. */
  welcome(id: ConnId, address: string, nick?: string): Effect[];
  rename(member: Member, nick: string, why?: string): Effect[];
  /** A member's batch of lines, as the router handles it. */
  lines(id: ConnId, batch: readonly string[]): Effect[];
  /** Tagged line ids heard anywhere in the cluster, so a line resent to this server is not heard twice. */
  remember(ids: readonly string[]): void;
  /** The connection has closed: it leaves, as the router handles a close. */
  closed(id: ConnId, reason: string): Effect[];
}

/** Lines a connection may send while its nick is being claimed; past that they are refused. */
const MAX_HELD_LINES = 1000;

/** A nick claim in flight for a member: the nick asked for (a guest nick when missing), and why. */
interface Renaming {
  readonly nick?: string;
  /**
   * Why the member must give up its nick: the cluster gave it to someone else while this server
   * was apart from it, or someone on a node that was apart held it first.
   */
  readonly forced?: 'apart' | 'held-first';
}

/** Why a member lost its nick, said before `; you are now NICK` (see formatRenamed). */
const forcedWhy = (why: NonNullable<Renaming['forced']>, from: string): string =>
  why === 'apart'
    ? `your nick ${from} went to someone else while this server was apart from the cluster`
    : `your nick ${from} was held on another node since before you took it, while that node was apart from the cluster`;

/**
 * The router's half of a cluster: while the bus is up, room lines, nick claims and private
 * messages to other nodes go through it, and what the other nodes do comes back as events.
 * While it is down the router works as a lone server, and says so.
 */
export function createClusterLink(context: RouterContext, self: ClusterSelf, hooks: ClusterHooks) {
  const { roster, delivery, log } = context;
  const announceMax = context.options.announceMax ?? DEFAULT_ANNOUNCE_MAX;
  let up = false;
  let everUp = false;
  /**
   * Room lines said here that the cluster never got: `since`, the last sequence number heard
   * before this server was cut off (lines numbered here after it were said here alone), and
   * `uncrossed`, lines Redis refused while up. Told to the others when this server is back.
   */
  let apart: { since?: number; uncrossed: number } = { uncrossed: 0 };
  /** Members on other nodes, by nick key. */
  const remote = new Map<string, ClusterMember>();
  /** Connections waiting for their guest nick, with their addresses. */
  const joining = new Map<ConnId, string>();
  const renaming = new Map<ConnId, Renaming>();
  /** Batches from connections waiting for a claim, in order. */
  const held = new Map<ConnId, (readonly string[])[]>();
  /** Connections that closed while their lines were held: closed once those are handled, with the reason. */
  const closing = new Map<ConnId, string>();
  const bus = (request: BusRequest): Effect => ({ kind: 'bus', request });
  const everyoneHere = (...lines: string[]): Effect[] => delivery.direct(context.all(), ...lines);

  function hold(id: ConnId, batch: readonly string[]): Effect[] {
    const batches = held.get(id) ?? [];
    if (batches.reduce((sum, each) => sum + each.length, 0) + batch.length > MAX_HELD_LINES) {
      return delivery.direct([id], formatError('too many lines while the cluster answers; these were dropped'));
    }
    batches.push(batch);
    held.set(id, batches);
    return [];
  }

  /** The claim is answered: what the connection sent meanwhile is handled now, in order. */
  function release(id: ConnId): Effect[] {
    const batches = held.get(id) ?? [];
    held.delete(id);
    const effects: Effect[] = [];
    for (const [index, batch] of batches.entries()) {
      if (held.has(id)) {
        // Another claim began (a /nick among them): the rest waits for that one.
        held.get(id)!.push(...batches.slice(index));
        break;
      }
      effects.push(...hooks.lines(id, batch));
    }
    const reason = closing.get(id);
    if (reason !== undefined && !held.has(id)) {
      closing.delete(id);
      effects.push(...hooks.closed(id, reason));
    }
    return effects;
  }

  function claimed(conn: ConnId, nick: string | undefined): Effect[] {
    const address = joining.get(conn);
    if (address !== undefined) {
      joining.delete(conn);
      return [...hooks.welcome(conn, address, nick), ...release(conn)];
    }
    const asked = renaming.get(conn);
    const member = roster.byId.get(conn);
    renaming.delete(conn);
    if (!asked || !member) return nick === undefined ? [] : [bus({ type: 'release', nick })]; // it left meanwhile
    const effects: Effect[] =
      nick !== undefined
        ? hooks.rename(member, nick, asked.forced && forcedWhy(asked.forced, member.nick))
        : asked.nick !== undefined && asked.nick !== member.nick
          ? delivery.direct([conn], formatError(`nick ${asked.nick} is taken`))
          : [];
    return [...effects, ...release(conn)];
  }

  function room(batch: RoomBatch): Effect[] {
    if (batch.ids) hooks.remember(batch.ids);
    const ours = batch.instance === self.instance;
    const author = ours ? batch.conn : undefined;
    // Never back to its author: the connection it came from, or the same client since moved here.
    const to =
      author === undefined && batch.author === undefined
        ? context.all()
        : context.all().filter((id) => id !== author && (batch.author === undefined || delivery.sessionOf(id) !== batch.author));
    const effects = delivery.numbered(to, roomEntries(batch));
    if (!ours) effects.push(log(...batch.lines.map((line): LogEntry => ({ type: 'remote', node: batch.node, line }))));
    return effects;
  }

  /** The member gives up its nick for a guest nick from the cluster, and is told why. */
  function toGuest(conn: ConnId, why: NonNullable<Renaming['forced']>): Effect[] {
    const member = roster.byId.get(conn);
    if (!member || renaming.has(conn)) return [];
    renaming.set(conn, { forced: why });
    held.set(conn, held.get(conn) ?? []);
    return [bus({ type: 'claim', conn, previous: member.nick, session: delivery.sessionOf(conn) })];
  }

  function joined(event: Extract<BusEvent, { type: 'up' }>): Effect[] {
    const rejoined = everUp;
    up = everUp = true;
    remote.clear();
    for (const member of event.members) if (member.instance !== self.instance) remote.set(nickKey(member.nick), member);
    const said = apart.since === undefined ? 0 : delivery.history.lastSeq - apart.since;
    const missed = Math.max(0, apart.uncrossed + said - (event.late?.length ?? 0));
    const heardUpTo = apart.since;
    apart = { uncrossed: 0 };
    // A cluster that lost its history (its Redis came back empty) has nothing to give: this
    // server keeps its own, under the same epoch, so its clients resume as they were.
    const missedElsewhere = event.historyLost ? [] : catchUp(event, heardUpTo);
    if (!event.historyLost) delivery.reload(event.epoch, event.history);
    const members = [...roster.byId.values()].map((member) => ({ conn: member.id, nick: member.nick, session: delivery.sessionOf(member.id) }));
    const text = `${rejoined ? 'rejoined' : 'joined'} the cluster as node ${self.node}: ${remote.size} elsewhere`;
    const lostText = "the cluster's history was lost (its Redis came back empty): lines said before now are kept on each server alone";
    return [
      bus({ type: 'sync', members, lastSeq: delivery.history.lastSeq, ...(missed > 0 ? { missed } : {}) }),
      ...(rejoined ? everyoneHere(formatNotice(`back in the cluster: ${remote.size + roster.byId.size} online`)) : []),
      ...(event.historyLost ? [...everyoneHere(formatNotice(lostText)), log({ type: 'notice', text: lostText })] : []),
      ...missedElsewhere,
      log({ type: 'notice', text }),
    ];
  }

  /**
   * Back from apart: the room lines the cluster numbered after the last one heard here were said
   * elsewhere and never reached the people here. They get them now, marked as earlier, and are
   * told how many more the cluster may no longer keep. This server's own lines that a stopped
   * Redis ran late, after it had given up on them, were shown here already.
   */
  function catchUp(event: Extract<BusEvent, { type: 'up' }>, heardUpTo: number | undefined): Effect[] {
    if (heardUpTo === undefined) return [];
    const late = new Set(event.late);
    const after = event.history.filter((entry) => entry.seq > heardUpTo);
    // Numbers can jump (a node back from apart goes on after its own), so a gap before the first
    // line kept is only a loss when the history is full: at most that many lines were dropped.
    const full = event.history.length >= delivery.history.capacity;
    const gone = full ? Math.max(0, (after[0]?.seq ?? (event.history.at(-1)?.seq ?? heardUpTo) + 1) - heardUpTo - 1) : 0;
    // This server's own lines that crossed late were shown here already.
    const entries = after.filter((entry) => !late.has(entry.seq));
    if (entries.length === 0 && gone === 0) return [];
    const text =
      `while this server was apart from the cluster, ${lineCount(entries.length)} said elsewhere` + (gone > 0 ? `; up to ${gone} more are no longer kept` : '');
    return [...everyoneHere(formatNotice(text)), ...context.all().flatMap((id) => delivery.replay(id, entries)), log({ type: 'notice', text })];
  }

  function lost(reason: string): Effect[] {
    if (!up) return [];
    up = false;
    remote.clear();
    apart = { ...apart, since: delivery.history.lastSeq };
    return [
      ...everyoneHere(formatNotice('lost touch with the rest of the cluster: only the people on this server hear you until it is back')),
      log({ type: 'error', text: `lost the cluster: ${reason}` }),
    ];
  }

  /** Another node is back from apart: the people here are told how many of its lines never reached them. */
  function missedFrom(missed: MissedLines): Effect[] {
    const text = `${missed.lines === 1 ? '1 line' : `${missed.lines} lines`} said on node ${missed.node} while it was apart from the cluster never reached this server`;
    return [...(context.options.relay ? everyoneHere(formatNotice(text)) : []), log({ type: 'notice', text })];
  }

  /** Room lines go to the cluster, which numbers them; they reach this server's members when they come back. */
  function publish(conn: ConnId | undefined, lines: readonly string[], ids?: readonly string[]): Effect[] {
    const author = conn === undefined ? undefined : delivery.sessionOf(conn);
    const batch = { time: context.now(), lines, instance: self.instance, node: self.node, conn, author, ...(ids && ids.length > 0 ? { ids } : {}) };
    return [bus({ type: 'room', batch })];
  }

  function gone(instance: string, node: string): Effect[] {
    const left = [...remote.values()].filter((member) => member.instance === instance);
    for (const member of left) remote.delete(nickKey(member.nick));
    if (left.length === 0) return [];
    const reason = `node ${node} is gone`;
    const notices = left.length + roster.byId.size <= announceMax ? left.map((member) => formatNotice(`${member.nick} left (${reason})`)) : [];
    return [...(context.options.relay && notices.length > 0 ? everyoneHere(...notices) : []), log({ type: 'notice', text: `${reason}: ${left.length} left with it` })];
  }

  /** A request the cluster never got: done here instead, as a lone server would. */
  function unsent(request: BusRequest): Effect[] {
    switch (request.type) {
      case 'room': {
        const { conn, lines } = request.batch;
        const to = conn === undefined ? context.all() : context.all().filter((id) => id !== conn);
        // While up the cluster numbers room lines: a number given here would be given again there.
        // Said here alone either way: the other nodes are told how many once this one is back.
        if (!up) return delivery.room(to, lines, conn);
        apart.uncrossed += lines.length;
        return delivery.direct(to, ...lines);
      }
      case 'claim': {
        if (joining.has(request.conn)) return claimed(request.conn, undefined);
        const member = roster.byId.get(request.conn);
        const asked = renaming.get(request.conn);
        renaming.delete(request.conn);
        const effects = member && asked?.nick !== undefined ? hooks.rename(member, asked.nick) : [];
        return [...effects, ...release(request.conn)];
      }
      case 'private': {
        const error = `${request.to} is on another server that cannot be reached now`;
        return request.from === undefined ? [log({ type: 'error', text: error })] : delivery.direct([request.from], formatError(error));
      }
      case 'release':
      case 'sync':
        return [];
    }
  }

  function handle(event: BusEvent): Effect[] {
    switch (event.type) {
      case 'up':
        return joined(event);
      case 'down':
        return lost(event.reason);
      case 'room':
        return room(event.batch);
      case 'claimed':
        return claimed(event.conn, event.ok ? event.nick : undefined);
      case 'refused':
        return event.conns.flatMap((conn) => toGuest(conn, 'apart'));
      case 'ousted': {
        const id = roster.byNick.get(nickKey(event.nick));
        return id === undefined ? [] : toGuest(id, 'held-first');
      }
      case 'joined':
        if (event.member.instance !== self.instance) remote.set(nickKey(event.member.nick), event.member);
        return [];
      case 'left':
        if (remote.get(nickKey(event.member.nick))?.instance === event.member.instance) remote.delete(nickKey(event.member.nick));
        return [];
      case 'renamed':
        if (event.member.instance === self.instance) return [];
        if (remote.get(nickKey(event.from))?.instance === event.member.instance) remote.delete(nickKey(event.from));
        remote.set(nickKey(event.member.nick), event.member);
        return [];
      case 'synced':
        if (event.instance === self.instance) return [];
        for (const [key, member] of remote) if (member.instance === event.instance) remote.delete(key);
        for (const member of event.members) remote.set(nickKey(member.nick), member);
        return event.missed ? missedFrom(event.missed) : [];
      case 'taken': {
        const id = roster.byNick.get(nickKey(event.nick));
        const member = id === undefined ? undefined : roster.byId.get(id);
        if (!member) return [];
        // Not announced: the room has just heard it take its nick on the other node.
        return [...context.leave(member, 'reconnected elsewhere', false), { kind: 'close', id: member.id, reason: 'reconnected elsewhere' }];
      }
      case 'private': {
        const id = roster.byNick.get(nickKey(event.to));
        return id === undefined ? [] : delivery.direct([id], event.line);
      }
      case 'gone':
        return gone(event.instance, event.node);
      case 'unsent':
        return unsent(event.request);
    }
  }

  return {
    self,
    get up(): boolean {
      return up;
    },
    /** Members on other nodes, by nick key. */
    remote: remote as ReadonlyMap<string, ClusterMember>,
    handle,
    /** Whether this connection's lines wait for a claim. */
    holds: (id: ConnId): boolean => held.has(id),
    hold,
    /** The connection closed while its lines wait for a claim: it is closed once they are handled. */
    closeAfterClaim(id: ConnId, reason: string): Effect[] {
      closing.set(id, reason);
      return [];
    },
    /** A new member's guest nick comes from the cluster. */
    join(id: ConnId, address: string): Effect[] {
      joining.set(id, address);
      held.set(id, []);
      return [bus({ type: 'claim', conn: id })];
    },
    rename(member: Member, nick: string): Effect[] {
      renaming.set(member.id, { nick });
      held.set(member.id, held.get(member.id) ?? []);
      return [bus({ type: 'claim', conn: member.id, nick, previous: member.nick, session: delivery.sessionOf(member.id) })];
    },
    publish,
    /** A private line for a member on another node, through the cluster; undefined when no node has that nick. */
    privately(from: ConnId | undefined, nick: string, line: string): Effect[] | undefined {
      const to = remote.get(nickKey(nick));
      return to && [bus({ type: 'private', from, instance: to.instance, to: to.nick, line })];
    },
    /** A member left this server: its nick is free everywhere. */
    left(member: Member): Effect[] {
      joining.delete(member.id);
      renaming.delete(member.id);
      held.delete(member.id);
      closing.delete(member.id);
      return up ? [bus({ type: 'release', nick: member.nick })] : [];
    },
    /** A connection that never became a member. */
    closed(id: ConnId): void {
      joining.delete(id);
      held.delete(id);
      closing.delete(id);
    },
    /** This server stops: its nicks are freed at once, and the others hear who went with it. */
    stop(members: readonly Member[]): Effect[] {
      // Connections still waiting for a nick are not members yet: they are closed here.
      const waiting = [...joining.keys()].map((id): Effect => ({ kind: 'close', id, reason: 'server shutting down' }));
      joining.clear();
      closing.clear();
      if (!up) return waiting;
      const who = members.length <= announceMax ? members.map((member) => member.nick).join(', ') : `${members.length} people`;
      const notices = members.length > 0 && context.options.relay ? publish(undefined, [formatNotice(`${who} left (node ${self.node} is shutting down)`)]) : [];
      return [...waiting, ...notices, bus({ type: 'sync', members: [], lastSeq: delivery.history.lastSeq })];
    },
  };
}

const lineCount = (count: number): string => (count === 1 ? '1 line was' : `${count} lines were`);

export type ClusterLink = ReturnType<typeof createClusterLink>;
