import { invalidNickReason, nickKey, nickTakenReason, normalizeNick } from '../protocol/nick.js';
import { memberKey, type Connection, type ServerModel } from './model.js';

/**
 * Nicks here: unique by `nickKey` (no two look alike), the console's name reserved, guests
 * numbered without reuse within one server run.
 */

/** The next guest nick no one here holds. */
export function guestNick(model: ServerModel): string {
  let nick = `guest-${model.nextGuest++}`;
  while (isTaken(model, nick)) nick = `guest-${model.nextGuest++}`;
  return nick;
}

/** A nick given elsewhere (by a cluster), or a guest nick if it is taken here after all. */
export function nickOrGuest(model: ServerModel, nick: string | undefined): string {
  return nick === undefined || isTaken(model, nick) ? guestNick(model) : nick;
}

export type RenameResult = { ok: true; before: string; after: string } | { ok: false; error: string };

/** The member takes `wanted` (as asked for; it gets its normal form) if it is free here. */
export function rename(model: ServerModel, member: Connection, wanted: string): RenameResult {
  const invalid = invalidNickReason(wanted);
  if (invalid) return { ok: false, error: invalid };
  const holder = holderOf(model, wanted);
  if (holder !== undefined && holder !== member.nick) return { ok: false, error: nickTakenReason(wanted, holder) };
  const before = member.nick;
  const after = normalizeNick(wanted);
  if (!mayTake(model, member, after)) return { ok: false, error: registeredReason(model, after) };
  model.nicks.delete(memberKey(before));
  model.nicks.set(memberKey(after), member.id);
  member.nick = after;
  if (member.room) member.room.recipients = undefined;
  return { ok: true, before, after };
}

export function findByNick(model: ServerModel, nick: string): Connection | undefined {
  const id = model.nicks.get(memberKey(nick));
  return id === undefined ? undefined : model.conns.get(id);
}

/** The nick here (a member's or the console's) that `nick` is, or looks like. */
export function holderOf(model: ServerModel, nick: string): string | undefined {
  const key = nickKey(nick);
  if (key === model.reservedKey) return model.name;
  const id = model.nicks.get(memberKey(nick, key));
  return id === undefined ? undefined : model.conns.get(id)?.nick;
}

function isTaken(model: ServerModel, nick: string): boolean {
  const key = nickKey(nick);
  return key === model.reservedKey || model.nicks.has(memberKey(nick, key));
}

/**
 * A registered nick is taken only by a connection that proved it its own: by its secret, or by
 * presenting the client certificate the nick is registered to (which marks it identified, as the
 * last check before the nick is taken). Any other nick by anyone.
 */
export function mayTake(model: ServerModel, conn: Connection, nick: string): boolean {
  const key = nickKey(nick);
  const registration = model.registered.get(key);
  if (registration === undefined || conn.identified === key) return true;
  if (registration.cert === undefined || registration.cert !== conn.fingerprint) return false;
  conn.identified = key;
  return true;
}

export function registeredReason(model: ServerModel, nick: string): string {
  return model.registered.get(nickKey(nick))?.hash === undefined
    ? `${nick} is registered to a client certificate: only a connection that presents it takes ${nick}`
    : `${nick} is registered: /identify ${nick} SECRET first`;
}
