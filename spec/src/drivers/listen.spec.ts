import { afterEach, describe, expect, it } from '@jest/globals';
import { connect, type Socket } from 'node:net';
import { filter, firstValueFrom, map, ReplaySubject, take, toArray, type Subscription } from 'rxjs';
import { listen, type ListenEvent } from '../../../src/drivers/listen.js';
import { connectTo, event, Leftovers, readToEnd, readUntil, within } from './helpers/loopback.js';

const leftovers = new Leftovers();
const subscriptions: Subscription[] = [];

afterEach(async () => {
  subscriptions.splice(0).forEach((subscription) => subscription.unsubscribe());
  await leftovers.cleanUp();
});

/** Subscribes (kept until afterEach) and replays every event, so a test can wait for any of them. */
function listening(): { events: ReplaySubject<ListenEvent>; subscription: Subscription; port: Promise<number> } {
  const events = new ReplaySubject<ListenEvent>();
  const subscription = listen({ host: '127.0.0.1', port: 0 }).subscribe(events);
  subscriptions.push(subscription);
  const port = within(
    firstValueFrom(
      events.pipe(
        filter((e) => e.type === 'listening'),
        map((e) => e.port),
      ),
    ),
    'the listening event',
  );
  return { events, subscription, port };
}

function accepted(events: ReplaySubject<ListenEvent>, count: number): Promise<Socket[]> {
  return within(
    firstValueFrom(
      events.pipe(
        filter((e): e is Extract<ListenEvent, { type: 'connection' }> => e.type === 'connection'),
        map((e) => leftovers.socket(e.socket)),
        take(count),
        toArray(),
      ),
    ),
    `${count} accepted connection(s)`,
  );
}

describe('listen', () => {
  it('emits listening with the host and the real port when bound to port 0', async () => {
    const { events, port } = listening();
    const first = await within(firstValueFrom(events), 'the first event');
    expect(first).toEqual({ type: 'listening', host: '127.0.0.1', port: await port });
    expect(await port).toBeGreaterThan(0);
  });

  it('emits each accepted connection with its socket', async () => {
    const { events, port } = listening();
    const clients = [await connectTo(leftovers, await port), await connectTo(leftovers, await port)];
    const sockets = await accepted(events, 2);
    expect(sockets.map((socket) => socket.remotePort).sort()).toEqual(clients.map((client) => client.localPort).sort());
  });

  it('stops accepting when unsubscribed: a new connect is refused, accepted sockets stay open', async () => {
    const { events, subscription, port } = listening();
    const client = await connectTo(leftovers, await port);
    const [ours] = await accepted(events, 1);

    subscription.unsubscribe();

    const refused = leftovers.socket(connect({ host: '127.0.0.1', port: await port }));
    const [error] = await event<[NodeJS.ErrnoException]>(refused, 'error');
    expect(error.code).toBe('ECONNREFUSED');

    ours.write('still open\n');
    await readUntil(client, 'still open\n');
    client.write('both ways\n');
    await readUntil(ours, 'both ways\n');
    expect(ours.destroyed).toBe(false);
  });

  it('keeps our side of an accepted socket open after the peer ends its own: what we write later still reaches it', async () => {
    const { events, port } = listening();
    const client = await connectTo(leftovers, await port);
    const [ours] = await accepted(events, 1);
    const all = readToEnd(client);
    ours.resume();
    client.end('last line\n');
    await event(ours, 'end');
    expect(ours.writable).toBe(true);
    ours.end('answered after its end\n');
    expect((await all).toString()).toBe('answered after its end\n');
  });

  it('errors with EADDRINUSE when the port is taken', async () => {
    const { port } = listening();
    const second = listen({ host: '127.0.0.1', port: await port });
    await expect(within(firstValueFrom(second), 'the bind error')).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
