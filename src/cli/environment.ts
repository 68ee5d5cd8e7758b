/** Every option may also be set as TCPCHAT_<OPTION>: TCPCHAT_PORT, TCPCHAT_MAX_LINE, TCPCHAT_IDLE_TIMEOUT... */
export const ENV_PREFIX = 'TCPCHAT';

/** What yargs 18 hands a middleware (its types, from yargs 17, leave out the second argument). */
type Middleware = (argv: Record<string, unknown>, yargs: { getOptions(): YargsOptions }) => void;
interface YargsOptions {
  readonly key: Record<string, unknown>;
  readonly alias: Record<string, string[]>;
  readonly boolean: string[];
}

/**
 * What yargs' `.env(ENV_PREFIX)` leaves to do, as a middleware run before validation and a check
 * that reports what it found:
 * - it turns every TCPCHAT_* variable (and TCPCHAT) into an argument, whether it names an option
 *   or not, and strict parsing would then refuse the others: TCPCHAT_PASSWORD (read on its own,
 *   see password-option.ts) or CI's TCPCHAT_TEST_REDIS. Those arguments are dropped.
 * - it reads a boolean variable as true only when it says `true`, so a service's
 *   TCPCHAT_RELAY=1 would quietly mean false. 1/0, yes/no, on/off are read too, anything else
 *   is refused (unless a flag, which wins, was typed).
 */
export function environmentOptions(env: NodeJS.ProcessEnv, args: readonly string[]) {
  let problem: string | undefined;
  const middleware: Middleware = (argv, yargs) => {
    // TCPCHAT itself too: yargs makes an argument named "" of it (a script's path to the program, say).
    const ours = (variable: string): boolean => variable === ENV_PREFIX || variable.startsWith(`${ENV_PREFIX}_`);
    const variables = Object.keys(env).filter((variable) => ours(variable) && env[variable] !== undefined);
    if (variables.length === 0) return; // most starts: no table of the options' names to make
    const options = yargs.getOptions();
    const namesOf = (option: string): string[] => [option, ...(options.alias[option] ?? [])];
    const optionNamed = new Map(
      Object.keys(options.key).flatMap((option) => namesOf(option).map((name) => [camelCase(name), option] as const)),
    );
    for (const variable of variables) {
      const value = env[variable]!;
      const key = camelCase(variable.slice(ENV_PREFIX.length + 1));
      const option = optionNamed.get(key);
      if (option === undefined) {
        if (argv[key] === value) delete argv[key];
      } else if (options.boolean.includes(option) && !typedOnCommandLine(args, namesOf(option))) {
        const flag = readBoolean(value);
        if (flag === undefined) problem ??= `${variable} must be true or false (or 1, 0, yes, no, on, off), not ${JSON.stringify(value)}`;
        else for (const name of namesOf(option)) argv[name] = argv[camelCase(name)] = flag;
      }
    }
  };
  const check = (): true => {
    if (problem !== undefined) throw new Error(problem);
    return true;
  };
  return { middleware, check };
}

/** Whether one of an option's names was typed as a flag (`--relay`, `--no-relay`, `--port=1`, `-p1`, `-qH`), rather than only set by a variable or a file. */
export function typedOnCommandLine(args: readonly string[], names: readonly string[]): boolean {
  return args.some((arg) =>
    names.some((name) =>
      name.length === 1 ? /^-[a-zA-Z]+/.exec(arg)?.[0].includes(name) === true : new RegExp(`^--(?:no-)?${name}(?:=|$)`).test(arg),
    ),
  );
}

function readBoolean(value: string): boolean | undefined {
  if (/^(?:1|true|yes|on)$/i.test(value)) return true;
  if (/^(?:0|false|no|off|)$/i.test(value)) return false;
  return undefined;
}

/** The key yargs makes of a variable or an option name: TEST_REDIS and test-redis both become testRedis. */
function camelCase(name: string): string {
  return name.toLowerCase().replace(/[-_]+(.)/g, (_, next: string) => next.toUpperCase());
}
