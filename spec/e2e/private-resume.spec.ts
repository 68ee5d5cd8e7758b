import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chatter, mark } from './helpers/chatter.js';
import { closeFaultProxies, FaultProxy } from './helpers/fault-proxy.js';
import { cleanUp } from './helpers/leftovers.js';
import { run, tcpchat, waitForExit } from './helpers/processes.js';
import { listening, startServer } from './helpers/server.js';
import { WELCOME } from './helpers/sentences.js';

/** Data directories made by a test, removed once its servers are gone. */
const dirs: string[] = [];
afterEach(async () => {
  await closeFaultProxies();
  await cleanUp();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
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

describe('private lines across a restart with --data (room history goes on, private lines were in memory only)', () => {
  it('tells the resuming client that those sent to it meanwhile cannot be replayed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tcpchat-privates-'));
    dirs.push(dir);
    const serve = (port: number) =>
      listening(tcpchat(['serve', '--host', '127.0.0.1', '--port', String(port), '--no-timestamps', '--data', dir], { name: 'server' }));
    const first = await serve(0);
    const bb = await chatter(first.port, 'bb');
    const nc = run('nc', ['127.0.0.1', String(first.port)], { name: 'nc' });
    const sender = WELCOME.exec(await nc.stdout.waitFor(WELCOME))![1];
    nc.write('/msg bb before\n');
    await bb.stdout.waitFor(`*${sender}* before`);

    first.child.kill('SIGKILL');
    await waitForExit(first);
    await bb.stderr.waitFor(/reconnecting in/);
    await serve(first.port);
    await bb.stdout.waitFor(
      '* private lines to you while you were away, if any, cannot be replayed here: they are kept only by the server that had you then',
    );
    expect(bb.stdout.all.join('\n')).not.toContain('restarted'); // the room's history went on
  }, 30_000);
});
