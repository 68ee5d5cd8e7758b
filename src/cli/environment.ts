/** Every option may also be set as TCPCHAT_<OPTION>: TCPCHAT_PORT, TCPCHAT_MAX_LINE, TCPCHAT_IDLE_TIMEOUT... */
export const ENV_PREFIX = 'TCPCHAT';

/** What yargs 18 hands a middleware (its types, from yargs 17, leave out the second argument). */
type Middleware = (argv: Record<string, unknown>, yargs: { getOptions(): { key: Record<string, unknown>; alias: Record<string, string[]> } }) => void;

/**
 * yargs' `.env(ENV_PREFIX)` turns every TCPCHAT_* variable into an argument, whether it names an
 * option or not, and strict parsing would then refuse the others: TCPCHAT_PASSWORD (read on its
 * own, see password-option.ts) or CI's TCPCHAT_TEST_REDIS. This middleware, run before
 * validation, drops the arguments that only such a variable gave.
 */
export function dropVariablesThatAreNoOption(env: NodeJS.ProcessEnv): Middleware {
  return (argv, yargs) => {
    const options = yargs.getOptions();
    const known = new Set([...Object.keys(options.key), ...Object.values(options.alias).flat()].map((name) => camelCase(name)));
    for (const [variable, value] of Object.entries(env)) {
      if (!variable.startsWith(`${ENV_PREFIX}_`)) continue;
      const key = camelCase(variable.slice(ENV_PREFIX.length + 1));
      if (!known.has(key) && argv[key] === value) delete argv[key];
    }
  };
}

/** The key yargs makes of a variable or an option name: TEST_REDIS and test-redis both become testRedis. */
function camelCase(name: string): string {
  return name.toLowerCase().replace(/[-_]+(.)/g, (_, next: string) => next.toUpperCase());
}
