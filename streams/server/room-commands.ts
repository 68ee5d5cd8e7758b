import type { ClusterMember } from '../cluster/bus.js';
import { utf8Length } from '../framing/utf8-length.js';
import { formatError, formatNotice } from '../protocol/server-line.js';
import { log, type Effect } from './events.js';
import { inRoom, moveTo, roomLines, roomSize } from './membership.js';
import { members, roomNamed, type Connection, type Room, type ServerModel } from './model.js';
import { invalidRoomReason, roomName } from './room-name.js';
import { formatMuted, isOperator, muteOn } from './moderation.js';
import { nameListing } from './name-listing.js';
import { direct } from './send.js';
import { Act } from './moderation-act.js';
import { isLocked, setTopic } from './topic-lock.js';

/** What the room commands do: `/join`, `/part`, `/rooms`, `/topic`, `/who` (for members and the console alike where they share). */

export const NO_ROOMS = 'this server has no rooms (console-only)';

/** The room a name given by someone names, or the line that says why it cannot be one. */
export function givenRoom(model: ServerModel, given: string, create: boolean): { room: Room } | { error: string } {
  const name = roomName(given);
  if (name === undefined) return { error: invalidRoomReason(given) };
  const room = create ? roomNamed(model, name) : model.rooms.get(name);
  return room ? { room } : { error: `no such room: ${name}` };
}

/** `/join #ROOM` (or `/part`: the first room). */
export function joinRoom(model: ServerModel, member: Connection, given: string): Effect[] {
  // Opening a room puts its name in everyone's `/rooms`: a muted member's line by another way. Joining people is not.
  const mute = muteOn(model, member);
  const found = givenRoom(model, given, !mute);
  if (mute && ('error' in found ? roomName(given) !== undefined : isEmpty(model, found.room)))
    return direct(model, [member.id], formatMuted(mute, 'open a room nobody is in'));
  return 'error' in found ? direct(model, [member.id], formatError(found.error)) : moveTo(model, member, found.room);
}

const isEmpty = (model: ServerModel, room: Room): boolean => room !== model.firstRoom && roomSize(room) === 0;

/**
 * A topic's bytes at most: it goes into lines that carry more (`NICK set the topic: `, `/rooms`, a
 * newcomer's `you are now in`), which must stay well below a client's `--max-line`.
 */
export const TOPIC_MAX_BYTES = 1024;

/**
 * `/topic [TEXT]`: shows the topic of the member's room (the console's: the room it speaks in), or
 * sets it for everyone in it (here and on every node).
 */
export function topic(model: ServerModel, member: Connection | undefined, text: string): Effect[] {
  const act = new Act(model, member);
  const { room } = act;
  if (!text)
    return act.tell(room.topic ? `topic of ${room.name}: ${room.topic.text} (set by ${room.topic.by})` : `${room.name} has no topic`);
  // Room-wide text with the author's name, shown to every arrival: a muted member's line by another way.
  const mute = member && muteOn(model, member);
  if (mute) return direct(model, [member.id], formatMuted(mute));
  if (member && isLocked(model, room.name) && !isOperator(model, member))
    return act.fail(`the topic of ${room.name} is locked: only operators may change it`);
  const bytes = utf8Length(text);
  if (bytes > TOPIC_MAX_BYTES) return act.fail(`a topic is at most ${TOPIC_MAX_BYTES} bytes (this one is ${bytes}); it was not set`);
  const locked = isLocked(model, room.name) ? { locked: true } : {};
  const kept = setTopic(model, { kind: 'topic', room: room.name, text, by: act.by, time: model.now(), ...locked });
  // In a cluster the fact is the cluster's: every node takes the topic (and its lock) from it.
  return [
    ...kept,
    ...roomLines(model, room, undefined, [formatNotice(`${act.by} set the topic: ${text}`)]),
    log({ type: 'topic', ...(member ? { id: member.id } : {}), from: act.by, text, ...inRoom(model, room) }),
  ];
}

/** `/rooms`: every room, the first one first, with how many are in it (on every node) and its topic. */
export function roomList(model: ServerModel): string[] {
  const rooms = [...model.rooms.values()].filter((room) => room === model.firstRoom || roomSize(room) > 0);
  rooms.sort((a, b) => (a === model.firstRoom ? -1 : b === model.firstRoom ? 1 : a.name < b.name ? -1 : 1));
  return [
    `rooms (${rooms.length}):`,
    ...rooms.map((room) => `  ${room.name} (${roomSize(room)} here); ${room.topic ? `topic: ${room.topic.text}` : 'no topic'}`),
  ];
}

/**
 * `/who [#ROOM]`: who is in a room, the console's name first in the first room (it takes part in
 * it as it always has); in a cluster everyone on every node, each with their node. A big room's
 * list goes on over several lines (see `nameListing`).
 */
export function whoIsIn(model: ServerModel, room: Room): string[] {
  const here = [...(room === model.firstRoom ? [model.name] : []), ...[...room.members].map((id) => model.conns.get(id)!.nick)];
  const names = withNodes(model, here, (member) => member.room === room.name);
  return nameListing(`online in ${room.name} (${names.length}): `, names);
}

/** `/who` on a console-only server: everyone, the console first; in a cluster with their nodes. */
export function whoIsOnline(model: ServerModel): string[] {
  const names = withNodes(model, [model.name, ...members(model).map((m) => m.nick)], () => true);
  return nameListing(`online (${names.length}): `, names);
}

/** The nicks here, then, in a cluster, those elsewhere that `wanted` picks, each with its node (`ada (east)`). */
function withNodes(model: ServerModel, here: string[], wanted: (member: ClusterMember) => boolean): string[] {
  const { cluster } = model;
  if (!cluster) return here;
  const remote = [...cluster.remote.values()].filter(wanted);
  return [...here.map((nick) => `${nick} (${cluster.self.node})`), ...remote.map((m) => `${m.nick} (${m.node})`)];
}
