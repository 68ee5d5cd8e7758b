import { MISSED_ANSWERS } from '../protocol/ping.js';
import type { ConnId } from './roster.js';

/** What a check finds: whom to ping now, and whose link is dead. */
export interface HeartbeatCheck {
  readonly ping: ConnId[];
  readonly dead: ConnId[];
}

/**
 * When each connection that speaks tcpchat's capability was last heard, to notice a dead link:
 * after `intervalMs` of silence it is pinged, after another it is pinged again, and after a third
 * (`MISSED_ANSWERS` pings unanswered) it is dead. Any line counts as an answer, so a busy
 * connection is never pinged. The router owns one, checked on each heartbeat tick.
 */
export function createHeartbeat(intervalMs: number) {
  /** When each was last heard, and how many pings it has been sent since. */
  const watched = new Map<ConnId, { heardAt: number; pinged: number }>();
  return {
    /** The connection said something (or began to be watched). */
    heard(id: ConnId, now: number): void {
      const entry = watched.get(id);
      if (entry === undefined) watched.set(id, { heardAt: now, pinged: 0 });
      else {
        entry.heardAt = now;
        entry.pinged = 0;
      }
    },
    forget(id: ConnId): void {
      watched.delete(id);
    },
    check(now: number): HeartbeatCheck {
      const ping: ConnId[] = [];
      const dead: ConnId[] = [];
      for (const [id, entry] of watched) {
        const silences = Math.floor((now - entry.heardAt) / intervalMs);
        if (silences > MISSED_ANSWERS) {
          dead.push(id);
          watched.delete(id);
        } else if (silences > entry.pinged) {
          entry.pinged = silences;
          ping.push(id);
        }
      }
      return { ping, dead };
    },
  };
}
