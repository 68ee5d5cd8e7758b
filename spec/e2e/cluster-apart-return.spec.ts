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

describe('tcpchat serve --cluster, the members of a node back from apart', () => {
  it('are told once that the cluster is lost, and once back who left and who joined the other node meanwhile, not who stayed', async () => {
    const redis = await startRedis();
    const toRedis = await FaultProxy.start(redis.port);
    const east = await node('east', redis.url);
    const west = await node('west', `redis://127.0.0.1:${toRedis.port}`);
    const eve = await joined(east.port, 'eve');
    const carl = await joined(east.port, 'carl');
    const wes = await joined(west.port, 'wes');
    await ask(wes, '/who', '* online in #lobby (4): server (west), wes (west), eve (east), carl (east)');

    redis.process.child.kill('SIGSTOP');
    try {
      await Promise.all([east, west].map((server) => server.stdout.waitFor(/^! lost the cluster: /)));
      await wes.lines.waitFor(/^\* lost touch with the rest of the cluster/);
      await ask(wes, '/who', '* online in #lobby (2): server (west), wes (west)');
      carl.send('/quit\n');
      await eve.lines.waitFor('* carl left (quit)');
      await joined(east.port, 'dan');
      toRedis.stall(); // west stays apart until east is back with its people
    } finally {
      redis.process.child.kill('SIGCONT');
    }
    await east.stdout.waitFor(/^\* rejoined the cluster as node east/, 10_000);
    await heldInRedis(redis.url, 'dan');
    toRedis.heal();

    const back = [
      '* carl left (while this server was apart from the cluster)',
      '* dan joined (while this server was apart from the cluster)',
    ];
    await Promise.all(back.map((line) => wes.lines.waitFor(line, 10_000)));
    await ask(wes, '/who', '* online in #lobby (4): server (west), wes (west), eve (east), dan (east)');
    const about = (nick: string) => wes.lines.all.filter((line) => line.startsWith(`* ${nick} `));
    expect([...about('carl'), ...about('dan'), ...about('eve')]).toEqual(back);
    expect(wes.lines.all.filter((line) => line.startsWith('* lost touch'))).toHaveLength(1);
  }, 40_000);
});
