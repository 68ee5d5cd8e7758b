import { CLIENT_HELP, type ClientCommand } from '../protocol/client-command.js';
import { formatBye } from '../protocol/farewell.js';
import { invalidNickReason, nickKey, nickTakenReason, normalizeNick } from '../protocol/nick.js';
import { formatError, formatNotice, formatPrivate, formatSent } from '../protocol/server-line.js';
import { capability } from './capability.js';
import { claimNick, clusterUp } from './cluster-link.js';
import { log, type Effect } from './events.js';
import { lastLines, linesSince, search } from './history-commands.js';
import { announce, depart, inRoom, renameLocally } from './membership.js';
import { givenRoom, joinRoom, NO_ROOMS, roomList, topic, whoIsIn, whoIsOnline } from './room-commands.js';
import type { Connection, ServerModel } from './model.js';
import { holderOf, mayTake, registeredReason } from './nicks.js';
import { identify, register, unregister } from './registered-nicks.js';
import { nickBan, nickBannedReason } from './bans.js';
import { formatMuted, hearsTheMuted, muteOn } from './moderation.js';
import { moderate } from './moderation-commands.js';
import { routePrivate } from './private-route.js';
import { direct } from './send.js';

/** What a member's command does (plain messages are batched by the router itself). */
export function clientCommand(model: ServerModel, member: Connection, command: Exclude<ClientCommand, { kind: 'say' }>): Effect[] {
  const { id } = member;
  const reply = (...lines: string[]): Effect[] => direct(model, [id], ...lines);
  switch (command.kind) {
    case 'ignore':
      return [];
    case 'invalid':
      return reply(formatError(command.error));
    case 'help':
      return reply(...CLIENT_HELP.map(formatNotice));
    case 'pass':
      return reply(formatNotice(model.password === undefined ? 'this server needs no password' : 'you are already in'));
    case 'who': {
      if (model.mode === 'console-only')
        return reply(...(command.room === undefined ? whoIsOnline(model).map(formatNotice) : [formatError(NO_ROOMS)]));
      const found = command.room === undefined ? { room: member.room! } : givenRoom(model, command.room, false);
      return reply(...('error' in found ? [formatError(found.error)] : whoIsIn(model, found.room).map(formatNotice)));
    }
    case 'join':
    case 'part':
    case 'rooms':
    case 'topic':
      return model.mode === 'console-only' ? reply(formatError(NO_ROOMS)) : roomCommand(model, member, command);
    case 'nick': {
      // Refused to whoever asks for it, who stays: anyone may type a nick (only `/identify` proves it theirs, and is sent away).
      const ban = nickBan(model, command.name);
      if (ban) return reply(formatError(nickBannedReason(command.name, ban)));
      // A mute holds the nick: shedding it would shed the mute.
      const mute = muteOn(model, member);
      if (mute) return reply(formatMuted(mute, 'change your nick'));
      const cluster = clusterUp(model);
      const nick = normalizeNick(command.name);
      if (!cluster || nick === member.nick) return renameLocally(model, member, command.name);
      // Checked here first, so only a nick that could be had waits for the cluster.
      const invalid = invalidNickReason(command.name);
      if (invalid) return reply(formatError(invalid));
      // Held elsewhere by a tagged client's own session (a client that moved, or came back to a node
      // started again): the cluster knows the session and hands the nick over, so it is asked.
      const holder = holderOf(model, nick) ?? (member.session === undefined ? cluster.remote.get(nickKey(nick))?.nick : undefined);
      if (holder !== undefined && holder !== member.nick) return reply(formatError(nickTakenReason(command.name, holder)));
      if (!mayTake(model, member, nick)) return reply(formatError(registeredReason(model, nick)));
      return claimNick(member, nick);
    }
    case 'me': {
      const mute = muteOn(model, member);
      if (mute) return reply(formatMuted(mute));
      return [
        ...announce(model, member.room!, id, [formatNotice(`${member.nick} ${command.text}`)]),
        log({ type: 'action', id, from: member.nick, text: command.text, ...inRoom(model, member.room!) }),
      ];
    }
    case 'msg': {
      if (nickKey(command.to) === model.reservedKey) {
        return [
          log({ type: 'private', id, from: member.nick, to: model.name, text: command.text }),
          ...reply(formatSent(model.name, command.text)),
        ];
      }
      // A mute stops a spammer's lines to each member too; the operators may still be asked why (and the console, above).
      const mute = muteOn(model, member);
      if (mute && !hearsTheMuted(model, command.to)) return reply(formatMuted(mute));
      const route = routePrivate(model, id, command.to, formatPrivate(member.nick, command.text));
      // The sender is told it went, and to whom, as IRC clients show their own private messages.
      if ('sent' in route) return [...route.effects, ...reply(formatSent(route.sent, command.text))];
      return 'notice' in route ? [...route.effects, ...reply(formatNotice(route.notice))] : reply(formatError(route.error));
    }
    case 'quit': {
      // A muted member's reason would be its last line to the room: it leaves without one.
      const reason = command.reason && !muteOn(model, member) ? `quit: ${command.reason}` : 'quit';
      return [...reply(formatBye()), ...depart(model, member, reason), { kind: 'close', id, reason }];
    }
    case 'history':
      return lastLines(model, member, command.count);
    case 'history-since':
      return linesSince(model, member, command.ms);
    case 'search':
      return search(model, member, command.words);
    case 'cap':
      return capability(model, member, command.name, command.params);
    case 'register':
      return register(model, member, command.secret);
    case 'identify':
      return identify(model, member, command.nick, command.secret);
    case 'unregister':
      return unregister(model, member);
    case 'moderate':
      return moderate(model, member, command.command);
  }
}

/** The room commands, on a server with rooms. */
function roomCommand(
  model: ServerModel,
  member: Connection,
  command: Extract<ClientCommand, { kind: 'join' | 'part' | 'rooms' | 'topic' }>,
): Effect[] {
  switch (command.kind) {
    case 'join':
      return joinRoom(model, member, command.room);
    case 'part':
      return joinRoom(model, member, model.firstRoom.name);
    case 'rooms':
      return direct(model, [member.id], ...roomList(model).map(formatNotice));
    case 'topic':
      return topic(model, member, command.text);
  }
}
