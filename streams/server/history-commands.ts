import { MAX_HISTORY_ANSWER } from '../protocol/client-command.js';
import { formatError, formatNotice } from '../protocol/server-line.js';
import type { Effect, HistoryQuery } from './events.js';
import { latest, saidSince, type HistoryEntry } from './history.js';
import { historyLines } from './membership.js';
import { memberOf, type Connection, type ServerModel } from './model.js';
import { direct } from './send.js';

/**
 * `/history [N]`, `/history since D`, `/search WORDS`, from the member's room. The ring in memory
 * answers what it can; with `--data` a time or words go to the data directory as a `query`
 * effect, and its `answer` comes back as an event. At most `MAX_HISTORY_ANSWER` lines, newest last.
 */

export const SEARCH_NEEDS_DATA = 'search needs a data directory (serve --data DIR)';

export function lastLines(model: ServerModel, member: Connection, count: number): Effect[] {
  return historyLines(model, member, latest(member.room!.history, count));
}

export function linesSince(model: ServerModel, member: Connection, ms: number): Effect[] {
  const query: HistoryQuery = { kind: 'since', time: model.now() - ms };
  if (model.persist) return [{ kind: 'query', id: member.id, room: member.room!.name, query, limit: MAX_HISTORY_ANSWER }];
  return answered(model, member, query, saidSince(member.room!.history, query.time, MAX_HISTORY_ANSWER));
}

export function search(model: ServerModel, member: Connection, words: readonly string[]): Effect[] {
  if (!model.persist) return direct(model, [member.id], formatError(SEARCH_NEEDS_DATA));
  return [{ kind: 'query', id: member.id, room: member.room!.name, query: { kind: 'search', words }, limit: MAX_HISTORY_ANSWER }];
}

/** The data directory answered: the lines go to the member who asked (if still here), each with its time for a plain client. */
export function answer(model: ServerModel, id: number, query: HistoryQuery, entries: readonly HistoryEntry[]): Effect[] {
  const member = memberOf(model, id);
  return member ? answered(model, member, query, entries) : [];
}

function answered(model: ServerModel, member: Connection, query: HistoryQuery, entries: readonly HistoryEntry[]): Effect[] {
  if (entries.length === 0)
    return direct(
      model,
      [member.id],
      formatNotice(query.kind === 'search' ? 'no line here holds those words' : 'nothing was said here since then'),
    );
  // A tagged client reads the time from the replayed line's tags; a plain one gets it before the line.
  const shown =
    member.session === undefined ? entries.map((entry) => ({ ...entry, line: `[${clock(entry.time)}] ${entry.line}` })) : entries;
  return historyLines(model, member, shown);
}

/** `2026-12-05 07:08` (UTC), as a plain client is shown when a line was said. */
const clock = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
