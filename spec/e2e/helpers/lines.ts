import type { Readable } from 'node:stream';
import { WAIT_MS, within } from './within.js';

export type LineMatch = string | RegExp | ((line: string) => boolean);

const matcher = (match: LineMatch): ((line: string) => boolean) =>
  typeof match === 'string' ? (line) => line === match : match instanceof RegExp ? (line) => match.test(line) : match;

const describeMatch = (match: LineMatch): string =>
  typeof match === 'function' ? 'a matching line' : typeof match === 'string' ? JSON.stringify(match) : String(match);

/** Collects a stream's text as lines (LF-separated, without the LF) and lets a test wait for one. */
export class Lines {
  readonly all: string[] = [];
  private text = '';
  private partial = '';
  private ended = false;
  private readonly changed = new Set<() => void>();

  constructor(
    stream: Readable,
    readonly name: string,
  ) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      this.text += chunk;
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop() ?? '';
      this.all.push(...parts);
      this.notify();
    });
    const finish = (): void => {
      if (this.ended) return;
      if (this.partial) this.all.push(this.partial);
      this.partial = '';
      this.ended = true;
      this.notify();
    };
    stream.on('end', finish);
    stream.on('close', finish);
    stream.on('error', finish);
  }

  /** Everything received so far, as it came. */
  get raw(): string {
    return this.text;
  }

  /** Resolves with the first line from index `from` on that matches; fails on timeout or at the end. */
  waitFor(match: LineMatch, ms = WAIT_MS, from = 0): Promise<string> {
    const test = matcher(match);
    return this.when(() => this.all.slice(from).find(test), `${describeMatch(match)} on ${this.name}`, ms);
  }

  /** Resolves with every line once the stream has ended. */
  end(ms = WAIT_MS): Promise<string[]> {
    return this.when(() => (this.ended ? [...this.all] : undefined), `the end of ${this.name}`, ms, false);
  }

  /** Resolves once the raw text contains `text` (for output without newlines). */
  waitForText(text: string, ms = WAIT_MS): Promise<string> {
    return this.when(() => (this.text.includes(text) ? this.text : undefined), `${JSON.stringify(text)} on ${this.name}`, ms);
  }

  private when<T>(found: () => T | undefined, what: string, ms: number, failAtEnd = true): Promise<T> {
    const waiting = new Promise<T>((resolve, reject) => {
      const check = (): void => {
        const result = found();
        if (result !== undefined) {
          this.changed.delete(check);
          resolve(result);
        } else if (failAtEnd && this.ended) {
          this.changed.delete(check);
          reject(new Error(`${this.name} ended before ${what}; ${this.summary()}`));
        }
      };
      this.changed.add(check);
      check();
    });
    return within(waiting, () => `${what}; ${this.summary()}`, ms);
  }

  private summary(): string {
    const last = this.all.slice(-12).map((line) => (line.length > 200 ? `${line.slice(0, 200)}…` : line));
    return `${this.name} had ${this.all.length} line(s)${last.length ? `, ending:\n  ${last.join('\n  ')}` : ''}`;
  }

  private notify(): void {
    for (const check of [...this.changed]) check();
  }
}
