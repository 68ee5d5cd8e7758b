import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDirectory } from '../../../src/drivers/make-directory.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tcpchat-make-directory-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const modeOf = (path: string): number => statSync(path).mode & 0o777;

describe('makeDirectory', () => {
  it('makes the folder and the missing ones above it, each with the mode given', () => {
    makeDirectory(join(dir, 'a', 'b', 'c'), 0o700);
    for (const path of ['a', 'a/b', 'a/b/c']) {
      expect(statSync(join(dir, path)).isDirectory()).toBe(true);
      expect(modeOf(join(dir, path))).toBe(0o700);
    }
  });

  it('leaves a folder that exists as it is', () => {
    makeDirectory(join(dir, 'a'), 0o755);
    makeDirectory(join(dir, 'a'), 0o700);
    expect(modeOf(join(dir, 'a'))).toBe(0o755);
  });

  it('refuses a file (EEXIST) and a path under one (ENOTDIR)', () => {
    writeFileSync(join(dir, 'file'), '');
    expect(() => makeDirectory(join(dir, 'file'))).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(() => makeDirectory(join(dir, 'file', 'a', 'b'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
  });

  it('fails at once under /proc, where a recursive mkdir never returns', () => {
    expect(() => makeDirectory('/proc/tcpchat-no-such/a/b')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
