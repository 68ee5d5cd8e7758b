import { CONSOLE_HELP, type ConsoleCommand } from '../protocol/console-command.js';
import { formatMessage, formatPrivate } from '../protocol/server-line.js';
import { log, type Effect, type LogEntry } from './events.js';
import { inRoom, roomLines } from './membership.js';
import { moderate } from './moderation-commands.js';
import { givenRoom, NO_ROOMS, roomList, topic } from './room-commands.js';
import { forgetIfEmpty, members, type Connection, type ServerModel } from './model.js';
import type { ClusterMember } from '../cluster/bus.js';
import { routePrivate } from './private-route.js';
import { unregisterFromConsole } from './registered-nicks.js';
import { peerAddress } from './peer-address.js';

/** What a line typed at the server's console does (but `/quit`, which the router turns into a shutdown). */
export function consoleCommand(model: ServerModel, command: Exclude<ConsoleCommand, { kind: 'quit' }>): Effect[] {
  switch (command.kind) {
    case 'ignore':
      return [];
    case 'invalid':
      return [log({ type: 'error', text: command.error })];
    case 'help':
      return [log(...CONSOLE_HELP.map((text): LogEntry => ({ type: 'notice', text })))];
    case 'say': {
      // Recorded like a member's lines, with the console as the author, so the record keeps the whole conversation.
      const room = model.consoleRoom;
      const lines = [formatMessage(model.name, command.text)];
      return [
        ...roomLines(model, room, undefined, lines),
        log({ type: 'messages', from: model.name, texts: [command.text], lines, ...inRoom(model, room) }),
      ];
    }
    case 'join':
    case 'rooms':
      return model.mode === 'console-only' ? [log({ type: 'error', text: NO_ROOMS })] : consoleRoomCommand(model, command);
    case 'topic':
      return model.mode === 'console-only' ? [log({ type: 'error', text: NO_ROOMS })] : topic(model, undefined, command.text);
    case 'who': {
      if (command.room !== undefined)
        return model.mode === 'console-only' ? [log({ type: 'error', text: NO_ROOMS })] : consoleRoomCommand(model, command);
      return [whoWithAddresses(model, members(model), [...(model.cluster?.remote.values() ?? [])], 'connected')];
    }
    case 'msg': {
      const route = routePrivate(model, undefined, command.to, formatPrivate(model.name, command.text));
      if ('sent' in route) return [...route.effects, log({ type: 'private', from: model.name, to: route.sent, text: command.text })];
      return 'notice' in route
        ? [...route.effects, log({ type: 'notice', text: route.notice })]
        : [log({ type: 'error', text: route.error })];
    }
    case 'moderate':
      return moderate(model, undefined, command.command);
    case 'unregister':
      return unregisterFromConsole(model, command.name);
  }
}

/** The console's room commands, on a server with rooms. */
function consoleRoomCommand(model: ServerModel, command: Extract<ConsoleCommand, { kind: 'join' | 'rooms' | 'who' }>): Effect[] {
  const notices = (...texts: string[]): Effect => log(...texts.map((text): LogEntry => ({ type: 'notice', text })));
  if (command.kind === 'rooms') return [notices(...roomList(model))];
  const found = givenRoom(model, command.room ?? '', command.kind === 'join');
  if ('error' in found) return [log({ type: 'error', text: found.error })];
  if (command.kind === 'who') {
    const { room } = found;
    const here = [...room.members].map((id) => model.conns.get(id)!);
    const elsewhere = [...(model.cluster?.remote.values() ?? [])].filter((m) => m.room === room.name);
    return [whoWithAddresses(model, here, elsewhere, `in ${room.name}`)];
  }
  const previous = model.consoleRoom;
  model.consoleRoom = found.room;
  forgetIfEmpty(model, previous);
  return [
    { kind: 'console-room', room: found.room.name },
    notices(`you speak in ${found.room.name} now; lines of other rooms show their room first`),
  ];
}

/** The console's `/who`: a count, then each member with its address, and those on other nodes with their node. */
function whoWithAddresses(model: ServerModel, here: readonly Connection[], elsewhere: readonly ClusterMember[], where: string): Effect {
  const more = model.cluster ? `, ${elsewhere.length} on other nodes` : '';
  return log(
    { type: 'notice', text: `${here.length} ${where}${more}` },
    ...here.map((m): LogEntry => ({ type: 'notice', text: `${m.nick} (${peerAddress(m)})` })),
    ...elsewhere.map((m): LogEntry => ({ type: 'notice', text: `${m.nick} (node ${m.node})` })),
  );
}
