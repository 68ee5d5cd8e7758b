import { afterEach, describe, expect, it } from '@jest/globals';
import { setTimeout as delay } from 'node:timers/promises';
import { chatter } from './helpers/chatter.js';
import { ask, joined } from './helpers/client.js';
import { clusterNode } from './helpers/cluster-node.js';
import { closeFaultProxies, FaultProxy } from './helpers/fault-proxy.js';
import { cleanUp } from './helpers/leftovers.js';
import { heldInRedis, startRedis, type RedisServer } from './helpers/redis.js';
import type { Server } from './helpers/server.js';

afterEach(async () => {
  await closeFaultProxies();
  await cleanUp();
});

const CLUSTER = 'apart-return';

/** Node `name` of the test's cluster through `url` (it notices a silent Redis within a second). */
const node = (name: string, url: string): Promise<Server> =>
  clusterNode(name, { url, cluster: CLUSTER }, ['--rate', '0', '--presence-ttl', '2']);

const THIS_APART = '(while this server was apart from the cluster)';
const EAST_APART = '(while node east was apart from the cluster)';

/** Redis paused (SIGSTOP) while both nodes know it is lost and `meanwhile` runs, then resumed until both are back. */
async function pausedWhile(redis: RedisServer, nodes: readonly Server[], meanwhile: () => Promise<void>): Promise<void> {
  redis.process.child.kill('SIGSTOP');
  try {
    await Promise.all(nodes.map((server) => server.stdout.waitFor(/^! lost the cluster: /)));
    await meanwhile();
  } finally {
    redis.process.child.kill('SIGCONT');
  }
  await Promise.all(nodes.map((server) => server.stdout.waitFor(/^\* rejoined the cluster as node /, 10_000)));
}

describe('tcpchat serve --cluster, the members of a node back from apart', () => {
  // West's members hear who left and joined east meanwhile, said from where west stands: east came
  // back first (its people in Redis when west comes back), or west did (east's own sync tells them).
  it.each([
    ['stopped (SIGSTOP), east back first', 'east', [`* carl left ${THIS_APART}`, `* dan joined ${THIS_APART}`]],
    ['restarted empty, west back first', 'west', [`* carl left ${EAST_APART}`, '* dan joined']],
  ] as const)(
    'Redis %s: are told once it is lost, and once back who left and who joined the other node meanwhile, not who stayed',
    async (how, first, back) => {
      const redis = await startRedis();
      const toRedis = await FaultProxy.start(redis.port); // the way of the node back second
      const proxied = `redis://127.0.0.1:${toRedis.port}`;
      const [eastUrl, westUrl] = first === 'east' ? [redis.url, proxied] : [proxied, redis.url];
      const east = await node('east', eastUrl);
      const west = await node('west', westUrl);
      const eve = await joined(east.port, 'eve');
      const carl = await joined(east.port, 'carl');
      const wes = await joined(west.port, 'wes');
      await ask(wes, '/who', '* online in #lobby (4): server (west), wes (west), eve (east), carl (east)');

      const stopped = how.startsWith('stopped');
      redis.process.child.kill(stopped ? 'SIGSTOP' : 'SIGKILL');
      try {
        await Promise.all([east, west].map((server) => server.stdout.waitFor(/^! lost the cluster: /)));
        await wes.lines.waitFor(/^\* lost touch with the rest of the cluster/);
        await ask(wes, '/who', '* online in #lobby (2): server (west), wes (west)');
        carl.send('/quit\n');
        await eve.lines.waitFor('* carl left (quit)');
        await joined(east.port, 'dan');
        toRedis.stall();
      } finally {
        if (stopped) redis.process.child.kill('SIGCONT');
      }
      const again = stopped ? redis : await startRedis({ port: redis.port });
      const [firstBack, secondBack] = first === 'east' ? [east, west] : [west, east];
      await firstBack.stdout.waitFor(new RegExp(`^\\* rejoined the cluster as node ${first}`), 10_000);
      await heldInRedis(again.url, CLUSTER, first === 'east' ? 'dan' : 'wes');
      toRedis.heal();
      await secondBack.stdout.waitFor(/^\* rejoined the cluster as node /, 10_000);

      await Promise.all(back.map((line) => wes.lines.waitFor(line, 10_000)));
      await ask(
        wes,
        '/who',
        /^\* online in #lobby \(4\): server \(west\), wes \(west\), (eve \(east\), dan \(east\)|dan \(east\), eve \(east\))$/,
      );
      const about = (nick: string) => wes.lines.all.filter((line) => line.startsWith(`* ${nick} `));
      expect([...about('carl'), ...about('dan'), ...about('eve')]).toEqual(back);
      expect(wes.lines.all.filter((line) => line.startsWith('* lost touch'))).toHaveLength(1);
    },
    40_000,
  );

  it('Redis restarted empty after longer than the TTL, the other node killed meanwhile: are told its people left once it is gone (within the TTL)', async () => {
    const redis = await startRedis();
    const east = await node('east', redis.url);
    const west = await node('west', redis.url);
    await joined(east.port, 'eve');
    await joined(east.port, 'carl');
    const wes = await joined(west.port, 'wes');
    await wes.lines.waitFor(/^\* guest-\d+ is now carl$/);

    redis.process.child.kill('SIGKILL');
    await Promise.all([east, west].map((server) => server.stdout.waitFor(/^! lost the cluster: /)));
    east.child.kill('SIGKILL');
    await delay(2500); // apart for longer than the presence TTL: west no longer waits to hear from east
    await startRedis({ port: redis.port }); // it kept nothing
    await west.stdout.waitFor(/^\* rejoined the cluster as node west/, 10_000);

    const gone = ['* eve left (node east is gone)', '* carl left (node east is gone)'];
    await Promise.all(gone.map((line) => wes.lines.waitFor(line, 10_000)));
    await ask(wes, '/who', '* online in #lobby (2): server (west), wes (west)');
    expect(wes.lines.all.filter((line) => / (left|joined) /.test(line) && !line.startsWith('* wes'))).toEqual(gone);
  }, 30_000);

  it('Redis paused for longer than the TTL: each node is told who left the other meanwhile, and nothing of those who stayed', async () => {
    const redis = await startRedis();
    const east = await node('east', redis.url);
    const west = await node('west', redis.url);
    const eve = await joined(east.port, 'eve');
    const carl = await joined(east.port, 'carl');
    const wes = await joined(west.port, 'wes');
    await ask(wes, '/who', '* online in #lobby (4): server (west), wes (west), eve (east), carl (east)');
    const [wesFrom, eveFrom] = [wes.lines.all.length, eve.lines.all.length];

    await pausedWhile(redis, [east, west], async () => {
      carl.send('/quit\n');
      await eve.lines.waitFor('* carl left (quit)');
      await delay(2500); // paused for longer than the presence TTL: every node's presence expires with it
    });
    // Which node is back first decides who says it; either way carl left once, and eve and wes stayed.
    await wes.lines.waitFor(/^\* carl left \(while (this server|node east) was apart from the cluster\)$/, 10_000);
    await ask(wes, '/who', '* online in #lobby (3): server (west), wes (west), eve (east)');
    await ask(eve, '/who', '* online in #lobby (3): server (east), eve (east), wes (west)');
    const comings = (client: typeof wes, from: number) => client.lines.all.slice(from).filter((line) => / (left|joined)( |$)/.test(line));
    expect(comings(wes, wesFrom)).toHaveLength(1);
    expect(comings(eve, eveFrom)).toEqual(['* carl left (quit)']);
  }, 30_000);

  it("one node's route to Redis dead a while: its members have the other node's own notices of who left and joined, replayed once, not told again", async () => {
    const redis = await startRedis();
    const toRedis = await FaultProxy.start(redis.port);
    const east = await node('east', redis.url);
    const west = await node('west', `redis://127.0.0.1:${toRedis.port}`);
    const carl = await joined(east.port, 'carl');
    const wes = await joined(west.port, 'wes');
    await ask(wes, '/who', '* online in #lobby (3): server (west), wes (west), carl (east)');
    const from = wes.lines.all.length;

    toRedis.blackHole();
    await west.stdout.waitFor(/^! lost the cluster: /);
    carl.send('/quit\n');
    await joined(east.port, 'dan');
    toRedis.reroute();
    await west.stdout.waitFor(/^\* rejoined the cluster as node west/, 10_000);
    await ask(wes, '/who', '* online in #lobby (3): server (west), wes (west), dan (east)');

    const about = wes.lines.all.slice(from).filter((line) => /^(\(earlier\) )?\* (carl|dan|guest-\d+) /.test(line));
    expect(about.filter((line) => line.includes('carl'))).toHaveLength(1);
    expect(about.filter((line) => line.includes('apart'))).toEqual([]);
  }, 30_000);

  it('Redis paused: a tcpchat client that renamed and moved rooms on the other node meanwhile is told as renamed and moved, not as gone', async () => {
    const redis = await startRedis();
    const east = await node('east', redis.url);
    const west = await node('west', redis.url);
    const ren = await chatter(east.port, 'ren');
    const wes = await joined(west.port, 'wes');
    await ask(wes, '/who', '* online in #lobby (3): server (west), wes (west), ren (east)');
    const from = wes.lines.all.length;

    await pausedWhile(redis, [east, west], async () => {
      ren.write('/nick ren2\n');
      await ren.stdout.waitFor('* you are now ren2');
      ren.write('/join #dev\n');
      await ren.stdout.waitFor(/^\* you are now in #dev/);
    });
    // Which node is back first decides who says it (this server's return, or east's sync), not what is said.
    const told = await wes.lines.waitFor(/^\* ren is now ren2 \(while (this server|node east) was apart from the cluster\)$/, 10_000);
    const why = told.slice(told.indexOf(' ('));
    await ask(wes, '/who #dev', '* online in #dev (1): ren2 (east)');
    expect(wes.lines.all.slice(from).filter((line) => / (left|joined|is now) /.test(line))).toEqual([
      `* ren is now ren2${why}`,
      `* ren2 left for #dev${why}`,
    ]);
  }, 30_000);
});
