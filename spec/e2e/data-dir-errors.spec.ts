import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanUp } from './helpers/leftovers.js';
import { tcpchat, waitForExit } from './helpers/processes.js';

afterEach(cleanUp);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tcpchat-e2e-data-dir-'));
  writeFileSync(join(dir, 'a-file'), '');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('serve --data DIR that cannot be made: exit 1 at once, one sentence', () => {
  it.each([
    // Node's own recursive mkdir spins for ever there: the server never listened nor said a word.
    ['under /proc', () => '/proc/tcpchat-no-such/data', /^tcpchat: cannot keep data in \/proc\/tcpchat-no-such\/data: ENOENT: /],
    ['a file', () => join(dir, 'a-file'), /^tcpchat: cannot keep data in .*a-file: EEXIST: /],
    ['under a file', () => join(dir, 'a-file', 'data'), /^tcpchat: cannot keep data in .*a-file\/data: ENOTDIR: /],
  ])('%s', async (_, data, sentence) => {
    const running = tcpchat(['serve', '--host', '127.0.0.1', '--port', '0', '--data', data()], { stdin: 'ignore' });
    const { code } = await waitForExit(running);
    expect(code).toBe(1);
    const stderr = await running.stderr.end();
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatch(sentence);
  });
});
