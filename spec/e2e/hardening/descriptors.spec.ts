import { afterEach, describe, expect, it } from '@jest/globals';
import { connect, type Socket } from 'node:net';
import { joined } from '../helpers/client.js';
import { cleanUp, trackSocket } from '../helpers/leftovers.js';
import { CLI, run } from '../helpers/processes.js';
import { within } from '../helpers/within.js';

afterEach(cleanUp);

const LIMIT = 200;

/** A connection that keeps its side open after the server ends its own, so the server's socket lingers. */
async function holdOpen(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const socket = trackSocket(connect({ host: '127.0.0.1', port, allowHalfOpen: true }));
  socket.on('error', () => {});
  let received = '';
  socket.on('data', (chunk) => (received += chunk.toString()));
  const closed = new Promise<void>((resolve) => socket.once('end', () => resolve()).once('close', () => resolve()));
  await within(new Promise((resolve) => socket.once('connect', resolve)), 'a connection');
  return { socket, received: () => received, closed };
}

describe('a server with few file descriptors', () => {
  it('says at start how many clients it can hold, tells the next ones "server full", and logs the ones it had to close unanswered once, with the count', async () => {
    const server = run(
      'bash',
      [
        '-c',
        `ulimit -n ${LIMIT} && exec "$0" "$@"`,
        process.execPath,
        CLI,
        'serve',
        '--relay',
        '--no-timestamps',
        '--host',
        '127.0.0.1',
        '--port',
        '0',
      ],
      {
        name: `tcpchat serve under ulimit -n ${LIMIT}`,
      },
    );
    const listening = await server.stderr.waitFor(/^tcpchat: listening on 127\.0\.0\.1:\d+$/);
    const port = Number(/:(\d+)$/.exec(listening)![1]);
    const warning = server.stderr.all.find((line) => line.includes('at most'));
    expect(warning).toMatch(
      new RegExp(
        `^tcpchat: at most \\d+ clients, not 10000: the open-file limit is ${LIMIT} \\(raise it with ulimit -n, or LimitNOFILE= in a systemd unit\\)$`,
      ),
    );
    const clients = Number(/at most (\d+) clients/.exec(warning!)![1]);

    const members = await Promise.all(Array.from({ length: clients }, (_, i) => joined(port, `m${i}`)));
    expect(members).toHaveLength(clients);

    // The next 32 are told why (and linger on the server's side until they close theirs).
    for (let i = 0; i < 32; i++) {
      const refused = await holdOpen(port);
      await within(refused.closed, 'the refusal');
      expect(refused.received()).toBe('! server full\n');
    }
    // Past that, the listener closes newcomers before anyone can speak to them: counted, not silent.
    const dropped = await Promise.all(Array.from({ length: 10 }, () => holdOpen(port)));
    await Promise.all(dropped.map(({ closed }) => within(closed, 'a dropped connection to close')));
    expect(dropped.map(({ received }) => received())).toEqual(Array(10).fill(''));
    await server.stderr.waitFor(
      `tcpchat: out of file descriptors: closed 10 connections unanswered (open-file limit ${LIMIT}; raise it with ulimit -n, or LimitNOFILE= in a systemd unit)`,
    );

    // The members never noticed.
    members[0].send('still here\n');
    await members[1].lines.waitFor('<m0> still here');
  }, 30_000);
});
