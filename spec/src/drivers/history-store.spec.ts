import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHistoryStore, type HistoryStore } from '../../../src/drivers/history-store.js';

/** The data directory against a real SQLite file, opened again as a restarted server does. */

let dir: string;
const opened: HistoryStore[] = [];
const open = async (): Promise<HistoryStore> => {
  const store = await openHistoryStore(join(dir, 'data'));
  opened.push(store);
  return store;
};
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'tcpchat-history-store-'))));
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
  rmSync(dir, { recursive: true, force: true });
});

const batch = (room: string, seq: number, time: number, ...lines: string[]) => ({ room, seq, time, lines });

describe('openHistoryStore', () => {
  it('gives back, after a reopen, the epoch, the last number, each room’s last lines and the acknowledged ids', async () => {
    const first = await open();
    first.write([batch('#lobby', 1, 10, '<ada> one', '<ada> two'), { ...batch('#dev', 3, 20, '<bob> three'), author: 's-bob' }], ['s1.1']);
    first.write([batch('#lobby', 4, 30, '<ada> four')], ['s1.2', 's1.3']);
    const { epoch } = first.read(10, 10);
    first.close();
    opened.length = 0;

    const kept = (await open()).read(2, 2);
    expect(kept).toEqual({
      epoch,
      lastSeq: 4,
      rooms: new Map([
        [
          '#lobby',
          [
            { seq: 2, time: 10, line: '<ada> two' },
            { seq: 4, time: 30, line: '<ada> four' },
          ],
        ],
        ['#dev', [{ seq: 3, time: 20, line: '<bob> three', author: 's-bob' }]],
      ]),
      dropped: new Map([['#lobby', 1]]),
      seenIds: ['s1.2', 's1.3'],
      facts: [],
    });
    expect(epoch).toMatch(/^[\w-]{8}$/);
  });

  it('keeps the last --retain lines of each room, and the numbering when it drops them all', async () => {
    const store = await open();
    store.write([batch('#lobby', 1, 0, 'a', 'b', 'c'), batch('#dev', 4, 0, 'd')], ['x', 'y', 'z']);
    expect(store.prune({ lines: 1 }, 0, 2)).toBe(2);
    expect(store.read(10, 10)).toMatchObject({ lastSeq: 4, seenIds: ['y', 'z'] });
    const { rooms } = store.read(10, 10);
    expect([rooms.get('#lobby'), rooms.get('#dev')].map((lines) => lines!.map((line) => line.line))).toEqual([['c'], ['d']]);
  });

  it('tells, per room, the newest line --retain dropped (after a reopen too), and no room whose lines are all there', async () => {
    const store = await open();
    store.write(
      [batch('#lobby', 1, 1000, 'a', 'b'), batch('#dev', 3, 1000, 'c'), batch('#lobby', 4, 5000, 'd'), batch('#ops', 5, 5000, 'e')],
      [],
    );
    store.prune({ ms: 2000 }, 6000, 10);
    expect(store.read(10, 10).dropped).toEqual(
      new Map([
        ['#lobby', 2],
        ['#dev', 3],
      ]),
    );
    store.prune({ lines: 0 }, 6000, 10);
    store.close();
    opened.length = 0;
    expect((await open()).read(10, 10).dropped).toEqual(
      new Map([
        ['#lobby', 4],
        ['#dev', 3],
        ['#ops', 5],
      ]),
    );
  });

  it('drops lines older than a --retain duration', async () => {
    const store = await open();
    store.write([batch('#lobby', 1, 1000, 'old'), batch('#lobby', 2, 5000, 'new')], []);
    expect(store.prune({ ms: 2000 }, 6000, 10)).toBe(1);
    expect(
      store
        .read(10, 10)
        .rooms.get('#lobby')!
        .map((line) => line.line),
    ).toEqual(['new']);
    store.prune({ ms: 0 }, 10_000, 10);
    expect(store.read(10, 10)).toMatchObject({ lastSeq: 2, rooms: new Map() });
  });

  it('finds a room’s lines since a time, and by words (never another room’s, never read as query syntax)', async () => {
    const store = await open();
    store.write(
      [
        batch('#lobby', 1, 100, '<ada> the deploy failed'),
        batch('#dev', 2, 200, '<bob> deploy again'),
        batch('#lobby', 3, 300, '<ada> deploy fixed, "really" OR NOT*'),
      ],
      [],
    );
    expect(store.since('#lobby', 150, 50).map((line) => line.seq)).toEqual([3]);
    expect(store.search('#lobby', ['deploy'], 50).map((line) => line.seq)).toEqual([1, 3]);
    expect(store.search('#lobby', ['deploy'], 1).map((line) => line.seq)).toEqual([3]);
    expect(store.search('#lobby', ['DEPLOY', 'failed'], 50).map((line) => line.seq)).toEqual([1]);
    expect(store.search('#lobby', ['"really"', 'OR', 'NOT*'], 50).map((line) => line.seq)).toEqual([3]);
    store.prune({ lines: 0 }, 0, 0);
    expect(store.search('#lobby', ['deploy'], 50)).toEqual([]);
  });
});
