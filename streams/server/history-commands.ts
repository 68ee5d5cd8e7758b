import { MAX_HISTORY_ANSWER } from '../protocol/client-command.js';
import { formatError, formatNotice } from '../protocol/server-line.js';
import type { Effect, HistoryQuery } from './events.js';
import { latest, saidSince, type HistoryEntry } from './history.js';
import { busRequest as bus, historyLines } from './membership.js';
import { memberOf, type Connection, type ServerModel } from './model.js';
import { direct } from './send.js';

/**
 * `/history [N]`, `/history since D`, `/search WORDS`, from the member's room. The ring in memory
 * answers what it can; with `--data` a time or words go to the data directory as a `query`
 * effect, and its `answer` comes back as an event; in a cluster they go to the cluster's history
 * (a `query` on the bus) while it is up. At most `MAX_HISTORY_ANSWER` lines, newest last.
 */

export const SEARCH_NEEDS_DATA = 'search needs a data directory (serve --data DIR)';
export const SEARCH_NEEDS_CLUSTER = "search needs the cluster's history, and the cluster cannot be reached now";

export function lastLines(model: ServerModel, member: Connection, count: number): Effect[] {
  return historyLines(model, member, latest(member.room!.history, count));
}

export function linesSince(model: ServerModel, member: Connection, ms: number): Effect[] {
  const query: HistoryQuery = { kind: 'since', time: model.now() - ms };
  return ask(model, member, query) ?? unanswered(model, member, query);
}

export function search(model: ServerModel, member: Connection, words: readonly string[]): Effect[] {
  const query: HistoryQuery = { kind: 'search', words };
  return ask(model, member, query) ?? unanswered(model, member, query);
}

/** The question, to the data directory or the cluster; undefined when neither is there to answer. */
function ask(model: ServerModel, member: Connection, query: HistoryQuery): Effect[] | undefined {
  const asked = { room: member.room!.name, query, limit: MAX_HISTORY_ANSWER };
  if (model.persist) return [{ kind: 'query', id: member.id, ...asked }];
  if (model.cluster?.up) return [bus({ type: 'query', conn: member.id, ...asked })];
  return undefined;
}

/** Without a data directory or a cluster to ask (or one that did not get the question): the ring answers a time; words it cannot. */
export function unanswered(model: ServerModel, member: Connection, query: HistoryQuery): Effect[] {
  if (query.kind === 'since') return answered(model, member, query, saidSince(member.room!.history, query.time, MAX_HISTORY_ANSWER));
  return direct(model, [member.id], formatError(model.cluster ? SEARCH_NEEDS_CLUSTER : SEARCH_NEEDS_DATA));
}

/** The data directory (or the cluster) answered: the lines go to the member who asked (if still here), each with its time for a plain client. */
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
