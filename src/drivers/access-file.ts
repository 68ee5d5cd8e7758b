import { readFileSync } from 'node:fs';
import { parseRule } from './access-list.js';

export class AccessFileError extends Error {
  readonly code = 'ACCESS_FILE';
  constructor(message: string) {
    super(message);
    this.name = 'AccessFileError';
  }
}

/**
 * `--allow-file` / `--deny-file`, as ncat's `--allowfile`: one address or CIDR block a line; `#`
 * starts a comment, blank lines are skipped. Every rule is checked, so a file with one bad line
 * throws (naming the file and the line) and is not used at all.
 */
export function readAccessFile(file: string, option: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new AccessFileError(`cannot read ${option} ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const rules: string[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const rule = line.replace(/#.*/, '').trim();
    if (rule === '') return;
    parseRule(rule, `${option} ${file} line ${index + 1}:`);
    rules.push(rule);
  });
  return rules;
}
