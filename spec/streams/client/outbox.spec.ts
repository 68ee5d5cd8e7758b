import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  acknowledge,
  DEFAULT_OUTBOX_LIMITS,
  EMPTY_OUTBOX,
  enqueue,
  type Outbox,
  type OutboxItem,
  type OutboxLimits,
} from '../../../streams/client/outbox.js';

const roomy: OutboxLimits = { maxLines: 100, maxBytes: 10_000 };
const item = (n: number, line = `line ${n}`): OutboxItem => ({ id: `s.${n}`, line });
const bytesOf = (items: readonly OutboxItem[]) => items.reduce((sum, i) => sum + Buffer.byteLength(i.line, 'utf8'), 0);

function fill(count: number, limits: OutboxLimits = roomy): Outbox {
  let outbox = EMPTY_OUTBOX;
  for (let n = 1; n <= count; n++) outbox = enqueue(outbox, item(n), limits).outbox;
  return outbox;
}

describe('outbox', () => {
  it('defaults to 1000 lines or 256 KiB', () => {
    expect(DEFAULT_OUTBOX_LIMITS).toEqual({ maxLines: 1000, maxBytes: 262_144 });
  });

  it('keeps lines in the order they were typed and counts their UTF-8 bytes', () => {
    let outbox = enqueue(EMPTY_OUTBOX, item(1, 'héllo'), roomy).outbox;
    outbox = enqueue(outbox, item(2, '太郎'), roomy).outbox;
    outbox = enqueue(outbox, item(3, ''), roomy).outbox;
    expect(outbox.items.map((i) => i.id)).toEqual(['s.1', 's.2', 's.3']);
    expect(outbox.bytes).toBe(6 + 6 + 0);
  });

  it('does not change the outbox it was given', () => {
    const before = fill(2);
    enqueue(before, item(3), roomy);
    acknowledge(before, 's.1');
    expect(before.items.map((i) => i.id)).toEqual(['s.1', 's.2']);
  });

  it('drops nothing while there is room', () => {
    expect(enqueue(fill(2), item(3), roomy).dropped).toEqual([]);
  });

  it('past the line limit drops the oldest and reports what it dropped', () => {
    const limits = { maxLines: 3, maxBytes: 10_000 };
    const full = fill(3, limits);
    const { outbox, dropped } = enqueue(full, item(4), limits);
    expect(dropped).toEqual([item(1)]);
    expect(outbox.items).toEqual([item(2), item(3), item(4)]);
    expect(outbox.bytes).toBe(bytesOf(outbox.items));
  });

  it('past the byte limit drops as many of the oldest as it takes', () => {
    const limits = { maxLines: 100, maxBytes: 10 };
    let outbox = enqueue(EMPTY_OUTBOX, item(1, 'aaaa'), limits).outbox;
    outbox = enqueue(outbox, item(2, 'bbbb'), limits).outbox;
    const result = enqueue(outbox, item(3, 'cccccccc'), limits);
    expect(result.dropped).toEqual([item(1, 'aaaa'), item(2, 'bbbb')]);
    expect(result.outbox).toEqual({ items: [item(3, 'cccccccc')], bytes: 8 });
  });

  it('keeps the newest line even when it alone is over the byte limit', () => {
    const limits = { maxLines: 100, maxBytes: 4 };
    const first = enqueue(EMPTY_OUTBOX, item(1, 'ab'), limits).outbox;
    const { outbox, dropped } = enqueue(first, item(2, 'too long for it'), limits);
    expect(dropped).toEqual([item(1, 'ab')]);
    expect(outbox.items).toEqual([item(2, 'too long for it')]);
  });

  describe('acknowledge', () => {
    it('removes the line with that id and every line before it', () => {
      const outbox = acknowledge(fill(5), 's.3');
      expect(outbox.items.map((i) => i.id)).toEqual(['s.4', 's.5']);
      expect(outbox.bytes).toBe(bytesOf(outbox.items));
    });

    it('empties the outbox for the last id', () => {
      expect(acknowledge(fill(3), 's.3')).toEqual({ items: [], bytes: 0 });
    });

    it('does nothing for an unknown id, or one already acknowledged', () => {
      const outbox = fill(3);
      expect(acknowledge(outbox, 's.9')).toBe(outbox);
      const once = acknowledge(outbox, 's.2');
      expect(acknowledge(once, 's.2')).toBe(once);
      expect(acknowledge(EMPTY_OUTBOX, 's.1')).toBe(EMPTY_OUTBOX);
    });
  });

  it('for any typing and acks: within its limits, in order, every line either kept, dropped (reported) or acknowledged', () => {
    type Op = { kind: 'type'; line: string } | { kind: 'ack'; pick: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 3, arbitrary: fc.string({ maxLength: 12 }).map((line) => ({ kind: 'type' as const, line })) },
      { weight: 1, arbitrary: fc.nat({ max: 20 }).map((pick) => ({ kind: 'ack' as const, pick })) },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 40 }),
        fc.array(op, { maxLength: 60 }),
        (maxLines, maxBytes, ops) => {
          const limits = { maxLines, maxBytes };
          let outbox = EMPTY_OUTBOX;
          let next = 1;
          const fate = new Map<string, 'kept' | 'dropped' | 'acked'>();
          for (const o of ops) {
            if (o.kind === 'type') {
              const added = item(next++, o.line);
              fate.set(added.id, 'kept');
              const result = enqueue(outbox, added, limits);
              for (const gone of result.dropped) {
                expect(fate.get(gone.id)).toBe('kept');
                fate.set(gone.id, 'dropped');
              }
              // Dropped lines are the oldest: each is older than every line kept.
              const oldestKept = result.outbox.items[0];
              for (const gone of result.dropped)
                if (oldestKept) expect(Number(gone.id.slice(2))).toBeLessThan(Number(oldestKept.id.slice(2)));
              outbox = result.outbox;
              // The newest line is always kept, unless there is no room for any line.
              expect(outbox.items.at(-1)).toEqual(added);
            } else {
              const target = `s.${o.pick}`;
              const index = outbox.items.findIndex((i) => i.id === target);
              const before = outbox.items;
              outbox = acknowledge(outbox, target);
              if (index === -1) expect(outbox.items).toBe(before);
              else for (const gone of before.slice(0, index + 1)) fate.set(gone.id, 'acked');
            }
            expect(outbox.items.length).toBeLessThanOrEqual(maxLines);
            expect(outbox.bytes).toBe(bytesOf(outbox.items));
            if (outbox.items.length > 1) expect(outbox.bytes).toBeLessThanOrEqual(maxBytes);
            const ids = outbox.items.map((i) => Number(i.id.slice(2)));
            expect(ids).toEqual([...ids].sort((a, b) => a - b));
            expect(ids.map((n) => fate.get(`s.${n}`))).toEqual(ids.map(() => 'kept'));
            expect([...fate.values()].filter((f) => f === 'kept')).toHaveLength(ids.length);
          }
        },
      ),
    );
  });
});
