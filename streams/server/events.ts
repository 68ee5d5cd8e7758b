import type { BusEvent, BusRequest } from '../cluster/bus.js';
import type { AccessList } from '../limits/access.js';
import type { ConsoleCommand } from '../protocol/console-command.js';
import type { HistoryEntry } from './history.js';
import type { Fact } from './facts.js';
import type { ConnId } from './model.js';

/** What a member asked of a data directory's history: its room's lines since a time, or holding every word. */
export type HistoryQuery =
  { readonly kind: 'since'; readonly time: number } | { readonly kind: 'search'; readonly words: readonly string[] };

/** What the router hears: connections opening, their lines, their end, the console, shutdown. */
export type RouterEvent =
  /**
   * `ip` is the peer's address without the port, for per-address limits; `port`, the peer's port. `fingerprint`: the SHA-256
   * of the client certificate it presented over TLS (`AB:CD:...`), which may own a registered nick.
   */
  | { kind: 'open'; id: ConnId; ip: string; port: number; fingerprint?: string }
  /** `printable`: the framer found every line printable ASCII (none needs sanitizing) when it read the whole chunk at once. */
  | { kind: 'lines'; id: ConnId; lines: readonly string[]; printable?: boolean }
  /** `fatal`: no newline within the hard limit, so the connection ends. */
  | { kind: 'line-too-long'; id: ConnId; maxBytes: number; fatal: boolean }
  /** The peer ended its side, or the connection failed: once what it sent is handled, the router closes ours. */
  | { kind: 'closed'; id: ConnId; reason: string }
  | { kind: 'idle'; id: ConnId; seconds: number }
  /** The time to give the password is up. */
  | { kind: 'password-deadline'; id: ConnId }
  | { kind: 'console'; command: ConsoleCommand }
  /** The password was changed (a reload): connections from now on must give the new one. */
  | { kind: 'password'; password: string }
  /** The access list was read again (a reload): it holds for connections from now on. */
  | { kind: 'access'; access: AccessList }
  /** What the other servers of a cluster did. */
  | { kind: 'bus'; event: BusEvent }
  | { kind: 'shutdown'; reason: string }
  /** Time to look for silent connections (every half `--heartbeat`). */
  | { kind: 'heartbeat' }
  /** The data directory's answer to a `query`: at most its `limit` lines, oldest first. */
  | { kind: 'answer'; id: ConnId; query: HistoryQuery; entries: readonly HistoryEntry[] }
  /** The shell hashed a `/register`'s secret (see the `secret` effect). */
  | { kind: 'hashed'; id: ConnId; nick: string; hash: string }
  /** The shell checked an `/identify`'s secret against the nick's hash. */
  | { kind: 'verified'; id: ConnId; nick: string; ok: boolean };

/** What the router decides. The shell carries these out. */
export type Effect =
  | { kind: 'send'; to: readonly ConnId[]; lines: readonly string[] }
  /** End the connection once what was sent before has been written. */
  | { kind: 'close'; id: ConnId; reason: string }
  | { kind: 'log'; entries: readonly LogEntry[] }
  /** Ask the rest of the cluster. */
  | { kind: 'bus'; request: BusRequest }
  /** Shutdown has begun: what is queued now has until the shell's deadline to drain. */
  | { kind: 'stopping' }
  /** The console speaks in this room from now on (its prompt shows it). */
  | { kind: 'console-room'; room: string }
  /** Keep these room lines, numbered from `seq` (with `--data`; before they are sent, so what anyone saw is kept). */
  | { kind: 'store'; room: string; seq: number; time: number; author?: string; lines: readonly string[] }
  /** Keep these acknowledged line ids (with `--data`), so a line resent after a restart is shown once. */
  | { kind: 'seen'; ids: readonly string[] }
  /** Ask the data directory for a room's lines; the answer comes back as an `answer` event for `id`. */
  | { kind: 'query'; id: ConnId; room: string; query: HistoryQuery; limit: number }
  /**
   * Hash `secret` for `nick` (a `/register`), or check it against the hash `against` (an `/identify`);
   * the answer comes back as a `hashed` or `verified` event for `id`. Never logged.
   */
  | { kind: 'secret'; id: ConnId; nick: string; secret: string; against?: string }
  /** Keep a fact beyond this run (with `--data`; a cluster's facts go to its bus instead, see cluster-facts.ts). */
  | { kind: 'fact'; fact: Fact };

/**
 * Where an entry happened, in room mode: its room, and `elsewhere` when that is not the room the
 * console speaks in (the console's record shows such lines with the room first; `--json` leaves
 * `elsewhere` out). Console-only servers have no rooms, and their entries no `room`.
 */
export interface InRoom {
  readonly room?: string;
  readonly elsewhere?: true;
}

/** What the console (or `--json`) records. */
export type LogEntry =
  | ({ type: 'join'; id: ConnId; from: string; address: string } & InRoom)
  | { type: 'refused'; id: ConnId; address: string; reason: string }
  | ({ type: 'leave'; id: ConnId; from: string; reason: string } & InRoom)
  | ({ type: 'nick'; id: ConnId; from: string; to: string } & InRoom)
  /**
   * What a member (or, without `id`, the console) said in one go: `texts` as said (sanitised),
   * `lines` as the console shows them (as the room got them, with the room first when `elsewhere`).
   */
  | ({ type: 'messages'; id?: ConnId; from: string; texts: readonly string[]; lines: readonly string[] } & InRoom)
  | ({ type: 'action'; id: ConnId; from: string; text: string } & InRoom)
  /** A member moved from room `previous` to `room`. */
  | ({ type: 'move'; id: ConnId; from: string; previous: string } & InRoom)
  /** A room's topic was set (by a member, by the console without `id`, or on another node). */
  | ({ type: 'topic'; id?: ConnId; from: string; text: string } & InRoom)
  /**
   * A moderation act (`action`: kick, ban, unban, mute, unmute, lock, unlock, op, deop, or expired)
   * on `target`, done `by` an operator or the console; `text`: as the room was told; `until`: when
   * a ban or mute ends (ISO time).
   */
  | ({ type: 'moderation'; action: string; by: string; target: string; text: string; until?: string } & InRoom)
  /** A private message to the console, or (without `id`) from it. */
  | { type: 'private'; id?: ConnId; from: string; to: string; text: string }
  /** Room lines said in one go on another node of the cluster (one batch from it). */
  | ({ type: 'remote'; node: string; lines: readonly string[] } & InRoom)
  | { type: 'notice'; text: string }
  | { type: 'error'; text: string; id?: ConnId };

/** Entries for the console's record, as one effect. */
export const log = (...entries: LogEntry[]): Effect => ({ kind: 'log', entries });
