import { formatError, formatNotice, type ServerLine } from './server-line.js';
import { formatUntil } from './until.js';

/**
 * The sentences a server says as it sends a connection away for good (refused at the door,
 * kicked, banned, dropped for idling), and how tcpchat's client reads them back: a client sent away
 * does not come back on its own. Made and read here, so the two sides cannot disagree.
 */

/** Refused at the door (`! access denied`, `! server full`, `! authentication failed`): an error before the welcome. */
export const formatRefusal = (reason: string): string => formatError(reason);

/** `* you were kicked by NAME: reason`. */
export const formatKicked = (reason: string): string => formatNotice(`you were ${reason}`);

/** Why a banned connection is turned away: `banned: spam (until 2026-12-05 14:00 UTC)`; as a line, an error before the close. */
export const bannedReason = (reason: string, until: number | undefined): string =>
  `${BANNED}${reason || 'no reason given'} (${formatUntil(until)})`;

/** `* bye`: the answer to `/quit`, before the close. */
export const formatBye = (): string => formatNotice(BYE);

/** Whether `line` is the answer to `/quit`. */
export const isBye = (line: ServerLine): boolean => line.kind === 'notice' && line.text === BYE;

/** `* disconnected: idle for N seconds`. */
export const formatDismissal = (reason: string): string => formatNotice(`${DISMISSED}${reason}`);

const BYE = 'bye';
const DISMISSED = 'disconnected: ';
const BANNED = 'banned: ';
const SENT_AWAY = /^you were (kicked|banned)\b/;

/**
 * Why the server sent us away, if `line` says so; undefined for any other line. `welcomed`:
 * whether this connection was welcomed already (before that, any error line is a refusal).
 * The caller holds it only while it is the last line before the close, so a look-alike that
 * someone says in the room (`/me` of a nick `you`) does nothing.
 */
export function parseFarewell(line: ServerLine, welcomed: boolean): { readonly refused: boolean; readonly reason: string } | undefined {
  if (line.kind === 'error' && (!welcomed || line.text.startsWith(BANNED))) return { refused: true, reason: line.text };
  if (line.kind !== 'notice') return undefined;
  if (SENT_AWAY.test(line.text)) return { refused: false, reason: line.text };
  if (line.text.startsWith(DISMISSED)) return { refused: false, reason: line.text };
  return undefined;
}
