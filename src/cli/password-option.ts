import { secretFault } from '../drivers/password-file.js';
import type { OptionFiles } from './option-files.js';

/** A secret file's secret: its first line; a file that cannot be read or holds no secret fails with exit 1. */
function readSecret(files: OptionFiles, file: string, option = '--password-file'): string {
  const secret = files.read(option, file).split(/\r?\n/)[0];
  const fault = secretFault(secret);
  return fault ? files.refuse(`${option} ${file} ${fault}`) : secret;
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

/**
 * `serve`'s check of TCPCHAT_PASSWORD when no --password-file wins over it: set but empty or blank
 * (an env file whose `$SECRET` did not expand) it is refused, rather than open the server to all.
 */
export function checkServerPasswordVariable(fromFile: unknown, env: NodeJS.ProcessEnv): void {
  const value = env.TCPCHAT_PASSWORD;
  if (fromFile !== undefined || value === undefined || value.trim()) return;
  throw new Error(`TCPCHAT_PASSWORD is ${value ? 'blank' : 'empty'}: set it to the password, or unset it for a server without one`);
}

/** The file wins over the environment; an empty variable means no password (`serve` refuses one first). */
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
