import { parseClientLine, CLIENT_HELP, type ClientCommand } from '../protocol/client-command.js';
import { CONSOLE_HELP, type ConsoleCommand } from '../protocol/console-command.js';
import { sanitize } from '../protocol/sanitize.js';
import { formatError, formatMessage, formatNotice, formatPrivate } from '../protocol/server-line.js';
import type { Effect, LogEntry, RouterEvent } from './events.js';
import { createGate, type GateOptions } from './gate.js';
import { addGuest, createRoster, findByNick, remove, rename, type ConnId, type Member } from './roster.js';

export interface RouterOptions extends GateOptions {
  /** The console's nick. */
  readonly name: string;
  /** Chat-room mode: what a client says reaches every other client too. */
  readonly relay: boolean;
}

export type Router = (event: RouterEvent) => readonly Effect[];

/**
 * Creates the router: a function from each event to the effects it causes, in order.
 * It keeps the roster, so create one per server run (per subscription).
 */
export function createRouter(options: RouterOptions): Router {
  const roster = createRoster([options.name]);
  const gate = createGate(options);
  /** Connections at the door (waiting for the password), with their addresses. */
  const outside = new Map<ConnId, string>();
  let everyone: ConnId[] | undefined;
  let stopped = false;

  const all = (): readonly ConnId[] => (everyone ??= [...roster.byId.keys()]);
  const allBut = (id: ConnId): readonly ConnId[] => all().filter((other) => other !== id);
  const changed = (): void => {
    everyone = undefined;
  };
  /** In relay mode the other clients hear about a client; in console mode only the console does. */
  const peersOf = (id: ConnId): readonly ConnId[] => (options.relay ? allBut(id) : []);

  const send = (to: readonly ConnId[], ...lines: string[]): Effect[] =>
    to.length === 0 ? [] : [{ kind: 'send', to, lines }];
  const log = (...entries: LogEntry[]): Effect => ({ kind: 'log', entries });

  function leave(member: Member, reason: string, notice = `${member.nick} left (${reason})`): Effect[] {
    remove(roster, member.id);
    changed();
    return [...send(peersOf(member.id), formatNotice(notice)), log({ type: 'leave', id: member.id, from: member.nick, reason })];
  }

  function open(id: ConnId, address: string, ip: string): Effect[] {
    const verdict = gate.open(id, ip);
    if (verdict.kind === 'refuse') return refuse(id, address, verdict.reason);
    if (verdict.kind === 'join') return join(id, address);
    outside.set(id, address);
    return send([id], formatNotice('this server needs a password: send /pass SECRET'));
  }

  function refuse(id: ConnId, address: string, reason: string): Effect[] {
    outside.delete(id);
    return [...send([id], formatError(reason)), { kind: 'close', id, reason }, log({ type: 'refused', id, address, reason })];
  }

  /** The first line from a connection at the door must be the password; the rest of its batch follows. */
  function answer(id: ConnId, batch: readonly string[]): Effect[] {
    const address = outside.get(id) ?? '';
    const verdict = gate.answer(id, batch[0]);
    if (verdict.kind !== 'join') return refuse(id, address, verdict.kind === 'refuse' ? verdict.reason : 'authentication failed');
    outside.delete(id);
    return [...join(id, address), ...lines(id, batch.slice(1))];
  }

  function join(id: ConnId, address: string): Effect[] {
    const member = addGuest(roster, id, address);
    changed();
    return [
      ...send([id], formatNotice(`welcome to ${options.name}, you are ${member.nick}; /help lists commands`)),
      ...send(peersOf(id), formatNotice(`${member.nick} joined`)),
      log({ type: 'join', id, from: member.nick, address }),
    ];
  }

  function lines(id: ConnId, batch: readonly string[]): Effect[] {
    if (gate.waiting(id)) return answer(id, batch);
    const effects: Effect[] = [];
    let said: string[] = [];
    const flushSaid = (member: Member): void => {
      if (said.length === 0) return;
      effects.push(...send(peersOf(id), ...said.map((text) => formatMessage(member.nick, text))));
      effects.push(log(...said.map((text): LogEntry => ({ type: 'message', id, from: member.nick, text }))));
      said = [];
    };
    for (const raw of batch) {
      const member = roster.byId.get(id);
      if (!member) break; // it quit earlier in this batch
      const command = parseClientLine(sanitize(raw));
      if (command.kind === 'say') {
        said.push(command.text);
      } else {
        flushSaid(member);
        effects.push(...clientCommand(member, command));
      }
    }
    const member = roster.byId.get(id);
    if (member) flushSaid(member);
    return effects;
  }

  function clientCommand(member: Member, command: Exclude<ClientCommand, { kind: 'say' }>): Effect[] {
    const { id } = member;
    switch (command.kind) {
      case 'ignore':
        return [];
      case 'invalid':
        return send([id], formatError(command.error));
      case 'help':
        return send([id], ...CLIENT_HELP.map(formatNotice));
      case 'pass':
        return send([id], formatNotice(options.password === undefined ? 'this server needs no password' : 'you are already in'));
      case 'who':
        return send([id], formatNotice(whoLine()));
      case 'nick': {
        const result = rename(roster, id, command.name);
        if (!result.ok) return send([id], formatError(result.error));
        if (result.before.nick === result.after.nick) return send([id], formatNotice(`you are ${result.after.nick}`));
        return [
          ...send([id], formatNotice(`you are now ${result.after.nick}`)),
          ...send(peersOf(id), formatNotice(`${result.before.nick} is now ${result.after.nick}`)),
          log({ type: 'nick', id, from: result.before.nick, to: result.after.nick }),
        ];
      }
      case 'me':
        return [
          ...send(peersOf(id), formatNotice(`${member.nick} ${command.text}`)),
          log({ type: 'action', id, from: member.nick, text: command.text }),
        ];
      case 'msg': {
        if (sameNick(command.to, options.name)) {
          return [log({ type: 'private', id, from: member.nick, to: options.name, text: command.text })];
        }
        const target = findByNick(roster, command.to);
        if (!target) return send([id], formatError(`no such nick: ${command.to}`));
        return send([target.id], formatPrivate(member.nick, command.text));
      }
      case 'quit': {
        const reason = command.reason ? `quit: ${command.reason}` : 'quit';
        return [...send([id], formatNotice('bye')), ...leave(member, reason), { kind: 'close', id, reason }];
      }
    }
  }

  function consoleCommand(command: ConsoleCommand): Effect[] {
    switch (command.kind) {
      case 'ignore':
        return [];
      case 'invalid':
        return [log({ type: 'error', text: command.error })];
      case 'help':
        return [log(...CONSOLE_HELP.map((text): LogEntry => ({ type: 'notice', text })))];
      case 'say':
        return send(all(), formatMessage(options.name, command.text));
      case 'who': {
        const members = [...roster.byId.values()];
        const entries = members.map((m): LogEntry => ({ type: 'notice', text: `${m.nick} (${m.address})` }));
        return [log({ type: 'notice', text: `${members.length} connected` }, ...entries)];
      }
      case 'msg': {
        const target = findByNick(roster, command.to);
        if (!target) return [log({ type: 'error', text: `no such nick: ${command.to}` })];
        return send([target.id], formatPrivate(options.name, command.text));
      }
      case 'kick': {
        const target = findByNick(roster, command.name);
        if (!target) return [log({ type: 'error', text: `no such nick: ${command.name}` })];
        const why = command.reason ? `: ${command.reason}` : '';
        const reason = `kicked by ${options.name}${why}`;
        return [
          ...send([target.id], formatNotice(`you were ${reason}`)),
          ...leave(target, reason, `${target.nick} was ${reason}`),
          { kind: 'close', id: target.id, reason },
        ];
      }
      case 'quit':
        return shutdown('shut down from the console');
    }
  }

  function shutdown(reason: string): Effect[] {
    stopped = true;
    const members = [...roster.byId.values()];
    const effects: Effect[] = [...send(all(), formatNotice(`server is going down (${reason})`))];
    for (const member of members) {
      remove(roster, member.id);
      effects.push({ kind: 'close', id: member.id, reason: 'server shutting down' });
    }
    for (const id of outside.keys()) effects.push({ kind: 'close', id, reason: 'server shutting down' });
    outside.clear();
    changed();
    effects.push({ kind: 'stopping' });
    effects.push(log({ type: 'notice', text: `shutting down (${reason}); told ${members.length} ${members.length === 1 ? "client" : "clients"}` }));
    return effects;
  }

  function whoLine(): string {
    const nicks = [options.name, ...[...roster.byId.values()].map((m) => m.nick)];
    return `online (${nicks.length}): ${nicks.join(', ')}`;
  }

  return (event) => {
    if (stopped) return [];
    switch (event.kind) {
      case 'open':
        return open(event.id, event.address, event.ip);
      case 'lines':
        return lines(event.id, event.lines);
      case 'line-too-long': {
        if (gate.waiting(event.id)) return answer(event.id, ['']); // no password is that long
        const member = roster.byId.get(event.id);
        if (!member) return [];
        if (!event.fatal) {
          const text = `line too long (max ${event.maxBytes} bytes)`;
          return [...send([event.id], formatError(text)), log({ type: 'error', id: event.id, text })];
        }
        const reason = `no newline within ${event.maxBytes} bytes`;
        return [...send([event.id], formatError(reason)), ...leave(member, reason), { kind: 'close', id: event.id, reason }];
      }
      case 'closed': {
        gate.closed(event.id);
        outside.delete(event.id);
        const member = roster.byId.get(event.id);
        return member ? leave(member, event.reason) : [];
      }
      case 'idle': {
        const member = roster.byId.get(event.id);
        if (!member) return [];
        const reason = `idle for ${event.seconds} seconds`;
        return [...send([event.id], formatNotice(`disconnected: ${reason}`)), ...leave(member, reason), { kind: 'close', id: event.id, reason }];
      }
      case 'password-deadline': {
        const verdict = gate.expire(event.id);
        return verdict?.kind === 'refuse' ? refuse(event.id, outside.get(event.id) ?? '', verdict.reason) : [];
      }
      case 'console':
        return consoleCommand(event.command);
      case 'shutdown':
        return shutdown(event.reason);
    }
  };
}

function sameNick(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
