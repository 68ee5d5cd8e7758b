import type { BusRequest } from '../cluster/bus.js';
import { DEFAULT_HISTORY_COUNT } from '../protocol/client-command.js';
import { nickKey } from '../protocol/nick.js';
import { formatHistoryEnd, formatHistoryStart, formatInRoom, formatRenamed, formatWelcome, formatYouAre } from '../protocol/sentences.js';
import { formatError, formatNotice } from '../protocol/server-line.js';
import { log, type Effect, type InRoom, type LogEntry } from './events.js';
import { latest, type HistoryEntry } from './history.js';
import {
  enter,
  forgetIfEmpty,
  join,
  joinAuthor,
  leave,
  sessionHolder,
  type Connection,
  type ConnId,
  type Room,
  type ServerModel,
} from './model.js';
import { noLongerAway } from './private-lines.js';
import { nickOrGuest, rename } from './nicks.js';
import { direct, replay, sayHere } from './send.js';
import { peerAddress } from './peer-address.js';

/** The moves a member's life is made of: it comes in, speaks to its room, moves, changes its nick, leaves. */

export const busRequest = (request: BusRequest): Effect => ({ kind: 'bus', request });

/** Where a log entry happened, for the console (see `InRoom`); nothing on a console-only server. */
export function inRoom(model: ServerModel, room: Room | string): InRoom {
  if (model.mode === 'console-only') return {};
  const name = typeof room === 'string' ? room : room.name;
  return name === model.consoleRoom.name ? { room: name } : { room: name, elsewhere: true };
}

/** What a member said in one go, for the console: the lines with their room first when it is not the console's. */
export function messagesEntry(model: ServerModel, member: Connection, texts: readonly string[], lines: readonly string[]): LogEntry {
  const where = inRoom(model, member.room!);
  const shown = where.elsewhere ? lines.map((line) => `${where.room} ${line}`) : lines;
  return { type: 'messages', id: member.id, from: member.nick, texts, lines: shown, ...where };
}

/** Room lines: through the cluster while it is up (it numbers them), else numbered and sent here. */
export function roomLines(
  model: ServerModel,
  room: Room,
  from: ConnId | undefined,
  lines: readonly string[],
  ids?: readonly string[],
  author = from === undefined ? undefined : model.conns.get(from)?.session,
): Effect[] {
  const { cluster } = model;
  if (!cluster?.up) return sayHere(model, room, from, lines, author);
  const { instance, node } = cluster.self;
  const batch = {
    time: model.now(),
    room: room.name,
    lines,
    instance,
    node,
    conn: from,
    author,
    ...(ids && ids.length > 0 ? { ids } : {}),
  };
  return [busRequest({ type: 'room', batch })];
}

/** A member's lines to its room; nothing on a console-only server, where only the console hears them. */
export function announce(
  model: ServerModel,
  room: Room,
  from: ConnId,
  lines: readonly string[],
  ids?: readonly string[],
  author?: string,
): Effect[] {
  return model.mode === 'room' ? roomLines(model, room, from, lines, ids, author) : [];
}

/** How many are in the room, here and on the other nodes. */
export function roomSize(room: Room): number {
  return room.members.size + room.remote;
}

/** Joins, leaves and renames: announced like room lines, but only while the room is small enough. */
function announceMembership(model: ServerModel, room: Room, from: ConnId, notice: string, author?: string): Effect[] {
  return roomSize(room) <= model.announceMax ? announce(model, room, from, [formatNotice(notice)], undefined, author) : [];
}

/** Earlier room lines for a member: marked as replayed for a tagged client, between history markers for a plain one. */
export function historyLines(model: ServerModel, member: Connection, entries: readonly HistoryEntry[], ...before: string[]): Effect[] {
  if (member.session !== undefined) return [...direct(model, [member.id], ...before), ...replay(model, member.id, entries)];
  return direct(
    model,
    [member.id],
    ...before,
    formatHistoryStart(entries.length),
    ...entries.map((entry) => entry.line),
    formatHistoryEnd(),
  );
}

/**
 * What a member arriving in a room is told, after `before` (its welcome): where it is now, then
 * the room's last lines (said before it came), in one send for a plain client.
 */
function arrival(model: ServerModel, member: Connection, room: Room, entries: readonly HistoryEntry[], ...before: string[]): Effect[] {
  const sentence = formatInRoom({ room: room.name, members: roomSize(room), topic: room.topic?.text });
  return entries.length > 0 ? historyLines(model, member, entries, ...before, sentence) : direct(model, [member.id], ...before, sentence);
}

/** The connection becomes a member of the first room, with the nick a cluster gave it or a guest nick. */
export function welcome(model: ServerModel, conn: Connection, nick?: string): Effect[] {
  const room = model.firstRoom;
  const rooms = model.mode === 'room';
  const earlier = rooms ? latest(room.history, DEFAULT_HISTORY_COUNT) : [];
  enter(model, conn, nickOrGuest(model, nick), room); // before its own join notice, which it never hears
  timeNick(model, conn);
  const greeting = formatWelcome({ server: model.name, nick: conn.nick, ...(rooms ? { room: room.name } : {}) });
  const apart = apartNotice(model);
  return [
    ...(rooms ? arrival(model, conn, room, earlier, greeting) : direct(model, [conn.id], greeting)),
    ...(apart === undefined ? [] : direct(model, [conn.id], apart)),
    ...announceMembership(model, room, conn.id, `${conn.nick} joined`, joinAuthor(conn.id)),
    log({ type: 'join', id: conn.id, from: conn.nick, address: peerAddress(conn), ...inRoom(model, room) }),
  ];
}

/** What a newcomer to a node apart from its cluster (or not yet in it) is told: those already here were told as it happened. */
function apartNotice(model: ServerModel): string | undefined {
  const { cluster } = model;
  if (!cluster || cluster.up) return undefined;
  return formatNotice(
    cluster.everUp
      ? 'this server is apart from the rest of the cluster now: only the people on it hear you until it is back'
      : 'this server has not joined its cluster yet: only the people on it hear you until it has',
  );
}

/**
 * The member moves to another room: the old one hears where it went, the new one that it came.
 * It is shown the new room's last lines, unless it resumes there (then it gets what it missed instead).
 */
export function moveTo(model: ServerModel, member: Connection, to: Room, resuming = false): Effect[] {
  const from = member.room!;
  if (from === to) return direct(model, [member.id], formatError(`you are already in ${to.name}`));
  const earlier = resuming ? [] : latest(to.history, DEFAULT_HISTORY_COUNT);
  join(model, member, to);
  const { id, nick } = member;
  const moved = model.cluster?.up ? [busRequest({ type: 'move', conn: id, nick, key: nickKey(nick), room: to.name })] : [];
  const effects = [
    ...moved,
    ...arrival(model, member, to, earlier),
    ...announceMembership(model, from, id, `${nick} left for ${to.name}`),
    ...announceMembership(model, to, id, `${nick} joined`),
    log({ type: 'move', id, from: nick, previous: from.name, ...inRoom(model, to) }),
  ];
  forgetIfEmpty(model, from);
  return effects;
}

/**
 * The member leaves (its connection is closing). `notice`: what the room is told (by default
 * `NICK left (REASON)`); false: nothing. In a cluster its nick is free everywhere.
 */
export function depart(
  model: ServerModel,
  member: Connection,
  reason: string,
  notice: string | false = `${member.nick} left (${reason})`,
  away = false,
): Effect[] {
  const { id, nick, session } = member;
  const room = member.room!;
  // Gone on purpose, or sent away: private lines to its nick are no longer for its client (see `forReturn`).
  if (!away && session !== undefined && !sessionHolder(model, session, member)) noLongerAway(model, session);
  leave(model, member);
  // Announced once it is out, so the notice is its own and never replayed to it.
  const announced = notice === false ? [] : announceMembership(model, room, id, notice);
  forgetIfEmpty(model, room);
  const released = model.cluster?.up ? [busRequest({ type: 'release', nick, key: nickKey(nick), ...(away ? { away } : {}) })] : [];
  return [...announced, ...released, log({ type: 'leave', id, from: nick, reason, ...inRoom(model, room) })];
}

/**
 * A member takes a nick this server may give on its own (`why` tells why, when the member did not
 * ask: a cluster gave its nick to another first). Then the room has heard of two with that nick:
 * it is told which one this is.
 */
export function renameLocally(model: ServerModel, member: Connection, nick: string, why?: string): Effect[] {
  const { id } = member;
  const result = rename(model, member, nick);
  if (!result.ok) return direct(model, [id], formatError(result.error));
  if (result.before === result.after) return direct(model, [id], formatYouAre(result.after));
  timeNick(model, member);
  const room = member.room!;
  const node = model.cluster?.self.node;
  return [
    ...direct(model, [id], formatRenamed(result.after, why)),
    ...announceMembership(
      model,
      room,
      id,
      why && node
        ? `${result.before} on node ${node} is now ${result.after} (another ${result.before} had the nick first)`
        : `${result.before} is now ${result.after}`,
    ),
    log({ type: 'nick', id, from: result.before, to: result.after, ...inRoom(model, room) }),
  ];
}

/** A nick taken while this server is apart from the cluster is timed: once back, whoever took it first keeps it. */
function timeNick(model: ServerModel, member: Connection): void {
  member.nickSince = model.cluster && !model.cluster.up ? model.now() : undefined;
}

/** The member leaves, is told why, and its connection closes. */
export function dismiss(model: ServerModel, member: Connection, line: string, reason: string, notice?: string | false): Effect[] {
  return [...direct(model, [member.id], line), ...depart(model, member, reason, notice), { kind: 'close', id: member.id, reason }];
}
