import { afterEach, describe, expect, it } from '@jest/globals';
import { chatter, mark, saidBy } from './helpers/chatter.js';
import { joined } from './helpers/client.js';
import { closeFaultProxies, FaultProxy } from './helpers/fault-proxy.js';
import { cleanUp } from './helpers/leftovers.js';
import { run } from './helpers/processes.js';
import { startServer, type Server } from './helpers/server.js';
import { online, WELCOME } from './helpers/sentences.js';

afterEach(async () => {
  await closeFaultProxies();
  await cleanUp();
});

/** Three heartbeats of silence (two pings unanswered), give or take the server's half-beat tick. */
const NOTICED_MS = { min: 2500, max: 4500 };

// The proxy's black hole drops bytes both ways but still passes on a close. So each end is tested
// with the other's heartbeat off: its own notice is then the first, not the other's close.
describe('a dead link (black-holed: bytes dropped both ways, nothing closes)', () => {
  it('is noticed by the server within three heartbeats: it frees the nick; a plain nc on the same link never sees a ping', async () => {
    const server = await startRelay(['--heartbeat', '1']);
    const proxy = await FaultProxy.start(server.port);
    const ada = await chatter(proxy.port, 'ada', ['--heartbeat', '0']);
    const nc = run('nc', ['127.0.0.1', String(proxy.port)], { name: 'nc' });
    await nc.stdout.waitFor((line) => WELCOME.exec(line)?.[1] === 'guest-2');
    const bob = await joined(server.port, 'bob');
    await ada.stdout.waitFor('* guest-3 is now bob');

    const cut = performance.now();
    proxy.blackHole();
    await bob.lines.waitFor('* ada left (no answer to pings)', 6000);
    const noticed = performance.now() - cut;
    bob.send('/who\n');
    await bob.lines.waitFor(online(3, 'server, guest-2, bob')); // ada is gone, nc (idle, plain) is not

    proxy.heal();
    nc.write('still here\n');
    await bob.lines.waitFor('<guest-2> still here');
    console.log(`black hole with --heartbeat 1: the server dropped the tcpchat client after ${Math.round(noticed)} ms`);
    expect(noticed).toBeGreaterThan(NOTICED_MS.min);
    expect(noticed).toBeLessThan(NOTICED_MS.max);
    expect(nc.stdout.all.filter((line) => line.startsWith('@'))).toEqual([]);
    expect(server.stdout.all.filter((line) => line.includes('guest-2 left'))).toEqual([]);
  }, 20_000);

  it('is noticed by a client that only listens within three heartbeats: it reconnects once the link heals and gets what was said, once', async () => {
    const server = await startRelay(['--heartbeat', '0']);
    const proxy = await FaultProxy.start(server.port);
    const ada = await chatter(proxy.port, 'ada', ['--heartbeat', '1']);
    const bob = await joined(server.port, 'bob');
    await ada.stdout.waitFor('* guest-2 is now bob');

    const cut = performance.now();
    proxy.blackHole();
    const from = mark(ada.stdout);
    bob.send('while you were cut off 1\nwhile you were cut off 2\n');
    await ada.stderr.waitFor(/^tcpchat: connection lost: no answer from the server; reconnecting in \d+\.\d s$/, 6000);
    const noticed = performance.now() - cut;

    proxy.heal();
    await ada.stdout.waitFor('(earlier) <bob> while you were cut off 2', 6000, from);
    await ada.stdout.waitFor('* you are now ada', undefined, from);
    bob.send('welcome back\n');
    await ada.stdout.waitFor('<bob> welcome back');

    console.log(`black hole with --heartbeat 1: the listening client gave up on the link after ${Math.round(noticed)} ms`);
    expect(noticed).toBeGreaterThan(NOTICED_MS.min);
    expect(noticed).toBeLessThan(NOTICED_MS.max);
    expect(saidBy(ada.stdout, 'bob')).toEqual(['<bob> while you were cut off 1', '<bob> while you were cut off 2', '<bob> welcome back']);
    expect(ada.stdout.raw).not.toMatch(/^@|p[io]ng/m);
  }, 20_000);
});

describe('a client that was not running (stopped, a laptop asleep) longer than three heartbeats', () => {
  it('blames no one for its own sleep: on waking it says what happened (the server closed the link) and comes back', async () => {
    const server = await startRelay(['--heartbeat', '1']);
    const ada = await chatter(server.port, 'ada', ['--heartbeat', '1']);
    const bob = await joined(server.port, 'bob');
    await ada.stdout.waitFor('* guest-2 is now bob');

    const from = mark(ada.stderr);
    ada.child.kill('SIGSTOP');
    try {
      await bob.lines.waitFor('* ada left (no answer to pings)', 6000);
    } finally {
      ada.child.kill('SIGCONT');
    }
    const woke = await ada.stderr.waitFor(/reconnecting in/, undefined, from);
    await ada.stderr.waitFor(/^tcpchat: reconnected to /, undefined, from);
    await bob.lines.waitFor('* guest-3 is now ada');
    expect(woke).toMatch(/^tcpchat: the server closed the connection; reconnecting in \d+\.\d s$/);
  }, 20_000);

  it('alone in a quiet room, woken after the server let it go, says the server closed the connection', async () => {
    const server = await startRelay(['--heartbeat', '1']);
    const ada = await chatter(server.port, 'ada', ['--heartbeat', '1']);
    ada.write('hi\n');
    await server.stdout.waitFor('<ada> hi');

    const from = mark(ada.stderr);
    ada.child.kill('SIGSTOP');
    try {
      await server.stdout.waitFor('* ada left (no answer to pings)', 6000);
      // Typed while it slept: on waking it has a line to write as well as its ping.
      ada.write('typed while asleep\n');
    } finally {
      ada.child.kill('SIGCONT');
    }
    const woke = await ada.stderr.waitFor(/reconnecting in/, undefined, from);
    await server.stdout.waitFor('<ada> typed while asleep');
    expect(woke).toMatch(/^tcpchat: the server closed the connection; reconnecting in \d+\.\d s$/);
  }, 20_000);
});

const numbered = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}`);

describe('resuming after more than --history lines', () => {
  it('says in one line how many lines are gone for good, then replays the rest once, in order', async () => {
    const server = await startRelay(['--history', '50']);
    const proxy = await FaultProxy.start(server.port);
    const ada = await chatter(proxy.port, 'ada');
    const bob = await joined(server.port, 'bob');
    await ada.stdout.waitFor('* guest-2 is now bob');

    // ada's link is cut and her reconnects are held while 150 lines are said.
    proxy.blackHole();
    proxy.reset();
    await ada.stderr.waitFor(/reconnecting in/);
    await bob.lines.waitFor(/^\* ada left \(connection (reset|closed)\)$/);
    const from = mark(ada.stdout);
    bob.send(
      numbered(1, 150)
        .map((line) => `${line}\n`)
        .join(''),
    );
    await server.stdout.waitFor('<bob> line 150');

    proxy.heal();
    await ada.stdout.waitFor('(earlier) <bob> line 150', undefined, from);
    // The history (50) holds bob's last 49 and ada's own new join; gone for her: bob's first 101
    // (her old connection's leaving, gone too, is her own: it was never hers to miss).
    expect(ada.stdout.all.slice(from).filter((line) => line.includes('missed'))).toEqual([
      '* 101 lines you missed can no longer be replayed (too old for the history)',
    ]);
    expect(saidBy(ada.stdout, 'bob')).toEqual(numbered(102, 150).map((line) => `<bob> ${line}`));
    expect(ada.stdout.all.findIndex((line) => line.includes('missed'))).toBeLessThan(ada.stdout.all.indexOf('(earlier) <bob> line 102'));
  });
});

const startRelay = (args: readonly string[]): Promise<Server> => startServer(['--relay', '--rate', '0', ...args]);
