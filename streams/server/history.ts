/**
 * The lines the server relayed to the room, numbered, so a client can resume where it left off
 * or ask for recent ones. A ring of at most `capacity` lines; the oldest go first.
 * `epoch` names this server run: sequence numbers from another run mean nothing here.
 */

export interface HistoryEntry {
  readonly seq: number;
  readonly time: number;
  readonly line: string;
  /** The session of the tagged client that said it, so its own lines are not replayed to it. */
  readonly author?: string;
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
  /** Changes when a cluster's history replaces this server's own. */
  epoch: string;
  readonly capacity: number;
  /** What is kept, oldest first; `size` counts its lines. */
  readonly items: (HistoryEntry | NumberedLines)[];
  size: number;
  lastSeq: number;
}

export function createHistory(epoch: string, capacity: number): History {
  return { epoch, capacity, items: [], size: 0, lastSeq: 0 };
}

/** Numbers and keeps the lines, as one item (the array is kept, not copied). */
export function record(history: History, lines: readonly string[], time: number, author?: string): NumberedLines {
  const batch: NumberedLines = { seq: history.lastSeq + 1, time, author, lines };
  history.lastSeq += lines.length;
  if (lines.length > 0) keep(history, [batch]);
  return batch;
}

/** Keeps entries numbered elsewhere (by a cluster), in order after what is kept. */
export function append(history: History, entries: readonly HistoryEntry[]): void {
  if (entries.length === 0) return;
  history.lastSeq = Math.max(history.lastSeq, entries[entries.length - 1].seq);
  keep(history, entries);
}

/**
 * Replaces what is kept with a cluster's history. Sequence numbers never go back: this server's
 * clients have heard up to `lastSeq` and would take lower numbers for lines heard twice.
 */
export function reload(history: History, epoch: string, entries: readonly HistoryEntry[]): void {
  history.epoch = epoch;
  history.items.length = 0;
  history.size = 0;
  keep(history, entries);
  history.lastSeq = Math.max(history.lastSeq, entries.at(-1)?.seq ?? 0);
}

/** A batch's lines as entries, from its `from`th line on (added to `entries`). */
export function entriesOf(batch: NumberedLines, from = 0, entries: HistoryEntry[] = []): HistoryEntry[] {
  for (let i = from; i < batch.lines.length; i++) entries.push({ seq: batch.seq + i, time: batch.time, line: batch.lines[i], author: batch.author });
  return entries;
}

/** What came after `seq` and is still kept, in order. */
export function since(history: History, seq: number): HistoryEntry[] {
  return entriesAfter(history.items, seq);
}

/**
 * How many lines numbered after `seq` and up to `upTo` the history no longer keeps: a client that
 * resumes from `seq` missed them for good (the numbers leave no doubt how many).
 */
export function linesGone(history: History, seq: number, upTo: number): number {
  const oldestKept = history.items.length > 0 ? history.items[0].seq : history.lastSeq + 1;
  return Math.max(0, Math.min(oldestKept - 1, upTo) - seq);
}

/** The last `count` lines kept, oldest first. */
export function latest(history: History, count: number): HistoryEntry[] {
  if (count <= 0) return [];
  const { items } = history;
  let first = items.length;
  for (let lines = 0; first > 0 && lines < count; ) lines += sizeOf(items[--first]);
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
  if (capacity <= 0) return;
  for (const item of added) {
    items.push(item);
    history.size += sizeOf(item);
  }
  let excess = history.size - capacity;
  if (excess <= 0) return;
  history.size = capacity;
  let dropped = 0;
  while (excess >= sizeOf(items[dropped])) excess -= sizeOf(items[dropped++]);
  items.splice(0, dropped);
  // What is still over the capacity is the start of a batch: it keeps its later lines.
  if (excess > 0) {
    const batch = items[0] as NumberedLines;
    items[0] = { ...batch, seq: batch.seq + excess, lines: batch.lines.slice(excess) };
  }
}
