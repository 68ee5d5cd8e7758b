import { afterEach, describe, expect, it } from '@jest/globals';
import { setTimeout as delay } from 'node:timers/promises';
import { createClient } from 'redis';
import { joined, type Client } from './helpers/client.js';
import { closeFaultProxies, FaultProxy } from './helpers/fault-proxy.js';
import { cleanUp } from './helpers/leftovers.js';
import { startRedis } from './helpers/redis.js';
import { startServer, type Server } from './helpers/server.js';
import { within } from './helpers/within.js';

afterEach(async () => {
  await closeFaultProxies();
  await cleanUp();
});

const CLUSTER = 'rejoin-order';

/** `tcpchat serve --cluster URL` as node `name`, once it has joined the cluster. */
async function node(name: string, url: string): Promise<Server> {
  const args = ['--rate', '0', '--cluster', url, '--cluster-name', CLUSTER, '--node', name, '--presence-ttl', '2'];
  const server = await startServer(args, { name: `node ${name}` });
  await server.stdout.waitFor(new RegExp(`^\\* joined the cluster as node ${name}: `));
  return server;
}

const MISSED = /^\* (\d+) lines? said on node a while it was apart from the cluster never reached this server$/;
const told = (client: Client): string[] => client.lines.all.filter((line) => MISSED.test(line));

describe('tcpchat serve --cluster, nodes back from a Redis restart one after the other', () => {
  it("a node that rejoins after another has told its lines' loss is told it too, once; a node that joins later is not", async () => {
    const redis = await startRedis();
    const a = await node('a', redis.url);
    // Node b reaches Redis through a proxy, so it comes back only when the test lets it.
    const toRedis = await FaultProxy.start(redis.port);
    const b = await node('b', `redis://127.0.0.1:${toRedis.port}`);
    const talker = await joined(a.port, 'talker');
    const listener = await joined(b.port, 'listener');
    talker.send('before\n');
    await listener.lines.waitFor('<talker> before');

    toRedis.stall(); // b's new links to Redis wait at the proxy
    redis.process.child.kill('SIGKILL');
    await a.stdout.waitFor(/^! lost the cluster/);
    await b.stdout.waitFor(/^! lost the cluster/);
    talker.send('apart 1\napart 2\napart 3\n'); // said on a while apart: they never cross
    await a.stdout.waitFor('<talker> apart 3');

    const back = await startRedis({ port: redis.port }); // empty
    await a.stdout.waitFor(/^\* rejoined the cluster as node a/);
    // Node a's sync holds its members' nicks again and tells its lines' loss, in one script: once
    // a nick is held, the loss was told, while b was still apart.
    const watcher = createClient({ url: back.url });
    await watcher.connect();
    try {
      const held = async (): Promise<void> => {
        while ((await watcher.hLen(`tcpchat:{${CLUSTER}}:nicks`)) === 0) await delay(20);
      };
      await within(held(), "node a's sync");
    } finally {
      await watcher.quit();
    }

    toRedis.heal();
    await b.stdout.waitFor(/^\* rejoined the cluster as node b/, 10_000);
    await listener.lines.waitFor(MISSED);
    talker.send('after\n');
    await listener.lines.waitFor('<talker> after');
    expect(told(listener)).toEqual(['* 3 lines said on node a while it was apart from the cluster never reached this server']);

    // A node that joins now had nobody to tell: it says nothing of what was missed before it came.
    const c = await node('c', back.url);
    const newcomer = await joined(c.port, 'newcomer');
    talker.send('later\n');
    await newcomer.lines.waitFor('<talker> later');
    expect(told(newcomer)).toEqual([]);
    expect(c.stdout.all.filter((line) => MISSED.test(line))).toEqual([]);
  });
});
