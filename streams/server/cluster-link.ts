import { roomEntries, type BusEvent, type BusRequest, type MissedLines, type RoomBatch } from '../cluster/bus.js';
import { nickKey } from '../protocol/nick.js';
import { formatError, formatNotice } from '../protocol/server-line.js';
import { log, type Effect, type LogEntry } from './events.js';
import { reload } from './history.js';
import { everyone, memberOf, members, rememberId, type Claim, type ClusterState, type Connection, type ConnId, type ServerModel } from './model.js';
import { findByNick } from './nicks.js';
import { busRequest as bus, depart, renameLocally, roomLines, welcome } from './membership.js';
import { direct, directToRoom, numbered, replay, sayHere } from './send.js';

/**
 * The router's half of a cluster: while the bus is up, room lines, nick claims and private
 * messages to other nodes go through it, and what the other nodes do comes back as events.
 * While it is down the router works as a lone server, and says so. What the cluster's answers
 * lead to comes back as data: effects, and `resume` steps the router runs.
 */

/** After a claim is answered: handle what the connection sent meanwhile (and its close, if it came). */
export type Next = Effect | { readonly kind: 'resume'; readonly id: ConnId };

/** Lines a connection may send while its nick is being claimed; past that they are refused. */
const MAX_HELD_LINES = 1000;

const forcedNotice = (why: NonNullable<Claim['forced']>, from: string, to: string): string =>
  why === 'apart'
    ? `your nick ${from} went to someone else while this server was apart from the cluster; you are now ${to}`
    : `your nick ${from} was held on another node since before you took it, while that node was apart from the cluster; you are now ${to}`;

const lineCount = (count: number): string => (count === 1 ? '1 line was' : `${count} lines were`);

/** The cluster is up: this server is one of its nodes now. */
export const clusterUp = (model: ServerModel): ClusterState | undefined => (model.cluster?.up ? model.cluster : undefined);

const everyoneHere = (model: ServerModel, ...lines: string[]): Effect[] => direct(model, everyone(model), ...lines);

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

/** A member asks for a nick the cluster must grant; its lines wait for the answer. */
export function claimNick(member: Connection, nick: string): Effect[] {
  member.claim = { nick };
  member.held ??= [];
  return [bus({ type: 'claim', conn: member.id, nick, previous: member.nick, session: member.session })];
}

/** A private line for a member on another node, through the cluster; undefined when no node has that nick. */
export function privately(model: ServerModel, from: ConnId | undefined, nick: string, line: string): { effects: Effect[]; to: string } | undefined {
  const to = clusterUp(model)?.remote.get(nickKey(nick));
  return to && { effects: [bus({ type: 'private', from, instance: to.instance, to: to.nick, line })], to: to.nick };
}

function claimed(model: ServerModel, id: ConnId, nick: string | undefined): Next[] {
  const conn = model.conns.get(id);
  if (conn?.phase === 'joining') return [...welcome(model, conn, nick), { kind: 'resume', id }];
  const asked = conn?.claim;
  if (conn) conn.claim = undefined;
  if (!asked || conn?.phase !== 'member') return nick === undefined ? [] : [bus({ type: 'release', nick })]; // it left meanwhile
  const effects =
    nick !== undefined
      ? renameLocally(model, conn, nick, asked.forced && forcedNotice(asked.forced, conn.nick, nick))
      : asked.nick !== undefined && asked.nick !== conn.nick
        ? direct(model, [id], formatError(`nick ${asked.nick} is taken`))
        : [];
  return [...effects, { kind: 'resume', id }];
}

function room(model: ServerModel, cluster: ClusterState, batch: RoomBatch): Effect[] {
  if (batch.ids) for (const lineId of batch.ids) rememberId(model, lineId);
  const ours = batch.instance === cluster.self.instance;
  // Never back to its author: the connection it came from, or the same client since moved here.
  const effects = numbered(model, model.firstRoom, ours ? batch.conn : undefined, batch.author, roomEntries(batch));
  if (!ours) effects.push(log(...batch.lines.map((line): LogEntry => ({ type: 'remote', node: batch.node, line }))));
  return effects;
}

/** The member gives up its nick for a guest nick from the cluster, and is told why. */
function toGuest(model: ServerModel, id: ConnId | undefined, why: NonNullable<Claim['forced']>): Effect[] {
  const member = id === undefined ? undefined : memberOf(model, id);
  if (!member || member.claim) return [];
  member.claim = { forced: why };
  member.held ??= [];
  return [bus({ type: 'claim', conn: member.id, previous: member.nick, session: member.session })];
}

function joined(model: ServerModel, cluster: ClusterState, event: Extract<BusEvent, { type: 'up' }>): Effect[] {
  const { history } = model.firstRoom;
  const rejoined = cluster.everUp;
  cluster.up = cluster.everUp = true;
  cluster.remote.clear();
  for (const member of event.members) if (member.instance !== cluster.self.instance) cluster.remote.set(nickKey(member.nick), member);
  const said = cluster.apart.since === undefined ? 0 : history.lastSeq - cluster.apart.since;
  const missed = Math.max(0, cluster.apart.uncrossed + said - (event.late?.length ?? 0));
  const heardUpTo = cluster.apart.since;
  cluster.apart = { uncrossed: 0 };
  // A cluster that lost its history (its Redis came back empty) has nothing to give: this
  // server keeps its own, under the same epoch, so its clients resume as they were.
  const missedElsewhere = event.historyLost ? [] : catchUp(model, event, heardUpTo);
  const here = members(model);
  if (!event.historyLost) {
    reload(history, event.epoch, event.history);
    // What the members here heard live starts now: the cluster's earlier lines never reached them.
    for (const member of here) member.joinedAfter = history.lastSeq;
  }
  const text = `${rejoined ? 'rejoined' : 'joined'} the cluster as node ${cluster.self.node}: ${cluster.remote.size} elsewhere`;
  const lostText = "the cluster's history was lost (its Redis came back empty): lines said before now are kept on each server alone";
  return [
    bus({ type: 'sync', members: here.map((m) => ({ conn: m.id, nick: m.nick, session: m.session })), lastSeq: history.lastSeq, ...(missed > 0 ? { missed } : {}) }),
    ...(rejoined ? everyoneHere(model, formatNotice(`back in the cluster: ${cluster.remote.size + here.length} online`)) : []),
    ...(event.historyLost ? [...everyoneHere(model, formatNotice(lostText)), log({ type: 'notice', text: lostText })] : []),
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
function catchUp(model: ServerModel, event: Extract<BusEvent, { type: 'up' }>, heardUpTo: number | undefined): Effect[] {
  if (heardUpTo === undefined) return [];
  const late = new Set(event.late);
  const after = event.history.filter((entry) => entry.seq > heardUpTo);
  // Numbers can jump (a node back from apart goes on after its own), so a gap before the first
  // line kept is only a loss when the history is full: at most that many lines were dropped.
  const full = event.history.length >= model.firstRoom.history.capacity;
  const gone = full ? Math.max(0, (after[0]?.seq ?? (event.history.at(-1)?.seq ?? heardUpTo) + 1) - heardUpTo - 1) : 0;
  const entries = after.filter((entry) => !late.has(entry.seq));
  if (entries.length === 0 && gone === 0) return [];
  const text = `while this server was apart from the cluster, ${lineCount(entries.length)} said elsewhere` + (gone > 0 ? `; up to ${gone} more are no longer kept` : '');
  return [...everyoneHere(model, formatNotice(text)), ...everyone(model).flatMap((id) => replay(model, id, entries)), log({ type: 'notice', text })];
}

function lost(model: ServerModel, cluster: ClusterState, reason: string): Effect[] {
  if (!cluster.up) return [];
  cluster.up = false;
  cluster.remote.clear();
  cluster.apart = { ...cluster.apart, since: model.firstRoom.history.lastSeq };
  return [
    ...everyoneHere(model, formatNotice('lost touch with the rest of the cluster: only the people on this server hear you until it is back')),
    log({ type: 'error', text: `lost the cluster: ${reason}` }),
  ];
}

/** Another node is back from apart: the people here are told how many of its lines never reached them. */
function missedFrom(model: ServerModel, missed: MissedLines): Effect[] {
  const text = `${missed.lines === 1 ? '1 line' : `${missed.lines} lines`} said on node ${missed.node} while it was apart from the cluster never reached this server`;
  return [...(model.relay ? everyoneHere(model, formatNotice(text)) : []), log({ type: 'notice', text })];
}

function gone(model: ServerModel, cluster: ClusterState, instance: string, node: string): Effect[] {
  const left = [...cluster.remote.values()].filter((member) => member.instance === instance);
  for (const member of left) cluster.remote.delete(nickKey(member.nick));
  if (left.length === 0) return [];
  const reason = `node ${node} is gone`;
  const here = everyone(model);
  const notices = left.length + here.length <= model.announceMax ? left.map((member) => formatNotice(`${member.nick} left (${reason})`)) : [];
  return [...(model.relay && notices.length > 0 ? direct(model, here, ...notices) : []), log({ type: 'notice', text: `${reason}: ${left.length} left with it` })];
}

/** A request the cluster never got: done here instead, as a lone server would. */
function unsent(model: ServerModel, cluster: ClusterState, request: BusRequest): Next[] {
  switch (request.type) {
    case 'room': {
      const { conn, lines } = request.batch;
      // While up the cluster numbers room lines: a number given here would be given again there.
      // Said here alone either way: the other nodes are told how many once this one is back.
      if (!cluster.up) return sayHere(model, model.firstRoom, conn, lines);
      cluster.apart.uncrossed += lines.length;
      return directToRoom(model, model.firstRoom, conn, ...lines);
    }
    case 'claim': {
      const conn = model.conns.get(request.conn);
      if (conn?.phase === 'joining') return claimed(model, request.conn, undefined);
      const asked = conn?.claim;
      if (conn) conn.claim = undefined;
      const effects = conn?.phase === 'member' && asked?.nick !== undefined ? renameLocally(model, conn, asked.nick) : [];
      return [...effects, { kind: 'resume', id: request.conn }];
    }
    case 'private': {
      const error = `${request.to} is on another server that cannot be reached now`;
      return request.from === undefined ? [log({ type: 'error', text: error })] : direct(model, [request.from], formatError(error));
    }
    case 'release':
    case 'sync':
      return [];
  }
}

/** What an event from the other servers does here. */
export function handleBus(model: ServerModel, event: BusEvent): Next[] {
  const { cluster } = model;
  if (!cluster) return [];
  switch (event.type) {
    case 'up':
      return joined(model, cluster, event);
    case 'down':
      return lost(model, cluster, event.reason);
    case 'room':
      return room(model, cluster, event.batch);
    case 'claimed':
      return claimed(model, event.conn, event.ok ? event.nick : undefined);
    case 'refused':
      return event.conns.flatMap((conn) => toGuest(model, conn, 'apart'));
    case 'ousted':
      return toGuest(model, findByNick(model, event.nick)?.id, 'held-first');
    case 'joined':
      if (event.member.instance !== cluster.self.instance) cluster.remote.set(nickKey(event.member.nick), event.member);
      return [];
    case 'left':
      if (cluster.remote.get(nickKey(event.member.nick))?.instance === event.member.instance) cluster.remote.delete(nickKey(event.member.nick));
      return [];
    case 'renamed':
      if (event.member.instance === cluster.self.instance) return [];
      if (cluster.remote.get(nickKey(event.from))?.instance === event.member.instance) cluster.remote.delete(nickKey(event.from));
      cluster.remote.set(nickKey(event.member.nick), event.member);
      return [];
    case 'synced':
      if (event.instance === cluster.self.instance) return [];
      for (const [key, member] of cluster.remote) if (member.instance === event.instance) cluster.remote.delete(key);
      for (const member of event.members) cluster.remote.set(nickKey(member.nick), member);
      return event.missed ? missedFrom(model, event.missed) : [];
    case 'taken': {
      const member = findByNick(model, event.nick);
      if (member?.phase !== 'member') return [];
      // Not announced: the room has just heard it take its nick on the other node.
      return [...depart(model, member, 'reconnected elsewhere', false), { kind: 'close', id: member.id, reason: 'reconnected elsewhere' }];
    }
    case 'private': {
      const member = findByNick(model, event.to);
      return member ? direct(model, [member.id], event.line) : [];
    }
    case 'gone':
      return gone(model, cluster, event.instance, event.node);
    case 'unsent':
      return unsent(model, cluster, event.request);
  }
}

/** This server stops: its nicks are freed at once, and the others hear who went with it. */
export function leaveCluster(model: ServerModel, leaving: readonly Connection[]): Effect[] {
  const cluster = clusterUp(model);
  if (!cluster) return [];
  const who = leaving.length <= model.announceMax ? leaving.map((member) => member.nick).join(', ') : `${leaving.length} people`;
  const notices = leaving.length > 0 && model.relay ? roomLines(model, model.firstRoom, undefined, [formatNotice(`${who} left (node ${cluster.self.node} is shutting down)`)]) : [];
  return [...notices, bus({ type: 'sync', members: [], lastSeq: model.firstRoom.history.lastSeq })];
}
