// The load-generator children: receivers split over `procs` processes, driven over IPC.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const LOADGEN = fileURLToPath(new URL('./loadgen.mjs', import.meta.url));

export class Pool {
  constructor(procs) {
    this.children = [];
    this.minLines = [];
    this.onProgress = () => {};
    for (let i = 0; i < procs; i++) {
      const child = fork(LOADGEN, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const pending = new Map();
      child.on('message', (m) => {
        if (m.type === 'progress') {
          this.minLines[i] = m.open > 0 ? m.minLines : Infinity;
          this.onProgress();
        } else if (m.type === 'reply') {
          const p = pending.get(m.id);
          pending.delete(m.id);
          if (m.error) p?.reject(new Error(m.error));
          else p?.resolve(m.result);
        }
      });
      child.on('exit', (code) => {
        for (const p of pending.values()) p.reject(new Error(`load generator ${i} exited (${code})`));
        pending.clear();
      });
      this.children.push({ child, pending, nextId: 1 });
      this.minLines.push(Infinity);
    }
  }

  get size() {
    return this.children.length;
  }

  call(i, cmd, args = {}) {
    const c = this.children[i];
    const id = c.nextId++;
    return new Promise((resolve, reject) => {
      c.pending.set(id, { resolve, reject });
      c.child.send({ ...args, cmd, id });
    });
  }

  all(cmd, args = {}) {
    return Promise.all(this.children.map((_, i) => this.call(i, cmd, args)));
  }

  /** Splits `total` over the children: [n0, n1, ...]. */
  split(total) {
    const n = this.children.length;
    return this.children.map((_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0));
  }

  /**
   * Opens `total` receivers spread over the children, plus `slow` ones that never read (in child 0).
   * `timed` of them record every line's latency; each child has `exact` newline-counting ones.
   * `group` names them (the cluster scenario opens one group per node), for figures by group.
   */
  async open(
    port,
    total,
    { slow = 0, timed = 0, exact = 0, timeoutMs = 10000, deadlineMs = 120000, backlog = 511, gapMs = 0, group = '', sources = 1 } = {},
  ) {
    const parts = this.split(total);
    const timedParts = this.split(timed);
    // connects in flight stay under the relay's accept backlog, or some wait for SYN-ACK retries
    const concurrency = Math.max(1, Math.floor((backlog * 0.8) / this.children.length));
    const results = await Promise.all(
      parts.map((count, i) => {
        const mySlow = i === 0 ? slow : 0;
        if (count + mySlow === 0) return { connected: 0, failed: 0, notTried: 0, ms: 0 };
        const myTimed = Math.min(timedParts[i], count);
        return this.call(i, 'open', {
          port,
          count: count + mySlow,
          slow: mySlow,
          timed: myTimed,
          exact: Math.min(exact, count - myTimed),
          timeoutMs,
          deadlineMs,
          concurrency,
          gapMs,
          group,
          sources,
        });
      }),
    );
    return {
      connected: results.reduce((a, r) => a + r.connected, 0),
      failed: results.reduce((a, r) => a + r.failed + r.notTried, 0),
      ms: Math.max(...results.map((r) => r.ms)),
    };
  }

  /** The fewest lines any open receiver has got since the last reset. */
  globalMinLines() {
    return Math.min(...this.minLines);
  }

  async snapshot(hist = false) {
    const parts = await this.all('snapshot', { hist });
    return {
      parts,
      bytes: parts.reduce((a, p) => a + p.bytes, 0),
      estLines: parts.reduce((a, p) => a + p.estLines, 0),
      latencyLines: parts.reduce((a, p) => a + p.latencyLines, 0),
      open: parts.reduce((a, p) => a + p.open, 0),
      // the fewest bytes any open receiver has had (children without receivers do not count)
      minBytes: Math.min(...parts.map((p) => (p.open > 0 ? p.minBytes : Infinity))),
      closedEarly: parts.reduce((a, p) => a + p.closedEarly, 0),
      cpuUs: parts.reduce((a, p) => a + p.cpuUs, 0),
      groups: mergeGroups(parts.map((p) => p.groups ?? {})),
    };
  }

  /** Every receiver's count against `expected` lines of `lineBytes` each (see verify in loadgen.mjs), summed over the children. */
  async verify(lineBytes, expected) {
    const parts = await this.all('verify', { lineBytes, expected });
    const out = {};
    for (const part of parts) {
      for (const [group, t] of Object.entries(part)) {
        const o = (out[group || 'all'] ??= {});
        for (const [k, v] of Object.entries(t)) {
          if (k === 'minLines') o[k] = Math.min(o[k] ?? Infinity, v);
          else if (k === 'maxLines') o[k] = Math.max(o[k] ?? -Infinity, v);
          else o[k] = (o[k] ?? 0) + v;
        }
      }
    }
    return out;
  }

  async progress(on) {
    this.minLines = this.minLines.map(() => (on ? 0 : Infinity));
    await this.all('progress', { on });
  }

  async exit() {
    await Promise.allSettled(this.children.map((_, i) => this.call(i, 'exit')));
  }
}

/** Per-group figures of every child, summed (minBytes: the least). */
function mergeGroups(list) {
  const out = {};
  for (const groups of list) {
    for (const [name, g] of Object.entries(groups)) {
      const o = (out[name] ??= { bytes: 0, estLines: 0, open: 0, closedEarly: 0, latencyLines: 0, minBytes: Infinity });
      o.bytes += g.bytes;
      o.estLines += g.estLines;
      o.open += g.open;
      o.closedEarly += g.closedEarly;
      o.latencyLines += g.latencyLines;
      if (g.open > 0) o.minBytes = Math.min(o.minBytes, g.minBytes);
    }
  }
  return out;
}
