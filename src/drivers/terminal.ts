import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { Observable, type Subscription } from '../../streams/rx.js';

export interface TerminalOptions {
  readonly input: Readable & { isTTY?: boolean };
  readonly output: Writable & { isTTY?: boolean };
  /** Shown only when both ends are a terminal. */
  readonly prompt: string;
  /**
   * While this emits true, reading input pauses (the destination cannot keep up), and no line
   * comes: the lines left of what was read already wait here (one read's worth) until it emits false.
   */
  readonly pause$?: Observable<boolean>;
  /** The prompt waits for `showPrompt()` (a server draws it only once it listens). */
  readonly promptLater?: boolean;
  /**
   * On a terminal, Ctrl-D on an empty line prints this and reading goes on (a server's console
   * is not a reason to stop); without it, Ctrl-D ends the input.
   */
  readonly ctrlD?: string;
  /**
   * On a terminal, what to show of the line being typed (same length, e.g. its secret starred
   * out); a line it changes is shown so as typed and after Enter, and kept out of the history.
   */
  readonly mask?: (line: string) => string;
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
  /** Draws the prompt from now on (with `promptLater`). */
  showPrompt(): void;
  /** Changes the prompt (the client's shows its room), redrawn with what is half typed. */
  setPrompt(prompt: string): void;
}

export function terminal(options: TerminalOptions): Terminal {
  // The output first: a process.stdin that is a file is costly to make (Node loads its file streams).
  const interactive = Boolean(options.output.isTTY && options.input.isTTY);
  let active: Interface | undefined;
  let prompting = interactive && !options.promptLater;
  let prompt = options.prompt;

  const line$ = new Observable<string>((subscriber) => {
    let history: string[] = [];
    // readline hands on every line of a read even after pause(): those past the pause wait here.
    let paused = false;
    let held: string[] = [];
    let next = 0;
    let ended = false;
    const release = (): void => {
      while (!paused && next < held.length) subscriber.next(held[next++]);
      if (next < held.length) return;
      held = [];
      next = 0;
      if (ended) subscriber.complete();
    };
    const open = (): void => {
      const rl = createInterface({
        input: options.input,
        output: interactive ? options.output : undefined,
        terminal: interactive,
        prompt,
        crlfDelay: Infinity,
        history,
      });
      active = rl;
      if (interactive && options.mask) masking(rl, options.mask);
      rl.on('history', (lines) => (history = lines));
      rl.on('line', (line) => {
        if (paused || held.length > 0) return void held.push(line);
        subscriber.next(line);
        if (prompting && active === rl) rl.prompt(); // not when that line (a console /quit) ended the reading
      });
      rl.on('close', () => {
        if (active !== rl) return; // torn down
        // Ctrl-D on a terminal closes readline, yet the terminal is still there to read.
        const over = options.input.readableEnded || options.input.destroyed;
        if (!interactive || over || options.ctrlD === undefined) {
          ended = true;
          return release(); // completes once what waits has gone
        }
        clearPrompt();
        options.output.write(`${options.ctrlD}\n`);
        open();
      });
      rl.on('SIGINT', () => process.kill(process.pid, 'SIGINT'));
      if (prompting) rl.prompt();
    };
    open();
    const pausing: Subscription | undefined = options.pause$?.subscribe((pause) => {
      paused = pause;
      if (pause) return void active?.pause();
      release();
      if (!paused) active?.resume(); // unless a released line paused it again
    });
    return () => {
      pausing?.unsubscribe();
      const rl = active;
      clearPrompt(); // the prompt (and anything half typed) does not outlive the program
      active = undefined;
      rl?.close();
    };
  });

  /**
   * Clears the prompt and what was typed, from the row it starts on. A typed line wider than the
   * terminal spans several rows: clearing only the cursor's row would leave the rows above it.
   */
  function clearPrompt(): number {
    if (!active || !prompting) return 0;
    const { rows } = active.getCursorPos();
    options.output.write(`\r${rows > 0 ? `\x1b[${rows}A` : ''}\x1b[J`);
    return rows;
  }

  function print(lines: readonly string[]): boolean {
    if (lines.length === 0) return true;
    const text = lines.join('\n') + '\n';
    if (!interactive || !active || !prompting) return options.output.write(text);
    // Print where the prompt was, then leave as many rows as readline goes back up before it
    // redraws: its own record of the cursor's row (`prevRows`, not documented, and behind after a
    // paste that wrapped), else the row itself.
    const rows = clearPrompt();
    const back = (active as unknown as { prevRows?: unknown }).prevRows;
    const written = options.output.write(`${text}${'\n'.repeat(typeof back === 'number' ? back : rows)}`);
    active.prompt(true);
    return written;
  }

  function showPrompt(): void {
    if (!interactive || prompting) return;
    prompting = true;
    active?.prompt();
  }

  function setPrompt(next: string): void {
    if (next === prompt) return;
    prompt = next;
    if (!active) return;
    active.setPrompt(next);
    if (!prompting) return;
    clearPrompt();
    active.prompt(true);
  }

  return { line$, print, interactive, showPrompt, setPrompt };
}

/**
 * Shows the line being typed as `mask` makes it. readline writes the line through
 * `_writeToOutput` (public since Node's first password prompts, and still how its own calls go):
 * either the prompt and the whole line, or the characters just typed at its end. The mask keeps
 * the length, so readline's cursor arithmetic holds. A masked line is dropped from the history
 * (the 'history' event hands over readline's own list, newest first, for this very purpose).
 */
function masking(rl: Interface, mask: (line: string) => string): void {
  const rli = rl as Interface & { _writeToOutput(text: string): void };
  const write = rli._writeToOutput.bind(rl);
  rli._writeToOutput = (text: string): void => {
    const { line } = rl;
    const masked = mask(line);
    if (masked === line) return write(text);
    if (text.endsWith(line)) return write(text.slice(0, text.length - line.length) + masked);
    if (rl.cursor === line.length && line.endsWith(text)) return write(masked.slice(line.length - text.length));
    write(text);
  };
  rl.on('history', (lines: string[]) => {
    if (lines.length > 0 && mask(lines[0]) !== lines[0]) lines.shift();
  });
}
