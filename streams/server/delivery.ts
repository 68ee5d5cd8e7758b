import { formatTagged } from '../protocol/tags.js';
import type { Effect } from './events.js';
import { append, createHistory, entriesOf, record, reload as reloadHistory, type HistoryEntry } from './history.js';
import type { ConnId } from './roster.js';

export interface DeliveryOptions {
  /** Names this server run, so a client can tell whether sequence numbers still mean anything. */
  readonly epoch: string;
  readonly historySize: number;
  readonly now: () => number;
}

/**
 * Turns lines for recipients into send effects. Plain connections get the lines as they are;
 * connections that asked for tags get them tagged with the time, and room lines with their
 * sequence number too. Each send carries one batch for many recipients, so it is encoded once.
 */
export function createDelivery(options: DeliveryOptions) {
  const history = createHistory(options.epoch, options.historySize);
  /** Tagged connections, with the session their client named (to resume and to reclaim). */
  const sessions = new Map<ConnId, string>();
  /**
   * The last sequence number before each member joined. Every room line after it reached that
   * connection live (plain, before it asked for tags), so a resume must not replay it again.
   */
  const joinedAfter = new Map<ConnId, number>();
  const time = (ms: number): string => new Date(ms).toISOString();

  function split(to: readonly ConnId[]): { plain: readonly ConnId[]; tagged: ConnId[] } {
    if (sessions.size === 0) return { plain: to, tagged: [] };
    const plain: ConnId[] = [];
    const tagged: ConnId[] = [];
    for (const id of to) (sessions.has(id) ? tagged : plain).push(id);
    return { plain, tagged };
  }

  function sends(to: readonly ConnId[], lines: readonly string[], taggedLines: () => readonly string[]): Effect[] {
    const { plain, tagged } = split(to);
    const effects: Effect[] = [];
    if (plain.length > 0) effects.push({ kind: 'send', to: plain, lines });
    if (tagged.length > 0) effects.push({ kind: 'send', to: tagged, lines: taggedLines() });
    return effects;
  }

  const tagEntry = (entry: HistoryEntry, replay = false): string =>
    formatTagged({ seq: String(entry.seq), time: time(entry.time), ...(replay ? { replay: '' } : {}) }, entry.line);

  return {
    history,

    /** Lines for these connections only: replies, errors, private messages. */
    direct(to: readonly ConnId[], ...lines: string[]): Effect[] {
      if (to.length === 0) return [];
      return sends(to, lines, () => {
        const stamp = time(options.now());
        return lines.map((line) => formatTagged({ time: stamp }, line));
      });
    },

    /** Lines said to the room: numbered into the history, then sent. */
    room(to: readonly ConnId[], lines: readonly string[], author?: ConnId): Effect[] {
      const batch = record(history, lines, options.now(), author === undefined ? undefined : sessions.get(author));
      return to.length === 0 ? [] : sends(to, lines, () => entriesOf(batch).map((entry) => tagEntry(entry)));
    },

    /** Room lines numbered by the cluster: kept, then sent. */
    numbered(to: readonly ConnId[], entries: readonly HistoryEntry[]): Effect[] {
      append(history, entries);
      return to.length === 0 ? [] : sends(to, entries.map((entry) => entry.line), () => entries.map((entry) => tagEntry(entry)));
    },

    /** The cluster's history replaces this server's own. */
    reload(epoch: string, entries: readonly HistoryEntry[]): void {
      reloadHistory(history, epoch, entries);
      // What the members here heard live starts now: the cluster's earlier lines never reached them.
      for (const id of joinedAfter.keys()) joinedAfter.set(id, history.lastSeq);
    },

    /** Earlier room lines for one connection, marked as replayed for a tagged one. */
    replay(id: ConnId, entries: readonly HistoryEntry[]): Effect[] {
      if (entries.length === 0) return [];
      if (sessions.has(id)) return [{ kind: 'send', to: [id], lines: entries.map((entry) => tagEntry(entry, true)) }];
      return [{ kind: 'send', to: [id], lines: entries.map((entry) => entry.line) }];
    },

    /** A line that is all tags (a capability answer, an acknowledgement), for a tagged connection. */
    raw(id: ConnId, line: string): Effect[] {
      return sessions.has(id) ? [{ kind: 'send', to: [id], lines: [line] }] : [];
    },

    /** Call when a connection becomes a member, before its join is announced. */
    joined(id: ConnId): void {
      joinedAfter.set(id, history.lastSeq);
    },
    /** The last room line this member did not hear live (undefined for one that never joined). */
    joinedAfter: (id: ConnId): number | undefined => joinedAfter.get(id),

    tag(id: ConnId, session: string): void {
      sessions.set(id, session);
    },
    sessionOf: (id: ConnId): string | undefined => sessions.get(id),
    /** The other connection that holds `session`, if any: a connection its client has given up on. */
    holderOf(session: string, except: ConnId): ConnId | undefined {
      for (const [id, held] of sessions) if (held === session && id !== except) return id;
      return undefined;
    },
    forget(id: ConnId): void {
      sessions.delete(id);
      joinedAfter.delete(id);
    },
  };
}

export type Delivery = ReturnType<typeof createDelivery>;
