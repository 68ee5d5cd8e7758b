import { afterEach, describe, expect, it } from '@jest/globals';
import { setTimeout as delay } from 'node:timers/promises';
import { createClient } from 'redis';
import { ask, joined } from './helpers/client.js';
import { closeFaultProxies, FaultProxy } from './helpers/fault-proxy.js';
import { cleanUp } from './helpers/leftovers.js';
import { startRedis } from './helpers/redis.js';
import { startServer, type Server } from './helpers/server.js';
import { within } from './helpers/within.js';

afterEach(async () => {
  await closeFaultProxies();
  await cleanUp();
});

const CLUSTER = 'apart-return';

/** `tcpchat serve --cluster URL` as node `name`, once it has joined (it notices a silent Redis within a second). */
async function node(name: string, url: string): Promise<Server> {
  const args = ['--rate', '0', '--cluster', url, '--cluster-name', CLUSTER, '--node', name, '--presence-ttl', '2'];
  const server = await startServer(args, { name: `node ${name}` });
  await server.stdout.waitFor(new RegExp(`^\\* joined the cluster as node ${name}: `));
  return server;
}

/** Resolves once Redis holds `nick` for a member (a node that rejoined has synced its people). */
async function heldInRedis(url: string, nick: string): Promise<void> {
  const watcher = createClient({ url });
  await watcher.connect();
  try {
    const held = async (): Promise<void> => {
      while (!(await watcher.hExists(`tcpchat:{${CLUSTER}}:nicks`, nick))) await delay(20);
    };
    await within(held(), `Redis to hold ${nick}`, 10_000);
  } finally {
    await watcher.quit();
  }
}

const THIS_APART = '(while this server was apart from the cluster)';
const EAST_APART = '(while node east was apart from the cluster)';

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
      await heldInRedis(again.url, first === 'east' ? 'dan' : 'wes');
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
});
