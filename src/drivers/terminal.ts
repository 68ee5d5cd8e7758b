import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { Observable, type Subscription } from '../../streams/rx.js';

export interface TerminalOptions {
  readonly input: Readable & { isTTY?: boolean };
  readonly output: Writable & { isTTY?: boolean };
  /** Shown only when both ends are a terminal. */
  readonly prompt: string;
  /** While this emits true, reading input pauses (the destination cannot keep up). */
  readonly pause$?: Observable<boolean>;
}

/**
 * The person's side: typed lines in, text out. On a terminal, incoming text is printed above
 * the prompt and the half-typed line is redrawn after it, so nothing garbles what is typed;
 * Ctrl-C is passed on as SIGINT. In a pipe there is no prompt and text goes out as it is.
 */
export interface Terminal {
  /** Typed lines; subscribing starts reading, completing at end of input. */
  readonly line$: Observable<string>;
  /** Prints lines (each without its newline). Returns false when the output is full. */
  print(lines: readonly string[]): boolean;
  readonly interactive: boolean;
}

export function terminal(options: TerminalOptions): Terminal {
  const interactive = Boolean(options.input.isTTY && options.output.isTTY);
  let active: Interface | undefined;

  const line$ = new Observable<string>((subscriber) => {
    const rl = createInterface({
      input: options.input,
      output: interactive ? options.output : undefined,
      terminal: interactive,
      prompt: options.prompt,
      crlfDelay: Infinity,
    });
    active = rl;
    rl.on('line', (line) => {
      subscriber.next(line);
      if (interactive) rl.prompt();
    });
    rl.on('close', () => subscriber.complete());
    rl.on('SIGINT', () => process.kill(process.pid, 'SIGINT'));
    const pausing: Subscription | undefined = options.pause$?.subscribe((paused) => (paused ? rl.pause() : rl.resume()));
    if (interactive) rl.prompt();
    return () => {
      pausing?.unsubscribe();
      active = undefined;
      rl.close();
    };
  });

  function print(lines: readonly string[]): boolean {
    if (lines.length === 0) return true;
    const text = lines.join('\n') + '\n';
    if (!interactive || !active) return options.output.write(text);
    // Clear the prompt and what was typed, print in their place, then redraw them below. A typed
    // line wider than the terminal spans several rows: clearing only the cursor's row left the
    // rows above it behind, a stale copy of the input per incoming batch. So go up from the
    // cursor's row to the first, clear down, print, and leave as many rows as readline goes back
    // up before it redraws: its own record of the cursor's row (`prevRows`, not documented, and
    // behind after a paste that wrapped), else the row itself.
    const { rows } = active.getCursorPos();
    const back = (active as unknown as { prevRows?: unknown }).prevRows;
    const up = rows > 0 ? `\x1b[${rows}A` : '';
    const written = options.output.write(`\r${up}\x1b[J${text}${'\n'.repeat(typeof back === 'number' ? back : rows)}`);
    active.prompt(true);
    return written;
  }

  return { line$, print, interactive };
}
