import { afterEach, describe, expect, it } from '@jest/globals';
import { setTimeout as delay } from 'node:timers/promises';
import { createClient } from 'redis';
import { joined } from './helpers/client.js';
import { clusterNode } from './helpers/cluster-node.js';
import { cleanUp } from './helpers/leftovers.js';
import { testRedis } from './helpers/redis.js';
import { waitForExit } from './helpers/processes.js';
import { within } from './helpers/within.js';

afterEach(cleanUp);

/** TTL 2 s: a node beats every 0.5 s, and one silent for 2 s is gone. */
const ARGS = ['--rate', '0', '--presence-ttl', '2'];

/** Resolves once node `instance`'s last heartbeat said it had read its mailbox up to `n` at least. */
async function readUpTo(url: string, cluster: string, n: number): Promise<void> {
  const watcher = createClient({ url });
  await watcher.connect();
  try {
    const read = async (): Promise<void> => {
      for (;;) {
        const keys = await watcher.keys(`tcpchat:{${cluster}}:privates:*:heard`);
        const marks = await Promise.all(keys.map((key) => watcher.get(key)));
        if (marks.some((mark) => Number(mark) >= n)) return;
        await delay(20);
      }
    };
    await within(read(), `a node to say it read its mailbox up to ${n}`, 5_000);
  } finally {
    await watcher.quit();
  }
}

describe('tcpchat serve --cluster, private lines to a node that dies', () => {
  it('those it had not read when it went silent are named to their senders once it is gone; one it had read is not', async () => {
    const cluster = await testRedis();
    const east = await clusterNode('east', cluster, ARGS);
    const west = await clusterNode('west', cluster, ARGS);
    const pe = await joined(east.port, 'pe');
    const wr = await joined(west.port, 'wr');
    await pe.lines.waitFor(/ is now wr$/);

    pe.send('/msg wr read before\n');
    await wr.lines.waitFor('*pe* read before');
    await readUpTo(cluster.url, cluster.cluster, 1);

    west.child.kill('SIGKILL');
    await waitForExit(west);
    pe.send('/msg wr into the dead node\n');
    await pe.lines.waitFor('*-> wr* into the dead node'); // Redis took it: the node still counts as present

    await pe.lines.waitFor('* wr left (node west is gone)', 10_000);
    await pe.lines.waitFor(/may not have reached/);
    expect(pe.lines.all.filter((line) => line.includes('may not have reached'))).toEqual([
      '! your private line to wr may not have reached them: their server (node west) is gone (should it come back, they get it then): into the dead node',
    ]);
  });
});
