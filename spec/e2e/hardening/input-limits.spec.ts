import { afterEach, describe, expect, it } from '@jest/globals';
import { joined, rawClient, type Client } from '../helpers/client.js';
import { cleanUp } from '../helpers/leftovers.js';
import { bystanders, fdsSettle, memoryMiB, MiB, ms, openFds, resetPeakMemory } from '../helpers/probe.js';
import { startServer } from '../helpers/server.js';
import { within } from '../helpers/within.js';
import { WELCOME } from '../helpers/sentences.js';

afterEach(cleanUp);

/** A raw client that has been welcomed (and is otherwise left as it is). */
async function welcomed(port: number, name: string): Promise<Client> {
  const client = await rawClient(port, name);
  await client.lines.waitFor(WELCOME);
  return client;
}

describe('what a client sends', () => {
  it('10 MiB without a newline: the sender is told why and gets EOF at once, is read no more and cut at the linger; memory stays flat; others chat on', async () => {
    const server = await startServer(['--relay', '--rate', '0']);
    const pid = server.child.pid!;
    const ada = await joined(server.port, 'ada');
    const bob = await joined(server.port, 'bob');
    const fdsBefore = openFds(pid);
    const flooder = await welcomed(server.port, 'flooder');
    const before = memoryMiB(pid);
    resetPeakMemory(pid);

    const started = performance.now();
    flooder.socket.write(Buffer.alloc(10 * MiB, 'x'));
    const chat = bystanders([ada, 'ada'], [bob, 'bob'], flooder.closed, { minRounds: 5 });
    expect(await flooder.lines.waitFor(/^! /)).toBe('! no newline within 65536 bytes');
    const toldMs = performance.now() - started;
    await within(flooder.ended, 'EOF on the flooder'); // while it is still busy writing
    const endedMs = performance.now() - started;
    const grewMiB = memoryMiB(pid) - before;
    const peakMiB = memoryMiB(pid, 'VmHWM') - before;
    // The server reads no more of it: its write never ends, so it stays until the 5 s linger cuts it.
    await within(flooder.closed, 'the flooder to be cut at the linger', 8000);
    const closedMs = performance.now() - started;
    const fds = await fdsSettle(pid, fdsBefore);
    const { rounds, maxMs, medianMs } = await chat;

    console.log(
      `10 MiB without a newline: told after ${ms(toldMs)}, EOF after ${ms(endedMs)}, cut at the linger after ${ms(closedMs)}; ` +
        `server RSS ${before.toFixed(1)} MiB, +${grewMiB.toFixed(1)} MiB after, peak +${peakMiB.toFixed(1)} MiB; ` +
        `bystanders: ${rounds} round trips, median ${ms(medianMs)}, max ${ms(maxMs)}`,
    );
    // Besides the notices of its arrival (the welcome; in a room, the room and its last lines), one error.
    expect(flooder.lines.all.filter((line) => !line.startsWith('* '))).toEqual(['! no newline within 65536 bytes']);
    expect(endedMs).toBeLessThan(1000);
    expect(closedMs).toBeLessThan(6000);
    expect(peakMiB).toBeLessThan(4);
    expect(maxMs).toBeLessThan(1000);
    expect(fds).toBe(fdsBefore);
    await server.stdout.waitFor(/^\* guest-\d+ left \(no newline within 65536 bytes\)$/);
    expect(server.child.exitCode).toBeNull();
  });

  it('with --idle-timeout 1, silent and trickling connections are told and cut off; bystanders chat on', async () => {
    // Console-only: no joins and leaves told to everyone, so what is measured is the cutting off.
    const server = await startServer(['--console-only', '--rate', '0', '--idle-timeout', '1']);
    const ada = await joined(server.port, 'ada');
    const bob = await joined(server.port, 'bob');
    // The bystanders chat all along (so they are never idle themselves), until the idlers are gone.
    let idlersGone = (): void => {};
    const chat = bystanders([ada, 'ada'], [bob, 'bob'], new Promise<void>((resolve) => (idlersGone = resolve)), { via: 'private' });
    // Half of them say nothing at all, half start a line and never finish it.
    const idlers: { client: Client; since: number }[] = [];
    for (let batch = 0; batch < 4; batch++) {
      const connected = Array.from({ length: 50 }, async (_, i) => {
        const client = await welcomed(server.port, `idler ${batch * 50 + i}`);
        return { client, since: performance.now() };
      });
      idlers.push(...(await Promise.all(connected)));
    }
    for (const [i, { client }] of idlers.entries()) if (i % 2 === 1) client.send('GET / HTTP/1.1');
    // The trickler sends a byte every 100 ms and never a newline (bounded: at most 50 bytes).
    const trickler = { client: await welcomed(server.port, 'trickler'), since: performance.now() };
    let trickled = 0;
    const trickle = setInterval(() => {
      if (trickler.client.socket.writable && trickled < 50) trickled += Number(trickler.client.socket.write('x'));
      else clearInterval(trickle);
    }, 100);
    const idled = ({ client, since }: { client: Client; since: number }): Promise<number> =>
      client.lines.waitFor('* disconnected: idle for 1 second', 4000).then(async () => {
        await within(client.ended, `EOF on ${client.lines.name}`);
        return performance.now() - since;
      });

    const times = await Promise.all([...idlers, trickler].map(idled)).finally(() => {
      clearInterval(trickle);
      idlersGone();
    });
    const { rounds, maxMs, medianMs } = await chat;

    console.log(
      `idle timeout 1 s: 200 silent or half-line connections and a trickler (${trickled} bytes) cut off ` +
        `${ms(Math.min(...times))} to ${ms(Math.max(...times))} after their welcome; ` +
        `bystanders chatting privately meanwhile: ${rounds} round trips, median ${ms(medianMs)}, max ${ms(maxMs)}`,
    );
    expect(trickled).toBeGreaterThan(5); // it really trickled, up to the cut
    expect(Math.min(...times)).toBeGreaterThan(600); // not before its time (the welcome comes a little after the clock starts)
    expect(Math.max(...times)).toBeLessThan(2500);
    expect(maxMs).toBeLessThan(500);
    // The bystanders spoke all along, so they are still in.
    ada.send('/msg bob still here\n');
    await bob.lines.waitFor('*ada* still here');
    expect(ada.lines.all).not.toContain('* disconnected: idle for 1 second');
  });

  it.each([
    ['without a rate limit', ['--rate', '0']],
    ['throttled to 4000 lines/s after a burst of 100', ['--rate', '4000', '--burst', '100']],
  ])('a 10,000-line paste arrives whole and in order, %s; others are not slowed', async (_, limits) => {
    const server = await startServer(['--relay', ...limits]);
    const paster = await joined(server.port, 'paster');
    const reader = await joined(server.port, 'reader');
    const ada = await joined(server.port, 'ada');
    const bob = await joined(server.port, 'bob');
    const pasted = Array.from(
      { length: 10_000 },
      (_, i) => `line ${String(i).padStart(5, '0')} of the paste, with some text to make it longer`,
    );

    const started = performance.now();
    paster.send(pasted.join('\n') + '\n');
    const arrived = reader.lines.waitFor(`<paster> ${pasted.at(-1)}`, 15_000);
    const { rounds, maxMs, medianMs } = await bystanders([ada, 'ada'], [bob, 'bob'], arrived);
    await arrived;
    const tookMs = performance.now() - started;

    console.log(
      `10,000-line paste ${limits.join(' ')}: arrived whole in ${ms(tookMs)}; ` +
        `bystanders: ${rounds} round trips, median ${ms(medianMs)}, max ${ms(maxMs)}`,
    );
    const received = reader.lines.all.filter((line) => line.startsWith('<paster> '));
    expect(received).toEqual(pasted.map((line) => `<paster> ${line}`));
    expect(maxMs).toBeLessThan(1000);
    if (limits.includes('4000')) expect(tookMs).toBeGreaterThan(2000); // the throttle did engage: (10,000 - 100) / 4000 s
  });
});
