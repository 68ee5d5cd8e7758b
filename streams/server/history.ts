import { keepLatest } from '../keep-latest.js';
/**
 * The lines the server relayed to a room, numbered, so a client can resume where it left off
 * or ask for recent ones. A ring of at most `capacity` lines per room; the oldest go first.
 * Every room's ring numbers its lines from one `Sequence`, so a resume point means one thing.
 */

/** The numbering all rooms share: `epoch` names this server run (or cluster history), `lastSeq` the last number given. */
export interface Sequence {
  epoch: string;
  lastSeq: number;
}

export interface HistoryEntry {
  readonly seq: number;
  readonly time: number;
  readonly line: string;
  /** The session of the tagged client that said it, so its own lines are not replayed to it. */
  readonly author?: string;
  /** The room it was said in (always given by a cluster's bus; a room's own ring may leave it out). */
  readonly room?: string;
}

/**
 * Lines relayed together (a read chunk's worth, often a thousand in a busy room), kept as one item:
 * each line's entry is made only when someone asks for it.
 */
export interface NumberedLines {
  /** The first line's number; the others follow it. */
  readonly seq: number;
  readonly time: number;
  readonly author?: string;
  readonly lines: readonly string[];
}

export interface History {
  /** Shared by every room's history: changes when a cluster's history replaces this server's own. */
  readonly sequence: Sequence;
  readonly capacity: number;
  /** What is kept, oldest first; `size` counts its lines. */
  readonly items: (HistoryEntry | NumberedLines)[];
  size: number;
  /** The number of the newest line this ring no longer keeps (0: none). */
  droppedUpTo: number;
  /**
   * Which of the lines no longer kept tagged clients said (their own lines, renames, leavings), by
   * session: ranges of numbers, flat `[first, last, ...]`. Such a line is never replayed to its
   * author, so it is no loss to tell a client that comes back (see `linesGone`). Bounded: the
   * latest ranges of the sessions that lost lines last. Made once a tagged client's line is dropped.
   */
  droppedOwn?: Map<string, number[]>;
}

/** Sessions whose dropped lines a room remembers, and ranges per session (a monologue is one range). */
const DROPPED_OWN_SESSIONS = 256;
const DROPPED_OWN_RANGES = 16;

export function createSequence(epoch: string): Sequence {
  return { epoch, lastSeq: 0 };
}

export function createHistory(sequence: Sequence, capacity: number): History {
  return { sequence, capacity, items: [], size: 0, droppedUpTo: 0 };
}

/** Numbers and keeps the lines, as one item (the array is kept, not copied). */
export function record(history: History, lines: readonly string[], time: number, author?: string): NumberedLines {
  const { sequence } = history;
  const batch: NumberedLines = { seq: sequence.lastSeq + 1, time, author, lines };
  sequence.lastSeq += lines.length;
  if (lines.length > 0) keep(history, [batch]);
  return batch;
}

/** Keeps lines numbered elsewhere (a cluster's batch, kept whole as one item), in order after what is kept. */
export function append(history: History, items: readonly (HistoryEntry | NumberedLines)[]): void {
  const last = items.at(-1);
  if (!last) return;
  history.sequence.lastSeq = Math.max(history.sequence.lastSeq, last.seq + sizeOf(last) - 1);
  keep(history, items);
}

/**
 * Replaces what a room keeps with a cluster's history. Sequence numbers never go back: this
 * server's clients have heard up to `lastSeq` and would take lower numbers for lines heard twice.
 * `droppedUpTo`: the newest of the room's lines no longer kept; by default see `lostBefore`.
 */
export function reload(
  history: History,
  epoch: string,
  entries: readonly HistoryEntry[],
  droppedUpTo = lostBefore(history, entries),
): void {
  history.sequence.epoch = epoch;
  history.items.length = 0;
  history.size = 0;
  history.droppedUpTo = droppedUpTo;
  history.droppedOwn = undefined;
  keep(history, entries);
  history.sequence.lastSeq = Math.max(history.sequence.lastSeq, entries.at(-1)?.seq ?? 0);
}

/**
 * The newest of the room's lines before the first of `entries` (a cluster's history of the room)
 * that they leave out. A full history may have dropped the room's lines before its first: any
 * number before it may have been one (at most that many). One not full has every line the cluster
 * kept of the room: the numbers before its first were other rooms' lines, or never given (they
 * jump when a node comes back from apart), but for the lines this ring had let go already and
 * those it holds that the cluster never had (said here while apart from it).
 */
function lostBefore(history: History, entries: readonly HistoryEntry[]): number {
  const first = entries[0]?.seq ?? Infinity;
  if (entries.length > 0 && entries.length >= history.capacity) return first - 1;
  const held = since(history, 0)
    .filter((entry) => entry.seq < first)
    .reduce((last, entry) => Math.max(last, entry.seq), 0);
  return Math.min(Math.max(history.droppedUpTo, held), first - 1);
}

/** A batch's lines as entries, from its `from`th line on (added to `entries`). */
export function entriesOf(batch: NumberedLines, from = 0, entries: HistoryEntry[] = []): HistoryEntry[] {
  for (let i = from; i < batch.lines.length; i++)
    entries.push({ seq: batch.seq + i, time: batch.time, line: batch.lines[i], author: batch.author });
  return entries;
}

/** What came after `seq` and is still kept, in order. */
export function since(history: History, seq: number): HistoryEntry[] {
  return entriesAfter(history.items, seq);
}

/**
 * How many lines numbered after `seq` and up to `upTo` the room's history no longer keeps, less
 * those `author` said (never replayed to it anyway): a client that resumes from `seq` missed them
 * for good. With one room the numbers leave no doubt how many; with several it is at most that
 * many (other rooms' lines share the numbers).
 */
export function linesGone(history: History, seq: number, upTo: number, author?: string): number {
  const end = Math.min(history.droppedUpTo, upTo);
  if (end <= seq) return 0;
  const own = author === undefined ? undefined : history.droppedOwn?.get(author);
  let said = 0;
  for (let i = 0; own && i < own.length; i += 2) said += Math.max(0, Math.min(own[i + 1], end) - Math.max(own[i], seq + 1) + 1);
  return end - seq - said;
}

/**
 * The lines kept after `seq` that `was` said are `author`'s (a connection's join, said before its
 * client named its session): they are its own from now on, never replayed to it. Returns them, as they are now.
 */
export function reattribute(history: History, seq: number, was: string, author: string): (HistoryEntry | NumberedLines)[] {
  const { items } = history;
  const changed: (HistoryEntry | NumberedLines)[] = [];
  for (let i = items.length - 1; i >= 0 && items[i].seq > seq; i--)
    if (items[i].author === was) changed.push((items[i] = { ...items[i], author }));
  return changed;
}

/**
 * Notes that the ring no longer keeps lines `first`..`last`, said by `author`: nothing for lines no
 * tagged client said, nor for an author no client can come back as (a name with a space: a
 * connection's own, or the join of one that had not named its session yet).
 */
function dropOwn(history: History, author: string | undefined, first: number, last: number): void {
  if (author === undefined || author.includes(' ') || last < first) return;
  const droppedOwn = (history.droppedOwn ??= new Map());
  const ranges = droppedOwn.get(author) ?? [];
  if (ranges.at(-1) === first - 1) ranges[ranges.length - 1] = last;
  else ranges.push(first, last);
  if (ranges.length > 2 * DROPPED_OWN_RANGES) ranges.splice(0, 2);
  keepLatest(droppedOwn, author, ranges, DROPPED_OWN_SESSIONS); // the sessions that lost lines last are kept longest
}

/** The last `count` lines kept that were said at `time` or later, oldest first. */
export function saidSince(history: History, time: number, count: number): HistoryEntry[] {
  return latest(history, history.size)
    .filter((entry) => entry.time >= time)
    .slice(-count);
}

/** The last `count` lines kept, oldest first. */
export function latest(history: History, count: number): HistoryEntry[] {
  if (count <= 0) return [];
  const { items } = history;
  let first = items.length;
  for (let lines = 0; first > 0 && lines < count;) lines += sizeOf(items[--first]);
  return entriesAfter(items.slice(first), 0).slice(-count);
}

function entriesAfter(items: readonly (HistoryEntry | NumberedLines)[], seq: number): HistoryEntry[] {
  const entries: HistoryEntry[] = [];
  for (const item of items) {
    if (!isBatch(item)) {
      if (item.seq > seq) entries.push(item);
    } else if (item.seq + item.lines.length - 1 > seq) {
      entriesOf(item, Math.max(0, seq + 1 - item.seq), entries);
    }
  }
  return entries;
}

const isBatch = (item: HistoryEntry | NumberedLines): item is NumberedLines => 'lines' in item;
const sizeOf = (item: HistoryEntry | NumberedLines): number => (isBatch(item) ? item.lines.length : 1);

function keep(history: History, added: readonly (HistoryEntry | NumberedLines)[]): void {
  const { capacity, items } = history;
  if (capacity <= 0) {
    for (const item of added) dropOwn(history, item.author, item.seq, item.seq + sizeOf(item) - 1);
    const last = added.at(-1);
    if (last) history.droppedUpTo = last.seq + sizeOf(last) - 1;
    return;
  }
  for (const item of added) {
    items.push(item);
    history.size += sizeOf(item);
  }
  let excess = history.size - capacity;
  if (excess <= 0) return;
  history.size = capacity;
  let dropped = 0;
  for (; excess >= sizeOf(items[dropped]); dropped++) {
    const item = items[dropped];
    excess -= sizeOf(item);
    dropOwn(history, item.author, item.seq, item.seq + sizeOf(item) - 1);
  }
  items.splice(0, dropped);
  // What is still over the capacity is the start of a batch: it keeps its later lines.
  if (excess > 0) {
    const batch = items[0] as NumberedLines;
    dropOwn(history, batch.author, batch.seq, batch.seq + excess - 1);
    items[0] = { ...batch, seq: batch.seq + excess, lines: batch.lines.slice(excess) };
  }
  history.droppedUpTo = items[0].seq - 1;
}
