import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type Socket } from 'node:net';
import { chatter } from './helpers/chatter.js';
import { ask, joined, type Client } from './helpers/client.js';
import { closeFaultProxies, FaultProxy } from './helpers/fault-proxy.js';
import { cleanUp, trackSocket } from './helpers/leftovers.js';
import { Lines } from './helpers/lines.js';
import { tcpchat, waitForExit, type Running } from './helpers/processes.js';
import { startServer } from './helpers/server.js';
import { within } from './helpers/within.js';

/**
 * The server keeps `/msg` lines for a tcpchat client that lost its link (it is likely coming
 * back), not for one that left on purpose: tcpchat's client says `/quit` when it leaves so.
 */
afterEach(async () => {
  await closeFaultProxies();
  await cleanUp();
});

const KEPT = (nick: string): string => `* ${nick} lost its connection a moment ago; your private line is kept for when it is back`;

/** ada (a plain client) in the room, to watch leaves and to send /msg. */
async function room() {
  const server = await startServer(['--heartbeat', '2s']);
  const ada = await joined(server.port, 'ada');
  return { server, ada };
}

async function leftOnPurpose(ada: Client, client: Running, nick: string): Promise<void> {
  await ada.lines.waitFor(`* ${nick} left (quit)`);
  expect(await waitForExit(client)).toEqual({ code: 0, signal: null });
  expect(await ask(ada, `/msg ${nick} are you there`, new RegExp(`${nick}`))).toBe(`! no such nick: ${nick}`);
}

describe('tcpchat connect leaving on purpose is a quit, not a lost link', () => {
  it('end of piped input, once every line is acknowledged: the room sees it quit and /msg to it is refused', async () => {
    const { server, ada } = await room();
    const ci = tcpchat(['connect', `127.0.0.1:${server.port}`, '--nick', 'ci'], { name: 'ci' });
    ci.write('build finished\n');
    ci.endInput();
    await ada.lines.waitFor('<ci> build finished');
    await leftOnPurpose(ada, ci, 'ci');
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('%s: the room sees it quit and /msg to it is refused', async (signal) => {
    const { server, ada } = await room();
    const dee = await chatter(server.port, 'dee');
    dee.child.kill(signal);
    await leftOnPurpose(ada, dee, 'dee');
  });

  it('a link reset under it is still lost, not quit: /msg to it is kept for its return', async () => {
    const { server, ada } = await room();
    const proxy = await FaultProxy.start(server.port);
    const eve = await chatter(proxy.port, 'eve', ['--no-retry']);
    proxy.reset();
    await ada.lines.waitFor(/^\* eve left \((?!quit)/);
    expect(await ask(ada, '/msg eve are you there', /eve/)).toBe(KEPT('eve'));
    await waitForExit(eve);
  });

  it('Ctrl-C while a tcpchat server has not yet answered its nick: the server is told /quit', async () => {
    const slow = await slowToName();
    const fay = tcpchat(['connect', `127.0.0.1:${slow.port}`, '--nick', 'fay'], { name: 'fay' });
    const heard = await slow.connection;
    await heard.waitFor('/nick fay');
    fay.write('hello\n');
    await fay.stdout.waitFor(/welcome to slow/);
    fay.child.kill('SIGINT');
    await heard.waitFor('/quit');
    expect(await waitForExit(fay)).toEqual({ code: 0, signal: null });
    expect(heard.all).not.toContain('hello');
  });
});

/** A server that welcomes and answers /cap as tcpchat does, and never answers /nick (as a cluster's claim can be slow): what its one connection sent. */
async function slowToName(): Promise<{ port: number; connection: Promise<Lines> }> {
  let heard: (lines: Lines) => void = () => {};
  const connection = within(new Promise<Lines>((resolve) => (heard = resolve)), 'a connection to the slow server');
  const server = createServer((socket: Socket) => {
    server.close();
    trackSocket(socket).on('error', () => {});
    const lines = new Lines(socket, 'the slow server');
    socket.write('* welcome to slow, you are guest-1 in #lobby; /help lists commands\n');
    void lines.waitFor(/^\/cap tcpchat /).then(() => socket.write('@cap=tcpchat;epoch=E;seq=0\n'));
    heard(lines);
  });
  await within(new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined))), 'the slow server');
  return { port: (server.address() as { port: number }).port, connection };
}
