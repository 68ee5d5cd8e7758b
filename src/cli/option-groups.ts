import type { Argv } from 'yargs';

/**
 * The headings `--help` sorts options under, in the order it shows them. An option joins one
 * with `.group([...], GROUP.limits)` wherever it is declared; anything left ungrouped (--help,
 * --version, --config) ends up under "Options:", last.
 */
export const GROUP = {
  network: 'Network:',
  chat: 'Chat:',
  output: 'Output:',
  limits: 'Limits:',
  security: 'Security:',
  cluster: 'Cluster:',
} as const;

/** Where options come from, said under every command's --help. */
export const OPTION_SOURCES =
  'Every option may also be set as TCPCHAT_<OPTION> (TCPCHAT_PORT=3000, TCPCHAT_IDLE_TIMEOUT=5m) or in --config FILE (JSON); ' +
  'a flag wins over the environment, which wins over the file. Durations take 500ms, 30s, 5m, 2h (a bare number is seconds).';

/**
 * A command's --help layout: the headings in their order, fixed before any option joins one
 * (yargs shows them in the order first named, and skips empty ones), and where options come from.
 */
export function withHelpLayout<T>(yargs: Argv<T>): Argv<T> {
  return Object.values(GROUP)
    .reduce((argv, heading) => argv.group([], heading), yargs)
    .epilogue(OPTION_SOURCES);
}
