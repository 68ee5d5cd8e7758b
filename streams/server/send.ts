import { formatTagged } from '../protocol/tags.js';
import type { Effect } from './events.js';
import { append, entriesOf, record, type HistoryEntry, type NumberedLines } from './history.js';
import { recipientsOf, type ConnId, type Room, type ServerModel } from './model.js';

/**
 * Lines for recipients as send effects. Plain connections get the lines as they are; connections
 * that asked for tags get them tagged with the time, and room lines with their sequence number
 * too. Each send carries one batch for many recipients, so it is encoded once.
 */

/** A time as its tag gives it. */
export const time = (ms: number): string => new Date(ms).toISOString();

const tagEntry = (entry: HistoryEntry, replay = false): string =>
  formatTagged({ seq: String(entry.seq), time: time(entry.time), ...(replay ? { replay: '' } : {}) }, entry.line);

function sends(
  plain: readonly ConnId[],
  tagged: readonly ConnId[],
  lines: readonly string[],
  taggedLines: () => readonly string[],
): Effect[] {
  const effects: Effect[] = [];
  if (plain.length > 0) effects.push({ kind: 'send', to: plain, lines });
  if (tagged.length > 0) effects.push({ kind: 'send', to: tagged, lines: taggedLines() });
  return effects;
}

/** Lines for these connections only: replies, errors, private messages, notices. */
export function direct(model: ServerModel, to: readonly ConnId[], ...lines: string[]): Effect[] {
  if (to.length === 0) return [];
  const plain: ConnId[] = [];
  const tagged: ConnId[] = [];
  for (const id of to) (model.conns.get(id)?.session === undefined ? plain : tagged).push(id);
  return sends(plain, tagged, lines, () => {
    const stamp = time(model.now());
    return lines.map((line) => formatTagged({ time: stamp }, line));
  });
}

/** Lines for everyone in the room but `except` (a member) and, when given, the client whose session is `exceptSession`. */
function toRoom(
  model: ServerModel,
  room: Room,
  except: ConnId | undefined,
  exceptSession: string | undefined,
  lines: readonly string[],
  taggedLines: () => readonly string[],
) {
  const { plain, tagged } = recipientsOf(model, room);
  const others = (ids: readonly ConnId[]): readonly ConnId[] =>
    except === undefined && exceptSession === undefined
      ? ids
      : ids.filter((id) => id !== except && (exceptSession === undefined || model.conns.get(id)?.session !== exceptSession));
  return sends(others(plain), others(tagged), lines, taggedLines);
}

/**
 * Lines said in the room by `from` (a member, or the console): numbered into its history, then sent
 * to the others, never back to their author (the connection, or its client's newer connection: its session).
 */
export function sayHere(
  model: ServerModel,
  room: Room,
  from: ConnId | undefined,
  lines: readonly string[],
  author = from === undefined ? undefined : model.conns.get(from)?.session,
): Effect[] {
  const batch = record(room.history, lines, model.now(), author);
  const effects = toRoom(model, room, from, author, lines, () => entriesOf(batch).map((entry) => tagEntry(entry)));
  // Kept before anyone is sent them: a line someone saw is never lost to a crash.
  if (model.persist && lines.length > 0) effects.unshift({ kind: 'store', room: room.name, ...batch });
  return effects;
}

/**
 * Room lines numbered by the cluster: kept, then sent to the room, never back to their author
 * (the connection `from`, or the same client since moved here: its session). Numbered at or below
 * a number this server gave already (the cluster numbered them as this server came back from
 * apart, before it learnt how far this server had numbered alone), they go marked as replayed:
 * tagged clients take an unmarked number they have passed for a line heard twice.
 */
export function numbered(model: ServerModel, room: Room, from: ConnId | undefined, batch: NumberedLines): Effect[] {
  const late = batch.seq <= room.history.sequence.lastSeq;
  append(room.history, [batch]);
  return toRoom(model, room, from, batch.author, batch.lines, () => entriesOf(batch).map((entry) => tagEntry(entry, late)));
}

/** Earlier room lines for one connection, marked as replayed for a tagged one. */
export function replay(model: ServerModel, id: ConnId, entries: readonly HistoryEntry[]): Effect[] {
  if (entries.length === 0) return [];
  if (model.conns.get(id)?.session !== undefined) return [{ kind: 'send', to: [id], lines: entries.map((entry) => tagEntry(entry, true)) }];
  return [{ kind: 'send', to: [id], lines: entries.map((entry) => entry.line) }];
}

/** A line that is all tags (a capability answer, an acknowledgement), for a tagged connection. */
export function raw(model: ServerModel, id: ConnId, line: string): Effect[] {
  return model.conns.get(id)?.session !== undefined ? [{ kind: 'send', to: [id], lines: [line] }] : [];
}

/** Lines for everyone in the room but `except`, unnumbered (said here alone while the cluster numbers lines). */
export function directToRoom(model: ServerModel, room: Room, except: ConnId | undefined, ...lines: string[]): Effect[] {
  const { all } = recipientsOf(model, room);
  return direct(model, except === undefined ? all : all.filter((id) => id !== except), ...lines);
}
