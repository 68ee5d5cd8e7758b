import { afterEach, describe, expect, it } from '@jest/globals';
import { chatter, mark } from './helpers/chatter.js';
import { joined } from './helpers/client.js';
import { clusterNode } from './helpers/cluster-node.js';
import { closeFaultProxies, FaultProxy } from './helpers/fault-proxy.js';
import { cleanUp } from './helpers/leftovers.js';
import type { Running } from './helpers/processes.js';
import { testRedis } from './helpers/redis.js';

afterEach(async () => {
  await closeFaultProxies();
  await cleanUp();
});

const KEPT = '* bb lost its connection a moment ago; your private line is kept for when it is back';

/**
 * bb (a tcpchat client) on west through a fault proxy, aa on east. aa's first /msg reaches bb; then
 * bb's link turns into a black hole, west lets bb go, and aa's next two are kept for bb's return.
 */
async function keptForReturn() {
  const cluster = await testRedis();
  const east = await clusterNode('east', cluster, ['--rate', '0']);
  const west = await clusterNode('west', cluster, ['--rate', '0', '--heartbeat', '1s']);
  const proxy = await FaultProxy.start(west.port);
  const bb = await chatter(proxy.port, 'bb', ['--heartbeat', '1s']);
  const aa = await joined(east.port, 'aa');
  aa.send('/msg bb one\n');
  await bb.stdout.waitFor('*aa* one');

  proxy.blackHole();
  await aa.lines.waitFor(/^\* bb left \((no answer to pings|connection closed)\)$/, 8000); // west let bb go, and said so
  aa.send('/msg bb two\n/msg bb three\n');
  await aa.lines.waitFor(KEPT);
  return { east, proxy, aa, bb };
}

/** What bb was shown of aa's private lines, replayed ones as they were said. */
const privatesOf = (bb: Running): string[] =>
  bb.stdout.all.map((line) => line.replace(/^\(earlier\) /, '')).filter((line) => line.startsWith('*aa* '));

describe('tcpchat serve --cluster, a /msg from another node to a member whose link has just died', () => {
  it('goes on to its node and is kept there: its client, back, has it once, in order; the sender is told it is kept', async () => {
    const { proxy, aa, bb } = await keptForReturn();
    const [from, seen] = [mark(bb.stderr), mark(aa.lines)];
    proxy.heal();
    await bb.stderr.waitFor(/^tcpchat: reconnected to /, 8000, from);
    await bb.stdout.waitFor('(earlier) *aa* three');
    await aa.lines.waitFor(/^\* guest-\d+ is now bb$/, 5000, seen); // east hears bb back
    aa.send('/msg bb four\n');
    await bb.stdout.waitFor('*aa* four');

    expect(privatesOf(bb)).toEqual(['*aa* one', '*aa* two', '*aa* three', '*aa* four']);
    expect(aa.lines.all.filter((line) => line === KEPT)).toHaveLength(2);
    expect(aa.lines.all.filter((line) => line.startsWith('! '))).toEqual([]);
  }, 30_000);

  it('kept there for a client that comes back on the other node: that node asks for them, and the client has each once, in order', async () => {
    const { east, proxy, aa, bb } = await keptForReturn();
    // The route comes back leading to east: bb's client resumes there.
    const from = mark(bb.stderr);
    proxy.target = east.port;
    proxy.reroute();
    proxy.heal();
    await bb.stderr.waitFor(/^tcpchat: reconnected to /, 8000, from);
    await bb.stdout.waitFor('(earlier) *aa* three');
    aa.send('/msg bb four\n');
    await bb.stdout.waitFor('*aa* four');

    expect(privatesOf(bb)).toEqual(['*aa* one', '*aa* two', '*aa* three', '*aa* four']);
    expect(bb.stdout.all.filter((line) => line.includes('cannot be replayed'))).toEqual([]);
  }, 30_000);
});
