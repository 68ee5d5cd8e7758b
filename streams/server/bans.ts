import { firstHolding, parseRule, type AddressBlock } from '../limits/access.js';
import { bannedReason } from '../protocol/farewell.js';
import { invalidNickReason, nickKey } from '../protocol/nick.js';
import { formatError } from '../protocol/server-line.js';
import { formatUntil } from '../protocol/until.js';
import type { Effect } from './events.js';
import type { BanFact } from './facts.js';
import { dismiss } from './membership.js';
import { leave, type Connection, type Room, type ServerModel } from './model.js';
import { direct } from './send.js';

/**
 * Bans, as a door keeps them: by nick (any connection that takes or identifies for it, from any
 * address), or by address or CIDR block (refused at the door). A ban holds until its `until`, by
 * the model's clock; an expired one is ignored, and dropped at the next sweep (`expire`).
 */

/** A ban as the model holds it: its fact, and for an address or block the rule that matches it. */
export interface Ban {
  readonly fact: BanFact;
  /** An address or CIDR ban: the block it keeps out. */
  readonly block?: AddressBlock;
}

export function banOf(fact: BanFact): Ban {
  if (fact.nick !== undefined) return { fact };
  try {
    return { fact, block: parseRule(fact.target, '/ban') };
  } catch {
    return { fact }; // a kept target no longer read as an address names no one
  }
}

/** What `/ban` or `/unban` names: an address or CIDR block as given, or a nick by its key. */
export function banTarget(given: string): { target: string; nick?: string } | { error: string } {
  try {
    parseRule(given, '/ban');
    return { target: given.toLowerCase() };
  } catch {
    const invalid = invalidNickReason(given);
    return invalid ? { error: `${given} is neither a nick, an address nor a CIDR block` } : { target: nickKey(given), nick: given };
  }
}

/** Whether a ban or a mute holds at `now`. */
export const holds = (fact: { readonly until?: number }, now: number): boolean => fact.until === undefined || fact.until > now;

/** The ban that keeps this address out, if one holds. */
export function addressBan(model: ServerModel, ip: string): BanFact | undefined {
  if (model.bans.size === 0) return undefined;
  const now = model.now();
  const live = [...model.bans.values()].filter((ban) => ban.block && holds(ban.fact, now));
  return live[
    firstHolding(
      live.map((ban) => ban.block!),
      ip,
    )
  ]?.fact;
}

/** The ban on this nick, if one holds. */
export function nickBan(model: ServerModel, nick: string): BanFact | undefined {
  const fact = model.bans.get(nickKey(nick))?.fact;
  return fact?.nick !== undefined && holds(fact, model.now()) ? fact : undefined;
}

/** Why `/nick` is refused a banned nick: `nick ada is banned until 2026-12-05 14:00 UTC`. */
export const nickBannedReason = (nick: string, fact: BanFact): string => `nick ${nick} is banned ${formatUntil(fact.until)}`;

/** The sentence a banned connection is sent away with (its close reason too). */
export const banReason = (fact: BanFact): string => bannedReason(fact.reason, fact.until);

/** Whether an address or CIDR ban on `target` (as `banTarget` read it) would cover this address. */
export const blockCovers = (target: string, ip: string): boolean => firstHolding([parseRule(target, '/ban')], ip) === 0;

/** Whether the ban names this connection: its address, or (a member's) its nick. */
function names(ban: Ban, conn: Connection): boolean {
  if (ban.block) return firstHolding([ban.block], conn.ip) === 0;
  return conn.phase === 'member' && nickKey(conn.nick) === ban.fact.target;
}

/**
 * A connection the ban names is told why and closed. A member leaves its room: a nick ban's own
 * announcement names it; one an address ban sends away is named to its room, as a kick is.
 */
export function sendAway(model: ServerModel, conn: Connection, fact: BanFact): Effect[] {
  const reason = banReason(fact);
  if (conn.phase === 'member') {
    const notice = fact.nick === undefined && `${conn.nick} left (sent away by the ban on ${fact.target})`;
    return dismiss(model, conn, formatError(reason), reason, notice);
  }
  leave(model, conn); // counted in until its close comes
  return [...direct(model, [conn.id], formatError(reason)), { kind: 'close', id: conn.id, reason }];
}

/** Every connection here that a new ban names is sent away; `gone`: the rooms its members were in, for the announcement. */
export function turnAway(model: ServerModel, ban: Ban): { effects: Effect[]; gone: Room[] } {
  const effects: Effect[] = [];
  const gone: Room[] = [];
  if (!holds(ban.fact, model.now())) return { effects, gone };
  for (const conn of model.conns.values()) {
    if (conn.phase === 'leaving' || !names(ban, conn)) continue;
    if (conn.room) gone.push(conn.room);
    effects.push(...sendAway(model, conn, ban.fact));
  }
  return { effects, gone };
}
