import { afterEach, describe, expect, it } from '@jest/globals';
import { joined } from './helpers/client.js';
import { clusterNode } from './helpers/cluster-node.js';
import { closeFaultProxies, FaultProxy } from './helpers/fault-proxy.js';
import { cleanUp } from './helpers/leftovers.js';
import { testRedis } from './helpers/redis.js';

afterEach(async () => {
  await closeFaultProxies();
  await cleanUp();
});

/** Presence TTL 6 s: a node beats every 1.5 s and calls Redis silent after 3 s; the others take it for gone after 6. */
const TTL_MS = 6000;
const ARGS = ['--rate', '0', '--presence-ttl', String(TTL_MS / 1000)];

describe('tcpchat serve --cluster, /msg to a node whose route to Redis has died unnoticed', () => {
  it('the lines Redis took are kept for that node, and its member has each once, in order, when it is back', async () => {
    const cluster = await testRedis();
    const proxy = await FaultProxy.start(Number(new URL(cluster.url).port));
    const east = await clusterNode('east', cluster, ARGS);
    const west = await clusterNode('west', { ...cluster, url: `redis://127.0.0.1:${proxy.port}` }, ARGS);
    const aa = await joined(east.port, 'aa');
    const bb = await joined(west.port, 'bb');
    aa.send('/msg bb pm 0\n');
    await bb.lines.waitFor('*aa* pm 0');

    // West's links to Redis go dead without a word: east still lists bb, and Redis takes the lines for west.
    proxy.blackHole();
    const sent = Array.from({ length: 20 }, (_, i) => `pm ${i + 1}`);
    aa.send(sent.map((text) => `/msg bb ${text}\n`).join(''));
    await aa.lines.waitFor('*-> bb* pm 20');
    await west.stdout.waitFor(/^! lost the cluster: Redis has not answered/, TTL_MS);
    proxy.reroute(); // new connections get through; the dead ones stay dead
    await west.stdout.waitFor(/^\* rejoined the cluster as node west: /, TTL_MS * 2);
    await bb.lines.waitFor('*aa* pm 20', TTL_MS);

    expect(aa.lines.all.filter((line) => line.startsWith('! '))).toEqual([]);
    expect(bb.lines.all.filter((line) => line.startsWith('*aa* '))).toEqual(['pm 0', ...sent].map((text) => `*aa* ${text}`));
  }, 40_000);
});
