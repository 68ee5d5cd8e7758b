import { MISSED_ANSWERS } from '../protocol/ping.js';
import type { ConnId } from './model.js';

/** What a check finds: whom to ping now, and whose link is dead. */
export interface HeartbeatCheck {
  readonly ping: ConnId[];
  readonly dead: ConnId[];
}

/** A connection's heartbeat fields (kept on its entry in the table of connections). */
export interface Heartbeat {
  readonly id: ConnId;
  /** When it was last heard; undefined: not watched. */
  heardAt: number | undefined;
  /** Pings sent since. */
  pinged: number;
}

/**
 * The connection said something (and is watched from now on, in `watched`). Any line counts as an
 * answer. A check walks `watched` only: in a large room of plain clients a tick costs nothing.
 */
export function heard<T extends Heartbeat>(watched: Set<T>, conn: T, now: number): void {
  conn.heardAt = now;
  conn.pinged = 0;
  watched.add(conn);
}

/**
 * Notices dead links among connections that speak tcpchat's capability: after `intervalMs` of
 * silence one is pinged, after another it is pinged again, and after a third (`MISSED_ANSWERS`
 * pings unanswered) it is dead, and no longer watched. A busy connection is never pinged.
 */
export function checkHeartbeats(watched: Set<Heartbeat>, intervalMs: number, now: number): HeartbeatCheck {
  const ping: ConnId[] = [];
  const dead: ConnId[] = [];
  for (const conn of watched) {
    if (conn.heardAt === undefined) continue;
    const silences = Math.floor((now - conn.heardAt) / intervalMs);
    if (silences > MISSED_ANSWERS) {
      dead.push(conn.id);
      conn.heardAt = undefined;
      watched.delete(conn);
    } else if (silences > conn.pinged) {
      conn.pinged = silences;
      ping.push(conn.id);
    }
  }
  return { ping, dead };
}
