// Start-up to `listening` of several tcpchat builds in one run, their starts interleaved so that
// the machine's load falls on each alike:
//   node bench/startup-compare.mjs [--runs 30] [--node-e-0] [--bare-listen] NAME=PATH/TO/bin.cjs ...
// Each start is `node BIN serve --host 127.0.0.1 --port 0`, stopped by SIGTERM once it listens.
// Prints medians of the wall time and of the CPU time the process had used by then (all its
// threads, from /proc/PID/task/*/schedstat; on a busy machine it moves far less than the wall time),
// and of the pages of memory it had touched for the first time (minor faults, /proc/PID/stat), which
// the machine's load does not move at all: on a VM where each costs some 13 µs, a cut that touches
// fewer pages shows there when the CPU time of two builds differs by less than its noise.
// --node-e-0 adds a bare Node start, first (the ratios are to it): `node -e 0` that stops itself
// (SIGSTOP) where it would exit, so its CPU time can still be read; its exit is left out.
// --bare-listen adds the least a Node server does, measured as a tcpchat start is: a script that
// listens on 127.0.0.1 port 0 and says `listening on` on stderr (what any Node server pays).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt === -1 ? 30 : Number(args.splice(runsAt, 2)[1]);
const bareAt = args.indexOf('--node-e-0');
if (bareAt !== -1) args.splice(bareAt, 1);
const listenerAt = args.indexOf('--bare-listen');
if (listenerAt !== -1) args.splice(listenerAt, 1);
const BARE_LISTENER = `require('node:net').createServer().listen(0, '127.0.0.1', function () {
  process.stderr.write('listening on 127.0.0.1:' + this.address().port + '\\n');
});`;
const builds = args.map((arg) => {
  const [name, bin] = arg.split('=');
  if (!name || !bin) throw new Error(`expected NAME=PATH/TO/bin.cjs, got ${arg}`);
  return { name, start: () => start([bin, 'serve', '--host', '127.0.0.1', '--port', '0']), wall: [], cpu: [], faults: [] };
});
if (listenerAt !== -1) builds.unshift({ name: 'bare listener', start: () => start(['-e', BARE_LISTENER]), wall: [], cpu: [], faults: [] });
if (bareAt !== -1) builds.unshift({ name: 'node -e 0', start: bareNode, wall: [], cpu: [], faults: [] });
if (builds.length === 0 || !(runs > 0))
  throw new Error('usage: node bench/startup-compare.mjs [--runs N] [--node-e-0] [--bare-listen] NAME=PATH/TO/bin.cjs ...');

/** Minor page faults so far: the pages of memory the process touched for the first time. */
function minorFaults(pid) {
  return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[7]);
}

function cpuMs(pid) {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return ns / 1e6;
}

function start(nodeArgs) {
  return new Promise((done, failed) => {
    const began = process.hrtime.bigint();
    const child = spawn(process.execPath, nodeArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    let stderr = '';
    let measured;
    child.stderr.setEncoding('utf8').on('data', (text) => {
      stderr += text;
      if (measured !== undefined || !stderr.includes('listening on')) return;
      measured = { wall: Number(process.hrtime.bigint() - began) / 1e6, cpu: cpuMs(child.pid), faults: minorFaults(child.pid) };
      child.kill('SIGTERM');
    });
    child.once('exit', () => {
      clearTimeout(timer);
      if (measured === undefined) failed(new Error(`${nodeArgs[0]} did not reach listening: ${stderr}`));
      else done(measured);
    });
  });
}

/** `node -e 0` up to where it would exit: it stops itself there, and is measured and killed. */
function bareNode() {
  return new Promise((done, failed) => {
    const began = process.hrtime.bigint();
    const child = spawn(process.execPath, ['-e', "process.kill(process.pid, 'SIGSTOP')"], { stdio: 'ignore' });
    const stopped = () => readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.startsWith('T');
    const poll = setInterval(() => {
      try {
        if (!stopped()) return;
      } catch {
        return; // not there yet
      }
      clearInterval(poll);
      const measured = { wall: Number(process.hrtime.bigint() - began) / 1e6, cpu: cpuMs(child.pid), faults: minorFaults(child.pid) };
      child.once('exit', () => done(measured));
      child.kill('SIGKILL');
    }, 1);
    child.once('error', (error) => {
      clearInterval(poll);
      failed(error);
    });
  });
}

for (let round = 0; round < runs; round++) {
  for (const build of builds) {
    const { wall, cpu, faults } = await build.start();
    build.wall.push(wall);
    build.cpu.push(cpu);
    build.faults.push(faults);
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const [first] = builds;
const width = Math.max(...builds.map((build) => build.name.length)) + 2;
for (const build of builds) {
  const wall = median(build.wall);
  const cpu = median(build.cpu);
  console.log(
    `${build.name.padEnd(width)} wall ${wall.toFixed(0).padStart(5)} ms (${(wall / median(first.wall)).toFixed(2)}×)` +
      `  CPU ${cpu.toFixed(0).padStart(4)} ms (${(cpu / median(first.cpu)).toFixed(2)}×)` +
      `  pages touched ${String(median(build.faults)).padStart(5)}  ${runs} starts`,
  );
}
