import { afterEach, describe, expect, it } from '@jest/globals';
import { mark } from './helpers/chatter.js';
import { joined, rawClient } from './helpers/client.js';
import { clusterNode } from './helpers/cluster-node.js';
import { closeFaultProxies, FaultProxy } from './helpers/fault-proxy.js';
import { cleanUp } from './helpers/leftovers.js';
import { testRedis } from './helpers/redis.js';
import { within } from './helpers/within.js';

afterEach(async () => {
  await closeFaultProxies();
  await cleanUp();
});

/** Presence TTL 6 s: a node beats every 1.5 s, calls Redis silent after 3 s, and gives an attempt to join 3 s. */
const TTL_MS = 6000;
const ARGS = ['--rate', '0', '--presence-ttl', String(TTL_MS / 1000)];

/** Node a on Redis and node b through a fault proxy, ada a member of a and bea of b. */
async function privateScene() {
  const cluster = await testRedis();
  const proxy = await FaultProxy.start(Number(new URL(cluster.url).port));
  const a = await clusterNode('a', cluster, ARGS);
  const b = await clusterNode('b', { ...cluster, url: `redis://127.0.0.1:${proxy.port}` }, ARGS);
  const ada = await joined(a.port, 'ada');
  const bea = await joined(b.port, 'bea');
  return { proxy, b, ada, bea };
}

describe('tcpchat serve --cluster, a node whose route to Redis dies and comes back as a new one', () => {
  it('is back within half the TTL of the new route though its attempt to join went into the dead one; its people are seen back and its lines cross', async () => {
    const cluster = await testRedis();
    const proxy = await FaultProxy.start(Number(new URL(cluster.url).port));
    const a = await clusterNode('a', cluster, ARGS);
    const b = await clusterNode('b', { ...cluster, url: `redis://127.0.0.1:${proxy.port}` }, ARGS);
    const receivers = [await joined(a.port, 'ada'), await joined(a.port, 'abe')];
    const bea = await joined(b.port, 'bea');
    bea.send('before\n');
    for (const receiver of receivers) await receiver.lines.waitFor('<bea> before');

    proxy.blackHole();
    await b.stdout.waitFor(/^! lost the cluster: Redis has not answered/, TTL_MS);
    for (const receiver of receivers) await receiver.lines.waitFor('* bea left (node b is gone)', TTL_MS * 2);
    // An attempt to join goes into the hole (its two connections), then the route comes back for new connections only.
    await within(proxy.accepted(proxy.connections + 2), 'an attempt to join into the dead route', TTL_MS * 2);
    proxy.reroute();
    const rerouted = Date.now();
    await b.stdout.waitFor(/^\* rejoined the cluster as node b: /, TTL_MS * 2);
    // Half the TTL for the attempt in the hole, then a new one (before: a whole TTL and a beat, and more).
    expect(Date.now() - rerouted).toBeLessThan(TTL_MS * 0.75);

    const from = receivers.map((receiver) => mark(receiver.lines));
    const said = Array.from({ length: 100 }, (_, i) => `<bea> b ${i + 1}`);
    bea.send(said.map((line) => `${line.slice('<bea> '.length)}\n`).join(''));
    for (const [i, receiver] of receivers.entries()) {
      await receiver.lines.waitFor('<bea> b 100');
      const heard = receiver.lines.all.slice(from[i]).filter((line) => line.startsWith('<bea> '));
      expect(heard).toEqual(said);
      // bea came back once, announced before her lines.
      const since = receiver.lines.all.slice(receiver.lines.all.indexOf('* bea left (node b is gone)'));
      expect(since.filter((line) => /^\* bea /.test(line))).toEqual(['* bea left (node b is gone)', '* bea joined']);
      expect(since.indexOf('* bea joined')).toBeLessThan(since.indexOf('<bea> b 1'));
    }
  }, 40_000);

  it('keeps the private lines Redis took for it while the route was dead: its member has each once, in order, when it is back', async () => {
    const { proxy, b, ada, bea } = await privateScene();
    ada.send('/msg bea pm 0\n');
    await bea.lines.waitFor('*ada* pm 0');

    // B's links to Redis go dead without a word: a still lists bea, and Redis takes the lines for b.
    proxy.blackHole();
    const sent = Array.from({ length: 20 }, (_, i) => `pm ${i + 1}`);
    ada.send(sent.map((text) => `/msg bea ${text}\n`).join(''));
    await ada.lines.waitFor('*-> bea* pm 20');
    await b.stdout.waitFor(/^! lost the cluster: Redis has not answered/, TTL_MS);
    proxy.reroute(); // new connections get through; the dead ones stay dead
    await b.stdout.waitFor(/^\* rejoined the cluster as node b: /, TTL_MS * 2);
    await bea.lines.waitFor('*ada* pm 20', TTL_MS);

    expect(ada.lines.all.filter((line) => line.startsWith('! '))).toEqual([]);
    expect(bea.lines.all.filter((line) => line.startsWith('*ada* '))).toEqual(['pm 0', ...sent].map((text) => `*ada* ${text}`));
  }, 40_000);

  it('refuses the private lines it wrote into the dead route, that the route delivers late: each was named to its sender as not gone out', async () => {
    const { proxy, b, ada, bea } = await privateScene();
    bea.send('/msg ada r 0\n');
    await ada.lines.waitFor('*bea* r 0');

    proxy.holdExisting(); // b's links go dead; what b writes into them reaches Redis at heal()
    bea.send(Array.from({ length: 10 }, (_, i) => `/msg ada r ${i + 1}\n`).join(''));
    await bea.lines.waitFor('*-> ada* r 10');
    await b.stdout.waitFor(/^\* rejoined the cluster as node b: /, TTL_MS * 2);
    const unsent = bea.lines.all.filter((line) => line.startsWith('! your private line to ada did not go out'));
    expect(unsent.length).toBeGreaterThan(0);
    proxy.heal();
    bea.send('/msg ada r 11\n');
    await ada.lines.waitFor('*bea* r 11');

    const heard = ada.lines.all.filter((line) => line.startsWith('*bea* ')).map((line) => line.slice('*bea* '.length));
    const named = unsent.map((line) => line.slice(line.lastIndexOf(': ') + 2));
    expect(heard.filter((text) => named.includes(text))).toEqual([]);
    expect([...heard, ...named].sort()).toEqual(Array.from({ length: 12 }, (_, i) => `r ${i}`).sort());
    expect(bea.lines.all.filter((line) => line.includes('went out after all'))).toEqual([]);
  }, 40_000);

  it('refuses what the dead route delivers after the cluster let the node go: no line of its people after they were seen leave, no guest nobody saw join', async () => {
    const { proxy, b, ada, bea } = await privateScene();
    bea.send('before\n');
    await ada.lines.waitFor('<bea> before');

    proxy.holdExisting(); // what b writes into its links reaches Redis at heal(), before anything newer
    proxy.blackHole(); // and its attempts to join meanwhile go nowhere
    bea.send('late 1\nlate 2\nlate 3\n');
    const newcomer = await rawClient(b.port, 'newcomer'); // its nick claimed from the cluster, through the dead route
    await b.stdout.waitFor(/^! lost the cluster: /, TTL_MS);
    await newcomer.lines.waitFor(/^\* welcome to /);
    await ada.lines.waitFor('* bea left (node b is gone)', TTL_MS * 2);
    const from = mark(ada.lines);
    proxy.heal();
    await b.stdout.waitFor(/^\* rejoined the cluster as node b: /, TTL_MS * 3);
    await ada.lines.waitFor(/^\* \d+ lines? said on node b while it was apart from the cluster never reached this server$/, TTL_MS, from);
    bea.send('after\n');
    await ada.lines.waitFor('<bea> after', undefined, from);

    const since = ada.lines.all.slice(from);
    expect(since.filter((line) => line.startsWith('<bea> late'))).toEqual([]);
    expect(since.filter((line) => / left /.test(line))).toEqual([]);
  }, 40_000);
});
