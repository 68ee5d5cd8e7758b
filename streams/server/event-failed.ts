import { formatError } from '../protocol/server-line.js';
import type { ConnectionEvent } from './merge-connections.js';
import type { Effect } from './events.js';
import type { ServerOutput } from './server-main.js';

/** What the peer of a connection that an internal error ended is told. */
export const INTERNAL_ERROR = 'internal error; this connection is closed';

/**
 * What the server does when handling one event threw (a bug, not bad input): the event is
 * dropped and the failure reported once (`fault`); the connection it came from is told and
 * closed (its `closed` event then lets the room forget it as usual; after a failed `closed` its
 * peer may still be reading, and our side must end all the same); a failed shutdown still stops.
 * Everyone else goes on.
 */
export function eventFailed(event: ConnectionEvent, error: unknown): { fault: ServerOutput; effects: Effect[] } {
  const fault: ServerOutput = { kind: 'fault', error, event: describeEvent(event) };
  if (event.kind === 'shutdown') return { fault, effects: [{ kind: 'stopping' }] };
  if (!('id' in event)) return { fault, effects: [] };
  return {
    fault,
    effects: [
      { kind: 'send', to: [event.id], lines: [formatError(INTERNAL_ERROR)] },
      { kind: 'close', id: event.id, reason: 'internal error' },
    ],
  };
}

function describeEvent(event: ConnectionEvent): string {
  return 'id' in event ? `${event.kind} from connection ${event.id}` : event.kind;
}
