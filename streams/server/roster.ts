import { invalidNickReason, nickKey, nickTakenReason, normalizeNick } from '../protocol/nick.js';

/** A connection's number, given by the shell when it accepts the connection. */
export type ConnId = number;

export interface Member {
  readonly id: ConnId;
  readonly nick: string;
  readonly address: string;
}

/**
 * Who is connected, by connection and by nick. Nicks are unique by `nickKey` (no two look alike),
 * the console's name is reserved, and guests are numbered without reuse within one roster.
 * Updated in place (owned by one router) so joins and lookups stay O(1) with 10,000 members.
 */
export interface Roster {
  readonly byId: Map<ConnId, Member>;
  readonly byNick: Map<string, ConnId>;
  /** Nicks no member may take (the console's), by key. */
  readonly reserved: ReadonlyMap<string, string>;
  nextGuest: number;
}

export function createRoster(reservedNicks: readonly string[]): Roster {
  return { byId: new Map(), byNick: new Map(), reserved: new Map(reservedNicks.map((nick) => [nickKey(nick), nick])), nextGuest: 1 };
}

export function addGuest(roster: Roster, id: ConnId, address: string): Member {
  let nick = `guest-${roster.nextGuest++}`;
  while (isTaken(roster, nick)) nick = `guest-${roster.nextGuest++}`;
  const member = { id, nick, address };
  roster.byId.set(id, member);
  roster.byNick.set(nickKey(nick), id);
  return member;
}

/** A member whose nick was given elsewhere (by a cluster); a guest nick if it is taken here after all. */
export function addMember(roster: Roster, id: ConnId, address: string, nick: string): Member {
  if (isTaken(roster, nick)) return addGuest(roster, id, address);
  const member = { id, nick, address };
  roster.byId.set(id, member);
  roster.byNick.set(nickKey(nick), id);
  return member;
}

export type RenameResult = { ok: true; before: Member; after: Member } | { ok: false; error: string };

/** `wanted` as asked for; the member gets its normal form. */
export function rename(roster: Roster, id: ConnId, wanted: string): RenameResult {
  const before = roster.byId.get(id);
  if (!before) return { ok: false, error: 'not connected' };
  const invalid = invalidNickReason(wanted);
  if (invalid) return { ok: false, error: invalid };
  const holder = holderOf(roster, wanted);
  if (holder !== undefined && holder !== before.nick) return { ok: false, error: nickTakenReason(wanted, holder) };
  const nick = normalizeNick(wanted);
  const key = nickKey(nick);
  const after = { ...before, nick };
  roster.byNick.delete(nickKey(before.nick));
  roster.byNick.set(key, id);
  roster.byId.set(id, after);
  return { ok: true, before, after };
}

export function remove(roster: Roster, id: ConnId): Member | undefined {
  const member = roster.byId.get(id);
  if (!member) return undefined;
  roster.byId.delete(id);
  roster.byNick.delete(nickKey(member.nick));
  return member;
}

export function findByNick(roster: Roster, nick: string): Member | undefined {
  const id = roster.byNick.get(nickKey(nick));
  return id === undefined ? undefined : roster.byId.get(id);
}

/** The nick here (a member's or the console's) that `nick` is, or looks like. */
export function holderOf(roster: Roster, nick: string): string | undefined {
  const key = nickKey(nick);
  const id = roster.byNick.get(key);
  return id === undefined ? roster.reserved.get(key) : roster.byId.get(id)?.nick;
}

function isTaken(roster: Roster, nick: string): boolean {
  const key = nickKey(nick);
  return roster.byNick.has(key) || roster.reserved.has(key);
}
