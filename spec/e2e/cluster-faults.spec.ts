import { afterEach, describe, expect, it } from '@jest/globals';
import { setTimeout as delay } from 'node:timers/promises';
import { chatter, mark, saidBy } from './helpers/chatter.js';
import { joined, rawClient, type Client } from './helpers/client.js';
import { closeFaultProxies, FaultProxy } from './helpers/fault-proxy.js';
import { cleanUp } from './helpers/leftovers.js';
import { startRedis } from './helpers/redis.js';
import { startServer, type Server } from './helpers/server.js';
import { within } from './helpers/within.js';
import { online } from './helpers/sentences.js';

afterEach(async () => {
  await closeFaultProxies();
  await cleanUp();
});

/** Presence TTL for these tests, in seconds: a node notices its own silent Redis link within half of it. */
const TTL = 2;

/** `tcpchat serve --relay --rate 0 --cluster URL` as node `name`, once it has joined the cluster. */
async function node(name: string, url: string): Promise<Server> {
  const args = ['--relay', '--rate', '0', '--cluster', url, '--cluster-name', 'faults', '--node', name, '--presence-ttl', String(TTL)];
  const server = await startServer(args, { name: `node ${name}` });
  await server.stdout.waitFor(new RegExp(`^\\* joined the cluster as node ${name}: `));
  return server;
}

const LOST = '* lost touch with the rest of the cluster: only the people on this server hear you until it is back';

/** The numbers of `nick`'s lines `<nick> nick N` a client got, in the order it got them. */
const numbersFrom = (client: Client, nick: string): number[] =>
  client.lines.all.flatMap((line) => {
    const found = new RegExp(`^<${nick}> ${nick} (\\d+)$`).exec(line);
    return found ? [Number(found[1])] : [];
  });

/**
 * How many lines from `node` a client was told it missed: said there while that node was apart,
 * or said while its own server was apart and no longer kept by the cluster (from any node).
 */
const announcedFrom = (client: Client, node: string): number =>
  client.lines.all.reduce((sum, line) => {
    const there = new RegExp(`^\\* (\\d+) lines? said on node ${node} while it was apart from the cluster never reached this server$`).exec(
      line,
    );
    const gone =
      /^\* while this server was apart from the cluster, \d+ lines? w[a-z]+ said elsewhere; up to (\d+) more are no longer kept$/.exec(
        line,
      );
    return sum + Number(there?.[1] ?? gone?.[1] ?? 0);
  }, 0);

describe('tcpchat serve --cluster, when Redis fails', () => {
  it('Redis stopped under load: every line reaches every receiver once and in order, or its loss is announced to it', async () => {
    const redis = await startRedis();
    const a = await node('a', redis.url);
    const b = await node('b', redis.url);
    const senders = { a: ['sa1', 'sa2', 'sa3'], b: ['sb1', 'sb2'] };
    const clients = new Map<string, Client>();
    for (const [at, nicks] of [
      [a, [...senders.a, 'ra']],
      [b, [...senders.b, 'rb']],
    ] as const) {
      for (const nick of nicks) clients.set(nick, await joined(at.port, nick));
    }
    const nodeOf = (nick: string): string => (senders.a.includes(nick) ? 'a' : 'b');
    const receivers = ['ra', 'rb'].map((nick) => clients.get(nick)!);
    const everySender = [...senders.a, ...senders.b];

    // Each sender says 300 numbered lines, 10 every 20 ms; Redis is stopped for 2.5 s meanwhile.
    const LINES = 300;
    const talking = everySender.map(async (nick) => {
      const client = clients.get(nick)!;
      for (let i = 1; i <= LINES; i += 10) {
        client.send(Array.from({ length: 10 }, (_, k) => `${nick} ${i + k}\n`).join(''));
        await delay(20);
      }
    });
    await delay(200);
    redis.process.child.kill('SIGSTOP');
    await Promise.all([
      a.stdout.waitFor(/^! lost the cluster: Redis has not answered/),
      b.stdout.waitFor(/^! lost the cluster: Redis has not answered/),
    ]);
    await delay(1500);
    redis.process.child.kill('SIGCONT');
    await Promise.all(talking);
    await Promise.all([
      a.stdout.waitFor(/^\* rejoined the cluster as node a/, 15_000),
      b.stdout.waitFor(/^\* rejoined the cluster as node b/, 15_000),
    ]);
    for (const nick of everySender) clients.get(nick)!.send(`${nick} done\n`);
    await Promise.all(receivers.flatMap((receiver) => everySender.map((nick) => receiver.lines.waitFor(`<${nick}> ${nick} done`, 10_000))));

    for (const receiver of receivers) {
      for (const nick of everySender) {
        const got = numbersFrom(receiver, nick);
        expect(new Set(got).size).toBe(got.length); // never twice
        const local = (receiver === receivers[0]) === (nodeOf(nick) === 'a');
        const all = Array.from({ length: LINES }, (_, i) => i + 1);
        if (local) {
          expect(got).toEqual(all); // the node's own people hear each other through it all, in order
        } else if (got.join() !== all.join()) {
          const missing = all.filter((n) => !got.includes(n)).length;
          expect(announcedFrom(receiver, nodeOf(nick))).toBeGreaterThanOrEqual(missing);
        }
      }
    }
    expect(receivers.map((receiver) => receiver.lines.all.includes(LOST))).toEqual([true, true]);
    expect([a.child.exitCode, b.child.exitCode]).toEqual([null, null]);
  }, 40_000);

  it('a client that says a line and hangs up while Redis is slow to give it a nick has its line said (a pipe into nc or connect)', async () => {
    const redis = await startRedis();
    const proxy = await FaultProxy.start(redis.port);
    const a = await node('a', `redis://127.0.0.1:${proxy.port}`);
    const ada = await joined(a.port, 'ada');

    // The newcomer's nick claim waits in the stalled link while its line and its FIN arrive.
    proxy.stall();
    const piped = await rawClient(a.port, 'piped');
    piped.socket.end('said before hanging up\n');
    await within(piped.closed, 'the server to close the piped connection');
    proxy.heal();
    await ada.lines.waitFor(/^<guest-\d+> said before hanging up$/);
    await ada.lines.waitFor(/^\* guest-\d+ left \(connection closed\)$/);
  }, 20_000);

  it("a node whose Redis link goes silent says it is apart; once healed, presence, nicks and the lines it missed converge, and its lines' loss is told", async () => {
    const redis = await startRedis();
    const proxy = await FaultProxy.start(redis.port);
    const a = await node('a', redis.url);
    const c = await node('c', `redis://127.0.0.1:${proxy.port}`);
    const ada = await joined(a.port, 'ada');
    const cy = await joined(c.port, 'cy');
    cy.send('hello from c\n');
    await ada.lines.waitFor('<cy> hello from c');

    proxy.blackHole();
    await Promise.all([c.stdout.waitFor(/^! lost the cluster: Redis has not answered/, TTL * 1000), cy.lines.waitFor(LOST, TTL * 1000)]);
    await ada.lines.waitFor('* cy left (node c is gone)', TTL * 3000);
    cy.send('c 1\nc 2\nc 3\n');
    ada.send('a 1\na 2\n');
    const bob = await joined(a.port, 'bob');
    bob.send('/nick cy\n'); // free as far as the cluster knows
    await bob.lines.waitFor('* you are now cy');

    const healed = Date.now();
    proxy.heal();
    await cy.lines.waitFor(/^\* back in the cluster: \d+ online$/, TTL * 5000);
    // cy held the nick first: bob's later claim gives way.
    const ousted = await bob.lines.waitFor(
      /^\* your nick cy was held on another node since before you took it, while that node was apart from the cluster; you are now guest-\d+$/,
    );
    await ada.lines.waitFor('* 3 lines said on node c while it was apart from the cluster never reached this server');
    // What was said on a meanwhile (ada's lines, bob's arrival) follows, after a count of it.
    const caughtUp = await cy.lines.waitFor(/^\* while this server was apart from the cluster, \d+ lines were said elsewhere$/);
    await cy.lines.waitFor('<ada> a 2', undefined, cy.lines.all.indexOf(caughtUp));

    // Both sides come to see the same four people, each nick held once, within a few seconds.
    const guest = /you are now (guest-\d+)$/.exec(ousted)![1];
    const whoAt = async (client: Client): Promise<string> => {
      const from = mark(client.lines);
      client.send('/who\n');
      return client.lines.waitFor(/^\* online/, undefined, from);
    };
    for (const [client, server] of [
      [ada, 'a'],
      [cy, 'c'],
    ] as const) {
      const everyone = [`server (${server})`, 'ada (a)', 'cy (c)', `${guest} (a)`];
      let who = await whoAt(client);
      for (let tries = 0; tries < 15 && !everyone.every((person) => who.includes(person)); tries++) {
        await delay(200);
        who = await whoAt(client);
      }
      expect(who).toMatch(online(4, /.*/));
      for (const person of everyone) expect(who).toContain(person);
    }
    expect(Date.now() - healed).toBeLessThan(TTL * 3000);
    expect(saidBy(cy.lines, 'ada')).toEqual(['<ada> a 1', '<ada> a 2']);
    expect(saidBy(ada.lines, 'cy')).toEqual(['<cy> hello from c']);
  });

  it('Redis restarted empty: a reconnecting client gets nothing twice and no false restart, but an honest notice', async () => {
    const redis = await startRedis();
    const a = await node('a', redis.url);
    const talker = await joined(a.port, 'talker');
    const proxy = await FaultProxy.start(a.port);
    const listener = await chatter(proxy.port, 'listener');
    const said = Array.from({ length: 40 }, (_, i) => `line ${i + 1}`);
    talker.send(said.map((line) => `${line}\n`).join(''));
    await listener.stdout.waitFor('<talker> line 40');

    redis.process.child.kill('SIGKILL');
    await a.stdout.waitFor(/^! lost the cluster/);
    await startRedis({ port: redis.port }); // it kept nothing
    await a.stdout.waitFor(/^\* rejoined the cluster as node a/);
    await listener.stdout.waitFor(
      "* the cluster's history was lost (its Redis came back empty): lines said before now are kept on each server alone, and those said elsewhere that only Redis held are gone",
    );

    proxy.reset(); // the listener's connection dies; it reconnects and resumes
    await listener.stderr.waitFor(/reconnecting in/);
    await listener.stderr.waitFor(`tcpchat: reconnected to 127.0.0.1:${proxy.port}`, 15_000);
    talker.send('after\n');
    await listener.stdout.waitFor((line) => line.replace(/^\(earlier\) /, '') === '<talker> after'); // live, or replayed if said before the resume

    expect(saidBy(listener.stdout, 'talker')).toEqual([...said, 'after'].map((line) => `<talker> ${line}`));
    expect(listener.stdout.all.filter((line) => line.includes('restarted'))).toEqual([]);
  });
});
