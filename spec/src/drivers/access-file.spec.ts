import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccessFileError, readAccessFile } from '../../../src/drivers/access-file.js';

let dir: string;
beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), 'tcpchat-access-file-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('readAccessFile', () => {
  it('reads one rule a line, skipping comments, blank lines and CRLF endings', () => {
    const path = file('rules', '# the office\n10.0.0.0/8   # all of it\r\n\n   \n192.0.2.7\nfd00::/8\n# ::1\n');
    expect(readAccessFile(path, '--allow-file')).toEqual([
      { text: '10.0.0.0/8', line: 2 },
      { text: '192.0.2.7', line: 5 },
      { text: 'fd00::/8', line: 6 },
    ]);
  });

  it('an empty file (or only comments) is no rules', () => {
    expect(readAccessFile(file('empty', ''), '--deny-file')).toEqual([]);
    expect(readAccessFile(file('comments', '# nobody yet\n'), '--deny-file')).toEqual([]);
  });

  it('says why a file cannot be read, in one sentence', () => {
    const missing = join(dir, 'missing');
    expect(() => readAccessFile(missing, '--deny-file')).toThrow(new AccessFileError(`cannot read --deny-file ${missing} (ENOENT)`));
    expect(() => readAccessFile(dir, '--deny-file')).toThrow(`cannot read --deny-file ${dir} (EISDIR)`);
  });
});
