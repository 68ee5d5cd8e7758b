/** How a bounded run of cycles went: how many of each kind, and how long it took. */
export interface CycleRun {
  readonly done: ReadonlyMap<string, number>;
  readonly total: number;
  readonly elapsedMs: number;
}

/**
 * Runs `cycle` over the kinds in turn, `atOnce` at a time, until `count` cycles or `maxMs` have
 * passed, whichever comes first; while it runs, `during` is called every 5 ms (a chatter, say).
 */
export async function runCycles(options: {
  readonly kinds: readonly string[];
  readonly count: number;
  readonly maxMs: number;
  readonly atOnce: number;
  readonly cycle: (kind: string) => Promise<void>;
  readonly during: () => void;
}): Promise<CycleRun> {
  const { kinds, count, maxMs, atOnce, cycle } = options;
  const started = performance.now();
  const done = new Map(kinds.map((kind) => [kind, 0]));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count && performance.now() - started < maxMs) {
      const kind = kinds[next++ % kinds.length];
      await cycle(kind);
      done.set(kind, done.get(kind)! + 1);
    }
  };
  const ticker = setInterval(options.during, 5);
  try {
    await Promise.all(Array.from({ length: atOnce }, worker));
  } finally {
    clearInterval(ticker);
  }
  const total = [...done.values()].reduce((a, b) => a + b, 0);
  return { done, total, elapsedMs: performance.now() - started };
}

/** `12 reset mid-line, 12 closed mid-line, ...` */
export function describeCycles(run: CycleRun): string {
  return [...run.done].map(([kind, count]) => `${count} ${kind}`).join(', ');
}
