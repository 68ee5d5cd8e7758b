import { afterEach, describe, expect, it } from '@jest/globals';
import { ask, joined } from './helpers/client.js';
import { clusterNode } from './helpers/cluster-node.js';
import { closeFaultProxies, FaultProxy } from './helpers/fault-proxy.js';
import { cleanUp } from './helpers/leftovers.js';
import { run } from './helpers/processes.js';
import { startRedis, testRedis } from './helpers/redis.js';

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
    // The kicking node's console shows each kick once (its record, with who did it), not b's notice to the
    // room again: op, on a, had each notice before the last /kick, so a's console had it before that answer.
    expect(a.stdout.all.filter((line) => line.includes(' was kicked by '))).toEqual([
      '* farkid was kicked by server: bye',
      '* kid was kicked by op: spam',
    ]);
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

  it('racing a Redis pause: a kick done after its kicker was told it was not is told to the kicker after all, and to the room on every node', async () => {
    const redis = await startRedis();
    const cluster = { url: redis.url, cluster: 'kickrace' };
    // a (the kicker's node) waits 3 s for an answer; b, with a longer TTL, goes on through the pause
    // (b beats every 2 s: a, forgetting after 6 s, does not forget it meanwhile).
    const a = await clusterNode('a', cluster, ['--relay', '--presence-ttl', '6']);
    const b = await clusterNode('b', cluster, ['--relay', '--presence-ttl', '8']);
    const obsa = await joined(a.port, 'obsa');
    const obsb = await joined(b.port, 'obsb');
    const carl = await joined(b.port, 'carl');
    await obsa.lines.waitFor(/^\* guest-\d+ is now carl$/); // node a knows carl is on b
    const channel = run('redis-cli', ['-p', String(redis.port), 'subscribe', 'tcpchat:{kickrace}:bus'], {
      stdin: 'ignore',
      name: 'redis-cli',
    });

    // Paused just after a beat of a's, and for as long as a waits for the kick's answer (3 s): the pause
    // ends as a tells the kicker, with the kick still queued in Redis.
    const beat = (line: string): boolean => line.includes('"type":"beat"') && line.includes('"node":"a"');
    await channel.stdout.waitFor(beat);
    redis.process.child.kill('SIGSTOP');
    a.write('/kick carl racy\n');
    try {
      await a.stdout.waitFor(
        '! carl is on another server that cannot be reached now; carl was not kicked (a /ban holds there once it is back)',
      );
    } finally {
      redis.process.child.kill('SIGCONT');
    }

    await carl.lines.waitFor('* you were kicked by server: racy');
    await carl.ended;
    await a.stdout.waitFor('* carl was kicked by server: racy after all: its server answered late');
    await Promise.all([obsa.lines, obsb.lines].map((lines) => lines.waitFor('* carl was kicked by server: racy')));
    await ask(obsa, '/who', '* online in #lobby (3): server (a), obsa (a), obsb (b)');
    // Told once each, as a kick and not as a leave (a, whose own heartbeat may call Redis silent too, learns it as it rejoins).
    expect(a.stdout.all.filter((line) => line.includes('after all'))).toHaveLength(1);
    expect([...obsa.lines.all, ...obsb.lines.all].filter((line) => line.includes('carl left'))).toEqual([]);
  }, 30_000);
});
