import { readPasswordFile } from '../drivers/password-file.js';

/** `--password-file FILE`: the secret is the file's first line, never a command-line word. */
export const passwordFileOption = {
  type: 'string',
  describe: 'read the password from FILE (or set TCPCHAT_PASSWORD)',
  coerce: (file: string | undefined): string | undefined => (file === undefined ? undefined : readPasswordFile(file)),
} as const;

/** `serve --password-file FILE`: the file is kept with its secret, to be read again on SIGHUP. */
export const reloadablePasswordFileOption = {
  ...passwordFileOption,
  describe: 'read the password from FILE, again on SIGHUP (or set TCPCHAT_PASSWORD)',
  coerce: (file: string | undefined): PasswordFile | undefined => (file === undefined ? undefined : { file, secret: readPasswordFile(file) }),
} as const;

export interface PasswordFile {
  readonly file: string;
  readonly secret: string;
}

/** The file wins over the environment; an empty variable means no password. */
export function resolvePassword(fromFile: unknown, env: NodeJS.ProcessEnv): string | undefined {
  if (typeof fromFile === 'string') return fromFile;
  if (fromFile && typeof fromFile === 'object') return (fromFile as PasswordFile).secret;
  return env.TCPCHAT_PASSWORD || undefined;
}
