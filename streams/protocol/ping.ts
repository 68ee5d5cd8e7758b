import { formatTagged, type Tags } from './tags.js';

/**
 * The liveness check between tcpchat's own client and server, inside the capability only (plain
 * clients never see it): lines that are all tags. Either side pings after a silence; the other
 * answers at once; any line at all counts as an answer.
 */
export const PING = formatTagged({ ping: '' }, '');
export const PONG = formatTagged({ pong: '' }, '');

/** A peer that does not answer this many pings in a row is taken for gone. */
export const MISSED_ANSWERS = 2;

export const isPing = (tags: Tags): boolean => tags.ping !== undefined;
