import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHistoryStore } from '../../../src/drivers/history-store.js';
import { hashSecret, verifySecret } from '../../../src/drivers/secret-hash.js';
import type { Fact } from '../../../streams/server/facts.js';

/** Registered nicks' secrets: real scrypt hashes, kept in a real SQLite file across a reopen. */

describe('hashSecret and verifySecret', () => {
  it('checks the right secret and no other, and salts each hash on its own', async () => {
    const [one, two] = await Promise.all([hashSecret('open sesame'), hashSecret('open sesame')]);
    expect(one).toMatch(/^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(one).not.toBe(two);
    expect(one).not.toContain('sesame');
    expect(await verifySecret('open sesame', one)).toBe(true);
    expect(await verifySecret('open sesame', two)).toBe(true);
    expect(await verifySecret('open Sesame', one)).toBe(false);
    expect(await verifySecret('', one)).toBe(false);
  });

  it('never matches a hash in a form it does not know', async () => {
    expect(await verifySecret('x', 'x')).toBe(false);
    expect(await verifySecret('x', 'scrypt$0$8$1$AAAA$AAAA')).toBe(false);
    expect(await verifySecret('x', 'md5$abc')).toBe(false);
  });
});

describe('the facts table', () => {
  let dir: string;
  beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'tcpchat-nicks-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps registrations and drops them, across a reopen of the same file', async () => {
    const first = await openHistoryStore(dir);
    const hash = await hashSecret('s3cret');
    const registration = (key: string, nick: string, hash?: string): Fact =>
      hash ? { kind: 'registration', key, nick, hash } : { kind: 'registration', key, nick, lifted: true };
    first.write([], [], [registration('ada', 'Ada', hash), registration('bob', 'bob', await hashSecret('other'))]);
    first.write([], [], [registration('bob', 'bob')]);
    first.close();

    const again = await openHistoryStore(dir);
    try {
      const { facts } = again.read(0, 0);
      expect(facts).toEqual([{ kind: 'registration', key: 'ada', nick: 'Ada', hash }]);
      expect(await verifySecret('s3cret', hash)).toBe(true);
    } finally {
      again.close();
    }
  });
});
