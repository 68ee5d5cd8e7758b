import { afterEach, describe, expect, it } from '@jest/globals';
import type { Socket } from 'node:net';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { connect } from '../../../src/drivers/connect.js';
import { socketData } from '../../../src/drivers/socket-data.js';
import { closedPort, event, Leftovers, plainServer, readUntil, within } from './helpers/loopback.js';

const leftovers = new Leftovers();
afterEach(() => leftovers.cleanUp());

describe('connect', () => {
  it('emits the connected socket once, then completes', async () => {
    const { server, port } = await plainServer(leftovers);
    const accepted = event<[Socket]>(server, 'connection');
    const emitted = await within(lastValueFrom(connect({ host: '127.0.0.1', port }).pipe(toArray())), 'the connection');
    expect(emitted).toHaveLength(1);
    const [socket] = emitted;
    leftovers.socket(socket);
    expect(socket.remotePort).toBe(port);
    expect(socket.pending).toBe(false);

    const [ours] = await accepted;
    leftovers.socket(ours, true);
    socket.write('hello server\n');
    expect(await readUntil(ours, '\n')).toBe('hello server\n');
  });

  it('holds what the server sends first until the new owner reads it', async () => {
    const { server, port } = await plainServer(leftovers);
    const greeted = new Promise<void>((resolve) => server.on('connection', (ours: Socket) => ours.end('* welcome\n', resolve)));
    const socket = leftovers.socket(await within(firstValueFrom(connect({ host: '127.0.0.1', port })), 'the connection'));
    await within(greeted, 'the greeting to be sent'); // it arrives before anyone reads
    const received = await within(lastValueFrom(socketData(socket).pipe(toArray())), 'the greeting and the end');
    expect(Buffer.concat(received).toString()).toBe('* welcome\n');
  });

  it('errors with ECONNREFUSED when nothing listens on the port', async () => {
    const port = await closedPort();
    await expect(within(firstValueFrom(connect({ host: '127.0.0.1', port })), 'the refusal')).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  });

  it('abandons the attempt when unsubscribed before it connects', async () => {
    const { server, port } = await plainServer(leftovers);
    const accepted = event<[Socket]>(server, 'connection');
    connect({ host: '127.0.0.1', port }).subscribe().unsubscribe();
    const kept = leftovers.socket(await within(firstValueFrom(connect({ host: '127.0.0.1', port })), 'the second connection'));
    const [first] = await accepted;
    expect(first.remotePort).toBe(kept.localPort); // the abandoned attempt never reached the server
  });
});
