import type { ClusterLink } from './cluster-link.js';
import type { Delivery } from './delivery.js';
import type { Effect, LogEntry } from './events.js';
import type { RouterOptions } from './router.js';
import type { ConnId, Member, Roster } from './roster.js';

/** What command handlers share with the router: its state and the few moves they are built from. */
export interface RouterContext {
  readonly options: RouterOptions;
  readonly roster: Roster;
  readonly delivery: Delivery;
  readonly now: () => number;
  /** The link to the other servers, when this one is a node of a cluster. */
  cluster?: ClusterLink;
  /** Every member, in join order. */
  all(): readonly ConnId[];
  /** Room lines from `from` to the others in relay mode (and into the history); nothing in console mode. */
  announce(from: ConnId, lines: readonly string[], ids?: readonly string[]): Effect[];
  /** Lines to the whole room, in either mode (the console's): through the cluster when there is one. */
  toRoom(from: ConnId | undefined, lines: readonly string[]): Effect[];
  /** Joins, leaves and renames: announced like room lines, but only while the room is small enough. */
  announceMembership(from: ConnId, notice: string): Effect[];
  /** Call after a nick changes or a member goes, so cached recipient lists are rebuilt. */
  changed(): void;
  /** `notice`: what the room is told (by default `NICK left (REASON)`); false: nothing. */
  leave(member: Member, reason: string, notice?: string | false): Effect[];
  log(...entries: LogEntry[]): Effect;
  shutdown(reason: string): Effect[];
}
