import { afterEach, describe, expect, it } from '@jest/globals';
import { setTimeout as delay } from 'node:timers/promises';
import { joined } from './helpers/client.js';
import { clusterNode } from './helpers/cluster-node.js';
import { cleanUp } from './helpers/leftovers.js';
import { startRedis, testRedis } from './helpers/redis.js';

afterEach(cleanUp);

/**
 * TTL 6 s: a node beats every 1.5 s and calls Redis silent after 3 s without hearing itself; a stop is
 * forgiven while its last beat is less than 5.5 s old, so any stop under 4 s is.
 */
const ARGS = ['--rate', '0', '--presence-ttl', '6'];

/** Nodes a and b, a talker on a whose line a listener on b has heard. */
async function twoNodes() {
  const cluster = await testRedis();
  const a = await clusterNode('a', cluster, ARGS);
  const b = await clusterNode('b', cluster, ARGS);
  const talker = await joined(a.port, 'talker');
  const listener = await joined(b.port, 'listener');
  talker.send('before\n');
  await listener.lines.waitFor('<talker> before');
  return { a, b, talker, listener };
}

describe('tcpchat serve --cluster, a node that stands still for a while', () => {
  it('stopped for less than three quarters of the presence TTL less half a second (4 s), it blames no one: its people say their lines meanwhile and every node hears them', async () => {
    const { a, b, talker, listener } = await twoNodes();

    a.child.kill('SIGSTOP');
    const said = Array.from({ length: 20 }, (_, i) => `while stopped ${i + 1}`);
    talker.send(said.map((line) => `${line}\n`).join('')); // waits in node a's socket
    await delay(3500); // the stall: longer than the 3 s a silent Redis gets, short enough that a beat after it comes within the TTL
    a.child.kill('SIGCONT');
    talker.send('after\n');
    await listener.lines.waitFor('<talker> after', 10_000);

    expect(listener.lines.all.filter((line) => line.startsWith('<talker> '))).toEqual(
      ['before', ...said, 'after'].map((line) => `<talker> ${line}`),
    );
    expect(listener.lines.all.filter((line) => /never reached|is gone|lost touch/.test(line))).toEqual([]);
    expect(a.stdout.all.filter((line) => line.includes('lost the cluster'))).toEqual([]);
    expect(b.stdout.all.filter((line) => line.includes('is gone'))).toEqual([]);
  });

  it('stopped for longer than the TTL, it says it stood still (not that Redis was silent) and joins anew: its people are back for the others', async () => {
    const { a, talker, listener } = await twoNodes();

    a.child.kill('SIGSTOP');
    await listener.lines.waitFor('* talker left (node a is gone)', 10_000); // the others have let its people go
    a.child.kill('SIGCONT');
    await a.stdout.waitFor(
      /^! lost the cluster: this server stood still: its last heartbeat was \d+\.\d s ago, too near the presence TTL$/,
    );
    await a.stdout.waitFor(/^\* rejoined the cluster as node a: /);
    await listener.lines.waitFor('* talker joined');
    talker.send('after\n');
    await listener.lines.waitFor('<talker> after');
    expect(a.stdout.all.filter((line) => line.includes('Redis has not answered'))).toEqual([]);
  }, 30_000);

  it('late at every tick (a machine too busy for its timers), it still finds out a Redis that stopped answering', async () => {
    // TTL 2 s: a beat every 0.5 s, Redis silent after 1 s. Stopped 0.9 s in every 1.1 s, each tick comes some
    // 0.6 s late: each is taken for a stall, but only the time stood still is forgiven, not the whole silence.
    const redis = await startRedis();
    const a = await clusterNode('a', { url: redis.url, cluster: 'busy' }, ['--presence-ttl', '2']);
    redis.process.child.kill('SIGSTOP');
    try {
      for (let cycle = 0; cycle < 10 && !a.stdout.all.some((line) => line.startsWith('! lost the cluster: ')); cycle++) {
        a.child.kill('SIGSTOP');
        await delay(900);
        a.child.kill('SIGCONT');
        await delay(200);
      }
      // Found out while still late at every tick (once the ticks come on time it would be anyway).
      expect(a.stdout.all.filter((line) => line.startsWith('! lost the cluster: '))).toHaveLength(1);
    } finally {
      a.child.kill('SIGCONT');
      redis.process.child.kill('SIGCONT');
    }
  }, 30_000);
});
