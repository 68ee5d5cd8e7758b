import type { OptionFiles } from './option-files.js';

/** What the command modules know of the process besides the options. */
export interface CliContext {
  /** The words after `tcpchat`, to tell what came from the command line itself. */
  readonly args: readonly string[];
  /** TCPCHAT_PASSWORD is read from here; yargs reads the other TCPCHAT_* variables itself. */
  readonly env: NodeJS.ProcessEnv;
  readonly files: OptionFiles;
}
