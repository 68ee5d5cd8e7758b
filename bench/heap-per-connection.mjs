#!/usr/bin/env node
// What an idle connection costs a relay's JavaScript heap, by constructor: the relay is started with
// --heapsnapshot-signal, a snapshot is taken after a few warm-up connections and another with N idle
// ones more (each has had its first bytes, or a moment to settle), and the difference per connection
// is printed. The warm-up takes what a relay makes once, on its first connections (object shapes,
// modules it loads once listening), out of the figure.
//   node bench/heap-per-connection.mjs [--connections 2000] [--relay tcpchat|node-chunk] [-- EXTRA SERVE ARGS]
// Snapshots go to a temporary directory, removed at the end. V8's compiled code grows as the relay
// warms up and is no cost of a connection: it is shown apart. Loopback only; the relay and the
// connections are closed however it ends.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { relayDefinitions } from './lib/relays.mjs';

const { values: flags, positionals: extra } = parseArgs({
  options: { connections: { type: 'string', default: '2000' }, relay: { type: 'string', default: 'tcpchat' } },
  allowPositionals: true,
});
const count = Number(flags.connections);
const def = relayDefinitions()[flags.relay];
if (!def || def.dataDir || !def.wantsPort0 || !(count > 0))
  throw new Error('usage: --relay tcpchat|node-chunk|node-line, --connections N > 0');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const dir = mkdtempSync(join(tmpdir(), 'tcpchat-heap-'));
const [cmd, args] = def.command(0);
const relay = spawn(cmd, ['--heapsnapshot-signal=SIGUSR2', ...args, ...extra], { cwd: dir, stdio: ['pipe', 'ignore', 'pipe'] });
const sockets = [];
/** Connections opened before the first snapshot. */
const WARM_UP_CONNECTIONS = 20;
try {
  const port = await new Promise((resolve, reject) => {
    let text = '';
    relay.stderr.setEncoding('utf8').on('data', (chunk) => {
      const m = /listening on \[?[0-9a-f.:]+?\]?:(\d+)/.exec((text += chunk));
      if (m) resolve(Number(m[1]));
    });
    relay.once('exit', () => reject(new Error(`the relay exited: ${text}`)));
  });
  await openIdle(port, WARM_UP_CONNECTIONS);
  const before = await snapshot('before');
  await openIdle(port, count);
  const after = await snapshot('after');
  report(summarize(before), summarize(after));
} finally {
  for (const socket of sockets) socket.destroy();
  relay.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}

/** Opens `n` connections that stay idle, and waits for them to settle. */
async function openIdle(port, n) {
  let heard = 0;
  for (let i = 0; i < n; i++) {
    const socket = connect(port, '127.0.0.1');
    socket
      .once('data', () => heard++)
      .on('data', () => {})
      .on('error', () => {});
    sockets.push(socket);
    if (i % 200 === 199) await sleep(20);
  }
  // A chat server says something to each newcomer; the floor says nothing, and gets a few seconds.
  for (let waited = 0; heard < n && waited < 5000; waited += 100) await sleep(100);
  await sleep(1000);
}

/** Asks for a snapshot and reads it once whole (writing one takes seconds on a busy machine, with pauses). */
async function snapshot(name) {
  const old = new Set(readdirSync(dir));
  relay.kill('SIGUSR2');
  for (;;) {
    await sleep(1000);
    const file = readdirSync(dir).find((f) => !old.has(f) && f.endsWith('.heapsnapshot'));
    if (!file) continue;
    try {
      const snap = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      renameSync(join(dir, file), join(dir, `${name}.heapsnapshot`)); // out of the way of the next one
      return snap;
    } catch {
      // Not all written yet.
    }
  }
}

/** Count and self size of the heap's nodes by kind: constructor (or V8's name) for objects, one row for strings, one for code. */
function summarize(snap) {
  const {
    node_fields: fields,
    node_types: [types],
  } = snap.snapshot.meta;
  const [type, name, size] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const kinds = new Map();
  for (let at = 0; at < snap.nodes.length; at += fields.length) {
    const t = types[snap.nodes[at + type]];
    const key =
      t === 'code' ? '(compiled code)' : t.endsWith('string') ? '(strings)' : `${t} ${snap.strings[snap.nodes[at + name]].slice(0, 50)}`;
    const kind = kinds.get(key) ?? { count: 0, bytes: 0 };
    kind.count++;
    kind.bytes += snap.nodes[at + size];
    kinds.set(key, kind);
  }
  return kinds;
}

function report(before, after) {
  const rows = [];
  let total = 0;
  let code = 0;
  for (const [key, now] of after) {
    const was = before.get(key) ?? { count: 0, bytes: 0 };
    const bytes = (now.bytes - was.bytes) / count;
    if (key === '(compiled code)') code = bytes;
    else total += bytes;
    if (Math.abs(bytes) >= 4) rows.push({ key, bytes, count: (now.count - was.count) / count });
  }
  console.log(`${def.label}, ${count} idle connections (${extra.join(' ') || 'default options'}): JavaScript heap per connection`);
  for (const row of rows.sort((a, b) => b.bytes - a.bytes))
    console.log(`${row.bytes.toFixed(0).padStart(6)} B  ${row.count.toFixed(2).padStart(5)} each  ${row.key}`);
  console.log(
    `${total.toFixed(0).padStart(6)} B  in all, besides compiled code (${code.toFixed(0)} B per connection, the relay warming up)`,
  );
}
