import type { ClusterMember } from '../cluster/bus.js';
import { nickKey } from '../protocol/nick.js';
import { formatNotice } from '../protocol/server-line.js';
import { log, type Effect } from './events.js';
import { inRoom, roomSize } from './membership.js';
import type { ServerModel } from './model.js';
import { findByNick } from './nicks.js';
import { direct } from './send.js';

/**
 * What the people here are told of members of other nodes who came or went unseen: while this
 * server, or their node, was apart from the cluster.
 */

const where = (member: ClusterMember): string => `${nickKey(member.nick)} ${member.room}`;

/**
 * Who is no longer as before (gone, renamed, in another room), and who is new (or newly so). One who
 * is a member here now (a client back on this node) did not leave.
 */
export function changes(
  model: ServerModel,
  before: readonly ClusterMember[],
  now: readonly ClusterMember[],
): { left: ClusterMember[]; came: ClusterMember[] } {
  const [was, is] = [new Set(before.map(where)), new Set(now.map(where))];
  const left = before.filter((member) => !is.has(where(member)) && findByNick(model, member.nick)?.phase !== 'member');
  return { left, came: now.filter((member) => !was.has(where(member))) };
}

/**
 * A notice about each of these members of other nodes, to their room here, and to the console for
 * each node, unless the room is too large to announce who comes and goes.
 */
export function toTheirRooms(model: ServerModel, who: readonly ClusterMember[], notice: (member: ClusterMember) => string): Effect[] {
  if (model.mode !== 'room') return [];
  const effects: Effect[] = [];
  for (const name of new Set(who.map((member) => member.room))) {
    const room = model.rooms.get(name);
    if (!room || roomSize(room) > model.announceMax) continue;
    const inIt = who.filter((member) => member.room === name);
    for (const node of new Set(inIt.map((member) => member.node))) {
      const notices = inIt.filter((member) => member.node === node).map((member) => formatNotice(notice(member)));
      effects.push(...direct(model, [...room.members], ...notices), log({ type: 'remote', node, lines: notices, ...inRoom(model, room) }));
    }
  }
  return effects;
}
