import { readFileSync } from 'node:fs';

/** A `--password-file`'s secret: its first line. Throws one sentence when it cannot be read or is empty. */
export function readPasswordFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read --password-file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const secret = text.split(/\r?\n/)[0];
  if (!secret) throw new Error(`--password-file ${file} is empty`);
  return secret;
}
