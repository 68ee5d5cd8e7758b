import { afterEach, describe, expect, it } from '@jest/globals';
import { setTimeout as delay } from 'node:timers/promises';
import { ask, joined, type Client } from './helpers/client.js';
import { cleanUp } from './helpers/leftovers.js';
import { startRedis } from './helpers/redis.js';
import { startServer, type Server } from './helpers/server.js';

afterEach(cleanUp);

/** `tcpchat serve --cluster URL` as node `name`, once it has joined the cluster. */
async function node(name: string, url: string): Promise<Server> {
  const args = ['--cluster', url, '--cluster-name', 'apart-privates', '--node', name, '--presence-ttl', '2'];
  const server = await startServer(args, { name: `node ${name}` });
  await server.stdout.waitFor(new RegExp(`^\\* joined the cluster as node ${name}: `));
  return server;
}

/** Resolves once `client`'s `/who` lists `entry` (a node back in the cluster hears the others' members as they sync). */
async function listed(client: Client, entry: string): Promise<void> {
  for (let tries = 0; tries < 50; tries++) {
    if ((await ask(client, '/who', /^\* online in /)).includes(entry)) return;
    await delay(100);
  }
  throw new Error(`/who never listed ${entry}`);
}

const unsent = (n: number): string => `! your private line to bb did not go out (bb's server cannot be reached now): pm ${n}`;
const APART = '! bb is not on this server, and may be on another that cannot be reached now';

describe('tcpchat serve --cluster, /msg to another node while Redis is stopped', () => {
  it('each line Redis did not take is named to its sender, and told again if it went after all; while apart the nick may be elsewhere, not "no such nick"; back, lines cross again', async () => {
    const redis = await startRedis();
    const east = await node('east', redis.url);
    const west = await node('west', redis.url);
    const aa = await joined(east.port, 'aa');
    const bb = await joined(west.port, 'bb');
    await ask(aa, '/msg bb pm 1', '*-> bb* pm 1');
    await bb.lines.waitFor('*aa* pm 1');

    redis.process.child.kill('SIGSTOP');
    try {
      aa.send('/msg bb pm 2\n/msg bb pm 3\n'); // east does not know yet that Redis is gone
      await aa.lines.waitFor('*-> bb* pm 3');
      for (const server of [east, west]) await server.stdout.waitFor(/^! lost the cluster: Redis has not answered/);
      await aa.lines.waitFor(unsent(3));
      await ask(aa, '/msg bb pm 4', APART);
    } finally {
      redis.process.child.kill('SIGCONT');
    }
    await east.stdout.waitFor(/^\* rejoined the cluster as node east/, 10_000);
    await west.stdout.waitFor(/^\* rejoined the cluster as node west/, 10_000);
    await listed(aa, 'bb (west)');
    await ask(aa, '/msg bb pm 5', '*-> bb* pm 5');
    await bb.lines.waitFor('*aa* pm 5');

    expect(aa.lines.all.filter((line) => line.startsWith('! '))).toEqual([unsent(2), unsent(3), APART]);
    // Pm 2 and 3 were queued in the paused Redis, which may run them once resumed: then bb has each once
    // and aa is told it went after all; else neither (bb's server never knew of them).
    const got = bb.lines.all.filter((line) => line.startsWith('*aa*'));
    const went = got.filter((line) => line === '*aa* pm 2' || line === '*aa* pm 3').map((line) => line.slice('*aa* '.length));
    expect(got).toEqual(['*aa* pm 1', ...went.map((text) => `*aa* ${text}`), '*aa* pm 5']);
    for (const text of went) await aa.lines.waitFor(`* your private line to bb went out after all (it reached the cluster late): ${text}`);
    expect(aa.lines.all.filter((line) => line.includes('went out after all'))).toHaveLength(went.length);
  }, 40_000);
});
