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

export interface History {
  /** Changes when a cluster's history replaces this server's own. */
  epoch: string;
  readonly capacity: number;
  readonly entries: HistoryEntry[];
  lastSeq: number;
}

export function createHistory(epoch: string, capacity: number): History {
  return { epoch, capacity, entries: [], lastSeq: 0 };
}

/** Numbers and keeps the lines; returns their entries. */
export function record(history: History, lines: readonly string[], time: number, author?: string): HistoryEntry[] {
  const added = lines.map((line): HistoryEntry => ({ seq: ++history.lastSeq, time, line, author }));
  keep(history, added);
  return added;
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
  history.entries.length = 0;
  keep(history, entries);
  history.lastSeq = Math.max(history.lastSeq, entries.at(-1)?.seq ?? 0);
}

function keep(history: History, entries: readonly HistoryEntry[]): void {
  const { capacity, entries: kept } = history;
  if (capacity <= 0) return;
  // Room is made first, and only what will stay is added (no spread: a batch may be thousands of lines).
  const from = Math.max(0, entries.length - capacity);
  const excess = kept.length + entries.length - from - capacity;
  if (excess > 0) kept.splice(0, excess);
  for (let i = from; i < entries.length; i++) kept.push(entries[i]);
}

/** What came after `seq` and is still kept, in order. */
export function since(history: History, seq: number): HistoryEntry[] {
  const first = history.entries.findIndex((entry) => entry.seq > seq);
  return first === -1 ? [] : history.entries.slice(first);
}

export function latest(history: History, count: number): HistoryEntry[] {
  return count <= 0 ? [] : history.entries.slice(-count);
}
