/**
 * How long after one flush of the turn's writes the next may run: a busy server's receivers get at
 * most one write each per this many milliseconds. At 1,000 lines/s in a room (a line a millisecond,
 * about one a turn) that makes one write of two lines where there were two writes, and each write
 * costs a syscall and the kernel's work for a packet per receiver: most of a relay's CPU.
 * A line heard in a quiet moment goes out at the end of its turn, as before; under load a line
 * waits at most this long.
 */
export const FLUSH_GAP_MS = 2;

/** A timer's grain: a wait shorter than this would take this long. */
const TIMER_GRAIN_MS = 1;

/**
 * A schedule for TurnWrites: each flush runs after the turn's I/O (`setImmediate`), and no sooner
 * than `gapMs` after the last flush ran (a timer for the rest of the gap), unless less than a
 * timer's grain of the gap is left: at 500 lines/s, lines about a gap apart, waiting for that
 * rest would cost each a whole millisecond and gather nothing. Owned by one server run.
 */
export function pacedFlushes(gapMs = FLUSH_GAP_MS, now: () => number = () => performance.now()): (flush: () => void) => void {
  let lastFlush = -Infinity;
  return (flush) => {
    const run = (): void => {
      lastFlush = now();
      flush();
    };
    const wait = lastFlush + gapMs - now();
    if (wait < TIMER_GRAIN_MS) setImmediate(run);
    else setTimeout(run, wait);
  };
}
