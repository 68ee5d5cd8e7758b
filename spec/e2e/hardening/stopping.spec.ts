import { afterEach, describe, expect, it } from '@jest/globals';
import { joined, rawClient, type Client } from '../helpers/client.js';
import { cleanUp } from '../helpers/leftovers.js';
import { MiB, ms } from '../helpers/probe.js';
import { waitForExit } from '../helpers/processes.js';
import { startServer } from '../helpers/server.js';
import { within } from '../helpers/within.js';
import { online, WELCOME } from '../helpers/sentences.js';

afterEach(cleanUp);

describe('stopping under load', () => {
  it('SIGTERM with 300 clients that have not read their output: each gets every line, then the notice, then EOF; one that never reads is cut off at the deadline', async () => {
    // A larger send queue, so that ten of them can have megabytes queued in the server itself;
    // --console-only: what each client gets is the console's lines alone, not 300 joins;
    // --quiet keeps the 50 MiB the console says out of its own record, which this test does not read.
    const server = await startServer(['--console-only', '--shutdown-deadline', '3', '--send-queue', String(8 * MiB), '--quiet']);
    const clients: Client[] = [];
    for (let batch = 0; batch < 6; batch++) {
      const connected = await Promise.all(Array.from({ length: 50 }, (_, i) => rawClient(server.port, `client ${batch * 50 + i}`)));
      await Promise.all(connected.map((client) => client.lines.waitFor(WELCOME)));
      clients.push(...connected);
    }
    const never = await rawClient(server.port, 'never');
    await never.lines.waitFor(WELCOME);
    const witness = await rawClient(server.port, 'witness');
    await witness.lines.waitFor(WELCOME);
    for (const client of [...clients, never]) client.socket.pause(); // output queues up for them

    // 200 lines of 1 KiB from the console to everyone (on loopback the socket buffers hold that
    // unread), and first 5 MiB more to each of ten of them and to the one that never reads, more
    // than the buffers take (about 3.7 MiB here), so that the server itself holds the rest. (Output
    // the kernel has taken counts as drained: a connection with nothing left here is closed at once.)
    const heavy = clients.slice(0, 10);
    const nickOf = (client: Client): string => WELCOME.exec(client.lines.all[0])![1];
    const privately = Array.from({ length: 5 * 1024 }, (_, i) => `private ${i} ${'p'.repeat(1024)}`);
    for (const client of [...heavy, never]) server.write(privately.map((line) => `/msg ${nickOf(client)} ${line}\n`).join(''));
    const said = Array.from({ length: 200 }, (_, i) => `line ${i} ${'q'.repeat(1024)}`);
    server.write(said.join('\n') + '\n');
    // The console is read in order and each line is written to its clients at once, so once the
    // witness has the last, all of it is queued.
    await witness.lines.waitFor(`<server> ${said.at(-1)}`, 15_000);

    const started = performance.now();
    server.child.kill('SIGTERM');
    for (const client of clients) client.socket.resume();
    const ends = await within(
      Promise.all(clients.map((client) => client.ended.then(() => performance.now() - started))),
      'every reading client to get EOF',
      5000,
    );
    const exit = await waitForExit(server, 5000);
    const exitMs = performance.now() - started;

    const broadcast = [...said.map((line) => `<server> ${line}`), '* server is going down (got SIGTERM)'];
    const expected = [expect.stringMatching(WELCOME), ...broadcast];
    for (const client of clients.slice(10)) expect(await client.lines.end()).toEqual(expected);
    for (const client of heavy) {
      const lines = await client.lines.end();
      expect(lines.length).toBe(1 + privately.length + broadcast.length);
      expect(lines.slice(1, 1 + privately.length)).toEqual(privately.map((line) => `*server* ${line}`));
      expect(lines.slice(1 + privately.length)).toEqual(broadcast);
    }
    console.log(
      `SIGTERM with 300 clients holding 200 KiB of unread output each (10 of them 5 MiB more) and one that never reads, with 5 MiB more (--shutdown-deadline 3): ` +
        `every reader had it all and EOF after ${ms(Math.max(...ends))}; the server exited ${exit.code} after ${ms(exitMs)}`,
    );
    expect(exit).toEqual({ code: 0, signal: null });
    // The one that never reads held nobody up: every reader had EOF before the deadline cut it off.
    expect(Math.max(...ends)).toBeLessThan(3000);
    expect(exitMs).toBeGreaterThan(3000); // it was given until the deadline...
    expect(exitMs).toBeLessThan(5000); // ...and no longer
    expect(await server.stdout.end()).toContain('* shutting down (got SIGTERM); told 302 clients');

    // What the one that never read finds later: a prefix of the same lines, the last one cut
    // where the deadline cut it (what the kernel had taken still arrives).
    never.socket.resume();
    const late = await never.lines.end();
    const all = [...privately.map((line) => `*server* ${line}`), ...broadcast];
    expect(late.length).toBeGreaterThan(1000);
    expect(late.slice(1, -1)).toEqual(all.slice(0, late.length - 2));
    expect(all[late.length - 2].startsWith(late.at(-1)!)).toBe(true);
  });

  it('console /quit tells the clients, ends their connections and exits 0', async () => {
    const server = await startServer(['--relay']);
    const ada = await joined(server.port, 'ada');
    const bob = await joined(server.port, 'bob');
    server.write('/quit\n');
    for (const client of [ada, bob]) {
      await within(client.ended, `EOF on ${client.lines.name}`);
      expect(client.lines.all.at(-1)).toBe('* server is going down (shut down from the console)');
    }
    expect(await waitForExit(server, 3000)).toEqual({ code: 0, signal: null });
    expect(await server.stdout.end()).toContain('* shutting down (shut down from the console); told 2 clients');
  });

  it('keeps serving when its stdout is closed early (tcpchat serve --json | head -1), and still exits 0', async () => {
    const server = await startServer(['--relay', '--rate', '0', '--json']);
    await server.stdout.waitFor(/"type":"listening"/);
    server.child.stdout!.destroy(); // what head does after its one line

    const ada = await joined(server.port, 'ada');
    const bob = await joined(server.port, 'bob');
    const lines = Array.from({ length: 2000 }, (_, i) => `message ${i}`); // far more log than a pipe holds
    ada.send(lines.join('\n') + '\n');
    await bob.lines.waitFor(`<ada> ${lines.at(-1)}`);
    server.write('/who\n');
    bob.send('/who\n');
    await bob.lines.waitFor(online(3, 'server, ada, bob'));
    expect(server.child.exitCode).toBeNull();

    server.child.kill('SIGTERM');
    expect(await waitForExit(server, 3000)).toEqual({ code: 0, signal: null });
    expect(await server.stderr.end()).toEqual([
      `tcpchat: listening on 127.0.0.1:${server.port}`,
      'tcpchat: history is kept in memory only: nothing outlives this server (serve --data DIR keeps it)',
      "tcpchat: the console's record is lost from here on: stdout failed (EPIPE); the chat goes on",
    ]);
  });

  it('keeps serving, reloading and stopping when its stderr is closed too (tcpchat serve 2>&1 | head -2)', async () => {
    const server = await startServer(['--relay', '--json']);
    server.child.stdout!.destroy();
    server.child.stderr!.destroy(); // what it has to say (the record is lost, nothing to reload) fails with EPIPE
    const ada = await joined(server.port, 'ada');
    const bob = await joined(server.port, 'bob');
    server.child.kill('SIGHUP');
    ada.send('still chatting\n');
    await bob.lines.waitFor('<ada> still chatting');
    expect(server.child.exitCode).toBeNull();

    server.child.kill('SIGTERM');
    expect(await waitForExit(server, 3000)).toEqual({ code: 0, signal: null });
  });
});
