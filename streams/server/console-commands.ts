import { CONSOLE_HELP, type ConsoleCommand } from '../protocol/console-command.js';
import { formatKicked } from '../protocol/farewell.js';
import { formatMessage, formatPrivate } from '../protocol/server-line.js';
import type { Effect, LogEntry } from './events.js';
import type { RouterContext } from './router-context.js';
import { findByNick } from './roster.js';

/** What a line typed at the server's console does. */
export function consoleCommand(context: RouterContext, command: ConsoleCommand): Effect[] {
  const { options, roster, delivery, log } = context;
  switch (command.kind) {
    case 'ignore':
      return [];
    case 'invalid':
      return [log({ type: 'error', text: command.error })];
    case 'help':
      return [log(...CONSOLE_HELP.map((text): LogEntry => ({ type: 'notice', text })))];
    case 'say': {
      // Recorded like a member's lines, with the console as the author, so the record keeps the whole conversation.
      const lines = [formatMessage(options.name, command.text)];
      return [...context.toRoom(undefined, lines), log({ type: 'messages', from: options.name, texts: [command.text], lines })];
    }
    case 'who': {
      const members = [...roster.byId.values()];
      const entries = members.map((m): LogEntry => ({ type: 'notice', text: `${m.nick} (${m.address})` }));
      const elsewhere = [...(context.cluster?.remote.values() ?? [])].map((m): LogEntry => ({ type: 'notice', text: `${m.nick} (node ${m.node})` }));
      const more = context.cluster ? `, ${elsewhere.length} on other nodes` : '';
      return [log({ type: 'notice', text: `${members.length} connected${more}` }, ...entries, ...elsewhere)];
    }
    case 'msg': {
      const target = findByNick(roster, command.to);
      const line = formatPrivate(options.name, command.text);
      const sent = (to: string): Effect => log({ type: 'private', from: options.name, to, text: command.text });
      if (target) return [...delivery.direct([target.id], line), sent(target.nick)];
      const elsewhere = context.cluster?.privately(undefined, command.to, line);
      if (elsewhere) return [...elsewhere, sent(command.to)];
      return [log({ type: 'error', text: `no such nick: ${command.to}` })];
    }
    case 'kick': {
      const target = findByNick(roster, command.name);
      if (!target) return [log({ type: 'error', text: `no such nick: ${command.name}` })];
      const why = command.reason ? `: ${command.reason}` : '';
      const reason = `kicked by ${options.name}${why}`;
      return [
        ...delivery.direct([target.id], formatKicked(reason)),
        ...context.leave(target, reason, `${target.nick} was ${reason}`),
        { kind: 'close', id: target.id, reason },
      ];
    }
    case 'quit':
      return context.shutdown('shut down from the console');
  }
}
