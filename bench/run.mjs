#!/usr/bin/env node
// tcpchat's benchmark: relays side by side in one run, on 127.0.0.1 only.
//   node bench/run.mjs [--quick] [--help] [flags]        (npm run bench -- [flags])
// Prints a table of absolute figures and same-run ratios; writes JSON, Markdown and an SVG chart
// to bench/results/. Only same-run ratios are comparable between machines or runs.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { Pool } from './lib/pool.mjs';
import {
  cpuUs,
  openFileLimit,
  redisInfo,
  redisServerPath,
  redisVersion,
  relayDefinitions,
  rssBytes,
  startRedis,
  startRelay,
  stopRelay,
  tcpchatHasCluster,
  TCPCHAT_MAIN,
  ROOT,
} from './lib/relays.mjs';
import { markdownTable, svgChart } from './lib/report.mjs';
import { openSenders, paced, saturate } from './lib/senders.mjs';
import { Histogram, median, nowUs } from './lib/stats.mjs';

const ALL_RELAYS = ['tcpchat', 'node-chunk', 'node-line', 'ncat-broker', 'ncat-chat'];
// Run only when named: tcpchat keeping its state in a data directory (serve --data), beside tcpchat without.
const OPT_IN_RELAYS = ['tcpchat-data'];
const KNOWN_RELAYS = [...ALL_RELAYS, ...OPT_IN_RELAYS];
const ALL_SCENARIOS = ['startup', 'saturated', 'room', 'paced', 'slow', 'idle', 'cluster'];
// cluster is opt-in: it needs redis-server, and the default run already takes several minutes
const DEFAULT_SCENARIOS = ['startup', 'saturated', 'room', 'paced', 'slow', 'idle'];

const FULL = {
  receivers: '10,100,500,1000',
  'lines-per-write': '1,16,256',
  'room-clients': '100,1000',
  'room-rate': '1000',
  'room-steps': '6',
  'room-duration': '2',
  warmup: '0.5',
  duration: '2',
  'paced-rate': '500',
  'paced-receivers': '500',
  'paced-duration': '5',
  idle: '1000,10000,100000',
  'idle-timeout': '40',
  'idle-wait': '240',
  'idle-base': '10',
  'startup-runs': '5',
  'slow-fast': '100',
  'slow-rate': '20000',
  'slow-batch': '40',
  'slow-duration': '10',
};
const QUICK = {
  receivers: '100',
  'lines-per-write': '1',
  'room-clients': '20',
  'room-rate': '1000',
  'room-steps': '1',
  'room-duration': '0.3',
  warmup: '0.1',
  duration: '0.6',
  'paced-rate': '500',
  'paced-receivers': '50',
  'paced-duration': '0.5',
  idle: '200',
  'idle-timeout': '2',
  'idle-wait': '0',
  'idle-base': '0',
  'startup-runs': '2',
  'slow-fast': '50',
  'slow-rate': '20000',
  'slow-batch': '40',
  'slow-duration': '0.6',
};

const HELP = `usage: node bench/run.mjs [options]

  --quick                 a smoke run, under a minute (smaller sizes, shorter windows)
  --relays LIST           ${ALL_RELAYS.join(',')} (default: all available); also tcpchat-data (serve --data
                          in a fresh directory), run only when named
  --scenarios LIST        ${ALL_SCENARIOS.join(',')} (default: all but cluster)
  --rounds N              repeat every measurement N times, interleaved; report medians (default 1)
  --procs N               load-generator processes the receivers are split over (default 2)

  saturated fan-out: one or more senders write 64-byte lines as fast as the relay takes them
  --receivers LIST        receiver counts (default ${FULL.receivers})
  --senders N             sender connections (default 1)
  --warmup S --duration S seconds before and of the measured window (default ${FULL.warmup}, ${FULL.duration})
  --window LINES          senders stay at most LINES ahead of the slowest receiver; 0 = unlimited,
                          TCP and the relay alone decide (default 16384)
  --lines-per-write LIST  lines in each of the senders' writes (default ${FULL['lines-per-write']})

  room: N clients, each speaking one stamped line per write, every one a receiver; the total rate
  doubles each step until p99 passes 100 ms or a line is lost (capacity: the last step that passed)
  --room-clients LIST     clients in the room (default ${FULL['room-clients']})
  --room-rate N           lines/s in all of the first step at 100 clients (the moderate load); at N
                          clients the first step offers as many deliveries/s (default ${FULL['room-rate']})
  --room-steps N --room-duration S   steps at most, seconds each (default ${FULL['room-steps']}, ${FULL['room-duration']})

  paced latency: lines carrying their send time, p50/p99 over all receivers
  --paced-rate N --paced-receivers N --paced-duration S   (default ${FULL['paced-rate']}/s, ${FULL['paced-receivers']}, ${FULL['paced-duration']} s)

  slow reader: paced load to fast receivers, without and with one receiver that never reads
  --slow-fast N --slow-rate N --slow-batch N --slow-duration S
                          (default ${FULL['slow-fast']} receivers, ${FULL['slow-rate']} lines/s written ${FULL['slow-batch']} per write, ${FULL['slow-duration']} s;
                          enough bytes that the never-reading socket fills its kernel buffers)

  idle connections: server RSS before and after, per connection
  --idle LIST             connection counts (default ${FULL.idle}); the bench raises its soft ulimit -n
                          (up to the hard limit) and measures what that allows, spread over 127.0.0.x
  --idle-timeout S        how long the connections may take to open and settle (default ${FULL['idle-timeout']})
  --idle-wait S           then how long they idle before the RSS is read again, the figure reported
                          (default ${FULL['idle-wait']}: V8 gives back what a burst of arrivals grew once its
                          allocation rate looks low, or 100 s after its last full GC, and again later; 0: at once)
  --idle-base PCT         first open this percentage of the connections and read the RSS once they have idled
                          as long, then open the rest: what each further connection costs, and from it the
                          figure at 100,000 where the hard ulimit -n stops the bench below (default ${FULL['idle-base']}; 0: off)

  startup: time to the listening line, and tcpchat --help
  --startup-runs N        (default ${FULL['startup-runs']})

  cluster (only with --scenarios cluster; needs redis-server, or $REDIS_SERVER): a private
  redis-server on a free 127.0.0.1 port and two tcpchat nodes (serve --cluster); the senders on
  node A, the receivers split evenly over A and B. At each --receivers count: the saturated load
  (--senders, --warmup, --duration, --window) and the paced load (--paced-rate, --paced-duration),
  each next to single-node tcpchat with the same receivers; every receiver's line count is checked
  against the lines sent (exactly once). --receivers 100 keeps it to about half a minute.

  --cpu-prof              start the Node relays with node --cpu-prof (profiles in OUT/cpuprof/RELAY/,
                          written when they exit; summarise with node bench/cpuprofile-top.mjs FILE)
  --out DIR               where results go (default bench/results)
`;

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
    relays: { type: 'string' },
    scenarios: { type: 'string' },
    rounds: { type: 'string', default: '1' },
    procs: { type: 'string', default: '2' },
    receivers: { type: 'string' },
    senders: { type: 'string', default: '1' },
    warmup: { type: 'string' },
    duration: { type: 'string' },
    window: { type: 'string', default: '16384' },
    'lines-per-write': { type: 'string' },
    'room-clients': { type: 'string' },
    'room-rate': { type: 'string' },
    'room-steps': { type: 'string' },
    'room-duration': { type: 'string' },
    'paced-rate': { type: 'string' },
    'paced-receivers': { type: 'string' },
    'paced-duration': { type: 'string' },
    'slow-fast': { type: 'string' },
    'slow-rate': { type: 'string' },
    'slow-duration': { type: 'string' },
    'slow-batch': { type: 'string' },
    idle: { type: 'string' },
    'idle-timeout': { type: 'string' },
    'idle-wait': { type: 'string' },
    'idle-base': { type: 'string' },
    'startup-runs': { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    out: { type: 'string', default: join(ROOT, 'bench', 'results') },
  },
});
if (flags.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const preset = flags.quick ? QUICK : FULL;
const opt = (name) => flags[name] ?? preset[name];
const num = (name) => {
  const v = Number(opt(name));
  if (!Number.isFinite(v) || v < 0) usage(`--${name} wants a number, got ${opt(name)}`);
  return v;
};
const list = (name) => String(opt(name)).split(',').filter(Boolean).map(Number);
function usage(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}
raiseOpenFileLimit();

/**
 * Idle connections take a descriptor each in the relay and in a load generator, all children of
 * this process, which inherit its limits. A soft `ulimit -n` below what --idle wants is raised by
 * running the bench again in a shell that first says `ulimit -n` (up to the hard limit; past it
 * only root outside a container may go: `prlimit`, or docker's `--ulimit nofile=`).
 */
function raiseOpenFileLimit() {
  const wantsIdle = (flags.scenarios ? flags.scenarios.split(',') : DEFAULT_SCENARIOS).includes('idle');
  if (!wantsIdle || process.env.TCPCHAT_BENCH_ULIMIT) return;
  const need = Math.max(...list('idle')) + 1000;
  const soft = openFileLimit();
  const hardText = spawnSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).stdout.trim();
  const target = Math.min(need, hardText === 'unlimited' ? Infinity : Number(hardText));
  if (!(target > soft)) return;
  const script = fileURLToPath(import.meta.url);
  const again = spawnSync('sh', ['-c', `ulimit -n ${target} && exec "$@"`, 'sh', process.execPath, script, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, TCPCHAT_BENCH_ULIMIT: String(target) },
  });
  process.exit(again.status ?? 1);
}

const log = (text) => process.stderr.write(`${text}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const notes = [];
const note = (text) => {
  notes.push(text);
  log(`note: ${text}`);
};

const outDir = flags.out;
mkdirSync(outDir, { recursive: true });
const cpuProfDir = flags['cpu-prof'] ? join(outDir, 'cpuprof') : undefined;
const defs = relayDefinitions({ cpuProfDir });
const wanted = flags.relays ? flags.relays.split(',') : ALL_RELAYS;
for (const r of wanted) if (!defs[r]) usage(`unknown relay ${r} (known: ${KNOWN_RELAYS.join(', ')})`);
const relays = wanted.filter((r) => {
  if (defs[r].available) return true;
  note(`${defs[r].label} skipped: ${defs[r].missing}`);
  return false;
});
if (!relays.includes('tcpchat') && wanted.includes('tcpchat')) usage('tcpchat is not built: run npm run build first');
const scenarios = flags.scenarios ? flags.scenarios.split(',') : DEFAULT_SCENARIOS;
for (const s of scenarios) if (!ALL_SCENARIOS.includes(s)) usage(`unknown scenario ${s} (known: ${ALL_SCENARIOS.join(', ')})`);
let redisPath;
if (scenarios.includes('cluster')) {
  if (!relays.includes('tcpchat')) usage('the cluster scenario measures tcpchat: keep tcpchat in --relays');
  if (!tcpchatHasCluster()) usage('the cluster scenario needs a tcpchat build with serve --cluster: run npm run build');
  redisPath = redisServerPath();
  if (!redisPath) {
    usage(
      `the cluster scenario needs redis-server (Redis 7), and there is none ${process.env.REDIS_SERVER ? `at REDIS_SERVER=${process.env.REDIS_SERVER}` : 'on PATH'}: ` +
        'install it (apt-get install redis-server), point REDIS_SERVER at one, or leave cluster out of --scenarios',
    );
  }
}
if (relays.includes('tcpchat'))
  note(`tcpchat runs as: tcpchat serve --relay --host 127.0.0.1 --port 0 ${defs.tcpchat.options.join(' ')}`.trim());
const labels = Object.fromEntries(KNOWN_RELAYS.map((r) => [r, defs[r].label]));
if (redisPath)
  note(
    `cluster: redis-server ${redisVersion(redisPath)} (${redisPath}) --bind 127.0.0.1 --save '' --appendonly no; nodes: the tcpchat command above plus --cluster redis://127.0.0.1:PORT --cluster-name benchN --node a|b, stdout to a temporary file`,
  );
const rounds = Math.max(1, Math.floor(num('rounds')));
const procs = Math.max(1, Math.floor(num('procs')));
const windowLines = num('window');

// ---------------------------------------------------------------------------------------------

const pool = new Pool(procs);
const liveRelays = new Set();
const stopTimes = [];
let liveSenders = [];
const started = Date.now();

async function withRelay(key, body) {
  const relay = await startRelay(defs[key]);
  liveRelays.add(relay);
  try {
    return await body(relay);
  } finally {
    // the relay goes first: closing a thousand clients first would make a chat server announce
    // a thousand departures to everyone left
    relay.stopResult = await relay.stop();
    if (relay.stopResult.killedAfterMs) note(`${relay.label} did not stop within ${relay.stopResult.killedAfterMs} ms of SIGTERM; killed`);
    stopTimes.push({ relay: key, ms: relay.stopResult.ms });
    liveRelays.delete(relay);
    for (const s of liveSenders) s.destroy();
    liveSenders = [];
    await pool.all('closeAll');
  }
}

/**
 * Waits until the relay has really taken every receiver in: a TCP connect can complete while the
 * relay has not accepted it yet (a full accept queue). Probe lines are sent until every receiver
 * has had some bytes (a welcome, a join notice or a probe). At most `maxMs`.
 */
async function wired(sender, maxMs) {
  const t0 = Date.now();
  while (Date.now() - t0 < maxMs) {
    const s = await pool.snapshot();
    if (s.minBytes > 0) return { wired: true, ms: Date.now() - t0 };
    sender.write('probe\n');
    await sleep(100);
  }
  return { wired: false, ms: Date.now() - t0 };
}

/** Waits until the receivers have had no bytes for `stableMs` (join notices settled), at most `maxMs`. */
async function quiesce(stableMs, maxMs) {
  const t0 = Date.now();
  let last = -1;
  let since = Date.now();
  while (Date.now() - t0 < maxMs) {
    const s = await pool.snapshot();
    if (s.bytes !== last) {
      last = s.bytes;
      since = Date.now();
    } else if (Date.now() - since >= stableMs) return { quiet: true, ms: Date.now() - t0 };
    await sleep(100);
  }
  return { quiet: false, ms: Date.now() - t0 };
}

/** A reading at one instant: the receivers' counts, the CPU time of `pids` ({ name: pid }), ours. */
async function point(pids, extra) {
  const before = nowUs();
  const snap = await pool.snapshot();
  const after = nowUs();
  const self = process.cpuUsage();
  const cpu = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuUs(pid)]));
  return { t: (before + after) / 2, snap, cpu, selfCpu: self.user + self.system, extra: extra ? await extra() : undefined };
}

/**
 * Opens receivers at each site ({ port, count, group, backlog, gapMs }: one site for a lone
 * relay, one per node for a cluster), then senders to `senderPort`; waits until every receiver
 * has been taken in and the join notices have settled.
 */
async function openClients(sites, senderPort, senders, open = {}) {
  for (const site of sites) {
    const opened = await pool.open(site.port, site.count, {
      ...open,
      ...(site.open ?? {}),
      backlog: site.backlog,
      gapMs: site.gapMs ?? 0,
      deadlineMs: 60000,
      group: site.group ?? '',
    });
    const want = site.count + (site.open?.slow ?? open.slow ?? 0);
    if (opened.connected < want)
      throw new Error(`only ${opened.connected} of ${want} receivers connected${site.group ? ` to node ${site.group}` : ''}`);
  }
  liveSenders = await openSenders(senderPort, senders);
  const wiring = await wired(liveSenders[0], 30000);
  if (!wiring.wired) throw new Error('not every receiver got the probe line within 30 s');
  return quiesce(200, 20000);
}

/**
 * The saturated load against `sites` (see openClients), CPU read from `pids`. With `verify`, the
 * load is let drain afterwards and every receiver's line count is checked against the lines sent.
 */
async function saturatedLoad({ sites, senderPort, pids, verify = false, extra, linesPerWrite = 256 }) {
  const settled = await openClients(sites, senderPort, num('senders'), { exact: 1 });
  await pool.all('reset');
  await pool.progress(windowLines > 0);
  const warmupMs = num('warmup') * 1000;
  const durationMs = num('duration') * 1000;
  const load = saturate(liveSenders, {
    window: windowLines,
    linesPerWrite,
    durationMs: warmupMs + durationMs + 5000,
    maxLines: 5e6 * ((warmupMs + durationMs) / 1000 + 5),
    minReceived: () => pool.globalMinLines(),
  });
  pool.onProgress = () => load.progress();
  await sleep(warmupMs);
  const sentA = load.sent;
  const a = await point(pids, extra);
  await sleep(durationMs);
  const sentB = load.sent;
  const b = await point(pids, extra);
  load.stop();
  pool.onProgress = () => {};
  await pool.progress(false);
  const us = b.t - a.t;
  const seconds = us / 1e6;
  const deliveries = b.snap.estLines - a.snap.estLines;
  const cpuPct = Object.fromEntries(Object.keys(pids).map((name) => [name, ((b.cpu[name] - a.cpu[name]) / us) * 100]));
  const nsPerDelivery = Object.fromEntries(Object.keys(pids).map((name) => [name, ((b.cpu[name] - a.cpu[name]) * 1000) / deliveries]));
  const result = {
    deliveriesPerS: deliveries / seconds,
    inputLinesPerS: (sentB - sentA) / seconds,
    cpuPct,
    nsPerDelivery,
    loadgenCpuPct: ((b.snap.cpuUs - a.snap.cpuUs + b.selfCpu - a.selfCpu) / us) * 100,
    loadgenCpuPctPerProcess: b.snap.parts.map((p, i) => ((p.cpuUs - a.snap.parts[i].cpuUs) / us) * 100),
    coordinatorCpuPct: ((b.selfCpu - a.selfCpu) / us) * 100,
    receiversCutOff: b.snap.closedEarly,
    settledMs: settled.ms,
    settled: settled.quiet,
    // resident memory at the end of the window: a path that does not push back on the senders grows
    rssMiB: Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, rssBytes(pid) / 2 ** 20])),
    byGroup: Object.fromEntries(
      Object.entries(b.snap.groups).map(([g, x]) => [
        g,
        {
          receivers: x.open + x.closedEarly,
          deliveriesPerS: (x.estLines - (a.snap.groups[g]?.estLines ?? 0)) / seconds,
          cutOff: x.closedEarly,
        },
      ]),
    ),
    points: { a: a.extra, b: b.extra, seconds },
  };
  if (verify) result.verify = await verifyCounts(load.sent);
  return result;
}

/**
 * After a saturated load: waits until the receivers have had nothing for 300 ms (at most 15 s),
 * then checks every receiver's count against the `sent` lines (all alike, so the exact receivers
 * give the bytes one line takes on the wire). `exactlyOnce`: every receiver got exactly `sent`.
 */
async function verifyCounts(sent) {
  const drained = await quiesce(300, 15000);
  const snap = await pool.snapshot();
  const sampleLines = snap.parts.reduce((a, p) => a + p.sampleLines, 0);
  const sampleBytes = snap.parts.reduce((a, p) => a + p.sampleBytes, 0);
  const lineBytes = sampleLines > 0 ? sampleBytes / sampleLines : NaN;
  const out = { sent, drained: drained.quiet, drainMs: drained.ms, lineBytes };
  if (!Number.isInteger(lineBytes)) {
    out.exactlyOnce = false;
    out.why = `the exact receivers' bytes (${sampleBytes}) are not a whole number of lines (${sampleLines}): something besides the load reached them`;
    return out;
  }
  out.counts = await pool.verify(lineBytes, sent);
  const all = out.counts.all;
  out.exactlyOnce = drained.quiet && all.exactlyOnce === all.receivers && all.receivers > 0;
  if (!out.exactlyOnce) {
    const parts = Object.entries(out.counts).filter(([g]) => g !== 'all');
    const where = (parts.length ? parts : [['all', all]]).map(
      ([g, t]) =>
        `${g === 'all' ? '' : `node ${g}: `}${t.exactlyOnce}/${t.receivers} exact, ${t.fewer} short by ${t.linesMissing} lines, ${t.more} over by ${t.linesExtra}, ${t.misaligned} misaligned, ${t.cutOff} cut off`,
    );
    out.why = `${drained.quiet ? '' : 'still receiving after 15 s; '}${where.join('; ')}`;
  }
  return out;
}

async function saturated(key, receivers, { verify = false, linesPerWrite } = {}) {
  return withRelay(key, async (relay) => {
    const r = await saturatedLoad({
      linesPerWrite,
      sites: [{ port: relay.port, count: receivers, backlog: defs[key].backlog, gapMs: defs[key].connectGapMs ?? 0 }],
      senderPort: relay.port,
      pids: { relay: relay.pid },
      verify,
    });
    const result = {
      deliveriesPerS: r.deliveriesPerS,
      inputLinesPerS: r.inputLinesPerS,
      relayCpuPct: r.cpuPct.relay,
      // CPU time per delivery holds up better than deliveries/s on a machine others are using
      relayNsPerDelivery: r.nsPerDelivery.relay,
      loadgenCpuPct: r.loadgenCpuPct,
      loadgenCpuPctPerProcess: r.loadgenCpuPctPerProcess,
      coordinatorCpuPct: r.coordinatorCpuPct,
      receiversCutOff: r.receiversCutOff,
      relayExited: relay.exited,
      settledMs: r.settledMs,
      settled: r.settled,
      relayStderr: relay.stderrTail.slice(-5),
      ...(verify ? { verify: r.verify } : {}),
    };
    if (relay.exited) throw new Error(`relay exited during the run: ${JSON.stringify(relay.exited)}`);
    return result;
  });
}

/**
 * The paced load against `sites` (see openClients), CPU read from `pids`: every line carries its
 * send time; latency quantiles over all receivers, and by group (node) when there are groups.
 */
async function pacedLoad({ sites, senderPort, pids, rate, batch = 1, durationS, warmupS, slow = 0, rssPid }) {
  const receivers = sites.reduce((a, s) => a + s.count, 0);
  // every line is timed on at most enough receivers for ~300k samples/s (the load generator's budget)
  const timed = Math.min(receivers, Math.ceil(300000 / rate));
  let timedLeft = timed;
  const withTimed = sites.map((site, i) => {
    const mine = i === sites.length - 1 ? timedLeft : Math.min(timedLeft, Math.round((timed * site.count) / receivers));
    timedLeft -= mine;
    return { ...site, open: { slow: i === 0 ? slow : 0, timed: mine } };
  });
  await openClients(withTimed, senderPort, 1);
  const rss0 = rssPid ? rssBytes(rssPid) : NaN;
  const load = paced(liveSenders, { rate, batch, durationMs: (warmupS + durationS) * 1000 });
  await sleep(warmupS * 1000);
  await pool.all('reset');
  const sentA = load.sent;
  const a = await point(pids);
  await load.done;
  const sentB = load.sent;
  await sleep(300); // the last lines' flight
  const parts = await pool.all('snapshot', { hist: true });
  const b = await point(pids);
  const hist = Histogram.merge(parts.map((p) => p.hist));
  const delivered = parts.reduce((s, p) => s + p.latencyLines, 0);
  const slowState = slow ? await pool.call(0, 'slowCheck', { waitMs: flags.quick ? 700 : 1500 }) : undefined;
  const sent = sentB - sentA;
  const byGroup = {};
  for (const site of withTimed) {
    if (!site.group) continue;
    const h = Histogram.merge(parts.map((p) => p.groups?.[site.group]?.hist));
    const lines = parts.reduce((s, p) => s + (p.groups?.[site.group]?.latencyLines ?? 0), 0);
    byGroup[site.group] = {
      timedReceivers: site.open.timed,
      p50Ms: h.quantile(0.5) / 1000,
      p99Ms: h.quantile(0.99) / 1000,
      maxMs: h.max / 1000,
      deliveredPct: (lines / (sent * site.open.timed)) * 100,
    };
  }
  return {
    p50Ms: hist.quantile(0.5) / 1000,
    p99Ms: hist.quantile(0.99) / 1000,
    p999Ms: hist.quantile(0.999) / 1000,
    maxMs: hist.max / 1000,
    samples: hist.count,
    timedReceivers: timed,
    expected: sent * timed,
    deliveredPct: (delivered / (sent * timed)) * 100,
    senderBehindTicks: load.behindTicks,
    cpuPct: Object.fromEntries(Object.keys(pids).map((name) => [name, ((b.cpu[name] - a.cpu[name]) / (b.t - a.t)) * 100])),
    loadgenCpuPct: ((b.snap.cpuUs - a.snap.cpuUs + b.selfCpu - a.selfCpu) / (b.t - a.t)) * 100,
    rssGrowthKiB: rssPid ? (rssBytes(rssPid) - rss0) / 1024 : undefined,
    receiversCutOff: b.snap.closedEarly,
    notices: parts
      .flatMap((p) => p.notices ?? [])
      .slice(0, 5)
      .map((n) => n.text),
    slowReader: slowState?.[0],
    byGroup,
  };
}

async function pacedRun(key, { receivers, rate, batch = 1, durationS, warmupS, slow = 0 }) {
  return withRelay(key, async (relay) => {
    const r = await pacedLoad({
      sites: [{ port: relay.port, count: receivers, backlog: defs[key].backlog, gapMs: defs[key].connectGapMs ?? 0 }],
      senderPort: relay.port,
      pids: { relay: relay.pid },
      rssPid: relay.pid,
      rate,
      batch,
      durationS,
      warmupS,
      slow,
    });
    const { cpuPct, rssGrowthKiB, byGroup, ...rest } = r;
    const result = { ...rest, relayCpuPct: cpuPct.relay, relayRssGrowthKiB: rssGrowthKiB, relayStderr: relay.stderrTail.slice(-5) };
    // the same keys, in the same order, as before the cluster scenario shared this code
    const ordered = {};
    for (const k of [
      'p50Ms',
      'p99Ms',
      'p999Ms',
      'maxMs',
      'samples',
      'timedReceivers',
      'expected',
      'deliveredPct',
      'senderBehindTicks',
      'relayCpuPct',
      'loadgenCpuPct',
      'relayRssGrowthKiB',
      'receiversCutOff',
      'notices',
      'slowReader',
      'relayStderr',
    ])
      ordered[k] = result[k];
    if (relay.exited) throw new Error(`relay exited during the run: ${JSON.stringify(relay.exited)}`);
    return ordered;
  });
}

// ---------------------------------------------------------------------------------------------
// The two-node cluster: a private redis-server, nodes A and B, senders on A, receivers on both.

let clusterRuns = 0;
const liveDirs = new Set();
/**
 * How long a node may take to exit after SIGTERM: tcpchat's --shutdown-deadline (5 s), and a
 * second; with --cpu-prof, past the presence TTL (15 s), as a killed node writes no profile.
 */
const NODE_STOP_MS = flags['cpu-prof'] ? 20000 : 6000;
const nodeStops = { stopped: 0, killed: 0, slowestMs: 0 };

/** Starts Redis and nodes A and B for `body`; stops them (nodes first, then Redis), closes the clients and removes the temporary directory, however `body` ends. */
async function withCluster(body) {
  const dir = mkdtempSync(join(os.tmpdir(), 'tcpchat-bench-cluster-'));
  liveDirs.add(dir);
  const started = [];
  try {
    const redis = await startRedis(redisPath, { dir });
    started.push(redis);
    liveRelays.add(redis);
    const name = `bench${++clusterRuns}`;
    const nodes = {};
    for (const node of ['a', 'b']) {
      const relay = await startRelay(defs.tcpchat, {
        extraArgs: ['--cluster', `redis://127.0.0.1:${redis.port}`, '--cluster-name', name, '--node', node],
        stdoutFile: join(dir, `node-${node}.out`),
        stdoutReady: /joined the cluster as node /,
        readyTimeoutMs: 15000,
      });
      relay.label = `tcpchat node ${node}`;
      started.push(relay);
      liveRelays.add(relay);
      nodes[node] = relay;
    }
    const result = await body({ redis, a: nodes.a, b: nodes.b });
    for (const p of started)
      if (p.exited)
        throw new Error(
          `${p.label} exited during the run: ${JSON.stringify(p.exited)}; ${p.stderrTail
            .slice(-2)
            .map((l) => l.slice(0, 160))
            .join(' | ')}`,
        );
    return result;
  } finally {
    // the nodes first, together (each has its clients to tell), then Redis, then the clients
    const [redis, ...nodes] = started;
    await Promise.all(
      nodes.map(async (p) => {
        const how = await stopRelay(p, NODE_STOP_MS);
        nodeStops.stopped++;
        if (how.killedAfterMs) nodeStops.killed++;
        else nodeStops.slowestMs = Math.max(nodeStops.slowestMs, how.ms);
        liveRelays.delete(p);
      }),
    );
    if (redis) {
      const how = await redis.stop();
      if (how.killedAfterMs) note(`redis-server did not stop within ${how.killedAfterMs} ms of SIGTERM; killed`);
      liveRelays.delete(redis);
    }
    for (const s of liveSenders) s.destroy();
    liveSenders = [];
    await pool.all('closeAll');
    rmSync(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
  }
}

/** Receivers split evenly: node A gets the odd one. */
const clusterSites = ({ a, b }, receivers) => [
  { port: a.port, count: Math.ceil(receivers / 2), group: 'a', backlog: defs.tcpchat.backlog },
  { port: b.port, count: Math.floor(receivers / 2), group: 'b', backlog: defs.tcpchat.backlog },
];

/** Redis's own count of room-script runs (EVALSHA) and publishes, and their time inside Redis. */
async function redisCalls(port) {
  const info = await redisInfo(port, 'commandstats').catch(() => ({}));
  const pick = (name) => ({ calls: info[`cmdstat_${name}`]?.calls ?? 0, usec: info[`cmdstat_${name}`]?.usec ?? 0 });
  return { evalsha: pick('evalsha'), eval: pick('eval'), publish: pick('publish'), xadd: pick('xadd') };
}

async function clusterSaturated(receivers) {
  return withCluster(async (cluster) => {
    const { a, b, redis } = cluster;
    const r = await saturatedLoad({
      sites: clusterSites(cluster, receivers),
      senderPort: a.port,
      pids: { a: a.pid, b: b.pid, redis: redis.pid },
      verify: true,
      extra: () => redisCalls(redis.port),
    });
    const { a: ra, b: rb, seconds } = r.points;
    const scripts = rb.evalsha.calls + rb.eval.calls - ra.evalsha.calls - ra.eval.calls;
    r.redis = {
      // every room batch is one script run; nick claims and heartbeats are too, but not in the window
      scriptCallsPerS: scripts / seconds,
      linesPerScriptCall: (r.inputLinesPerS * seconds) / scripts,
      usecPerScriptCall: (rb.evalsha.usec + rb.eval.usec - ra.evalsha.usec - ra.eval.usec) / scripts,
    };
    delete r.points;
    r.nodeStderr = {
      a: a.stderrTail.slice(-5),
      b: b.stderrTail.slice(-5),
      redis: redis.stderrTail.filter((l) => /warn|error|#/i.test(l)).slice(-5),
    };
    return r;
  });
}

async function clusterPaced(receivers, p) {
  return withCluster(async (cluster) => {
    const { a, b, redis } = cluster;
    const r = await pacedLoad({
      ...p,
      sites: clusterSites(cluster, receivers),
      senderPort: a.port,
      pids: { a: a.pid, b: b.pid, redis: redis.pid },
    });
    delete r.rssGrowthKiB;
    delete r.slowReader;
    return r;
  });
}

async function idle(key, count) {
  return withRelay(key, async (relay) => {
    await sleep(300);
    const rss0 = rssBytes(relay.pid);
    const timeoutMs = num('idle-timeout') * 1000;
    const waitMs = num('idle-wait') * 1000;
    const base = Math.floor((count * num('idle-base')) / 100);
    /** Opens `n` more and waits until the relay has taken every one in and is quiet, within `--idle-timeout`. */
    const openMore = async (n, opened) => {
      const t0 = Date.now();
      const left = () => Math.max(1000, timeoutMs - (Date.now() - t0));
      const more = await pool.open(relay.port, n, {
        timeoutMs: 10000,
        deadlineMs: timeoutMs,
        // one source address per 10,000: each has its own ~28,000 ephemeral ports to the relay's one
        sources: Math.ceil(count / 10000),
        backlog: defs[key].backlog,
        gapMs: defs[key].connectGapMs ?? 0,
      });
      opened.connected += more.connected;
      opened.failed += more.failed;
      opened.ms += more.ms;
      if (liveSenders.length === 0) liveSenders = await openSenders(relay.port, 1).catch(() => []);
      opened.wired = liveSenders.length > 0 && (await wired(liveSenders[0], left())).wired;
      opened.settled = await quiesce(500, left());
    };
    /** The RSS once the relay has idled `--idle-wait`: what it holds, not the young generation a burst of arrivals grew (V8 shrinks it when its allocation rate is low). */
    const idledRss = async () => {
      if (waitMs > 0 && !relay.exited) await sleep(waitMs);
      return rssBytes(relay.pid);
    };
    const opened = { connected: 0, failed: 0, ms: 0 };
    // With --idle-base, the first connections are measured on their own, so that what the rest
    // cost is what each further connection costs, without what a relay pays once for its first.
    const rssBase = base > 0 && base < count ? (await openMore(base, opened), await idledRss()) : undefined;
    await openMore(count - opened.connected, opened);
    const rss1 = rssBytes(relay.pid);
    const rss2 = await idledRss();
    const snap = await pool.snapshot();
    const open = Math.max(1, snap.open);
    const result = {
      connected: opened.connected,
      failed: opened.failed,
      openMs: opened.ms,
      allAccepted: opened.wired,
      settled: opened.settled.quiet,
      settleMs: opened.settled.ms,
      stillOpen: snap.open,
      rssBeforeMiB: rss0 / 2 ** 20,
      rssAfterMiB: rss1 / 2 ** 20,
      rssIdledMiB: rss2 / 2 ** 20,
      kibPerConnectionAtOnce: (rss1 - rss0) / 1024 / open,
      kibPerConnection: (rss2 - rss0) / 1024 / open,
      bytesReceivedPerConnection: snap.bytes / Math.max(1, opened.connected),
      relayExited: relay.exited,
      relayStderr: relay.stderrTail.slice(-3),
    };
    if (rssBase !== undefined) {
      result.base = base;
      result.rssBaseMiB = rssBase / 2 ** 20;
      // each connection beyond the first `base`, and so the figure at 100,000: what the relay paid
      // for its first connections spread over 100,000 rather than over `count`
      result.kibPerFurtherConnection = (rss2 - rssBase) / 1024 / Math.max(1, open - base);
      result.kibPerConnectionAt100k = ((rss2 - rss0) / 1024 + result.kibPerFurtherConnection * (100000 - open)) / 100000;
    }
    const seconds = num('idle-timeout');
    if (relay.exited) result.error = `relay exited (${JSON.stringify(relay.exited)})`;
    else if (opened.connected < count) result.error = `${opened.connected} of ${count} connected within ${seconds} s`;
    else if (snap.open < count) result.error = `${count - snap.open} of ${count} cut off`;
    else if (!opened.wired) result.error = `not all taken in within ${seconds} s`;
    else if (!opened.settled.quiet) result.error = `join notices still flowing after ${seconds} s`;
    result.held = !result.error;
    return result;
  });
}

// ---------------------------------------------------------------------------------------------
// The room: every client speaks (one stamped line per write) and hears everyone else.

const ROOM_P99_LIMIT_MS = 100;

/** The moderate load at `clients`: as many deliveries/s as --room-rate lines/s in all to 100 clients. */
const moderateRate = (clients) => Math.max(1, Math.round((num('room-rate') * 99) / (clients - 1)));

/** The total rates to step through at `clients`: from a quarter of the moderate load, doubling. */
function roomRates(clients) {
  const first = moderateRate(clients) / 4;
  return Array.from({ length: Math.max(1, Math.floor(num('room-steps'))) }, (_, i) => Math.max(1, Math.round(first * 2 ** i)));
}

/**
 * One step: every client speaks its share of `rate` lines/s for --room-duration, then the room is
 * let drain (nothing for 200 ms, at most 10 s). Latency over the timed clients' lines, lines lost
 * (a timed client expects every line said but its own), the CPU of `pids` per delivery.
 */
async function roomStep({ pids, clients, rate, groups }) {
  const durationMs = num('room-duration') * 1000;
  await pool.all('reset');
  const a = await point(pids);
  const shares = pool.split(clients).map((n) => (rate * n) / clients);
  const said = await Promise.all(shares.map((r, i) => pool.call(i, 'speak', { rate: r, durationMs })));
  const drained = await quiesce(200, 10000);
  const b = await point(pids);
  const parts = await pool.all('snapshot', { hist: true });
  const sent = said.reduce((x, p) => x + p.sent, 0);
  const timed = said.reduce((x, p) => x + p.timed, 0);
  const expected = timed * sent - said.reduce((x, p) => x + p.timedSaid, 0);
  const hist = Histogram.merge(parts.map((p) => p.hist));
  const deliveries = sent * (clients - 1) * Math.min(1, hist.count / expected);
  const us = b.t - a.t;
  const lost = expected - hist.count;
  const p99Ms = hist.quantile(0.99) / 1000;
  const byGroup = Object.fromEntries(
    groups.map((g) => {
      const h = Histogram.merge(parts.map((p) => p.groups?.[g]?.hist));
      return [g, { p50Ms: h.quantile(0.5) / 1000, p99Ms: h.quantile(0.99) / 1000 }];
    }),
  );
  return {
    rate,
    offeredDeliveriesPerS: rate * (clients - 1),
    sent,
    timedClients: timed,
    expected,
    lost,
    drained: drained.quiet,
    p50Ms: hist.quantile(0.5) / 1000,
    p99Ms,
    maxMs: hist.max / 1000,
    cpuPct: Object.fromEntries(Object.keys(pids).map((k) => [k, ((b.cpu[k] - a.cpu[k]) / us) * 100])),
    nsPerDelivery: Object.fromEntries(Object.keys(pids).map((k) => [k, ((b.cpu[k] - a.cpu[k]) * 1000) / deliveries])),
    loadgenCpuPct: ((b.snap.cpuUs - a.snap.cpuUs + b.selfCpu - a.selfCpu) / us) * 100,
    senderBehindTicks: said.reduce((x, p) => x + p.behindTicks, 0),
    cutOff: b.snap.closedEarly,
    byGroup,
    passed: lost <= 0 && drained.quiet && b.snap.closedEarly === 0 && p99Ms <= ROOM_P99_LIMIT_MS,
  };
}

/**
 * The room against `sites` (see openClients): `clients` in all, each a speaker and a receiver,
 * stepping the rate up until a step fails. The probe connection is closed before the steps.
 */
async function roomLoad({ sites, senderPort, pids, clients }) {
  const rates = roomRates(clients);
  const moderate = moderateRate(clients);
  // every line is timed on enough clients for ~300k samples/s at the last step (the load generator's budget)
  const timed = Math.min(clients, Math.max(2 * pool.size, Math.ceil(300000 / Math.max(moderate, rates.at(-1)))));
  let timedLeft = timed;
  const withTimed = sites.map((site, i) => {
    const mine = i === sites.length - 1 ? timedLeft : Math.round((timed * site.count) / clients);
    timedLeft -= mine;
    return { ...site, open: { timed: mine } };
  });
  await openClients(withTimed, senderPort, 1);
  for (const s of liveSenders) s.destroy();
  liveSenders = [];
  // a warm-up, not counted: the relays' first lines also pay for compiling their code
  const warmupMs = Math.min(1000, num('room-duration') * 500);
  await Promise.all(pool.split(clients).map((n, i) => pool.call(i, 'speak', { rate: (moderate * n) / clients, durationMs: warmupMs })));
  await quiesce(200, 10000);
  const groups = sites.map((s) => s.group).filter(Boolean);
  const step = async (rate) => {
    const r = await roomStep({ pids, clients, rate, groups });
    const cpu = Object.entries(r.cpuPct).map(([k, v]) => `${k} ${v.toFixed(0)}%`);
    log(
      `    ${rate} lines/s in all (${(r.offeredDeliveriesPerS / 1e3).toFixed(0)}k deliveries/s): p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, lost ${Math.max(0, r.lost)}; cpu ${cpu.join(', ')}; load gen ${r.loadgenCpuPct.toFixed(0)}%${r.passed ? '' : ' — over the limit'}`,
    );
    return r;
  };
  // the steps up to the capacity; then the moderate load, measured whether it passes or not (measured
  // first, it still caught the relays warming up: p99 100-200 ms where the same rate later gave 3 ms)
  const steps = [];
  for (const rate of rates) {
    steps.push(await step(rate));
    if (!steps.at(-1).passed) break;
  }
  const moderateStep = await step(moderate);
  const passed = steps.filter((s) => s.passed);
  return {
    steps,
    moderate: moderateStep,
    capacity: passed.length ? passed.at(-1).offeredDeliveriesPerS : 0,
    // every step passed: the capacity is at least that, the machine's or the load generator's limit may come first
    capped: passed.length === steps.length,
  };
}

async function roomRun(key, clients) {
  return withRelay(key, async (relay) => {
    const r = await roomLoad({
      sites: [{ port: relay.port, count: clients, backlog: defs[key].backlog, gapMs: defs[key].connectGapMs ?? 0 }],
      senderPort: relay.port,
      pids: { relay: relay.pid },
      clients,
    });
    if (relay.exited) throw new Error(`relay exited during the run: ${JSON.stringify(relay.exited)}`);
    return r;
  });
}

async function clusterRoom(clients) {
  return withCluster(async (cluster) => {
    const { a, b, redis } = cluster;
    return roomLoad({ sites: clusterSites(cluster, clients), senderPort: a.port, pids: { a: a.pid, b: b.pid, redis: redis.pid }, clients });
  });
}

async function roomScenario() {
  for (const clients of list('room-clients')) {
    log(
      `room: ${clients} clients, each speaking one line per write, every one hearing everyone; moderate load ${moderateRate(clients)} lines/s in all, then ${roomRates(clients).join(', ')}`,
    );
    for (let round = 0; round < rounds; round++) {
      for (const r of relays) {
        if (defs[r].maxConnections && clients > defs[r].maxConnections) {
          if (round === 0) note(`${labels[r]}, room of ${clients}: not run; ${defs[r].maxConnectionsWhy}`);
          continue;
        }
        log(`  ${labels[r]}:`);
        const res = await attempt('room', r, { clients, mode: 'single', round }, () => roomRun(r, clients));
        if (!res.error) log(`  ${labels[r]}: capacity ${res.capped ? '≥ ' : ''}${(res.capacity / 1e3).toFixed(0)}k deliveries/s`);
      }
    }
  }
  if (!scenarios.includes('cluster')) return;
  const clients = list('room-clients')[0];
  log(`room over two nodes: ${clients} clients split over nodes A and B, single node then cluster`);
  for (let round = 0; round < rounds; round++) {
    log('  single node:');
    await attempt('room', 'tcpchat', { clients, mode: 'single-for-cluster', round }, () => roomRun('tcpchat', clients));
    log('  cluster:');
    await attempt('room', 'tcpchat', { clients, mode: 'cluster', round }, () => clusterRoom(clients));
  }
}

function roomRows(byRelay) {
  const rows = [];
  const medianBy = (filter, fn) => {
    const v = runs.room
      .filter((x) => !x.error && filter(x))
      .map(fn)
      .filter(Number.isFinite);
    return v.length ? median(v) : '–';
  };
  for (const clients of list('room-clients')) {
    const at = (r) => (x) => x.relay === r && x.clients === clients && x.mode === 'single';
    const capped = (r) => runs.room.some((x) => !x.error && at(r)(x) && x.capped);
    const rate = moderateRate(clients);
    rows.push({
      label: `room of ${clients}, every client speaking: capacity, p99 ≤ ${ROOM_P99_LIMIT_MS} ms and no line lost${relays.some(capped) ? ' (* every step passed: at least)' : ''}`,
      unit: 'k deliveries/s',
      digits: 0,
      values: byRelay((r) => {
        const v = medianBy(at(r), (x) => x.capacity / 1e3);
        return typeof v === 'number' && capped(r) ? `${v.toFixed(0)}*` : v;
      }),
    });
    rows.push({
      label: `  at ${rate} lines/s in all: relay CPU per delivery`,
      unit: 'ns',
      better: 'lower',
      digits: 0,
      values: byRelay((r) => medianBy(at(r), (x) => x.moderate.nsPerDelivery.relay)),
    });
    for (const [field, name] of [
      ['p50Ms', 'p50'],
      ['p99Ms', 'p99'],
    ])
      rows.push({
        label: `  at ${rate} lines/s in all: ${name}`,
        unit: 'ms',
        better: 'lower',
        values: byRelay((r) => medianBy(at(r), (x) => x.moderate[field])),
      });
  }
  if (runs.room.some((x) => x.mode === 'cluster')) {
    const clients = list('room-clients')[0];
    const only = (v) => ({ tcpchat: v });
    const m = (mode, fn) => medianBy((x) => x.mode === mode, fn);
    const ratios = runs.room
      .filter((x) => x.mode === 'cluster' && !x.error)
      .flatMap((c) => {
        const s = runs.room.find((x) => x.mode === 'single-for-cluster' && x.round === c.round && !x.error);
        return s && s.capacity > 0 ? [c.capacity / s.capacity] : [];
      });
    const f = (v) => (typeof v === 'number' ? v.toFixed(2) : v);
    rows.push({
      label: `room of ${clients} over two nodes: capacity (single node, same run)`,
      unit: 'k deliveries/s',
      values: only(`${f(m('cluster', (x) => x.capacity / 1e3))} (${f(m('single-for-cluster', (x) => x.capacity / 1e3))})`),
    });
    rows.push({ label: '  two nodes / one node', unit: '×', values: only(ratios.length ? median(ratios) : '–') });
    const g = (node, field) => f(m('cluster', (x) => x.moderate.byGroup?.[node]?.[field]));
    rows.push({
      label: `  at ${moderateRate(clients)} lines/s in all: p50 / p99 on node A; on node B (single node)`,
      unit: 'ms',
      better: 'lower',
      values: only(
        `${g('a', 'p50Ms')} / ${g('a', 'p99Ms')}; ${g('b', 'p50Ms')} / ${g('b', 'p99Ms')} (${f(m('single-for-cluster', (x) => x.moderate.p50Ms))} / ${f(m('single-for-cluster', (x) => x.moderate.p99Ms))})`,
      ),
    });
  }
  return rows;
}

function timeProcess(cmd, args) {
  return new Promise((resolve) => {
    const t0 = nowUs();
    const p = spawn(cmd, args, { stdio: 'ignore', cwd: ROOT });
    p.on('exit', (code) => resolve({ ms: (nowUs() - t0) / 1000, code }));
  });
}

async function startup() {
  const runs = num('startup-runs');
  const ready = Object.fromEntries(relays.map((r) => [r, []]));
  const help = [];
  const bareNode = [];
  for (let i = 0; i < runs; i++) {
    for (const r of relays) {
      const relay = await startRelay(defs[r]);
      ready[r].push(relay.readyMs);
      await relay.stop();
    }
    help.push((await timeProcess(process.execPath, [TCPCHAT_MAIN, '--help'])).ms);
    bareNode.push((await timeProcess(process.execPath, ['-e', '0'])).ms);
  }
  return {
    readyMs: Object.fromEntries(relays.map((r) => [r, median(ready[r])])),
    readyRuns: ready,
    helpMs: median(help),
    helpRuns: help,
    bareNodeMs: median(bareNode),
  };
}

// ---------------------------------------------------------------------------------------------

const results = { startup: null, saturated: {}, paced: {}, slow: {}, idle: {} };
const runs = { saturated: [], room: [], paced: [], slow: [], idle: [], cluster: [] };
const M = (v) => (v / 1e6).toFixed(2);

async function attempt(kind, key, params, fn) {
  const t0 = Date.now();
  try {
    const r = await fn();
    r.elapsedS = (Date.now() - t0) / 1000;
    runs[kind].push({ relay: key, ...params, ...r });
    return r;
  } catch (error) {
    const message = String(error?.message ?? error).split('\n')[0];
    runs[kind].push({ relay: key, ...params, error: message, elapsedS: (Date.now() - t0) / 1000 });
    log(`  ${labels[key]}${params.mode ? ` (${params.mode}, ${params.load})` : ''}: failed: ${message}`);
    return { error: message };
  }
}

async function main() {
  const fdLimit = openFileLimit();
  log(
    `bench: ${flags.quick ? 'quick' : 'full'} run, relays: ${relays.join(', ')}; ${os.cpus().length} cpus, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, ulimit -n ${fdLimit}`,
  );

  if (scenarios.includes('startup')) {
    log('startup: time to the listening line');
    results.startup = await startup();
    log(
      `  ${relays.map((r) => `${labels[r]} ${results.startup.readyMs[r].toFixed(0)} ms`).join(', ')}; tcpchat --help ${results.startup.helpMs.toFixed(0)} ms; node -e 0 ${results.startup.bareNodeMs.toFixed(0)} ms`,
    );
  }

  if (scenarios.includes('saturated')) {
    for (const n of list('receivers')) {
      for (const lpw of list('lines-per-write')) {
        log(`saturated fan-out to ${n} receivers, ${lpw} lines per write (${num('senders')} sender, window ${windowLines || 'off'})`);
        for (let round = 0; round < rounds; round++) {
          for (const r of relays) {
            const res = await attempt('saturated', r, { receivers: n, linesPerWrite: lpw, round }, () =>
              saturated(r, n, { linesPerWrite: lpw }),
            );
            if (!res.error) {
              log(
                `  ${labels[r]}: ${M(res.deliveriesPerS)} M deliveries/s; relay cpu ${res.relayCpuPct.toFixed(0)}% (${res.relayNsPerDelivery.toFixed(1)} ns per delivery), load gen cpu ${res.loadgenCpuPct.toFixed(0)}% (${res.loadgenCpuPctPerProcess.map((c) => c.toFixed(0)).join('+')}+${res.coordinatorCpuPct.toFixed(0)})${res.receiversCutOff ? `; ${res.receiversCutOff} receivers cut off` : ''}`,
              );
            }
          }
        }
      }
    }
  }

  if (scenarios.includes('room')) await roomScenario();

  if (scenarios.includes('paced')) {
    const p = {
      receivers: num('paced-receivers'),
      rate: num('paced-rate'),
      durationS: num('paced-duration'),
      warmupS: Math.min(1, num('warmup')),
    };
    log(`paced: ${p.rate} msg/s to ${p.receivers} receivers for ${p.durationS} s`);
    for (let round = 0; round < rounds; round++) {
      for (const r of relays) {
        const res = await attempt('paced', r, { ...p, round }, () => pacedRun(r, p));
        if (!res.error)
          log(
            `  ${labels[r]}: ${res.deliveredPct < 99 ? 'STALLED, ' : ''}p50 ${res.p50Ms.toFixed(2)} ms, p99 ${res.p99Ms.toFixed(2)} ms, max ${res.maxMs.toFixed(1)} ms; ${res.deliveredPct.toFixed(1)}% delivered; relay cpu ${res.relayCpuPct.toFixed(0)}%`,
          );
      }
    }
  }

  if (scenarios.includes('slow')) {
    const p = {
      receivers: num('slow-fast'),
      rate: num('slow-rate'),
      batch: num('slow-batch'),
      durationS: num('slow-duration'),
      warmupS: Math.min(1, num('warmup')),
    };
    log(`slow reader: ${p.rate} lines/s (${p.batch} per write) to ${p.receivers} fast receivers, without and with one that never reads`);
    for (let round = 0; round < rounds; round++) {
      for (const r of relays) {
        const without = await attempt('slow', r, { ...p, slow: 0, round }, () => pacedRun(r, { ...p, slow: 0 }));
        const withSlow = await attempt('slow', r, { ...p, slow: 1, round }, () => pacedRun(r, { ...p, slow: 1 }));
        if (!without.error && !withSlow.error) {
          const s = withSlow.slowReader;
          log(
            `  ${labels[r]}: fast p99 ${without.p99Ms.toFixed(2)} → ${withSlow.p99Ms.toFixed(2)} ms (${(withSlow.p99Ms / without.p99Ms).toFixed(2)}×), ${without.deliveredPct.toFixed(1)}% → ${withSlow.deliveredPct.toFixed(1)}% of lines arrived; slow reader ${s?.cutOff ? 'cut off' : 'kept'} (${((s?.bufferedBytes ?? 0) / 1024).toFixed(0)} KiB waiting for it); relay RSS +${withSlow.relayRssGrowthKiB.toFixed(0)} KiB`,
          );
        }
      }
    }
  }

  if (scenarios.includes('idle')) {
    for (let n of list('idle')) {
      const need = n + 200;
      if (need > fdLimit) {
        const fewer = Math.max(0, fdLimit - 200);
        note(
          `idle ${n}: ulimit -n is ${fdLimit}${process.env.TCPCHAT_BENCH_ULIMIT ? ' (raised by the bench)' : ''} and the hard limit ${spawnSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).stdout.trim()}, too low for ${n} connections (the relay needs one descriptor each); measuring ${fewer} instead. A hard limit above ${n + 1000} needs root outside a container (prlimit) or docker run --ulimit nofile=${n + 1000}.`,
        );
        n = fewer;
      }
      log(`idle: ${n} connections`);
      for (let round = 0; round < rounds; round++) {
        for (const r of relays) {
          if (defs[r].maxConnections && n > defs[r].maxConnections) {
            if (round === 0) note(`${labels[r]}, ${n} idle connections: not run; ${defs[r].maxConnectionsWhy}`);
            runs.idle.push({ relay: r, connections: n, round, skipped: true, held: false, error: 'cannot' });
            continue;
          }
          const res = await attempt('idle', r, { connections: n, round }, () => idle(r, n));
          if (!res.error || res.connected !== undefined) {
            const further =
              res.base === undefined
                ? ''
                : `; ${res.kibPerFurtherConnection.toFixed(2)} each beyond the first ${res.base} (RSS ${res.rssBaseMiB.toFixed(1)} MiB then), so ${res.kibPerConnectionAt100k.toFixed(2)} at 100,000`;
            log(
              `  ${labels[r]}: ${res.held ? 'held' : `NOT settled (${res.error})`}; ${(res.bytesReceivedPerConnection / 1024).toFixed(0)} KiB of notices per connection; ${res.kibPerConnection.toFixed(2)} KiB/connection after ${opt('idle-wait')} s idle, ${res.kibPerConnectionAtOnce.toFixed(2)} at once (RSS ${res.rssBeforeMiB.toFixed(1)} → ${res.rssAfterMiB.toFixed(1)} → ${res.rssIdledMiB.toFixed(1)} MiB)${further}; opened in ${res.openMs} ms, settled ${res.settled ? `in ${res.settleMs} ms` : 'NOT within the timeout'}`,
            );
          }
        }
      }
    }
  }

  if (scenarios.includes('cluster')) {
    const exact = (v) => (v ? (v.exactlyOnce ? 'every line exactly once' : `NOT exactly once (${v.why})`) : '');
    for (const n of list('receivers')) {
      if (n < 2) {
        note(`cluster: ${n} receivers cannot be split over two nodes; skipped`);
        continue;
      }
      log(
        `cluster: two tcpchat nodes + redis-server; ${num('senders')} sender on node A, ${n} receivers (${Math.ceil(n / 2)} on A, ${Math.floor(n / 2)} on B), window ${windowLines || 'off'}`,
      );
      for (let round = 0; round < rounds; round++) {
        const single = await attempt('cluster', 'tcpchat', { mode: 'single', load: 'saturated', receivers: n, round }, () =>
          saturated('tcpchat', n, { verify: true }),
        );
        if (!single.error)
          log(`  single node: ${M(single.deliveriesPerS)} M deliveries/s; cpu ${single.relayCpuPct.toFixed(0)}%; ${exact(single.verify)}`);
        const c = await attempt('cluster', 'tcpchat', { mode: 'cluster', load: 'saturated', receivers: n, round }, () =>
          clusterSaturated(n),
        );
        if (!c.error) {
          log(
            `  cluster: ${M(c.deliveriesPerS)} M deliveries/s (node A ${M(c.byGroup.a?.deliveriesPerS ?? NaN)}, node B ${M(c.byGroup.b?.deliveriesPerS ?? NaN)})${single.error ? '' : `, ${(c.deliveriesPerS / single.deliveriesPerS).toFixed(2)}× single node`}; ` +
              `cpu A ${c.cpuPct.a.toFixed(0)}%, B ${c.cpuPct.b.toFixed(0)}%, redis ${c.cpuPct.redis.toFixed(0)}% (ns per delivery ${c.nsPerDelivery.a.toFixed(1)} + ${c.nsPerDelivery.b.toFixed(1)} + ${c.nsPerDelivery.redis.toFixed(1)}${single.error ? '' : `, single node ${single.relayNsPerDelivery.toFixed(1)}`}); ${c.redis.scriptCallsPerS.toFixed(0)} room scripts/s, ${c.redis.linesPerScriptCall.toFixed(0)} lines each; ` +
              `load gen cpu ${c.loadgenCpuPct.toFixed(0)}%${c.receiversCutOff ? `; ${c.receiversCutOff} receivers cut off` : ''}; ${exact(c.verify)}`,
          );
        }
      }
      const p = { rate: num('paced-rate'), durationS: num('paced-duration'), warmupS: Math.min(1, num('warmup')) };
      log(`cluster: paced ${p.rate} lines/s to ${n} receivers for ${p.durationS} s, single node then cluster`);
      for (let round = 0; round < rounds; round++) {
        const single = await attempt('cluster', 'tcpchat', { mode: 'single', load: 'paced', receivers: n, rate: p.rate, round }, () =>
          pacedRun('tcpchat', { ...p, receivers: n }),
        );
        if (!single.error)
          log(
            `  single node: p50 ${single.p50Ms.toFixed(2)} ms, p99 ${single.p99Ms.toFixed(2)} ms, max ${single.maxMs.toFixed(1)} ms; ${single.deliveredPct.toFixed(1)}% delivered`,
          );
        const c = await attempt('cluster', 'tcpchat', { mode: 'cluster', load: 'paced', receivers: n, rate: p.rate, round }, () =>
          clusterPaced(n, p),
        );
        if (!c.error) {
          const g = (x) => (x ? `p50 ${x.p50Ms.toFixed(2)}, p99 ${x.p99Ms.toFixed(2)} ms` : '–');
          log(
            `  cluster: p50 ${c.p50Ms.toFixed(2)} ms, p99 ${c.p99Ms.toFixed(2)} ms, max ${c.maxMs.toFixed(1)} ms (on A: ${g(c.byGroup.a)}; on B: ${g(c.byGroup.b)}); ${c.deliveredPct.toFixed(1)}% delivered; cpu A ${c.cpuPct.a.toFixed(0)}%, B ${c.cpuPct.b.toFixed(0)}%, redis ${c.cpuPct.redis.toFixed(0)}%`,
          );
        }
      }
    }
  }

  if (nodeStops.killed)
    note(
      `cluster: ${nodeStops.killed} of ${nodeStops.stopped} node stops took longer than ${NODE_STOP_MS / 1000} s after SIGTERM to exit; killed with SIGKILL`,
    );

  await pool.exit();
  return report(fdLimit);
}

// ---------------------------------------------------------------------------------------------

function medianOf(kind, filter, field) {
  const vals = runs[kind].filter((x) => !x.error && filter(x)).map((x) => x[field]);
  return vals.length ? median(vals) : undefined;
}
/** A latency figure, or why there is none: lines that never arrived make a percentile meaningless. */
function latencyOf(kind, filter, field) {
  const ok = runs[kind].filter((x) => !x.error && filter(x));
  if (ok.length === 0) return errorOf(kind, filter) ?? '–';
  const stalled = ok.filter((x) => x.deliveredPct < 99);
  if (stalled.length * 2 > ok.length) return `stalled (${median(stalled.map((x) => x.deliveredPct)).toFixed(0)}% arrived)`;
  return median(ok.filter((x) => !(x.deliveredPct < 99)).map((x) => x[field]));
}

function errorOf(kind, filter) {
  const failed = runs[kind].filter((x) => filter(x) && (x.error || x.held === false));
  const ok = runs[kind].filter((x) => filter(x) && !x.error && x.held !== false);
  if (failed.length === 0 || ok.length > 0) return undefined;
  const e = failed[0].error ?? '';
  const m = /only (\d+) of (\d+) receivers connected/.exec(e);
  if (m) return `${m[1]} of ${m[2]} connected in 60 s`;
  return /exited|ECONNRESET|refused|held/i.test(e) ? 'failed' : 'error';
}

/** The cluster scenario's figures, by receiver count: medians over rounds; compound cells as text. */
function clusterFigures() {
  const counts = [...new Set(runs.cluster.map((x) => x.receivers))];
  const f2 = (v) => (Number.isFinite(v) ? v.toFixed(2) : '–');
  return counts.map((n) => {
    const of = (mode, load) => runs.cluster.filter((x) => x.mode === mode && x.load === load && x.receivers === n);
    const ok = (mode, load) => of(mode, load).filter((x) => !x.error);
    const med = (mode, load, fn) => {
      const v = ok(mode, load)
        .map(fn)
        .filter((x) => Number.isFinite(x));
      return v.length ? median(v) : NaN;
    };
    const failed = (mode, load) => errorOf('cluster', (x) => x.mode === mode && x.load === load && x.receivers === n);
    // same-run ratio: cluster over the single node measured just before it, round by round
    const ratios = ok('cluster', 'saturated').flatMap((c) => {
      const s = ok('single', 'saturated').find((x) => x.round === c.round);
      return s ? [c.deliveriesPerS / s.deliveriesPerS] : [];
    });
    const exactly = (mode) => {
      const done = ok(mode, 'saturated');
      if (done.length === 0) return '–';
      const good = done.filter((x) => x.verify?.exactlyOnce).length;
      return good === done.length
        ? 'yes'
        : `NO${done.length > 1 ? ` in ${done.length - good} of ${done.length} runs` : ''}: ${done.find((x) => !x.verify?.exactlyOnce).verify?.why}`;
    };
    const latency = (mode, field, group) => {
      const filter = (x) => x.mode === mode && x.load === 'paced' && x.receivers === n;
      if (!group) return latencyOf('cluster', filter, field);
      const v = ok(mode, 'paced').map((x) => x.byGroup?.[group]?.[field]);
      return v.length ? median(v) : '–';
    };
    return { n, ok, med, failed, ratios, exactly, latency, f2, rate: of('single', 'paced')[0]?.rate ?? of('cluster', 'paced')[0]?.rate };
  });
}

function clusterRows() {
  const rows = [];
  const only = (v) => ({ tcpchat: v });
  for (const { n, ok, med, failed, ratios, exactly, latency, f2, rate } of clusterFigures()) {
    const total = med('cluster', 'saturated', (x) => x.deliveriesPerS / 1e6);
    rows.push({
      label: `two-node cluster fan-out, ${n} receivers (${Math.ceil(n / 2)} on node A with the sender, ${Math.floor(n / 2)} on B)`,
      unit: 'M deliveries/s',
      values: only(Number.isFinite(total) ? total : (failed('cluster', 'saturated') ?? '–')),
    });
    rows.push({
      label: '  to node A / to node B',
      unit: 'M deliveries/s',
      values: only(
        `${f2(med('cluster', 'saturated', (x) => x.byGroup?.a?.deliveriesPerS / 1e6))} / ${f2(med('cluster', 'saturated', (x) => x.byGroup?.b?.deliveriesPerS / 1e6))}`,
      ),
    });
    const single = med('single', 'saturated', (x) => x.deliveriesPerS / 1e6);
    rows.push({
      label: `  single node, same run, ${n} receivers`,
      unit: 'M deliveries/s',
      values: only(Number.isFinite(single) ? single : (failed('single', 'saturated') ?? '–')),
    });
    rows.push({ label: '  cluster / single node', unit: '×', values: only(ratios.length ? median(ratios) : '–') });
    const cpu = (k) => med('cluster', 'saturated', (x) => x.cpuPct?.[k]).toFixed(0);
    rows.push({
      label: '  CPU: node A / node B / Redis (single node)',
      unit: '% of a core',
      values: only(
        ok('cluster', 'saturated').length
          ? `${cpu('a')} / ${cpu('b')} / ${cpu('redis')} (${med('single', 'saturated', (x) => x.relayCpuPct).toFixed(0)})`
          : '–',
      ),
    });
    // per delivery of the whole cluster: what two nodes and Redis cost against one node, whatever the machine gave each
    const ns = (k) => med('cluster', 'saturated', (x) => x.nsPerDelivery?.[k]);
    rows.push({
      label: '  CPU per delivery: node A / node B / Redis, in all (single node)',
      unit: 'ns, lower is better',
      values: only(
        ok('cluster', 'saturated').length
          ? `${ns('a').toFixed(1)} / ${ns('b').toFixed(1)} / ${ns('redis').toFixed(1)}, ${med('cluster', 'saturated', (x) => x.nsPerDelivery.a + x.nsPerDelivery.b + x.nsPerDelivery.redis).toFixed(1)} (${med('single', 'saturated', (x) => x.relayNsPerDelivery).toFixed(1)})`
          : '–',
      ),
    });
    const calls = med('cluster', 'saturated', (x) => x.redis?.scriptCallsPerS);
    rows.push({
      label: '  Redis: room-script runs per s; lines per run; µs in Redis per run',
      unit: '',
      values: only(
        Number.isFinite(calls)
          ? `${calls.toFixed(0)}; ${med('cluster', 'saturated', (x) => x.redis.linesPerScriptCall).toFixed(0)}; ${med('cluster', 'saturated', (x) => x.redis.usecPerScriptCall).toFixed(0)}`
          : '–',
      ),
    });
    rows.push({
      label: '  every receiver got every line exactly once: cluster / single node',
      unit: '',
      values: only(`${exactly('cluster')} / ${exactly('single')}`),
    });
    if (ok('single', 'paced').length + ok('cluster', 'paced').length > 0 || failed('cluster', 'paced')) {
      const pair = (mode, group) => {
        const p50 = latency(mode, 'p50Ms', group);
        const p99 = latency(mode, 'p99Ms', group);
        return typeof p50 === 'number' && typeof p99 === 'number' ? `${f2(p50)} / ${f2(p99)}` : typeof p50 === 'string' ? p50 : String(p99);
      };
      rows.push({ label: `  paced ${rate}/s to ${n}: p50 / p99, single node`, unit: 'ms', better: 'lower', values: only(pair('single')) });
      rows.push({
        label: `  paced ${rate}/s to ${n}: p50 / p99, cluster (receivers on A; on B)`,
        unit: 'ms',
        better: 'lower',
        values: only(`${pair('cluster')} (${pair('cluster', 'a')}; ${pair('cluster', 'b')})`),
      });
    }
  }
  return rows;
}

/** The cluster scenario's chart panels: throughput, and latency when the paced load ran. */
function clusterPanels() {
  const figures = clusterFigures();
  if (figures.length === 0) return [];
  const series = [
    { key: 'single', label: 'single node', colour: '#d62728' },
    { key: 'cluster', label: 'cluster, all receivers', colour: '#8c564b' },
    { key: 'a', label: 'cluster, receivers on node A', colour: '#e377c2' },
    { key: 'b', label: 'cluster, receivers on node B', colour: '#bcbd22' },
  ];
  const panels = [
    {
      title: 'Two-node cluster (Redis) fan-out vs single-node tcpchat: deliveries per second (higher is better)',
      unit: 'M deliveries/s',
      series,
      groups: figures.map(({ n, med }) => ({
        label: `${n} receivers`,
        values: {
          single: med('single', 'saturated', (x) => x.deliveriesPerS / 1e6),
          cluster: med('cluster', 'saturated', (x) => x.deliveriesPerS / 1e6),
          a: med('cluster', 'saturated', (x) => x.byGroup?.a?.deliveriesPerS / 1e6),
          b: med('cluster', 'saturated', (x) => x.byGroup?.b?.deliveriesPerS / 1e6),
        },
      })),
    },
  ];
  const num = (v) => (typeof v === 'number' ? v : NaN);
  const latencyGroups = figures
    .filter(({ ok }) => ok('single', 'paced').length + ok('cluster', 'paced').length > 0)
    .flatMap(({ n, latency, rate }) =>
      ['p50Ms', 'p99Ms'].map((field) => ({
        label: `${field.slice(0, 3)}, ${rate}/s to ${n}`,
        values: {
          single: num(latency('single', field)),
          cluster: num(latency('cluster', field)),
          a: num(latency('cluster', field, 'a')),
          b: num(latency('cluster', field, 'b')),
        },
      })),
    );
  if (latencyGroups.length)
    panels.push({ title: 'Two-node cluster: paced latency (lower is better; × = stalled)', unit: 'ms', series, groups: latencyGroups });
  return panels;
}

function report(fdLimit) {
  const rows = [];
  const byRelay = (fn) => Object.fromEntries(relays.map((r) => [r, fn(r)]));
  for (const [n, lpw] of scenarios.includes('saturated')
    ? list('receivers').flatMap((n) => list('lines-per-write').map((l) => [n, l]))
    : []) {
    const at = (x) => x.receivers === n && x.linesPerWrite === lpw;
    rows.push({
      label: `fan-out, ${n} receivers, ${lpw} lines per write`,
      unit: 'M deliveries/s',
      values: byRelay((r) => {
        const v = medianOf('saturated', (x) => x.relay === r && at(x), 'deliveriesPerS');
        return v === undefined ? (errorOf('saturated', (x) => x.relay === r && at(x)) ?? '–') : v / 1e6;
      }),
    });
    rows.push({
      label: `  relay CPU per delivery at ${n}, ${lpw} per write`,
      unit: 'ns',
      better: 'lower',
      digits: 1,
      values: byRelay((r) => medianOf('saturated', (x) => x.relay === r && at(x), 'relayNsPerDelivery') ?? '–'),
    });
    rows.push({
      label: `  relay CPU at ${n}, ${lpw} per write`,
      unit: '% of a core',
      digits: 0,
      values: byRelay((r) => medianOf('saturated', (x) => x.relay === r && at(x), 'relayCpuPct') ?? '–'),
    });
    rows.push({
      label: `  load-generator CPU at ${n}, ${lpw} per write`,
      unit: '% of a core, all processes',
      digits: 0,
      values: byRelay((r) => medianOf('saturated', (x) => x.relay === r && at(x), 'loadgenCpuPct') ?? '–'),
    });
  }
  if (scenarios.includes('room')) rows.push(...roomRows(byRelay));
  if (scenarios.includes('paced')) {
    const p = runs.paced[0] ?? {};
    for (const [field, name] of [
      ['p50Ms', 'p50'],
      ['p99Ms', 'p99'],
    ]) {
      rows.push({
        label: `paced ${p.rate}/s to ${p.receivers}: ${name}`,
        unit: 'ms',
        better: 'lower',
        values: byRelay((r) => latencyOf('paced', (x) => x.relay === r, field)),
      });
    }
  }
  if (scenarios.includes('slow')) {
    const p = runs.slow[0] ?? {};
    const p99 = (r, slow) => latencyOf('slow', (x) => x.relay === r && x.slow === slow, 'p99Ms');
    const cutOff = (r) => {
      const withSlow = runs.slow.filter((x) => x.relay === r && x.slow === 1 && !x.error);
      if (withSlow.length === 0) return '–';
      const n = withSlow.filter((x) => x.slowReader?.cutOff).length;
      return n === withSlow.length ? 'cut off' : n === 0 ? 'kept' : `cut off ${n}/${withSlow.length}`;
    };
    rows.push({
      label: `${p.receivers} fast at ${p.rate} lines/s: p99 without slow reader`,
      unit: 'ms',
      better: 'lower',
      values: byRelay((r) => p99(r, 0)),
    });
    rows.push({ label: `  p99 with one reader that never reads`, unit: 'ms', better: 'lower', values: byRelay((r) => p99(r, 1)) });
    rows.push({
      label: `  with / without`,
      unit: '×',
      better: 'lower',
      values: byRelay((r) => (typeof p99(r, 1) === 'number' && typeof p99(r, 0) === 'number' ? p99(r, 1) / p99(r, 0) : '–')),
    });
    rows.push({ label: `  the slow reader was`, unit: '', values: byRelay(cutOff) });
  }
  if (scenarios.includes('idle')) {
    const counts = [...new Set(runs.idle.map((x) => x.connections))];
    const wait = num('idle-wait');
    for (const n of counts) {
      rows.push({
        label: `${n} idle connections: memory${wait > 0 ? ` after ${wait} s idle` : ''}`,
        unit: 'KiB per connection',
        better: 'lower',
        values: byRelay((r) => {
          const ok = runs.idle.filter((x) => x.relay === r && x.connections === n && x.held);
          if (ok.length) return median(ok.map((x) => x.kibPerConnection));
          if (runs.idle.some((x) => x.relay === r && x.connections === n && x.skipped)) return `cannot (${defs[r].maxConnectionsShort})`;
          const failed = runs.idle.find((x) => x.relay === r && x.connections === n);
          return failed
            ? `${failed.error}${Number.isFinite(failed.kibPerConnection) ? ` (${failed.kibPerConnection.toFixed(1)} KiB/conn then)` : ''}`
            : '–';
        }),
      });
      /** The median of `field` over the rounds that held `n`, where each has it. */
      const held = (field) =>
        byRelay((r) => {
          const ok = runs.idle.filter((x) => x.relay === r && x.connections === n && x.held && x[field] !== undefined);
          return ok.length ? median(ok.map((x) => x[field])) : '–';
        });
      if (wait > 0)
        rows.push({
          label: `  read at once, when they had settled`,
          unit: 'KiB per connection',
          better: 'lower',
          values: held('kibPerConnectionAtOnce'),
        });
      const base = runs.idle.find((x) => x.connections === n && x.base !== undefined)?.base;
      if (base !== undefined) {
        rows.push({
          label: `  each beyond the first ${base}`,
          unit: 'KiB per connection',
          better: 'lower',
          values: held('kibPerFurtherConnection'),
        });
        rows.push({
          label: `  so at 100,000 (the first ${base} spread over them)`,
          unit: 'KiB per connection',
          better: 'lower',
          values: held('kibPerConnectionAt100k'),
        });
      }
    }
  }
  if (scenarios.includes('cluster')) {
    for (const row of clusterRows()) rows.push(row);
  }
  if (results.startup) {
    rows.push({
      label: 'startup to listening',
      unit: 'ms',
      better: 'lower',
      digits: 0,
      values: byRelay((r) => results.startup.readyMs[r]),
    });
    rows.push({
      label: `tcpchat --help (node -e 0: ${results.startup.bareNodeMs.toFixed(0)} ms)`,
      unit: 'ms',
      better: 'lower',
      digits: 0,
      values: { tcpchat: results.startup.helpMs },
    });
  }

  const table = markdownTable(rows, relays, labels);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const meta = {
    date: new Date().toISOString(),
    mode: flags.quick ? 'quick' : 'full',
    argv: process.argv.slice(2),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    loadavgAtEnd: os.loadavg(),
    ulimitN: fdLimit,
    procs,
    rounds,
    window: windowLines,
    seconds: (Date.now() - started) / 1000,
    notes,
  };
  const header = `tcpchat bench, ${meta.mode} run, ${meta.date}, node ${meta.node}, ${meta.cpus} cpus (${meta.cpuModel}), ${rounds} round(s), ${procs} load-generator processes`;
  const md = `${header}\n\n${table}\n${notes.length ? `\n${notes.map((n) => `- ${n}`).join('\n')}\n` : ''}`;

  const panels = [];
  if (scenarios.includes('saturated')) {
    panels.push({
      title: 'Saturated fan-out: deliveries per second (higher is better)',
      unit: 'M deliveries/s',
      groups: list('receivers').flatMap((n) =>
        list('lines-per-write').map((lpw) => ({
          label: `${n} receivers, ${lpw}/write`,
          values: byRelay(
            (r) =>
              (medianOf('saturated', (x) => x.relay === r && x.receivers === n && x.linesPerWrite === lpw, 'deliveriesPerS') ?? NaN) / 1e6,
          ),
        })),
      ),
    });
  }
  const latencyGroups = [];
  if (scenarios.includes('paced')) {
    const n = (v) => (typeof v === 'number' ? v : NaN);
    latencyGroups.push({ label: 'paced p50', values: byRelay((r) => n(latencyOf('paced', (x) => x.relay === r, 'p50Ms'))) });
    latencyGroups.push({ label: 'paced p99', values: byRelay((r) => n(latencyOf('paced', (x) => x.relay === r, 'p99Ms'))) });
  }
  if (scenarios.includes('slow')) {
    const m = (v) => (typeof v === 'number' ? v : NaN);
    latencyGroups.push({
      label: 'p99, no slow reader',
      values: byRelay((r) => m(latencyOf('slow', (x) => x.relay === r && x.slow === 0, 'p99Ms'))),
    });
    latencyGroups.push({
      label: 'p99, one slow reader',
      values: byRelay((r) => m(latencyOf('slow', (x) => x.relay === r && x.slow === 1, 'p99Ms'))),
    });
  }
  if (latencyGroups.length)
    panels.push({ title: 'Latency (lower is better; × = stalled, under 99% of lines arrived)', unit: 'ms', groups: latencyGroups });
  if (scenarios.includes('idle')) {
    const counts = [...new Set(runs.idle.map((x) => x.connections))];
    panels.push({
      title: 'Idle connections: server memory per connection (lower is better; × = not held)',
      unit: 'KiB/connection',
      groups: counts.map((n) => ({
        label: `${n} connections`,
        values: byRelay((r) => {
          const ok = runs.idle.filter((x) => x.relay === r && x.connections === n && x.held);
          return ok.length ? median(ok.map((x) => x.kibPerConnection)) : NaN;
        }),
      })),
    });
  }
  if (scenarios.includes('cluster')) panels.push(...clusterPanels());
  const svg = svgChart({ title: 'tcpchat benchmark', subtitle: header, panels, relays, labels });

  const json = { meta, table: rows, results: { startup: results.startup, ...runs, relayStopTimes: stopTimes } };
  const base = join(outDir, `bench-${meta.mode}-${stamp}`);
  writeFileSync(`${base}.json`, JSON.stringify(json, null, 2));
  writeFileSync(`${base}.md`, md);
  writeFileSync(`${base}.svg`, svg);
  for (const ext of ['json', 'md', 'svg']) copyFileSync(`${base}.${ext}`, join(outDir, `latest.${ext}`));
  process.stdout.write(`\n${md}\nwritten: ${base}.{json,md,svg} (and latest.*), ${meta.seconds.toFixed(0)} s\n`);
}

function cleanup() {
  for (const r of liveRelays) r.proc.kill('SIGKILL');
  for (const c of pool.children) c.child.kill('SIGKILL');
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
}
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
]) {
  process.on(signal, () => {
    cleanup();
    process.exit(code);
  });
}
main().catch((error) => {
  log(`bench: ${error?.stack ?? error}`);
  cleanup();
  process.exit(1);
});
