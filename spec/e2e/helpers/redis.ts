import { randomBytes } from 'node:crypto';
import { closedPort } from './client.js';
import { run, type Running } from './processes.js';

/** A redis-server this test started, on a loopback port, keeping nothing on disk. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly process: Running;
}

const READY = /Ready to accept connections/;

/** Starts `redis-server` on `port` (a free one by default) and resolves once it accepts connections. */
export async function startRedis(port?: number): Promise<RedisServer> {
  const chosen = port ?? (await closedPort());
  const args = ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'notice'];
  const process = run('redis-server', args, { stdin: 'ignore', name: `redis-server :${chosen}` });
  try {
    await process.stdout.waitFor(READY);
  } catch (error) {
    throw new Error(`${(error as Error).message}; redis-server said: ${[...process.stdout.all, ...process.stderr.all].join(' / ')}`);
  }
  return { port: chosen, url: `redis://127.0.0.1:${chosen}`, process };
}

/**
 * The Redis for a cluster test: the one CI started (TCPCHAT_TEST_REDIS), else one started here.
 * Each test names its own cluster, so tests sharing a Redis never meet.
 */
export async function testRedis(): Promise<{ url: string; cluster: string }> {
  const url = process.env.TCPCHAT_TEST_REDIS || (await startRedis()).url;
  return { url, cluster: `test-${randomBytes(6).toString('hex')}` };
}
