import { afterEach, describe, expect, it } from '@jest/globals';
import { chatter, mark, saidBy } from './helpers/chatter.js';
import { joined, rawClient } from './helpers/client.js';
import { cleanUp } from './helpers/leftovers.js';
import { closeProxies, Proxy } from './helpers/proxy.js';
import { startRedis, testRedis } from './helpers/redis.js';
import { clusterNode, type TestCluster } from './helpers/cluster-node.js';
import type { Server } from './helpers/server.js';
import { waitForExit } from './helpers/processes.js';
import { online } from './helpers/sentences.js';

afterEach(async () => {
  await closeProxies();
  await cleanUp();
});

/** Presence TTL for these tests, in seconds: a killed node is gone this soon. */
const TTL = 2;

/** `tcpchat serve --relay --cluster URL` as node `name`, once it has joined the cluster. */
const node = (name: string, cluster: TestCluster, ttl = TTL): Promise<Server> =>
  clusterNode(name, cluster, ['--relay', '--presence-ttl', String(ttl)]);

const only = (lines: readonly string[], line: string): number => lines.filter((each) => each === line).length;

/**
 * Nodes a, b and c with ada, bob and cy on them, once cy has been heard on a and b: one channel
 * carries presence and room lines in order, so by then every node knows everyone.
 */
async function threeNodes() {
  const redis = await testRedis();
  const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((name) => node(name, redis)));
  const ada = await joined(a.port, 'ada');
  const bob = await joined(b.port, 'bob');
  const cy = await joined(c.port, 'cy');
  cy.send('hi from c\n');
  await Promise.all([ada.lines.waitFor('<cy> hi from c'), bob.lines.waitFor('<cy> hi from c')]);
  return { a, b, c, ada, bob, cy };
}

/** A newcomer on the node at `port` asks for `nick` and is told it is taken. */
async function refused(port: number, nick: string): Promise<void> {
  const newcomer = await rawClient(port, 'newcomer');
  await newcomer.lines.waitFor(/^\* welcome/);
  newcomer.send(`/nick ${nick}\n`);
  await newcomer.lines.waitFor(`! nick ${nick} is taken`);
}

describe('tcpchat serve --cluster', () => {
  it('makes three servers one room: lines, private messages, the console, /who with nodes, and nicks unique across nodes', async () => {
    const { a, b, c, ada, bob, cy } = await threeNodes();
    ada.send('/who\n');
    expect(await ada.lines.waitFor(/^\* online/)).toMatch(online(4, 'server (a), ada (a), bob (b), cy (c)'));

    ada.send('one\ntwo\n');
    await Promise.all([bob.lines.waitFor('<ada> two'), cy.lines.waitFor('<ada> two'), c.stdout.waitFor('<ada@a> two')]);
    for (const client of [bob, cy]) expect(saidBy(client.lines, 'ada')).toEqual(['<ada> one', '<ada> two']);
    expect(saidBy(ada.lines, 'ada')).toEqual([]); // never her own lines back

    bob.send('/msg cy psst\n');
    await cy.lines.waitFor('*bob* psst');
    a.write('from the console of a\n');
    await Promise.all([bob.lines.waitFor('<server> from the console of a'), cy.lines.waitFor('<server> from the console of a')]);
    expect(ada.lines.all.filter((line) => line.includes('psst'))).toEqual([]);

    cy.send('/nick ada\n');
    await cy.lines.waitFor('! nick ada is taken');

    // Two newcomers on different nodes ask for the same nick at the same moment: exactly one gets it.
    const [left, right] = await Promise.all([rawClient(b.port, 'left'), rawClient(c.port, 'right')]);
    await Promise.all([left.lines.waitFor(/^\* welcome/), right.lines.waitFor(/^\* welcome/)]);
    left.send('/nick zed\n');
    right.send('/nick zed\n');
    const answers = await Promise.all([left, right].map((client) => client.lines.waitFor(/^(\* you are now zed|! nick zed is taken)$/)));
    expect(answers.sort()).toEqual(['! nick zed is taken', '* you are now zed']);
    // Nor can two nodes hand out look-alikes (Cyrillic а and і): Redis keys nicks by their skeleton.
    cy.send('/nick \u0430da\n');
    await cy.lines.waitFor('! nick \u0430da looks like ada, which is taken');
    left.send('/nick mia\n');
    right.send('/nick m\u0456a\n');
    const lookAlikes = await Promise.all(
      [left, right].map((client) => client.lines.waitFor(/^(\* you are now m.a|! nick m.a (is|looks like m.a, which is) taken)$/u)),
    );
    expect(lookAlikes.map((line) => line[0]).sort()).toEqual(['!', '*']);
    // Guests are numbered by the cluster: no two alike.
    const guests = [ada, bob, cy, left, right].map((client) => /you are (guest-\d+)/.exec(client.lines.all[0])?.[1]);
    expect(new Set(guests).size).toBe(5);
  });

  it('forgets a node killed with SIGKILL within the presence TTL: its people leave everywhere, their nicks are free again', async () => {
    const { c, ada, bob } = await threeNodes();

    const killed = Date.now();
    c.child.kill('SIGKILL');
    await Promise.all([
      ada.lines.waitFor('* cy left (node c is gone)', TTL * 3000),
      bob.lines.waitFor('* cy left (node c is gone)', TTL * 3000),
    ]);
    const seconds = (Date.now() - killed) / 1000;
    expect(seconds).toBeLessThan(TTL * 2); // silent for the TTL, noticed at once (loose bound: CI load)

    ada.send('/who\n');
    expect(await ada.lines.waitFor(/^\* online/)).toMatch(online(3, 'server (a), ada (a), bob (b)'));
    bob.send('/nick cy\n');
    await bob.lines.waitFor('* you are now cy');
  });

  it('keeps serving through a Redis restart and comes back together by itself', async () => {
    const redis = await startRedis();
    const cluster = { url: redis.url, cluster: 'restart' };
    const [a, b] = await Promise.all(['a', 'b'].map((name) => node(name, cluster)));
    const ada = await joined(a.port, 'ada');
    const bob = await joined(b.port, 'bob');
    const amy = await joined(a.port, 'amy');
    ada.send('before\n');
    await Promise.all([bob.lines.waitFor('<ada> before'), amy.lines.waitFor('<ada> before')]);

    redis.process.child.kill('SIGKILL');
    const lost = '* lost touch with the rest of the cluster: only the people on this server hear you until it is back';
    await Promise.all([ada.lines.waitFor(lost), bob.lines.waitFor(lost), a.stdout.waitFor(/^! lost the cluster: /)]);
    ada.send('while apart\n');
    await amy.lines.waitFor('<ada> while apart'); // the node's own people still hear each other
    ada.send('/who\n');
    expect(await ada.lines.waitFor(/^\* online/)).toMatch(online(3, 'server (a), ada (a), amy (a)'));

    const from = mark(ada.lines);
    await startRedis({ port: redis.port }); // empty: it kept nothing
    await Promise.all([a.stdout.waitFor(/^\* rejoined the cluster as node a/), b.stdout.waitFor(/^\* rejoined the cluster as node b/)]);
    await ada.lines.waitFor(/^\* back in the cluster: \d+ online$/, undefined, from);
    ada.send('after\n');
    await bob.lines.waitFor('<ada> after');
    expect(saidBy(bob.lines, 'ada')).toEqual(['<ada> before', '<ada> after']); // what was said apart stayed apart

    // Each node holds its people's nicks again: the restarted Redis knows them.
    const at = mark(bob.lines);
    bob.send('/who\n');
    expect(await bob.lines.waitFor(/^\* online/, undefined, at)).toMatch(
      online(4, /server \(b\), bob \(b\), (ada \(a\), amy \(a\)|amy \(a\), ada \(a\))/),
    );
    await refused(b.port, 'amy');
    expect([a.child.exitCode, b.child.exitCode]).toEqual([null, null]);
  });

  it('comes back together each time Redis goes away, again and again, and nothing crashes', async () => {
    const first = await startRedis();
    const cluster = { url: first.url, cluster: 'flapping' };
    const [a, b] = await Promise.all(['a', 'b'].map((name) => node(name, cluster)));
    const ada = await joined(a.port, 'ada');
    const bob = await joined(b.port, 'bob');
    let redis = first;
    for (let cycle = 1; cycle <= 3; cycle++) {
      const [aFrom, bFrom] = [mark(a.stdout), mark(b.stdout)];
      redis.process.child.kill('SIGKILL');
      await Promise.all([
        a.stdout.waitFor(/^! lost the cluster/, undefined, aFrom),
        b.stdout.waitFor(/^! lost the cluster/, undefined, bFrom),
      ]);
      redis = await startRedis({ port: first.port });
      await Promise.all([
        a.stdout.waitFor(/^\* rejoined the cluster/, undefined, aFrom),
        b.stdout.waitFor(/^\* rejoined the cluster/, undefined, bFrom),
      ]);
      ada.send(`cycle ${cycle}\n`);
      await bob.lines.waitFor(`<ada> cycle ${cycle}`);
    }
    expect(saidBy(bob.lines, 'ada')).toEqual(['<ada> cycle 1', '<ada> cycle 2', '<ada> cycle 3']);
    await refused(b.port, 'ada');
    expect([a.child.exitCode, b.child.exitCode]).toEqual([null, null]);
  });

  it('lets a client move to another node and resume there: nothing lost, nothing twice', async () => {
    const redis = await testRedis();
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((name) => node(name, redis)));
    const talker = await joined(c.port, 'talker');
    // mover reaches node a through a proxy; when it reconnects, the proxy takes it to node b.
    const proxy = await Proxy.start(a.port);
    const mover = await chatter(proxy.port, 'mover');
    talker.send('before\n');
    await mover.stdout.waitFor('<talker> before');

    proxy.retarget(b.port);
    proxy.cut();
    await mover.stderr.waitFor(/reconnecting in/);
    talker.send('gap 1\ngap 2\n');
    mover.write('typed while away\n');
    await mover.stderr.waitFor(`tcpchat: reconnected to 127.0.0.1:${proxy.port}`, 15_000);
    await mover.stdout.waitFor('(earlier) <talker> gap 2');
    await talker.lines.waitFor('<mover> typed while away');

    talker.send('after\n');
    await mover.stdout.waitFor('<talker> after');
    expect(saidBy(mover.stdout, 'talker')).toEqual(['<talker> before', '<talker> gap 1', '<talker> gap 2', '<talker> after']);
    mover.write('/who\n');
    await mover.stdout.waitFor(/^\* online .*mover \(b\)/);
    expect(only(talker.lines.all, '<mover> typed while away')).toBe(1);
    expect(b.stdout.all.filter((line) => line.startsWith('<mover>'))).toEqual(['<mover> typed while away']);
    await a.stdout.waitFor(/^\* mover left /); // node a let the old connection go
  });

  it('keeps the history in Redis: a node started later tells a newcomer what was said before it', async () => {
    const redis = await testRedis();
    // A long TTL: a node that stops must not wait for its watch on the others to run out.
    const [a, b] = await Promise.all(['a', 'b'].map((name) => node(name, redis, 60)));
    const ada = await joined(a.port, 'ada');
    const bob = await joined(b.port, 'bob');
    ada.send('first words\nsecond words\n');
    await bob.lines.waitFor('<ada> second words');
    a.child.kill('SIGTERM');
    expect((await waitForExit(a, 3000)).code).toBe(0);
    await bob.lines.waitFor('* ada left (node a is shutting down)');

    const later = await node('later', redis);
    const newcomer = await joined(later.port, 'newcomer');
    newcomer.send('/history 10\n');
    await newcomer.lines.waitFor('* end of history');
    expect(saidBy(newcomer.lines, 'ada')).toEqual(['<ada> first words', '<ada> second words']);
  });
});
