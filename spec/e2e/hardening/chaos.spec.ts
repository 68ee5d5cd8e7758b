import { afterEach, describe, expect, it } from '@jest/globals';
import { connect, type Socket } from 'node:net';
import { joined, rawClient } from '../helpers/client.js';
import { cleanUp, trackSocket } from '../helpers/leftovers.js';
import { describeCycles, runCycles } from '../helpers/cycles.js';
import { fdsSettle, memoryMiB, ms, openFds } from '../helpers/probe.js';
import { startServer } from '../helpers/server.js';
import { within } from '../helpers/within.js';
import { online } from '../helpers/sentences.js';

afterEach(cleanUp);

/** Bounds: the run stops at whichever comes first. */
const CYCLES = Number(process.env.CHAOS_CYCLES ?? 6000);
const MAX_MS = Number(process.env.CHAOS_MS ?? 8000);
const AT_ONCE = 24;

type Cycle = (socket: Socket, welcomed: () => Promise<void>) => Promise<void> | void;

/** Ways to leave at the worst moment; each cycle connects, does one, and waits for the socket to close. */
const CYCLES_BY_KIND: Record<string, Cycle> = {
  'reset mid-line': async (socket, welcomed) => {
    await welcomed();
    socket.write('half of a li');
    socket.resetAndDestroy();
  },
  'reset with unread output': async (socket, welcomed) => {
    await welcomed();
    // Ask for a lot, take the first chunk of it, and reset while the rest is on its way.
    socket.write('/help\n'.repeat(40));
    await new Promise((resolve) => socket.once('data', resolve));
    socket.pause();
    socket.resetAndDestroy();
  },
  'closed mid-line': async (socket, welcomed) => {
    await welcomed();
    socket.end('an unfinished thought');
  },
  'closed mid-character, mid-telnet-command': async (socket, welcomed) => {
    await welcomed();
    socket.end(Buffer.from([0x68, 0x69, 0xe4, 0xbd, 0xff, 0xfd]));
  },
  'closed before saying anything': (socket) => void socket.end(),
  'reset before saying anything': (socket) => void socket.resetAndDestroy(),
};
const KINDS = Object.keys(CYCLES_BY_KIND);

async function cycle(port: number, kind: string): Promise<void> {
  const socket = trackSocket(connect({ host: '127.0.0.1', port }));
  socket.on('error', () => {}); // resets are the point
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  let received = '';
  const welcomed = new Promise<void>((resolve) =>
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.includes('/help lists commands\n')) resolve();
    }),
  );
  await within(new Promise((resolve) => socket.once('connect', resolve)), `a ${kind} connection to connect`);
  await within(
    Promise.resolve(CYCLES_BY_KIND[kind](socket, () => within(welcomed, `the welcome on a ${kind} connection`))),
    `a ${kind} cycle`,
  );
  await within(closed, `a ${kind} connection to close`);
}

describe('chaos', () => {
  it(`connections reset or closed at the worst moments (${CYCLES} at most) leave the same process with its fds and roster as before`, async () => {
    const server = await startServer(['--relay', '--rate', '0']);
    const pid = server.child.pid!;
    const fdsBefore = openFds(pid);
    const rssBefore = memoryMiB(pid);

    // Someone chatting all along, so what the others are sent is never quiet.
    const chatter = await joined(server.port, 'chatter');
    let ticks = 0;
    const run = await runCycles({
      kinds: KINDS,
      count: CYCLES,
      maxMs: MAX_MS,
      atOnce: AT_ONCE,
      cycle: (kind) => cycle(server.port, kind),
      during: () => chatter.send(`tick ${ticks++}\n`),
    });

    chatter.send('/quit\n');
    await within(chatter.closed, 'the chatter to leave');

    // Once the server has let go of every socket, the fds are as before (plus a fresh client's),
    // and the fresh client finds only itself and the console.
    const fresh = await rawClient(server.port, 'fresh');
    await fresh.lines.waitFor(/^\* welcome /);
    const fds = await fdsSettle(pid, fdsBefore + 1);
    fresh.send('/who\n');
    expect(await fresh.lines.waitFor(/^\* online /)).toMatch(online(2, /server, guest-\d+/));
    const rssAfter = memoryMiB(pid);
    console.log(
      `chaos: ${run.total} cycles (${describeCycles(run)}) in ${ms(run.elapsedMs)}, ` +
        `${AT_ONCE} at a time, with ${ticks} lines of chat meanwhile; afterwards ${fds} fds (${fdsBefore} before, plus the fresh client), ` +
        `RSS ${rssBefore.toFixed(1)} -> ${rssAfter.toFixed(1)} MiB`,
    );
    expect(run.total).toBeGreaterThanOrEqual(1000);
    expect(Math.min(...run.done.values())).toBeGreaterThan(0);
    expect(fds).toBe(fdsBefore + 1);
    expect(server.child.exitCode).toBeNull();
    expect(() => process.kill(pid, 0)).not.toThrow(); // the same process, still there
    expect(server.stderr.all).toEqual([
      `tcpchat: listening on 127.0.0.1:${server.port}`,
      'tcpchat: history is kept in memory only: nothing outlives this server (serve --data DIR keeps it)',
    ]);
    fresh.send('still answering?\n');
    await server.stdout.waitFor(/^<guest-\d+> still answering\?$/);
  });
});
