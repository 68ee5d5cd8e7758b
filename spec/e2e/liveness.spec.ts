import { afterEach, describe, expect, it } from '@jest/globals';
import { chatter, mark, saidBy } from './helpers/chatter.js';
import { joined } from './helpers/client.js';
import { closeFaultProxies, FaultProxy } from './helpers/fault-proxy.js';
import { cleanUp } from './helpers/leftovers.js';
import { startServer, type Server } from './helpers/server.js';

afterEach(async () => {
  await closeFaultProxies();
  await cleanUp();
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
    bob.send(numbered(1, 150).map((line) => `${line}\n`).join(''));
    await server.stdout.waitFor('<bob> line 150');

    proxy.heal();
    await ada.stdout.waitFor('(earlier) <bob> line 150', undefined, from);
    // The history (50) holds bob's last 49 and ada's own new join; gone for her: her old
    // connection's leaving and bob's first 101.
    expect(ada.stdout.all.slice(from).filter((line) => line.includes('missed'))).toEqual([
      '* 102 lines you missed can no longer be replayed (too old for the history)',
    ]);
    expect(saidBy(ada.stdout, 'bob')).toEqual(numbered(102, 150).map((line) => `<bob> ${line}`));
    expect(ada.stdout.all.findIndex((line) => line.includes('missed'))).toBeLessThan(ada.stdout.all.indexOf('(earlier) <bob> line 102'));
  });
});

const startRelay = (args: readonly string[]): Promise<Server> => startServer(['--relay', '--rate', '0', ...args]);
