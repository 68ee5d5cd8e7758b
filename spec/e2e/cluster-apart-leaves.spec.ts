import { afterEach, describe, expect, it } from '@jest/globals';
import { ask, joined } from './helpers/client.js';
import { clusterNode } from './helpers/cluster-node.js';
import { closeFaultProxies, FaultProxy } from './helpers/fault-proxy.js';
import { cleanUp } from './helpers/leftovers.js';
import { testRedis } from './helpers/redis.js';

afterEach(async () => {
  await closeFaultProxies();
  await cleanUp();
});

describe('tcpchat serve --cluster, a node back from apart before the others took it for gone', () => {
  it('has the people who left it meanwhile told as left on the other nodes, once each, and gone from their /who', async () => {
    const redis = await testRedis();
    const proxy = await FaultProxy.start(Number(new URL(redis.url).port));
    // A TTL long enough that a does not take c for gone while c is apart (c is back within a second or two).
    const args = ['--relay', '--presence-ttl', '8'];
    const a = await clusterNode('a', redis, args);
    const c = await clusterNode('c', { ...redis, url: `redis://127.0.0.1:${proxy.port}` }, args);
    const ada = await joined(a.port, 'ada');
    const cy = await joined(c.port, 'cy');
    const carl = await joined(c.port, 'carl');
    await ada.lines.waitFor(/^\* guest-\d+ is now carl$/); // node a knows carl is on c

    // c's link to Redis is reset, and its new ones hang until healed: c is apart at once.
    proxy.blackHole();
    proxy.reset();
    await c.stdout.waitFor(/^! lost the cluster: /);
    carl.send('/quit\n');
    await cy.lines.waitFor('* carl left (quit)');
    proxy.heal();
    await cy.lines.waitFor(/^\* back in the cluster: \d+ online$/, 8_000);

    const left = '* carl left (while node c was apart from the cluster)';
    await Promise.all([ada.lines.waitFor(left), a.stdout.waitFor('* c: carl left (while node c was apart from the cluster)')]);
    await ask(ada, '/who', '* online in #lobby (3): server (a), ada (a), cy (c)');
    expect(ada.lines.all.filter((line) => line.includes('carl left'))).toEqual([left]);
    expect(ada.lines.all.filter((line) => line.includes('node c is gone'))).toEqual([]);
  }, 20_000);
});
