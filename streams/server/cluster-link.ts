import type { BusEvent, BusRequest, ClusterMember, RoomBatch } from '../cluster/bus.js';
import { nickKey, nickTakenReason } from '../protocol/nick.js';
import { formatError, formatNotice, parseServerLine } from '../protocol/server-line.js';
import { factRefused, factsAtUp, factUnsent, heardFact } from './cluster-facts.js';
import { addRemote, dropInstance, dropRemote, takeAwaited } from './cluster-members.js';
import { changeNotices, toTheirRooms } from './cluster-news.js';
import { joined, lost, missedFrom } from './cluster-rejoin.js';
import { log, type Effect } from './events.js';
import { answer, unanswered } from './history-commands.js';
import { busRequest as bus, depart, dismiss, inRoom, renameLocally, roomLines, welcome } from './membership.js';
import {
  forgetIfEmpty,
  joinAuthor,
  KICK_NOTICES,
  memberOf,
  rememberId,
  roomNamed,
  type Claim,
  type ClusterState,
  type Connection,
  type ConnId,
  type Room,
  type ServerModel,
} from './model.js';
import { findByNick } from './nicks.js';
import { forReturn, PRIVATE_SESSIONS_KEPT, RETURN_WINDOW_MS, sendPrivate } from './private-lines.js';
import { askedOfGone, askUnsent, privatesAsked, privatesGiven } from './cluster-privates.js';
import { kickedElsewhere } from './moderation-commands.js';
import { direct, directToRoom, numbered, sayHere } from './send.js';
import { addLatest, keepLatest } from '../keep-latest.js';

/**
 * The router's half of a cluster: while the bus is up, room lines, nick claims, moves, topics and
 * private messages to other nodes go through it, and what the other nodes do comes back as events.
 * While it is down the router works as a lone server, and says so. What the cluster's answers
 * lead to comes back as data: effects, and `resume` steps the router runs.
 */

/** What a private line said, as its sender typed it. */
function privateText(line: string): string {
  const parsed = parseServerLine(line);
  return parsed.kind === 'private' ? parsed.text : line;
}

/** Why a /msg or a /kick finds nobody: while this server is apart from the cluster, the nick may be on another node. */
export const noSuchNick = (model: ServerModel, nick: string): string =>
  model.cluster && (!model.cluster.up || model.cluster.awaited.some((member) => nickKey(member.nick) === nickKey(nick)))
    ? `${nick} is not on this server, and may be on another that cannot be reached now`
    : `no such nick: ${nick}`;

/** After a claim is answered: handle what the connection sent meanwhile (and its close, if it came). */
export type Next = Effect | { readonly kind: 'resume'; readonly id: ConnId };

/** Lines a connection may send while its nick is being claimed; past that they are refused. */
const MAX_HELD_LINES = 1000;

const forcedWhy = (why: NonNullable<Claim['forced']>, from: string): string =>
  why === 'apart'
    ? `your nick ${from} went to someone else while this server was apart from the cluster`
    : `your nick ${from} was held on another node since before you took it, while that node was apart from the cluster`;

/** The cluster is up: this server is one of its nodes now. */
export const clusterUp = (model: ServerModel): ClusterState | undefined => (model.cluster?.up ? model.cluster : undefined);

/** A batch from a connection whose lines wait for a claim. */
export function hold(model: ServerModel, conn: Connection, batch: readonly string[]): Effect[] {
  const batches = (conn.held ??= []);
  if (batches.reduce((sum, each) => sum + each.length, 0) + batch.length > MAX_HELD_LINES) {
    return direct(model, [conn.id], formatError('too many lines while the cluster answers; these were dropped'));
  }
  batches.push(batch);
  return [];
}

/** A new member's guest nick comes from the cluster; its lines wait for it. */
export function claimGuest(conn: Connection): Effect[] {
  conn.held = [];
  return [bus({ type: 'claim', conn: conn.id })];
}

/** A member asks for a nick the cluster must grant (a guest nick when none); its lines wait for the answer. */
function claim(member: Connection, asked: Claim): Effect[] {
  member.claim = asked;
  member.held ??= [];
  const { nick } = asked;
  const wanted = nick === undefined ? {} : { nick, key: nickKey(nick) };
  return [
    bus({ type: 'claim', conn: member.id, ...wanted, previous: member.nick, previousKey: nickKey(member.nick), session: member.session }),
  ];
}

export const claimNick = (member: Connection, nick: string): Effect[] => claim(member, { nick });

/** A private line for a member on another node, through the cluster; undefined when no node has that nick. */
export function privately(
  model: ServerModel,
  from: ConnId | undefined,
  nick: string,
  line: string,
): { effects: Effect[]; to: string; away?: true } | undefined {
  const cluster = clusterUp(model);
  const key = nickKey(nick);
  const here = cluster?.remote.get(key);
  const away = here ? undefined : cluster?.awayElsewhere.get(key);
  const to = here ?? (away && model.now() - away.since <= RETURN_WINDOW_MS ? away.member : undefined);
  if (!to) return undefined;
  const effects = [bus({ type: 'private', from, instance: to.instance, to: to.nick, line })];
  return here ? { effects, to: to.nick } : { effects, to: to.nick, away: true };
}

/** A member of another node whose client lost its link: private lines to it go on to its node for a while (see `awayElsewhere`). */
function awayElsewhere(model: ServerModel, cluster: ClusterState, member: ClusterMember): void {
  keepLatest(cluster.awayElsewhere, nickKey(member.nick), { member, since: model.now() }, PRIVATE_SESSIONS_KEPT);
}

/**
 * A member on another node kicked through the cluster (its node tells it `line` and closes it);
 * undefined when no node has that nick.
 */
export function kickElsewhere(
  model: ServerModel,
  from: ConnId | undefined,
  nick: string,
  line: string,
  reason: string,
): Effect[] | undefined {
  const cluster = clusterUp(model);
  const to = cluster?.remote.get(nickKey(nick));
  if (!cluster || !to) return undefined;
  addLatest(cluster.kickNotices, kickNotice(to.instance, to.nick, reason), KICK_NOTICES);
  return [bus({ type: 'kick', from, instance: to.instance, to: to.nick, room: to.room, line, reason })];
}

/** A kick's notice to the room, as the kicked member's node tells it (see `ClusterState.kickNotices`). */
const kickNotice = (instance: string, nick: string, reason: string): string => `${instance} ${kickedLine(nick, reason)}`;
const kickedLine = (nick: string, reason: string): string => formatNotice(`${nick} was ${reason}`);

function claimed(model: ServerModel, id: ConnId, nick: string | undefined): Next[] {
  const conn = model.conns.get(id);
  if (conn?.phase === 'joining') return [...welcome(model, conn, nick), { kind: 'resume', id }];
  const asked = conn?.claim;
  if (conn) conn.claim = undefined;
  if (!asked || conn?.phase !== 'member') return nick === undefined ? [] : [bus({ type: 'release', nick, key: nickKey(nick) })]; // it left meanwhile
  // Granted: whoever held it elsewhere (this client's own session, taken over) holds it no more.
  if (nick !== undefined && model.cluster) dropRemote(model, model.cluster, nickKey(nick));
  const effects =
    nick !== undefined
      ? renameLocally(model, conn, nick, asked.forced && forcedWhy(asked.forced, conn.nick))
      : asked.nick !== undefined && asked.nick !== conn.nick
        ? direct(model, [id], formatError(refusedReason(model, asked.nick)))
        : [];
  return [...effects, { kind: 'resume', id }];
}

/** Why the cluster refused a nick: held, maybe as a look-alike, by a member on another node. */
function refusedReason(model: ServerModel, nick: string): string {
  const holder = model.cluster?.remote.get(nickKey(nick))?.nick;
  return holder === undefined ? `nick ${nick} is taken` : nickTakenReason(nick, holder);
}

/** The room a batch from the cluster belongs to (the first room for one from a bus that names none). */
const roomOf = (model: ServerModel, name: string | undefined): Room => (name === undefined ? model.firstRoom : roomNamed(model, name));

function roomBatch(model: ServerModel, cluster: ClusterState, batch: RoomBatch): Effect[] {
  if (batch.ids) for (const lineId of batch.ids) rememberId(model, lineId);
  const ours = batch.instance === cluster.self.instance;
  const room = roomOf(model, batch.room);
  // Never back to its author: the connection it came from, or the same client since moved here.
  const { first: seq, time, lines } = batch;
  // A join back after its connection named its session is that session's own (see `joinAuthor`).
  const named =
    ours && batch.conn !== undefined && batch.author === joinAuthor(batch.conn) ? model.conns.get(batch.conn)?.session : undefined;
  const author = named ?? batch.author;
  const effects = numbered(model, room, ours ? batch.conn : undefined, { seq, time, author, lines });
  // A kick this node asked for is in its console's record already.
  const recorded = !ours && lines.length === 1 && cluster.kickNotices.delete(`${batch.instance} ${lines[0]}`);
  if (!ours && !recorded) effects.push(log({ type: 'remote', node: batch.node, lines, ...inRoom(model, room) }));
  forgetIfEmpty(model, room);
  return effects;
}

/** The member gives up its nick for a guest nick from the cluster, and is told why. */
function toGuest(model: ServerModel, id: ConnId | undefined, why: NonNullable<Claim['forced']>): Effect[] {
  const member = id === undefined ? undefined : memberOf(model, id);
  return !member || member.claim ? [] : claim(member, { forced: why });
}

function gone(model: ServerModel, cluster: ClusterState, instance: string, node: string): Effect[] {
  const left = [...dropInstance(model, cluster, instance), ...takeAwaited(cluster, instance)];
  if (left.length === 0) return [];
  const reason = `node ${node} is gone`;
  const effects: Effect[] = [];
  if (model.mode === 'room') {
    for (const room of new Set(left.map((member) => member.room))) {
      const here = model.rooms.get(room);
      const leaving = left.filter((member) => member.room === room);
      if (!here || leaving.length + here.members.size > model.announceMax) continue;
      effects.push(...direct(model, [...here.members], ...leaving.map((member) => formatNotice(`${member.nick} left (${reason})`))));
    }
  }
  return [...effects, log({ type: 'notice', text: `${reason}: ${left.length} left with it` })];
}

/**
 * Another instance says who all its members are (once it has joined, and again each time it is back
 * from apart). Those this server did not know of came in unheard here: while their node was apart, or
 * before this server took it for gone (and said they left). Those it knew of and no longer has left it
 * while it was apart (unless it stops: it told the rooms). Each room here hears them leave and join, once.
 * Known includes what this server had of it before it was apart itself, if Redis came back empty.
 */
function synced(model: ServerModel, cluster: ClusterState, event: Extract<BusEvent, { type: 'synced' }>): Effect[] {
  const known = [...dropInstance(model, cluster, event.instance), ...takeAwaited(cluster, event.instance)];
  for (const member of event.members) addRemote(model, cluster, member);
  // A node that stops has told the rooms who left with it.
  const effects = event.stopping
    ? []
    : toTheirRooms(
        model,
        changeNotices(
          model,
          known,
          event.members,
          (member) => `while node ${member.node} was apart from the cluster`,
          () => '',
        ),
      );
  return event.missed ? [...effects, ...missedFrom(model, event.missed)] : effects;
}

/** A request the cluster never got: done here instead, as a lone server would. */
function unsent(model: ServerModel, cluster: ClusterState, request: BusRequest): Next[] {
  switch (request.type) {
    case 'room': {
      const { conn, lines } = request.batch;
      const room = roomOf(model, request.batch.room);
      // While up the cluster numbers room lines: a number given here would be given again there.
      // Said here alone either way: the other nodes are told how many once this one is back.
      const effects = cluster.up ? directToRoom(model, room, conn, ...lines) : sayHere(model, room, conn, lines);
      if (cluster.up) cluster.apart.uncrossed += lines.length;
      forgetIfEmpty(model, room); // its last member may have left it meanwhile
      return effects;
    }
    case 'claim': {
      const conn = model.conns.get(request.conn);
      if (conn?.phase === 'joining') return claimed(model, request.conn, undefined);
      const asked = conn?.claim;
      if (conn) conn.claim = undefined;
      const effects = conn?.phase === 'member' && asked?.nick !== undefined ? renameLocally(model, conn, asked.nick) : [];
      // Taken when it was asked, which the bus knows (and times), not now that it is handed back.
      if (conn && asked?.nick !== undefined && nickKey(conn.nick) === nickKey(asked.nick)) conn.nickSince = undefined;
      return [...effects, { kind: 'resume', id: request.conn }];
    }
    case 'private':
    case 'kick': {
      // A kick unsent, or unanswered by the member's node (cut off from Redis), did not happen; a ban reaches that node once it is back.
      // A private line is named, as said: its sender has seen it go (`*-> bob* ...`), and may send it again.
      const error =
        request.type === 'kick'
          ? `${request.to} is on another server that cannot be reached now; ${request.to} was not kicked (a /ban holds there once it is back)`
          : `your private line to ${request.to} did not go out (${request.to}'s server cannot be reached now): ${privateText(request.line)}`;
      return request.from === undefined ? [log({ type: 'error', text: error })] : direct(model, [request.from], formatError(error));
    }
    case 'fact':
      factUnsent(cluster, request.fact);
      return [];
    case 'query': {
      const member = memberOf(model, request.conn);
      return member ? unanswered(model, member, request.query) : [];
    }
    case 'privates-ask':
      return askUnsent(model, request.conn);
    case 'release':
    case 'sync':
    case 'move':
    case 'privates-give':
      return [];
  }
}

/** What an event from the other servers does here. */
export function handleBus(model: ServerModel, event: BusEvent): Next[] {
  const { cluster } = model;
  if (!cluster) return [];
  const elsewhere = (member: { instance: string }): boolean => member.instance !== cluster.self.instance;
  switch (event.type) {
    case 'up': {
      // At the first join every fact the cluster keeps is new here, but no news: a ban still
      // closes what it names, without a "was banned on another node" in the record for each.
      const first = !cluster.everUp;
      const up = joined(model, cluster, event);
      const facts = factsAtUp(model, cluster, event.facts);
      const news = (effect: Next): boolean => !(effect.kind === 'log' && effect.entries.every((entry) => entry.type === 'moderation'));
      return [...up, ...(first ? facts.filter(news) : facts)];
    }
    case 'down':
      return lost(model, cluster, event.reason);
    case 'room':
      return roomBatch(model, cluster, event.batch);
    case 'claimed':
      return claimed(model, event.conn, event.ok ? event.nick : undefined);
    case 'refused':
      return event.conns.flatMap((conn) => toGuest(model, conn, 'apart'));
    case 'ousted':
      return toGuest(model, findByNick(model, event.nick)?.id, 'held-first');
    case 'joined':
      if (elsewhere(event.member)) addRemote(model, cluster, event.member);
      return [];
    case 'left':
      dropRemote(model, cluster, nickKey(event.member.nick), event.member.instance);
      if (event.away) awayElsewhere(model, cluster, event.member);
      else cluster.awayElsewhere.delete(nickKey(event.member.nick)); // quit or kicked: nothing more is kept for it
      return [];
    case 'renamed':
    case 'moved':
      if (!elsewhere(event.member)) return [];
      if (event.type === 'renamed') dropRemote(model, cluster, nickKey(event.from), event.member.instance);
      addRemote(model, cluster, event.member);
      return [];
    case 'synced':
      return event.instance === cluster.self.instance ? [] : synced(model, cluster, event);
    case 'taken': {
      const member = findByNick(model, event.nick);
      if (member?.phase !== 'member') return [];
      // Not announced: the room has just heard it take its nick on the other node.
      return [...depart(model, member, 'reconnected elsewhere', false), { kind: 'close', id: member.id, reason: 'reconnected elsewhere' }];
    }
    case 'private': {
      const member = findByNick(model, event.to);
      if (member) return sendPrivate(model, member, event.line);
      // Its link lost here a moment ago: for its client if it is back here, or kept for its return.
      return forReturn(model, event.to, event.line)?.effects ?? [];
    }
    case 'kick': {
      // Told to its room from here, the node that did it: every node hears it even should the kicker's never learn it was done.
      const member = findByNick(model, event.to);
      if (member?.phase !== 'member') return [];
      const notice = model.mode === 'room' ? roomLines(model, member.room!, undefined, [kickedLine(member.nick, event.reason)]) : [];
      return [...dismiss(model, member, event.line, event.reason, false), ...notice];
    }
    case 'kicked':
      return kickedElsewhere(model, event.request, event.late === true);
    case 'went': {
      const { from, to, line } = event.request;
      const notice = `your private line to ${to} went out after all (it reached the cluster late): ${privateText(line)}`;
      return from === undefined ? [log({ type: 'notice', text: notice })] : direct(model, [from], formatNotice(notice));
    }
    case 'unreached': {
      const { from, to, line } = event.request;
      const error = `your private line to ${to} may not have reached them: their server (node ${event.node}) is gone (should it come back, they get it then): ${privateText(line)}`;
      return from === undefined ? [log({ type: 'error', text: error })] : direct(model, [from], formatError(error));
    }
    case 'privates-asked':
      return privatesAsked(model, event);
    case 'privates-given':
      return privatesGiven(model, event);
    case 'gone':
      return [...askedOfGone(model, event.instance), ...gone(model, cluster, event.instance, event.node)];
    case 'fact':
      return heardFact(model, cluster, event.fact);
    case 'fact-refused':
      return factRefused(model, cluster, event.fact, event.held);
    case 'answer':
      return answer(model, event.conn, event.query, event.entries);
    case 'unsent':
      return unsent(model, cluster, event.request);
  }
}

/** This server stops: its nicks are freed at once, and each room hears who went with it. */
export function leaveCluster(model: ServerModel, leaving: readonly Connection[]): Effect[] {
  const cluster = clusterUp(model);
  if (!cluster) return [];
  const notices: Effect[] = [];
  if (model.mode === 'room') {
    for (const room of new Set(leaving.map((member) => member.room!))) {
      const here = leaving.filter((member) => member.room === room);
      const who = here.length <= model.announceMax ? here.map((member) => member.nick).join(', ') : `${here.length} people`;
      notices.push(...roomLines(model, room, undefined, [formatNotice(`${who} left (node ${cluster.self.node} is shutting down)`)]));
    }
  }
  return [...notices, bus({ type: 'sync', members: [], lastSeq: model.sequence.lastSeq, stopping: true })];
}
