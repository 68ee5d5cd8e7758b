import { readFileSync } from 'node:fs';

/**
 * Reads the files that options name while the command line is parsed (`--config`,
 * `--password-file`). A file that cannot be read or understood is a runtime failure, exit 1, as
 * a missing `--tls-cert` is; a mistake on the command line is a usage error, exit 2. yargs hands
 * its `fail` callback only the message of an error thrown while parsing, so the failures made
 * here are remembered by their message.
 */
export class OptionFiles {
  readonly #failures = new Set<string>();

  /** The file's text, or one sentence: `cannot read --config tcpchat.json (ENOENT)`. */
  read(option: string, file: string): string {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      return this.refuse(`cannot read ${option} ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  }

  /** Fails with a sentence about a file that was read but cannot be used. */
  refuse(message: string): never {
    this.#failures.add(message);
    throw new Error(message);
  }

  /** Whether a usage failure's message is one of ours, a file's fault rather than the command line's. */
  failed(message: string): boolean {
    return this.#failures.has(message);
  }
}
