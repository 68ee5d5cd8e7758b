import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  append,
  createHistory,
  createSequence,
  entriesOf,
  latest,
  linesGone,
  record,
  reload,
  since,
  type History,
} from '../../../streams/server/history.js';

const kept = (history: History) => since(history, 0);
const texts = (history: History) => kept(history).map((entry) => entry.line);

describe('history', () => {
  it('starts empty at sequence 0, with its epoch and capacity', () => {
    expect(createHistory(createSequence('e1'), 5)).toMatchObject({ sequence: { epoch: 'e1', lastSeq: 0 }, capacity: 5 });
    expect(kept(createHistory(createSequence('e1'), 5))).toEqual([]);
  });

  it('numbers lines from 1, one by one, across records, with their time and author', () => {
    const history = createHistory(createSequence('e'), 10);
    expect(entriesOf(record(history, ['a', 'b'], 1000, 'alice'))).toEqual([
      { seq: 1, time: 1000, line: 'a', author: 'alice' },
      { seq: 2, time: 1000, line: 'b', author: 'alice' },
    ]);
    expect(entriesOf(record(history, ['c'], 2000))).toEqual([{ seq: 3, time: 2000, line: 'c', author: undefined }]);
    expect(history.sequence.lastSeq).toBe(3);
    expect(kept(history).map((entry) => entry.seq)).toEqual([1, 2, 3]);
  });

  it('records nothing for an empty batch', () => {
    const history = createHistory(createSequence('e'), 10);
    expect(entriesOf(record(history, [], 0))).toEqual([]);
    expect(history.sequence.lastSeq).toBe(0);
  });

  it('keeps at most its capacity, dropping the oldest, even within one batch', () => {
    const history = createHistory(createSequence('e'), 3);
    record(history, ['a', 'b'], 0);
    record(history, ['c', 'd'], 0);
    expect(texts(history)).toEqual(['b', 'c', 'd']);
    record(history, ['e', 'f', 'g', 'h'], 0);
    expect(texts(history)).toEqual(['f', 'g', 'h']);
    expect(kept(history).map((entry) => entry.seq)).toEqual([6, 7, 8]);
    expect(history.sequence.lastSeq).toBe(8);
  });

  it('with capacity 0 keeps nothing but still numbers the lines', () => {
    const history = createHistory(createSequence('e'), 0);
    expect(entriesOf(record(history, ['a', 'b'], 5)).map((entry) => entry.seq)).toEqual([1, 2]);
    expect(entriesOf(record(history, ['c'], 5)).map((entry) => entry.seq)).toEqual([3]);
    expect(kept(history)).toEqual([]);
    expect(since(history, 0)).toEqual([]);
    expect(latest(history, 20)).toEqual([]);
  });

  describe('since', () => {
    const history = createHistory(createSequence('e'), 4);
    record(history, ['a', 'b', 'c', 'd', 'e', 'f'], 0); // keeps 3..6

    it('returns what came after a sequence number, in order', () => {
      expect(since(history, 4).map((entry) => entry.line)).toEqual(['e', 'f']);
    });

    it('returns everything kept from a point before the oldest kept line', () => {
      expect(since(history, 0).map((entry) => entry.seq)).toEqual([3, 4, 5, 6]);
      expect(since(history, 1).map((entry) => entry.seq)).toEqual([3, 4, 5, 6]);
    });

    it('returns nothing from the newest sequence number or past it', () => {
      expect(since(history, 6)).toEqual([]);
      expect(since(history, 99)).toEqual([]);
    });

    it('returns a copy, not the history itself', () => {
      const copy = since(history, 0);
      copy.pop();
      expect(kept(history)).toHaveLength(4);
    });
  });

  describe('linesGone', () => {
    const history = createHistory(createSequence('e'), 4);
    record(history, ['a', 'b', 'c', 'd', 'e', 'f'], 0); // keeps 3..6

    it('counts the lines after a point that are no longer kept', () => {
      expect(linesGone(history, 0, 6)).toBe(2);
      expect(linesGone(history, 1, 6)).toBe(1);
    });

    it('counts none from a point within what is kept', () => {
      expect(linesGone(history, 2, 6)).toBe(0);
      expect(linesGone(history, 5, 6)).toBe(0);
    });

    it('stops at the given last line, and counts everything when nothing is kept', () => {
      expect(linesGone(history, 0, 1)).toBe(1);
      const empty = createHistory(createSequence('e'), 0);
      record(empty, ['a', 'b', 'c'], 0);
      expect(linesGone(empty, 1, 3)).toBe(2);
    });

    it("leaves out the author's own lines, whole or the dropped part of a batch, with capacity 0 too", () => {
      const room = createHistory(createSequence('e'), 3);
      record(room, ['x1'], 0, 'x'); // 1
      record(room, ['o2'], 0); // 2
      record(room, ['x3', 'x4', 'x5'], 0, 'x'); // 3..5
      record(room, ['o6', 'o7'], 0); // 6, 7: keeps 5..7, x5 among them
      expect(linesGone(room, 0, 7)).toBe(4);
      expect(linesGone(room, 0, 7, 'x')).toBe(1); // o2
      expect(linesGone(room, 3, 7, 'x')).toBe(0);
      expect(linesGone(room, 0, 7, 'y')).toBe(4);
      const none = createHistory(createSequence('e'), 0);
      record(none, ['x1', 'x2'], 0, 'x');
      record(none, ['o3'], 0);
      expect(linesGone(none, 0, 3, 'x')).toBe(1);
    });

    it('remembers the dropped lines of a bounded number of sessions, the latest ones', () => {
      const room = createHistory(createSequence('e'), 1);
      for (let i = 0; i < 300; i++) record(room, ['said'], 0, `s${i}`);
      record(room, ['last'], 0);
      expect(room.droppedOwn?.size).toBeLessThanOrEqual(256);
      expect(linesGone(room, 299, 300, 's299')).toBe(0);
      expect(linesGone(room, 0, 1, 's0')).toBe(1); // forgotten: counted as gone, as before
    });

    it('remembers none of the lines of an author no client can come back as (the joins of plain connections crowd out no session)', () => {
      const room = createHistory(createSequence('e'), 1);
      record(room, ['said'], 0, 's');
      for (let i = 0; i < 300; i++) record(room, [`* guest-${i} joined`], 0, `joining ${i}`);
      expect([...(room.droppedOwn?.keys() ?? [])]).toEqual(['s']);
      expect(linesGone(room, 0, 301, 's')).toBe(299);
    });
  });

  describe('latest', () => {
    const history = createHistory(createSequence('e'), 5);
    record(history, ['a', 'b', 'c'], 0);

    it('returns the last N lines, oldest first', () => {
      expect(latest(history, 2).map((entry) => entry.line)).toEqual(['b', 'c']);
    });

    it('returns all it has when asked for more', () => {
      expect(latest(history, 20).map((entry) => entry.line)).toEqual(['a', 'b', 'c']);
    });

    it('returns nothing for 0 or less', () => {
      expect(latest(history, 0)).toEqual([]);
      expect(latest(history, -1)).toEqual([]);
    });
  });

  it('always holds the last min(capacity, recorded) lines with consecutive numbers ending at lastSeq', () => {
    fc.assert(
      fc.property(fc.nat({ max: 8 }), fc.array(fc.array(fc.string(), { maxLength: 5 }), { maxLength: 10 }), (capacity, batches) => {
        const history = createHistory(createSequence('e'), capacity);
        const all: string[] = [];
        for (const batch of batches) {
          record(history, batch, 0);
          all.push(...batch);
        }
        const last = capacity === 0 ? [] : all.slice(-capacity);
        expect(texts(history)).toEqual(last);
        expect(history.sequence.lastSeq).toBe(all.length);
        expect(kept(history).map((entry) => entry.seq)).toEqual(last.map((_, i) => all.length - last.length + 1 + i));
        for (let count = 0; count <= all.length + 1; count++)
          expect(latest(history, count)).toEqual(count === 0 ? [] : kept(history).slice(-count));
        for (let seq = 0; seq <= all.length; seq++) {
          expect(since(history, seq).map((entry) => entry.seq)).toEqual(
            kept(history)
              .filter((entry) => entry.seq > seq)
              .map((entry) => entry.seq),
          );
        }
      }),
    );
  });

  it('numbers the lines of every room that shares a sequence from one counter, and counts only its own lines as gone', () => {
    const sequence = createSequence('e');
    const lobby = createHistory(sequence, 2);
    const dev = createHistory(sequence, 2);
    record(lobby, ['a', 'b'], 0);
    expect(record(dev, ['x'], 0).seq).toBe(3);
    record(lobby, ['c'], 0);
    expect(sequence.lastSeq).toBe(4);
    expect(kept(lobby).map((entry) => entry.seq)).toEqual([2, 4]);
    expect(linesGone(lobby, 0, 4)).toBe(1);
    expect(linesGone(dev, 0, 4)).toBe(0);
  });

  it('keeps a batch as given, and makes its entries only when asked', () => {
    const history = createHistory(createSequence('e'), 10);
    const lines = ['<a> one', '<a> two', '<a> three'];
    const batch = record(history, lines, 7, 's');
    expect(batch.lines).toBe(lines);
    expect(since(history, 1)).toEqual([
      { seq: 2, time: 7, line: '<a> two', author: 's' },
      { seq: 3, time: 7, line: '<a> three', author: 's' },
    ]);
  });

  it("keeps a cluster's batch whole, as one item numbered from its first line, and goes on after its last", () => {
    const history = createHistory(createSequence('e'), 10);
    const lines = ['<bob> x', '<bob> y', '<bob> z'];
    append(history, [{ seq: 10, time: 1, author: 's', lines }]);
    expect(history.items).toHaveLength(1);
    expect(history.sequence.lastSeq).toBe(12);
    expect(since(history, 10)).toEqual([
      { seq: 11, time: 1, line: '<bob> y', author: 's' },
      { seq: 12, time: 1, line: '<bob> z', author: 's' },
    ]);
    expect(record(history, ['w'], 2).seq).toBe(13);
  });

  it('mixes batches with entries a cluster numbered, and trims both by lines', () => {
    const history = createHistory(createSequence('e'), 4);
    record(history, ['a', 'b', 'c'], 0);
    append(history, [
      { seq: 10, time: 1, line: 'x' },
      { seq: 11, time: 1, line: 'y' },
    ]);
    expect(kept(history).map((entry) => [entry.seq, entry.line])).toEqual([
      [2, 'b'],
      [3, 'c'],
      [10, 'x'],
      [11, 'y'],
    ]);
    expect(latest(history, 3).map((entry) => entry.seq)).toEqual([3, 10, 11]);
    expect(record(history, ['z'], 2).seq).toBe(12);
    expect(texts(history)).toEqual(['c', 'x', 'y', 'z']);
    reload(history, 'e2', [{ seq: 20, time: 3, line: 'r' }]);
    expect(texts(history)).toEqual(['r']);
    expect(record(history, ['s', 't', 'u', 'v', 'w'], 4).seq).toBe(21);
    expect(kept(history).map((entry) => entry.seq)).toEqual([22, 23, 24, 25]);
  });
});
