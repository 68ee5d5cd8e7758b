import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATABASE_FILE } from '../../../src/drivers/history-store.js';
import { hashSecret, verifySecret } from '../../../src/drivers/secret-hash.js';
import { openData, type DataLink } from '../../../src/run/serve-data.js';
import { parseConsoleLine } from '../../../streams/protocol/console-command.js';
import { DEFAULT_ADMISSION_LIMITS } from '../../../streams/server/admission.js';
import type { Effect, RouterEvent } from '../../../streams/server/events.js';
import type { Fact } from '../../../streams/server/facts.js';
import { createRouter } from '../../../streams/server/router.js';
import type { ServerOutput } from '../../../streams/server/server-main.js';

/** `serve --data DIR` against a real SQLite file: what moderation decides outlives the server, and holds again at start. */

let dir: string;
const links: DataLink[] = [];
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'tcpchat-serve-data-'))));
afterEach(() => {
  for (const link of links.splice(0)) link.close();
  rmSync(dir, { recursive: true, force: true });
});

const clock = { now: Date.UTC(2026, 11, 5, 14) };
const typed = (line: string): RouterEvent => ({ kind: 'console', command: parseConsoleLine(line) });
const open = (id: number, ip: string): RouterEvent => ({ kind: 'open', id, ip, port: 4000 });
const lines = (id: number, line: string): RouterEvent => ({ kind: 'lines', id, lines: [line] });
const inbox = (effects: readonly Effect[], id: number): string[] =>
  effects.flatMap((effect) => (effect.kind === 'send' && effect.to.includes(id) ? effect.lines : []));

/** A server run on the data directory: each event's effects are kept as the shell keeps them. */
async function run() {
  const data = await openData(
    { dir, retention: { lines: 100 } },
    100,
    () => clock.now,
    () => {},
  );
  links.push(data);
  const route = createRouter({
    name: 'server',
    mode: 'room',
    admission: DEFAULT_ADMISSION_LIMITS,
    now: () => clock.now,
    epoch: data.epoch,
    restored: data.restored,
  });
  return (event: RouterEvent): readonly Effect[] => {
    const effects = route(event);
    data.keep(effects as readonly ServerOutput[]);
    return effects;
  };
}

describe('openData with moderation facts', () => {
  it('gives back bans, mutes, operators and locked topics after a reopen, and they hold at once', async () => {
    const first = await run();
    first(typed('/ban 10.8.0.0/16 spam'));
    first(typed('/ban ada 1h'));
    first(typed('/ban 10.9.9.9 lifted later'));
    first(typed('/unban 10.9.9.9'));
    first(typed('/mute zed'));
    first(typed('/op bob'));
    first(typed('/lock #quiet'));
    links.pop()!.close();

    const second = await run();
    expect(inbox(second(open(1, '10.8.1.1')), 1)).toEqual(['! banned: spam (until further notice)']);
    expect(inbox(second(open(2, '10.9.9.9')), 2)).toContainEqual(expect.stringMatching(/^\* welcome/));
    expect(inbox(second(lines(2, '/nick ada')), 2)).toEqual(['! nick ada is banned until 2026-12-05 15:00 UTC']);
    second(open(3, '10.0.0.3'));
    second(lines(3, '/nick zed'));
    expect(inbox(second(lines(3, 'hello')), 3)).toEqual(['! you are muted (until further notice)']);
    second(lines(2, '/join #quiet'));
    expect(inbox(second(lines(2, '/topic mine')), 2)).toEqual(['! the topic of #quiet is locked: only operators may change it']);
    expect(second(typed('/ops'))).toEqual([{ kind: 'log', entries: [{ type: 'notice', text: 'operators (1): bob' }] }]);
  });
});

describe('the facts table', () => {
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
