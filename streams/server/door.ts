import { admits, type AccessList } from '../limits/access.js';
import { constantTimeEqual } from '../limits/constant-time-equal.js';
import { splitCommand } from '../protocol/command-words.js';
import { addressBan, banReason } from './bans.js';
import { admit, recordAuthFailure, recordAuthSuccess } from './admission.js';
import { addConnection, type Connection, type ConnId, type ServerModel } from './model.js';
import type { PeerAddress } from './peer-address.js';

export type Verdict =
  | { readonly kind: 'join'; readonly conn: Connection }
  | { readonly kind: 'wait-for-password' }
  | { readonly kind: 'refuse'; readonly reason: string };

/**
 * The door before the room: connection caps, and the password when there is one. A connection
 * that has not given the password is never a member, so it can neither read nor send chat.
 */
export function openDoor(model: ServerModel, id: ConnId, peer: PeerAddress, now: number, fingerprint?: string): Verdict {
  const { ip } = peer;
  // Before the caps: a peer kept out never takes a place among them.
  if (model.access && !admits(model.access, ip)) return { kind: 'refuse', reason: 'access denied' };
  const ban = addressBan(model, ip);
  if (ban) return { kind: 'refuse', reason: banReason(ban) };
  const entry = admit(model.admission, ip, now);
  if (!entry.ok) return { kind: 'refuse', reason: entry.reason };
  const conn = addConnection(model, id, peer, model.password === undefined ? 'joining' : 'door', fingerprint);
  return model.password === undefined ? { kind: 'join', conn } : { kind: 'wait-for-password' };
}

/** The first line of a connection at the door (`conn.phase === 'door'`). */
export function answerDoor(model: ServerModel, conn: Connection, line: string | undefined, now: number): Verdict {
  const { name, rest } = line?.startsWith('/') ? splitCommand(line) : { name: '', rest: '' };
  if (model.password !== undefined && name === 'pass' && constantTimeEqual(rest, model.password)) {
    recordAuthSuccess(model.admission, conn.ip);
    conn.phase = 'joining';
    return { kind: 'join', conn };
  }
  recordAuthFailure(model.admission, conn.ip, now);
  return { kind: 'refuse', reason: 'authentication failed' };
}

/** A new password, for answers from now on (a server without one keeps having none). */
export function rekey(model: ServerModel, password: string): void {
  if (model.password !== undefined) model.password = password;
}

/** A reloaded access list, for connections from now on (those in stay). */
export function reaccess(model: ServerModel, access: AccessList): void {
  model.access = access;
}
