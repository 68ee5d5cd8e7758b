import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { createClient } from 'redis';
import { closedPort } from './client.js';
import { run, type Running } from './processes.js';
import { within } from './within.js';

/** A redis-server this test started, on a loopback port, keeping nothing on disk. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly process: Running;
}

const READY = /Ready to accept connections/;

export interface RedisOptions {
  /** A free one by default. */
  readonly port?: number;
  /** `requirepass`: clients must give this password. */
  readonly password?: string;
  /** Speak TLS only, with this certificate and key (clients are not asked for one). */
  readonly tls?: { readonly cert: string; readonly key: string };
}

/**
 * Starts `redis-server` and resolves once it accepts connections. A free port chosen here can be
 * taken by another socket (an outgoing connection's own port) before Redis binds it: then another.
 */
export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startRedisOn(options.port ?? (await closedPort()), options);
    } catch (error) {
      if (options.port !== undefined || attempt === 3 || !/Address already in use/.test((error as Error).message)) throw error;
    }
  }
}

async function startRedisOn(chosen: number, options: RedisOptions): Promise<RedisServer> {
  const { password, tls } = options;
  const listen = tls
    ? ['--port', '0', '--tls-port', String(chosen), '--tls-cert-file', tls.cert, '--tls-key-file', tls.key, '--tls-auth-clients', 'no']
    : ['--port', String(chosen)];
  const args = [
    ...listen,
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--loglevel',
    'notice',
    ...(password ? ['--requirepass', password] : []),
  ];
  const server = run('redis-server', args, { stdin: 'ignore', name: `redis-server :${chosen}` });
  try {
    await server.stdout.waitFor(READY);
  } catch (error) {
    throw new Error(`${(error as Error).message}; redis-server said: ${[...server.stdout.all, ...server.stderr.all].join(' / ')}`);
  }
  const secret = password ? `:${encodeURIComponent(password)}@` : '';
  return { port: chosen, url: `${tls ? 'rediss' : 'redis'}://${secret}127.0.0.1:${chosen}`, process: server };
}

/**
 * The Redis for a cluster test: the one CI started (TCPCHAT_TEST_REDIS), else one started here.
 * Each test names its own cluster, so tests sharing a Redis never meet.
 */
export async function testRedis(): Promise<{ url: string; cluster: string }> {
  const url = process.env.TCPCHAT_TEST_REDIS || (await startRedis()).url;
  return { url, cluster: `test-${randomBytes(6).toString('hex')}` };
}

/** Resolves once Redis holds `nick` for a member of `cluster` (a node that rejoined has synced its people). */
export async function heldInRedis(url: string, cluster: string, nick: string): Promise<void> {
  const watcher = createClient({ url });
  await watcher.connect();
  try {
    const held = async (): Promise<void> => {
      while (!(await watcher.hExists(`tcpchat:{${cluster}}:nicks`, nick))) await delay(20);
    };
    await within(held(), `Redis to hold ${nick}`, 10_000);
  } finally {
    await watcher.quit();
  }
}
