import { openHistoryStore, type HistoryStore, type KeptFact, type LineBatch, type Retention } from '../drivers/history-store.js';
import { REMEMBERED_IDS, type Restored } from '../../streams/server/model.js';
import type { ServerOutput } from '../../streams/server/server-main.js';
import type { RouterEvent } from '../../streams/server/events.js';
import { factKey, outlivesRun, type Fact } from '../../streams/server/facts.js';
import { nativeModuleFailure, oneLine } from './native-module-failure.js';

type Query = Extract<ServerOutput, { kind: 'query' }>;
type Answer = Extract<RouterEvent, { kind: 'answer' }>;

/** `serve --data DIR`: what the core keeps goes to the data directory, and what it kept comes back at start. */

export interface DataConfig {
  readonly dir: string;
  /** `--retain`: lines per room, or an age. */
  readonly retention: Retention;
}

export interface DataLink {
  /** The epoch this directory keeps: the same every run, so a client's resume point still means something. */
  readonly epoch: string;
  readonly restored: Restored;
  /** Keeps the batch's room lines and acknowledged ids (in one transaction) and facts, before the rest of the batch is carried out. */
  keep(outputs: readonly ServerOutput[]): void;
  /** What the directory holds for a member's `/history since` or `/search`. */
  answer(query: Query): Answer;
  /** Drops what `--retain` no longer keeps. */
  prune(): void;
  close(): void;
}

/** Said at start without `--data` (a cluster's history lives in Redis). */
export const MEMORY_ONLY = 'history is kept in memory only: nothing outlives this server (serve --data DIR keeps it)';

/** How often retention runs, besides at start. */
export const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * Opens the directory, prunes it, and reads back the last `historySize` lines of each room. Throws one sentence.
 * A write that fails later (a full or failing disk) does not stop the chat: `warn` tells it once, and once more when writes work again.
 */
export async function openData(
  config: DataConfig,
  historySize: number,
  now: () => number,
  warn: (text: string) => void,
): Promise<DataLink> {
  let store: HistoryStore;
  try {
    store = await openHistoryStore(config.dir);
  } catch (error) {
    throw new Error(openFailure(error, config.dir));
  }
  const guard = writeFailures(config.dir, now, warn);
  const prune = (): void => guard(() => store.prune(config.retention, now(), REMEMBERED_IDS));
  prune();
  const { epoch, lastSeq, rooms, dropped, seenIds, facts } = store.read(historySize, REMEMBERED_IDS);
  return {
    epoch,
    restored: { lastSeq, rooms, dropped, seenIds, facts: facts.map((json) => JSON.parse(json) as Fact).filter(outlivesRun) },
    keep(outputs) {
      const batches: LineBatch[] = [];
      const ids: string[] = [];
      const facts: KeptFact[] = [];
      for (const output of outputs) {
        if (output.kind === 'store') batches.push(output);
        else if (output.kind === 'seen') ids.push(...output.ids);
        else if (output.kind === 'fact') facts.push(keptFact(output.fact));
      }
      if (batches.length > 0 || ids.length > 0 || facts.length > 0) guard(() => store.write(batches, ids, facts));
    },
    answer({ id, room, query, limit }) {
      const entries = query.kind === 'since' ? store.since(room, query.time, limit) : store.search(room, query.words, limit);
      return { kind: 'answer', id, query, entries };
    },
    prune,
    close: () => store.close(),
  };
}

/** A fact as the store keeps it: a lifted one drops its key. */
const keptFact = (fact: Fact): KeptFact => ({ key: factKey(fact), json: fact.lifted ? undefined : JSON.stringify(fact) });

/** How long writes wait after one failed: a failing disk can take 100 ms a write, which would slow the chat to a crawl. */
export const RETRY_WRITES_MS = 10_000;

/**
 * Runs a write, unless one failed less than `RETRY_WRITES_MS` ago (what is said meanwhile is not
 * kept); the first of a run of failures is told, and so is the first success after them.
 */
function writeFailures(dir: string, now: () => number, warn: (text: string) => void): (write: () => void) => void {
  let failedAt: number | undefined;
  return (write) => {
    if (failedAt !== undefined && now() - failedAt < RETRY_WRITES_MS) return;
    try {
      write();
    } catch (error) {
      if (failedAt === undefined)
        warn(
          `cannot keep history in ${dir} (${error instanceof Error ? error.message : String(error)}): what is said now is not kept until it can be`,
        );
      failedAt = now();
      return;
    }
    if (failedAt !== undefined) warn(`history is kept in ${dir} again`);
    failedAt = undefined;
  };
}

function openFailure(error: unknown, dir: string): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_BUSY') return `cannot keep data in ${dir}: another tcpchat server is using it`;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND')
    return '--data needs the better-sqlite3 package, which is not installed: install tcpchat without --omit=optional, or run npm install better-sqlite3@12 in its folder';
  const native = nativeModuleFailure(error, 'better-sqlite3');
  return `cannot keep data in ${dir}: ${native ?? oneLine(error instanceof Error ? error.message : String(error))}`;
}
