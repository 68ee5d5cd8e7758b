import { afterEach, describe, expect, it } from '@jest/globals';
import { ask, joined, rawClient, type Client } from './helpers/client.js';
import { clusterNode, type TestCluster } from './helpers/cluster-node.js';
import { closeFaultProxies, FaultProxy } from './helpers/fault-proxy.js';
import { cleanUp } from './helpers/leftovers.js';
import { tcpchat, waitForExit } from './helpers/processes.js';
import { testRedis } from './helpers/redis.js';
import type { Server } from './helpers/server.js';

/**
 * What a cluster keeps in Redis for good, seen from real servers and clients: a nick registered
 * on one node is registered on every node, and on a node started after; /search and /history
 * since on one node find what was said on another.
 */

afterEach(async () => {
  await closeFaultProxies();
  await cleanUp();
});

const SECRET = 's3cret words';
/** Presence TTL (s): a killed node's members are gone this soon. */
const TTL = 2;

const LOST = '* lost touch with the rest of the cluster: only the people on this server hear you until it is back';

const node = (name: string, cluster: TestCluster): Promise<Server> =>
  clusterNode(name, cluster, ['--relay', '--presence-ttl', String(TTL)]);

/** A guest on the node at `port`, welcomed. */
async function guest(port: number, name: string): Promise<Client> {
  const client = await rawClient(port, name);
  await client.lines.waitFor(/^\* welcome to /);
  return client;
}

describe('a cluster keeps in Redis', () => {
  it('registered nicks: refused on every node to anyone who has not identified, taken with /identify anywhere, kept across a node killed and started again', async () => {
    const redis = await testRedis();
    const a = await node('a', redis);
    const b = await node('b', redis);
    const ada = await joined(a.port, 'ada');
    await ask(ada, `/register ${SECRET}`, '* ada is registered to you; take it back later with /identify ada SECRET');
    const other = await guest(b.port, 'other');
    ada.socket.end();
    await other.lines.waitFor(/^\* ada left/);

    await ask(other, '/nick ada', '! ada is registered: /identify ada SECRET first');
    await ask(other, '/identify ada wrong', '! wrong secret for ada');

    a.child.kill('SIGKILL');
    expect((await waitForExit(a)).signal).toBe('SIGKILL');
    const again = await node('a', redis); // a new run of node a: all it knows of the nick, Redis kept
    const newcomer = await guest(again.port, 'newcomer');
    await ask(newcomer, '/nick ADA', '! ADA is registered: /identify ADA SECRET first');

    await ask(other, `/identify ada ${SECRET}`, '* you are identified as ada');
    await other.lines.waitFor('* you are now ada');
    await newcomer.lines.waitFor(/^\* guest-\d+ is now ada$/); // node a has heard the rename
    await ask(newcomer, '/who', /^\* online in #lobby \(3\): server \(a\), guest-\d+ \(a\), ada \(b\)$/);

    // The client identifies by itself (TCPCHAT_IDENTITY) on the node started again, once the nick is free.
    other.socket.end();
    await newcomer.lines.waitFor(/^\* ada left/);
    const owner = tcpchat(['connect', `127.0.0.1:${again.port}`, '--nick', 'ada'], { name: 'ada', env: { TCPCHAT_IDENTITY: SECRET } });
    await owner.stdout.waitFor('* you are now ada');
    const everything = [
      ...owner.stdout.all,
      ...owner.stderr.all,
      ...b.stdout.all,
      ...b.stderr.all,
      ...again.stdout.all,
      ...again.stderr.all,
    ];
    expect(everything.filter((line) => line.includes('s3cret'))).toEqual([]);
  });

  it('room lines for /search and /history since: asked on one node, they find what was said on another, with time and author', async () => {
    const redis = await testRedis();
    const a = await node('a', redis);
    const b = await node('b', redis);
    const ada = await joined(a.port, 'ada');
    const bob = await joined(b.port, 'bob');
    ada.send('The quick brown fox\nsomething else\n');
    await bob.lines.waitFor('<ada> something else');

    await ask(bob, '/search QUICK fox', '* history: the last 1 line');
    expect(await bob.lines.waitFor(/^\[/)).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d\] <ada> The quick brown fox$/);
    await bob.lines.waitFor('* end of history');
    await ask(bob, '/search nowhere to be found', '* no line here holds those words');

    const from = bob.lines.all.length;
    await ask(bob, '/history since 1h', '* end of history');
    const shown = bob.lines.all.slice(from).map((line) => line.replace(/^\[[^\]]+\] /, ''));
    expect(shown).toEqual(expect.arrayContaining(['<ada> The quick brown fox', '<ada> something else']));
  });

  it('a registration lifted while a node was apart is lifted there when it is back; one made there meanwhile reaches the others', async () => {
    const redis = await testRedis();
    const proxy = await FaultProxy.start(Number(new URL(redis.url).port));
    const a = await node('a', { ...redis, url: `redis://127.0.0.1:${proxy.port}` });
    const b = await node('b', redis);
    const ada = await joined(b.port, 'ada');
    await ask(ada, `/register ${SECRET}`, /^\* ada is registered to you/);
    const zoe = await joined(a.port, 'zoe');
    await ask(ada, '/nick bea', '* you are now bea'); // heard on a once its rename is
    await zoe.lines.waitFor('* ada is now bea');
    await ask(zoe, '/nick ada', '! ada is registered: /identify ada SECRET first');

    proxy.blackHole();
    await zoe.lines.waitFor(LOST);
    await ask(ada, `/identify ada ${SECRET}`, '* you are now ada');
    await ask(ada, '/unregister', '* ada is no longer registered');
    await ask(ada, '/nick bea', '* you are now bea');
    await ask(zoe, '/register zsecret', '* zoe is registered to you; take it back later with /identify zoe SECRET');

    proxy.heal();
    await zoe.lines.waitFor(/^\* back in the cluster: /);
    const other = await guest(a.port, 'other');
    await ask(other, '/nick ada', '* you are now ada');
    await ask(ada, '/identify zoe wrong', '! wrong secret for zoe');
  });

  it('bans: a CIDR banned on one node is refused on another, and on a node started after the ban', async () => {
    const redis = await testRedis();
    const args = ['--relay', '--presence-ttl', String(TTL), '--operator', 'op'];
    const a = await clusterNode('a', redis, args);
    const b = await clusterNode('b', redis, args);
    const op = await joined(a.port, 'op');
    await ask(op, `/register ${SECRET}`, /^\* op is registered to you/);
    const spammer = await rawClient(b.port, 'spammer', '127.0.0.1', '127.0.0.9');
    await spammer.lines.waitFor(/^\* welcome to /);
    await ask(op, '/ban 127.0.0.8/29 spam', /was banned by op/);
    await spammer.lines.waitFor('! banned: spam (until further notice)');
    await spammer.ended;
    const again = await rawClient(b.port, 'again', '127.0.0.1', '127.0.0.10');
    await again.lines.waitFor('! banned: spam (until further notice)');
    await again.ended;
    const c = await clusterNode('c', redis, args); // it never heard the ban: Redis gives it at join
    const later = await rawClient(c.port, 'later', '127.0.0.1', '127.0.0.15');
    await later.lines.waitFor('! banned: spam (until further notice)');
    await later.ended;
    const fine = await rawClient(c.port, 'fine', '127.0.0.1', '127.0.0.16'); // outside the block
    await fine.lines.waitFor(/^\* welcome to /);
  });
});
