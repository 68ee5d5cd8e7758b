import { readAccessFile } from '../drivers/access-file.js';
import { parseAccess, parseRule, type AccessList, type AccessRules } from '../../streams/limits/access.js';
import { readPasswordFile } from '../drivers/password-file.js';
import type { Diagnostics } from './diagnostics.js';

/** What SIGHUP reads again (the TLS files are the listen driver's). */
export interface ReloadableFiles {
  readonly passwordFile?: string;
  readonly allowFile?: string;
  readonly denyFile?: string;
}

/**
 * The access list: `--allow`/`--deny` rules and those of the files. Throws one sentence for a bad
 * rule (a file's names the file and the line) or a file that cannot be read, so that a file with
 * one bad line is not used at all.
 */
export function readAccess(rules: AccessRules | undefined, files: ReloadableFiles): AccessList {
  const fromFile = (file: string | undefined, option: string): string[] =>
    file === undefined
      ? []
      : readAccessFile(file, option).map(({ text, line }) => (parseRule(text, `${option} ${file} line ${line}:`), text));
  return parseAccess({
    allow: [...(rules?.allow ?? []), ...fromFile(files.allowFile, '--allow-file')],
    deny: [...(rules?.deny ?? []), ...fromFile(files.denyFile, '--deny-file')],
    allowListed: files.allowFile !== undefined,
  });
}

export interface Reloaded {
  readonly access: (list: AccessList) => void;
  readonly password: (secret: string) => void;
}

/**
 * What to do on SIGHUP: read the password file and the access lists again and hand on what
 * could be read. A file that cannot be read (or holds a bad rule) changes nothing of its own and
 * is told in one sentence; the connections already in are never touched.
 */
export function reloader(
  rules: AccessRules | undefined,
  files: ReloadableFiles,
  tls: boolean,
  tell: Diagnostics,
  reloaded: Reloaded,
): () => void {
  const access = files.allowFile !== undefined || files.denyFile !== undefined;
  return () => {
    if (files.passwordFile !== undefined) {
      attempt('password', () => {
        reloaded.password(readPasswordFile(files.passwordFile!));
        tell.info(`reloaded the password from ${files.passwordFile}`);
      });
    }
    if (access) {
      attempt('access lists', () => {
        reloaded.access(readAccess(rules, files));
        tell.info(`reloaded the access lists from ${[files.allowFile, files.denyFile].filter(Boolean).join(' and ')}`);
      });
    }
    if (!tls && !access && files.passwordFile === undefined) {
      tell.info('got SIGHUP: nothing to reload (no --tls-cert, --password-file, --allow-file or --deny-file)');
    }
  };

  function attempt(what: string, reload: () => void): void {
    try {
      reload();
    } catch (error) {
      tell.warn(`kept the old ${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
