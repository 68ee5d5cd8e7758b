#!/usr/bin/env node
// Summarises a V8 .cpuprofile (from node --cpu-prof, e.g. `node bench/run.mjs --cpu-prof ...`):
// the functions with the most self time, and the most inclusive time.
//   node bench/cpuprofile-top.mjs FILE.cpuprofile [--top N]
// Native frames such as writeBuffer (a socket write, including the kernel's work) show by name.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

process.stdout.on('error', () => {}); // e.g. piped into head

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
const topIndex = args.indexOf('--top');
const top = topIndex === -1 ? 25 : Number(args[topIndex + 1]);
if (!file) {
  process.stderr.write('usage: node bench/cpuprofile-top.mjs FILE.cpuprofile [--top N]\n');
  process.exit(2);
}

const root = fileURLToPath(new URL('..', import.meta.url));
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// self time per node from the samples and their time deltas (µs)
const self = new Map();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  self.set(id, (self.get(id) ?? 0) + dt);
  total += dt;
});

const where = (cf) => {
  if (!cf.url) return '';
  const path = cf.url.startsWith('file://') ? relative(root, fileURLToPath(cf.url)) : cf.url;
  return `${path}:${cf.lineNumber + 1}`;
};
const keyOf = (n) => `${n.callFrame.functionName || '(anonymous)'} ${where(n.callFrame)}`.trim();

const selfByKey = new Map();
const inclByKey = new Map();
for (const [id, t] of self) {
  const n = byId.get(id);
  selfByKey.set(keyOf(n), (selfByKey.get(keyOf(n)) ?? 0) + t);
  // inclusive: every distinct function on the stack gets the sample's time once
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const k = keyOf(byId.get(cur));
    if (seen.has(k)) continue;
    seen.add(k);
    inclByKey.set(k, (inclByKey.get(k) ?? 0) + t);
  }
}

const show = (title, map) => {
  process.stdout.write(`\n${title} (of ${(total / 1e6).toFixed(2)} s sampled)\n`);
  const rows = [...map].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [k, t] of rows)
    process.stdout.write(`${((100 * t) / total).toFixed(1).padStart(6)}%  ${(t / 1000).toFixed(0).padStart(7)} ms  ${k}\n`);
};
// self time by file (native and V8 entries without a file keep their own names)
const byFile = new Map();
for (const [id, t] of self) {
  const cf = byId.get(id).callFrame;
  const k = cf.url ? where(cf).replace(/:\d+$/, '') : cf.functionName || '(anonymous)';
  byFile.set(k, (byFile.get(k) ?? 0) + t);
}

show('self time', selfByKey);
show('self time by file', byFile);
show('inclusive time', inclByKey);
