import { parseClientLine, startsLikeChat } from '../protocol/client-command.js';
import { sanitize } from '../protocol/sanitize.js';
import { formatDismissal, formatRefusal } from '../protocol/farewell.js';
import { formatError, formatMessage, formatNotice, PASSWORD_PROMPT } from '../protocol/server-line.js';
import { formatAck, parseTagged } from '../protocol/tags.js';
import { isPing, PING, PONG } from '../protocol/ping.js';
import { idleFor } from '../limits/idle-timeout.js';
import type { ClusterSelf } from '../cluster/bus.js';
import type { AccessList } from '../limits/access.js';
import type { AdmissionLimits } from './admission.js';
import { DEFAULT_ANNOUNCE_MAX } from './announce.js';
import { clientCommand } from './client-commands.js';
import { claimGuest, clusterUp, handleBus, hold, leaveCluster, type Next } from './cluster-link.js';
import { consoleCommand } from './console-commands.js';
import { answerDoor, openDoor, reaccess, rekey } from './door.js';
import { log, type Effect, type RouterEvent } from './events.js';
import { checkHeartbeats, heard } from './heartbeat.js';
import { answer } from './history-commands.js';
import { announce, depart, dismiss, messagesEntry, welcome } from './membership.js';
import {
  createModel,
  forget,
  leave,
  memberOf,
  members,
  rememberId,
  type Connection,
  type ConnId,
  type Restored,
  type ServerModel,
} from './model.js';
import type { ServerMode } from '../protocol/sentences.js';
import { invalidRoomReason, roomName } from './room-name.js';
import { hashed, verified } from './registered-nicks.js';
import { expire, formatMuted, muteOn } from './moderation.js';
import { direct } from './send.js';
import { awayFrom } from './private-lines.js';
import { peerAddress, type PeerAddress } from './peer-address.js';

export interface RouterOptions {
  /** The console's nick. */
  readonly name: string;
  /** Rooms (members hear each other), or console-only (each member talks with the console alone). */
  readonly mode: ServerMode;
  /** The room members arrive in (`#lobby` by default), with or without `#`, in any case (see `roomName`). */
  readonly firstRoom?: string;
  readonly admission: AdmissionLimits;
  /** When set, a connection's first line must be `/pass` with this secret. */
  readonly password?: string;
  /** `--allow`/`--deny`: who may come in at all. */
  readonly access?: AccessList;
  readonly now: () => number;
  /** Names this server run, so a client can tell whether sequence numbers still mean anything. */
  readonly epoch?: string;
  /** Names this process, whose private lines are kept in its memory alone (default: `epoch`). */
  readonly privatesRun?: string;
  readonly historySize?: number;
  /**
   * Joins, leaves and renames are announced while the room has at most this many members; in a
   * larger room they would cost a write to everyone for every arrival (and /who still tells).
   */
  readonly announceMax?: number;
  /** Share the room with the other servers of a cluster, as this node. */
  readonly cluster?: ClusterSelf;
  /** Silence after which a tagged connection is pinged (0: never); see `checkHeartbeats`. */
  readonly heartbeatMs?: number;
  /** `--data`: what earlier runs kept; given, room lines and acknowledged ids are kept too (with `epoch` as kept). */
  readonly restored?: Restored;
  /** `--operator`: registered nicks that moderate once identified. */
  readonly operators?: readonly string[];
}

export type Router = (event: RouterEvent) => readonly Effect[];

/**
 * Creates the router: a function from each event to the effects it causes, in order.
 * It owns the server's model (connections, rooms, history), so create one per server run.
 */
export function createRouter(options: RouterOptions): Router {
  const model = createModel({
    name: options.name,
    mode: options.mode,
    announceMax: options.announceMax ?? DEFAULT_ANNOUNCE_MAX,
    admission: options.admission,
    password: options.password,
    access: options.access,
    epoch: options.epoch ?? '0',
    privatesRun: options.privatesRun,
    historySize: options.historySize ?? 1000,
    firstRoom: firstRoomOf(options.firstRoom),
    cluster: options.cluster,
    restored: options.restored,
    operators: options.operators,
    now: options.now,
  });
  return routerOn(model, options.heartbeatMs ?? 0);
}

/** The router over a model made elsewhere (a test looks into it after each event). */
export function routerOn(model: ServerModel, heartbeatMs = 0): Router {
  return (event) => {
    if (model.stopped) return [];
    switch (event.kind) {
      case 'open':
        return open(model, event.id, event, event.fingerprint);
      case 'lines': {
        const effects = lines(model, event.id, event.lines, event.printable);
        // Watched from the batch that asked for tags on: only tcpchat's client answers pings.
        const conn = memberOf(model, event.id);
        if (conn?.session !== undefined) heard(model.watched, conn, model.now());
        return effects;
      }
      case 'line-too-long':
        return lineTooLong(model, event.id, event.maxBytes, event.fatal);
      case 'closed':
        return closed(model, event.id, event.reason);
      case 'idle': {
        const member = memberOf(model, event.id);
        const reason = idleFor(event.seconds);
        return member ? dismiss(model, member, formatDismissal(reason), reason) : [];
      }
      case 'password-deadline': {
        const conn = model.conns.get(event.id);
        return conn?.phase === 'door' ? refuse(model, conn.id, peerAddress(conn), 'authentication timed out') : [];
      }
      case 'console':
        return event.command.kind === 'quit' ? shutdown(model, 'shut down from the console') : consoleCommand(model, event.command);
      case 'password':
        rekey(model, event.password);
        return [];
      case 'access':
        reaccess(model, event.access);
        return [];
      case 'bus':
        return run(model, handleBus(model, event.event));
      case 'shutdown':
        return shutdown(model, event.reason);
      case 'heartbeat':
        return [...expire(model), ...(heartbeatMs > 0 ? checkHeartbeatsOf(model, heartbeatMs) : [])];
      case 'answer':
        return answer(model, event.id, event.query, event.entries);
      case 'hashed':
        return run(model, hashed(model, event.id, event.nick, event.hash));
      case 'verified':
        return run(model, verified(model, event.id, event.nick, event.ok));
    }
  };
}

/** The first room's name in its one form; one that cannot be a room name is a mistake of the caller's. */
function firstRoomOf(given = '#lobby'): string {
  const name = roomName(given);
  if (name === undefined) throw new Error(invalidRoomReason(given));
  return name;
}

function open(model: ServerModel, id: ConnId, peer: PeerAddress, fingerprint?: string): Effect[] {
  // A number the shell gave already names a connection in the table: a second entry would orphan the first.
  if (model.conns.has(id)) return [log({ type: 'error', id, text: `connection ${id} opened twice; the second was ignored` })];
  const verdict = openDoor(model, id, peer, model.now(), fingerprint);
  if (verdict.kind === 'refuse') return refuse(model, id, peerAddress(peer), verdict.reason);
  if (verdict.kind === 'join') return join(model, verdict.conn);
  return direct(model, [id], formatNotice(PASSWORD_PROMPT));
}

function refuse(model: ServerModel, id: ConnId, address: string, reason: string): Effect[] {
  const conn = model.conns.get(id);
  if (conn) leave(model, conn); // counted in until its close comes
  return [...direct(model, [id], formatRefusal(reason)), { kind: 'close', id, reason }, log({ type: 'refused', id, address, reason })];
}

/** In a cluster the guest nick comes from the cluster; a lone server gives its own. */
function join(model: ServerModel, conn: Connection): Effect[] {
  return clusterUp(model) ? claimGuest(conn) : welcome(model, conn);
}

/**
 * A connection's batch of lines. At the door the first must be the password (the rest of the
 * batch follows it); while a nick claim is in flight they wait; a member's are said or done.
 */
function lines(model: ServerModel, id: ConnId, batch: readonly string[], printable = false): Effect[] {
  const conn = model.conns.get(id);
  if (conn === undefined) return [];
  if (conn.held) return hold(model, conn, batch);
  if (conn.phase === 'member') return said(model, conn, batch, printable);
  if (conn.phase !== 'door') return [];
  const verdict = answerDoor(model, conn, batch[0], model.now());
  if (verdict.kind !== 'join')
    return refuse(model, id, peerAddress(conn), verdict.kind === 'refuse' ? verdict.reason : 'authentication failed');
  return [...join(model, conn), ...lines(model, id, batch.slice(1))];
}

/**
 * A member's batch of lines: plain text is gathered and relayed as one batch; a command first
 * flushes what was gathered. A tagged client's lines carry ids: one already seen is skipped,
 * and the last id of the batch is acknowledged once it has been handled.
 * `printable`: the framer found the whole batch printable ASCII, so no line needs sanitizing.
 */
function said(model: ServerModel, member: Connection, batch: readonly string[], printable: boolean): Effect[] {
  const { id } = member;
  const effects: Effect[] = [];
  let texts: string[] = [];
  let textIds: string[] = [];
  let lastId: string | undefined;
  const newIds: string[] = [];
  const flush = (): void => {
    if (texts.length === 0) return;
    const mute = muteOn(model, member);
    if (mute) {
      effects.push(...direct(model, [id], ...texts.map(() => formatMuted(mute))));
      texts = [];
      textIds = [];
      return;
    }
    const prefix = formatMessage(member.nick, ''); // made once: a batch may be a thousand lines
    const formatted = texts.map((text) => prefix + text);
    effects.push(...announce(model, member.room!, id, formatted, textIds));
    effects.push(log(messagesEntry(model, member, texts, formatted)));
    texts = [];
    textIds = [];
  };
  // Run for every line a busy room hears: no allocation but the line's own, where it can be helped.
  // Only a command can change who is speaking (a nick, a quit, a claim a cluster must answer).
  let tagged = member.session !== undefined;
  for (let index = 0; member.phase === 'member' && index < batch.length; index++) {
    let text = batch[index];
    let lineId: string | undefined;
    if (tagged) {
      const parsed = parseTagged(text);
      ({
        text,
        tags: { id: lineId },
      } = parsed);
      if (isPing(parsed.tags)) effects.push({ kind: 'send', to: [id], lines: [PONG] });
    }
    if (lineId !== undefined) {
      lastId = lineId;
      if (model.seenIds.has(lineId)) continue;
      rememberId(model, lineId);
      if (model.persist) newIds.push(lineId);
    }
    const clean = printable ? text : sanitize(text);
    const command = startsLikeChat(clean) ? undefined : parseClientLine(clean);
    if (command === undefined || command.kind === 'say') {
      texts.push(command?.text ?? clean);
      if (lineId !== undefined) textIds.push(lineId);
      continue;
    }
    flush();
    effects.push(...clientCommand(model, member, command));
    tagged = member.session !== undefined;
    if (member.held) {
      // A nick claim or a secret began: the rest of the batch waits for the answer.
      if (index + 1 < batch.length) effects.push(...hold(model, member, batch.slice(index + 1)));
      break;
    }
  }
  if (member.phase === 'member') flush();
  if (lastId === undefined) return effects;
  // The ack goes before a close (after /quit), or it would be lost and the line sent again; with
  // `--data` the ids it acknowledges are kept first, so a line resent after a crash is done once.
  const ack: Effect[] = [
    ...(newIds.length > 0 ? [{ kind: 'seen', ids: newIds } as const] : []),
    { kind: 'send', to: [id], lines: [formatAck(lastId)] },
  ];
  const close = effects.findIndex((effect) => effect.kind === 'close' && effect.id === id);
  if (close === -1) effects.push(...ack);
  else effects.splice(close, 0, ...ack);
  return effects;
}

/** What the cluster's answers lead to: their effects, and the held lines of connections whose claim was answered. */
function run(model: ServerModel, steps: readonly Next[]): Effect[] {
  return steps.flatMap((step) => (step.kind === 'resume' ? resume(model, step.id) : [step]));
}

/** A claim was answered: what the connection sent meanwhile is handled now, in order, then its close if it came. */
function resume(model: ServerModel, id: ConnId): Effect[] {
  const conn = model.conns.get(id);
  if (!conn) return [];
  const batches = conn.held ?? [];
  conn.held = undefined;
  const effects: Effect[] = [];
  for (const [index, batch] of batches.entries()) {
    if (conn.held) {
      // Another claim began (a /nick among them): the rest waits for that one.
      (conn.held as (readonly string[])[]).push(...batches.slice(index));
      break;
    }
    effects.push(...lines(model, id, batch));
  }
  if (conn.closing !== undefined && !conn.held) effects.push(...closed(model, id, conn.closing));
  return effects;
}

/**
 * The peer has ended its side (or the connection failed). Lines held for a nick claim or a secret
 * were said before it: they are handled first, and their answers written. Then it leaves, and our
 * side is ended too, unless it was told to close already: a peer that only closed its sending side
 * (`nc -N`, a piped client) reads every answer to what it sent, then the end.
 */
function closed(model: ServerModel, id: ConnId, reason: string): Effect[] {
  const conn = model.conns.get(id);
  if (!conn) return [];
  if (conn.held && conn.phase !== 'leaving') {
    conn.closing = reason;
    return [];
  }
  const toldToClose = conn.phase === 'leaving';
  const effects: Effect[] = [];
  if (conn.phase === 'member') {
    effects.push(...depart(model, conn, reason, undefined, awayFrom(model, conn))); // its client may be coming back
  }
  if (!toldToClose) effects.push({ kind: 'close', id, reason });
  forget(model, id);
  return effects;
}

function lineTooLong(model: ServerModel, id: ConnId, maxBytes: number, fatal: boolean): Effect[] {
  const conn = model.conns.get(id);
  if (conn?.phase === 'door') return lines(model, id, ['']); // no password is that long
  if (conn?.phase !== 'member') return [];
  if (!fatal) {
    const text = `line too long (max ${maxBytes} bytes)`;
    return [...direct(model, [id], formatError(text)), log({ type: 'error', id, text })];
  }
  const reason = `no newline within ${maxBytes} bytes`;
  return dismiss(model, conn, formatError(reason), reason);
}

/** A heartbeat tick: ping the connections that have been silent, drop those that never answered. */
function checkHeartbeatsOf(model: ServerModel, intervalMs: number): Effect[] {
  const { ping, dead } = checkHeartbeats(model.watched, intervalMs, model.now());
  const effects: Effect[] = ping.length > 0 ? [{ kind: 'send', to: ping, lines: [PING] }] : [];
  for (const id of dead) {
    const member = memberOf(model, id);
    const reason = 'no answer to pings';
    // Its client is reconnecting, likely.
    effects.push(...(member ? depart(model, member, reason, undefined, awayFrom(model, member)) : []), { kind: 'close', id, reason });
  }
  return effects;
}

function shutdown(model: ServerModel, reason: string): Effect[] {
  model.stopped = true;
  const here = members(model);
  const effects: Effect[] = [
    ...direct(
      model,
      here.map((m) => m.id),
      formatNotice(`server is going down (${reason})`),
    ),
  ];
  const close = (id: ConnId): Effect => ({ kind: 'close', id, reason: 'server shutting down' });
  // Connections still waiting for a nick are not members yet: they are closed here.
  for (const conn of model.conns.values()) if (conn.phase === 'joining') effects.push(close(conn.id));
  effects.push(...leaveCluster(model, here));
  for (const member of here) effects.push(close(member.id));
  for (const conn of model.conns.values()) if (conn.phase === 'door') effects.push(close(conn.id));
  effects.push({ kind: 'stopping' });
  effects.push(log({ type: 'notice', text: `shutting down (${reason}); told ${here.length} ${here.length === 1 ? 'client' : 'clients'}` }));
  return effects;
}
