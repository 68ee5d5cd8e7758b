// The relays under test, each started as its own child process on a 127.0.0.1 port, and the
// /proc readings (RSS, CPU time) taken from them.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, existsSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { nowUs } from './stats.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
export const ROOT = here('../..');
export const TCPCHAT_MAIN = here('../../dist/src/cli/bin.cjs');
const CHUNK_RELAY = here('../relays/node-chunk-relay.mjs');
const LINE_RELAY = here('../relays/node-line-relay.mjs');

export function ncatPath() {
  const found = spawnSync('sh', ['-c', 'command -v ncat'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : null;
}

/**
 * Options tcpchat must get to be measured as a relay rather than as a guarded public server:
 * no per-client rate limit, no client cap below the benchmark's sizes. Only those its
 * `serve --help` lists are passed, so the bench runs against older and newer builds alike.
 */
export function tcpchatBenchOptions() {
  if (!existsSync(TCPCHAT_MAIN)) return [];
  const help = spawnSync(process.execPath, [TCPCHAT_MAIN, 'serve', '--help'], { encoding: 'utf8' }).stdout ?? '';
  const options = [];
  if (help.includes('--rate')) options.push('--rate', '0');
  if (help.includes('--max-clients')) options.push('--max-clients', '1000000');
  return options;
}

/** Whether this build of tcpchat has `serve --cluster`. */
export function tcpchatHasCluster() {
  if (!existsSync(TCPCHAT_MAIN)) return false;
  const help = spawnSync(process.execPath, [TCPCHAT_MAIN, 'serve', '--help'], { encoding: 'utf8' }).stdout ?? '';
  return help.includes('--cluster');
}

const NCAT_SELECT = {
  // ncat listens with a backlog of 10: connections opened in a burst overflow it, and a client
  // whose handshake was dropped waits a second for a retry (or, with SYN cookies, forever, as it
  // never sends). So they are opened one at a time per load generator, a millisecond apart.
  connectGapMs: 1,
  maxConnections: 1000,
  maxConnectionsWhy: 'ncat waits with select(), which cannot watch descriptors past FD_SETSIZE (1024): it aborts past ~1,020 connections',
  maxConnectionsShort: 'select: ~1,020 max',
};

/** What each relay is: how to start it and how it announces that it listens. */
export function relayDefinitions({ cpuProfDir } = {}) {
  const ncat = ncatPath();
  const nodeArgs = (key) => (cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}/${key}`] : []);
  const tcpchatOptions = tcpchatBenchOptions();
  return {
    tcpchat: {
      label: 'tcpchat --relay',
      available: existsSync(TCPCHAT_MAIN),
      missing: 'dist/src/cli/bin.cjs not built (run npm run build)',
      command: (port) => [
        process.execPath,
        [...nodeArgs('tcpchat'), TCPCHAT_MAIN, 'serve', '--host', '127.0.0.1', '--port', String(port), ...tcpchatOptions],
      ],
      options: tcpchatOptions,
      wantsPort0: true,
      backlog: 511,
    },
    // The same server keeping its history, acknowledged ids and facts in SQLite (issue 16), in a
    // fresh data directory per start, removed when it stops.
    'tcpchat-data': {
      label: 'tcpchat --data',
      available: existsSync(TCPCHAT_MAIN),
      missing: 'dist/src/cli/bin.cjs not built (run npm run build)',
      command: (port, dataDir) => [
        process.execPath,
        [
          ...nodeArgs('tcpchat-data'),
          TCPCHAT_MAIN,
          'serve',
          '--host',
          '127.0.0.1',
          '--port',
          String(port),
          ...tcpchatOptions,
          '--data',
          dataDir,
        ],
      ],
      dataDir: true,
      options: tcpchatOptions,
      wantsPort0: true,
      backlog: 511,
    },
    'node-chunk': {
      label: 'node chunk relay',
      available: true,
      command: (port) => [process.execPath, [...nodeArgs('node-chunk'), CHUNK_RELAY, '--host', '127.0.0.1', '--port', String(port)]],
      wantsPort0: true,
      backlog: 511,
    },
    'node-line': {
      label: 'node line relay',
      available: true,
      command: (port) => [process.execPath, [...nodeArgs('node-line'), LINE_RELAY, '--host', '127.0.0.1', '--port', String(port)]],
      wantsPort0: true,
      backlog: 511,
    },
    'ncat-broker': {
      label: 'ncat --broker',
      available: Boolean(ncat),
      missing: 'ncat not installed',
      command: (port) => [ncat, ['-v', '--broker', '-m', '100000', '-l', '127.0.0.1', String(port)]],
      wantsPort0: false, // ncat reports port 0 literally, so it gets a free port found beforehand
      backlog: 10,
      ...NCAT_SELECT,
    },
    'ncat-chat': {
      label: 'ncat --chat',
      available: Boolean(ncat),
      missing: 'ncat not installed',
      command: (port) => [ncat, ['-v', '--chat', '-m', '100000', '-l', '127.0.0.1', String(port)]],
      wantsPort0: false,
      backlog: 10,
      ...NCAT_SELECT,
    },
  };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const LISTENING = /listening on \[?([0-9a-f.:]+?)\]?:(\d+)/i;

/**
 * Starts a relay and resolves once it has said it listens. stdout goes to /dev/null (tcpchat in
 * relay mode logs every message there); stderr is drained, its last lines kept.
 * `extraArgs` go after the definition's own; with `stdoutFile`, stdout goes to that file instead
 * (a file, like /dev/null, never makes the relay wait for a reader), and with `stdoutReady` the
 * relay is ready only once a stdout line matches it too (a cluster node: `joined the cluster`).
 */
export async function startRelay(def, { readyTimeoutMs = 15000, extraArgs = [], stdoutFile, stdoutReady } = {}) {
  const port = def.wantsPort0 ? 0 : await freePort();
  const dataDir = def.dataDir ? mkdtempSync(join(tmpdir(), 'tcpchat-bench-data-')) : undefined;
  const [cmd, baseArgs] = def.command(port, dataDir);
  const args = [...baseArgs, ...extraArgs];
  const out = openSync(stdoutFile ?? '/dev/null', 'w');
  const t0 = nowUs();
  const proc = spawn(cmd, args, { stdio: ['pipe', out, 'pipe'], cwd: ROOT });
  closeSync(out); // the child has its own copy
  const relay = { label: def.label, proc, pid: proc.pid, port: 0, stderrTail: [], exited: null, readyMs: NaN };
  proc.on('error', () => {}); // reported through exit
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  if (dataDir) exited.then(() => rmSync(dataDir, { recursive: true, force: true }));
  exited.then((e) => (relay.exited = e));
  relay.exitedPromise = exited;
  let buffer = '';
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${def.label}: no listening line within ${readyTimeoutMs} ms`)), readyTimeoutMs);
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (text) => {
      buffer += text;
      let nl;
      while ((nl = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (!relay.port) {
          const m = LISTENING.exec(line);
          if (m && Number(m[2]) > 0) {
            relay.port = Number(m[2]);
            relay.readyMs = (nowUs() - t0) / 1000;
            clearTimeout(timer);
            resolve();
            continue;
          }
        }
        if (/Connection from|Connection to/.test(line)) continue; // ncat -v: one per connection
        relay.stderrTail.push(line);
        if (relay.stderrTail.length > 20) relay.stderrTail.shift();
      }
      if (buffer.length > 65536) buffer = '';
    });
    exited.then((e) => {
      clearTimeout(timer);
      reject(new Error(`${def.label} exited before listening (code ${e.code}, signal ${e.signal}): ${relay.stderrTail.join(' | ')}`));
    });
  });
  const joined = stdoutReady
    ? untilFileLine(stdoutFile, stdoutReady, readyTimeoutMs, exited).then((line) => {
        relay.readyLine = line;
        relay.joinedMs = (nowUs() - t0) / 1000;
      })
    : Promise.resolve();
  try {
    await Promise.all([ready, joined]);
  } catch (error) {
    proc.kill('SIGKILL');
    await exited;
    if (!stdoutReady) throw error;
    throw new Error(
      `${relay.label}: ${error.message}${relay.stderrTail.length ? `; stderr: ${relay.stderrTail.slice(-3).join(' | ')}` : ''}`,
    );
  }
  relay.stop = () => stopRelay(relay);
  return relay;
}

/**
 * Resolves with the first line of `file` (which a child is writing) that matches `pattern`:
 * woken by inotify (fs.watch) rather than by polling; rejects after `timeoutMs` or if `exited`
 * resolves first.
 */
function untilFileLine(file, pattern, timeoutMs, exited) {
  return new Promise((resolve, reject) => {
    const fd = openSync(file, 'r');
    const chunk = Buffer.allocUnsafe(64 * 1024);
    let text = '';
    let done = false;
    const finish = (error, line) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      watcher.close();
      closeSync(fd);
      if (error) reject(error);
      else resolve(line);
    };
    const check = () => {
      if (done) return;
      for (let n; (n = readSync(fd, chunk, 0, chunk.length, null)) > 0;) {
        text += chunk.toString('utf8', 0, n);
        const lines = text.split('\n');
        text = lines.pop();
        const hit = lines.find((line) => pattern.test(line));
        if (hit !== undefined) return finish(null, hit);
        if (text.length > 65536) text = '';
      }
    };
    const watcher = watch(file, check);
    const timer = setTimeout(() => finish(new Error(`no line matching ${pattern} on stdout within ${timeoutMs} ms`)), timeoutMs);
    exited.then((e) => finish(new Error(`exited before ${pattern} on stdout (code ${e.code}, signal ${e.signal})`)));
    check(); // what was written before the watch began
  });
}

/** redis-server's path: $REDIS_SERVER, or the one on PATH; null when there is none. */
export function redisServerPath() {
  if (process.env.REDIS_SERVER) return existsSync(process.env.REDIS_SERVER) ? process.env.REDIS_SERVER : null;
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : null;
}

/** `7.0.15`, from redis-server --version. */
export function redisVersion(path) {
  const out = spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout ?? '';
  return /v=(\S+)/.exec(out)?.[1] ?? 'unknown';
}

/**
 * Starts a private redis-server on a free 127.0.0.1 port, persisting nothing, and resolves once
 * it says `Ready to accept connections` on stdout. Its working directory is `dir` (nothing is
 * written there with these options). Stopped like a relay (SIGTERM, then SIGKILL).
 */
export async function startRedis(path, { dir, readyTimeoutMs = 10000, attempts = 3 } = {}) {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const proc = spawn(path, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: dir,
    });
    const redis = { label: 'redis-server', proc, pid: proc.pid, port, stderrTail: [], exited: null };
    proc.on('error', () => {}); // reported through exit
    const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
    exited.then((e) => (redis.exited = e));
    redis.exitedPromise = exited;
    const tail = (line) => {
      redis.stderrTail.push(line);
      if (redis.stderrTail.length > 20) redis.stderrTail.shift();
    };
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (text) => text.split('\n').filter(Boolean).forEach(tail));
    const ready = new Promise((resolve, reject) => {
      let buffer = '';
      let isReady = false;
      const timer = setTimeout(() => reject(new Error(`redis-server: not ready within ${readyTimeoutMs} ms`)), readyTimeoutMs);
      proc.stdout.setEncoding('utf8');
      proc.stdout.on('data', (text) => {
        // redis logs little once it runs; it is read (and its last lines kept) to the end
        buffer += text;
        let nl;
        while ((nl = buffer.indexOf('\n')) !== -1) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          tail(line);
          if (!isReady && line.includes('Ready to accept connections')) {
            isReady = true;
            clearTimeout(timer);
            resolve();
          }
        }
      });
      exited.then((e) => {
        clearTimeout(timer);
        reject(
          new Error(
            `redis-server exited before it was ready (code ${e.code}, signal ${e.signal}): ${redis.stderrTail.slice(-3).join(' | ')}`,
          ),
        );
      });
    });
    try {
      await ready;
    } catch (error) {
      proc.kill('SIGKILL');
      await exited;
      // the free port can be taken between finding it and redis binding it: try another
      if (attempt < attempts && redis.stderrTail.some((line) => /Address already in use/i.test(line))) continue;
      throw error;
    }
    redis.stop = () => stopRelay(redis, 5000);
    return redis;
  }
}

/**
 * `INFO section` from a Redis on 127.0.0.1 as { key: value } (commandstats: `cmdstat_evalsha`:
 * { calls, usec, ... }), over a raw socket in RESP: the benchmark needs no Redis client.
 */
export function redisInfo(port, section = 'commandstats', timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('redis INFO: no reply'));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`*2\r\n$4\r\nINFO\r\n$${section.length}\r\n${section}\r\n`));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('data', (text) => {
      data += text;
      const m = /^\$(\d+)\r\n/.exec(data);
      if (!m || Buffer.byteLength(data) < m[0].length + Number(m[1])) return;
      clearTimeout(timer);
      socket.destroy();
      const info = {};
      for (const line of data.slice(m[0].length).split('\r\n')) {
        const kv = /^([^#:][^:]*):(.*)$/.exec(line);
        if (!kv) continue;
        info[kv[1]] = kv[2].includes('=')
          ? Object.fromEntries(
              kv[2]
                .split(',')
                .map((p) => p.split('='))
                .map(([k, v]) => [k, Number.isNaN(Number(v)) ? v : Number(v)]),
            )
          : kv[2];
      }
      resolve(info);
    });
  });
}

/** SIGTERM, then SIGKILL after a deadline; resolves with how it ended. */
export async function stopRelay(relay, deadlineMs = 8000) {
  if (relay.exited) return relay.exited;
  const t0 = Date.now();
  relay.proc.kill('SIGTERM');
  let timer;
  const timeout = new Promise((resolve) => (timer = setTimeout(() => resolve(null), deadlineMs)));
  const how = await Promise.race([relay.exitedPromise, timeout]);
  clearTimeout(timer);
  if (how) return { ...how, ms: Date.now() - t0 };
  relay.proc.kill('SIGKILL');
  return { ...(await relay.exitedPromise), killedAfterMs: deadlineMs };
}

/** Resident memory of a process in bytes, from /proc/PID/status (VmRSS). */
export function rssBytes(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

let clockTicks;
/** User + system CPU time of a process in microseconds, from /proc/PID/stat. */
export function cpuUs(pid) {
  clockTicks ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / clockTicks) * 1e6;
  } catch {
    return NaN;
  }
}

/** The soft limit on open files for processes we start (they inherit ours). */
export function openFileLimit() {
  try {
    const m = /Max open files\s+(\d+|unlimited)\s+/.exec(readFileSync('/proc/self/limits', 'utf8'));
    return !m || m[1] === 'unlimited' ? Infinity : Number(m[1]);
  } catch {
    return NaN;
  }
}
