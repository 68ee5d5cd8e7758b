// Load-generator child process: holds receivers (and idle connections) on 127.0.0.1, counts what
// they get, measures latency from timestamps in the payload, and answers the coordinator over IPC.
// Started by bench/run.mjs with child_process.fork; never run by hand.
//
// Counting is cheap on purpose: every receiver counts bytes (one addition per read, into a shared
// read buffer: no allocation per read); one "exact" receiver per process also counts newlines, and
// all receivers of a relay get the same byte stream, so lines = bytes x (exact lines / exact bytes).
import { connect } from 'node:net';
import { paced } from './senders.mjs';
import { Histogram, nowUs } from './stats.mjs';

const LF = 0x0a;
const MARK0 = 0x7e; // '~'
const MARK1 = 0x54; // 'T'
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024); // shared: onread callbacks run one at a time

/** @type {Receiver[]} */
let receivers = [];
/** Latency histograms by receiver group (the cluster scenario's groups are the nodes; else ''). */
let hists = new Map();
const histOf = (group) => {
  let h = hists.get(group);
  if (!h) hists.set(group, (h = new Histogram()));
  return h;
};
let notices = [];
let progressTimer;
let cpuAtStart = process.cpuUsage();

class Receiver {
  constructor(kind, exact, group = '') {
    this.kind = kind; // 'count' | 'latency' | 'slow'
    this.exact = exact;
    this.group = group; // which server it is connected to, when there are several (cluster)
    this.hist = histOf(group);
    this.bytes = 0;
    this.lines = 0; // exact receivers and latency receivers only
    this.carry = null; // latency: an incomplete line
    this.socket = null;
    this.closed = false;
    this.closedByUs = false;
    this.ended = false;
  }

  onRead(n, buf) {
    this.bytes += n;
    if (this.kind === 'latency') this.parse(n, buf);
    else if (this.exact) {
      for (let i = buf.indexOf(LF, 0); i !== -1 && i < n; i = buf.indexOf(LF, i + 1)) this.lines++;
    }
  }

  /** Latency receivers: each complete line that carries `~T<microseconds>~` is one sample. */
  parse(n, buf) {
    const now = nowUs();
    let from = 0;
    if (this.carry) {
      const nl = buf.indexOf(LF, 0);
      if (nl === -1 || nl >= n) {
        this.carry = Buffer.concat([this.carry, buf.subarray(0, n)]);
        if (this.carry.length > 65536) this.carry = null; // not a line of ours; stay bounded
        return;
      }
      const line = Buffer.concat([this.carry, buf.subarray(0, nl)]);
      this.carry = null;
      this.line(line, 0, line.length, now);
      from = nl + 1;
    }
    for (let nl = buf.indexOf(LF, from); nl !== -1 && nl < n; nl = buf.indexOf(LF, from)) {
      this.line(buf, from, nl, now);
      from = nl + 1;
    }
    if (from < n) this.carry = Buffer.from(buf.subarray(from, n));
  }

  line(buf, start, end, now) {
    this.lines++;
    // find "~T" within [start, end)
    for (let i = start; i < end - 1; i++) {
      if (buf[i] === MARK0 && buf[i + 1] === MARK1) {
        let v = 0;
        for (let j = i + 2; j < end; j++) {
          const b = buf[j];
          if (b < 0x30 || b > 0x39) break;
          v = v * 10 + (b - 0x30);
        }
        this.hist.record(now - v);
        return;
      }
    }
    if (notices.length < 20) notices.push({ atUs: now, text: buf.toString('utf8', start, Math.min(end, start + 160)) });
  }
}

function open(port, kind, exact, timeoutMs, group, localAddress) {
  const r = new Receiver(kind, exact, group);
  return new Promise((resolve) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      localAddress,
      noDelay: true,
      onread: { buffer: READ_BUFFER, callback: (n, buf) => r.onRead(n, buf) },
    });
    r.socket = socket;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(null);
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      if (kind === 'slow') socket.pause(); // never reads
      resolve(r);
    });
    socket.on('error', () => {
      clearTimeout(timer);
      resolve(null);
    });
    socket.on('end', () => {
      r.ended = true;
    });
    socket.on('close', () => {
      r.closed = true;
      clearTimeout(timer);
      resolve(null);
    });
  });
}

async function openMany({
  port,
  count,
  slow = 0,
  timed = 0,
  exact = 0,
  concurrency = 200,
  timeoutMs = 10000,
  deadlineMs = 120000,
  gapMs = 0,
  group = '',
  sources = 1,
}) {
  const started = Date.now();
  const deadline = started + deadlineMs;
  let next = 0;
  let failed = 0;
  const opened = [];
  // `count` receivers: first the slow ones (never read), then the timed ones (every line's latency
  // is recorded), then the counting ones, of which the first `exact` also count newlines
  const kindOf = (i) => (i < slow ? 'slow' : i < slow + timed ? 'latency' : 'count');
  const exactOf = (i) => i >= slow + timed && i < slow + timed + exact;
  const worker = async () => {
    while (next < count && Date.now() < deadline) {
      const i = next++;
      // with `sources` > 1, from 127.0.0.1, .2, ...: each source address has its own ephemeral ports
      const localAddress = sources > 1 ? `127.0.0.${1 + (i % sources)}` : undefined;
      const r = await open(port, kindOf(i), exactOf(i), timeoutMs, group, localAddress);
      if (gapMs > 0) await sleep(gapMs);
      if (r) opened.push(r);
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: gapMs > 0 ? 1 : Math.min(concurrency, count) }, worker));
  receivers.push(...opened);
  return { connected: opened.length, failed, notTried: count - next, ms: Date.now() - started };
}

function ratio(group) {
  let lines = 0;
  let bytes = 0;
  for (const r of receivers) {
    if (r.exact && (group === undefined || r.group === group)) {
      lines += r.lines;
      bytes += r.bytes;
    }
  }
  return { lines, bytes, perByte: bytes > 0 ? lines / bytes : 0 };
}

function snapshot(withHist, withGroups = true) {
  let bytes = 0;
  let open = 0;
  let closedEarly = 0;
  let latencyLines = 0;
  let minBytes = Infinity;
  for (const r of receivers) {
    if (r.kind === 'slow') continue;
    bytes += r.bytes;
    latencyLines += r.kind === 'latency' ? r.lines : 0;
    if (r.closed && !r.closedByUs) closedEarly++;
    else {
      open++;
      if (r.bytes < minBytes) minBytes = r.bytes;
    }
  }
  const sample = ratio();
  const cpu = process.cpuUsage(cpuAtStart);
  const groups = withGroups ? groupSnapshots(sample, withHist) : undefined;
  return {
    bytes,
    open,
    closedEarly,
    sampleLines: sample.lines,
    sampleBytes: sample.bytes,
    estLines: bytes * sample.perByte,
    latencyLines,
    minLines: minBytes === Infinity ? 0 : minBytes * sample.perByte,
    minBytes: minBytes === Infinity ? 0 : minBytes,
    cpuUs: cpu.user + cpu.system,
    hist: withHist ? Histogram.merge([...hists.values()].map((h) => h.toJSON())).toJSON() : undefined,
    notices: withHist ? notices : undefined,
    groups,
  };
}

/**
 * The same figures by receiver group, when receivers were opened with one (the cluster scenario:
 * one group per node). A group's lines per byte come from its own exact receivers when it has any.
 */
function groupSnapshots(overall, withHist) {
  const groups = {};
  for (const r of receivers) {
    if (r.kind === 'slow' || r.group === '') continue;
    const g = (groups[r.group] ??= { bytes: 0, open: 0, closedEarly: 0, latencyLines: 0, minBytes: Infinity });
    g.bytes += r.bytes;
    g.latencyLines += r.kind === 'latency' ? r.lines : 0;
    if (r.closed && !r.closedByUs) g.closedEarly++;
    else {
      g.open++;
      if (r.bytes < g.minBytes) g.minBytes = r.bytes;
    }
  }
  for (const [name, g] of Object.entries(groups)) {
    const own = ratio(name);
    g.estLines = g.bytes * (own.bytes > 0 ? own.perByte : overall.perByte);
    if (g.minBytes === Infinity) g.minBytes = 0;
    if (withHist) g.hist = hists.get(name)?.toJSON();
  }
  return groups;
}

/**
 * Did every receiver get every line exactly once? For the saturated load, whose lines are all
 * alike: `lineBytes` is what one line is on the wire (the coordinator has it from the exact
 * receivers), so a receiver that got `bytes` has bytes / lineBytes lines. Exact receivers count
 * newlines themselves. Per group (node), and in all: how many receivers got exactly `expected`
 * lines, fewer, more, or a byte count that is not a whole number of lines (something else came).
 */
function verify({ lineBytes, expected }) {
  const out = {};
  const tally = (key) =>
    (out[key] ??= {
      receivers: 0,
      exactlyOnce: 0,
      fewer: 0,
      more: 0,
      misaligned: 0,
      cutOff: 0,
      linesMissing: 0,
      linesExtra: 0,
      minLines: Infinity,
      maxLines: -Infinity,
      exactReceivers: 0,
      exactReceiversOk: 0,
    });
  for (const r of receivers) {
    if (r.kind === 'slow') continue;
    for (const t of [tally(''), ...(r.group ? [tally(r.group)] : [])]) {
      t.receivers++;
      if (r.closed && !r.closedByUs) t.cutOff++;
      const lines = r.exact || r.kind === 'latency' ? r.lines : r.bytes / lineBytes;
      if (r.exact) {
        t.exactReceivers++;
        if (r.lines === expected && r.bytes === expected * lineBytes) t.exactReceiversOk++;
      }
      if (!Number.isInteger(lines) || (r.exact && r.bytes !== r.lines * lineBytes)) {
        t.misaligned++;
        continue;
      }
      if (lines < t.minLines) t.minLines = lines;
      if (lines > t.maxLines) t.maxLines = lines;
      if (lines === expected) t.exactlyOnce++;
      else if (lines < expected) {
        t.fewer++;
        t.linesMissing += expected - lines;
      } else {
        t.more++;
        t.linesExtra += lines - expected;
      }
    }
  }
  return out;
}

function reset() {
  for (const r of receivers) {
    r.bytes = 0;
    r.lines = 0;
  }
  hists = new Map();
  for (const r of receivers) r.hist = histOf(r.group);
  notices = [];
}

function progress(on, intervalMs = 1) {
  clearInterval(progressTimer);
  if (!on) return;
  progressTimer = setInterval(() => {
    const s = snapshot(false, false); // every millisecond: the least it needs
    process.send({ type: 'progress', minLines: s.minLines, open: s.open });
  }, intervalMs);
}

/** Lets the slow readers read again, to see what the relay kept for them or whether it cut them off. */
async function slowCheck(waitMs = 1000) {
  const slow = receivers.filter((r) => r.kind === 'slow');
  for (const r of slow) {
    r.bytes = 0;
    r.socket.resume();
  }
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline && slow.some((r) => !r.ended && !r.closed)) await sleep(50);
  return slow.map((r) => ({ bufferedBytes: r.bytes, cutOff: r.ended || r.closed }));
}

async function closeAll() {
  const all = receivers;
  receivers = [];
  clearInterval(progressTimer);
  await Promise.all(
    all.map(
      (r) =>
        new Promise((resolve) => {
          r.closedByUs = true;
          if (r.closed) return resolve();
          r.socket.once('close', resolve);
          r.socket.destroy();
        }),
    ),
  );
  return { closed: all.length };
}

/**
 * The room scenario: every receiver of this process (but the slow ones) also speaks, one stamped
 * line per write, `rate` lines/s in all here, round-robin, for `durationMs`. Resolves when done with
 * what was said, and how many of those lines the timed receivers said themselves (the relays do
 * not send a speaker its own line, so a timed receiver expects everyone's lines but its own).
 */
async function speak({ rate, durationMs }) {
  const speakers = receivers.filter((r) => r.kind !== 'slow' && !r.closed);
  if (speakers.length === 0 || rate <= 0) return { sent: 0, timed: 0, timedSaid: 0, behindTicks: 0 };
  const load = paced(
    speakers.map((r) => r.socket),
    { rate, durationMs },
  );
  await load.done;
  const sent = load.sent;
  let timed = 0;
  let timedSaid = 0;
  speakers.forEach((r, i) => {
    if (r.kind !== 'latency') return;
    timed++;
    // paced() writes to speakers[0], [1], ... in turn from the first
    timedSaid += Math.floor(sent / speakers.length) + (i < sent % speakers.length ? 1 : 0);
  });
  return { sent, timed, timedSaid, behindTicks: load.behindTicks };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const handlers = {
  speak: (m) => speak(m),
  open: (m) => openMany(m),
  reset: () => reset(),
  snapshot: (m) => snapshot(m.hist),
  verify: (m) => verify(m),
  progress: (m) => progress(m.on, m.intervalMs),
  slowCheck: (m) => slowCheck(m.waitMs),
  closeAll: () => closeAll(),
  cpuReset: () => {
    cpuAtStart = process.cpuUsage();
  },
  exit: () => {
    setImmediate(() => process.exit(0));
  },
};

process.on('message', async (m) => {
  try {
    const result = await handlers[m.cmd](m);
    process.send({ type: 'reply', id: m.id, result });
  } catch (error) {
    process.send({ type: 'reply', id: m.id, error: String(error?.stack ?? error) });
  }
});
process.on('disconnect', () => process.exit(0)); // the coordinator went away
