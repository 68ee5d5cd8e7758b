import { readFileSync } from 'node:fs';

export class AccessFileError extends Error {
  readonly code = 'ACCESS_FILE';
  constructor(message: string) {
    super(message);
    this.name = 'AccessFileError';
  }
}

/** A rule as a file holds it, with its line number (from 1) for a sentence about it. */
export interface AccessFileRule {
  readonly text: string;
  readonly line: number;
}

/**
 * `--allow-file` / `--deny-file`, as ncat's `--allowfile`: one address or CIDR block a line; `#`
 * starts a comment, blank lines are skipped. The rules are read here, not checked.
 */
export function readAccessFile(file: string, option: string): AccessFileRule[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new AccessFileError(`cannot read ${option} ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const rules: AccessFileRule[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const rule = line.replace(/#.*/, '').trim();
    if (rule !== '') rules.push({ text: rule, line: index + 1 });
  });
  return rules;
}
