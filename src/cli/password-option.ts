import type { OptionFiles } from './option-files.js';

/** `--password-file FILE`: the secret is the file's first line, never a command-line word. */
export function passwordFileOption(files: OptionFiles) {
  return {
    type: 'string',
    describe: 'read the password from FILE (or set TCPCHAT_PASSWORD)',
    coerce: (file: string | undefined): string | undefined => {
      if (file === undefined) return undefined;
      const secret = files.read('--password-file', file).split(/\r?\n/)[0];
      return secret || files.refuse(`--password-file ${file} is empty`);
    },
  } as const;
}

/** The file wins over the environment; an empty variable means no password. */
export function resolvePassword(fromFile: unknown, env: NodeJS.ProcessEnv): string | undefined {
  if (typeof fromFile === 'string') return fromFile;
  return env.TCPCHAT_PASSWORD || undefined;
}
