import type { BusRequest } from '../cluster/bus.js';
import { formatError, formatNotice } from '../protocol/server-line.js';
import { log, type Effect } from './events.js';
import { enter, leave, type Connection, type ConnId, type Room, type ServerModel } from './model.js';
import { nickOrGuest, rename } from './nicks.js';
import { direct, sayHere } from './send.js';

/** The moves a member's life is made of: it comes in, speaks to its room, changes its nick, leaves. */

export const busRequest = (request: BusRequest): Effect => ({ kind: 'bus', request });

/** Room lines: through the cluster while it is up (it numbers them), else numbered and sent here. */
export function roomLines(model: ServerModel, room: Room, from: ConnId | undefined, lines: readonly string[], ids?: readonly string[]): Effect[] {
  const { cluster } = model;
  if (!cluster?.up) return sayHere(model, room, from, lines);
  const author = from === undefined ? undefined : model.conns.get(from)?.session;
  const batch = { time: model.now(), lines, instance: cluster.self.instance, node: cluster.self.node, conn: from, author, ...(ids && ids.length > 0 ? { ids } : {}) };
  return [busRequest({ type: 'room', batch })];
}

/** A member's lines to its room in relay mode; nothing in console-only mode. */
export function announce(model: ServerModel, room: Room, from: ConnId, lines: readonly string[], ids?: readonly string[]): Effect[] {
  return model.relay ? roomLines(model, room, from, lines, ids) : [];
}

/** How many are in the room, here and on the other nodes. */
export function roomSize(model: ServerModel, room: Room): number {
  return room.members.size + (model.cluster?.remote.size ?? 0);
}

/** Joins, leaves and renames: announced like room lines, but only while the room is small enough. */
export function announceMembership(model: ServerModel, room: Room, from: ConnId, notice: string): Effect[] {
  return roomSize(model, room) <= model.announceMax ? announce(model, room, from, [formatNotice(notice)]) : [];
}

/** The connection becomes a member, with the nick a cluster gave it or a guest nick. */
export function welcome(model: ServerModel, conn: Connection, nick?: string): Effect[] {
  const room = model.firstRoom;
  enter(model, conn, nickOrGuest(model, nick), room); // before its own join notice, which it never hears
  return [
    ...direct(model, [conn.id], formatNotice(`welcome to ${model.name}, you are ${conn.nick}; /help lists commands`)),
    ...announceMembership(model, room, conn.id, `${conn.nick} joined`),
    log({ type: 'join', id: conn.id, from: conn.nick, address: conn.address }),
  ];
}

/**
 * The member leaves (its connection is closing). `notice`: what the room is told (by default
 * `NICK left (REASON)`); false: nothing. In a cluster its nick is free everywhere.
 */
export function depart(model: ServerModel, member: Connection, reason: string, notice: string | false = `${member.nick} left (${reason})`): Effect[] {
  const { id, nick, room } = member;
  leave(model, member);
  // Announced once it is out, so the notice is its own and never replayed to it.
  const announced = notice === false || !room ? [] : announceMembership(model, room, id, notice);
  const released = model.cluster?.up ? [busRequest({ type: 'release', nick })] : [];
  return [...announced, ...released, log({ type: 'leave', id, from: nick, reason })];
}

/** A member takes a nick this server may give on its own (`notice` tells why, when the member did not ask). */
export function renameLocally(model: ServerModel, member: Connection, nick: string, notice?: string): Effect[] {
  const { id } = member;
  const result = rename(model, member, nick);
  if (!result.ok) return direct(model, [id], formatError(result.error));
  if (result.before === result.after) return direct(model, [id], formatNotice(`you are ${result.after}`));
  return [
    ...direct(model, [id], formatNotice(notice ?? `you are now ${result.after}`)),
    ...announceMembership(model, member.room!, id, `${result.before} is now ${result.after}`),
    log({ type: 'nick', id, from: result.before, to: result.after }),
  ];
}

/** The member leaves, is told why, and its connection closes. */
export function dismiss(model: ServerModel, member: Connection, line: string, reason: string, notice?: string | false): Effect[] {
  return [...direct(model, [member.id], line), ...depart(model, member, reason, notice), { kind: 'close', id: member.id, reason }];
}
