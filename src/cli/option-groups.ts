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

/** Fixes the order of the headings before any option joins one (yargs shows them in the order first named, and skips empty ones). */
export function withOptionGroups<T>(yargs: Argv<T>): Argv<T> {
  return Object.values(GROUP).reduce((argv, heading) => argv.group([], heading), yargs);
}
