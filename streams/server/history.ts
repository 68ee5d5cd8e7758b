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
  readonly epoch: string;
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
  if (history.capacity <= 0) return added;
  history.entries.push(...added);
  const excess = history.entries.length - history.capacity;
  if (excess > 0) history.entries.splice(0, excess);
  return added;
}

/** What came after `seq` and is still kept, in order. */
export function since(history: History, seq: number): HistoryEntry[] {
  const first = history.entries.findIndex((entry) => entry.seq > seq);
  return first === -1 ? [] : history.entries.slice(first);
}

export function latest(history: History, count: number): HistoryEntry[] {
  return count <= 0 ? [] : history.entries.slice(-count);
}
