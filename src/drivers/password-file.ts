import { readFileSync } from 'node:fs';

/**
 * What is wrong with a secret file's first line, if anything: an empty one, or one of blanks only,
 * which `/pass` cannot send (what follows a command is trimmed): a server would let no one in.
 */
export function secretFault(secret: string): string | undefined {
  if (!secret) return 'is empty';
  if (!secret.trim()) return 'holds only blanks on its first line (a secret cannot be blank)';
  return undefined;
}

/** A `--password-file`'s secret: its first line. Throws one sentence when it cannot be read or holds no secret. */
export function readPasswordFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read --password-file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const secret = text.split(/\r?\n/)[0];
  const fault = secretFault(secret);
  if (fault) throw new Error(`--password-file ${file} ${fault}`);
  return secret;
}
