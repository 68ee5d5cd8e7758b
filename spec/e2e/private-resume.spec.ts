import { afterEach, describe, expect, it } from '@jest/globals';
import { chatter, mark } from './helpers/chatter.js';
import { closeFaultProxies, FaultProxy } from './helpers/fault-proxy.js';
import { cleanUp } from './helpers/leftovers.js';
import { run } from './helpers/processes.js';
import { startServer } from './helpers/server.js';
import { WELCOME } from './helpers/sentences.js';

afterEach(async () => {
  await closeFaultProxies();
  await cleanUp();
});

/** What bb showed of the private lines from `from`, replayed or live, in order. */
const privatesFrom = (lines: readonly string[], from: string): string[] =>
  lines.map((line) => line.replace(/^\(earlier\) /, '')).filter((line) => line.startsWith(`*${from}* `));

/**
 * bb (`tcpchat connect`, stdin kept open) through a fault proxy, and a plain `nc` that sends it
 * private lines, on a server and a client that both ping after 2 s of silence.
 */
async function scene() {
  const server = await startServer(['--heartbeat', '2s', '--rate', '0']);
  const proxy = await FaultProxy.start(server.port);
  const bb = await chatter(proxy.port, 'bb', ['--heartbeat', '2s']);
  const nc = run('nc', ['127.0.0.1', String(server.port)], { name: 'nc' });
  const welcome = await nc.stdout.waitFor(WELCOME);
  const sender = WELCOME.exec(welcome)![1];
  return { server, proxy, bb, nc, sender };
}

describe('a private line written into a link that has just died', () => {
  it('reaches its recipient when its client resumes: private one, two and three, each once, in order', async () => {
    const { proxy, bb, nc, sender } = await scene();
    nc.write('/msg bb private one\n');
    await bb.stdout.waitFor(`*${sender}* private one`);

    proxy.blackHole();
    nc.write('/msg bb private two\n');
    await nc.stdout.waitFor('*-> bb* private two'); // the sender is told it went out
    const from = mark(bb.stderr);
    await bb.stderr.waitFor(/^tcpchat: connection lost: no answer from the server; reconnecting in/, 8000, from);
    proxy.heal();
    await bb.stderr.waitFor(/^tcpchat: reconnected to /, 8000, from);
    await bb.stdout.waitFor(`(earlier) *${sender}* private two`);

    nc.write('/msg bb private three\n');
    await bb.stdout.waitFor(`*${sender}* private three`);
    expect(privatesFrom(bb.stdout.all, sender)).toEqual([
      `*${sender}* private one`,
      `*${sender}* private two`,
      `*${sender}* private three`,
    ]);
    expect(bb.stdout.all).toContain(`(earlier) *${sender}* private two`);
    expect(bb.stdout.all.filter((line) => line.includes('can no longer be replayed'))).toEqual([]);
  }, 30_000);

  it('past what is kept for it, the recipient is told in one line how many are gone, and gets the rest once, in order', async () => {
    const { proxy, bb, nc, sender } = await scene();
    proxy.blackHole();
    const sent = Array.from({ length: 105 }, (_, i) => `line ${i + 1}`);
    nc.write(sent.map((line) => `/msg bb ${line}\n`).join(''));
    await nc.stdout.waitFor('*-> bb* line 105');
    const from = mark(bb.stderr);
    await bb.stderr.waitFor(/^tcpchat: connection lost: no answer from the server; reconnecting in/, 8000, from);
    proxy.heal();
    await bb.stdout.waitFor(`(earlier) *${sender}* line 105`, 8000);

    expect(bb.stdout.all.filter((line) => line.includes('private lines to you'))).toEqual([
      '* 5 private lines to you while you were away can no longer be replayed (more came than are kept for you)',
    ]);
    expect(privatesFrom(bb.stdout.all, sender)).toEqual(sent.slice(5).map((line) => `*${sender}* ${line}`));
  }, 30_000);
});
