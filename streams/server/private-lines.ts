import type { KeptPrivate } from '../cluster/bus.js';
import { formatNotice } from '../protocol/server-line.js';
import { nickKey } from '../protocol/nick.js';
import { formatTagged } from '../protocol/tags.js';
import type { Effect } from './events.js';
import { resumable, sessionHolder, type Connection, type ServerModel } from './model.js';
import { direct, time } from './send.js';
import { keepLatest } from '../keep-latest.js';

/**
 * Private lines to tcpchat's own client, numbered per session (`@pm=N`) and kept a while, so a
 * client whose link died as they were written into it gets them again when it resumes, as room
 * lines are replayed from the room's history. Plain clients get them as they are, and nothing is
 * kept for them. A session's lines are kept from the first private line to it: an idle connection
 * costs nothing here.
 */

/** Per session, at most this many lines are kept, and at most this much text (in characters). */
export const PRIVATE_LINES_KEPT = 100;
export const PRIVATE_TEXT_KEPT = 16 * 1024;
/** At most this many sessions' lines are kept; past it, those of the session written to longest ago go. */
export const PRIVATE_SESSIONS_KEPT = 1000;
/** How long a tagged member whose link was lost is taken to be reconnecting: private lines to its nick wait for it. */
export const RETURN_WINDOW_MS = 10 * 60_000;

interface PrivateLine extends KeptPrivate {
  readonly pm: number;
}

/**
 * One session's private lines: the number before its first (`start`), the last given, and the
 * last lines, oldest first. Numbers go on from the highest given in this run, so a session whose
 * lines were forgotten (see `PRIVATE_SESSIONS_KEPT`) never gets a number it had before.
 */
export interface SessionLines {
  readonly start: number;
  last: number;
  readonly kept: PrivateLine[];
  text: number;
}

/**
 * The private lines kept by this process: `run` names it (a client resuming with another run's
 * numbers, after a restart or from another node, gets none of them here); `highest`, the last number given.
 */
export interface PrivateStore {
  readonly run: string;
  readonly sessions: Map<string, SessionLines>;
  highest: number;
  /** By nick key, the sessions of tagged members whose link was lost, and when (see `awayFrom`). */
  readonly away: Map<string, { readonly session: string; readonly since: number }>;
}

const tagged = (entry: PrivateLine, replay: boolean): string =>
  formatTagged({ pm: String(entry.pm), time: time(entry.time), ...(replay ? { replay: '' } : {}) }, entry.line);

/** A private line to `target`: numbered and kept for a client that can resume its session; to any other, as it is. */
export function sendPrivate(model: ServerModel, target: Connection, line: string): Effect[] {
  const { session } = target;
  if (!resumable(session)) return direct(model, [target.id], line);
  return [{ kind: 'send', to: [target.id], lines: [tagged(keep(model, session, line), false)] }];
}

/** The line numbered and kept for `session`'s client. */
function keep(model: ServerModel, session: string, line: string, time = model.now()): PrivateLine {
  const store = model.privates;
  const { sessions } = store;
  const lines = sessions.get(session) ?? { start: store.highest, last: store.highest, kept: [], text: 0 };
  keepLatest(sessions, session, lines, PRIVATE_SESSIONS_KEPT); // the session written to last is kept longest
  const entry: PrivateLine = { pm: ++lines.last, time, line };
  store.highest = Math.max(store.highest, lines.last);
  lines.kept.push(entry);
  lines.text += line.length;
  while (lines.kept.length > PRIVATE_LINES_KEPT || (lines.text > PRIVATE_TEXT_KEPT && lines.kept.length > 1))
    lines.text -= lines.kept.shift()!.line.length;
  return entry;
}

/**
 * A tagged member whose link was lost (not one that quit or was sent away): for RETURN_WINDOW_MS,
 * private lines to its nick are for its client, which is reconnecting, rather than refused (see
 * `forReturn`). Whether it was such a member.
 */
export function awayFrom(model: ServerModel, member: Connection): boolean {
  const { session } = member;
  if (!resumable(session)) return false;
  noLongerAway(model, session); // a nick it held before this one is no longer its
  // The last to leave is kept longest.
  keepLatest(model.privates.away, nickKey(member.nick), { session, since: model.now() }, PRIVATE_SESSIONS_KEPT);
  return true;
}

/** Lines to the nicks a session's client left are no longer for it: it left on purpose, lost its link under another nick, or is back elsewhere. */
export function noLongerAway(model: ServerModel, session: string): void {
  const { away } = model.privates;
  for (const [key, left] of away) if (left.session === session) away.delete(key);
}

/** What the sender of a line `forReturn` kept is told. */
export const keptForReturn = (nick: string): string =>
  `${nick} lost its connection a moment ago; your private line is kept for when it is back`;

/**
 * A private line to a nick whose holder lost its link a moment ago (see `awayFrom`). Its client
 * back and taking that nick again (a cluster's claim is a round trip) gets it now (`sent`: the
 * nick as addressed); not yet back, it is kept for the return. Undefined when neither: not away,
 * away too long, or back and settled under another nick.
 */
export function forReturn(model: ServerModel, nick: string, line: string): { sent?: string; effects: Effect[] } | undefined {
  const key = nickKey(nick);
  const away = model.privates.away.get(key);
  if (!away || model.now() - away.since > RETURN_WINDOW_MS) return undefined;
  const returned = sessionHolder(model, away.session);
  if (returned?.claim?.nick !== undefined && nickKey(returned.claim.nick) === key)
    return { sent: nick, effects: sendPrivate(model, returned, line) };
  if (returned) {
    model.privates.away.delete(key);
    return undefined;
  }
  keep(model, away.session, line);
  return { effects: [] };
}

/** `privates=RUN:N` of a client's `/cap`: the run its private numbers came from, and the last it showed. */
export function parsePrivatesPoint(value: string): { run: string; after: number } | undefined {
  const colon = value.lastIndexOf(':');
  const after = Number(value.slice(colon + 1));
  return colon > 0 && Number.isInteger(after) && after >= 0 ? { run: value.slice(0, colon), after } : undefined;
}

/**
 * What a resuming client missed of the private lines to its session after the one numbered
 * `after` (of run `run`): those kept, marked as replayed, and a notice first when some are no
 * longer kept: how many, or, when its session's lines were forgotten since it showed one (see
 * `PRIVATE_SESSIONS_KEPT`), that some may be gone.
 */
export function missedPrivates(model: ServerModel, session: string, run: string, after: number): { notice?: string; lines: string[] } {
  if (run !== model.privates.run) return { notice: unknownGone(KEPT_ELSEWHERE), lines: [] };
  const { notice, kept } = missedKept(model, session, after);
  return { notice, lines: kept.map((entry) => tagged(entry, true)) };
}

/** The private lines this run keeps for `session` after the one numbered `after`, and the notice of those no longer kept. */
export function missedKept(model: ServerModel, session: string, after: number): { notice?: string; kept: PrivateLine[] } {
  const lines = model.privates.sessions.get(session);
  const forgotten = after > 0 && (!lines || after < lines.start);
  if (!lines) return { notice: forgotten ? unknownGone(FORGOTTEN) : undefined, kept: [] };
  const firstKept = lines.kept[0].pm; // a record always keeps its last line
  const gone = firstKept - 1 - Math.max(after, lines.start);
  return {
    notice: forgotten ? unknownGone(FORGOTTEN) : gone > 0 ? countGone(gone) : undefined,
    kept: lines.kept.filter((entry) => entry.pm > after),
  };
}

/**
 * Private lines another node kept for a client that came back here: numbered and kept here (at
 * their own time), and sent marked as replayed, after the notice of any no longer kept.
 */
export function replayFromElsewhere(model: ServerModel, member: Connection, given: readonly KeptPrivate[], notice?: string): Effect[] {
  const lines = given.map(({ line, time }) => tagged(keep(model, member.session!, line, time), true));
  return [
    ...(notice ? direct(model, [member.id], notice) : []),
    ...(lines.length > 0 ? [{ kind: 'send' as const, to: [member.id], lines }] : []),
  ];
}

/** Where a client that comes back on another node has its private lines kept. */
export const KEPT_ELSEWHERE = 'they are kept only by the server that had you then';

const FORGOTTEN = 'too many others were sent private lines since';

const countGone = (count: number): string =>
  formatNotice(
    `${count === 1 ? '1 private line' : `${count} private lines`} to you while you were away can no longer be replayed (more came than are kept for you)`,
  );

export const unknownGone = (why: string): string =>
  formatNotice(`private lines to you while you were away, if any, cannot be replayed here: ${why}`);
