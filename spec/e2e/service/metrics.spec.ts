import { afterEach, describe, expect, it } from '@jest/globals';
import { closedPort, joined, rawClient, type Client } from '../helpers/client.js';
import { cleanUp } from '../helpers/leftovers.js';
import { run, tcpchat, waitForExit } from '../helpers/processes.js';
import { startRedis, testRedis } from '../helpers/redis.js';
import { startServer, type Server } from '../helpers/server.js';
import { within } from '../helpers/within.js';

afterEach(cleanUp);

const METRICS_ON = /^tcpchat: metrics on 127\.0\.0\.1:(\d+)$/;

/** `serve --metrics 127.0.0.1:0 ARGS`, with the port its metrics are on. */
async function withMetrics(args: readonly string[]): Promise<{ server: Server; metricsPort: number }> {
  const server = await startServer(['--metrics', '127.0.0.1:0', ...args]);
  const [, port] = METRICS_ON.exec(await server.stderr.waitFor(METRICS_ON))!;
  return { server, metricsPort: Number(port) };
}

async function get(port: number, path: string): Promise<{ status: number; type: string | null; body: string }> {
  const response = await within(fetch(`http://127.0.0.1:${port}${path}`), `GET ${path}`);
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

/** The samples of a Prometheus text page, by name and labels as written (`name{label="value"}`). */
async function scrape(port: number): Promise<Map<string, number>> {
  const { status, type, body } = await get(port, '/metrics');
  expect(status).toBe(200);
  expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
  const samples = new Map<string, number>();
  for (const line of body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

const difference = (after: Map<string, number>, before: Map<string, number>, name: string): number =>
  (after.get(name) ?? 0) - (before.get(name) ?? 0);

describe('serve --metrics', () => {
  it('counts exactly what was sent: N lines from nc to M receivers are N lines in and N*M deliveries', async () => {
    const { server, metricsPort } = await withMetrics(['--relay', '--deny', '127.0.0.2', '--rate', '100', '--burst', '2']);
    expect(await get(metricsPort, '/healthz')).toMatchObject({ status: 200, body: 'ok\n' });

    // Refused first: its socket is long gone on the server's side once the others have joined.
    const denied = await rawClient(server.port, 'denied', '127.0.0.1', '127.0.0.2');
    await within(denied.closed, 'the denied client to be closed');
    const nc = run('nc', ['-N', '127.0.0.1', String(server.port)], { name: 'nc sender' });
    await nc.stdout.waitFor(/^\* welcome to server/);
    nc.write('/nick sam\n');
    await nc.stdout.waitFor('* you are now sam');
    const receivers: Client[] = [];
    for (const nick of ['ann', 'ben', 'cid']) receivers.push(await joined(server.port, nick));

    const before = await scrape(metricsPort);
    expect(before.get('tcpchat_connections')).toBe(4);
    expect(before.get('tcpchat_members')).toBe(4);
    expect(before.get('tcpchat_refusals_total{reason="access denied"}')).toBe(1);
    expect(before.get('nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);

    const lines = ['one', 'two', 'three, with ünïcödé', 'four', 'five'];
    nc.write(lines.map((line) => `${line}\n`).join(''));
    await Promise.all(receivers.map((receiver) => receiver.lines.waitFor('<sam> five')));
    const after = await scrape(metricsPort);

    const sent = Buffer.byteLength(lines.map((line) => `${line}\n`).join(''));
    const relayed = Buffer.byteLength(lines.map((line) => `<sam> ${line}\n`).join(''));
    expect(difference(after, before, 'tcpchat_lines_in_total')).toBe(5);
    expect(difference(after, before, 'tcpchat_deliveries_out_total')).toBe(5 * 3);
    expect(difference(after, before, 'tcpchat_bytes_in_total')).toBe(sent);
    expect(difference(after, before, 'tcpchat_bytes_out_total')).toBe(relayed * 3);
    // A burst of 2 at 100 lines a second: reading paused at least once, and nothing was lost.
    expect(after.get('tcpchat_rate_limit_pauses_total')).toBeGreaterThanOrEqual(1);

    // One leaves: the gauges follow, and its bytes still count once its socket is gone.
    receivers[2].socket.end();
    await receivers[0].lines.waitFor('* cid left (connection closed)');
    const left = await scrape(metricsPort);
    expect(left.get('tcpchat_connections')).toBe(3);
    expect(left.get('tcpchat_members')).toBe(3);
    await nc.stdout.waitFor('* cid left (connection closed)');
    // Its leave went to the three still in (nc, ann, ben).
    expect(difference(left, after, 'tcpchat_deliveries_out_total')).toBe(3);
    expect(difference(left, after, 'tcpchat_bytes_out_total')).toBe(Buffer.byteLength('* cid left (connection closed)\n') * 3);
  });

  it('counts a slow reader cut off', async () => {
    const { server, metricsPort } = await withMetrics(['--relay', '--rate', '0', '--send-queue', '1024']);
    const slow = await joined(server.port, 'slow');
    slow.socket.pause(); // reads nothing more: the kernel's buffers fill, then its send queue
    const sender = await joined(server.port, 'fast');
    const chunk = `${'x'.repeat(1000)}\n`.repeat(64);
    let cut = false;
    const leaving = server.stdout.waitFor(/^\* slow left \(send queue exceeded/, 20_000).then(() => (cut = true));
    // Bounded: 64 MiB at most, far more than loopback buffers hold.
    for (let round = 0; round < 1000 && !cut; round++) {
      if (!sender.socket.write(chunk))
        await within(new Promise((resolve) => sender.socket.once('drain', resolve)), 'the sender to drain', 20_000);
    }
    await leaving;
    expect((await scrape(metricsPort)).get('tcpchat_slow_readers_cut_total')).toBe(1);
  });

  it('answers only GET /metrics and /healthz', async () => {
    const { metricsPort } = await withMetrics([]);
    expect(await get(metricsPort, '/')).toMatchObject({ status: 404 });
    const response = await within(fetch(`http://127.0.0.1:${metricsPort}/metrics`, { method: 'POST' }), 'POST /metrics');
    expect(response.status).toBe(405);
  });

  it('in a cluster, /healthz is 503 until joined, 200 once joined and 503 once Redis is gone', async () => {
    const port = await closedPort();
    const { server, metricsPort } = await withMetrics([
      '--relay',
      '--cluster',
      `redis://127.0.0.1:${port}`,
      '--node',
      'a',
      '--presence-ttl',
      '2',
    ]);
    expect(await get(metricsPort, '/healthz')).toMatchObject({ status: 503 }); // listening, but no Redis yet
    const redis = await startRedis({ port });
    await server.stdout.waitFor(/^\* (re)?joined the cluster as node a: /, 15_000);
    expect(await get(metricsPort, '/healthz')).toMatchObject({ status: 200 });
    expect((await scrape(metricsPort)).get('tcpchat_cluster_up')).toBe(1);

    redis.process.child.kill('SIGKILL');
    await server.stdout.waitFor(/^! lost the cluster: /);
    expect(await get(metricsPort, '/healthz')).toEqual({ status: 503, type: 'text/plain; charset=utf-8', body: 'not ready\n' });
    expect((await scrape(metricsPort)).get('tcpchat_cluster_up')).toBe(0);
    expect(server.child.exitCode).toBeNull();
  });

  it('a metrics address that is taken is one sentence and exit 1, before the server says it listens', async () => {
    const { metricsPort } = await withMetrics([]);
    const running = tcpchat(['serve', '--host', '127.0.0.1', '--port', '0', '--json', '--metrics', `127.0.0.1:${metricsPort}`], {
      stdin: 'ignore',
    });
    expect(await waitForExit(running)).toEqual({ code: 1, signal: null });
    // Scripts take `listening on` (or the JSON record) for "up": a server that says it and then dies would fool them.
    expect(await running.stderr.end()).toEqual([
      `tcpchat: cannot serve metrics on 127.0.0.1:${metricsPort}: the address is already in use`,
    ]);
    expect(await running.stdout.end()).toEqual([]);
  });

  it('with --cluster too, a taken metrics address or chat port ends the start, exit 1: its links to Redis do not keep it', async () => {
    const { server, metricsPort } = await withMetrics([]);
    const { url, cluster } = await testRedis();
    const clustered = ['--cluster', url, '--cluster-name', cluster, '--node', 'n1'];
    for (const taken of [
      ['--port', '0', '--metrics', `127.0.0.1:${metricsPort}`],
      ['--port', String(server.port)],
    ]) {
      const running = tcpchat(['serve', '--host', '127.0.0.1', ...taken, ...clustered], { stdin: 'ignore' });
      expect(await waitForExit(running)).toEqual({ code: 1, signal: null });
      expect(await running.stderr.end()).toEqual([
        expect.stringMatching(/^tcpchat: cannot (serve metrics|listen) on 127\.0\.0\.1:\d+: the address is already in use$/),
      ]);
    }
  });
});
