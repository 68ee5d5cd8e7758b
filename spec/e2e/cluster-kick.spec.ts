import { afterEach, describe, expect, it } from '@jest/globals';
import { ask, joined } from './helpers/client.js';
import { clusterNode } from './helpers/cluster-node.js';
import { closeFaultProxies, FaultProxy } from './helpers/fault-proxy.js';
import { cleanUp } from './helpers/leftovers.js';
import { testRedis } from './helpers/redis.js';

/** `/kick` in a cluster, between real nodes on a real Redis: a member on another node goes as one on the same node. */

afterEach(async () => {
  await closeFaultProxies();
  await cleanUp();
});

describe('tcpchat serve --cluster: /kick', () => {
  it('of a member on another node, by the console or an operator: its node tells it why and closes it, its room hears it on every node; a nick online nowhere is refused', async () => {
    const redis = await testRedis();
    const args = ['--relay', '--presence-ttl', '2', '--operator', 'op'];
    const a = await clusterNode('a', redis, args);
    const b = await clusterNode('b', redis, args);
    const op = await joined(a.port, 'op');
    await ask(op, '/register s3cret words', /^\* op is registered to you/);
    const farkid = await joined(b.port, 'farkid');
    const kid = await joined(b.port, 'kid');
    const stay = await joined(b.port, 'stay');
    await op.lines.waitFor('* guest-4 is now stay'); // node a knows everyone on b by now

    a.write('/kick FARKID bye\n');
    await farkid.lines.waitFor('* you were kicked by server: bye');
    await farkid.ended;
    await Promise.all([op.lines, stay.lines, kid.lines, a.stdout].map((lines) => lines.waitFor('* farkid was kicked by server: bye')));

    await ask(op, '/kick kid spam', '* kid was kicked by op: spam');
    await kid.lines.waitFor('* you were kicked by op: spam');
    await kid.ended;
    await Promise.all([stay.lines, a.stdout].map((lines) => lines.waitFor('* kid was kicked by op: spam')));
    // Told as a kick, not as a leave too; the kicked never hear the notice about themselves.
    expect(stay.lines.all.filter((line) => / left\b/.test(line))).toEqual([]);
    expect(farkid.lines.all.filter((line) => line.includes('farkid was kicked'))).toEqual([]);

    await ask(op, '/kick nobody', '! no such nick: nobody');
    a.write('/kick nobody\n');
    await a.stdout.waitFor('! no such nick: nobody');
    await ask(stay, '/who', '* online in #lobby (3): server (b), stay (b), op (a)');
  });

  it('of a member whose node is cut off from Redis: the kicker is told it was not kicked, no room hears it as done, and the member stays', async () => {
    const redis = await testRedis();
    const proxy = await FaultProxy.start(Number(new URL(redis.url).port));
    const args = ['--relay', '--presence-ttl', '4'];
    const a = await clusterNode('a', redis, args);
    const b = await clusterNode('b', { ...redis, url: `redis://127.0.0.1:${proxy.port}` }, args);
    const ada = await joined(a.port, 'ada');
    const bob = await joined(b.port, 'bob');
    await ada.lines.waitFor(/^\* guest-\d+ is now bob$/); // node a knows bob is on b

    proxy.blackHole(); // b's link to Redis goes silent: what is published for it never arrives
    a.write('/kick bob bye\n');
    await a.stdout.waitFor(
      '! bob is on another server that cannot be reached now; bob was not kicked (a /ban holds there once it is back)',
    );
    expect([...a.stdout.all, ...ada.lines.all, ...bob.lines.all].filter((line) => line.includes('kicked by'))).toEqual([]);

    proxy.heal();
    await bob.lines.waitFor(/^\* back in the cluster: /, 15_000);
    bob.send('still here\n');
    await ada.lines.waitFor('<bob> still here');
  }, 30_000);
});
