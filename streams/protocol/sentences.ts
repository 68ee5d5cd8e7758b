import { invalidNickReason } from './nick.js';
import { formatNotice } from './server-line.js';

/**
 * The server's sentences that tcpchat's client acts on, not only shows: the welcome (who we are,
 * in which room), a new nick, a new room, and the markers around a `/history` answer. Each is
 * made and read by one pair of functions here, used by both sides, so they cannot drift apart.
 * A parser takes the whole line (`* ...`) and returns undefined for anything else, also for
 * look-alikes in the middle of a line (`<bob> * you are now x`).
 *
 * A look-alike a member can say as a whole line (`/me` of a nick `you`: `* you are now alice`)
 * is the reader's to tell apart: room lines carry a sequence number, sentences to us alone do not.
 */

export type ServerMode = 'room' | 'console-only';

export interface Welcome {
  readonly server: string;
  readonly nick: string;
  /** Missing from a server without rooms (console-only, or before rooms). */
  readonly room?: string;
}

export interface InRoom {
  readonly room: string;
  readonly members: number;
  readonly topic?: string;
}

export type HistoryMarker = { readonly kind: 'start'; readonly count: number } | { readonly kind: 'end' };

/** A room, as the server names it (already lower case); read case-insensitively. */
const ROOM = '#[A-Za-z0-9_.-]{1,31}';
const WELCOME = new RegExp(`^\\* welcome to ([^\\s,]+), you are (\\S+?)(?: in (${ROOM}))?(?:; only \\1 hears you)?; /help lists commands$`);
// `s`: a reason or a topic may hold U+2028 or U+2029, which `.` would not match without it.
const RENAMED = /^\* (?:(?:.+; )?you are now|you are) (\S+)$/s;
const IN_ROOM = new RegExp(`^\\* you are now in (${ROOM}) \\((\\d{1,15}) here\\); (?:topic: (.+)|no topic)$`, 's');
const HISTORY_START = /^\* history: the last (\d{1,15}) lines?$/;
const HISTORY_END = '* end of history';

/** `* welcome to NAME, you are NICK in #lobby; /help lists commands`, or without a room: `...; only NAME hears you; ...`. */
export function formatWelcome({ server, nick, room }: Welcome): string {
  const where = room === undefined ? `; only ${server} hears you` : ` in ${room}`;
  return formatNotice(`welcome to ${server}, you are ${nick}${where}; /help lists commands`);
}

export function parseWelcome(line: string): Welcome | undefined {
  const match = WELCOME.exec(line);
  if (!match || !isNick(match[1]) || !isNick(match[2])) return undefined;
  return { server: match[1], nick: match[2], ...(match[3] ? { room: match[3].toLowerCase() } : {}) };
}

/** `* you are now NICK`; a nick the server chose gives why first: `* WHY; you are now NICK`. */
export function formatRenamed(nick: string, why?: string): string {
  return formatNotice(`${why === undefined ? '' : `${why}; `}you are now ${nick}`);
}

/** `* you are NICK`: asked for the nick one has already. */
export function formatYouAre(nick: string): string {
  return formatNotice(`you are ${nick}`);
}

/** The nick a rename (or a `you are`) gives us. */
export function parseRenamed(line: string): string | undefined {
  const nick = RENAMED.exec(line)?.[1];
  return nick !== undefined && isNick(nick) ? nick : undefined;
}

/** `* you are now in #dev (3 here); topic: TEXT`, or `...; no topic`. An empty topic is none. */
export function formatInRoom({ room, members, topic }: InRoom): string {
  return formatNotice(`you are now in ${room} (${members} here); ${topic ? `topic: ${topic}` : 'no topic'}`);
}

export function parseInRoom(line: string): InRoom | undefined {
  const match = IN_ROOM.exec(line);
  if (!match) return undefined;
  return { room: match[1].toLowerCase(), members: Number(match[2]), ...(match[3] === undefined ? {} : { topic: match[3] }) };
}

/** `* history: the last N lines`, before the lines of a `/history` answer to a connection without tags. */
export function formatHistoryStart(count: number): string {
  return formatNotice(`history: the last ${count} ${count === 1 ? 'line' : 'lines'}`);
}

export function formatHistoryEnd(): string {
  return HISTORY_END;
}

export function parseHistoryMarker(line: string): HistoryMarker | undefined {
  if (line === HISTORY_END) return { kind: 'end' };
  const start = HISTORY_START.exec(line);
  return start ? { kind: 'start', count: Number(start[1]) } : undefined;
}

const isNick = (text: string): boolean => invalidNickReason(text) === undefined;
