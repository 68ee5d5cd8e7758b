import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATABASE_FILE } from '../../../src/drivers/history-store.js';
import { hashSecret, verifySecret } from '../../../src/drivers/secret-hash.js';
import { openData } from '../../../src/run/serve-data.js';
import type { Fact } from '../../../streams/server/facts.js';
import type { ServerOutput } from '../../../streams/server/server-main.js';

describe('the facts table', () => {
  let dir: string;
  beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'tcpchat-nicks-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const open = () => openData({ dir, retention: { lines: 100 } }, 10, Date.now, () => {});
  const kept = (fact: Fact): ServerOutput => ({ kind: 'fact', fact });

  it('keeps registrations and drops them, across a reopen of the same file', async () => {
    const first = await open();
    const hash = await hashSecret('s3cret');
    first.keep([
      kept({ kind: 'registration', key: 'ada', nick: 'Ada', hash }),
      kept({ kind: 'registration', key: 'bob', nick: 'bob', hash: await hashSecret('other') }),
    ]);
    first.keep([kept({ kind: 'registration', key: 'bob', nick: 'bob', lifted: true })]);
    first.close();

    const again = await open();
    try {
      expect(again.restored.facts).toEqual([{ kind: 'registration', key: 'ada', nick: 'Ada', hash }]);
      expect(await verifySecret('s3cret', hash)).toBe(true);
    } finally {
      again.close();
    }
  });

  it('takes the registrations of a directory made before facts (a nicks table) as facts, once', async () => {
    const { default: Database } = await import('better-sqlite3');
    const old = new Database(join(dir, DATABASE_FILE));
    old.exec(
      "CREATE TABLE nicks (key TEXT PRIMARY KEY, nick TEXT NOT NULL, hash TEXT NOT NULL); INSERT INTO nicks VALUES ('ada', 'Ada', 'h')",
    );
    old.close();
    for (let run = 0; run < 2; run++) {
      const data = await open();
      expect(data.restored.facts).toEqual([{ kind: 'registration', key: 'ada', nick: 'Ada', hash: 'h' }]);
      data.close();
    }
  });
});
