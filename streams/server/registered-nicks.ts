import { isGuestNick, nickKey, normalizeNick } from '../protocol/nick.js';
import { formatError, formatNotice } from '../protocol/server-line.js';
import { isLockedOut, recordAuthFailure, recordAuthSuccess } from './admission.js';
import type { Next } from './cluster-link.js';
import { log, type Effect } from './events.js';
import { keep } from './facts.js';
import { renameLocally } from './membership.js';
import { memberOf, type Connection, type ConnId, type ServerModel } from './model.js';
import { direct } from './send.js';
import { nickBan, sendAway } from './bans.js';

/**
 * Registered nicks, as IRC's NickServ keeps them: `/register SECRET` binds the member's nick to a
 * secret, and from then on only a connection that gave it (`/identify NICK SECRET`) may take that
 * nick. The core never hashes: a secret leaves as a `secret` effect, and the shell's answer comes
 * back as a `hashed` or `verified` event; the member's lines wait meanwhile (as for a cluster's
 * nick claim), so what it sent after the command is done after it, in order.
 */

export const NOT_IN_CLUSTER = 'registered nicks are not available in a cluster yet';
const LOCKED_OUT = 'too many wrong secrets; try again later';

/** `/register SECRET`: the member's own nick, not a guest's, not registered yet. */
export function register(model: ServerModel, member: Connection, secret: string): Effect[] {
  const refused = (text: string): Effect[] => direct(model, [member.id], formatError(text));
  if (model.cluster) return refused(NOT_IN_CLUSTER);
  if (isGuestNick(member.nick)) return refused('a guest nick cannot be registered: take a nick first (/nick NAME)');
  if (model.registered.has(nickKey(member.nick))) return refused(`${member.nick} is registered already`);
  member.held = [];
  return [{ kind: 'secret', id: member.id, nick: member.nick, secret }];
}

/** `/identify NICK SECRET`: checked by the shell, unless this address is locked out for wrong secrets. */
export function identify(model: ServerModel, member: Connection, nick: string, secret: string): Effect[] {
  const refused = (text: string): Effect[] => direct(model, [member.id], formatError(text));
  if (model.cluster) return refused(NOT_IN_CLUSTER);
  if (isLockedOut(model.identifyFailures, member.ip, model.now())) return refused(LOCKED_OUT);
  const hash = model.registered.get(nickKey(nick))?.hash;
  if (hash === undefined) return refused(`${nick} is not registered`);
  member.held = [];
  return [{ kind: 'secret', id: member.id, nick: normalizeNick(nick), secret, against: hash }];
}

/** `/unregister`: by the member that holds the nick and gave its secret. */
export function unregister(model: ServerModel, member: Connection): Effect[] {
  const key = nickKey(member.nick);
  if (!model.registered.has(key)) return direct(model, [member.id], formatError(`${member.nick} is not registered`));
  if (member.identified !== key) return direct(model, [member.id], formatError(`/identify ${member.nick} SECRET first`));
  return [...drop(model, member.nick), ...direct(model, [member.id], formatNotice(`${member.nick} is no longer registered`))];
}

/** The console's `/unregister NICK`. */
export function unregisterFromConsole(model: ServerModel, nick: string): Effect[] {
  if (!model.registered.has(nickKey(nick))) return [log({ type: 'error', text: `${nick} is not registered` })];
  return [...drop(model, nick), log({ type: 'notice', text: `${nick} is no longer registered` })];
}

/** The shell hashed a `/register`'s secret: the nick is the member's from now on. */
export function hashed(model: ServerModel, id: ConnId, nick: string, hash: string): Next[] {
  const member = memberOf(model, id);
  const key = nickKey(nick);
  if (!member || nickKey(member.nick) !== key || model.registered.has(key)) return [{ kind: 'resume', id }];
  model.registered.set(key, { nick, hash });
  member.identified = key;
  const lasts = model.persist ? '' : ' for this server run only (serve --data DIR keeps it)';
  return [
    ...keep(model, { kind: 'registration', key, nick, hash }),
    ...direct(model, [id], formatNotice(`${nick} is registered to you${lasts}; take it back later with /identify ${nick} SECRET`)),
    log({ type: 'notice', text: `${nick} registered (${member.address})` }),
    { kind: 'resume', id },
  ];
}

/** The shell checked an `/identify`: right, the member may take the nick (and takes it now); wrong, it is counted against its address. */
export function verified(model: ServerModel, id: ConnId, nick: string, ok: boolean): Next[] {
  const member = memberOf(model, id);
  if (!member) return [{ kind: 'resume', id }];
  const failures = model.identifyFailures;
  if (!ok) {
    recordAuthFailure(failures, member.ip, model.now());
    const text = isLockedOut(failures, member.ip, model.now()) ? LOCKED_OUT : `wrong secret for ${nick}`;
    return [
      ...direct(model, [id], formatError(text)),
      log({ type: 'error', id, text: `wrong secret for ${nick}` }),
      { kind: 'resume', id },
    ];
  }
  recordAuthSuccess(failures, member.ip);
  const ban = nickBan(model, nick);
  if (ban) return [...sendAway(model, member, ban), { kind: 'resume', id }];
  member.identified = nickKey(nick);
  const identified = direct(model, [id], formatNotice(`you are identified as ${nick}`));
  const taken = nickKey(member.nick) === member.identified ? [] : renameLocally(model, member, nick);
  return [...identified, ...taken, { kind: 'resume', id }];
}

function drop(model: ServerModel, nick: string): Effect[] {
  const key = nickKey(nick);
  model.registered.delete(key);
  return keep(model, { kind: 'registration', key, nick, lifted: true });
}
