import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ask, joined, rawClient } from './helpers/client.js';
import { cleanUp } from './helpers/leftovers.js';
import { closeProxies, Proxy } from './helpers/proxy.js';
import { chatter, mark, saidBy } from './helpers/chatter.js';
import { CLI, run, tcpchat, waitForExit, type Running } from './helpers/processes.js';
import { listening, startServer, type Server } from './helpers/server.js';

/** `serve --data DIR`: what was said outlives a SIGKILL, and a client resuming after it gets what it missed, once. */

let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'tcpchat-data-'))));
afterEach(async () => {
  await closeProxies();
  await cleanUp();
  rmSync(dir, { recursive: true, force: true });
});

/** `serve --data DIR` on this port (0: any), once it listens. */
async function serveData(port = 0, args: readonly string[] = []): Promise<Server> {
  if (port === 0) return startServer(['--data', dir, ...args]);
  const running = tcpchat(['serve', '--host', '127.0.0.1', '--port', String(port), '--no-timestamps', '--data', dir, ...args], {
    name: 'restarted server',
  });
  await running.stderr.waitFor(`tcpchat: listening on 127.0.0.1:${port}`);
  return { ...running, host: '127.0.0.1', port };
}

async function kill(server: Running): Promise<void> {
  server.child.kill('SIGKILL');
  expect((await waitForExit(server)).signal).toBe('SIGKILL');
}

/** The lines of a plain client's `/history` answer, between its markers. */
async function history(client: Awaited<ReturnType<typeof joined>>, command: string): Promise<string[]> {
  const from = mark(client.lines);
  await ask(client, command, '* end of history');
  const answer = client.lines.all.slice(from);
  const start = answer.findIndex((line) => line.startsWith('* history: '));
  return answer.slice(start + 1, answer.indexOf('* end of history'));
}

describe('tcpchat serve --data', () => {
  it('says at start where history is kept (TCPCHAT_DATA too), and without --data that nothing outlives the server', async () => {
    const kept = await startServer([], { env: { TCPCHAT_DATA: dir } });
    await kept.stderr.waitFor(`tcpchat: history is kept in ${dir}`);
    const lost = await startServer();
    await lost.stderr.waitFor('tcpchat: history is kept in memory only: nothing outlives this server (serve --data DIR keeps it)');
  });

  it('keeps every line the room was sent through a SIGKILL: /history finds them after a restart', async () => {
    const first = await serveData();
    const ada = await joined(first.port, 'ada');
    const said = Array.from({ length: 30 }, (_, index) => `line ${index + 1}`);
    ada.send(said.map((line) => `${line}\n`).join(''));
    await first.stdout.waitFor('<ada> line 30'); // the console shows a line once it is kept
    await kill(first);

    const second = await serveData();
    const bob = await joined(second.port, 'bob');
    expect((await history(bob, '/history 50')).filter((line) => line.startsWith('<ada>'))).toEqual(said.map((line) => `<ada> ${line}`));
    const stamped = /^\[\d{4}-\d\d-\d\d \d\d:\d\d\] /;
    const since = await history(bob, '/history since 1h');
    expect(since.filter((line) => line.includes('<ada>')).map((line) => line.replace(stamped, ''))).toEqual(
      said.map((line) => `<ada> ${line}`),
    );
    expect(await history(bob, '/search line 7')).toEqual([expect.stringMatching(/^\[[\d: -]+\] <ada> line 7$/)]);
    expect(await history(bob, '/search ada line')).toHaveLength(30);
    await ask(bob, '/search nobody said this', '* no line here holds those words');
  });

  it('keeps what --retain says at a restart: the last N lines of each room', async () => {
    const first = await serveData();
    const ada = await joined(first.port, 'ada');
    ada.send(Array.from({ length: 10 }, (_, index) => `line ${index + 1}\n`).join(''));
    await first.stdout.waitFor('<ada> line 10');
    await kill(first);
    const second = await serveData(0, ['--retain', '3']);
    const bob = await joined(second.port, 'bob');
    const kept = await history(bob, '/history 50');
    expect(kept.slice(0, 3)).toEqual(['<ada> line 8', '<ada> line 9', '<ada> line 10']);
    expect(kept.filter((line) => line.startsWith('<ada>'))).toHaveLength(3);
  });

  it('refuses a directory another server is using, in one sentence, and takes it once that one is gone', async () => {
    const first = await serveData();
    const second = tcpchat(['serve', '--port', '0', '--data', dir], { name: 'second server' });
    expect((await waitForExit(second)).code).toBe(1);
    expect(second.stderr.all).toContain(`tcpchat: cannot keep data in ${dir}: another tcpchat server is using it`);
    await kill(first);
    await serveData();
  });

  it('refuses --data with --cluster, in one sentence', async () => {
    const refused = tcpchat(['serve', '--data', dir, '--cluster', 'redis://127.0.0.1:1']);
    expect((await waitForExit(refused)).code).toBe(2);
    expect(refused.stderr.all.join('\n')).toContain('--data cannot go with --cluster yet');
  });

  it('without --data, /search says it needs one', async () => {
    const server = await startServer();
    const ada = await joined(server.port, 'ada');
    await ask(ada, '/search anything', '! search needs a data directory (serve --data DIR)');
  });

  it('gives a tcpchat client that resumes after a SIGKILL each line it missed exactly once', async () => {
    const first = await serveData();
    const { port } = first;
    // bob comes back through a proxy that holds him until ada is back and has said what she typed meanwhile.
    const slow = await Proxy.start(port);
    const ada = await chatter(port, 'ada');
    const bob = await chatter(slow.port, 'bob');
    ada.write('before 1\nbefore 2\n');
    await bob.stdout.waitFor('<ada> before 2');

    await kill(first);
    slow.hold();
    await Promise.all([ada.stderr.waitFor(/reconnecting in/), bob.stderr.waitFor(/reconnecting in/)]);
    const adaFrom = mark(ada.stdout);
    ada.write('during 1\nduring 2\n');

    const second = await serveData(port);
    await second.stdout.waitFor('<ada> during 2');
    slow.release(port);
    await bob.stderr.waitFor(`tcpchat: reconnected to 127.0.0.1:${slow.port}`);
    ada.write('after\n');
    await bob.stdout.waitFor('<ada> after');

    expect(saidBy(bob.stdout, 'ada')).toEqual(['before 1', 'before 2', 'during 1', 'during 2', 'after'].map((text) => `<ada> ${text}`));
    expect(ada.stdout.all.slice(adaFrom).join('\n')).not.toContain('restarted');
    expect(saidBy(second.stdout, 'ada')).toEqual(['<ada> during 1', '<ada> during 2', '<ada> after']);
  });

  it('tells a client back in a room other than the first after a plain restart of no lines gone, and replays what it missed', async () => {
    const first = await serveData();
    const { port } = first;
    // rr comes back through a proxy that holds it until eve has said a line in #ops.
    const slow = await Proxy.start(port);
    const rr = await chatter(slow.port, 'rr', ['--retry-delay', '100ms']);
    rr.write('/join #ops\n');
    await rr.stdout.waitFor('* you are now in #ops (1 here); no topic');
    await first.stdout.waitFor('#ops * rr left #lobby for #ops');

    first.child.kill('SIGTERM');
    expect((await waitForExit(first)).code).toBe(0);
    slow.hold();
    await rr.stderr.waitFor(/reconnecting in/);
    const from = mark(rr.stdout);
    const second = await serveData(port);
    const eve = await joined(second.port, 'eve');
    eve.send('/join #ops\nwhile away\n');
    await second.stdout.waitFor('#ops <eve> while away');
    slow.release(port);
    await rr.stdout.waitFor('(earlier) <eve> while away');
    eve.send('after\n');
    await rr.stdout.waitFor('<eve> after');

    const back = rr.stdout.all.slice(from);
    expect(back.filter((line) => line.includes('can no longer be replayed'))).toEqual([]);
    expect(saidBy(rr.stdout, 'eve')).toEqual(['<eve> while away', '<eve> after']);
  });

  it('takes a line resent after a SIGKILL once: the ids it acknowledged are kept', async () => {
    const first = await serveData();
    const ada = await rawClient(first.port, 'ada');
    ada.send('/cap tcpchat session=s-ada\n@id=s-ada.1 only once\n');
    await ada.lines.waitFor('@ack=s-ada.1');
    await kill(first);

    const second = await serveData();
    const again = await rawClient(second.port, 'ada again');
    // As tcpchat's client does when it never got the ack: the same id, sent again.
    again.send('/cap tcpchat session=s-ada\n@id=s-ada.1 only once\n@id=s-ada.2 then this\n');
    await again.lines.waitFor('@ack=s-ada.2');
    await second.stdout.waitFor(/> then this$/);
    expect(second.stdout.all.filter((line) => line.endsWith('> only once'))).toEqual([]);
    const bob = await joined(second.port, 'bob');
    expect((await history(bob, '/history 50')).filter((line) => line.endsWith('> only once'))).toHaveLength(1);
  });

  it('goes on relaying when its disk is full, and says once that it cannot keep history', async () => {
    // A real write fault: the server may write files of at most 256 KiB (ulimit -f), and ignores
    // SIGXFSZ as a server should, so a write past it fails with EFBIG.
    const server = run(
      'bash',
      ['-c', `trap '' XFSZ; ulimit -f 256; exec "$0" "$@"`, process.execPath, CLI, 'serve', '--port', '0', '--rate', '0', '--data', dir],
      {
        name: 'server on a small disk',
      },
    );
    const { port } = await listening(server);
    const ada = await joined(port, 'ada');
    const bob = await joined(port, 'bob');
    const full = /^tcpchat: cannot keep history in .*: what is said now is not kept until it can be$/;
    let said = 0;
    while (!server.stderr.all.some((line) => full.test(line))) {
      expect(said).toBeLessThan(2000); // 256 KiB holds far fewer one-line commits
      ada.send(`${'x'.repeat(200)} ${++said}\n`);
      await bob.lines.waitFor(new RegExp(`^<ada> x+ ${said}$`));
    }
    for (let more = 1; more <= 200; more++) {
      ada.send(`after ${more}\n`);
      await bob.lines.waitFor(`<ada> after ${more}`);
    }
    expect(server.stderr.all.filter((line) => full.test(line))).toHaveLength(1);
    expect(server.child.exitCode).toBeNull();
  });
});
