import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { joined, rawClient } from './helpers/client.js';
import { cleanUp } from './helpers/leftovers.js';
import { run, tcpchat, waitForExit, type Running } from './helpers/processes.js';
import { startServer } from './helpers/server.js';

let home: string | undefined;
afterEach(async () => {
  await cleanUp();
  if (home) rmSync(home, { recursive: true, force: true });
  home = undefined;
});

const REFUSED = /^\* refused 127\.0\.0\.1:\d+ \(speaks TLS on a plain port\)$/;

/** TLS clients a person might point at a plain tcpchat server by mistake. */
const TLS_CLIENTS: Record<string, (port: number) => Running> = {
  'openssl s_client': (port) =>
    run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`], { stdin: 'ignore', name: 'openssl s_client' }),
  'ncat --ssl': (port) => run('ncat', ['--ssl', '127.0.0.1', String(port)], { stdin: 'ignore', name: 'ncat --ssl' }),
  'tcpchat connect --tls': (port) =>
    tcpchat(['connect', `127.0.0.1:${port}`, '--tls', '--no-retry'], {
      stdin: 'ignore',
      env: { XDG_CONFIG_HOME: (home ??= mkdtempSync(join(tmpdir(), 'tcpchat-tls-'))) },
    }),
};

describe('a TLS client on a plain port', () => {
  it.each(Object.keys(TLS_CLIENTS))(
    '%s: is refused and closed, never joins; nothing it sent reaches the room or the history',
    async (name) => {
      const server = await startServer(['--relay']);
      const bob = await joined(server.port, 'bob');
      const cat = await joined(server.port, 'cat');

      const tlsClient = TLS_CLIENTS[name](server.port);
      await server.stdout.waitFor(REFUSED);
      const exit = await waitForExit(tlsClient);
      expect(exit.code).not.toBe(0);

      bob.send('/history\n');
      await bob.lines.waitFor('* end of history');
      bob.send('after\n');
      await cat.lines.waitFor('<bob> after');
      // Only bob and cat ever joined (guest-1 and guest-2; the TLS client would have been guest-3); the
      // room and its history hold bob's line alone.
      expect(server.stdout.all.filter((line) => / joined from /.test(line))).toHaveLength(2);
      expect(cat.lines.all.filter((line) => line.startsWith('<') || line.includes('guest-3'))).toEqual(['<bob> after']);
      expect(bob.lines.raw + cat.lines.raw + server.stdout.raw).not.toMatch(/[\ufffd\u0016\u2416]/);
    },
  );

  it('that sends its hello only after it was welcomed is closed with the reason, and its hello never reaches the room', async () => {
    const server = await startServer(['--relay']);
    const bob = await joined(server.port, 'bob');
    const slow = await rawClient(server.port, 'slow TLS client');
    await slow.lines.waitFor(/^\* welcome to /);
    slow.send(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x03, 0x0a])); // a (short) ClientHello

    await server.stdout.waitFor(/^\* guest-\d+ left \(speaks TLS on a plain port\)$/);
    await slow.closed;
    bob.send('after\n');
    await server.stdout.waitFor('<bob> after');
    expect(bob.lines.raw + server.stdout.raw).not.toMatch(/[\ufffd\u0016\u2416]/);
  });
});
