import { afterEach, describe, expect, it } from '@jest/globals';
import { chatter } from './helpers/chatter.js';
import { closeFaultProxies, FaultProxy } from './helpers/fault-proxy.js';
import { cleanUp } from './helpers/leftovers.js';
import { tcpchat, waitForExit, type Running } from './helpers/processes.js';
import { startServer } from './helpers/server.js';

afterEach(async () => {
  await closeFaultProxies();
  await cleanUp();
});

const LINES = 400;
const PAD = 'x'.repeat(8000); // 8 KB lines: the socket and the outbox fill in a few dozen
const numbered = (n: number): string => `${n} ${PAD}`;

/** `tcpchat serve --relay` (default --rate) on this exact port. */
async function serveOn(port: number): Promise<Running> {
  const running = tcpchat(
    ['serve', '--relay', '--no-timestamps', '--shutdown-deadline', '1', '--host', '127.0.0.1', '--port', String(port)],
    { name: `server on ${port}` },
  );
  await running.stderr.waitFor(`tcpchat: listening on 127.0.0.1:${port}`);
  return running;
}

/** The numbers of ada's lines a server run showed, in its order. */
const numbersSeen = (server: Running): number[] =>
  server.stdout.all.flatMap((line) => (/^<ada> (\d+) x+$/.exec(line) ? [Number(/^<ada> (\d+)/.exec(line)![1])] : []));

describe('tcpchat connect fed a flood through a pipe, across faults', () => {
  it('goes on reading input after every reconnect: each line arrives once, in order, across resets, SIGTERM and SIGKILL', async () => {
    const first = await startServer(['--relay', '--shutdown-deadline', '1']);
    const port = first.port;
    const proxy = await FaultProxy.start(port);
    const ada = await chatter(proxy.port, 'ada');
    for (let n = 1; n <= LINES; n++) ada.write(`${numbered(n)}\n`); // the pipe pushes back; Node holds the rest

    const runs: Running[] = [first];
    const reachLine = async (server: Running, count: number): Promise<void> => {
      await server.stdout.waitFor((line) => line.startsWith(`<ada> ${count} `), 15_000);
    };
    const total = (): number => new Set(runs.flatMap(numbersSeen)).size;

    // Resets while the client is pushed back by the server's rate limit.
    for (const at of [25, 45, 65]) {
      await reachLine(first, at);
      proxy.reset();
    }
    await reachLine(first, 85);

    first.child.kill('SIGTERM');
    expect((await waitForExit(first)).code).toBe(0);
    const second = await serveOn(port);
    runs.push(second);
    const afterTerm = total();
    await reachLine(second, afterTerm + 20);

    second.child.kill('SIGKILL');
    await waitForExit(second);
    const third = await serveOn(port);
    runs.push(third);
    const afterKill = total();
    await reachLine(third, afterKill + 20);

    // Input flowed again after each fault: the reconnects were said, and nothing was dropped.
    expect(ada.stderr.all.filter((line) => line.startsWith('tcpchat: reconnected to'))).toHaveLength(5);
    expect(ada.stderr.all.filter((line) => line.includes('dropped'))).toEqual([]);

    // Each run showed consecutive numbers; a run carries on where the last one stopped (after a
    // SIGKILL it may show again the few the dead run took but never acknowledged, never skip one).
    let last = 0;
    for (const [index, run] of runs.entries()) {
      const seen = numbersSeen(run);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => seen[0] + i));
      const lostUnacked = index === 2 ? 40 : 0;
      expect(seen[0]).toBeGreaterThanOrEqual(last + 1 - lostUnacked);
      expect(seen[0]).toBeLessThanOrEqual(last + 1);
      last = seen.at(-1)!;
    }
  }, 90_000);
});

describe('tcpchat connect given more than its outbox holds while the server is down', () => {
  it('drops nothing from a pipe: reading waits for the server, and every line arrives once, in order', async () => {
    const first = await startServer(['--relay', '--shutdown-deadline', '1']);
    const ada = await chatter(first.port, 'ada');
    first.child.kill('SIGKILL');
    await ada.stderr.waitFor(/reconnecting in/);
    const count = 5000; // short lines in one write: read in one go, past the outbox's 1,000
    ada.write(Array.from({ length: count }, (_, i) => `${i + 1}\n`).join(''));
    ada.endInput();
    const second = tcpchat(['serve', '--relay', '--no-timestamps', '--rate', '0', '--host', '127.0.0.1', '--port', String(first.port)], {
      name: 'restarted server',
    });
    await second.stdout.waitFor(`<ada> ${count}`, 15_000);

    expect(await waitForExit(ada)).toEqual({ code: 0, signal: null });
    expect(ada.stderr.all.filter((line) => /outbox full|dropped|unsent/.test(line))).toEqual([]);
    const got = second.stdout.all.flatMap((line) => (/^<ada> (\d+)$/.exec(line) ? [Number(line.slice(6))] : []));
    expect(got).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  }, 30_000);
});
