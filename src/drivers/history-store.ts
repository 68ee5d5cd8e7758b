import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { makeDirectory } from './make-directory.js';

/**
 * `serve --data DIR`: the server's memory in one SQLite file, `DIR/tcpchat.db`, in WAL mode.
 * Room lines (numbered by one sequence across rooms, so the number is the key), the acknowledged
 * line ids, the epoch that names this history, and the facts kept beyond a run (registered nicks, bans...). `better-sqlite3` is an optional dependency,
 * loaded only here, only with `--data`.
 */

export const DATABASE_FILE = 'tcpchat.db';

export interface StoredLine {
  readonly seq: number;
  readonly time: number;
  readonly line: string;
  /** The session of the tagged client that said it. */
  readonly author?: string;
}

/** Lines said together in a room, numbered from `seq`. */
export interface LineBatch {
  readonly room: string;
  readonly seq: number;
  readonly time: number;
  readonly author?: string;
  readonly lines: readonly string[];
}

/** What earlier runs kept. */
export interface Kept {
  /** Names this history: the same for every run on this directory. */
  readonly epoch: string;
  readonly lastSeq: number;
  /** Each room's last lines, oldest first. */
  readonly rooms: Map<string, StoredLine[]>;
  /** Per room, the number of its newest line not given back (dropped by `--retain`, or older than its last `perRoom`): none, no entry. */
  readonly dropped: Map<string, number>;
  /** The last acknowledged ids, oldest first. */
  readonly seenIds: string[];
  /** Registrations, operators, bans, mutes, topics: every fact kept (as JSON), each once. */
  readonly facts: string[];
}

/** A fact as the store keeps it: JSON under its key, replacing what the key held; without `json`, the key is dropped. */
export interface KeptFact {
  readonly key: string;
  readonly json?: string;
}

/** `--retain`: how much each room keeps, by count of lines or by age. */
export type Retention = { readonly lines: number } | { readonly ms: number };

export interface HistoryStore {
  /** What was kept: each room's last `perRoom` lines, the last `ids` acknowledged ids. */
  read(perRoom: number, ids: number): Kept;
  /** Keeps these lines, ids and facts, in one transaction. */
  write(batches: readonly LineBatch[], ids: readonly string[], facts?: readonly KeptFact[]): void;
  /** Drops lines past `retention` and all but the last `ids` ids; returns how many lines went. */
  prune(retention: Retention, now: number, ids: number): number;
  /** A room's lines since `time`, the newest `limit`, oldest first. */
  since(room: string, time: number, limit: number): StoredLine[];
  /** A room's lines holding every one of `words`, the newest `limit`, oldest first. */
  search(room: string, words: readonly string[], limit: number): StoredLine[];
  close(): void;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS lines (seq INTEGER PRIMARY KEY, room TEXT NOT NULL, time INTEGER NOT NULL, author TEXT, line TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS lines_by_room ON lines (room, seq);
  CREATE INDEX IF NOT EXISTS lines_by_time ON lines (time);
  CREATE TABLE IF NOT EXISTS seen (n INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS facts (key TEXT PRIMARY KEY, fact TEXT NOT NULL);
  CREATE VIRTUAL TABLE IF NOT EXISTS lines_text USING fts5 (line, content = 'lines', content_rowid = 'seq');
  CREATE TRIGGER IF NOT EXISTS lines_text_insert AFTER INSERT ON lines BEGIN
    INSERT INTO lines_text (rowid, line) VALUES (new.seq, new.line);
  END;
  CREATE TRIGGER IF NOT EXISTS lines_text_delete AFTER DELETE ON lines BEGIN
    INSERT INTO lines_text (lines_text, rowid, line) VALUES ('delete', old.seq, old.line);
  END;
`;

interface Meta {
  key: string;
  value: string;
}

interface Row {
  seq: number;
  time: number;
  line: string;
  author: string | null;
}

const storedLine = (row: Row): StoredLine => ({
  seq: row.seq,
  time: row.time,
  line: row.line,
  ...(row.author ? { author: row.author } : {}),
});
const oldestFirst = (rows: unknown[]): StoredLine[] => (rows as Row[]).map(storedLine).reverse();

/** Opens (making it when absent) the data directory and its database. */
export async function openHistoryStore(dir: string): Promise<HistoryStore> {
  const { default: Database } = await import('better-sqlite3');
  makeDirectory(dir);
  // No waiting for a lock: the only other holder can be another server, which keeps it for its life.
  const db: BetterSqlite3.Database = new Database(join(dir, DATABASE_FILE), { timeout: 0 });
  try {
    return historyStore(db);
  } catch (error) {
    db.close();
    throw error;
  }
}

function historyStore(db: BetterSqlite3.Database): HistoryStore {
  // One server per directory, held from the first statement until the process ends: a second
  // server would number lines over the first's. (No shared memory file is needed then either.)
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('journal_mode = WAL');
  // A commit is in the WAL file once written: a killed process loses nothing committed; a power cut may lose the last ones.
  db.pragma('synchronous = NORMAL');
  db.exec(SCHEMA);
  factsFromNicksTable(db);
  const getMeta = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
  const setMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  const insertLine = db.prepare('INSERT OR REPLACE INTO lines (seq, room, time, author, line) VALUES (?, ?, ?, ?, ?)');
  const insertId = db.prepare('INSERT INTO seen (id) VALUES (?)');
  const setFact = db.prepare('INSERT OR REPLACE INTO facts (key, fact) VALUES (?, ?)');
  const dropFact = db.prepare('DELETE FROM facts WHERE key = ?');
  const lastOfRoom = db.prepare('SELECT seq, time, author, line FROM lines WHERE room = ? ORDER BY seq DESC LIMIT ?');
  // Per room, the newest line retention dropped: a client resuming from before it is told that line is gone.
  const noteDropped = db.prepare(
    "INSERT INTO meta (key, value) VALUES ('dropped:' || ?, ?) ON CONFLICT (key) DO UPDATE SET value = MAX(CAST(value AS INTEGER), excluded.value)",
  );
  const sinceInRoom = db.prepare('SELECT seq, time, author, line FROM lines WHERE room = ? AND time >= ? ORDER BY seq DESC LIMIT ?');
  const matching = db.prepare(
    'SELECT l.seq, l.time, l.author, l.line FROM lines_text JOIN lines l ON l.seq = lines_text.rowid WHERE lines_text MATCH ? AND l.room = ? ORDER BY l.seq DESC LIMIT ?',
  );

  let epoch = getMeta.get('epoch')?.value;
  if (epoch === undefined) setMeta.run('epoch', (epoch = randomBytes(6).toString('base64url')));

  const keepFact = ({ key, json }: KeptFact): void => void (json === undefined ? dropFact.run(key) : setFact.run(key, json));

  const write = db.transaction((batches: readonly LineBatch[], ids: readonly string[], facts: readonly KeptFact[] = []) => {
    let last = 0;
    for (const batch of batches) {
      batch.lines.forEach((line, index) => insertLine.run(batch.seq + index, batch.room, batch.time, batch.author ?? null, line));
      last = Math.max(last, batch.seq + batch.lines.length - 1);
    }
    for (const id of ids) insertId.run(id);
    for (const fact of facts) keepFact(fact);
    // Kept apart from the lines: when retention has dropped them all, numbering still goes on from here.
    if (last > 0) setMeta.run('last_seq', String(last));
  });

  const prune = db.transaction((retention: Retention, now: number, ids: number): number => {
    let dropped = 0;
    if ('ms' in retention) {
      const before = now - retention.ms;
      const newest = db.prepare('SELECT room, MAX(seq) AS seq FROM lines WHERE time < ? GROUP BY room').all(before);
      for (const { room, seq } of newest as { room: string; seq: number }[]) noteDropped.run(room, seq);
      dropped += db.prepare('DELETE FROM lines WHERE time < ?').run(before).changes;
    } else {
      const rooms = db.prepare('SELECT DISTINCT room FROM lines').pluck().all() as string[];
      const cutAt = db.prepare('SELECT seq FROM lines WHERE room = ? ORDER BY seq DESC LIMIT 1 OFFSET ?').pluck();
      const cut = db.prepare('DELETE FROM lines WHERE room = ? AND seq <= ?');
      for (const room of rooms) {
        const seq = cutAt.get(room, retention.lines) as number | undefined;
        if (seq === undefined) continue;
        noteDropped.run(room, seq);
        dropped += cut.run(room, seq).changes;
      }
    }
    db.prepare('DELETE FROM seen WHERE n <= (SELECT MAX(n) FROM seen) - ?').run(ids);
    return dropped;
  });

  return {
    read(perRoom, ids) {
      const rooms = new Map<string, StoredLine[]>();
      const dropped = new Map<string, number>();
      for (const { key, value } of db.prepare("SELECT key, value FROM meta WHERE key LIKE 'dropped:%'").all() as Meta[])
        dropped.set(key.slice('dropped:'.length), Number(value));
      for (const room of db.prepare('SELECT DISTINCT room FROM lines').pluck().all() as string[]) {
        // One more than given back: if it is there, the room has lines it does not give back.
        const lines = oldestFirst(lastOfRoom.all(room, perRoom + 1));
        if (lines.length > perRoom) dropped.set(room, Math.max(dropped.get(room) ?? 0, lines.shift()!.seq));
        if (perRoom > 0) rooms.set(room, lines);
      }
      const maxSeq = (db.prepare('SELECT MAX(seq) FROM lines').pluck().get() as number | null) ?? 0;
      const lastSeq = Math.max(maxSeq, Number(getMeta.get('last_seq')?.value ?? 0));
      const seenIds = (db.prepare('SELECT id FROM seen ORDER BY n DESC LIMIT ?').pluck().all(ids) as string[]).reverse();
      const facts = db.prepare('SELECT fact FROM facts').pluck().all() as string[];
      return { epoch: epoch!, lastSeq, rooms, dropped, seenIds, facts };
    },
    write: (batches, ids, facts) => write(batches, ids, facts),
    prune: (retention, now, ids) => prune(retention, now, ids),
    since: (room, time, limit) => oldestFirst(sinceInRoom.all(room, time, limit)),
    search(room, words, limit) {
      // Each word as an FTS5 string (quotes doubled), so what a user types is never read as query syntax.
      const query = words.map((word) => `"${word.replaceAll('"', '""')}"`).join(' ');
      return oldestFirst(matching.all(query, room, limit));
    },
    close: () => db.close(),
  };
}

/** A data directory from before facts kept its registrations in a `nicks` table: they become facts, once. */
function factsFromNicksTable(db: BetterSqlite3.Database): void {
  if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'nicks'").get() === undefined) return;
  const setFact = db.prepare('INSERT OR IGNORE INTO facts (key, fact) VALUES (?, ?)');
  db.transaction(() => {
    for (const { key, nick, hash } of db.prepare('SELECT key, nick, hash FROM nicks').all() as {
      key: string;
      nick: string;
      hash: string;
    }[]) {
      // The key and shape of a registration fact (see streams/server/facts.ts).
      setFact.run(`registration:${key}`, JSON.stringify({ kind: 'registration', key, nick, hash }));
    }
    db.exec('DROP TABLE nicks');
  })();
}
