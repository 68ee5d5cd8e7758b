import type { ClusterMember } from '../cluster/bus.js';
import { nickKey } from '../protocol/nick.js';
import { forgetIfEmpty, roomNamed, type ClusterState, type ServerModel } from './model.js';

/**
 * Who is on the other nodes of a cluster, by nick key, and how many of them are in each room:
 * a room lives here while it has members anywhere, and `/rooms` and `/who` count them all.
 */

export function addRemote(model: ServerModel, cluster: ClusterState, member: ClusterMember): void {
  const key = nickKey(member.nick);
  dropRemote(model, cluster, key);
  cluster.remote.set(key, member);
  roomNamed(model, member.room).remote++;
}

/** Forgets the member of that key, if it is on `instance` (any instance when not given). */
export function dropRemote(model: ServerModel, cluster: ClusterState, key: string, instance?: string): void {
  const member = cluster.remote.get(key);
  if (!member || (instance !== undefined && member.instance !== instance)) return;
  cluster.remote.delete(key);
  const room = model.rooms.get(member.room);
  if (!room) return;
  room.remote--;
  forgetIfEmpty(model, room);
}

/** Every member of an instance (all of them when not given) is gone; returns who they were. */
export function dropInstance(model: ServerModel, cluster: ClusterState, instance?: string): ClusterMember[] {
  const gone = [...cluster.remote].filter(([, member]) => instance === undefined || member.instance === instance);
  for (const [key] of gone) dropRemote(model, cluster, key);
  return gone.map(([, member]) => member);
}

/** Forgets the members of an instance this server awaits (see `ClusterState.awaited`); returns who they were. */
export function takeAwaited(cluster: ClusterState, instance: string): ClusterMember[] {
  const taken = cluster.awaited.filter((member) => member.instance === instance);
  cluster.awaited = cluster.awaited.filter((member) => member.instance !== instance);
  return taken;
}
