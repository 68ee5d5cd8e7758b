import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertificates, type TestCertificates } from '../helpers/certificates.js';
import { rawClient, type Client } from './helpers/client.js';
import { clusterNode } from './helpers/cluster-node.js';
import { cleanUp } from './helpers/leftovers.js';
import { run, tcpchat, waitForExit } from './helpers/processes.js';
import { testRedis } from './helpers/redis.js';
import { startServer } from './helpers/server.js';
import { tlsClient } from './helpers/tls-client.js';
import { within } from './helpers/within.js';

/**
 * A peer that sends its lines and then closes its sending side (`printf ... | nc -N`, a piped
 * `tcpchat connect`) gets every answer to them, however late the server decides it (a secret is
 * hashed before the lines after `/register` are handled), then the server's close.
 */

let certs: TestCertificates;
let dir: string;
beforeAll(() => void (certs = makeCertificates()));
afterAll(() => certs.remove());
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'tcpchat-half-close-'))));
afterEach(async () => {
  await cleanUp();
  rmSync(dir, { recursive: true, force: true });
});

const LINES = '/nick fay2\n/register pw12345\n/join #z2\nhello z2\n/who\n';
/** What those lines are answered, from the rename on, in order. */
const ANSWERS = [
  '* you are now fay2',
  '* fay2 is registered to you; take it back later with /identify fay2 SECRET',
  '* you are now in #z2 (1 here); no topic',
  '* online in #z2 (1): fay2',
];

/** The lines from the first answer on. */
const answered = (lines: readonly string[]): string[] => lines.slice(lines.indexOf(ANSWERS[0]));

/** The server's open connections, as its /metrics tells them. */
async function openConnections(metricsPort: number): Promise<number> {
  const body = await within(
    fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((response) => response.text()),
    'GET /metrics',
  );
  return Number(/^tcpchat_connections (\d+)$/m.exec(body)![1]);
}

/** Sends LINES and ends its side at once; resolves with every line once the server has ended its own and the socket closed. */
async function sayAndEnd(client: Client): Promise<string[]> {
  client.socket.end(LINES);
  await within(client.ended, "the server's end");
  await within(client.closed, 'the socket to close');
  return client.lines.all;
}

describe('a peer that closes its sending side', () => {
  it('nc -N with its lines on stdin gets every answer to them, the /register answer and all after it, then the server closes', async () => {
    const server = await startServer(['--data', dir]);
    const nc = run('nc', ['-N', '127.0.0.1', String(server.port)], { name: 'nc -N' });
    nc.write(LINES);
    nc.endInput();
    expect(await waitForExit(nc)).toEqual({ code: 0, signal: null });
    expect(answered(await nc.stdout.end())).toEqual(ANSWERS);
    // The server did what the lines asked, and let the connection go.
    await server.stdout.waitFor('#z2 <fay2> hello z2');
    await server.stdout.waitFor('#z2 * fay2 left (connection closed)');
  });

  it('a socket that writes its lines and ends at once gets every answer, then EOF and the close', async () => {
    const server = await startServer(['--data', dir]);
    expect(answered(await sayAndEnd(await rawClient(server.port, 'fay2')))).toEqual(ANSWERS);
  });

  it('a socket that connects and ends its side at once gets the welcome, then EOF and the close', async () => {
    const server = await startServer();
    const client = await rawClient(server.port, 'silent');
    client.socket.end();
    await within(client.ended, "the server's end");
    await within(client.closed, 'the socket to close');
    expect(client.lines.all).toEqual([
      '* welcome to server, you are guest-1 in #lobby; /help lists commands',
      '* you are now in #lobby (1 here); no topic',
    ]);
  });

  it('over TLS, a client that writes its lines and ends its side (close_notify and FIN) gets every answer, then EOF', async () => {
    const server = await startServer(['--data', dir, '--tls-cert', certs.selfSigned.cert, '--tls-key', certs.selfSigned.key]);
    expect(answered(await sayAndEnd(await tlsClient(server.port, 'fay2 over TLS')))).toEqual(ANSWERS);
  });

  it('on a cluster node, one that ends its side at once gets the welcome once the cluster has given its guest nick, and its /nick answered', async () => {
    const redis = await testRedis();
    const node = await clusterNode('a', redis, ['--relay']);
    const client = await rawClient(node.port, 'ken');
    client.socket.end('/nick ken\n/who\n');
    await within(client.ended, "the node's end");
    await within(client.closed, 'the socket to close');
    const [welcome, room, ...answers] = client.lines.all;
    expect(welcome).toMatch(/^\* welcome to server, you are guest-\d+ in #lobby; /);
    expect(room).toMatch(/^\* you are now in #lobby /);
    expect(answers).toEqual(['* you are now ken', '* online in #lobby (2): server (a), ken (a)']);
  });

  it('tcpchat connect fed by a pipe with /register gets every answer and exits 0 once the server closes', async () => {
    const server = await startServer(['--data', dir]);
    const client = tcpchat(['connect', `127.0.0.1:${server.port}`, '--nick', 'gus'], { name: 'gus' });
    client.write('/register pw999\n/join #q\nhello q\n/who\n');
    client.endInput();
    expect(await waitForExit(client)).toEqual({ code: 0, signal: null });
    const lines = await client.stdout.end();
    const registered = lines.indexOf('* gus is registered to you; take it back later with /identify gus SECRET');
    expect(registered).toBeGreaterThan(-1);
    expect(lines.slice(registered + 1)).toEqual(['* you are now in #q (1 here); no topic', '* online in #q (1): gus']);
  });

  it('tcpchat connect with its input at an end from the start (</dev/null) prints the welcome and exits 0', async () => {
    const server = await startServer();
    const client = tcpchat(['connect', `127.0.0.1:${server.port}`], { name: 'connect </dev/null', stdin: 'ignore' });
    expect(await waitForExit(client)).toEqual({ code: 0, signal: null });
    expect(await client.stdout.end()).toEqual([
      '* welcome to server, you are guest-1 in #lobby; /help lists commands',
      '* you are now in #lobby (1 here); no topic',
    ]);
  });

  it('nc -N with more lines than its rate lets through in the linger (5 s) gets them all relayed and every answer after them', async () => {
    // 2 lines a second, burst 1: the 12 after the first take 6 s, longer than the linger.
    const server = await startServer(['--rate', '2', '--burst', '1']);
    const numbered = Array.from({ length: 13 }, (_, i) => `line ${i + 1}`);
    const nc = run('nc', ['-N', '127.0.0.1', String(server.port)], { name: 'nc -N at its rate' });
    nc.write(['/nick ray', ...numbered.slice(1), '/who', ''].join('\n'));
    nc.endInput();
    expect(await waitForExit(nc, 15_000)).toEqual({ code: 0, signal: null });
    expect((await nc.stdout.end()).slice(-2)).toEqual(['* you are now ray', '* online in #lobby (2): server, ray']);
    for (const line of numbered.slice(1)) await server.stdout.waitFor(`<ray> ${line}`);
  }, 20_000);

  it('one that never reads what it asked for is still let go within the linger (5 s after our end)', async () => {
    const server = await startServer([
      '--rate',
      '0',
      '--max-line',
      '60000',
      '--send-queue',
      String(64 * 1024 * 1024),
      '--metrics',
      '127.0.0.1:0',
    ]);
    const metricsPort = Number(/:(\d+)$/.exec(await server.stderr.waitFor(/^tcpchat: metrics on /))![1]);
    // 50 lines of 50 kB in the room's history: each /history answer is 2.5 MB.
    const filler = await rawClient(server.port, 'filler');
    filler.socket.end(Array.from({ length: 50 }, (_, i) => `${i} ${'x'.repeat(50_000)}\n`).join(''));
    await within(filler.closed, 'the filler to leave');
    // 25 MB of answers, more than the kernel buffers hold for a peer that reads nothing.
    const client = await rawClient(server.port, 'never reads');
    client.socket.pause();
    client.socket.end('/history 50\n'.repeat(10));
    const started = performance.now();
    await within(
      (async () => {
        while ((await openConnections(metricsPort)) > 0) await new Promise((later) => setTimeout(later, 100));
      })(),
      'the server to let the connection go',
      10_000,
    );
    const ms = performance.now() - started;
    // Not at once (what it was sent cannot all have left), and not later than the linger allows.
    expect(ms).toBeGreaterThan(1000);
    expect(ms).toBeLessThan(9000);
    console.log(`a peer that asked for 25 MB, ended its side and never read was let go after ${Math.round(ms)} ms`);
  }, 20_000);
});
