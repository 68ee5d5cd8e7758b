import { readFileSync } from 'node:fs';

/** `--password-file FILE`: the secret is the file's first line, never a command-line word. */
export const passwordFileOption = {
  type: 'string',
  describe: 'read the password from FILE (or set TCPCHAT_PASSWORD)',
  coerce: (file: string | undefined): string | undefined => {
    if (file === undefined) return undefined;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(`cannot read --password-file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    const secret = text.split(/\r?\n/)[0];
    if (!secret) throw new Error(`--password-file ${file} is empty`);
    return secret;
  },
} as const;

/** The file wins over the environment; an empty variable means no password. */
export function resolvePassword(fromFile: unknown, env: NodeJS.ProcessEnv): string | undefined {
  if (typeof fromFile === 'string') return fromFile;
  return env.TCPCHAT_PASSWORD || undefined;
}
