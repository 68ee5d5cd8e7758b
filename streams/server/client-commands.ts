import { CLIENT_HELP, type ClientCommand } from '../protocol/client-command.js';
import { formatError, formatNotice, formatPrivate, formatSent } from '../protocol/server-line.js';
import { formatHistoryEnd, formatHistoryStart, formatRenamed, formatYouAre } from '../protocol/sentences.js';
import { formatTagged } from '../protocol/tags.js';
import type { Effect } from './events.js';
import { latest, linesGone, since } from './history.js';
import type { RouterContext } from './router-context.js';
import { findByNick, holderOf, rename, type Member } from './roster.js';
import { invalidNickReason, nickKey, nickTakenReason, normalizeNick } from '../protocol/nick.js';

/** The capability tcpchat's own client asks for. */
export const TCPCHAT_CAPABILITY = 'tcpchat';

/** What a member's command does (plain messages are batched by the router itself). */
export function clientCommand(context: RouterContext, member: Member, command: Exclude<ClientCommand, { kind: 'say' }>): Effect[] {
  const { options, roster, delivery, log } = context;
  const { id } = member;
  const reply = (...lines: string[]): Effect[] => delivery.direct([id], ...lines);
  switch (command.kind) {
    case 'ignore':
      return [];
    case 'invalid':
      return reply(formatError(command.error));
    case 'help':
      return reply(...CLIENT_HELP.map(formatNotice));
    case 'pass':
      return reply(formatNotice(options.password === undefined ? 'this server needs no password' : 'you are already in'));
    case 'who':
      return reply(formatNotice(whoIsOnline(context)));
    case 'nick': {
      const { cluster } = context;
      const nick = normalizeNick(command.name);
      if (!cluster?.up || nick === member.nick) return renameLocally(context, member, command.name);
      // Checked here first, so only a nick that could be had waits for the cluster.
      const invalid = invalidNickReason(command.name);
      if (invalid) return reply(formatError(invalid));
      const holder = holderOf(roster, nick) ?? cluster.remote.get(nickKey(nick))?.nick;
      if (holder !== undefined && holder !== member.nick) return reply(formatError(nickTakenReason(command.name, holder)));
      return cluster.rename(member, nick);
    }
    case 'me':
      return [...context.announce(id, [formatNotice(`${member.nick} ${command.text}`)]), log({ type: 'action', id, from: member.nick, text: command.text })];
    case 'msg': {
      if (nickKey(command.to) === nickKey(options.name)) {
        return [log({ type: 'private', id, from: member.nick, to: options.name, text: command.text }), ...reply(formatSent(options.name, command.text))];
      }
      const target = findByNick(roster, command.to);
      const line = formatPrivate(member.nick, command.text);
      // The sender is told it went, and to whom, as IRC clients show their own private messages.
      if (target) return [...delivery.direct([target.id], line), ...reply(formatSent(target.nick, command.text))];
      const elsewhere = context.cluster?.privately(id, command.to, line);
      if (elsewhere) return [...elsewhere, ...reply(formatSent(context.cluster?.remote.get(nickKey(command.to))?.nick ?? command.to, command.text))];
      return reply(formatError(`no such nick: ${command.to}`));
    }
    case 'quit': {
      const reason = command.reason ? `quit: ${command.reason}` : 'quit';
      return [...reply(formatNotice('bye')), ...context.leave(member, reason), { kind: 'close', id, reason }];
    }
    case 'history': {
      const entries = latest(delivery.history, command.count);
      if (delivery.sessionOf(id) !== undefined) return delivery.replay(id, entries);
      return [
        ...reply(formatHistoryStart(entries.length)),
        ...delivery.replay(id, entries),
        ...reply(formatHistoryEnd()),
      ];
    }
    case 'cap':
      return capability(context, member, command.name, command.params);
  }
}

/** A member takes a nick this server may give on its own (`why`, when the member did not ask). */
export function renameLocally(context: RouterContext, member: Member, nick: string, why?: string): Effect[] {
  const { id } = member;
  const result = rename(context.roster, id, nick);
  if (!result.ok) return context.delivery.direct([id], formatError(result.error));
  if (result.before.nick === result.after.nick) return context.delivery.direct([id], formatYouAre(result.after.nick));
  context.changed();
  return [
    ...context.delivery.direct([id], formatRenamed(result.after.nick, why)),
    ...context.announceMembership(id, `${result.before.nick} is now ${result.after.nick}`),
    context.log({ type: 'nick', id, from: result.before.nick, to: result.after.nick }),
  ];
}

/** `/who`: everyone here, and in a cluster everyone elsewhere too, each with their node. */
function whoIsOnline(context: RouterContext): string {
  const { options, roster, cluster } = context;
  const here = [options.name, ...[...roster.byId.values()].map((m) => m.nick)];
  if (!cluster) return `online (${here.length}): ${here.join(', ')}`;
  const everyone = [...here.map((nick) => `${nick} (${cluster.self.node})`), ...[...cluster.remote.values()].map((m) => `${m.nick} (${m.node})`)];
  return `online (${everyone.length}): ${everyone.join(', ')}`;
}

/**
 * `/cap tcpchat session=S [resume=EPOCH:SEQ]`: from now on this connection's lines carry tags.
 * Another connection still holding the same session is one its client gave up on: it is closed,
 * so the nick is free to reclaim. With a resume point from this server run, what was missed follows.
 */
function capability(context: RouterContext, member: Member, name: string, params: Readonly<Record<string, string>>): Effect[] {
  const { delivery, roster } = context;
  const { id } = member;
  if (name !== TCPCHAT_CAPABILITY) return delivery.direct([id], formatError(`unknown capability ${name}`));
  const session = params.session || `connection-${id}`;
  const effects: Effect[] = [];
  const stale = delivery.holderOf(session, id);
  const staleMember = stale === undefined ? undefined : roster.byId.get(stale);
  if (staleMember) effects.push(...context.leave(staleMember, 'reconnected'), { kind: 'close', id: staleMember.id, reason: 'reconnected' });
  delivery.tag(id, session);
  const { epoch, lastSeq } = delivery.history;
  // Split at the last colon: an epoch may contain colons (a time does), a sequence number never.
  const colon = (params.resume ?? '').lastIndexOf(':');
  const resumeEpoch = colon === -1 ? params.resume : params.resume.slice(0, colon);
  const resumeSeq = colon === -1 ? '' : params.resume.slice(colon + 1);
  // Room lines after this connection joined already reached it live, untagged, before this /cap:
  // replaying them too would show them twice. Its own lines (same session) it knows already.
  const heardLive = delivery.joinedAfter(id) ?? lastSeq;
  const missed = (after: number) => since(delivery.history, after).filter((entry) => entry.seq <= heardLive && entry.author !== session);
  const sameRun = params.resume !== undefined && resumeEpoch === epoch;
  const after = sameRun ? Number(resumeSeq) || 0 : 0;
  // What this run heard while the client was away (others back sooner said things) is missed
  // all the same after a restart: without it a restart would lose the lines said before everyone was back.
  const replayed = params.resume ? missed(after) : [];
  // `missed=N`: the client holds the live lines it got before this answer until the N older ones are shown.
  const answer = { cap: TCPCHAT_CAPABILITY, epoch, seq: String(lastSeq), ...(params.resume ? { missed: String(replayed.length) } : {}) };
  effects.push(...delivery.raw(id, formatTagged(answer, '')));
  if (params.resume && !sameRun) effects.push(...delivery.direct([id], formatNotice('the server has restarted since; what was said before is gone')));
  const gone = sameRun ? linesGone(delivery.history, after, heardLive) : 0;
  if (gone > 0) effects.push(...delivery.direct([id], formatNotice(`${gone === 1 ? '1 line' : `${gone} lines`} you missed can no longer be replayed (too old for the history)`)));
  effects.push(...delivery.replay(id, replayed));
  return effects;
}
