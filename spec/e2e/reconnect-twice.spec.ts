import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chatter, mark } from './helpers/chatter.js';
import { joined } from './helpers/client.js';
import { closeFaultProxies, FaultProxy } from './helpers/fault-proxy.js';
import { cleanUp } from './helpers/leftovers.js';
import { waitForExit } from './helpers/processes.js';
import { startServer } from './helpers/server.js';

afterEach(async () => {
  await closeFaultProxies();
  await cleanUp();
});

describe('tcpchat connect through two link faults in a row', () => {
  it('is never replayed the join of its own earlier attempt, and is replayed what the others said', async () => {
    const server = await startServer(['--relay']);
    const proxy = await FaultProxy.start(server.port);
    const ada = await chatter(proxy.port, 'ada');
    const bob = await joined(server.port, 'bob');
    await ada.stdout.waitFor('* guest-2 is now bob');

    // Back as guest-3, then ada again; nothing numbered reaches her after that, so she resumes from before it.
    proxy.reset();
    await ada.stderr.waitFor(`tcpchat: reconnected to 127.0.0.1:${proxy.port}`);
    await bob.lines.waitFor('* guest-3 is now ada');
    const from = mark(ada.stdout);
    proxy.blackHole(); // her next attempt waits until bob has spoken
    proxy.reset();
    await bob.lines.waitFor(/^\* ada left \(connection (reset|closed)\)$/);
    bob.send('while you were away\n');
    await server.stdout.waitFor('<bob> while you were away');
    proxy.heal();
    await ada.stdout.waitFor('(earlier) <bob> while you were away', undefined, from);
    await bob.lines.waitFor('* guest-4 is now ada');

    expect(ada.stdout.all.filter((line) => line.startsWith('(earlier) '))).toEqual(['(earlier) <bob> while you were away']);
  });

  it('with --data, is not replayed the joins of its earlier attempts after the server restarts either', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tcpchat-joins-'));
    try {
      const first = await startServer(['--relay', '--data', dir]);
      const proxy = await FaultProxy.start(first.port);
      const ada = await chatter(proxy.port, 'ada');
      for (const guest of ['guest-2', 'guest-3']) {
        proxy.reset();
        await first.stdout.waitFor(`* ${guest} is now ada`);
      }
      first.child.kill('SIGKILL');
      await waitForExit(first);
      const second = await startServer(['--relay', '--data', dir]);
      const from = mark(ada.stdout);
      proxy.target = second.port;
      await second.stdout.waitFor('* guest-1 is now ada');
      await ada.stdout.waitFor('* you are now ada', undefined, from);
      expect(ada.stdout.all.slice(from).filter((line) => / joined$/.test(line))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
