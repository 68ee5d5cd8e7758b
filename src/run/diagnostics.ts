import type { Writable } from 'node:stream';

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** stderr's `tcpchat: ...` lines, each with a level; those below `--log-level` are left out. */
export type Diagnostics = Record<LogLevel, (text: string) => void>;

export function diagnostics(stderr: Writable, level: LogLevel = 'info'): Diagnostics {
  const shown = LOG_LEVELS.indexOf(level);
  const at = (index: number) => (index <= shown ? (text: string) => void stderr.write(`tcpchat: ${text}\n`) : () => {});
  return { error: at(0), warn: at(1), info: at(2), debug: at(3) };
}

/** `--timestamps`: on a terminal no, in a pipe or a file (a service manager's log) yes, unless told. */
export function stampsWanted(asked: boolean | undefined, stdout: { isTTY?: boolean }): boolean {
  return asked ?? !stdout.isTTY;
}
