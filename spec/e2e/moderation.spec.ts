import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ask, joined, rawClient } from './helpers/client.js';
import { cleanUp } from './helpers/leftovers.js';
import { run, tcpchat, waitForExit, type Running } from './helpers/processes.js';
import { startServer, type Server } from './helpers/server.js';

/**
 * Operators and moderation, with the built CLI and real peers (nc, tcpchat's own client): bans by
 * nick and by CIDR block that outlive a SIGKILL with `--data`, a ban that ends, a mute, and an
 * operator made at the console. Every client here is on loopback; a block of 127.x addresses
 * stands for a network (Linux answers on all of 127.0.0.0/8).
 */

let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'tcpchat-moderation-'))));
afterEach(async () => {
  await cleanUp();
  rmSync(dir, { recursive: true, force: true });
});

async function kill(server: Running): Promise<void> {
  server.child.kill('SIGKILL');
  expect((await waitForExit(server)).signal).toBe('SIGKILL');
}

/** `tcpchat connect --nick NICK`, stdin left open. */
const connectAs = (server: Server, nick: string): Running =>
  tcpchat(['connect', `127.0.0.1:${server.port}`, '--nick', nick], { name: nick, env: { TCPCHAT_PASSWORD: '' } });

/** nc from a loopback address of its own (`-s`). */
const ncFrom = (server: Server, source: string): Running =>
  run('nc', ['-N', '-s', source, '127.0.0.1', String(server.port)], { name: `nc from ${source}` });

/** tcpchat's client was sent away for good: it exits 1 with the server's reason, not retrying. */
async function bannedClient(client: Running, reason: RegExp): Promise<void> {
  expect(await waitForExit(client)).toEqual({ code: 1, signal: null });
  const stderr = await client.stderr.end();
  expect(stderr).toEqual([expect.stringMatching(reason)]);
}

describe('moderation', () => {
  it('an operator bans by nick and by CIDR block; the banned are refused, and still are after a SIGKILL and a restart on the same --data', async () => {
    const first = await startServer(['--data', dir, '--operator', 'bob', '--json']);
    await first.stderr.waitFor('tcpchat: operator bob is not registered: whoever registers it first is an operator, so register it now');
    const bob = await joined(first.port, 'bob');
    await ask(bob, '/register bobs secret', /^\* bob is registered to you/);

    const ada = connectAs(first, 'ada');
    await ada.stdout.waitFor('* you are now ada');
    await ask(bob, '/ban ada 1h spam', /^\* ada was banned by bob \(spam; until \d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? UTC\)$/);
    await bannedClient(ada, /refused us: banned: spam \(until .* UTC\)$/);
    const logged = JSON.parse(await first.stdout.waitFor(/"type":"moderation"/)) as Record<string, unknown>;
    expect(logged).toMatchObject({ action: 'ban', by: 'bob', target: 'ada', room: '#lobby' });

    const inBlock = await rawClient(first.port, 'in the block', '127.0.0.1', '127.0.3.5');
    await inBlock.lines.waitFor(/^\* welcome to /);
    await ask(bob, '/ban 127.0.3.0/24 flood', '* 127.0.3.0/24 was banned by bob (flood; until further notice)');
    await inBlock.lines.waitFor('! banned: flood (until further notice)');
    await inBlock.ended;
    const nc = ncFrom(first, '127.0.3.9');
    await nc.stdout.waitFor('! banned: flood (until further notice)');
    nc.endInput(); // nc leaves once both sides are done
    expect((await waitForExit(nc)).code).toBe(0);
    await kill(first);

    const second = await startServer(['--data', dir, '--operator', 'bob']);
    const again = ncFrom(second, '127.0.3.200');
    await again.stdout.waitFor('! banned: flood (until further notice)');
    again.endInput();
    await waitForExit(again);
    expect(again.stdout.all.filter((line) => line.startsWith('* welcome'))).toEqual([]);
    // A ban by nick refuses that nick to whoever asks for it (anyone can type a nick): the asker is told and stays, as a guest.
    const asker = connectAs(second, 'ada');
    const refusal = /^tcpchat: the server refused the nick ada \(nick ada is banned until .* UTC\); you are (guest-\d+)$/;
    const [, guest] = refusal.exec(await asker.stderr.waitFor(refusal))!;
    asker.write('still here\n');
    await second.stdout.waitFor(`<${guest}> still here`);
    expect(second.stderr.all.filter((line) => line.includes('is not registered'))).toEqual([]); // bob is, on this --data
    await joined(second.port, 'carol'); // from outside the block, under another nick
    second.write('/bans\n');
    await second.stdout.waitFor('* bans (2):');
    await second.stdout.waitFor(/^\*   ada by bob: spam \(until .* UTC\)$/);
    await second.stdout.waitFor(/^\* refused 127\.0\.3\.200:\d+ \(banned: flood \(until further notice\)\)$/);
  });

  it('a ban ends at its time: the console says so at the next heartbeat, and the address comes in again', async () => {
    const server = await startServer(['--heartbeat', '1']);
    server.write('/ban 127.0.4.0/24 3s trying\n');
    await server.stdout.waitFor(/^\* 127\.0\.4\.0\/24 was banned by server \(trying; until .* UTC\)$/);
    const refused = await rawClient(server.port, 'refused', '127.0.0.1', '127.0.4.1');
    await refused.lines.waitFor(/^! banned: trying \(until .* UTC\)$/);
    await server.stdout.waitFor('* the ban on 127.0.4.0/24 is over', 8000);
    const back = await rawClient(server.port, 'back', '127.0.0.1', '127.0.4.1');
    await back.lines.waitFor(/^\* welcome to /);
  });

  it('a member muted by an operator made at the console: its lines are refused, nothing relayed, until /unmute', async () => {
    const server = await startServer(['--data', dir]);
    const bob = await joined(server.port, 'bob');
    await ask(bob, '/register pw', /^\* bob is registered to you/);
    const ada = await joined(server.port, 'ada');
    const carol = await joined(server.port, 'carol');
    await ask(bob, '/mute ada', '! only operators may /mute');
    server.write('/op bob\n');
    await server.stdout.waitFor('* bob was made an operator by server');
    await bob.lines.waitFor('* bob was made an operator by server');
    await ask(bob, '/mute ada 1h', /^\* ada was muted by bob \(until .* UTC\)$/);
    await ask(ada, 'can you hear me', /^! you are muted \(until .* UTC\)$/);
    await ask(bob, '/lock', '* the topic of #lobby was locked by bob');
    await ask(bob, '/unmute ada', '* ada was unmuted by bob');
    await ask(ada, '/topic mine', '! the topic of #lobby is locked: only operators may change it');
    ada.send('after\n');
    await carol.lines.waitFor('<ada> after');
    expect(carol.lines.all.filter((line) => line.includes('can you hear me'))).toEqual([]);
    await kill(server);

    // The operator made at the console is one still, once it identifies again.
    const restarted = await startServer(['--data', dir]);
    const back = await joined(restarted.port, 'guest');
    await ask(back, '/identify bob pw', '* you are identified as bob');
    await ask(back, '/ops', '* operators (1): bob');
    await ask(back, '/kick guest-2', /^! no such nick/);
  });
});
