import { afterEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import { congestionHold } from '../../../src/run/congestion.js';
import { serverConnection, type ServerConnection } from '../../../src/drivers/server-connection.js';
import { Leftovers, socketPair, within } from '../drivers/helpers/loopback.js';

const leftovers = new Leftovers();
afterEach(() => leftovers.cleanUp());

/** Accepted connections as the server makes them, on real loopback sockets. */
async function accepted(id: number) {
  const { ours, peer } = await socketPair(leftovers);
  const connection = serverConnection(id, ours, {
    sendQueueBytes: 1024 * 1024,
    lingerMs: 2000,
    farewell: (reason: string) => new TextEncoder().encode(`! ${reason}\n`),
  });
  // Reading starts, as the server's does; a peer that ends unheard gives an empty chunk.
  const firstChunk = firstValueFrom(connection.data$, { defaultValue: new Uint8Array() });
  return { connection, peer, ours, firstChunk };
}

describe('congestionHold', () => {
  it('stops reading every open connection while congested, and reads them again once it passes', async () => {
    const one = await accepted(1);
    const two = await accepted(2);
    const open = new Map<number, ServerConnection>([
      [1, one.connection],
      [2, two.connection],
    ]);
    const congestion = congestionHold(() => open.values());
    congestion.congested(true);
    expect([one.ours.isPaused(), two.ours.isPaused()]).toEqual([true, true]);
    one.peer.write('held');
    congestion.congested(false);
    expect([one.ours.isPaused(), two.ours.isPaused()]).toEqual([false, false]);
    expect(Buffer.from(await within(one.firstChunk, 'the held bytes')).toString()).toBe('held');
    two.peer.write('free');
    expect(Buffer.from(await within(two.firstChunk, 'the bytes')).toString()).toBe('free');
  });

  it('holds a connection that arrives while congested from the start, and no other', async () => {
    const open = new Map<number, ServerConnection>();
    const congestion = congestionHold(() => open.values());
    const early = await accepted(1);
    congestion.arrived(early.connection);
    expect(early.ours.isPaused()).toBe(false);
    congestion.congested(true);
    const late = await accepted(2);
    congestion.arrived(late.connection);
    open.set(2, late.connection);
    expect(late.ours.isPaused()).toBe(true);
    congestion.congested(false);
    expect(late.ours.isPaused()).toBe(false);
  });

  it('leaves a connection that is paused for its own rate paused when congestion passes', async () => {
    const fast = await accepted(1);
    const congestion = congestionHold(() => [fast.connection]);
    fast.connection.reading(false);
    congestion.congested(true);
    congestion.congested(false);
    expect(fast.ours.isPaused()).toBe(true);
    fast.connection.reading(true);
    expect(fast.ours.isPaused()).toBe(false);
  });
});
