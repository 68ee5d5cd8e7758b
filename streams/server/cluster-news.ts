import type { ClusterMember } from '../cluster/bus.js';
import { nickKey } from '../protocol/nick.js';
import { formatNotice } from '../protocol/server-line.js';
import { log, type Effect } from './events.js';
import { inRoom, roomSize } from './membership.js';
import type { ServerModel } from './model.js';
import { findByNick } from './nicks.js';
import { direct } from './send.js';

/**
 * What the people here are told of members of other nodes who came, went, renamed or moved unseen:
 * while this server, or their node, was apart from the cluster.
 */

/** One member's change, as its notice to a room: `member` names the room and the node. */
interface Notice {
  readonly member: ClusterMember;
  readonly text: string;
}

/**
 * How the members of other nodes changed from `before` to `now`, as notices, each ending in
 * `(why)` (a join in `(joinedWhy)`, or bare where that says nothing): gone, come, renamed (the
 * same client, by its session: plain clients have none, and show as one gone and one come) or
 * moved to another room (the room left hears where, the one joined that it came). One who is a
 * member here now (a client back on this node) did not leave.
 */
export function changeNotices(
  model: ServerModel,
  before: readonly ClusterMember[],
  now: readonly ClusterMember[],
  why: (member: ClusterMember) => string,
  joinedWhy = why,
): Notice[] {
  const byNick = (list: readonly ClusterMember[]) => new Map(list.map((member) => [nickKey(member.nick), member]));
  const [was, is] = [byNick(before), byNick(now)];
  const client = (member: ClusterMember): string => (member.client ? `${member.instance} ${member.client}` : '');
  const bySession = new Map(now.filter(client).map((member) => [client(member), member]));
  const notices: Notice[] = [];
  const said = (member: ClusterMember, what: string, because = why) => {
    const reason = because(member);
    notices.push({ member, text: reason ? `${what} (${reason})` : what });
  };
  const joined = (member: ClusterMember) => said(member, `${member.nick} joined`, joinedWhy);
  const renamedTo = new Set<ClusterMember>();
  for (const member of before) {
    const still = is.get(nickKey(member.nick));
    if (still) {
      if (still.room === member.room) continue;
      said(member, `${member.nick} left for ${still.room}`);
      joined(still);
      continue;
    }
    const renamed = client(member) ? bySession.get(client(member)) : undefined;
    if (renamed && !was.has(nickKey(renamed.nick))) {
      renamedTo.add(renamed);
      said(member, `${member.nick} is now ${renamed.nick}`);
      if (renamed.room !== member.room) {
        said(member, `${renamed.nick} left for ${renamed.room}`);
        joined(renamed);
      }
    } else if (findByNick(model, member.nick)?.phase !== 'member') said(member, `${member.nick} left`);
  }
  for (const member of now) if (!was.has(nickKey(member.nick)) && !renamedTo.has(member)) joined(member);
  return notices;
}

/**
 * Notices about members of other nodes, each to its member's room here, and to the console for
 * each node, unless the room is too large to announce who comes and goes.
 */
export function toTheirRooms(model: ServerModel, notices: readonly Notice[]): Effect[] {
  if (model.mode !== 'room') return [];
  const effects: Effect[] = [];
  for (const name of new Set(notices.map(({ member }) => member.room))) {
    const room = model.rooms.get(name);
    if (!room || roomSize(room) > model.announceMax) continue;
    const inIt = notices.filter(({ member }) => member.room === name);
    for (const node of new Set(inIt.map(({ member }) => member.node))) {
      const lines = inIt.filter(({ member }) => member.node === node).map(({ text }) => formatNotice(text));
      effects.push(...direct(model, [...room.members], ...lines), log({ type: 'remote', node, lines, ...inRoom(model, room) }));
    }
  }
  return effects;
}
