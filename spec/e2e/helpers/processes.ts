import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { trackChild } from './leftovers.js';
import { Lines } from './lines.js';
import { WAIT_MS, within } from './within.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The built CLI, the `tcpchat` bin: it runs the bundle (src/build/bundle.ts). */
export const CLI = fileURLToPath(new URL('../../../dist/src/cli/bin.cjs', import.meta.url));

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface Running {
  readonly child: ChildProcess;
  readonly stdout: Lines;
  readonly stderr: Lines;
  readonly exit: Promise<Exit>;
  /** Writes to the process's stdin (which must be a pipe). */
  write(text: string | Uint8Array): void;
  /** Closes the process's stdin. */
  endInput(): void;
}

export interface RunOptions {
  /** 'pipe' (default) lets the test type; 'ignore' gives the process /dev/null, at EOF at once. */
  readonly stdin?: 'pipe' | 'ignore';
  readonly name?: string;
  /** Variables added to the environment the process gets. */
  readonly env?: NodeJS.ProcessEnv;
}

/** Starts a program with its output collected as lines; it is killed in afterEach if still running. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Running {
  const name = options.name ?? [command, ...args].join(' ');
  // Run as a user would: without the test runner's NODE_OPTIONS, never on a terminal.
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', ...options.env };
  delete env.FORCE_COLOR;
  const child = trackChild(spawn(command, args, { cwd: ROOT, env, stdio: [options.stdin ?? 'pipe', 'pipe', 'pipe'] }));
  const exit = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const stdin = (): NonNullable<ChildProcess['stdin']> => {
    if (!child.stdin) throw new Error(`${name} has no stdin pipe`);
    return child.stdin;
  };
  child.stdin?.on('error', () => {}); // the process may exit before reading everything
  return {
    child,
    stdout: new Lines(child.stdout!, `stdout of ${name}`),
    stderr: new Lines(child.stderr!, `stderr of ${name}`),
    exit,
    write: (text) => void stdin().write(text),
    endInput: () => void stdin().end(),
  };
}

/** `tcpchat ARGS...` from dist. */
export function tcpchat(args: readonly string[], options: RunOptions = {}): Running {
  return run(process.execPath, [CLI, ...args], { ...options, name: options.name ?? `tcpchat ${args.join(' ')}` });
}

export function waitForExit(running: Running, ms = WAIT_MS): Promise<Exit> {
  return within(running.exit, `${running.stdout.name.replace(/^stdout of /, '')} to exit`, ms);
}
