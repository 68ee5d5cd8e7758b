import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const isDirectory = (path: string): boolean => statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;

/**
 * Makes a folder and the folders above it that are missing (`mode` for each made), one level at
 * a time: Node's own `mkdirSync(dir, { recursive: true })` loops for ever where the file system
 * answers ENOENT to a new entry (under /proc), where this throws that error. A path that is a
 * file throws EEXIST, as `recursive` does.
 */
export function makeDirectory(dir: string, mode?: number): void {
  const missing: string[] = [];
  for (let at = resolve(dir); statSync(at, { throwIfNoEntry: false }) === undefined; at = dirname(at)) {
    missing.unshift(at);
    if (dirname(at) === at) break;
  }
  if (missing.length === 0 && !isDirectory(dir)) mkdirSync(dir);
  for (const each of missing) {
    try {
      mkdirSync(each, { mode });
    } catch (error) {
      // Made meanwhile (another server or client starting at the same moment): as good.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !isDirectory(each)) throw error;
    }
  }
}
