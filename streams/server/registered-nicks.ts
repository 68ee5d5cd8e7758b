import { isGuestNick, nickKey, normalizeNick } from '../protocol/nick.js';
import { formatError, formatNotice } from '../protocol/server-line.js';
import { isLockedOut, recordAuthFailure, recordAuthSuccess } from './admission.js';
import { claimNick, clusterUp, type Next } from './cluster-link.js';
import { log, type Effect } from './events.js';
import { keep } from './facts.js';
import { renameLocally } from './membership.js';
import { memberOf, type Connection, type ConnId, type ServerModel } from './model.js';
import { direct } from './send.js';
import { nickBan, sendAway } from './bans.js';
import { peerAddress } from './peer-address.js';

/**
 * Registered nicks, as IRC's NickServ keeps them: `/register SECRET` binds the member's nick to a
 * secret, and from then on only a connection that gave it (`/identify NICK SECRET`) may take that
 * nick. Over TLS a connection that presented a client certificate binds the nick to it too, or
 * to it alone with a bare `/register`: a connection presenting that certificate takes the nick
 * with no secret (as NickServ's CertFP does). The core never hashes: a secret leaves as a
 * `secret` effect, and the shell's answer comes back as a `hashed` or `verified` event; the
 * member's lines wait meanwhile (as for a cluster's nick claim), so what it sent after the
 * command is done after it, in order.
 * In a cluster a registration is the cluster's (every node holds it, see cluster-facts.ts), and
 * an identified member takes its nick through the cluster, as any nick is taken there.
 */

const LOCKED_OUT = 'too many wrong secrets; try again later';
const NO_CERTIFICATE =
  'usage: /register SECRET (or, with no secret, connect over TLS with a client certificate: tcpchat connect --tls --nick NICK)';

/**
 * `/register [SECRET]`: the member's own nick, not a guest's, not registered yet, to the secret
 * and to the member's client certificate if it presented one; with no secret, to the certificate
 * alone. A bare `/register` by the nick's identified owner moves it to this connection's
 * certificate, keeping its secret (as NickServ's CERT ADD).
 */
export function register(model: ServerModel, member: Connection, secret: string | undefined): Effect[] {
  const refused = (text: string): Effect[] => direct(model, [member.id], formatError(text));
  if (secret === undefined && member.fingerprint === undefined) return refused(NO_CERTIFICATE);
  if (isGuestNick(member.nick)) return refused('a guest nick cannot be registered: take a nick first (/nick NAME)');
  const registration = model.registered.get(nickKey(member.nick));
  if (registration) {
    const moves = secret === undefined && member.identified === nickKey(member.nick) && registration.cert !== member.fingerprint;
    return moves ? bind(model, member, member.nick, registration.hash) : refused(`${member.nick} is registered already`);
  }
  if (secret === undefined) return bind(model, member, member.nick);
  member.held = [];
  return [{ kind: 'secret', id: member.id, nick: member.nick, secret }];
}

/** `/identify NICK SECRET`: checked by the shell, unless this address is locked out for wrong secrets. */
export function identify(model: ServerModel, member: Connection, nick: string, secret: string): Effect[] {
  const refused = (text: string): Effect[] => direct(model, [member.id], formatError(text));
  if (isLockedOut(model.identifyFailures, member.ip, model.now())) return refused(LOCKED_OUT);
  const registration = model.registered.get(nickKey(nick));
  if (registration === undefined) return refused(`${nick} is not registered`);
  const { hash } = registration;
  if (hash === undefined) {
    // No secret takes it, so every guess is a wrong one, counted like the others.
    recordAuthFailure(model.identifyFailures, member.ip, model.now());
    return refused(`${nick} is registered to a client certificate; no secret takes it`);
  }
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
  return [...bind(model, member, nick, hash), { kind: 'resume', id }];
}

/** The nick is the member's from now on: by the secret whose hash is given, by its client certificate if it has one, or both. */
function bind(model: ServerModel, member: Connection, nick: string, hash?: string): Effect[] {
  const key = nickKey(nick);
  const cert = member.fingerprint;
  const registration = { nick, ...(hash === undefined ? {} : { hash }), ...(cert === undefined ? {} : { cert }) };
  model.registered.set(key, registration);
  member.identified = key;
  const lasts = model.persist || model.cluster ? '' : ' for this server run only (serve --data DIR keeps it)';
  const byCert = 'by connecting with this client certificate';
  const back =
    hash === undefined ? `${byCert} (no secret needed)` : `with /identify ${nick} SECRET${cert === undefined ? '' : `, or ${byCert}`}`;
  const how = cert === undefined ? '' : `, client certificate ${cert}`;
  return [
    ...keep(model, { kind: 'registration', key, ...registration }),
    ...direct(model, [member.id], formatNotice(`${nick} is registered to you${lasts}; take it back later ${back}`)),
    log({ type: 'notice', text: `${nick} registered (${peerAddress(member)}${how})` }),
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
  if (nickKey(member.nick) === member.identified) return [...identified, { kind: 'resume', id }];
  // In a cluster the nick is claimed from it; what the member sent meanwhile waits for the answer.
  if (clusterUp(model)) return [...identified, ...claimNick(member, nick)];
  return [...identified, ...renameLocally(model, member, nick), { kind: 'resume', id }];
}

function drop(model: ServerModel, nick: string): Effect[] {
  const key = nickKey(nick);
  model.registered.delete(key);
  return keep(model, { kind: 'registration', key, nick, lifted: true });
}
