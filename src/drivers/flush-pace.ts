/**
 * How long after one flush of the turn's writes the next may run: a busy server's receivers get at
 * most one write each per this many milliseconds. At 1,000 lines/s in a room (a line a millisecond,
 * about one a turn) that makes one write of two lines where there were two writes, and each write
 * costs a syscall and the kernel's work for a packet per receiver: most of a relay's CPU.
 * A line heard in a quiet moment goes out at the end of its turn, as before; under load a line
 * waits at most this long.
 */
export const FLUSH_GAP_MS = 2;

/**
 * A schedule for TurnWrites: each flush runs after the turn's I/O (`setImmediate`), and no sooner
 * than `gapMs` after the last flush ran (a timer for the rest of the gap). Owned by one server run.
 */
export function pacedFlushes(gapMs = FLUSH_GAP_MS, now: () => number = () => performance.now()): (flush: () => void) => void {
  let lastFlush = -Infinity;
  return (flush) => {
    const run = (): void => {
      lastFlush = now();
      flush();
    };
    const wait = lastFlush + gapMs - now();
    if (wait <= 0) setImmediate(run);
    else setTimeout(run, wait);
  };
}
