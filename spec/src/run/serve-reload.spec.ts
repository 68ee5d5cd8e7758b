import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { admits, InvalidCidrError } from '../../../streams/limits/access.js';
import { readAccess } from '../../../src/run/serve-reload.js';

let dir: string;
beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), 'tcpchat-serve-reload-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('readAccess', () => {
  it("joins the flags' rules and the files' into one list; an --allow-file puts an allow list in force even when empty", () => {
    const list = readAccess(
      { allow: [], deny: ['10.0.0.1'] },
      { allowFile: file('allow', '10.0.0.0/8\n'), denyFile: file('deny', '10.0.0.2 # this one\n') },
    );
    expect(['10.0.0.1', '10.0.0.2', '10.0.0.3', '192.0.2.1'].map((ip) => admits(list, ip))).toEqual([false, false, true, false]);
    expect(admits(readAccess(undefined, { allowFile: file('nobody', '# nobody yet\n') }), '127.0.0.1')).toBe(false);
  });

  it('names the file and the line of a rule it cannot read', () => {
    const path = file('bad', '10.0.0.0/8\n\n10.0.0.0/40\n');
    expect(() => readAccess(undefined, { allowFile: path })).toThrow(new InvalidCidrError(`--allow-file ${path} line 3:`, '10.0.0.0/40'));
    expect(() => readAccess(undefined, { denyFile: path })).toThrow(
      `--deny-file ${path} line 3: 10.0.0.0/40 is not an address or a CIDR block`,
    );
  });
});
