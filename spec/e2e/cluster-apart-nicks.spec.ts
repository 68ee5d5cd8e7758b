import { afterEach, describe, expect, it } from '@jest/globals';
import { setTimeout as delay } from 'node:timers/promises';
import { joined, type Client } from './helpers/client.js';
import { closeFaultProxies, FaultProxy } from './helpers/fault-proxy.js';
import { cleanUp } from './helpers/leftovers.js';
import { heldInRedis, startRedis } from './helpers/redis.js';
import { startServer, type Server } from './helpers/server.js';

afterEach(async () => {
  await closeFaultProxies();
  await cleanUp();
});

const CLUSTER = 'apart-nicks';

/** `tcpchat serve --cluster URL` as node `name`, once it has joined the cluster (it notices a silent Redis within half the TTL). */
async function node(name: string, url: string, ttl = 2): Promise<Server> {
  const args = ['--rate', '0', '--cluster', url, '--cluster-name', CLUSTER, '--node', name, '--presence-ttl', String(ttl)];
  const server = await startServer(args, { name: `node ${name}` });
  await server.stdout.waitFor(new RegExp(`^\\* joined the cluster as node ${name}: `));
  return server;
}

const TOLD = /^\* your nick zed (went to someone else while this server was apart|was held on another node since before you took it)/;

describe('tcpchat serve --cluster, one nick taken on two nodes while Redis is stopped', () => {
  // East always rejoins first (west reaches Redis through a proxy held until east has synced), so
  // each order of taking meets the other side of the rule: the first holder rejoins first, or last.
  it.each([
    ['east', 'west'],
    ['west', 'east'],
  ] as const)(
    'taken on %s first, on %s later: the first keeps it once they are back, the other is told why',
    async (first, second) => {
      const redis = await startRedis();
      const toRedis = await FaultProxy.start(redis.port);
      const servers = { east: await node('east', redis.url), west: await node('west', `redis://127.0.0.1:${toRedis.port}`) };
      const people: Record<'east' | 'west', Client> = {
        east: await joined(servers.east.port, 'eve'),
        west: await joined(servers.west.port, 'wes'),
      };
      redis.process.child.kill('SIGSTOP');
      try {
        await Promise.all(Object.values(servers).map((server) => server.stdout.waitFor(/^! lost the cluster: Redis has not answered/)));
        people[first].send('/nick zed\n');
        await people[first].lines.waitFor('* you are now zed');
        await delay(300); // later by every clock here
        people[second].send('/nick zed\n');
        await people[second].lines.waitFor('* you are now zed');
        toRedis.stall();
      } finally {
        redis.process.child.kill('SIGCONT');
      }
      await servers.east.stdout.waitFor(/^\* rejoined the cluster as node east/, 10_000);
      await heldInRedis(redis.url, CLUSTER, 'zed');
      toRedis.heal();
      await servers.west.stdout.waitFor(/^\* rejoined the cluster as node west/, 10_000);

      await people[second].lines.waitFor(TOLD, 10_000);
      people[first].send('still here\n');
      await people[second].lines.waitFor('<zed> still here', 10_000);
      expect(people[first].lines.all.filter((line) => TOLD.test(line))).toEqual([]);
      expect(people[first].lines.all.filter((line) => line.startsWith('* you are now')).at(-1)).toBe('* you are now zed');
    },
    40_000,
  );

  it('taken on west first by a claim Redis never answered, on east later while apart: west, whose node learnt last, keeps it', async () => {
    const redis = await startRedis();
    const toRedis = await FaultProxy.start(redis.port);
    // West notices a silent Redis within 3 s, east within 1 s: east's zed comes between west's ask and west's giving up.
    const east = await node('east', redis.url);
    const west = await node('west', `redis://127.0.0.1:${toRedis.port}`, 6);
    const eve = await joined(east.port, 'eve');
    const wes = await joined(west.port, 'wes');
    redis.process.child.kill('SIGSTOP');
    try {
      wes.send('/nick zed\n'); // waits for Redis until west gives up on it
      await east.stdout.waitFor(/^! lost the cluster: Redis has not answered/);
      eve.send('/nick zed\n');
      await eve.lines.waitFor('* you are now zed');
      expect(wes.lines.all).not.toContain('* you are now zed');
      await west.stdout.waitFor(/^! lost the cluster: Redis has not answered/);
      await wes.lines.waitFor('* you are now zed');
      toRedis.stall();
    } finally {
      redis.process.child.kill('SIGCONT');
    }
    await east.stdout.waitFor(/^\* rejoined the cluster as node east/, 10_000);
    await heldInRedis(redis.url, CLUSTER, 'zed');
    toRedis.heal();
    await eve.lines.waitFor(TOLD, 15_000);
    wes.send('still here\n');
    await eve.lines.waitFor('<zed> still here', 10_000);
    expect(wes.lines.all.filter((line) => TOLD.test(line))).toEqual([]);
  }, 40_000);
});
