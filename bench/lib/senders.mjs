// Senders: raw sockets that write 64-byte lines, honouring backpressure (a write that returns
// false waits for 'drain'). Every loop stops by itself at its deadline or its line budget.
import { connect } from 'node:net';
import { nowUs } from './stats.mjs';

export const LINE_BYTES = 64;

/** `lines` lines of 64 bytes (63 + LF), all alike: the saturated load's payload. */
export function fixedLines(lines) {
  const one = Buffer.from('s'.repeat(LINE_BYTES - 1) + '\n');
  const buf = Buffer.allocUnsafe(one.length * lines);
  for (let i = 0; i < lines; i++) one.copy(buf, i * one.length);
  return buf;
}

/** One 64-byte line carrying its send time: `~T<µs on CLOCK_MONOTONIC>~xxx...\n`. */
export function stampedLine() {
  const head = `~T${Math.round(nowUs())}~`;
  return Buffer.from(head + 'x'.repeat(LINE_BYTES - 1 - head.length) + '\n');
}

/** Opens `count` sender connections. They read and discard whatever the relay sends them. */
export async function openSenders(port, count) {
  const sockets = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise((resolve, reject) => {
          const s = connect({ host: '127.0.0.1', port, noDelay: true });
          s.once('connect', () => resolve(s));
          s.once('error', reject);
        }),
    ),
  );
  for (const s of sockets) {
    s.on('data', () => {});
    s.on('error', () => {});
  }
  return sockets;
}

/**
 * Saturated load: each sender writes batches of lines as fast as the socket takes them. With a
 * window, the senders together stay at most `window` lines ahead of the slowest receiver (as the
 * receivers report it), so a relay that does not push back on its senders is measured at the
 * speed its receivers get, instead of filling its queues until it cuts receivers off.
 */
export function saturate(sockets, { window, linesPerWrite = 256, durationMs, maxLines, minReceived }) {
  const chunk = fixedLines(linesPerWrite);
  const deadline = Date.now() + durationMs;
  let sent = 0;
  let stopped = false;
  const waiting = new Set();
  const timer = setTimeout(() => stop(), durationMs);

  const mayWrite = () => !stopped && sent < maxLines && (!window || sent - minReceived() < window);
  const pump = (s) => {
    if (stopped || s.destroyed) return;
    let n = 0;
    while (mayWrite()) {
      sent += linesPerWrite;
      const ok = s.write(chunk);
      if (!ok) return void s.once('drain', () => pump(s));
      if (++n >= 64) return void setImmediate(() => pump(s)); // let reads and IPC in
    }
    if (sent >= maxLines || Date.now() >= deadline) return stop();
    waiting.add(s); // over the window: progress() wakes it
  };
  function stop() {
    stopped = true;
    clearTimeout(timer);
  }
  for (const s of sockets) pump(s);
  return {
    get sent() {
      return sent;
    },
    /** Called when the receivers report progress. */
    progress() {
      if (waiting.size === 0 || !mayWrite()) return;
      const ready = [...waiting];
      waiting.clear();
      for (const s of ready) pump(s);
    },
    stop,
  };
}

/**
 * Paced load: `rate` lines per second in all, spread over the senders, written `batch` lines at a
 * time (one write per batch), each line carrying its send time. Stops by itself after `durationMs`.
 */
export function paced(sockets, { rate, durationMs, batch = 1 }) {
  const start = nowUs();
  const maxBatches = Math.ceil((rate * durationMs) / 1000 / batch);
  const batchesPerS = rate / batch;
  let sentBatches = 0;
  let next = 0;
  let timer;
  let behind = 0;
  let resolveDone;
  const done = new Promise((resolve) => (resolveDone = resolve));
  const tick = () => {
    const due = Math.min(maxBatches, Math.floor(((nowUs() - start) / 1e6) * batchesPerS));
    if (due - sentBatches > Math.max(1, batchesPerS * 0.005)) behind++; // over 5 ms late
    while (sentBatches < due) {
      const s = sockets[next++ % sockets.length];
      if (!s.destroyed) s.write(batch === 1 ? stampedLine() : Buffer.concat(Array.from({ length: batch }, stampedLine)));
      sentBatches++;
    }
    if (sentBatches >= maxBatches) return resolveDone();
    timer = setTimeout(tick, 1);
  };
  tick();
  return {
    done,
    get sent() {
      return sentBatches * batch;
    },
    /** Ticks that found more than 5 ms of lines due: the sender itself fell behind its pace. */
    get behindTicks() {
      return behind;
    },
    stop() {
      clearTimeout(timer);
      resolveDone();
    },
  };
}
