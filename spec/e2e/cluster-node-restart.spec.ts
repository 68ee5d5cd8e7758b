import { afterEach, describe, expect, it } from '@jest/globals';
import { chatter } from './helpers/chatter.js';
import { ask, joined } from './helpers/client.js';
import { clusterNode } from './helpers/cluster-node.js';
import { closeFaultProxies, FaultProxy } from './helpers/fault-proxy.js';
import { cleanUp } from './helpers/leftovers.js';
import { testRedis } from './helpers/redis.js';

afterEach(async () => {
  await closeFaultProxies();
  await cleanUp();
});

// Long enough that the killed run's members are still held when the client is back.
const ARGS = ['--rate', '0', '--presence-ttl', '30'];

describe('tcpchat serve --cluster, a node killed and started again', () => {
  it('a tcpchat client that reconnects to it takes its own nick back from the killed run, and says its lines under it', async () => {
    const cluster = await testRedis();
    const a = await clusterNode('a', cluster, ARGS);
    let b = await clusterNode('b', cluster, ARGS);
    const toB = await FaultProxy.start(b.port); // the address the client knows, whichever run of b is behind it
    const ada = await chatter(toB.port, 'ada');
    const watcher = await joined(a.port, 'watcher');
    ada.write('before\n');
    await watcher.lines.waitFor('<ada> before');

    b.child.kill('SIGKILL');
    await ada.stderr.waitFor(/reconnecting in/);
    b = await clusterNode('b', cluster, ARGS);
    toB.target = b.port;
    await ada.stderr.waitFor(`tcpchat: reconnected to 127.0.0.1:${toB.port}`, 15_000);
    ada.write('after\n');
    await watcher.lines.waitFor(/^<.+> after$/);

    expect(watcher.lines.all.filter((line) => line.endsWith('> after'))).toEqual(['<ada> after']);
    expect(ada.stderr.all.filter((line) => line.includes('refused the nick'))).toEqual([]);
    // One ada, on the new run of b, for both nodes.
    for (const [port, name] of [
      [a.port, 'a'],
      [b.port, 'b'],
    ] as const) {
      const asker = await joined(port, `asker-${name}`);
      const who = await ask(asker, '/who', /^\* online in #lobby/);
      expect(who.match(/\bada\b/g)).toEqual(['ada']);
    }
  });

  it('counts nobody of its killed run, whose members the cluster holds until their presence expires', async () => {
    const cluster = await testRedis();
    const a = await clusterNode('a', cluster, ARGS);
    let b = await clusterNode('b', cluster, ARGS);
    const watcher = await joined(a.port, 'watcher');
    await joined(b.port, 'ghost');
    await watcher.lines.waitFor(/^\* guest-\d+ is now ghost$/);

    b.child.kill('SIGKILL');
    b = await clusterNode('b', cluster, ARGS);
    const newcomer = await joined(b.port, 'newcomer');
    expect(newcomer.lines.all).toContain('* you are now in #lobby (2 here); no topic');
    await ask(newcomer, '/who', /^\* online in #lobby \(3\): server \(b\), (newcomer \(b\), watcher \(a\)|watcher \(a\), newcomer \(b\))$/);
  });
});
