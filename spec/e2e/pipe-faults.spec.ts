import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chatter, saidBy } from './helpers/chatter.js';
import { closeFaultProxies, FaultProxy } from './helpers/fault-proxy.js';
import { cleanUp } from './helpers/leftovers.js';
import { run, tcpchat, waitForExit, type Running } from './helpers/processes.js';
import { startServer, type Server } from './helpers/server.js';

/**
 * `tcpchat connect` fed by a pipe, through real faults: a pipe's end waits to deliver what it
 * gave, so a close, a reset or a SIGKILL of the server is the end only once every line was
 * acknowledged; otherwise the client reconnects and resends, or says what it could not deliver.
 */

let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'tcpchat-pipe-'))));
afterEach(async () => {
  await closeFaultProxies();
  await cleanUp();
  rmSync(dir, { recursive: true, force: true });
});

const FLOOD = 20_000;
const numbered = (count: number): string => Array.from({ length: count }, (_, i) => `${i + 1}\n`).join('');

/** `tcpchat serve` on this exact port (a restart), once it listens. */
async function serveOn(port: number, args: readonly string[]): Promise<Server> {
  const running = tcpchat(['serve', '--host', '127.0.0.1', '--port', String(port), '--no-timestamps', ...args], {
    name: 'restarted server',
  });
  await running.stderr.waitFor(`tcpchat: listening on 127.0.0.1:${port}`);
  return { ...running, host: '127.0.0.1', port };
}

/** A piped client given `count` numbered lines, its input closed at once (it reads them as it can). */
function piped(port: number, count: number, args: readonly string[] = []): Running {
  const ada = tcpchat(['connect', `127.0.0.1:${port}`, '--nick', 'ada', ...args], { name: 'ada' });
  ada.write(numbered(count));
  ada.endInput();
  return ada;
}

/** The numbers of ada's lines in these lines (a console's record, or an observer's output), in order. */
const numbersOf = (lines: readonly string[]): number[] =>
  lines.flatMap((line) => (/^<ada> (\d+)$/.exec(line) ? [Number(line.slice(6))] : []));

const oneTo = (count: number): number[] => Array.from({ length: count }, (_, i) => i + 1);

async function kill(server: Running): Promise<void> {
  server.child.kill('SIGKILL');
  expect((await waitForExit(server)).signal).toBe('SIGKILL');
}

/** The room lines kept in the data directory's database, in order (read by python3's sqlite3 once the server is gone). */
async function keptLines(): Promise<string[]> {
  const script =
    'import sqlite3,sys\nfor (line,) in sqlite3.connect(sys.argv[1]).execute("select line from lines order by seq"): print(line)';
  const reader = run('python3', ['-c', script, join(dir, 'tcpchat.db')], { name: 'sqlite3 reader' });
  expect(await waitForExit(reader)).toEqual({ code: 0, signal: null });
  return reader.stdout.all;
}

describe('tcpchat connect whose piped input has ended', () => {
  /**
   * ada is welcomed and speaks tags; then the link turns into a black hole: her lines vanish, but
   * her end of input (a FIN) goes through, so the server closes, and ada sees that close having
   * half-closed with every line unacknowledged.
   */
  async function closedUnacknowledged(args: readonly string[] = []): Promise<{ server: Server; proxy: FaultProxy; ada: Running }> {
    const server = await startServer(['--rate', '0']);
    const proxy = await FaultProxy.start(server.port);
    const ada = await chatter(proxy.port, 'ada', args);
    proxy.blackHole();
    ada.write(numbered(100));
    ada.endInput();
    await ada.stderr.waitFor(/^tcpchat: the server closed the connection; reconnecting in \d\.\d s$/);
    expect(proxy.dropped).toBeGreaterThan(0);
    expect(numbersOf(server.stdout.all)).toEqual([]);
    return { server, proxy, ada };
  }

  it('takes a close with lines unacknowledged for no end: it reconnects, resends them, and each arrives once, in order; exit 0', async () => {
    const { server, proxy, ada } = await closedUnacknowledged();
    proxy.heal();
    expect(await waitForExit(ada, 10_000)).toEqual({ code: 0, signal: null });
    expect(numbersOf(server.stdout.all)).toEqual(oneTo(100));
    expect(ada.stderr.all.join('\n')).not.toMatch(/unsent|dropped/);
  });

  it('says how many lines it could not deliver and exits 1 when the retries run out', async () => {
    const { proxy, ada } = await closedUnacknowledged(['--retry', '1']);
    await proxy.close();
    expect(await waitForExit(ada, 10_000)).toEqual({ code: 1, signal: null });
    expect(ada.stderr.all.at(-1)).toMatch(
      /^tcpchat: cannot reach 127\.0\.0\.1:\d+: connection refused \(gave up after 1 retry\); 100 lines unsent$/,
    );
  });
});

describe('tcpchat connect --no-retry whose pipe is still open when its server dies', () => {
  it('exits 1 saying the input was not read to its end (what the pipe still held was never sent)', async () => {
    const server = await startServer();
    const ada = await chatter(server.port, 'ada', ['--no-retry']);
    ada.write(numbered(10));
    await server.stdout.waitFor('<ada> 10');
    await kill(server);
    expect(await waitForExit(ada)).toEqual({ code: 1, signal: null });
    expect(ada.stderr.all.at(-1)).toMatch(/^tcpchat: .*; the input was not read to its end$/);
  });
});

describe('tcpchat connect fed a flood through a pipe, its server SIGKILLed mid-stream and restarted', () => {
  /** bob watches ada pipe the flood; the server is SIGKILLed at her line 5000 and restarted on its port; she exits 0, bob sees her last line. */
  async function floodThroughKill(args: readonly string[]): Promise<{ seen: number[]; second: Server }> {
    const first = await startServer(args);
    const { port } = first;
    const bob = await chatter(port, 'bob');
    const ada = piped(port, FLOOD);
    await first.stdout.waitFor('<ada> 5000', 15_000);
    await kill(first);

    const second = await serveOn(port, args);
    expect(await waitForExit(ada, 20_000)).toEqual({ code: 0, signal: null });
    await bob.stdout.waitFor((line) => line.endsWith(`<ada> ${FLOOD}`), 10_000);
    expect(ada.stderr.all.join('\n')).not.toMatch(/unsent|dropped/);
    return { seen: numbersOf(saidBy(bob.stdout, 'ada')), second };
  }

  it(`with --data: each of ${FLOOD} lines is kept once, in order, an observer sees each once, and the client exits 0`, async () => {
    const { seen, second } = await floodThroughKill(['--rate', '0', '--data', dir, '--history', String(FLOOD)]);
    expect(seen).toEqual(oneTo(FLOOD));
    second.child.kill('SIGTERM');
    await waitForExit(second);
    expect(numbersOf(await keptLines())).toEqual(oneTo(FLOOD));
  }, 30_000);

  it(`stopped (SIGSTOP) first: the reconnects its kernel still accepts are given up for no answer, the restarted server takes her back once, each line is kept once`, async () => {
    const args = ['--rate', '0', '--data', dir, '--history', String(FLOOD), '--heartbeat', '0.3'];
    const first = await startServer(args);
    const ada = piped(first.port, FLOOD, ['--heartbeat', '0.3']);
    await first.stdout.waitFor('<ada> 5000', 15_000);
    first.child.kill('SIGSTOP');
    // Her link goes quiet, and so does the reconnect that the stopped server's kernel accepted for it: two unanswered.
    const noAnswer = /^tcpchat: connection lost: no answer from the server; reconnecting in \d\.\d s$/;
    const once = ada.stderr.all.indexOf(await ada.stderr.waitFor(noAnswer, 10_000));
    await ada.stderr.waitFor(noAnswer, 10_000, once + 1);
    await kill(first);

    const second = await serveOn(first.port, args);
    expect(await waitForExit(ada, 20_000)).toEqual({ code: 0, signal: null });
    expect(ada.stderr.all.join('\n')).not.toMatch(/unsent|dropped|the server closed the connection/);
    expect(second.stdout.all.filter((line) => line.includes('left (reconnected)'))).toEqual([]);
    second.child.kill('SIGTERM');
    await waitForExit(second);
    expect(numbersOf(await keptLines())).toEqual(oneTo(FLOOD));
  }, 40_000);

  it(`without --data: an observer sees each of ${FLOOD} lines in order, at most repeating at the restart what the dead server never acknowledged`, async () => {
    const { seen } = await floodThroughKill(['--rate', '0', '--history', String(FLOOD)]);
    // The restarted server forgot which ids the dead one took: the lines it relayed but had not
    // acknowledged come again, once, right after. No line is missing, and none comes out of order.
    const seam = seen.findIndex((n, i) => i > 0 && n <= seen[i - 1]);
    const [before, after] = seam === -1 ? [seen, []] : [seen.slice(0, seam), seen.slice(seam)];
    expect(before).toEqual(oneTo(before.length));
    expect(after).toEqual(oneTo(FLOOD).slice((after[0] ?? FLOOD + 1) - 1));
    expect(new Set(seen).size).toBe(FLOOD);
  }, 30_000);
});
