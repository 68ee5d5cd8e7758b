import { afterEach, describe, expect, it } from '@jest/globals';
import { ask, joined, rawClient, type Client } from './helpers/client.js';
import { clusterNode } from './helpers/cluster-node.js';
import { cleanUp } from './helpers/leftovers.js';
import { testRedis } from './helpers/redis.js';
import { startServer } from './helpers/server.js';

/**
 * How far moderation reaches, as other members see it over real sockets: a muted member cannot
 * reach the room another way (a topic, a quit reason, a /msg to each member), and an operator's
 * address ban that would close its own connection asks first. In a cluster a mute is the cluster's
 * fact: it holds on the muted member's node, whoever muted it where. Clients are on loopback; a 127.x
 * source address stands for another network (Linux answers on all of 127.0.0.0/8).
 */

afterEach(cleanUp);

/** Nothing that contains `text` reached `client` before the line `marker` says now. */
async function heardNothing(client: Client, text: string, marker: Client, line: string): Promise<void> {
  marker.send(`${line}\n`);
  await client.lines.waitFor(new RegExp(`> ${line}$`));
  expect(client.lines.all.filter((heard) => heard.includes(text))).toEqual([]);
}

const MUTED = /^! you are muted \(until .* UTC\)$/;

/**
 * Muted ada tries the other ways to the room: a topic and a /msg to carol are refused with the
 * mute's line, a /msg to the operator bob goes, and its /quit leaves without its reason. Carol
 * hears none of it, and the room has no topic.
 */
async function triesOtherWays(ada: Client, bob: Client, carol: Client): Promise<void> {
  await ask(ada, '/topic BUY CHEAP STUFF at spam.example', MUTED);
  await ask(ada, '/msg carol BUY CHEAP STUFF', MUTED);
  await ask(ada, '/msg bob why was I muted?', '*-> bob* why was I muted?');
  await bob.lines.waitFor('*ada* why was I muted?');
  ada.send('/quit BUY CHEAP STUFF quit message\n');
  await carol.lines.waitFor('* ada left (quit)');
  await heardNothing(carol, 'BUY', bob, 'marker');
  await ask(carol, '/topic', '* #lobby has no topic');
}

describe('moderation reaches', () => {
  it('a muted member: /topic and /msg to a member refused with the mute line, /msg to an operator goes, /quit leaves without its reason', async () => {
    const server = await startServer(['--operator', 'bob']);
    const bob = await joined(server.port, 'bob');
    await ask(bob, '/register bobs secret', /^\* bob is registered to you/);
    const ada = await joined(server.port, 'ada');
    const carol = await joined(server.port, 'carol');
    await ask(bob, '/mute ada 5m', /^\* ada was muted by bob \(until .* UTC\)$/);
    await triesOtherWays(ada, bob, carol);
    await server.stdout.waitFor('* ada left (quit)');
    expect(server.stdout.all.filter((line) => line.includes('BUY'))).toEqual([]);
  });

  it('a cluster: a member muted by an operator on another node cannot set the topic, /msg across nodes, or quit with a reason', async () => {
    const redis = await testRedis();
    const args = ['--relay', '--presence-ttl', '2', '--operator', 'bob'];
    const east = await clusterNode('east', redis, args);
    const west = await clusterNode('west', redis, args);
    const bob = await joined(east.port, 'bob');
    await ask(bob, '/register bobs secret', /^\* bob is registered to you/);
    const carol = await joined(east.port, 'carol');
    const ada = await joined(west.port, 'ada');
    await ask(bob, '/mute ada 5m', /^\* ada was muted by bob \(until .* UTC\)$/);
    await ada.lines.waitFor(/^\* ada was muted by bob \(until .* UTC\)$/);
    await triesOtherWays(ada, bob, carol);
  });

  it("an operator's address ban covering its own address is refused with why until sent again; the room is told who an address ban closes", async () => {
    const server = await startServer(['--operator', 'bob']);
    const bob = await joined(server.port, 'bob');
    await ask(bob, '/register bobs secret', /^\* bob is registered to you/);
    const eve = await joined(server.port, 'eve');
    const carol = await rawClient(server.port, 'carol', '127.0.0.1', '127.0.5.7');
    await carol.lines.waitFor(/^\* welcome to /);
    await ask(carol, '/nick carol', '* you are now carol');

    await ask(
      bob,
      '/ban 127.0.0.0/8 1m loopback ban',
      '! that ban covers your own address 127.0.0.1 (you would be closed with the rest); ban a narrower range, or send the same /ban again to confirm',
    );
    await ask(bob, '/ban 127.0.5.0/24 flood', '* 127.0.5.0/24 was banned by bob (flood; until further notice)');
    await carol.lines.waitFor('! banned: flood (until further notice)');
    await carol.ended;
    for (const member of [bob, eve]) {
      await member.lines.waitFor('* carol left (sent away by the ban on 127.0.5.0/24)');
      await member.lines.waitFor('* 127.0.5.0/24 was banned by bob (flood; until further notice)');
    }

    // Sent again, it is done: the operator goes with the rest, and the console records who did it.
    bob.send('/ban 127.0.0.0/8 1m loopback ban\n');
    for (const member of [bob, eve]) {
      await member.lines.waitFor(/^! banned: loopback ban \(until .* UTC\)$/);
      await member.ended;
    }
    await server.stdout.waitFor(/^\* 127\.0\.0\.0\/8 was banned by bob \(loopback ban; until .* UTC\)$/);
  });
});
