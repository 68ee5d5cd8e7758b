import type { BusEvent, ClusterMember, MissedLines } from '../cluster/bus.js';
import { nickKey } from '../protocol/nick.js';
import { formatNotice } from '../protocol/server-line.js';
import { addRemote, dropInstance } from './cluster-members.js';
import { changeNotices, toTheirRooms } from './cluster-news.js';
import { log, type Effect } from './events.js';
import { reload, since, type HistoryEntry } from './history.js';
import { busRequest as bus } from './membership.js';
import { everyone, forgetIfEmpty, members, roomNamed, type ClusterState, type Room, type ServerModel } from './model.js';
import { direct, replay } from './send.js';

/** Joining the cluster (again), losing it, and what each side missed meanwhile. */

type Up = Extract<BusEvent, { type: 'up' }>;

const lineCount = (count: number): string => (count === 1 ? '1 line was' : `${count} lines were`);
const everyoneHere = (model: ServerModel, ...lines: string[]): Effect[] => direct(model, everyone(model), ...lines);

/** Each room's entries of the cluster's history, by room name (the first room's for entries that name none). */
function byRoom(model: ServerModel, history: readonly HistoryEntry[]): Map<string, HistoryEntry[]> {
  const rooms = new Map<string, HistoryEntry[]>();
  for (const entry of history) {
    const name = entry.room ?? model.firstRoom.name;
    const entries = rooms.get(name);
    if (entries) entries.push(entry);
    else rooms.set(name, [entry]);
  }
  return rooms;
}

export function joined(model: ServerModel, cluster: ClusterState, event: Up): Effect[] {
  const rejoined = cluster.everUp;
  cluster.up = cluster.everUp = true;
  dropInstance(model, cluster);
  // Members of another run of this node are its killed run's, held in Redis until their presence
  // expires: nobody is there to count (a node's name is its own: HOSTNAME:PORT by default).
  const { instance, node } = cluster.self;
  const elsewhere = event.members.filter((member) => member.instance !== instance && member.node !== node);
  for (const member of elsewhere) addRemote(model, cluster, member);
  const meanwhile = cluster.apart.before ? comeAndGone(model, cluster, cluster.apart.before, elsewhere, event) : [];
  const { sequence } = model;
  const said = cluster.apart.since === undefined ? 0 : sequence.lastSeq - cluster.apart.since;
  const missed = Math.max(0, cluster.apart.uncrossed + said - (event.late?.length ?? 0));
  const heardUpTo = cluster.apart.since;
  cluster.apart = { uncrossed: 0 };
  // A cluster that lost its history (its Redis came back empty) has only what was said since to
  // give, all of it while this server was apart: this server keeps its own, under the same epoch,
  // so its clients resume as they were.
  const history = byRoom(model, event.history);
  const missedElsewhere = catchUp(model, event, history, event.historyLost && heardUpTo !== undefined ? 0 : heardUpTo);
  const here = members(model);
  if (!event.historyLost) {
    for (const name of history.keys()) roomNamed(model, name);
    for (const room of model.rooms.values()) reload(room.history, event.epoch, history.get(room.name) ?? []);
    // What the members here heard live starts now: the cluster's earlier lines never reached them.
    for (const member of here) member.joinedAfter = sequence.lastSeq;
  }
  for (const room of [...model.rooms.values()]) forgetIfEmpty(model, room);
  const text = `${rejoined ? 'rejoined' : 'joined'} the cluster as node ${cluster.self.node}: ${cluster.remote.size} elsewhere`;
  const lostText =
    "the cluster's history was lost (its Redis came back empty): lines said before now are kept on each server alone, and those said elsewhere that only Redis held are gone";
  const synced = here.map((m) => ({
    conn: m.id,
    nick: m.nick,
    key: nickKey(m.nick),
    room: m.room!.name,
    session: m.session,
    ...(m.nickSince === undefined ? {} : { since: m.nickSince }),
  }));
  return [
    bus({ type: 'sync', members: synced, lastSeq: sequence.lastSeq, ...(missed > 0 ? { missed } : {}) }),
    // Those here were told it was apart, or had not joined yet (see `apartNotice`).
    ...everyoneHere(model, formatNotice(`${rejoined ? 'back in' : 'joined'} the cluster: ${cluster.remote.size + here.length} online`)),
    ...(event.historyLost ? [...everyoneHere(model, formatNotice(lostText)), log({ type: 'notice', text: lostText })] : []),
    ...(event.privatesGone ? privatesGone(model, event.privatesGone) : []),
    ...meanwhile,
    ...missedElsewhere,
    ...(event.missed ?? []).flatMap((missed) => missedFrom(model, missed)),
    log({ type: 'notice', text }),
  ];
}

/**
 * Back from apart: the room lines the cluster numbered after the last one heard here were said
 * elsewhere and never reached the people here, and so were any it numbered before that which
 * this server's ring lacks (said elsewhere as its link died: its own lines, numbered after them,
 * were answered on another connection than the one that would have brought them). Each room's
 * members get their room's now, marked as earlier, and are told how many more the cluster may no
 * longer keep. This server's own lines that a stopped Redis ran late, after it had given up on
 * them, were shown here already.
 */
function catchUp(
  model: ServerModel,
  event: Up,
  history: ReadonlyMap<string, readonly HistoryEntry[]>,
  heardUpTo: number | undefined,
): Effect[] {
  if (heardUpTo === undefined) return [];
  const late = new Set(event.late);
  const effects: Effect[] = [];
  for (const room of model.rooms.values()) {
    const kept = history.get(room.name) ?? [];
    const unheard = unheardBefore(room, heardUpTo);
    const after = kept.filter((entry) => entry.seq > heardUpTo || unheard(entry.seq));
    // Numbers can jump (a node back from apart goes on after its own), so a gap before the first
    // line kept is only a loss when the history is full: at most that many lines were dropped.
    const full = kept.length >= room.history.capacity;
    const gone = full ? Math.max(0, (after[0]?.seq ?? (kept.at(-1)?.seq ?? heardUpTo) + 1) - heardUpTo - 1) : 0;
    const entries = after.filter((entry) => !late.has(entry.seq));
    if (entries.length === 0 && gone === 0) continue;
    const text =
      `while this server was apart from the cluster, ${lineCount(entries.length)} said elsewhere` +
      (gone > 0 ? `; up to ${gone} more are no longer kept` : '');
    effects.push(...tellRoom(model, room, text, entries), log({ type: 'notice', text }));
  }
  return effects;
}

/** Whether a number up to `heardUpTo`, within what the room's ring still keeps, is missing from it. */
function unheardBefore(room: Room, heardUpTo: number): (seq: number) => boolean {
  const kept = since(room.history, 0);
  const heard = new Set(kept.map((entry) => entry.seq));
  const oldest = kept[0]?.seq ?? Infinity;
  return (seq) => seq >= oldest && seq <= heardUpTo && !heard.has(seq);
}

function tellRoom(model: ServerModel, room: Room, text: string, entries: readonly HistoryEntry[]): Effect[] {
  const ids = [...room.members];
  return [...direct(model, ids, formatNotice(text)), ...ids.flatMap((id) => replay(model, id, entries))];
}

/**
 * Back from apart: who left the other nodes and who came on them meanwhile, as the cluster has them
 * now, is told to their rooms here, where their own notices never crossed: from nodes that were
 * apart too (they reported lines that never crossed), or all of them when the cluster's history was
 * lost; the others' notices are among the lines said meanwhile, replayed here. The nodes not back yet
 * may be on their way, in a Redis that came back empty or that lets their presence expire (paused
 * longer than the TTL): what they had is awaited (see `ClusterState.awaited`), not told as left.
 */
function comeAndGone(
  model: ServerModel,
  cluster: ClusterState,
  before: readonly ClusterMember[],
  now: readonly ClusterMember[],
  { historyLost, expired = [], missed = [] }: Up,
): Effect[] {
  const back = new Set(now.map((member) => member.instance));
  const awaited = before.filter((member) => !back.has(member.instance) && (historyLost === true || expired.includes(member.instance)));
  cluster.awaited = awaited;
  const settled = before.filter((member) => !awaited.includes(member));
  const apartToo = new Set(missed.map((report) => report.node));
  const untold = (member: ClusterMember): boolean => historyLost === true || apartToo.has(member.node);
  return toTheirRooms(
    model,
    changeNotices(model, settled.filter(untold), now.filter(untold), () => 'while this server was apart from the cluster'),
  );
}

/** Private lines to people here that the cluster no longer kept for this server: everyone is told, as whose they were is not known. */
function privatesGone(model: ServerModel, count: number): Effect[] {
  const text = `${count} private lines to people on this server came while it was cut off from the cluster and are no longer kept: if you were expecting one, it may be among them`;
  return [...everyoneHere(model, formatNotice(text)), log({ type: 'notice', text })];
}

export function lost(model: ServerModel, cluster: ClusterState, reason: string): Effect[] {
  if (!cluster.up) return [];
  cluster.up = false;
  const before = [...dropInstance(model, cluster), ...cluster.awaited];
  cluster.awaited = [];
  cluster.apart = { ...cluster.apart, since: model.sequence.lastSeq, before };
  return [
    ...everyoneHere(
      model,
      formatNotice('lost touch with the rest of the cluster: only the people on this server hear you until it is back'),
    ),
    log({ type: 'error', text: `lost the cluster: ${reason}` }),
  ];
}

/** Another node is back from apart: the people here are told how many of its lines never reached them. */
export function missedFrom(model: ServerModel, missed: MissedLines): Effect[] {
  const text = `${missed.lines === 1 ? '1 line' : `${missed.lines} lines`} said on node ${missed.node} while it was apart from the cluster never reached this server`;
  return [...(model.mode === 'room' ? everyoneHere(model, formatNotice(text)) : []), log({ type: 'notice', text })];
}
