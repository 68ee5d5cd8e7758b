import { afterEach, describe, expect, it } from '@jest/globals';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { closeFaultProxies, FaultProxy } from './helpers/fault-proxy.js';
import { cleanUp, trackSocket } from './helpers/leftovers.js';
import { within } from './helpers/within.js';

/** An echo server on 127.0.0.1 that counts what it received. */
async function echo(): Promise<{ server: Server; port: number; received: () => number }> {
  let received = 0;
  const server = createServer((socket) => {
    trackSocket(socket).on('error', () => {});
    socket.on('data', (chunk) => {
      received += chunk.length;
      socket.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, received: () => received };
}

let servers: Server[] = [];
afterEach(async () => {
  await closeFaultProxies();
  await cleanUp();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  servers = [];
});

async function throughProxy(): Promise<{ proxy: FaultProxy; socket: Socket; received: () => number; echoed: () => string }> {
  const target = await echo();
  servers.push(target.server);
  const proxy = await FaultProxy.start(target.port);
  const socket = trackSocket(connect({ host: '127.0.0.1', port: proxy.port }));
  socket.on('error', () => {});
  let echoed = '';
  socket.on('data', (chunk) => (echoed += chunk.toString()));
  await within(new Promise((resolve) => socket.once('connect', resolve)), 'the connection through the proxy');
  socket.write('one\n');
  await within(
    waitUntil(() => echoed === 'one\n'),
    'the first echo',
  );
  return { proxy, socket, received: target.received, echoed: () => echoed };
}

async function waitUntil(test: () => boolean): Promise<void> {
  while (!test()) await new Promise((resolve) => setImmediate(resolve));
}

describe('the fault proxy', () => {
  it('reset: the peer sees ECONNRESET', async () => {
    const { proxy, socket } = await throughProxy();
    const error = new Promise<NodeJS.ErrnoException>((resolve) => socket.once('error', resolve));
    proxy.reset();
    expect((await within(error, 'a reset')).code).toBe('ECONNRESET');
  });

  it('fin: the peer sees an orderly end', async () => {
    const { proxy, socket } = await throughProxy();
    const ended = new Promise((resolve) => socket.once('end', resolve));
    proxy.fin();
    await within(ended, 'the end');
  });

  it('black hole: bytes vanish and nothing closes; heal forwards again what is sent afterwards', async () => {
    const { proxy, socket, received, echoed } = await throughProxy();
    proxy.blackHole();
    socket.write('lost\n');
    const start = received();
    await within(
      waitUntil(() => proxy.dropped === 'lost\n'.length),
      'the proxy to drop the bytes',
    );
    expect(received()).toBe(start);
    expect(socket.destroyed).toBe(false);
    proxy.heal();
    socket.write('two\n');
    await within(
      waitUntil(() => echoed() === 'one\ntwo\n'),
      'the echo after healing',
    );
  });

  it('reroute: the links open then, and those waiting in a black hole, stay dead; new connections pass', async () => {
    const { proxy, socket, received, echoed } = await throughProxy();
    proxy.blackHole();
    const waiting = trackSocket(connect({ host: '127.0.0.1', port: proxy.port }));
    waiting.on('error', () => {});
    let waitingEchoed = '';
    waiting.on('data', (chunk) => (waitingEchoed += chunk.toString()));
    await within(proxy.accepted(2), 'the second connection to be accepted');
    proxy.reroute();
    socket.write('old\n');
    waiting.write('waiting\n');
    await within(
      waitUntil(() => proxy.dropped === 'old\nwaiting\n'.length),
      'the proxy to drop the bytes of the old links',
    );
    const fresh = trackSocket(connect({ host: '127.0.0.1', port: proxy.port }));
    fresh.on('error', () => {});
    let freshEchoed = '';
    fresh.on('data', (chunk) => (freshEchoed += chunk.toString()));
    fresh.write('new\n');
    await within(
      waitUntil(() => freshEchoed === 'new\n'),
      'the echo on a new connection',
    );
    expect([echoed(), waitingEchoed, received()]).toEqual(['one\n', '', 'one\nnew\n'.length]);
    expect([socket.destroyed, waiting.destroyed]).toEqual([false, false]);
  });

  it('stall: what was written while stalled is forwarded at heal, in order', async () => {
    const { proxy, socket, echoed } = await throughProxy();
    proxy.stall();
    socket.write('held\n');
    proxy.heal();
    await within(
      waitUntil(() => echoed() === 'one\nheld\n'),
      'the held bytes',
    );
  });
});
