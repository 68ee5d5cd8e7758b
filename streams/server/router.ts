import { parseClientLine, startsLikeChat } from '../protocol/client-command.js';
import { sanitize } from '../protocol/sanitize.js';
import { formatDismissal, formatRefusal } from '../protocol/farewell.js';
import { formatError, formatMessage, formatNotice, PASSWORD_PROMPT } from '../protocol/server-line.js';
import { formatAck, parseTagged } from '../protocol/tags.js';
import { idleFor } from '../limits/idle-timeout.js';
import { DEFAULT_ANNOUNCE_MAX } from './announce.js';
import { clientCommand, renameLocally } from './client-commands.js';
import type { ClusterSelf } from '../cluster/bus.js';
import { createClusterLink } from './cluster-link.js';
import { consoleCommand } from './console-commands.js';
import { createDelivery, type DeliveryOptions } from './delivery.js';
import type { Effect, LogEntry, RouterEvent } from './events.js';
import { createGate, type GateOptions } from './gate.js';
import { createHeartbeat } from './heartbeat.js';
import { isPing, PING, PONG } from '../protocol/ping.js';
import type { RouterContext } from './router-context.js';
import { addGuest, addMember, createRoster, remove, type ConnId, type Member } from './roster.js';

export interface RouterOptions extends GateOptions, Partial<Omit<DeliveryOptions, 'now'>> {
  /** The console's nick. */
  readonly name: string;
  /** Chat-room mode: what a client says reaches every other client too. */
  readonly relay: boolean;
  /**
   * Joins, leaves and renames are announced while the room has at most this many members; in a
   * larger room they would cost a write to everyone for every arrival (and /who still tells).
   */
  readonly announceMax?: number;
  /** Share the room with the other servers of a cluster, as this node. */
  readonly cluster?: ClusterSelf;
  /** Silence after which a tagged connection is pinged (0: never); see `createHeartbeat`. */
  readonly heartbeatMs?: number;
}

export type Router = (event: RouterEvent) => readonly Effect[];


/** How many acknowledged line ids are remembered, so a line resent after a reconnect is shown once. */
const REMEMBERED_IDS = 10_000;

/**
 * Creates the router: a function from each event to the effects it causes, in order.
 * It keeps the roster, the door and the history, so create one per server run (per subscription).
 */
export function createRouter(options: RouterOptions): Router {
  const roster = createRoster([options.name]);
  const gate = createGate(options);
  const now = options.now ?? Date.now;
  const delivery = createDelivery({ epoch: options.epoch ?? '0', historySize: options.historySize ?? 1000, now });
  /** Connections at the door (waiting for the password), with their addresses. */
  const outside = new Map<ConnId, string>();
  const seenIds = new Set<string>();
  const heartbeat = createHeartbeat(options.heartbeatMs ?? 0);
  let everyone: ConnId[] | undefined;
  let stopped = false;

  const all = (): readonly ConnId[] => (everyone ??= [...roster.byId.keys()]);
  const changed = (): void => {
    everyone = undefined;
  };
  const log = (...entries: LogEntry[]): Effect => ({ kind: 'log', entries });
  const toRoom = (from: ConnId | undefined, lines: readonly string[], ids?: readonly string[]): Effect[] =>
    cluster?.up ? cluster.publish(from, lines, ids) : delivery.room(from === undefined ? all() : all().filter((other) => other !== from), lines, from);
  const announce = (from: ConnId, lines: readonly string[], ids?: readonly string[]): Effect[] => (options.relay ? toRoom(from, lines, ids) : []);
  const roomSize = (): number => roster.byId.size + (cluster?.remote.size ?? 0);
  const announceMembership = (from: ConnId, notice: string): Effect[] =>
    roomSize() <= (options.announceMax ?? DEFAULT_ANNOUNCE_MAX) ? announce(from, [formatNotice(notice)]) : [];

  function leave(member: Member, reason: string, notice: string | false = `${member.nick} left (${reason})`): Effect[] {
    remove(roster, member.id);
    changed();
    // Announced before its session is forgotten, so the notice is its own and never replayed to it.
    const announced = notice === false ? [] : announceMembership(member.id, notice);
    delivery.forget(member.id);
    return [...announced, ...(cluster?.left(member) ?? []), log({ type: 'leave', id: member.id, from: member.nick, reason })];
  }

  const context: RouterContext = { options, roster, delivery, now, all, announce, announceMembership, toRoom, changed, leave, log, shutdown };
  const cluster = options.cluster && createClusterLink(context, options.cluster, { welcome, rename: (member, nick, why) => renameLocally(context, member, nick, why), lines, remember: (ids) => ids.forEach(remember), closed });
  context.cluster = cluster;

  function open(id: ConnId, address: string, ip: string): Effect[] {
    const verdict = gate.open(id, ip);
    if (verdict.kind === 'refuse') return refuse(id, address, verdict.reason);
    if (verdict.kind === 'join') return join(id, address);
    outside.set(id, address);
    return delivery.direct([id], formatNotice(PASSWORD_PROMPT));
  }

  function refuse(id: ConnId, address: string, reason: string): Effect[] {
    outside.delete(id);
    return [...delivery.direct([id], formatRefusal(reason)), { kind: 'close', id, reason }, log({ type: 'refused', id, address, reason })];
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
    return cluster?.up ? cluster.join(id, address) : welcome(id, address);
  }

  /** The connection becomes a member, with the nick a cluster gave it or a guest nick. */
  function welcome(id: ConnId, address: string, nick?: string): Effect[] {
    const member = nick === undefined ? addGuest(roster, id, address) : addMember(roster, id, address, nick);
    changed();
    delivery.joined(id); // before its own join notice, which it never hears
    return [
      ...delivery.direct([id], formatNotice(`welcome to ${options.name}, you are ${member.nick}; /help lists commands`)),
      ...announceMembership(id, `${member.nick} joined`),
      log({ type: 'join', id, from: member.nick, address }),
    ];
  }

  /**
   * A member's batch of lines: plain text is gathered and relayed as one batch; a command first
   * flushes what was gathered. A tagged client's lines carry ids: one already seen is skipped,
   * and the last id of the batch is acknowledged once it has been handled. `printable`: the framer
   * found every line printable ASCII, so none is sanitized one by one.
   */
  function lines(id: ConnId, batch: readonly string[], printable = false): Effect[] {
    if (gate.waiting(id)) return answer(id, batch);
    if (cluster?.holds(id)) return cluster.hold(id, batch);
    const effects: Effect[] = [];
    let said: string[] = [];
    let saidIds: string[] = [];
    let lastId: string | undefined;
    const flushSaid = (member: Member): void => {
      if (said.length === 0) return;
      const prefix = formatMessage(member.nick, ''); // made once: a batch may be a thousand lines
      const formatted = said.map((text) => prefix + text);
      effects.push(...announce(id, formatted, saidIds));
      effects.push(log({ type: 'messages', id, from: member.nick, texts: said, lines: formatted }));
      said = [];
      saidIds = [];
    };
    // Run for every line a busy room hears: no allocation but the line's own, where it can be helped.
    // Only a command can change who is speaking (a nick, a quit, a claim a cluster must answer).
    let member = roster.byId.get(id);
    let tagged = delivery.sessionOf(id) !== undefined;
    for (let index = 0; member !== undefined && index < batch.length; index++) {
      let text = batch[index];
      let lineId: string | undefined;
      if (tagged) {
        const parsed = parseTagged(text);
        ({ text, tags: { id: lineId } } = parsed);
        if (isPing(parsed.tags)) effects.push({ kind: 'send', to: [id], lines: [PONG] });
      }
      if (lineId !== undefined) {
        lastId = lineId;
        if (seenIds.has(lineId)) continue;
        remember(lineId);
      }
      const clean = printable ? text : sanitize(text);
      const command = startsLikeChat(clean) ? undefined : parseClientLine(clean);
      if (command === undefined || command.kind === 'say') {
        said.push(command?.text ?? clean);
        if (lineId !== undefined) saidIds.push(lineId);
        continue;
      }
      flushSaid(member);
      effects.push(...clientCommand(context, member, command));
      member = roster.byId.get(id);
      tagged = delivery.sessionOf(id) !== undefined;
      if (cluster?.holds(id)) {
        // A nick claim began: the rest of the batch waits for the cluster's answer.
        if (index + 1 < batch.length) effects.push(...cluster.hold(id, batch.slice(index + 1)));
        break;
      }
    }
    if (member) flushSaid(member);
    if (lastId === undefined) return effects;
    // The ack goes before a close (after /quit), or it would be lost and the line sent again.
    const ack: Effect[] = [{ kind: 'send', to: [id], lines: [formatAck(lastId)] }];
    const close = effects.findIndex((effect) => effect.kind === 'close' && effect.id === id);
    if (close === -1) effects.push(...ack);
    else effects.splice(close, 0, ...ack);
    return effects;
  }

  function remember(lineId: string): void {
    seenIds.add(lineId);
    if (seenIds.size > REMEMBERED_IDS) seenIds.delete(seenIds.values().next().value as string);
  }

  function shutdown(reason: string): Effect[] {
    stopped = true;
    const members = [...roster.byId.values()];
    const effects: Effect[] = [...delivery.direct(all(), formatNotice(`server is going down (${reason})`)), ...(cluster?.stop(members) ?? [])];
    for (const member of members) {
      remove(roster, member.id);
      effects.push({ kind: 'close', id: member.id, reason: 'server shutting down' });
    }
    for (const id of outside.keys()) effects.push({ kind: 'close', id, reason: 'server shutting down' });
    outside.clear();
    changed();
    effects.push({ kind: 'stopping' });
    effects.push(log({ type: 'notice', text: `shutting down (${reason}); told ${members.length} ${members.length === 1 ? 'client' : 'clients'}` }));
    return effects;
  }

  function lineTooLong(id: ConnId, maxBytes: number, fatal: boolean): Effect[] {
    if (gate.waiting(id)) return answer(id, ['']); // no password is that long
    const member = roster.byId.get(id);
    if (!member) return [];
    if (!fatal) {
      const text = `line too long (max ${maxBytes} bytes)`;
      return [...delivery.direct([id], formatError(text)), log({ type: 'error', id, text })];
    }
    const reason = `no newline within ${maxBytes} bytes`;
    return [...delivery.direct([id], formatError(reason)), ...leave(member, reason), { kind: 'close', id, reason }];
  }

  /** A heartbeat tick: ping the connections that have been silent, drop those that never answered. */
  function checkHeartbeats(): Effect[] {
    const { ping, dead } = heartbeat.check(now());
    const effects: Effect[] = ping.length > 0 ? [{ kind: 'send', to: ping, lines: [PING] }] : [];
    for (const id of dead) {
      const member = roster.byId.get(id);
      const reason = 'no answer to pings';
      effects.push(...(member ? leave(member, reason) : []), { kind: 'close', id, reason });
    }
    return effects;
  }

  function idle(id: ConnId, seconds: number): Effect[] {
    const member = roster.byId.get(id);
    if (!member) return [];
    const reason = idleFor(seconds);
    return [...delivery.direct([id], formatDismissal(reason)), ...leave(member, reason), { kind: 'close', id, reason }];
  }

  function closed(id: ConnId, reason: string): Effect[] {
    gate.closed(id);
    heartbeat.forget(id);
    outside.delete(id);
    cluster?.closed(id);
    const member = roster.byId.get(id);
    return member ? leave(member, reason) : [];
  }

  return (event) => {
    if (stopped) return [];
    switch (event.kind) {
      case 'open':
        return open(event.id, event.address, event.ip);
      case 'lines': {
        const effects = lines(event.id, event.lines, event.printable);
        // Watched from the batch that asked for tags on: only tcpchat's client answers pings.
        if (delivery.sessionOf(event.id) !== undefined) heartbeat.heard(event.id, now());
        return effects;
      }
      case 'line-too-long':
        return lineTooLong(event.id, event.maxBytes, event.fatal);
      case 'closed':
        // Lines held for a nick claim were said before the close: they go first, then it leaves.
        if (cluster?.holds(event.id)) return cluster.closeAfterClaim(event.id, event.reason);
        return closed(event.id, event.reason);
      case 'idle':
        return idle(event.id, event.seconds);
      case 'password-deadline': {
        const verdict = gate.expire(event.id);
        return verdict?.kind === 'refuse' ? refuse(event.id, outside.get(event.id) ?? '', verdict.reason) : [];
      }
      case 'console':
        return consoleCommand(context, event.command);
      case 'password':
        gate.rekey(event.password);
        return [];
      case 'access':
        gate.reaccess(event.access);
        return [];
      case 'bus':
        return cluster?.handle(event.event) ?? [];
      case 'shutdown':
        return shutdown(event.reason);
      case 'heartbeat':
        return checkHeartbeats();
    }
  };
}
