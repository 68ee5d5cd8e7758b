/** What can be held: a connection whose reading stops while the whole server waits. */
export interface Holdable {
  hold(on: boolean): void;
}

export interface CongestionHold {
  /** The cluster says Redis fell behind (true) or caught up (false). */
  congested(on: boolean): void;
  /** A connection has just been accepted: while congested it is held from the start. */
  arrived(connection: Holdable): void;
}

/**
 * While Redis falls behind this node's room lines, no client is read: TCP makes them wait,
 * rather than memory grow. `connections` are those open now, asked each time congestion comes or goes.
 */
export function congestionHold(connections: () => Iterable<Holdable>): CongestionHold {
  let held = false;
  return {
    congested(on) {
      if (on === held) return;
      held = on;
      for (const connection of connections()) connection.hold(on);
    },
    arrived(connection) {
      if (held) connection.hold(true);
    },
  };
}
