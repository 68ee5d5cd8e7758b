// Small statistics helpers shared by the coordinator and the load-generator children.

/**
 * Microseconds on CLOCK_MONOTONIC (libuv's hrtime), which every process on the machine shares,
 * so a timestamp written by one process can be compared with the clock of another.
 */
export function nowUs() {
  const [s, ns] = process.hrtime();
  return s * 1e6 + ns / 1e3;
}

const LINEAR = 1000; // 1 µs buckets below 1 ms
const STEP = Math.log(1.01); // then 1 % wide buckets
const BUCKETS = LINEAR + Math.ceil(Math.log(600e6 / LINEAR) / STEP) + 1; // up to 10 minutes

/** A latency histogram in microseconds: exact below 1 ms, within 1 % above. Mergeable. */
export class Histogram {
  constructor(counts) {
    this.counts = counts ?? new Float64Array(BUCKETS);
    this.max = 0;
  }

  record(us) {
    if (!(us > 0)) us = 0;
    if (us > this.max) this.max = us;
    const i = us < LINEAR ? Math.floor(us) : Math.min(BUCKETS - 1, LINEAR + Math.floor(Math.log(us / LINEAR) / STEP));
    this.counts[i]++;
  }

  toJSON() {
    // sparse: [index, count] pairs
    const pairs = [];
    for (let i = 0; i < this.counts.length; i++) if (this.counts[i] > 0) pairs.push([i, this.counts[i]]);
    return { pairs, max: this.max };
  }

  static merge(jsons) {
    const h = new Histogram();
    for (const j of jsons) {
      if (!j) continue;
      for (const [i, c] of j.pairs) h.counts[i] += c;
      if (j.max > h.max) h.max = j.max;
    }
    return h;
  }

  get count() {
    let n = 0;
    for (const c of this.counts) n += c;
    return n;
  }

  /** The value (µs) at quantile q in [0, 1]: the upper edge of the bucket holding it. */
  quantile(q) {
    const total = this.count;
    if (total === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * total));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(this.max, i < LINEAR ? i + 1 : LINEAR * Math.exp((i - LINEAR + 1) * STEP));
    }
    return this.max;
  }
}

export function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}
