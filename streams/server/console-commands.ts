import { CONSOLE_HELP, type ConsoleCommand } from '../protocol/console-command.js';
import { formatKicked } from '../protocol/farewell.js';
import { formatMessage, formatPrivate } from '../protocol/server-line.js';
import { privately } from './cluster-link.js';
import { log, type Effect, type LogEntry } from './events.js';
import { dismiss, roomLines } from './membership.js';
import { members, type ServerModel } from './model.js';
import { findByNick } from './nicks.js';
import { direct } from './send.js';

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
      const lines = [formatMessage(model.name, command.text)];
      return [...roomLines(model, model.firstRoom, undefined, lines), log({ type: 'messages', from: model.name, texts: [command.text], lines })];
    }
    case 'who': {
      const here = members(model);
      const entries = here.map((m): LogEntry => ({ type: 'notice', text: `${m.nick} (${m.address})` }));
      const elsewhere = [...(model.cluster?.remote.values() ?? [])].map((m): LogEntry => ({ type: 'notice', text: `${m.nick} (node ${m.node})` }));
      const more = model.cluster ? `, ${elsewhere.length} on other nodes` : '';
      return [log({ type: 'notice', text: `${here.length} connected${more}` }, ...entries, ...elsewhere)];
    }
    case 'msg': {
      const target = findByNick(model, command.to);
      const line = formatPrivate(model.name, command.text);
      const sent = (to: string): Effect => log({ type: 'private', from: model.name, to, text: command.text });
      if (target) return [...direct(model, [target.id], line), sent(target.nick)];
      const elsewhere = privately(model, undefined, command.to, line);
      if (elsewhere) return [...elsewhere.effects, sent(command.to)];
      return [log({ type: 'error', text: `no such nick: ${command.to}` })];
    }
    case 'kick': {
      const target = findByNick(model, command.name);
      if (!target) return [log({ type: 'error', text: `no such nick: ${command.name}` })];
      const reason = `kicked by ${model.name}${command.reason ? `: ${command.reason}` : ''}`;
      return dismiss(model, target, formatKicked(reason), reason, `${target.nick} was ${reason}`);
    }
  }
}
