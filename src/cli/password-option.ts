import type { OptionFiles } from './option-files.js';

/** A secret file's secret: its first line; a file that cannot be read or is empty fails with exit 1. */
function readSecret(files: OptionFiles, file: string, option = '--password-file'): string {
  const secret = files.read(option, file).split(/\r?\n/)[0];
  return secret || files.refuse(`${option} ${file} is empty`);
}

/** `--password-file FILE`: the secret is the file's first line, never a command-line word. */
export function passwordFileOption(files: OptionFiles) {
  return {
    type: 'string',
    requiresArg: true,
    describe: 'read the password from FILE (or set TCPCHAT_PASSWORD)',
    coerce: (file: string | undefined): string | undefined => (file === undefined ? undefined : readSecret(files, file)),
  } as const;
}

/** `serve --password-file FILE`: the file is kept with its secret, to be read again on SIGHUP. */
export function reloadablePasswordFileOption(files: OptionFiles) {
  return {
    type: 'string',
    requiresArg: true,
    describe: 'read the password from FILE, again on SIGHUP (or set TCPCHAT_PASSWORD)',
    coerce: (file: string | undefined): PasswordFile | undefined =>
      file === undefined ? undefined : { file, secret: readSecret(files, file) },
  } as const;
}

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

/** `connect --identity-file FILE`: the secret of a registered nick, the file's first line. */
export function identityFileOption(files: OptionFiles) {
  return {
    type: 'string',
    requiresArg: true,
    describe: 'read the secret of your registered --nick from FILE (or set TCPCHAT_IDENTITY)',
    coerce: (file: string | undefined): string | undefined => (file === undefined ? undefined : readSecret(files, file, '--identity-file')),
  } as const;
}

/** The file wins over the environment; an empty variable means none. */
export const resolveIdentity = (fromFile: unknown, env: NodeJS.ProcessEnv): string | undefined =>
  typeof fromFile === 'string' ? fromFile : env.TCPCHAT_IDENTITY || undefined;
