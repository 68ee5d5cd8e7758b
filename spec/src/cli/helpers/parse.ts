import { buildParser, type FailureCode } from '../../../../src/cli/parser.js';
import type { ConnectConfig } from '../../../../src/run/connect.js';
import type { ServeConfig } from '../../../../src/run/serve.js';

/** What `fail` was called with: the sentence, and the exit code the bin would use. */
export class ParseFailure extends Error {
  constructor(
    message: string,
    readonly code: FailureCode,
  ) {
    super(message);
    this.name = 'ParseFailure';
  }
}

export interface Parsed {
  serve?: ServeConfig;
  connect?: ConnectConfig;
}

/** Runs the real parser with runners that only record the config they were handed; a failure rejects with a ParseFailure. */
export async function parse(...args: string[]): Promise<Parsed> {
  const got: Parsed = {};
  const parser = buildParser(
    args,
    {
      serve: async (config) => void (got.serve = config),
      connect: async (config) => void (got.connect = config),
    },
    '1.2.3',
    (message, code) => {
      throw new ParseFailure(message, code);
    },
  );
  await parser.parseAsync();
  return got;
}

/** Runs `body` with these variables set in process.env (where yargs reads them), and puts back what was there. */
export async function withEnv<T>(variables: Record<string, string>, body: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
  Object.assign(process.env, variables);
  try {
    return await body();
  } finally {
    for (const [name, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
